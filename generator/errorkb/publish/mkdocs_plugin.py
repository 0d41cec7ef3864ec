"""MkDocs plugin `errorkb`: adds the rendered error pages to a MkDocs build.

Loads and validates the errors folder (a problem fails the build with `path:line:column: CODE`
lines): the plugin's `errors_dir` under plain `mkdocs build`, or the folder (and the knowledge
base already loaded from it) that `errorkb build` and `errorkb serve` hand over with `use`;
adds every page from errorkb.publish.render as a generated file (nothing is written into
docs/), points each error page's edit link at its YAML file, builds the navigation from
index pages only (home, one page per provider, hand-written pages), and makes
`mkdocs serve` rebuild when a file under errors/ changes.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from ..kb import KnowledgeBase, ValidationFailed, load_knowledge_base
from .render import nav_for, page_dates, page_path, render_files


class ErrorkbConfig(Config):
    errors_dir = config_options.Type(str, default="errors")
    extra_nav = config_options.Type(list, default=[])


class ErrorkbPlugin(BasePlugin[ErrorkbConfig]):
    def __init__(self):
        super().__init__()
        self.kb: KnowledgeBase | None = None
        self.errors_dir: Path | None = None
        self._given: tuple[Path, KnowledgeBase | None] | None = None
        self.page_dates: dict[str, str] = {}

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
        return config

    def on_files(self, files: Files, config) -> Files:
        assert self.kb is not None
        docs_dir = Path(config.docs_dir).resolve()
        for path, content in render_files(self.kb, config.repo_url).items():
            if files.get_file_from_path(path) is not None:
                raise PluginError(f"errorkb: docs/{path} would be replaced by a generated page: remove or rename it")
            files.append(File.generated(config, path, content=content))
        for entry in self.kb.errors:
            generated = files.get_file_from_path(page_path(entry))
            generated.edit_uri = posixpath.join(*Path(os.path.relpath(entry.path.resolve(), docs_dir)).parts)
        self.page_dates = page_dates(self.kb)
        return files

    def on_page_markdown(self, markdown, page, config, files):
        """The date search engines see (sitemap.xml lastmod): an error page's `updated`, a provider page's latest,
        any other page the knowledge base's latest, so that a build does not depend on the day it runs."""
        page.update_date = self.page_dates.get(page.file.src_uri, self.page_dates.get("", page.update_date))
        return markdown

    def on_serve(self, server, config, builder):
        if self.errors_dir is not None:
            server.watch(str(self.errors_dir))
        server.watch(str(Path(__file__).parent / "templates"))
        return server
