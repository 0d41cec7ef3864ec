"""Read one YAML file into plain JSON-like data, safely, remembering where every value is.

The reader is built on the YAML event stream (libyaml when present), not on PyYAML's
constructor, so that it can refuse what an error file must never contain: duplicate
keys (PyYAML silently keeps the last one), anchors and aliases (alias expansion can
explode), tags, more than one document, tabs in indentation, nesting deeper than
MAX_DEPTH, files over MAX_FILE_BYTES, bytes that are not UTF-8, and empty files.
The tree is built with an explicit stack, so no input can exhaust Python's recursion.
Dates stay the text they were written as; the schema checks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 16

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

PathKey = tuple  # a path into the data: ("commands", 0, "title")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, at a line and column (both from 1)."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass
class YamlDocument:
    """A parsed file: its data and the position of each value and each mapping key."""

    data: Any
    value_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    text: str = ""       # the file's text, as parsed

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].rstrip("\r")

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Where the value at `path` starts (or its key, with key=True); the nearest known parent otherwise."""
        path = tuple(path)
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path:
            if path in self.value_positions:
                return self.value_positions[path]
            path = path[:-1]
        return self.value_positions.get((), (1, 1))


class _Stop(Exception):
    """Raised inside the builder once a problem makes further reading pointless."""


def _line_column_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - line_start + 1


_TAB_IN_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)


def read_yaml_file(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Read `path`; return the document, or None and the problems that stopped it."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(display, 1, 1, f"cannot read the file: {error.strerror}")]
    return read_yaml_bytes(raw, display)


def read_yaml_bytes(raw: bytes, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse YAML bytes; return the document, or None and the problems found."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(display, 1, 1,
                              f"file is {len(raw) // 1024} KiB; the limit is {MAX_FILE_BYTES // 1024} KiB: "
                              "shorten the text or split it into several errors")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_column_of_offset(raw, error.start)
        return None, [Problem(display, line, column,
                              f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x}): save it as UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return None, [Problem(display, 1, 1, "file is empty: write the fields of the error, see docs/contributing.md")]

    tab_problems = []
    for match in _TAB_IN_INDENT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.end() - match.start()
        tab_problems.append(Problem(display, line, column,
                                    "tab character in indentation: YAML indents with spaces, replace the tab with spaces"))
    if tab_problems:
        return None, tab_problems

    builder = _TreeBuilder(display)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except _Stop:
        pass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = error.problem or error.context or "invalid YAML"
        builder.problems.append(Problem(display, line, column, f"YAML syntax error: {detail}"))
    except yaml.YAMLError as error:
        position = getattr(error, "position", None)
        line, column = (1, 1)
        if isinstance(position, int):
            line, column = _line_column_of_offset(text.encode("utf-8"), len(text[:position].encode("utf-8")))
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        builder.problems.append(Problem(display, line, column, f"YAML error: {reason}"))
    if builder.problems:
        return None, builder.problems
    document = builder.document
    document.text = text
    return document, []


@dataclass
class _Frame:
    container: Any
    path: PathKey
    pending_key: Any = None
    has_key: bool = False
    key_marks: dict = field(default_factory=dict)


class _TreeBuilder:
    """Turns YAML events into dicts, lists and scalars, recording positions and problems."""

    def __init__(self, display: str):
        self.display = display
        self.problems: list[Problem] = []
        self.document = YamlDocument(data=None)
        self.stack: list[_Frame] = []
        self.documents = 0
        self.root_set = False

    def problem(self, mark, message: str, stop: bool = False) -> None:
        self.problems.append(Problem(self.display, mark.line + 1, mark.column + 1, message))
        if stop:
            raise _Stop

    def feed(self, event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.problem(event.start_mark, "more than one YAML document ('---'): keep one error per file", stop=True)
            return
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            return
        if isinstance(event, yaml.AliasEvent):
            self.problem(event.start_mark,
                         f"alias '*{event.anchor}' is not allowed: write the value out in full")
            self._attach(None, event.start_mark)
            return
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.stack.pop()
            return
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.problem(event.start_mark, f"anchor '&{anchor}' is not allowed: write each value out in full")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            shown = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
            self.problem(event.start_mark, f"YAML tag '{shown}' is not allowed: write the value without a tag")
        if isinstance(event, yaml.ScalarEvent):
            self._attach(self._scalar_value(event), event.start_mark)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(self.stack) >= MAX_DEPTH:
                self.problem(event.start_mark,
                             f"nested more than {MAX_DEPTH} levels deep: flatten the structure", stop=True)
            container = {} if isinstance(event, yaml.MappingStartEvent) else []
            path = self._attach(container, event.start_mark)
            self.stack.append(_Frame(container, path))

    def _scalar_value(self, event) -> Any:
        value = event.value
        if not event.implicit[0] or event.style:  # quoted or block scalar: always text
            return value
        resolved = _resolver.resolve(yaml.ScalarNode, value, (True, False))
        node = yaml.ScalarNode(resolved, value)
        if resolved == "tag:yaml.org,2002:null":
            return None
        if resolved == "tag:yaml.org,2002:bool":
            return _constructor.construct_yaml_bool(node)
        if resolved == "tag:yaml.org,2002:int":
            return _constructor.construct_yaml_int(node)
        if resolved == "tag:yaml.org,2002:float":
            return _constructor.construct_yaml_float(node)
        return value  # str, and timestamps kept as written

    def _attach(self, value, mark) -> PathKey:
        position = (mark.line + 1, mark.column + 1)
        if not self.stack:
            self.document.data = value
            self.document.value_positions[()] = position
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            path = frame.path + (len(frame.container),)
            frame.container.append(value)
            self.document.value_positions[path] = position
            return path
        if not frame.has_key:
            if isinstance(value, (dict, list)):
                self.problem(mark, "a mapping key must be plain text", stop=True)
            key = value if isinstance(value, str) else ("null" if value is None else str(value).lower()
                                                        if isinstance(value, bool) else str(value))
            if key in frame.key_marks:
                first_line, first_column = frame.key_marks[key]
                self.problem(mark, f"duplicate key '{key}' (first at line {first_line}, column {first_column}): "
                                   "keep only one")
            frame.key_marks[key] = position
            frame.pending_key, frame.has_key = key, True
            self.document.key_positions[frame.path + (key,)] = position
            return frame.path + (key,)
        key = frame.pending_key
        frame.has_key = False
        path = frame.path + (key,)
        frame.container[key] = value
        self.document.value_positions[path] = position
        return path
