"""The regular-expression syntax a match pattern may use, and a small scanner of regex source.

A pattern regex runs in Python (`re`, with re.ASCII) and in the browser (JavaScript `RegExp`),
so it may use only the syntax both read alike: JS_INCOMPATIBLE is the one list of what
JavaScript lacks.  The scanner reads a source's top-level alternatives, groups, classes and
quantifiers; `literal_runs` gives the literal text every match of an alternative contains,
which the matcher's index uses to skip windows that cannot match (errorkb.search.index).
"""

from __future__ import annotations

import re

# Syntax Python accepts and JavaScript does not (or reads differently): (pattern, what it is).
JS_INCOMPATIBLE: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\(\?P"), "named groups '(?P...)'"),
    (re.compile(r"\(\?<[=!]"), "lookbehind '(?<=' or '(?<!'"),
    (re.compile(r"\(\?<[A-Za-z]"), "named groups '(?<name>...)'"),
    (re.compile(r"\(\?[aiLmsux-]+[):]"), "inline flags such as '(?i)'"),
    (re.compile(r"\(\?#"), "comments '(?#...)'"),
    (re.compile(r"\\[AZ]"), "'\\A' or '\\Z' (use ^ and $)"),
)

# Syntax `literal_runs` misreads: octal \012, \N{name}, \U0001f600, and {,n} (a quantifier in Python only).
UNPARSED = re.compile(r"\\[0-9NU]|\{,")


def js_incompatibility(pattern: str) -> str | None:
    """What in `pattern` JavaScript lacks, or None."""
    for detector, feature in JS_INCOMPATIBLE:
        if detector.search(pattern):
            return feature
    return None


def quantifier(src: str, j: int) -> tuple[str | None, int]:
    """Quantifier at src[j]: ("opt", length) for * ? {0,..}, ("plus", length) for + {n,..}, (None, 0)."""
    if j >= len(src):
        return None, 0
    c = src[j]
    if c in "*?":
        kind, length = "opt", 1
    elif c == "+":
        kind, length = "plus", 1
    elif c == "{":
        m = re.match(r"\{([0-9]+)(,[0-9]*)?\}", src[j:])
        if not m:
            return None, 0
        kind, length = ("opt" if int(m.group(1)) == 0 else "plus"), m.end()
    else:
        return None, 0
    if src[j + length:j + length + 1] in ("?", "+"):
        length += 1
    return kind, length


def skip_class(src: str, i: int) -> int:
    """Index after the character class starting at src[i] == "["."""
    j = i + 1
    if src[j:j + 1] == "^":
        j += 1
    if src[j:j + 1] == "]":
        j += 1
    while j < len(src) and src[j] != "]":
        j += 2 if src[j] == "\\" else 1
    return j + 1


def skip_group(src: str, i: int) -> int:
    """Index after the group starting at src[i] == "("."""
    depth, j = 0, i
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = skip_class(src, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def split_alternatives(src: str) -> list[str]:
    """Top-level alternatives of a regex (or of a group's inside)."""
    out, cur, depth, i = [], [], 0, 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            cur.append(src[i:i + 2])
            i += 2
            continue
        if c == "[":
            j = skip_class(src, i)
            cur.append(src[i:j])
            i = j
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


DELIM = "\x00"


def literal_runs(branch: str) -> tuple[list[str], int]:
    """Literal runs every match of this alternative must contain, and its specificity
    (alphanumeric literal characters, counting a mandatory group by its least specific alternative)."""
    runs: list[str] = []
    cur: list[str] = []
    spec = 0
    i, n = 0, len(branch)

    def flush():
        if cur:
            runs.append("".join(cur))
            cur.clear()

    while i < n:
        c = branch[i]
        lit = None
        if c == "\\":
            nxt = branch[i + 1] if i + 1 < n else ""
            if nxt.isalnum():
                step = {"x": 4, "u": 6}.get(nxt, 2)
                i += step
                kind, length = quantifier(branch, i)
                i += length
                if nxt in "bsW" and kind != "opt":
                    cur.append(DELIM)          # a boundary or a non-word character: tokens end here
                else:
                    flush()
                continue
            lit = nxt
            i += 2
        elif c == "[":
            i = skip_class(branch, i)
            _, length = quantifier(branch, i)
            i += length
            flush()
            continue
        elif c == "(":
            j = skip_group(branch, i)
            inner = branch[i + 1:j - 1]
            if inner.startswith("?:"):
                inner = inner[2:]
            kind, length = quantifier(branch, j)
            if kind != "opt" and not inner.startswith("?"):
                spec += min(literal_runs(alt)[1] for alt in split_alternatives(inner))
            i = j + length
            flush()
            continue
        elif c in "^$":
            cur.append(DELIM)
            i += 1
            continue
        elif c == ".":
            i += 1
            _, length = quantifier(branch, i)
            i += length
            flush()
            continue
        elif c in "*+?{":
            kind, length = quantifier(branch, i)
            if length:
                i += length
                flush()
                continue
            lit = c
            i += 1
        else:
            lit = c
            i += 1
        kind, length = quantifier(branch, i)
        if kind == "opt":
            flush()
            i += length
        elif kind == "plus":
            cur.append(lit)
            spec += 1 if lit.isalnum() else 0
            flush()
            i += length
        else:
            cur.append(lit)
            spec += 1 if lit.isalnum() else 0
    flush()
    return runs, spec
