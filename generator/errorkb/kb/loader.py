"""Load and validate the knowledge base: every errors/<provider>/<slug>.yaml and _provider.yaml.

Each file is read by yamlsafe, checked against its JSON Schema (kb.schema), then checked on its
own and across files (kb.content).  Every problem in every file is collected as a Diagnostic;
`load_knowledge_base` raises ValidationFailed with all of them, sorted, or returns the
KnowledgeBase.  Given a `LoadCache` (what `errorkb serve` keeps between rebuilds), a file whose
size, modification time and inode are unchanged is not read or checked again: only the checks
across files run again.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..diagnostics import Diagnostic, diagnostic
from .content import across_diagnostics, entry_diagnostics, provider_diagnostics, text_diagnostics
from .model import ErrorEntry, KnowledgeBase, Provider, display_path
from .schema import SCHEMA_LINES, schema_diagnostics
from .yamlsafe import YamlDocument, read_yaml_file

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class LoadCache:
    """What was read and checked of each file, by path, with the file's stat when it was read."""

    def __init__(self):
        self.files: dict[Path, tuple[tuple, tuple]] = {}

    def get(self, path: Path, key: tuple) -> tuple | None:
        found = self.files.get(path)
        return found[1] if found is not None and found[0] == key else None

    def put(self, path: Path, key: tuple, value: tuple) -> None:
        self.files[path] = (key, value)


def _stat_key(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns)


class ValidationFailed(Exception):
    """The knowledge base has problems; `problems` lists every one."""

    def __init__(self, problems: list[Diagnostic]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(set(problems))


def load_knowledge_base(errors_dir: Path, *, today: dt.date | None = None,
                        cache: LoadCache | None = None) -> KnowledgeBase:
    """Read and check every file under errors_dir; raise ValidationFailed listing all problems.  With a cache,
    files unchanged since they were cached are taken from it (and what is read is put in it)."""
    today = today or dt.date.today()
    problems: list[Diagnostic] = []
    providers: dict[str, Provider] = {}
    errors: list[ErrorEntry] = []
    present: set[str] = set()   # ids of every error file, loaded or not: a related link to a broken file is not broken
    if not errors_dir.is_dir():
        raise ValidationFailed([diagnostic("EKB120", display_path(errors_dir), 1, 1)])
    root = errors_dir.resolve()

    for child in sorted(errors_dir.iterdir()):
        if child.name.startswith("."):
            continue
        kind, problem = _classify(child, root)
        if problem:
            problems.append(problem)
            continue
        if kind != "dir":
            if child.suffix.lower() in (".yaml", ".yml"):
                problems.append(diagnostic("EKB121", display_path(child), 1, 1))
            continue
        if not SLUG.match(child.name):
            problems.append(diagnostic("EKB122", display_path(child), 1, 1))
            continue
        provider_file = child / "_provider.yaml"
        provider_kind, problem = _classify(provider_file, root)
        if problem:
            problems.append(problem)
        elif provider_kind == "missing":
            problems.append(diagnostic("EKB123", display_path(child), 1, 1))
        else:
            document, file_problems = _read_cached(provider_file, "provider.schema.json", cache)
            problems.extend(file_problems)
            if document is not None and not file_problems:
                providers[child.name] = Provider(child.name, provider_file, document.data, document)
        for path in sorted(child.iterdir()):
            if path.name == "_provider.yaml" or path.name.startswith("."):
                continue
            shown = display_path(path)
            kind, problem = _classify(path, root)
            if problem:
                problems.append(problem)
                continue
            if kind == "dir":
                problems.append(diagnostic("EKB124", shown, 1, 1))
                continue
            suffix = path.suffix.lower()
            if suffix == ".yml":
                problems.append(diagnostic("EKB125", shown, 1, 1))
                continue
            if suffix != ".yaml":
                continue
            if not SLUG.match(path.stem):
                problems.append(diagnostic("EKB126", shown, 1, 1))
                continue
            present.add(f"{child.name}/{path.stem}")
            key = _stat_key(path) if cache is not None else None
            cached = cache.get(path, key + (today,)) if key is not None else None
            if cached is None:
                document, file_problems = _read_checked(path, "error.schema.json")
                entry = entry_problems = None
                if document is not None:
                    entry = ErrorEntry(id=f"{child.name}/{path.stem}", provider=child.name, slug=path.stem,
                                       path=path, source=f"errors/{child.name}/{path.name}", data=document.data,
                                       document=document)
                    entry_problems = [] if file_problems else entry_diagnostics(entry, today)
                if key is not None:
                    cache.put(path, key + (today,), (entry, file_problems, entry_problems))
            else:
                entry, file_problems, entry_problems = cached
            problems.extend(file_problems)
            if entry is None:
                continue
            if not file_problems:
                problems.extend(entry_problems)
                errors.append(entry)

    problems.extend(across_diagnostics(errors, present))
    problems.extend(provider_diagnostics(providers))
    if problems:
        raise ValidationFailed(problems)
    return KnowledgeBase(errors_dir=errors_dir, providers=providers, errors=errors)


def _classify(path: Path, root: Path) -> tuple[str, Diagnostic | None]:
    """What a path under the errors folder is ("dir", "file" for anything else that exists, "missing"), or
    why it must not be read: a link out of the errors folder, or one that leads nowhere."""
    shown = display_path(path)
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "missing", diagnostic("EKB113", shown, 1, 1, reason="it is a link that leads nowhere, or in a loop")
        if target != root and root not in target.parents:
            return "missing", diagnostic("EKB116", shown, 1, 1, target=str(target))
    try:
        return ("dir" if path.is_dir() else "file" if path.exists() else "missing"), None
    except OSError as error:
        return "missing", diagnostic("EKB113", shown, 1, 1, reason=error.strerror)


def _read_cached(path: Path, schema_name: str, cache: LoadCache | None) -> tuple[YamlDocument | None, list[Diagnostic]]:
    key = _stat_key(path) if cache is not None else None
    cached = cache.get(path, key) if key is not None else None
    if cached is None:
        cached = _read_checked(path, schema_name)
        if key is not None:
            cache.put(path, key, cached)
    return cached


def _read_checked(path: Path, schema_name: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    shown = display_path(path)
    document, problems = read_yaml_file(path, shown)
    if document is None:
        return None, problems
    if not isinstance(document.data, dict):
        return None, [diagnostic("EKB114", shown, 1, 1)]
    schema_line = SCHEMA_LINES[schema_name]
    if document.first_line.strip() != schema_line:
        problems.append(diagnostic("EKB127", shown, 1, 1, schema_line=schema_line))
    problems.extend(schema_diagnostics(document, shown, schema_name))
    problems.extend(text_diagnostics(document, shown))
    return document, problems
