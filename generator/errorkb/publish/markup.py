"""Turn untrusted YAML text into Markdown that shows exactly that text.

Prose fields are plain text in which `backticks` become inline code; nothing else in
them is markup. Every character that Markdown or HTML could read as syntax is written
as a numeric character reference, which every Markdown engine passes through and every
browser shows as the character itself. Code blocks use a fence longer than any run of
backticks inside them, so their content cannot end the block.
"""

from __future__ import annotations

import re

from markupsafe import Markup

_SPECIAL = "&<>\"'`*_{}[]()#+-.!|\\~^=:$%@"
_ESCAPES = str.maketrans({character: f"&#{ord(character)};" for character in _SPECIAL})
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def text(value) -> Markup:
    """Literal text, safe in Markdown and HTML, on one line."""
    return Markup(" ".join(str(value).split()).translate(_ESCAPES))


def split_paragraphs(value) -> list[str]:
    """Prose split on blank lines, each paragraph's whitespace collapsed."""
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", str(value)) if block.strip()]


def segments(paragraph: str) -> list[tuple[bool, str]]:
    """One paragraph as (is_code, text) pieces: `code` spans and the plain text between them."""
    pieces = []
    position = 0
    for match in _CODE_SPAN.finditer(paragraph):
        pieces.append((False, paragraph[position:match.start()]))
        pieces.append((True, match.group(2).strip()))
        position = match.end()
    pieces.append((False, paragraph[position:]))
    return pieces


def inline(value) -> Markup:
    """One paragraph of prose: `code` spans become <code>, everything else is literal text."""
    return Markup("".join(f"<code>{piece.translate(_ESCAPES)}</code>" if is_code else piece.translate(_ESCAPES)
                          for is_code, piece in segments(" ".join(str(value).split()))))


def paragraphs(value) -> list[Markup]:
    """Prose split on blank lines, each paragraph rendered with `inline`."""
    return [inline(paragraph) for paragraph in split_paragraphs(value)]


def code_block(value, language: str = "") -> Markup:
    """A fenced code block showing `value` verbatim."""
    body = str(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{language}\n{body}\n{fence}")


def plain(value) -> str:
    """Prose with the backticks removed, for places that show text only (meta descriptions, JSON)."""
    return _CODE_SPAN.sub(lambda match: match.group(2), " ".join(str(value).split()))
