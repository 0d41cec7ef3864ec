"""Turn untrusted YAML text into Markdown that shows exactly that text, and still reads as text.

Prose fields are plain text in which `backticks` become inline code; nothing else in them is
markup.  `text` escapes only what Python-Markdown (with the site's extensions) could read as
syntax where it stands: a backslash before the punctuation it accepts escaped (\\* \\_ \\[ \\{ \\|
...), an entity only for & < > where they could start an entity, a tag or a quote, and for the
few characters with no backslash form; everything else is written as it is, so the Markdown
export reads, greps and diffs as text.  Code spans and code blocks use a backtick run longer
than any inside them, so their content cannot end them.  `html_text` is for text inside raw
HTML blocks, where Markdown is not read and only HTML escaping applies.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_ALWAYS = set("\\`*[]{}|")          # code, emphasis, links, attribute lists, Jinja, table cells
_ENTITY_LIKE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_LIST_NUMBER = re.compile(r"^([0-9]+)([.)])")


def _escaped(value: str) -> str:
    """One line of literal text as Markdown (see the module docstring)."""
    t = value
    out: list[str] = []
    last = len(t) - 1
    trailing_hashes = len(t) - len(t.rstrip("#"))
    for i, ch in enumerate(t):
        prev = t[i - 1] if i else " "
        nxt = t[i + 1] if i < last else " "
        if ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_":   # only between two letters or digits can _ open or close no emphasis
            out.append(ch if prev.isalnum() and nxt.isalnum() else "\\_")
        elif ch == "&":   # a bare & shows as itself; one that would read as an entity is escaped
            out.append("&amp;" if _ENTITY_LIKE.match(t, i) else "&")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":   # a blockquote at the start of a line; elsewhere a > is only text
            out.append("&gt;" if i == 0 else ">")
        elif ch == "#" and (i == 0 or i > last - trailing_hashes):   # a heading, or a heading's closing hashes
            out.append("\\#")
        elif i == 0 and ch in "-+!":   # a list item, a rule, an admonition
            out.append("\\" + ch)
        elif i == 0 and ch in "?=:":   # collapsible blocks, setext underlines, definition lists: no backslash form
            out.append(f"&#{ord(ch)};")
        elif ch == "~" and "~" in (prev, nxt):   # strikethrough in engines that have it; no backslash form
            out.append("&#126;")
        else:
            out.append(ch)
    text = "".join(out)
    number = _LIST_NUMBER.match(text)   # "1." or "1)" would start an ordered list
    if number:
        text = number.group(1) + "\\" + number.group(2) + text[number.end():]
    return text


def text(value) -> Markup:
    """Literal text, safe in Markdown (outside code), on one line."""
    return Markup(_escaped(" ".join(str(value).split())))


def html_text(value) -> Markup:
    """Literal text inside a raw HTML block, where Markdown is not read: HTML escaping only."""
    return Markup(html.escape(" ".join(str(value).split()), quote=True))


def code_span(value, table: bool = False) -> Markup:
    """Inline code showing `value` verbatim.  In a table cell, a value holding | (which no code span can
    hide from the table) is written as <code> with | as an entity."""
    body = " ".join(str(value).split())
    if not body:
        return Markup("")
    if table and "|" in body:
        return Markup("<code>" + html.escape(body, quote=False).replace("|", "&#124;") + "</code>")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return Markup(f"{fence}{pad}{body}{pad}{fence}")


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
    """One paragraph of prose: `code` spans stay code spans, everything else is literal text."""
    out = []
    for is_code, piece in segments(" ".join(str(value).split())):
        if is_code:
            out.append(code_span(piece))
        elif piece:
            # Line-start rules only for the first piece; after a code span the text is mid-line (the space
            # stands for the code span: neither a letter nor a digit).
            out.append(_escaped(piece) if not out else _escaped(" " + piece)[1:])
    return Markup("".join(out))


def paragraphs(value) -> list[Markup]:
    """Prose split on blank lines, each paragraph rendered with `inline`."""
    return [inline(paragraph) for paragraph in split_paragraphs(value)]


# An expected-output block: styled apart from commands, and without the theme's copy button (Material's no-copy).
OUTPUT_CLASSES = ("no-copy", "ekb-output")


def code_block(value, language: str = "", classes: tuple[str, ...] = ()) -> Markup:
    """A fenced code block showing `value` verbatim; `classes` (names of our own, never from YAML) go on the
    block's outer element."""
    body = str(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    info = "{ " + " ".join(["." + (language or "text"), *("." + name for name in classes)]) + " }" if classes else language
    return Markup(f"{fence}{info}\n{body}\n{fence}")


def plain(value) -> str:
    """Prose with the backticks removed, for places that show text only (meta descriptions, JSON)."""
    return _CODE_SPAN.sub(lambda match: match.group(2), " ".join(str(value).split()))
