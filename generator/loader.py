"""Load and validate the knowledge base: every errors/<provider>/<slug>.yaml and _provider.yaml.

Each file is read by generator.yamlsafe, checked against the JSON Schema in
generator/schema/, then checked across files (regexes compile and suit JavaScript too,
related ids exist, signatures are unique, `updated` is a real date not in the future).
Every problem in every file is collected; `load_knowledge_base` raises
ValidationFailed with all of them, sorted, or returns the KnowledgeBase.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from .yamlsafe import PathKey, Problem, YamlDocument, read_yaml_file

SCHEMA_DIR = Path(__file__).parent / "schema"
ERROR_SCHEMA_LINE = "# yaml-language-server: $schema=../../generator/schema/error.schema.json"
PROVIDER_SCHEMA_LINE = "# yaml-language-server: $schema=../../generator/schema/provider.schema.json"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

PLATFORM_NAMES = {
    "ci": "CI/CD", "docker": "Docker", "kubernetes": "Kubernetes", "windows": "Windows", "macos": "macOS",
    "linux": "Linux", "wsl": "WSL", "vscode": "VS Code", "jupyter": "Jupyter", "serverless": "Serverless",
}
FREQUENCY_RANK = {"very-common": 0, "common": 1, "occasional": 2, "rare": 3}


class ValidationFailed(Exception):
    """The knowledge base has problems; `problems` lists every one."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(problems)


@dataclass
class Provider:
    slug: str
    path: Path
    data: dict

    @property
    def name(self) -> str:
        return self.data["name"]


@dataclass
class ErrorEntry:
    id: str
    provider: str
    slug: str
    path: Path
    source: str          # the path as shown in messages and edit links: errors/openai/x.yaml
    data: dict
    document: YamlDocument

    @property
    def url(self) -> str:
        """Site-relative URL of the page, without a leading slash."""
        return f"{self.id}/"

    def position(self, *path, key: bool = False) -> tuple[int, int]:
        return self.document.position(tuple(path), key=key)


