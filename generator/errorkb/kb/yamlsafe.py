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

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Diagnostic, diagnostic

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_INT_DIGITS = 100          # far below Python's own limit on converting text to int (4300 digits)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

PathKey = tuple  # a path into the data: ("commands", 0, "title")


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
# In the file's own text (comments too): controls but tab, line feed and carriage return; bidirectional controls.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                     "\u2028\u2029]")


_KINDS = {stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def read_yaml_file(path: Path, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read `path`, a regular file, at most MAX_FILE_BYTES + 1 bytes of it; return the document, or None and
    the problems that stopped it.  A named pipe or a device is refused before it is read from."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        return None, [diagnostic("EKB113", display, 1, 1, reason=error.strerror)]
    try:
        kind = stat.S_IFMT(os.fstat(handle).st_mode)
        if kind != stat.S_IFREG:
            reason = f"it is {_KINDS.get(kind, 'not a regular file')}, not a regular file"
            return None, [diagnostic("EKB113", display, 1, 1, reason=reason)]
        with os.fdopen(handle, "rb", closefd=False) as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return None, [diagnostic("EKB113", display, 1, 1, reason=error.strerror)]
    finally:
        os.close(handle)
    if len(raw) > MAX_FILE_BYTES:
        size = max(len(raw), os.stat(path).st_size)
        return None, [diagnostic("EKB101", display, 1, 1, kib=size // 1024, limit=MAX_FILE_BYTES // 1024)]
    return read_yaml_bytes(raw, display)


def read_yaml_bytes(raw: bytes, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse YAML bytes; return the document, or None and the problems found."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [diagnostic("EKB101", display, 1, 1, kib=len(raw) // 1024, limit=MAX_FILE_BYTES // 1024)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_column_of_offset(raw, error.start)
        return None, [diagnostic("EKB102", display, line, column, byte=f"{raw[error.start]:02x}")]
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return None, [diagnostic("EKB103", display, 1, 1)]

    hidden = _HIDDEN.search(text)
    if hidden:
        at = hidden.start()
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        return None, [diagnostic("EKB117", display, line, column, character=f"U+{ord(hidden.group()):04X}")]

    tab_problems = []
    for match in _TAB_IN_INDENT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.end() - match.start()
        tab_problems.append(diagnostic("EKB104", display, line, column))
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
        builder.problems.append(diagnostic("EKB105", display, line, column, detail=detail))
    except yaml.YAMLError as error:
        position = getattr(error, "position", None)
        line, column = (1, 1)
        if isinstance(position, int):
            line, column = _line_column_of_offset(text.encode("utf-8"), len(text[:position].encode("utf-8")))
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        builder.problems.append(diagnostic("EKB105", display, line, column, detail=reason))
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
        self.problems: list[Diagnostic] = []
        self.document = YamlDocument(data=None)
        self.stack: list[_Frame] = []
        self.documents = 0
        self.root_set = False

    def problem(self, mark, code: str, stop: bool = False, **fields) -> None:
        self.problems.append(diagnostic(code, self.display, mark.line + 1, mark.column + 1, **fields))
        if stop:
            raise _Stop

    def feed(self, event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.problem(event.start_mark, "EKB106", stop=True)
            return
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            return
        if isinstance(event, yaml.AliasEvent):
            self.problem(event.start_mark, "EKB107", anchor=event.anchor)
            self._attach(None, event.start_mark)
            return
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.stack.pop()
            return
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.problem(event.start_mark, "EKB108", anchor=anchor)
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            shown = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
            self.problem(event.start_mark, "EKB109", tag=shown)
        if isinstance(event, yaml.ScalarEvent):
            self._attach(self._scalar_value(event), event.start_mark)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(self.stack) >= MAX_DEPTH:
                self.problem(event.start_mark, "EKB110", stop=True, depth=MAX_DEPTH)
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
            digits = sum(character.isdigit() for character in value)
            if digits > MAX_INT_DIGITS:
                self.problem(event.start_mark, "EKB115", digits=digits)
                return None
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
                self.problem(mark, "EKB111", stop=True)
            key = value if isinstance(value, str) else ("null" if value is None else str(value).lower()
                                                        if isinstance(value, bool) else str(value))
            if key in frame.key_marks:
                first_line, first_column = frame.key_marks[key]
                self.problem(mark, "EKB112", key=key, first_line=first_line, first_column=first_column)
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
