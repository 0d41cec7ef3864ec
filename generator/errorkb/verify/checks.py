"""Verify every copy-paste command: shellcheck, secret safety, and each scenario run against the provider mock.

`static_failures` runs shellcheck (batched) and the secret checks over all commands and
reports each finding at the YAML file and line of the command. `scenario_items` lists
every (error, command, scenario) triple; `run_scenario` runs one verbatim in the
sandbox (errorkb.verify.sandbox) and returns what went wrong, if anything.
`coverage_failures` checks that every error an API returns has a command that shows the
error in a scenario named `reproduce` (errorkb's matcher, given the output, offers that
error's page first) and succeeds without it in one named `fixed`.
`errorkb check` and the pytest suite both use these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import Diagnostic, diagnostic
from ..kb import ErrorEntry
from ..search import match
from .lint.hazards import paste_hazards
from .lint.keys import real_keys
from .lint.secrets import secret_printing_problems
from .lint.shellcheck import shellcheck_commands
from .mocks import PROVIDERS as MOCKED_PROVIDERS
from .sandbox import SHELLS, RunResult, run_command

OUTPUT_TAIL_LINES = 15
SCENARIO_TIMEOUT_SECONDS = 20.0   # commands that back off on purpose sleep several seconds; a loaded machine is slower


@dataclass
class ScenarioItem:
    """One scenario of one command, in one shell."""

    entry: ErrorEntry
    command_index: int
    scenario: dict
    shell: str = "bash"

    @property
    def command(self) -> dict:
        return self.entry.data["commands"][self.command_index]

    @property
    def test_id(self) -> str:
        """The check's name, as reports show it: openai/rate-limit#2[zsh] fixed (commands numbered from 1)."""
        return f"{self.entry.id}#{self.command_index + 1}[{self.shell}] {self.scenario['name']}"


def command_shells(command: dict) -> list[str]:
    """The shells a command claims: both bash and zsh unless it says otherwise."""
    return list(command.get("shells") or SHELLS)


def command_line(entry: ErrorEntry, command_index: int, line_in_command: int = 1) -> int:
    """The line of the YAML file on which line `line_in_command` of a command's `run` stands."""
    line, _ = entry.position("commands", command_index, "run")
    source_lines = entry.document.text.splitlines()
    value_start = source_lines[line - 1] if line - 1 < len(source_lines) else ""
    is_block = re.search(r"run:\s*[|>][-+0-9]*\s*(#.*)?$", value_start) is not None or \
        re.match(r"\s*[|>][-+0-9]*\s*$", value_start) is not None
    return line + line_in_command if is_block else line + line_in_command - 1


def _command_diagnostic(code: str, entry: ErrorEntry, command_index: int, line_in_command: int = 1, column: int = 1,
                        **fields) -> Diagnostic:
    """A diagnostic at a line of a command's `run` (column: within that line of the command)."""
    line = command_line(entry, command_index, line_in_command)
    source_lines = entry.document.text.splitlines()
    source = source_lines[line - 1] if line - 1 < len(source_lines) else ""
    return diagnostic(code, entry.shown_path, line, len(source) - len(source.lstrip()) + column, **fields)


def static_failures(entries: list[ErrorEntry]) -> list[Diagnostic]:
    """shellcheck and secret-safety findings for every command, and real-looking keys in any file; each
    diagnostic's subject is the command ("<id>#<index>") or the error id it concerns."""
    failures: list[Diagnostic] = []
    commands = {}
    for entry in entries:
        for index, command in enumerate(entry.data["commands"]):
            commands[f"{entry.id}#{index}"] = (entry, index, command)
    for finding in shellcheck_commands([(key, command["run"]) for key, (_, _, command) in commands.items()]):
        entry, index, command = commands[finding.command_id]
        source_line = command["run"].splitlines()[finding.line - 1].strip()
        failures.append(_command_diagnostic(
            "EKB401", entry, index, finding.line, finding.column, sc_code=finding.code, level=finding.level,
            title=command["title"], detail=finding.message, details=[f"column {finding.column} of: {source_line}"],
            subject=finding.command_id))
    for key, (entry, index, command) in commands.items():
        for line, column, message in secret_printing_problems(command["run"]):
            failures.append(_command_diagnostic("EKB402", entry, index, line, column, title=command["title"],
                                                detail=message, subject=key))
        for code, line, column, fields in paste_hazards(command["run"], command_shells(command)):
            failures.append(_command_diagnostic(code, entry, index, line, column, title=command["title"],
                                                subject=key, **fields))
    for entry in entries:
        for key in real_keys(entry.document.text):
            failures.append(diagnostic("EKB403", entry.shown_path, key.line, key.column, start=key.start,
                                       kind=key.shape.kind, placeholder=key.shape.placeholder,
                                       variable=key.shape.variable, subject=entry.id))
    return failures


def scenario_items(entries: list[ErrorEntry]) -> list[ScenarioItem]:
    """Every scenario of every command, once in each shell the command claims."""
    return [ScenarioItem(entry, index, scenario, shell)
            for entry in entries
            for index, command in enumerate(entry.data["commands"])
            for shell in command_shells(command)
            for scenario in command.get("scenarios", [])]


def shows_error(index: dict, entry: ErrorEntry, output: str) -> bool:
    """True when errorkb's own matcher, given `output` as a paste, offers this error's page first."""
    results = match(index, output, top=1)
    return bool(results) and results[0]["id"] == entry.id


