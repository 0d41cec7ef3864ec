"""Search by pasted log: the matcher's rules, its index, and the engine that reads it (in Python and, as
matcher.js, in the browser).

    build_index(errors, providers) -> index      (errorkb.search.index; index_for(kb) for a KnowledgeBase)
    match(index, text, top) -> results           (errorkb.search.engine)
    normalise(text), mask(text)                  the paste as the matcher sees it
    shard_index(index) -> core, shards           (errorkb.search.shards: what the site publishes for a large
                                                 knowledge base; needed_shards and merge_shards per paste)
"""

from __future__ import annotations

from pathlib import Path

from .engine import engine_for, match
from .index import RULES_INDEX, build_index, index_for

MATCHER_JS = Path(__file__).with_name("matcher.js")

__all__ = ["MATCHER_JS", "build_index", "index_for", "mask", "match", "normalise"]


def normalise(text: str, index: dict | None = None) -> str:
    """The paste as the matcher sees it: normalised lines joined by "\\n"."""
    lines, _ = engine_for(index or RULES_INDEX).normalise_lines(text)
    return "\n".join(lines)


def mask(text: str, index: dict | None = None) -> str:
    """Normalised text with variable parts replaced by placeholders (<key>, <num>, <model> ...)."""
    engine = engine_for(index or RULES_INDEX)
    lines, _ = engine.normalise_lines(text)
    return engine.mask("\n".join(lines))
