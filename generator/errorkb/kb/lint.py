"""Lint rules beyond the schema (EKB330-EKB336), run by `errorkb validate` on a knowledge base that loaded.

Each rule is in the one rule table (errorkb.diagnostics.RULES, `silenceable`).  A file may silence one of
them for itself with a comment line that says why:

    # errorkb: disable=EKB332 -- the provider's own sentence, quoted whole

The silenced findings and their reasons are kept (`validate --verbose` prints them).  Rules that need
something the machine may lack are skipped, and `skipped` says why: the git rule (EKB335) without git, outside
a checkout or in a shallow clone (whose history stops early, so every file would look changed); the overlap
rule (EKB331) when no folder of test vectors is given.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..diagnostics import RULES, Diagnostic, diagnostic
from .model import ErrorEntry, KnowledgeBase, display_path

SUMMARY_BUDGET = 320      # characters; the longest shipped summary is about 310
QUICK_FIX_BUDGET = 360    # characters; the longest shipped quick fix is about 345
DISABLE = re.compile(r"#\s*errorkb:\s*disable=(?P<code>[^\s,]*)(?P<rest>.*)$")
REASON = re.compile(r"^\s+--\s+(?P<reason>\S.*?)\s*$")


@dataclass(frozen=True)
class Silence:
    code: str
    reason: str
    line: int


@dataclass
class LintReport:
    problems: list[Diagnostic] = field(default_factory=list)
    silenced: list[tuple[Diagnostic, str]] = field(default_factory=list)   # (finding, the file's reason)
    skipped: list[str] = field(default_factory=list)                      # "EKB335: why it did not run"


def silences(entry: ErrorEntry) -> tuple[dict[str, Silence], list[Diagnostic]]:
    """The rules the file silences (`# errorkb: disable=CODE -- reason`), and what is wrong with those comments."""
    found: dict[str, Silence] = {}
    problems = []
    for number, text in enumerate(entry.document.text.split("\n"), 1):
        match = DISABLE.search(text)
        if match is None:
            continue
        column = match.start() + 1
        code, reason = match.group("code"), REASON.match(match.group("rest"))
        rule = RULES.get(code)
        if rule is None or not rule.silenceable:
            silenceable = ", ".join(code for code, rule in RULES.items() if rule.silenceable)
            detail = (f"'{code}' is not a rule a file can silence; these can: {silenceable}" if code
                      else "name the rule to silence: # errorkb: disable=EKB332 -- why")
        elif reason is None:
            detail = f"say why {code} is silenced: # errorkb: disable={code} -- the reason"
        elif code in found:
            detail = f"{code} is already silenced at line {found[code].line}: keep one comment"
        else:
            found[code] = Silence(code, reason.group("reason"), number)
            continue
        problems.append(diagnostic("EKB336", entry.shown_path, number, column, detail=detail))
    return found, problems


def _report(entry: ErrorEntry, code: str, path: tuple, **fields) -> Diagnostic:
    line, column = entry.position(*path)
    return diagnostic(code, entry.shown_path, line, column, **fields)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _record(entry: ErrorEntry, signature: dict, patterns: list[dict]) -> dict:
    return {"id": entry.id, "title": entry.data["title"], "url": entry.url, "provider": entry.provider,
            "signature": signature, "patterns": patterns, "tags": entry.data["tags"]}


def _found_by(entry: ErrorEntry, kb: KnowledgeBase, text: str, patterns: list[dict]) -> bool:
    """Whether the matcher, over an index of this error alone with its signature's text left out (so only
    `patterns`, the status, type and code count), offers the error for `text`."""
    from ..search import build_index, match

    provider = kb.providers.get(entry.provider)
    index = build_index([_record(entry, {**entry.data["signature"], "text": ""}, patterns)],
                        {entry.provider: provider.data if provider else {}})
    return bool(match(index, text, 1))


def signature_lint(kb: KnowledgeBase) -> list[Diagnostic]:
    """EKB330: each error whose signature, pasted alone, the matcher does not offer it for when the index holds
    every error with its signature's text left out (so only its patterns, status, type and code count).  One
    index for all errors, split into one index per error (search.shards.index_per_error): the error's score is
    the same, and each signature is tested against its own error's patterns only, so the time grows with the
    number of errors, not with its square."""
    from ..search import build_index, match
    from ..search.shards import index_per_error

    records = [_record(entry, {**entry.data["signature"], "text": ""}, entry.data["patterns"]) for entry in kb.errors]
    per_error = index_per_error(build_index(records, {slug: provider.data for slug, provider in kb.providers.items()}))
    found = []
    for entry in kb.errors:
        signature = entry.data["signature"]["text"]
        if not match(per_error[entry.id], signature, 1):
            found.append(_report(entry, "EKB330", ("signature", "text"), signature=_short(signature)))
    return found


_URL = re.compile(r"https?://")


def calls_an_api(command: dict) -> bool:
    """Whether a command talks to a provider: it names a URL, or a scenario sets the state of the mock."""
    return bool(_URL.search(command["run"])) or any("mock" in scenario for scenario in command["scenarios"])


def entry_lint(entry: ErrorEntry) -> list[Diagnostic]:
    """The lint rules that look at one file alone: EKB332, EKB333, EKB334."""
    data = entry.data
    found = []
    for name, budget in (("summary", SUMMARY_BUDGET), ("quick_fix", QUICK_FIX_BUDGET)):
        length = len(" ".join(data[name].split()))
        if length > budget:
            found.append(_report(entry, "EKB332", (name,), field=name, length=length, budget=budget))
    for index, item in enumerate(data["faq"]):
        if not item["question"].rstrip().endswith("?"):
            found.append(_report(entry, "EKB333", ("faq", index, "question"), question=_short(item["question"])))
    calling = [index for index, command in enumerate(data["commands"]) if calls_an_api(command)]
    if data["signature"].get("http_status") and calling:
        names = [{scenario["name"] for scenario in command["scenarios"]} for command in data["commands"]]
        if not any({"reproduce", "fixed"} <= scenario_names for scenario_names in names):
            found.append(_report(entry, "EKB334", ("commands", calling[0]),
                                 title=_short(data["commands"][calling[0]]["title"], 60)))
    return found


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def last_changes(errors_dir: Path) -> tuple[dict[Path, tuple[str, str]] | None, str]:
    """Per file under errors_dir, the author date (YYYY-MM-DD) and short hash of the last commit that changed it,
    from one `git log`; or None and why the history cannot be read."""
    head = _git(["rev-parse", "--is-shallow-repository", "--show-toplevel"], errors_dir)
    if head is None:
        return None, "not a git checkout, or git is not installed"
    shallow, top = head.split("\n")[:2]
    if shallow == "true":
        return None, "a shallow clone, whose history stops early (fetch with --depth=0 / fetch-depth: 0)"
    log = _git(["log", "--no-renames", "--format=@%as %h", "--name-only", "--", "."], errors_dir)
    if log is None:
        return None, "git log failed"
    changes: dict[Path, tuple[str, str]] = {}
    current = ("", "")
    for line in log.splitlines():
        if line.startswith("@"):
            date, commit = line[1:].split(" ", 1)
            current = (date, commit)
        elif line:
            changes.setdefault((Path(top) / line).resolve(), current)
    return changes, ""


def git_lint(kb: KnowledgeBase) -> tuple[list[Diagnostic], str]:
    """EKB335 for every error whose `updated` is older than its file's last commit; or why it was skipped."""
    changes, why_not = last_changes(kb.errors_dir)
    if changes is None:
        return [], why_not
    found = []
    for entry in kb.errors:
        change = changes.get(entry.path.resolve())
        if change and dt.date.fromisoformat(entry.data["updated"]) < dt.date.fromisoformat(change[0]):
            found.append(_report(entry, "EKB335", ("updated",), value=entry.data["updated"], changed=change[0],
                                 commit=change[1]))
    return found, ""


