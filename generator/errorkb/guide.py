"""The generated part of the contributing guide (docs/contributing.md): the table of rules, written from the
one rule table (errorkb.diagnostics.RULES) between two marker comments, so that it cannot drift from the code.

    python -m errorkb.guide docs/contributing.md     rewrite the table in place (bin/update-guide does this)

A test compares the guide with `rules_markdown()`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .diagnostics import RULES

BEGIN = "<!-- rules: generated from errorkb/diagnostics.py by bin/update-guide; do not edit by hand -->"
END = "<!-- end of rules -->"


def rules_markdown() -> str:
    """The rule table as Markdown: code, name, whether a file may silence it, and why it exists."""
    from .publish.markup import code_span, text

    rows = ["| Code | Rule | Can be silenced | Why |", "| --- | --- | --- | --- |"]
    for rule in RULES.values():
        rows.append(f"| {code_span(rule.code, table=True)} | {text(rule.name)} | {'yes' if rule.silenceable else ''} "
                    f"| {text(rule.why)} |")
    return "\n".join(rows)


def with_rules(guide: str) -> str:
    """The guide's text with the table between the markers replaced by the current one."""
    start, end = guide.index(BEGIN) + len(BEGIN), guide.index(END)
    return guide[:start] + "\n\n" + rules_markdown() + "\n\n" + guide[end:]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m errorkb.guide docs/contributing.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    guide = path.read_text(encoding="utf-8")
    if BEGIN not in guide or END not in guide:
        print(f"errorkb: {path} has no rule table markers ({BEGIN} ... {END})", file=sys.stderr)
        return 1
    updated = with_rules(guide)
    if updated != guide:
        path.write_text(updated, encoding="utf-8")
        print(f"errorkb: rewrote the rule table in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
