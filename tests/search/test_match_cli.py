"""`errorkb match` and `errorkb explain` as a reader uses them in a terminal."""

from __future__ import annotations

import io
import json

import pytest

from conftest import REPO, run_cli

TRACEBACK = """Traceback (most recent call last):
  File "app.py", line 3, in <module>
    client.models.list()
openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: sk-proj-****abcd. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}
"""


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def test_match_json_from_stdin(in_repo, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(TRACEBACK))
    status, out, err = run_cli(capsys, "match", "--json", "-")
    assert (status, err) == (0, "")
    results = json.loads(out)
    assert results[0]["id"] == "openai/invalid-api-key"
    assert results[0]["url"] == "https://errorkb.dev/openai/invalid-api-key/"
    assert {"id", "title", "score", "url", "matched"} <= set(results[0])
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_match_file_text_output(in_repo, tmp_path, capsys):
    log = tmp_path / "log.txt"
    log.write_text("Error: model 'llama9' not found (status code: 404)\n")
    status, out, _ = run_cli(capsys, "match", str(log), "--top", "1")
    assert status == 0
    assert out.splitlines()[0].startswith("1. ollama/model-not-found  (score ")
    assert len([line for line in out.splitlines() if line[:2] == "2."]) == 0


def test_no_match_says_so_and_how_to_contribute(in_repo, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("fatal: not a git repository (or any of the parent directories): .git"))
    status, out, _ = run_cli(capsys, "match")
    assert status == 1
    assert out.startswith("No error in errorkb matches this text.")
    assert "errors/<provider>/<slug>.yaml" in out and "https://github.com/errorkb/errorkb/issues/new" in out


def test_match_usage_errors_exit_2(in_repo, capsys):
    assert run_cli(capsys, "match", "--top", "0")[0] == 2
    assert run_cli(capsys, "match", "/no/such/file")[0] == 2
    assert run_cli(capsys, "match", "--bogus")[0] == 2


def test_explain_shows_sections_in_order(in_repo, capsys):
    status, out, _ = run_cli(capsys, "explain", "openai/invalid-api-key")
    assert status == 0
    headings = ["Signature", "Quick fix", "What this error means", "Why this happens", "Common causes", "Quick fixes",
                "Copy-paste commands", "Platform-specific fixes", "Step-by-step troubleshooting", "How to prevent it",
                "Related errors", "FAQ"]
    positions = [out.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert out.startswith("OpenAI API invalid API key")


def test_explain_unknown_id_suggests(in_repo, capsys):
    status, _, err = run_cli(capsys, "explain", "openai/invalid-api-kee")
    assert status == 2
    assert "did you mean 'openai/invalid-api-key'?" in err
