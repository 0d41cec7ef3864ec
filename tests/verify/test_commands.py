"""Every copy-paste command of every shipped error: shellcheck, secret safety, and each scenario run verbatim
against the provider mock; and proof that broken commands fail their check with a clear message."""

from __future__ import annotations

import copy
import re

import pytest

from conftest import REPO
from errorkb.verify.checks import (ScenarioItem, coverage_failures, run_scenario, scenario_items, static_failures)
from errorkb.kb import load_knowledge_base
from errorkb.search import index_for

KB = load_knowledge_base(REPO / "errors")
ITEMS = scenario_items(KB.errors)
INDEX = index_for(KB)
_OUTCOMES: dict[str, object] = {}


def _outcome(item: ScenarioItem):
    """Run a scenario once per test session; the coverage test reuses the result."""
    if item.test_id not in _OUTCOMES:
        _OUTCOMES[item.test_id] = run_scenario(item, INDEX)
    return _OUTCOMES[item.test_id]


@pytest.mark.parametrize("item", ITEMS, ids=[item.test_id for item in ITEMS])
def test_scenario(item):
    failure = _outcome(item).failure
    assert failure is None, str(failure)


@pytest.mark.parametrize("entry", KB.errors, ids=[entry.id for entry in KB.errors])
def test_static_checks(entry):
    failures = static_failures([entry])
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.parametrize("entry", KB.errors, ids=[entry.id for entry in KB.errors])
def test_a_command_reproduces_the_error_and_shows_the_fix(entry):
    outcomes = [_outcome(item) for item in ITEMS if item.entry.id == entry.id]
    failures = coverage_failures([entry], outcomes)
    assert not failures, "\n".join(map(str, failures))


def _run(item: ScenarioItem):
    return run_scenario(item, INDEX).failure


def _mutated(error_id: str, scenario_name: str, old: str, new: str) -> ScenarioItem:
    """The first scenario `scenario_name` of `error_id` whose command contains `old`, with `old` replaced by `new`."""
    for item in ITEMS:
        if item.entry.id == error_id and item.scenario["name"] == scenario_name and old in item.command["run"]:
            entry = copy.copy(item.entry)
            entry.data = copy.deepcopy(item.entry.data)
            entry.data["commands"][item.command_index]["run"] = item.command["run"].replace(old, new)
            return ScenarioItem(entry, item.command_index, item.scenario)
    raise AssertionError(f"no {scenario_name} scenario of {error_id} runs a command containing {old!r}")


def test_typo_in_host_fails_and_names_the_host():
    failure = _run(_mutated("openai/invalid-api-key", "fixed", "api.openai.com", "api.openai.co"))
    assert failure is not None
    assert "the command reached host(s) that no mock serves: api.openai.co" in str(failure)


def test_unmocked_host_fails_and_names_it():
    failure = _run(_mutated("anthropic/invalid-api-key", "fixed", "https://api.anthropic.com",
                                    "https://api.example.net"))
    assert failure is not None and "api.example.net" in str(failure)


def test_misspelt_auth_header_fails():
    failure = _run(_mutated("openai/invalid-api-key", "fixed", "Authorization:", "Authorisation:"))
    assert failure is not None
    text = str(failure)
    assert re.match(r"errors/openai/invalid-api-key\.yaml:\d+:\d+: EKB501 openai/invalid-api-key#2\[bash\] fixed: "
                    r"'Test the key with a request that costs nothing' failed", text)
    for part in ["scenario: fixed", "command:", "Authorisation:", "exit status:", "stdout:", "stderr:",
                 "requests the mock received (1):", "GET /v1/models -> 401"]:
        assert part in text, part


def test_wrong_variable_name_fails():
    failure = _run(_mutated("anthropic/invalid-api-key", "fixed", "${ANTHROPIC_API_KEY:-}", "${ANTHROPIC_KEY:-}"))
    assert failure is not None and "problem:" in str(failure)


