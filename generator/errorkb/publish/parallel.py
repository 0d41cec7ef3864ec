"""Render every error page's HTML on all cores while MkDocs builds the rest of the site.

`PageRendering.start` hands the pages, in chunks, to a pool of worker processes, each with its
own ErrorPageRenderer (publish.html); `take(path)` waits for one page and returns its HTML and
toc tokens.  Finished pages wait zlib-compressed (a tenth of their size) until MkDocs asks for
them, and are dropped once taken, so memory does not grow with every rendered page.  With one
core, or one page, pages are rendered in this process when asked for.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import Future, ProcessPoolExecutor

from ..kb import KnowledgeBase
from .html import ErrorPageRenderer, PageInput
from .render import page_path

CHUNK_PAGES = 16

_renderer: ErrorPageRenderer | None = None


def page_inputs(kb: KnowledgeBase) -> list[PageInput]:
    """What each error page needs, in the knowledge base's order."""
    by_id = kb.by_id()
    inputs = []
    for entry in kb.errors:
        related = [(page_path(by_id[other]), by_id[other].data["title"], by_id[other].data["summary"])
                   for other in entry.data.get("related", []) if other in by_id]
        inputs.append(PageInput(path=page_path(entry), data=entry.data, provider=kb.providers[entry.provider].data,
                                provider_path=f"{entry.provider}/index.md", related=related))
    return inputs


def _start_worker(extensions: list, extension_configs: dict, directory_urls: bool) -> None:
    global _renderer
    _renderer = ErrorPageRenderer(extensions, extension_configs, directory_urls)


def _render_chunk(pages: list[PageInput]) -> dict[str, tuple[bytes, list]]:
    assert _renderer is not None
    done = {}
    for page in pages:
        content, toc = _renderer.render(page)
        done[page.path] = (zlib.compress(content.encode("utf-8"), 1), toc)
    return done


def worker_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class PageRendering:
    """The error pages of one build, rendering in the background."""

    def __init__(self, extensions: list, extension_configs: dict, directory_urls: bool):
        self.settings = (extensions, extension_configs, directory_urls)
        self.pool: ProcessPoolExecutor | None = None
        self.chunk_of: dict[str, Future] = {}
        self.waiting: dict[str, PageInput] = {}
        self.local: ErrorPageRenderer | None = None

    def start(self, pages: list[PageInput], workers: int | None = None) -> None:
        workers = worker_count() if workers is None else workers
        if workers < 2 or len(pages) < 2:
            self.waiting = {page.path: page for page in pages}
            return
        self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=self.settings)
        for start in range(0, len(pages), CHUNK_PAGES):
            chunk = pages[start:start + CHUNK_PAGES]
            future = self.pool.submit(_render_chunk, chunk)
            for page in chunk:
                self.chunk_of[page.path] = future

    def take(self, path: str) -> tuple[str, list]:
        """The HTML and toc tokens of the page at docs path `path` (each page is taken once)."""
        if path in self.waiting:
            if self.local is None:
                self.local = ErrorPageRenderer(*self.settings)
            return self.local.render(self.waiting.pop(path))
        results = self.chunk_of.pop(path).result()
        compressed, toc = results.pop(path)
        return zlib.decompress(compressed).decode("utf-8"), toc

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.chunk_of.clear()
        self.waiting.clear()
