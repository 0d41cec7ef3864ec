"""The contributing guide's rule table is the one rule table: generated from it, and checked here so it cannot
drift."""

from __future__ import annotations

from conftest import REPO
from errorkb.diagnostics import RULES
from errorkb.guide import BEGIN, END, rules_markdown, with_rules

GUIDE = REPO / "docs" / "contributing.md"


def test_the_guides_rule_table_is_generated_from_the_rule_table():
    guide = GUIDE.read_text(encoding="utf-8")
    table = guide[guide.index(BEGIN) + len(BEGIN):guide.index(END)].strip()
    assert table == rules_markdown(), "docs/contributing.md's rule table is out of date: run bin/update-guide"
    for code, rule in RULES.items():
        assert f"| `{code}` | {rule.name} |" in table


def test_a_new_rule_changes_the_generated_table(monkeypatch):
    from errorkb import diagnostics

    guide = GUIDE.read_text(encoding="utf-8")
    monkeypatch.setitem(diagnostics.RULES, "EKB399", diagnostics.Rule("EKB399", "made-up", "m", "Made up.", True))
    assert with_rules(guide) != guide and "| `EKB399` | made-up | yes | Made up. |" in with_rules(guide)


def test_the_guide_covers_the_scaffold_the_log_path_the_rules_and_running_everything():
    guide = GUIDE.read_text(encoding="utf-8")
    for needed in ("errorkb new --from-log", "errorkb new openai/", "# errorkb: disable=", "errorkb validate --vectors",
                   "errorkb check --changed", "pre-commit install", "bin/test", ".github/workflows/"):
        assert needed in guide, needed
