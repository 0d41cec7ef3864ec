"""The bar the shipped knowledge base must meet: every error complete and specific, every fact sourced, no
sentence copied from one page to another, related pages linked both ways."""

from __future__ import annotations

import re
from collections import defaultdict

from conftest import REPO, load_vectors
from errorkb.kb import load_knowledge_base

KB = load_knowledge_base(REPO / "errors")
PROSE_FIELDS = ("quick_fix", "summary", "what_it_means", "why_it_happens", "common_causes", "quick_fixes",
                "troubleshooting", "prevention", "real_world_fixes")
LONG = 12   # words: a sentence this long that stands on two pages reads the same on both


def _texts(entry) -> list[str]:
    data = entry.data
    texts = []
    for name in PROSE_FIELDS:
        value = data.get(name)
        texts.extend(value if isinstance(value, list) else [value] if value else [])
    for fixes in (data.get("platform_fixes") or {}).values():
        texts.extend(fixes)
    texts.extend(item["answer"] for item in data["faq"])
    texts.extend(command["reading"] for command in data["commands"])
    return texts


def _sentences(text: str) -> list[str]:
    plain = " ".join(text.split())
    return [sentence.strip().lower() for sentence in re.split(r"(?<=[.!?])\s+", plain)]


def test_no_long_sentence_is_repeated_across_pages():
    pages_of: dict[str, set[str]] = defaultdict(set)
    for entry in KB.errors:
        for text in _texts(entry):
            for sentence in _sentences(text):
                if len(sentence.split()) >= LONG:
                    pages_of[sentence].add(entry.id)
    repeated = {sentence: sorted(ids) for sentence, ids in pages_of.items() if len(ids) > 1}
    assert repeated == {}


def test_every_error_meets_the_content_bar():
    vectors = defaultdict(list)
    for vector in load_vectors():
        vectors[vector["expect"]].append(vector)
    for entry in KB.errors:
        data = entry.data
        assert len(data["commands"]) >= 2, entry.id
        assert len(data["faq"]) >= 3, entry.id
        assert data.get("related"), entry.id
        assert len(vectors[entry.id]) >= 3, entry.id
        if not KB.providers[entry.provider].is_tool:
            assert data.get("platform_fixes"), entry.id


def test_related_links_go_both_ways():
    by_id = KB.by_id()
    for entry in KB.errors:
        for related in entry.data.get("related", []):
            assert entry.id in by_id[related].data.get("related", []), (entry.id, related)
