"""Checks on an error's content that the schema cannot express, within one file and across files.

Within a file: `updated` is a real date not in the future, pattern regexes compile and suit
JavaScript too and do not match empty text, scenario expectations compile, scenario names are
unique, no error is related to itself, no value still holds the placeholder `errorkb new`
wrote (FILL-IN).  Across files: related ids exist and link back, signatures are
unique, a tool's `calls` name provider folders.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator

from ..diagnostics import UNSAFE_CHARACTERS, Diagnostic, diagnostic
from .model import ErrorEntry, display_path as display
from .pattern_syntax import MAX_REPEAT, backtracking_risk, js_incompatibility, linear_compile_problem
from .schema import field_name
from .yamlsafe import YamlDocument

# Control characters but tab and line feed (a carriage return can overwrite a terminal line),
# bidirectional overrides, lone surrogates.
_UNSAFE_TEXT = re.compile(f"[\r{UNSAFE_CHARACTERS}]")


def _texts(data) -> Iterator[tuple[tuple, str, bool]]:
    """Every text of a YAML file's data, in the order of the file: (path, text, whether it is a mapping key)."""
    stack: list[tuple[tuple, object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack.append((path + (key,), item))
            for key in value:
                if isinstance(key, str):
                    yield path + (key,), key, True
        elif isinstance(value, list):
            stack.extend((path + (index,), item) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            yield path, value, False


def text_diagnostics(document: YamlDocument, shown: str) -> list[Diagnostic]:
    """Every text value or key holding a character that can hide or reorder what is shown (EKB310)."""
    found = []
    for path, text, is_key in _texts(document.data):
        bad = _UNSAFE_TEXT.search(text)
        if bad:
            line, column = document.position(path, key=is_key)
            field = f"the key of {field_name(path)!r}" if is_key else field_name(path)
            found.append(diagnostic("EKB310", shown, line, column, field=field, character=f"U+{ord(bad.group()):04X}"))
    return found


PLACEHOLDER = "FILL-IN"   # what `errorkb new` writes where a contributor must write something
_PLACEHOLDER = re.compile(r"\bfill-in\b(?::\s*([^\"\n]*))?", re.IGNORECASE)


def placeholder_diagnostics(document: YamlDocument, shown: str) -> list[Diagnostic]:
    """Every value that still holds the scaffold's FILL-IN placeholder (EKB317), in the order of the file."""
    found = []
    for path, text, is_key in _texts(document.data):
        placeholder = None if is_key else _PLACEHOLDER.search(text)
        if placeholder:
            hint = " ".join((placeholder.group(1) or "").split()) or "write it (the comment above says what goes there)"
            line, column = document.position(path)
            found.append(diagnostic("EKB317", shown, line, column, field=field_name(path), hint=hint))
    return found


def regex_problem(pattern: str) -> tuple[str, dict] | None:
    """Why `pattern` cannot be a match pattern, as (rule code, fields), or None when it can."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return "EKB303", {"reason": error.msg, "position": error.pos}
    feature = js_incompatibility(pattern)
    if feature:
        return "EKB304", {"feature": feature}
    if compiled.search(""):
        return "EKB305", {}
    unlike_ascii = re.search(r"[^\x00-\x7f]", pattern)
    if unlike_ascii:
        return "EKB313", {"character": f"U+{ord(unlike_ascii.group()):04X}"}
    linear = linear_compile_problem(pattern)
    if linear:
        return "EKB312", {"reason": linear}
    risk = backtracking_risk(pattern)
    if risk:
        advice = ("bound it, as in .{0,200}" if "unbounded" in risk
                  else f"bound it at {MAX_REPEAT} or less, as in .{{0,200}}" if "wildcard" in risk
                  else "repeat a plain run instead, with no repetition or alternatives inside the group")
        return "EKB311", {"part": risk, "advice": advice}
    return None


def entry_diagnostics(entry: ErrorEntry, today: dt.date) -> list[Diagnostic]:
    """What is wrong with one schema-valid error file on its own."""
    found = []
    data = entry.data
    shown = entry.shown_path

    def report(path: tuple, code: str, **fields) -> None:
        line, column = entry.position(*path)
        found.append(diagnostic(code, shown, line, column, **fields))

    updated = data["updated"]
    try:
        updated_date = dt.date.fromisoformat(updated)
    except ValueError:
        report(("updated",), "EKB301", value=updated)
    else:
        if updated_date > today:
            report(("updated",), "EKB302", value=updated, today=today.isoformat())

    for index, pattern in enumerate(data["patterns"]):
        if "regex" in pattern:
            problem = regex_problem(pattern["regex"])
            if problem:
                report(("patterns", index, "regex"), problem[0], **problem[1])

    for command_index, command in enumerate(data["commands"]):
        for scenario_index, scenario in enumerate(command.get("scenarios", [])):
            for stream in ("stdout", "stderr"):
                for match_index, expression in enumerate(scenario.get(stream, {}).get("matches", [])):
                    try:
                        re.compile(expression)
                    except re.error as error:
                        report(("commands", command_index, "scenarios", scenario_index, stream, "matches",
                                match_index), "EKB303", reason=error.msg, position=error.pos)
        names = [scenario["name"] for scenario in command.get("scenarios", [])]
        for name in sorted({name for name in names if names.count(name) > 1}):
            report(("commands", command_index, "scenarios"), "EKB306", name=name)

    for index, related in enumerate(data.get("related", [])):
        if related == entry.id:
            report(("related", index), "EKB307")
    found.extend(placeholder_diagnostics(entry.document, shown))
    return found


def _normalised_signature(text: str) -> str:
    return " ".join(text.split()).casefold()


def across_diagnostics(errors: list[ErrorEntry], present: set[str] | None = None) -> list[Diagnostic]:
    """What is wrong between files: related ids that do not exist or do not link back, signatures used twice."""
    found = []
    ids = {entry.id for entry in errors} | (present or set())
    by_id = {entry.id: entry for entry in errors}
    first_with_signature: dict[str, ErrorEntry] = {}
    for entry in errors:
        for index, related in enumerate(entry.data.get("related", [])):
            if related not in ids and related != entry.id:
                close = difflib.get_close_matches(related, sorted(ids), n=1, cutoff=0.6)
                hint = f": did you mean '{close[0]}'?" if close else ": write the id of an existing error"
                line, column = entry.position("related", index)
                found.append(diagnostic("EKB308", entry.shown_path, line, column, related=related, hint=hint))
        for index, related in enumerate(entry.data.get("related", [])):
            other = by_id.get(related)
            if other is not None and entry.id not in other.data.get("related", []):
                line, column = entry.position("related", index)
                found.append(diagnostic("EKB314", entry.shown_path, line, column, related=related, this=entry.id))
        signature = _normalised_signature(entry.data["signature"]["text"])
        if signature not in first_with_signature:
            first_with_signature[signature] = entry
            continue
        other = first_with_signature[signature]
        for this, that in ((entry, other), (other, entry)):
            that_line, that_column = that.position("signature", "text")
            line, column = this.position("signature", "text")
            found.append(diagnostic("EKB309", this.shown_path, line, column,
                                    other=f"{that.shown_path}:{that_line}:{that_column}"))
    return found


def provider_diagnostics(providers: dict) -> list[Diagnostic]:
    """A tool's `calls` must name provider folders; no value may still hold the scaffold's placeholder."""
    found = []
    for slug, provider in providers.items():
        if provider.document is not None:
            found.extend(placeholder_diagnostics(provider.document, display(provider.path)))
        for index, called in enumerate(provider.data.get("calls", [])):
            if called not in providers:
                close = difflib.get_close_matches(called, sorted(providers), n=1, cutoff=0.6)
                hint = f": did you mean '{close[0]}'?" if close else ""
                document = provider.document
                line, column = document.position(("calls", index)) if document else (1, 1)
                found.append(diagnostic("EKB315", display(provider.path), line, column, provider=called, hint=hint))
    return found
