"""Which errors `errorkb check` checks: the ids asked for, the errors a git change touches (`--changed`), and one
shard of them (`--shard I/N`), so that a CI matrix spreads the checks of a large knowledge base over machines."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..kb.model import ErrorEntry, KnowledgeBase

class SelectionError(Exception):
    """The selection cannot be made; the message says why."""


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' -> (2, 4): the second of four shards."""
    try:
        number, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise SelectionError(f"--shard takes I/N, as in 2/4, not {text!r}") from None
    if not 1 <= number <= total:
        raise SelectionError(f"--shard {text}: I must be between 1 and N")
    return number, total


def shard(entries: list[ErrorEntry], number: int, total: int) -> list[ErrorEntry]:
    """Shard `number` of `total`: the errors in id order, dealt out in turn, so that every error is in exactly one
    shard and the shards are about the same size whatever the ids."""
    return sorted(entries, key=lambda entry: entry.id)[number - 1::total]


def changed_files(base: str, folder: Path) -> list[Path]:
    """The files under the git work tree of `folder` that differ from `base` (committed since the merge base,
    staged, unstaged or untracked), as absolute paths."""
    def git(*args: str) -> str:
        try:
            result = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SelectionError(f"--changed needs git: {error}") from None
        if result.returncode != 0:
            raise SelectionError(f"--changed {base}: git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    merge_base = git("merge-base", base, "HEAD").strip()
    names = git("diff", "--name-only", "-z", merge_base, "--").split("\0")
    names += git("ls-files", "--others", "--exclude-standard", "-z").split("\0")
    return [top / name for name in sorted(set(names)) if name]


def changed_errors(kb: KnowledgeBase, files: list[Path], package_root: Path) -> tuple[list[ErrorEntry], str]:
    """The errors a change to `files` can affect, and why.  An error file: that error.  A provider's
    _provider.yaml or its mock (verify/mocks/<provider>.py): that provider's errors and those of the tools that
    call it.  Anything else in the checker (verify/: the sandbox, the lint, the shared mock code): every error."""
    verify = (package_root / "verify").resolve()
    mocks = verify / "mocks"
    by_path = {entry.path.resolve(): entry for entry in kb.errors}
    provider_files = {provider.path.resolve(): slug for slug, provider in kb.providers.items()}
    chosen: set[str] = set()
    providers: set[str] = set()
    for path in (path.resolve() for path in files):
        if path in by_path:
            chosen.add(by_path[path].id)
        elif path in provider_files:
            providers.add(provider_files[path])
        elif path.parent == mocks and path.stem.replace("_", "-") in kb.providers:
            providers.add(path.stem.replace("_", "-"))
        elif verify in path.parents and "__pycache__" not in path.parts:
            return list(kb.errors), f"{path.relative_to(package_root)} changed: every error"
    callers = {slug for slug, provider in kb.providers.items() if providers & set(provider.data.get("calls") or [])}
    providers |= callers
    entries = [entry for entry in kb.errors if entry.id in chosen or entry.provider in providers]
    return entries, f"{len(entries)} error(s) whose file, provider or mock changed"
