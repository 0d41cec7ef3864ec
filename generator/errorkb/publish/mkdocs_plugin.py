"""MkDocs plugin `errorkb`: adds the rendered error pages to a MkDocs build.

Loads and validates the errors folder (a problem fails the build with `path:line:column: CODE`
lines): the plugin's `errors_dir` under plain `mkdocs build`, or the folder (and the knowledge
base already loaded from it) that `errorkb build` and `errorkb serve` hand over with `use`;
adds the generated pages as generated files (nothing is written into docs/), points each error
page's edit link at its YAML file, builds the navigation from index pages only (home, one page
per provider, hand-written pages), and makes `mkdocs serve` rebuild when a file under errors/
changes.  After the build it writes each error's whole record as api/<provider>/<slug>.json beside
errors.json, the index that points to them, and robots.txt.  Each error page's context gets `errorkb_jsonld`
(schema.org data, escaped for a <script> element), and the theme's environment the paste box and the most
common errors for the 404 page.

Index pages (home, providers, format) go through Markdown like any page.  An error page's file
holds only its front matter: its HTML comes from publish.html, rendered on every core by
publish.parallel while MkDocs builds, so MkDocs never parses its Markdown (`on_pre_page` gives
the page a render step that does nothing).  The HTML and table of contents are put in place
just before the theme renders the page, first among plugins, and dropped after it is written.

While `errorkb serve` runs, the plugin keeps what MkDocs built (configuration, files, navigation,
template environment), so that `rebuild_errors` can rebuild, after an edit to error files, only
the pages the edit touches (see publish.site).

Search (option `search`, on by default): publish.search_index indexes each page with Pagefind as
soon as it is written, on the other core, into pagefind/; assets/errorkb/search.js gives every
page a search dialog that loads the index only when the reader searches.  Material's own `search` plugin (one
lunr index that every page downloads) must then be left out of the plugins.
"""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
import threading
from pathlib import Path

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

from ..kb import ErrorEntry, KnowledgeBase, ValidationFailed, load_knowledge_base
from ..search.index import INDEXED_FIELDS
from ..search.shards import SHARDS_PATH
from .parallel import PageRendering, page_inputs
from .search_index import SearchIndexer, SearchIndexError
from .render import (SHARD_MATCH_INDEX_FROM, coverage, error_document, error_document_path, error_documents,
                     error_front_matter, index_json, json_ld, match_files, most_common, nav_for, new_issue_url,
                     page_dates, page_path, paste_box_html, render_index_pages, script_json, site_files)

log = logging.getLogger("mkdocs.plugins.errorkb")


def _matched_fields(entry) -> tuple:
    """What the match index holds of an error (search.index.index_for): an edit elsewhere leaves it as it is."""
    return tuple(entry.data.get(key) for key in INDEXED_FIELDS)


class ErrorkbConfig(Config):
    errors_dir = config_options.Type(str, default="errors")
    extra_nav = config_options.Type(list, default=[])
    search = config_options.Type(bool, default=True)
    shard_match_index_from = config_options.Type(int, default=SHARD_MATCH_INDEX_FROM)


SEARCH_SCRIPT = "assets/errorkb/search.js"
NOT_SEARCHED = {"all-errors.md", "tags.md"}   # lists that repeat what the error pages say: kept out of the index


