"""The JSON Schemas of error and provider files, and their findings as diagnostics.

The schemas (schema/error.schema.json, schema/provider.schema.json) define every field; editors
read them through the first line of each file (SCHEMA_LINES).  `schema_diagnostics` checks a
parsed file and turns each jsonschema finding into a Diagnostic whose code and message come
from errorkb.diagnostics.RULES; FINDING_FIELDS says, per JSON Schema keyword, which rule it is
and how its fields are filled.

Most files are valid, so each is first checked by a validator that fastjsonschema compiles to
Python code once per process (about twenty times faster); only a file it rejects goes through
jsonschema, which finds every problem and says where.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import fastjsonschema
import jsonschema

from ..diagnostics import Diagnostic, diagnostic
from .yamlsafe import PathKey, YamlDocument

SCHEMA_DIR = Path(__file__).parent / "schema"
SCHEMA_LINES = {
    "error.schema.json": "# yaml-language-server: $schema=../../generator/errorkb/kb/schema/error.schema.json",
    "provider.schema.json": "# yaml-language-server: $schema=../../generator/errorkb/kb/schema/provider.schema.json",
}


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(load_schema(name))


def field_name(path: PathKey) -> str:
    """A path into the data as a reader writes it: commands[0].scenarios[1].name."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "empty"}

NOT_BLANK = "\\S"   # the schema's pattern for text that must not be blank
_PATTERN_HINTS = {
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD",
    "^[a-z0-9]+(-[a-z0-9]+)*$": "must be lower-case letters and digits joined by '-'",
    "^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$": "must be an error id such as 'openai/invalid-api-key'",
    "^[A-Za-z_][A-Za-z0-9_]*$": "must be an environment variable name (letters, digits, '_')",
    "^https?://\\S+$": "must be an http(s) URL",
    "^https://\\S+$": "must be an https URL",
    "^\\.?[A-Za-z0-9_][A-Za-z0-9_.-]*(/\\.?[A-Za-z0-9_][A-Za-z0-9_.-]*)*$":
        "must be a path inside HOME, such as .config/tool/config.yaml",
    "^(\\*\\.)?[a-z0-9.-]+(:[0-9]+)?$": "must be a host name such as 'api.example.com' or 'localhost:11434'",
}


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _where(path: PathKey) -> str:
    return f" in {field_name(path)}" if path else ""


def _missing_field(error: jsonschema.ValidationError, path: PathKey) -> dict:
    missing = re.match(r"'(.+)' is a required property", error.message)
    name = missing.group(1) if missing else error.message
    description = error.schema.get("properties", {}).get(name, {}).get("description", "")
    return {"name": name, "where": _where(path), "hint": f" ({description})" if description else ""}


def _wrong_type(error: jsonschema.ValidationError, path: PathKey) -> dict:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    return {"expected": " or ".join(_TYPE_NAMES.get(name, name) for name in expected),
            "actual": _kind_of(error.instance)}


def _not_allowed(error: jsonschema.ValidationError, path: PathKey) -> dict:
    options = [str(option) for option in error.validator_value]
    close = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.6)
    return {"options": ", ".join(options), "hint": f" (did you mean '{close[0]}'?)" if close else ""}


def _pattern(error: jsonschema.ValidationError, path: PathKey) -> tuple[str, dict]:
    if error.validator_value == NOT_BLANK:
        return "EKB204", {}
    if path[:1] == ("sources",) and path[-1:] == ("url",) and str(error.instance).startswith("http://"):
        return "EKB316", {"url": error.instance}
    return "EKB206", {"hint": _PATTERN_HINTS.get(error.validator_value, f"must match {error.validator_value}")}


def _range(error: jsonschema.ValidationError, path: PathKey) -> tuple[str, dict]:
    return "EKB210", {"minimum": error.schema.get("minimum"), "maximum": error.schema.get("maximum")}


# JSON Schema keyword -> the rule it breaks and that rule's fields beyond `field`, from the finding.
FINDING_FIELDS: dict[str, Callable[[jsonschema.ValidationError, PathKey], tuple[str, dict]]] = {
    "required": lambda error, path: ("EKB202", _missing_field(error, path)),
    "type": lambda error, path: ("EKB203", _wrong_type(error, path)),
    "minLength": lambda error, path: ("EKB204", {}),
    "minProperties": lambda error, path: ("EKB204", {}),
    "maxLength": lambda error, path: ("EKB205", {"length": len(error.instance), "limit": error.validator_value}),
    "pattern": _pattern,
    "minItems": lambda error, path: ("EKB207", {"count": error.validator_value}),
    "uniqueItems": lambda error, path: ("EKB208", {}),
    "enum": lambda error, path: ("EKB209", _not_allowed(error, path)),
    "minimum": _range,
    "maximum": _range,
}


@lru_cache(maxsize=None)
def _compiled(name: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(load_schema(name))


def is_valid(data: Any, schema_name: str) -> bool:
    """Whether `data` meets the schema (the compiled validator; see the module docstring)."""
    try:
        _compiled(schema_name)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def schema_diagnostics(document: YamlDocument, shown: str, schema_name: str) -> list[Diagnostic]:
    """Every schema finding in a parsed file, as diagnostics at the position of the value concerned."""
    if is_valid(document.data, schema_name):
        return []
    found = []
    for error in _validator(schema_name).iter_errors(document.data):
        found.extend(_finding(error, document, shown))
    return found


def _finding(error: jsonschema.ValidationError, document: YamlDocument, shown: str) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    line, column = document.position(path)
    if error.validator == "additionalProperties":
        return _unknown_fields(error, document, shown, path)
    if error.validator in ("minProperties", "maxProperties") and path and path[0] == "patterns":
        return [diagnostic("EKB211", shown, line, column, field=field_name(path))]
    if error.validator in FINDING_FIELDS:
        code, fields = FINDING_FIELDS[error.validator](error, path)
        return [diagnostic(code, shown, line, column, field=field_name(path), **fields)]
    return [diagnostic("EKB299", shown, line, column, field=field_name(path), detail=error.message)]


def _unknown_fields(error: jsonschema.ValidationError, document: YamlDocument, shown: str,
                    path: PathKey) -> list[Diagnostic]:
    allowed = sorted(error.schema.get("properties", {}))
    found = []
    for key in error.instance:
        if key in allowed:
            continue
        line, column = document.position(path + (key,), key=True)
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(allowed)}"
        found.append(diagnostic("EKB201", shown, line, column, key=key, where=_where(path), hint=hint))
    return found