def load_vectors(vectors_dir: Path) -> tuple[list[dict], list[Diagnostic]]:
    """The test vectors under vectors_dir (<provider>/<slug>.yaml and no-match.yaml), each with its `file`, and
    a diagnostic for each file that is not YAML."""
    vectors, problems = [], []
    for path in sorted(vectors_dir.rglob("*.yaml")):
        try:
            items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            mark = getattr(error, "problem_mark", None)
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problems.append(diagnostic("EKB105", display_path(path), line, column,
                                       detail=str(getattr(error, "problem", None) or error)))
            continue
        for vector in items if isinstance(items, list) else []:
            if isinstance(vector, dict) and isinstance(vector.get("log"), str):
                vectors.append({**vector, "file": path.relative_to(vectors_dir).as_posix()})
    return vectors, problems


def overlap_lint(kb: KnowledgeBase, vectors: list[dict]) -> list[Diagnostic]:
    """EKB331: an error offered before the error a vector must find (or offered at all for a vector that must
    find nothing), reported once per pair on the first of its patterns that alone matches the vector."""
    from ..search import index_for, match

    index = index_for(kb)
    by_id = kb.by_id()
    found = []
    reported: set[tuple[str, str]] = set()
    for vector in vectors:
        expected = vector.get("expect")
        ids = [result["id"] for result in match(index, vector["log"], 5)]
        stealers = ids[:ids.index(expected)] if expected in ids else ids
        for rank, stealer in enumerate(stealers, 1):
            entry = by_id.get(stealer)
            if entry is None or (stealer, vector["file"]) in reported:
                continue
            reported.add((stealer, vector["file"]))
            path: tuple = ("signature", "text")
            for number, pattern in enumerate(entry.data["patterns"]):
                if _found_by(entry, kb, vector["log"], [pattern]):
                    path = ("patterns", number)
                    break
            found.append(_report(entry, "EKB331", path, vector=_short(str(vector.get("name", "")), 60),
                                 file=vector["file"], expected=expected or "no page",
                                 rank="first" if rank == 1 else f"before it (at {rank})"))
    return found


def lint(kb: KnowledgeBase, vectors_dir: Path | None = None) -> LintReport:
    """Every lint finding of the knowledge base, with the ones a file silenced set apart."""
    report = LintReport()
    findings: list[Diagnostic] = []
    silenced_by_file: dict[str, dict[str, Silence]] = {}
    for entry in kb.errors:
        file_silences, problems = silences(entry)
        silenced_by_file[entry.shown_path] = file_silences
        report.problems.extend(problems)
        findings.extend(entry_lint(entry))
    findings.extend(signature_lint(kb))
    git_found, why_not = git_lint(kb)
    findings.extend(git_found)
    if why_not:
        report.skipped.append(f"EKB335 skipped: {why_not}")
    if vectors_dir is None:
        report.skipped.append("EKB331 skipped: no test vectors given (--vectors DIR)")
    else:
        vectors, problems = load_vectors(vectors_dir)
        report.problems.extend(problems)
        findings.extend(overlap_lint(kb, vectors))
    for finding in findings:
        silence = silenced_by_file.get(finding.path, {}).get(finding.code)
        if silence:
            report.silenced.append((finding, silence.reason))
        else:
            report.problems.append(finding)
    report.problems.sort()
    report.silenced.sort()
    return report
