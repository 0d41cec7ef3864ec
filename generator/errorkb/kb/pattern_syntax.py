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


def linear_compile_problem(pattern: str) -> str | None:
    """Why RE2, the linear-time engine the Python matcher uses, cannot compile `pattern`, or None."""
    return compile_linear(pattern, case_sensitive=True)[1]


def compile_linear(pattern: str, case_sensitive: bool = False):
    """(`pattern` compiled by RE2 (google-re2), None) or (None, why RE2 cannot read it).  RE2 matches in time
    linear in the text, whatever the pattern."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = case_sensitive
    try:
        return re2.compile(pattern, options=options), None
    except re2.error as error:
        reason = error.args[0] if error.args else "unsupported syntax"
        return None, reason.decode() if isinstance(reason, bytes) else str(reason)


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


# ---------------------------------------------------------------------------------------------
# Regexes that could backtrack for long on a crafted paste

MAX_REPEAT = 600   # the largest bound a wildcard may have (.{0,1000} measured tenfold slower at 4x the paste; 600 linear)


def _repeat(src: str, j: int) -> tuple[int, int | None]:
    """The quantifier at src[j]: (its length, its largest count: None when unbounded); (0, 1) for none."""
    c = src[j:j + 1]
    if c in ("*", "+"):
        length, most = 1, None
    elif c == "?":
        length, most = 1, 1
    elif c == "{":
        m = re.match(r"\{([0-9]+)(,([0-9]*))?\}", src[j:])
        if not m:
            return 0, 1
        length = m.end()
        most = int(m.group(1)) if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
    else:
        return 0, 1
    if src[j + length:j + length + 1] in ("?", "+"):
        length += 1
    return length, most


# With ., what can run across spaces and words alike (\s cannot: the matcher collapses every run of spaces).
_WIDE_ESCAPES = ("\\W", "\\D")


def backtracking_risk(src: str) -> str | None:
    """The part of a regex that can make a backtracking engine (the browser's) slow on a crafted paste, or None:
    a repeated group that holds an unbounded repetition or alternatives (`(a+)+`, `(a|ab)*`: exponential), or an
    unbounded wildcard (`.*`, `[^x]+`, `\\W+`: quadratic over a long paste), or one bounded above MAX_REPEAT."""
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            atom, end = src[i:i + 2], i + 2
        elif c == "[":
            end = skip_class(src, i)
            atom = src[i:end]
        elif c == "(":
            end = skip_group(src, i)
            atom = src[i:end]
        else:
            atom, end = c, i + 1
        length, most = _repeat(src, end)
        if atom.startswith("(") and (most is None or most > 1) and length:
            inner = atom[1:-1]
            if inner.startswith("?:"):
                inner = inner[2:]
            if len(split_alternatives(inner)) > 1 or _has_unbounded(inner):
                return f"the repeated group {atom}{src[end:end + length]}"
        wide = atom == "." or atom in _WIDE_ESCAPES or (atom.startswith("[^") and " " not in atom
                                                           and "\\s" not in atom)
        if wide and length and most is None:
            return f"the unbounded {atom}{src[end:end + length]}"
        if wide and length and most > MAX_REPEAT:   # RE2's automaton for it outgrows its memory and slows tenfold
            return f"the wildcard {atom}{src[end:end + length]}, repeated more than {MAX_REPEAT} times"
        if atom.startswith("("):
            inner_risk = backtracking_risk(atom[1:-1].removeprefix("?:"))
            if inner_risk:
                return inner_risk
        i = end + length
    return None


def _has_unbounded(src: str) -> bool:
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        end = i + 2 if c == "\\" else skip_class(src, i) if c == "[" else skip_group(src, i) if c == "(" else i + 1
        length, most = _repeat(src, end)
        if length and most is None:
            return True
        if c == "(" and _has_unbounded(src[i + 1:end - 1]):
            return True
        i = end + length
    return False