def test_broken_quoting_fails_shellcheck_and_run():
    item = _mutated("openai/invalid-api-key", "fixed", '"Authorization: Bearer', "'Authorization: Bearer")
    failures = static_failures([item.entry])
    assert failures and any(failure.code == "EKB401" and "shellcheck SC" in failure.message for failure in failures)
    assert str(failures[0]).startswith("errors/openai/invalid-api-key.yaml:")
    assert failures[0].path == "errors/openai/invalid-api-key.yaml" and failures[0].column > 1
    assert _run(item) is not None


def test_printing_a_secret_is_caught():
    item = _mutated("openai/invalid-api-key", "fixed", "http_code=$(curl ", 'echo "$OPENAI_API_KEY"\nhttp_code=$(curl ')
    failures = static_failures([item.entry])
    assert any(failure.code == "EKB402" and "could print a secret" in failure.message for failure in failures)


def test_coverage_fails_when_no_reproduce_shows_the_error():
    from errorkb.verify.checks import ScenarioOutcome

    entry = KB.by_id()["openai/invalid-api-key"]
    outcomes = [ScenarioOutcome(item, None, shows_error=False) for item in ITEMS if item.entry.id == entry.id]
    failures = coverage_failures([entry], outcomes)
    assert len(failures) == 1
    assert failures[0].path == "errors/openai/invalid-api-key.yaml" and failures[0].code == "EKB502"
    assert "no command shows the error in a passing 'reproduce' scenario" in failures[0].message


def test_fixed_output_that_still_matches_fails():
    item = _mutated("openai/invalid-api-key", "fixed", "http_code=$(curl ",
                    "echo 'Incorrect API key provided: invalid_api_key'\nhttp_code=$(curl ")
    failure = _run(item)
    assert failure is not None and "the output still shows the error" in str(failure)
    assert failure.code == "EKB501" and str(failure).startswith("errors/openai/invalid-api-key.yaml:")


def test_mock_state_for_a_provider_without_a_mock_fails(tmp_path):
    import shutil

    from conftest import FIXTURES

    shutil.copytree(FIXTURES / "valid", tmp_path / "errors")
    source = tmp_path / "errors" / "demo" / "bad-token.yaml"
    source.write_text(source.read_text().replace("        env: {DEMO_TOKEN: errorkb-test-key}",
                                                 "        env: {DEMO_TOKEN: errorkb-test-key}\n        mock: {quota: exhausted}"))
    kb = load_knowledge_base(tmp_path / "errors")
    item = scenario_items(kb.errors)[0]
    failure = run_scenario(item, index_for(kb)).failure
    assert failure is not None and "no mock simulates 'demo'" in str(failure)


def test_a_real_looking_key_in_an_error_file_is_reported_where_it_stands():
    entry = copy.copy(KB.by_id()["openai/invalid-api-key"])
    entry.document = copy.copy(entry.document)
    key = "sk-proj-" + "Tq7vX2mN9pL4kR8sW1yZ3bC6dF5gH0jA"
    entry.document.text = entry.document.text.replace("updated:", f"# {key}\nupdated:", 1)
    line = entry.document.text[:entry.document.text.index(key)].count("\n") + 1
    failures = [failure for failure in static_failures([entry]) if failure.code == "EKB403"]
    assert [str(failure) for failure in failures] == [
        f"errors/openai/invalid-api-key.yaml:{line}:3: EKB403 `sk-proj-Tq\u2026` looks like a real OpenAI API key: "
        "never publish a key; write a placeholder such as `sk-proj-...` or use the variable (`$OPENAI_API_KEY`), "
        "and revoke the key if it is real"]


def test_check_refuses_without_a_sandbox_unless_told(monkeypatch, capsys):
    from conftest import run_cli
    from errorkb.verify import sandbox

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(sandbox, "isolation_problem", lambda: "the sandbox needs root (pretend)")
    status, out, err = run_cli(capsys, "check", "ollama/model-not-found")
    assert status == 2 and out == ""
    assert "cannot isolate contributed commands here: the sandbox needs root (pretend)" in err
    assert "--unsafe-no-sandbox" in err
    status, out, err = run_cli(capsys, "check", "--unsafe-no-sandbox", "ollama/model-not-found")
    assert "WARNING: running contributed commands WITHOUT a sandbox" in err
    assert status == 0 and out.strip().endswith("0 failed"), err