def _tail(text: str) -> list[str]:
    lines = text.rstrip("\n").splitlines()
    shown = lines[-OUTPUT_TAIL_LINES:]
    prefix = [f"... ({len(lines) - len(shown)} earlier lines)"] if len(lines) > len(shown) else []
    return prefix + shown if shown else ["(empty)"]


def _expectation_problems(scenario: dict, result: RunResult) -> list[str]:
    problems = []
    expected_status = scenario.get("exit_status", 0)
    if result.timed_out:
        problems.append(f"timed out after {result.duration:.1f} s")
    elif result.exit_status != expected_status:
        problems.append(f"exit status {result.exit_status}, expected {expected_status}")
    for stream in ("stdout", "stderr"):
        output = getattr(result, stream)
        expectation = scenario.get(stream, {})
        for text in expectation.get("contains", []):
            if text not in output:
                problems.append(f"{stream} does not contain {text!r}")
        for text in expectation.get("not_contains", []):
            if text in output:
                problems.append(f"{stream} contains {text!r}, which it must not")
        for expression in expectation.get("matches", []):
            if not re.search(expression, output):
                problems.append(f"{stream} does not match /{expression}/")
    return problems


@dataclass
class ScenarioOutcome:
    """What running one scenario showed: a failure (or None) and whether the output shows the error."""

    item: ScenarioItem
    failure: Diagnostic | None
    shows_error: bool


def run_scenario(item: ScenarioItem, index: dict, timeout: float = SCENARIO_TIMEOUT_SECONDS, isolate: bool = True) -> ScenarioOutcome:
    """Run one scenario verbatim in the sandbox and check everything it expects; `index` is the match index.
    isolate=False (--unsafe-no-sandbox) runs it without namespaces."""
    scenario = item.scenario
    result = run_command(item.command["run"], env=dict(scenario.get("env", {})), provider=item.entry.provider,
                         mock_state=dict(scenario.get("mock", {})), timeout=timeout, shell=item.shell, paste=True,
                         files=scenario.get("files"), isolate=isolate)
    problems = []
    if scenario.get("mock") and item.entry.provider not in MOCKED_PROVIDERS:
        problems.append(f"the scenario sets a mock state, but no mock simulates '{item.entry.provider}' "
                        f"(mocked: {', '.join(sorted(MOCKED_PROVIDERS))})")
    if result.unmocked_hosts:
        problems.append("the command reached host(s) that no mock serves: " + ", ".join(result.unmocked_hosts) +
                        " (no real network is used; call the provider's real API host)")
    if result.mock_errors:
        problems.append("the mock failed while answering (a bug in errorkb/verify/mocks): " +
                        result.mock_errors[-1].strip().splitlines()[-1])
    if result.ended_shell:
        problems.append(f"pasted into {item.shell}, it ended the reader's shell before the end of the paste (an exit, "
                        "or set -e and a failing command, or an unclosed quote): a reader's terminal would close "
                        "or wait for more input")
    problems.extend(f"it {escape}" for escape in result.escapes)
    problems.extend(_expectation_problems(scenario, result))
    showing = shows_error(index, item.entry, result.stdout + "\n" + result.stderr)
    if scenario["name"] == "fixed" and showing:
        problems.append("the output still shows the error (errorkb match offers this page for it), which the "
                        "fix should have removed")
    if not problems:
        return ScenarioOutcome(item, None, showing)
    details = [f"scenario: {scenario['name']}  shell: {item.shell} (pasted)  "
               f"env: {', '.join(sorted(scenario.get('env', {}))) or '(none)'}"
               f"  mock: {scenario.get('mock', {})}",
               *[f"problem: {problem}" for problem in problems],
               "command:", *("  " + line for line in item.command["run"].rstrip("\n").splitlines()),
               f"exit status: {result.exit_status}{' (timed out)' if result.timed_out else ''}",
               "stdout:", *("  " + line for line in _tail(result.stdout)),
               "stderr:", *("  " + line for line in _tail(result.stderr)),
               f"requests the mock received ({len(result.requests)}):",
               *(f"  {request['method']} {request['path']} -> {request['status']}" for request in result.requests)]
    failure = _command_diagnostic("EKB501", item.entry, item.command_index, check=item.test_id,
                                  title=item.command["title"], details=details, subject=item.test_id)
    return ScenarioOutcome(item, failure, showing)


def coverage_failures(entries: list[ErrorEntry], outcomes: list[ScenarioOutcome]) -> list[Diagnostic]:
    """An error an API returns needs a command whose `reproduce` scenario shows
    the error (one of its patterns matches the output) and whose `fixed` scenario passes without it."""
    failures = []
    by_command: dict[tuple[str, int], dict[str, list[ScenarioOutcome]]] = {}
    for outcome in outcomes:
        key = (outcome.item.entry.id, outcome.item.command_index)
        by_command.setdefault(key, {}).setdefault(outcome.item.scenario["name"], []).append(outcome)
    for entry in entries:
        if not entry.data["signature"].get("http_status"):
            continue
        proven = False
        for index in range(len(entry.data["commands"])):
            scenarios = by_command.get((entry.id, index), {})
            reproduce, fixed = scenarios.get("reproduce", []), scenarios.get("fixed", [])
            if reproduce and fixed and all(one.failure is None and one.shows_error for one in reproduce) and \
                    all(one.failure is None for one in fixed):   # in every shell the command claims
                proven = True
        if not proven:
            line, column = entry.position("commands")
            failures.append(diagnostic("EKB502", entry.shown_path, line, column, subject=entry.id))
    return failures
