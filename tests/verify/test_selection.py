"""`errorkb check --changed` and `--shard I/N`: which errors a change touches, and shards that cover every error
exactly once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, require_tool, run_cli
from errorkb.kb import load_knowledge_base
from errorkb.verify.selection import SelectionError, changed_errors, changed_files, parse_shard, shard

PACKAGE = REPO / "generator" / "errorkb"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(REPO / "errors")


def test_shards_cover_every_error_exactly_once(kb):
    for total in (1, 2, 3, 7):
        shards = [shard(list(kb.errors), number, total) for number in range(1, total + 1)]
        ids = [entry.id for part in shards for entry in part]
        assert sorted(ids) == sorted(entry.id for entry in kb.errors)
        assert max(map(len, shards)) - min(map(len, shards)) <= 1


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_bad_shard_is_refused(text):
    with pytest.raises(SelectionError, match="--shard"):
        parse_shard(text)


def test_an_error_file_selects_that_error(kb):
    entry = next(entry for entry in kb.errors if entry.id == "mistral/rate-limit")
    chosen, _ = changed_errors(kb, [entry.path, REPO / "README.md"], PACKAGE)
    assert [e.id for e in chosen] == ["mistral/rate-limit"]


def test_a_mock_selects_its_provider_and_the_tools_that_call_it(kb):
    chosen, _ = changed_errors(kb, [PACKAGE / "verify" / "mocks" / "mistral.py"], PACKAGE)
    ids = {entry.id for entry in chosen}
    assert {entry.id for entry in kb.errors_of("mistral")} <= ids
    assert {entry.id for entry in kb.errors_of("cline")} <= ids   # Cline calls Mistral
    assert not ids & {entry.id for entry in kb.errors_of("claude-code")}   # Claude Code does not
    assert not ids & {entry.id for entry in kb.errors_of("openai")}


def test_the_checker_or_shared_mock_code_selects_every_error(kb):
    for path in (PACKAGE / "verify" / "sandbox.py", PACKAGE / "verify" / "mocks" / "common.py"):
        chosen, reason = changed_errors(kb, [path], PACKAGE)
        assert len(chosen) == len(kb.errors) and "every error" in reason


def test_changed_files_sees_commits_edits_and_new_files(tmp_path):
    require_tool("git")
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "errors" / "mistral", repo / "errors" / "mistral")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True,
                       capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "work")
    (repo / "errors" / "mistral" / "rate-limit.yaml").write_text("changed\n")
    git("commit", "-qam", "edit")
    (repo / "errors" / "mistral" / "unauthorized.yaml").write_text("edited, not committed\n")
    (repo / "errors" / "mistral" / "new-one.yaml").write_text("new\n")
    names = sorted(path.name for path in changed_files("main", repo / "errors"))
    assert names == ["new-one.yaml", "rate-limit.yaml", "unauthorized.yaml"]
    with pytest.raises(SelectionError, match="no-such-branch"):
        changed_files("no-such-branch", repo / "errors")


def test_check_refuses_a_bad_shard_with_a_clear_message(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    status, _, err = run_cli(capsys, "check", "--shard", "5/4")
    assert status == 2
    assert err.strip().splitlines()[-1] == "errorkb: --shard 5/4: I must be between 1 and N"