class ErrorkbPlugin(BasePlugin[ErrorkbConfig]):
    def __init__(self):
        super().__init__()
        self.kb: KnowledgeBase | None = None
        self.errors_dir: Path | None = None
        self._given: tuple[Path, KnowledgeBase | None] | None = None
        self.page_dates: dict[str, str] = {}
        self.rendering: PageRendering | None = None
        self.error_pages: dict[str, ErrorEntry] = {}
        self.indexer: SearchIndexer | None = None
        self.built: tuple | None = None   # (config, files, nav, env) of the last build, for rebuild_errors
        self.built_nav = None
        self.reindexing: threading.Thread | None = None
        self.shutting_down = False

    def use(self, errors_dir: Path, kb: KnowledgeBase | None = None) -> None:
        """Build `errors_dir` instead of the configured errors_dir; `kb`, if given, was loaded from it."""
        self._given = (errors_dir, kb)

    def on_config(self, config):
        if self._given is not None:
            errors_dir, self.kb = self._given
        else:
            errors_dir, self.kb = Path(config.config_file_path or ".").parent / self.config.errors_dir, None
        self.errors_dir = errors_dir.resolve()
        try:
            if self.kb is None:
                self.kb = load_knowledge_base(errors_dir)
        except ValidationFailed as failure:
            listing = "\n".join(str(problem) for problem in failure.problems)
            raise PluginError(f"errorkb: {len(failure.problems)} problem(s) in the error files:\n{listing}")
        if config.nav is None:
            extra = [(title, path) for item in self.config.extra_nav for title, path in item.items()]
            config.nav = nav_for(self.kb, extra)
        if self.config.search:
            for name in ("search", "material/search"):
                if name in config.plugins:
                    raise PluginError("errorkb: the errorkb plugin indexes the site for search with Pagefind; "
                                      "remove '- search' from plugins in the MkDocs configuration (or set "
                                      "errorkb's 'search: false' to keep Material's search)")
            if SEARCH_SCRIPT not in [str(script) for script in config.extra_javascript]:
                config.extra_javascript.append(SEARCH_SCRIPT)
        return config

    def on_files(self, files: Files, config) -> Files:
        assert self.kb is not None
        docs_dir = Path(config.docs_dir).resolve()
        generated = {**render_index_pages(self.kb, config.repo_url),
                     **site_files(self.kb, self.config.shard_match_index_from)}
        generated.update({page_path(entry): error_front_matter(entry) for entry in self.kb.errors})
        for path, content in generated.items():
            if files.get_file_from_path(path) is not None:
                raise PluginError(f"errorkb: docs/{path} would be replaced by a generated page: remove or rename it")
            files.append(File.generated(config, path, content=content))
        for entry in self.kb.errors:
            generated_file = files.get_file_from_path(page_path(entry))
            generated_file.edit_uri = posixpath.join(*Path(os.path.relpath(entry.path.resolve(), docs_dir)).parts)
        self.page_dates = page_dates(self.kb)
        self.error_pages = {page_path(entry): entry for entry in self.kb.errors}
        self._close_rendering()
        self.rendering = PageRendering(config.markdown_extensions, config.mdx_configs, config.use_directory_urls)
        self.rendering.start(page_inputs(self.kb))
        if self.config.search:
            self.indexer = SearchIndexer()
            try:
                self.indexer.start(Path(config.site_dir))
            except SearchIndexError as error:
                self.indexer = None
                raise PluginError(f"errorkb: {error}") from None
        return files

    def on_env(self, env, config, files):
        """What the theme's 404 page shows beside its links (the paste box and the most common errors); and, for
        rebuild_errors, what MkDocs built."""
        self._theme_globals(env, config)
        self.built = (config, files, self.built_nav, env)
        return env

    def _theme_globals(self, env, config) -> None:
        assert self.kb is not None
        issue_url, covers = new_issue_url(config.repo_url), coverage(self.kb)
        env.globals["errorkb_paste_box"] = lambda site_root: paste_box_html(site_root, issue_url, covers)
        env.globals["errorkb_popular"] = [{"title": entry.data["title"], "url": entry.url,
                                           "signature": entry.data["signature"]["text"]} for entry in most_common(self.kb)]

    def on_nav(self, nav, config, files):
        self.built_nav = nav
        return nav

    def on_pre_page(self, page, config, files):
        """An error page skips Markdown: its HTML arrives in on_page_context."""
        if page.file.src_uri in self.error_pages:
            def render_nothing(config, files, page=page):
                page.content = ""
            page.render = render_nothing
        return page

    def on_page_markdown(self, markdown, page, config, files):
        """The date search engines see (sitemap.xml lastmod): an error page's `updated`, a provider page's latest,
        any other page the knowledge base's latest, so that a build does not depend on the day it runs."""
        page.update_date = self.page_dates.get(page.file.src_uri, self.page_dates.get("", page.update_date))
        return markdown

    @event_priority(100)
    def on_page_context(self, context, page, config, nav):
        """Put an error page's HTML and table of contents in place before any other plugin or the theme sees it."""
        if page.file.src_uri in self.error_pages:
            assert self.rendering is not None
            page.content, toc_tokens = self.rendering.take(page.file.src_uri)
            page.toc = get_toc(toc_tokens)
            if config.site_url:
                entry = self.error_pages[page.file.src_uri]
                provider = self.kb.providers[entry.provider]
                site_url = config.site_url.rstrip("/") + "/"
                context["errorkb_jsonld"] = script_json(json_ld(entry, provider.name, config.site_name, site_url))
        return context

    def on_post_page(self, output, page, config):
        """Once an error page is written, let go of its HTML, so that a build holds few pages at a time."""
        if page.file.src_uri in self.error_pages:
            page.content = ""
        if self.indexer is not None and page.file.src_uri not in NOT_SEARCHED:
            self.indexer.add(output, page.url)
        return output

    def on_post_build(self, config):
        self._close_rendering()
        site_dir = Path(config.site_dir)
        robots = "User-agent: *\nAllow: /\n"
        if config.site_url:
            robots += f"Sitemap: {config.site_url.rstrip('/')}/sitemap.xml\n"
        (site_dir / "robots.txt").write_text(robots, encoding="utf-8")
        for path, text in error_documents(self.kb):
            target = site_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if self.indexer is not None:
            indexer, self.indexer = self.indexer, None
            try:
                indexer.finish()
            except SearchIndexError as error:
                raise PluginError(f"errorkb: {error}") from None

    def on_build_error(self, error):
        self._close_rendering()
        if self.indexer is not None:
            self.indexer.close()
            self.indexer = None

    def _close_rendering(self) -> None:
        if self.rendering is not None:
            self.rendering.close()
            self.rendering = None

    def changed_errors(self, kb: KnowledgeBase) -> list[str] | None:
        """The ids of the errors whose files say something else in `kb` than in the site last built; None when
        `kb` differs in more than that (an error added or removed, a provider changed): then only a full build
        will do."""
        if self.kb is None or self.built is None:
            return None
        old = self.kb.by_id()
        if set(old) != {entry.id for entry in kb.errors} or (
                {slug: provider.data for slug, provider in self.kb.providers.items()}
                != {slug: provider.data for slug, provider in kb.providers.items()}):
            return None
        return [entry.id for entry in kb.errors if entry.data != old[entry.id].data]

    def rebuild_errors(self, kb: KnowledgeBase, changed: list[str]) -> list[str]:
        """In the site last built, rebuild only what an edit to the errors `changed` touches: their pages, the
        pages of the errors related to them (before or after the edit), the index pages whose Markdown changed
        (provider pages, home), the theme's static templates (sitemap.xml), match-index.json, errors.json and
        each changed error's record; then index the site for search again, in the background.  Returns the docs
        paths of the pages rebuilt."""
        from mkdocs.commands.build import _build_page, _build_theme_template, _populate_page
        from mkdocs.structure.files import InclusionLevel

        assert self.built is not None and self.kb is not None
        config, files, nav, env = self.built
        old, new = self.kb.by_id(), kb.by_id()
        touched = set(changed)
        for eid in changed:
            touched.update(old[eid].data.get("related", []))
            touched.update(new[eid].data.get("related", []))
        touched &= set(new)
        self.kb = kb
        self.error_pages = {page_path(entry): entry for entry in kb.errors}
        self._theme_globals(env, config)
        pages = []
        error_paths = set()
        for eid in sorted(touched):
            path = page_path(new[eid])
            error_paths.add(path)
            file = files.get_file_from_path(path)
            file.content_string = error_front_matter(new[eid])
            pages.append(file.page)
        for path, content in render_index_pages(kb, config.repo_url).items():
            file = files.get_file_from_path(path)
            if file is not None and file.content_string != content:
                file.content_string = content
                pages.append(file.page)
        self.page_dates = page_dates(kb)
        self._close_rendering()
        self.rendering = PageRendering(config.markdown_extensions, config.mdx_configs, config.use_directory_urls)
        self.rendering.start([page for page in page_inputs(kb) if page.path in error_paths], workers=1)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.all)
        try:
            for page in pages:
                _populate_page(page, config, files)
            for page in pages:
                _build_page(page, config, doc_files, nav, env)
            for template in config.theme.static_templates:
                _build_theme_template(template, env, files, config, nav)
        finally:
            self._close_rendering()
        site_dir = Path(config.site_dir)
        (site_dir / "errors.json").write_text(index_json(kb), encoding="utf-8")
        if any(_matched_fields(old[eid]) != _matched_fields(new[eid]) for eid in changed):
            shutil.rmtree(site_dir / SHARDS_PATH, ignore_errors=True)   # shards made for the old index
            for path, text in match_files(kb, self.config.shard_match_index_from).items():
                (site_dir / path).parent.mkdir(parents=True, exist_ok=True)
                (site_dir / path).write_text(text, encoding="utf-8")
        for eid in changed:
            (site_dir / error_document_path(new[eid])).write_text(error_document(kb, new[eid]), encoding="utf-8")
        if self.config.search:
            self._reindex_later(site_dir, doc_files)
        return [page.file.src_uri for page in pages]

    def _reindex_later(self, site_dir: Path, doc_files) -> None:
        """Index the built pages for search again, in a thread of its own (after the previous one is done)."""
        previous = self.reindexing
        pages = [(Path(file.abs_dest_path), file.page.url) for file in doc_files
                 if file.page is not None and file.src_uri not in NOT_SEARCHED]   # as on_post_page indexes them

        def reindex():
            if previous is not None:
                previous.join()
            indexer = SearchIndexer()
            try:
                indexer.start(site_dir)
                for output, url in pages:
                    if output.is_file():
                        indexer.add(output.read_text(encoding="utf-8"), url)
                indexer.finish()
            except (SearchIndexError, OSError) as error:
                indexer.close()
                if not self.shutting_down:   # Ctrl-C stops Pagefind too
                    log.error(f"errorkb: the search index was not rebuilt: {error}")

        self.reindexing = threading.Thread(target=reindex, name="errorkb-reindex", daemon=True)
        self.reindexing.start()

    def on_shutdown(self):
        self.shutting_down = True

    def on_serve(self, server, config, builder):
        if self.errors_dir is not None:
            server.watch(str(self.errors_dir))
        server.watch(str(Path(__file__).parent / "templates"))
        return server