@dataclass
class KnowledgeBase:
    errors_dir: Path
    providers: dict[str, Provider]
    errors: list[ErrorEntry]

    def by_id(self) -> dict[str, ErrorEntry]:
        return {entry.id: entry for entry in self.errors}

    def errors_of(self, provider: str) -> list[ErrorEntry]:
        return [entry for entry in self.errors if entry.provider == provider]


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(load_schema(name))


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_knowledge_base(errors_dir: Path, *, today: dt.date | None = None) -> KnowledgeBase:
    """Read and check every file under errors_dir; raise ValidationFailed listing all problems."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    providers: dict[str, Provider] = {}
    errors: list[ErrorEntry] = []
    if not errors_dir.is_dir():
        raise ValidationFailed([Problem(display_path(errors_dir), 1, 1, "errors folder not found")])

    for child in sorted(errors_dir.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_file():
            if child.suffix in (".yaml", ".yml"):
                problems.append(Problem(display_path(child), 1, 1,
                                        "error files belong in errors/<provider>/<slug>.yaml: move it into a provider folder"))
            continue
        if not SLUG.match(child.name):
            problems.append(Problem(display_path(child), 1, 1,
                                    "provider folder names are lower-case letters and digits joined by '-'"))
            continue
        provider_file = child / "_provider.yaml"
        if not provider_file.is_file():
            problems.append(Problem(display_path(child), 1, 1,
                                    "provider folder has no _provider.yaml: add one with name, homepage, api_hosts, "
                                    "status_page and description"))
        else:
            document, file_problems = _read_checked(provider_file, "provider.schema.json", PROVIDER_SCHEMA_LINE)
            problems.extend(file_problems)
            if document is not None and not file_problems:
                providers[child.name] = Provider(child.name, provider_file, document.data)
        for path in sorted(child.iterdir()):
            if path.name == "_provider.yaml" or path.name.startswith("."):
                continue
            shown = display_path(path)
            if path.is_dir():
                problems.append(Problem(shown, 1, 1, "folders inside a provider folder are not read: move its files up"))
                continue
            if path.suffix == ".yml":
                problems.append(Problem(shown, 1, 1, "rename the file to end in .yaml"))
                continue
            if path.suffix != ".yaml":
                continue
            if not SLUG.match(path.stem):
                problems.append(Problem(shown, 1, 1,
                                        "file names are lower-case letters and digits joined by '-', ending in .yaml"))
                continue
            document, file_problems = _read_checked(path, "error.schema.json", ERROR_SCHEMA_LINE)
            problems.extend(file_problems)
            if document is None:
                continue
            entry = ErrorEntry(id=f"{child.name}/{path.stem}", provider=child.name, slug=path.stem, path=path,
                               source=f"errors/{child.name}/{path.name}", data=document.data, document=document)
            if not file_problems:
                problems.extend(_check_entry(entry, shown, today))
                errors.append(entry)

    problems.extend(_check_across(errors))
    if problems:
        raise ValidationFailed(sorted(set(problems)))
    return KnowledgeBase(errors_dir=errors_dir, providers=providers, errors=errors)


def _read_checked(path: Path, schema_name: str, schema_line: str) -> tuple[YamlDocument | None, list[Problem]]:
    shown = display_path(path)
    document, problems = read_yaml_file(path, shown)
    if document is None:
        return None, problems
    if not isinstance(document.data, dict):
        return None, [Problem(shown, 1, 1, "the file must be a mapping of field names to values")]
    if document.first_line.strip() != schema_line:
        problems.append(Problem(shown, 1, 1, f"the first line must be '{schema_line}' so that editors complete "
                                             "and check the fields"))
    schema = load_schema(schema_name)
    for error in _validator(schema_name).iter_errors(document.data):
        problems.extend(_schema_problems(error, document, shown, schema))
    return document, problems


def _field_name(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "empty"}

_PATTERN_HINTS = {
    "\\S": "must not be empty",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD",
    "^[a-z0-9]+(-[a-z0-9]+)*$": "must be lower-case letters and digits joined by '-'",
    "^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$": "must be an error id such as 'openai/invalid-api-key'",
    "^[A-Za-z_][A-Za-z0-9_]*$": "must be an environment variable name (letters, digits, '_')",
    "^https?://\\S+$": "must be an http(s) URL",
    "^(\\*\\.)?[a-z0-9.-]+(:[0-9]+)?$": "must be a host name such as 'api.example.com' or 'localhost:11434'",
}


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _schema_problems(error: jsonschema.ValidationError, document: YamlDocument, shown: str,
                     schema: dict) -> list[Problem]:
    path = tuple(error.absolute_path)
    name = _field_name(path)
    line, column = document.position(path)
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        problems = []
        for key in error.instance:
            if key in allowed:
                continue
            key_line, key_column = document.position(path + (key,), key=True)
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(allowed)}"
            where = f" in {name}" if path else ""
            problems.append(Problem(shown, key_line, key_column, f"unknown field '{key}'{where}: {hint}"))
        return problems
    if validator == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        field_name = missing.group(1) if missing else error.message
        description = error.schema.get("properties", {}).get(field_name, {}).get("description", "")
        where = f" in {name}" if path else ""
        hint = f" ({description})" if description else ""
        return [Problem(shown, line, column, f"missing required field '{field_name}'{where}{hint}")]
    if validator == "type":
        expected = error.validator_value
        expected_names = " or ".join(_TYPE_NAMES.get(t, t) for t in (expected if isinstance(expected, list) else [expected]))
        return [Problem(shown, line, column, f"{name} must be {expected_names}, not {_kind_of(error.instance)}")]
    if validator == "minLength":
        return [Problem(shown, line, column, f"{name} must not be empty")]
    if validator == "maxLength":
        return [Problem(shown, line, column,
                        f"{name} is too long ({len(error.instance)} characters; at most {error.validator_value})")]
    if validator == "pattern":
        hint = _PATTERN_HINTS.get(error.validator_value, f"must match {error.validator_value}")
        return [Problem(shown, line, column, f"{name} {hint}")]
    if validator == "minItems":
        return [Problem(shown, line, column, f"{name} needs at least {error.validator_value} item(s)")]
    if validator == "uniqueItems":
        return [Problem(shown, line, column, f"{name} has the same item twice: remove the duplicate")]
    if validator == "enum":
        options = [str(option) for option in error.validator_value]
        close = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return [Problem(shown, line, column, f"{name} must be one of: {', '.join(options)}{hint}")]
    if validator in ("minimum", "maximum"):
        bounds = error.schema
        return [Problem(shown, line, column,
                        f"{name} must be between {bounds.get('minimum')} and {bounds.get('maximum')}")]
    if validator in ("minProperties", "maxProperties") and path and path[0] == "patterns":
        return [Problem(shown, line, column, f"{name} must have exactly one of 'literal' or 'regex'")]
    if validator == "minProperties":
        return [Problem(shown, line, column, f"{name} must not be empty")]
    return [Problem(shown, line, column, f"{name}: {error.message}")]


_JS_INCOMPATIBLE = [
    (re.compile(r"\(\?P"), "named groups '(?P...)'"),
    (re.compile(r"\(\?<[=!]"), "lookbehind '(?<=' or '(?<!'"),
    (re.compile(r"\(\?<[A-Za-z]"), "named groups '(?<name>...)'"),
    (re.compile(r"\(\?[aiLmsux-]+[):]"), "inline flags such as '(?i)'"),
    (re.compile(r"\(\?#"), "comments '(?#...)'"),
    (re.compile(r"\\[AZ]"), "'\\A' or '\\Z' (use ^ and $)"),
]


def regex_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be used as a match pattern, or None when it can."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return f"regex does not compile: {error.msg} at position {error.pos}"
    for detector, feature in _JS_INCOMPATIBLE:
        if detector.search(pattern):
            return f"regex uses {feature}, which JavaScript does not support in the browser: rewrite it without"
    if compiled.search(""):
        return "regex matches empty text, so it would match every log: make it require some text"
    return None


def _check_entry(entry: ErrorEntry, shown: str, today: dt.date) -> list[Problem]:
    problems = []
    data = entry.data

    def problem(path: tuple, message: str) -> None:
        line, column = entry.position(*path)
        problems.append(Problem(shown, line, column, message))

    updated = data["updated"]
    try:
        updated_date = dt.date.fromisoformat(updated)
    except ValueError:
        problem(("updated",), f"updated '{updated}' is not a real date: write YYYY-MM-DD")
    else:
        if updated_date > today:
            problem(("updated",), f"updated {updated} lies in the future (today is {today.isoformat()})")

    for index, pattern in enumerate(data["patterns"]):
        if "regex" in pattern:
            reason = regex_problem(pattern["regex"])
            if reason:
                problem(("patterns", index, "regex"), reason)

    for command_index, command in enumerate(data["commands"]):
        for scenario_index, scenario in enumerate(command.get("scenarios", [])):
            for stream in ("stdout", "stderr"):
                for match_index, expression in enumerate(scenario.get(stream, {}).get("matches", [])):
                    try:
                        re.compile(expression)
                    except re.error as error:
                        problem(("commands", command_index, "scenarios", scenario_index, stream, "matches", match_index),
                                f"regex does not compile: {error.msg} at position {error.pos}")
        names = [scenario["name"] for scenario in command.get("scenarios", [])]
        for name in sorted({name for name in names if names.count(name) > 1}):
            problem(("commands", command_index, "scenarios"), f"two scenarios are named '{name}': rename one")

    for index, related in enumerate(data.get("related", [])):
        if related == entry.id:
            problem(("related", index), "an error cannot be related to itself")
    return problems


def _normalised_signature(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_across(errors: list[ErrorEntry]) -> list[Problem]:
    problems = []
    ids = {entry.id for entry in errors}
    first_with_signature: dict[str, ErrorEntry] = {}
    for entry in errors:
        shown = display_path(entry.path)
        for index, related in enumerate(entry.data.get("related", [])):
            if related not in ids and related != entry.id:
                close = difflib.get_close_matches(related, sorted(ids), n=1, cutoff=0.6)
                hint = f": did you mean '{close[0]}'?" if close else ": write the id of an existing error"
                line, column = entry.position("related", index)
                problems.append(Problem(shown, line, column, f"related error '{related}' does not exist{hint}"))
        signature = _normalised_signature(entry.data["signature"]["text"])
        if signature not in first_with_signature:
            first_with_signature[signature] = entry
            continue
        other = first_with_signature[signature]
        for this, that in ((entry, other), (other, entry)):
            that_line, that_column = that.position("signature", "text")
            line, column = this.position("signature", "text")
            problems.append(Problem(display_path(this.path), line, column,
                                    f"signature is the same as in {display_path(that.path)}:{that_line}:{that_column}: "
                                    "each error needs its own signature; merge the two or make this one exact"))
    return problems
