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

Search (option `search`, on by default): publish.search_index indexes each page with Pagefind as
soon as it is written, on the other core, into pagefind/; assets/errorkb/search.js gives every
page a search dialog that loads the index only when the reader searches.  Material's own `search` plugin (one
lunr index that every page downloads) must then be left out of the plugins.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

from ..kb import ErrorEntry, KnowledgeBase, ValidationFailed, load_knowledge_base
from .parallel import PageRendering, page_inputs
from .search_index import SearchIndexer, SearchIndexError
from .render import (error_documents, error_front_matter, json_ld, most_common, script_json, nav_for, new_issue_url, page_dates, page_path,
                     paste_box_html, render_index_pages, site_files)


class ErrorkbConfig(Config):
    errors_dir = config_options.Type(str, default="errors")
    extra_nav = config_options.Type(list, default=[])
    search = config_options.Type(bool, default=True)


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
        generated = {**render_index_pages(self.kb, config.repo_url), **site_files(self.kb)}
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
        """What the theme's 404 page shows beside its links: the paste box and the most common errors."""
        assert self.kb is not None
        issue_url = new_issue_url(config.repo_url)
        env.globals["errorkb_paste_box"] = lambda site_root: paste_box_html(site_root, issue_url)
        env.globals["errorkb_popular"] = [{"title": entry.data["title"], "url": entry.url,
                                           "signature": entry.data["signature"]["text"]} for entry in most_common(self.kb)]
        return env

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

    def on_serve(self, server, config, builder):
        if self.errors_dir is not None:
            server.watch(str(self.errors_dir))
        server.watch(str(Path(__file__).parent / "templates"))
        return server

