"""Lint: real-looking API keys in any text (an error file must only ever hold placeholders).

The shapes of keys come from errorkb.secrets.KEY_SHAPES.  A key-shaped string is a placeholder,
and fine, when its token contains `*`, `...`, `<`, `$`, `{`, a word such as YOUR, xxxx,
placeholder, example, dummy, fake, test, invalid, mock, errorkb, or a run like 000000 /
123456 / abcdef.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...secrets import KEY_CHARS, KEY_SHAPES, KeyShape
from .shell import line_column

# Each shape, not preceded by a key character (so a shape is never found inside a longer token).
_KEY_PATTERNS = [(shape, re.compile(f"(?<![{KEY_CHARS}]){shape.pattern}")) for shape in KEY_SHAPES]
PLACEHOLDER_MARKS = ("*", "...", "\u2026", "<", ">", "$", "{", "your", "xxxx", "placeholder",
                     "example", "replace", "dummy", "fake", "test", "sample", "redacted",
                     "invalid", "wrong", "mock", "errorkb", "revoked", "expired", "123456",
                     "abcdef")
TOKEN_SEPARATORS = " \t\n\"'`=,;:()[]"


@dataclass(frozen=True)
class RealKey:
    line: int
    column: int
    start: str         # the key's first ten characters
    shape: KeyShape


def _is_placeholder(text: str, start: int, end: int) -> bool:
    while start > 0 and text[start - 1] not in TOKEN_SEPARATORS:
        start -= 1
    while end < len(text) and text[end] not in TOKEN_SEPARATORS:
        end += 1
    token = text[start:end].lower()
    if any(mark in token for mark in PLACEHOLDER_MARKS):
        return True
    return re.search(r"(.)\1{5,}", token) is not None  # 000000, aaaaaa


def real_keys(text: str) -> list[RealKey]:
    """Real-looking API keys in text, sorted by position; earlier shapes win where two overlap."""
    found: list[tuple[int, KeyShape, str]] = []
    taken: list[tuple[int, int]] = []
    for shape, pattern in _KEY_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            if not _is_placeholder(text, m.start(), m.end()):
                found.append((m.start(), shape, m.group(0)[:10]))
    return [RealKey(*line_column(text, offset), start, shape)
            for offset, shape, start in sorted(found, key=lambda item: item[0])]
