"""pre-commit runs errorkb's hooks (.pre-commit-hooks.yaml) in a throwaway repository of error files, the way any
such repository would: its .pre-commit-config.yaml names this repository and a commit, and pre-commit installs
errorkb from it into a virtual environment of its own (`language: python`), from the package registry.  The test
points at a snapshot of this working tree (a local path is a git URL pre-commit clones like any other), so the
hooks tested are the ones being changed; its own cache keeps the run independent of the developer's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from conftest import FIXTURES, REPO, require_tool

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_AUTHOR_DATE": "2026-01-15T12:00:00", "GIT_COMMITTER_DATE": "2026-01-15T12:00:00"}   # as `updated` says


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True,
                          text=True).stdout


def _snapshot_of_this_tree(target: Path) -> str:
    """This working tree's files (tracked and new, not ignored) committed in a new repository; its commit."""
    files = _git(REPO, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for name in filter(None, files):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return _git(target, "rev-parse", "HEAD").strip()


def test_pre_commit_runs_the_hooks_on_the_changed_errors(tmp_path):
    require_tool("git")
    pre_commit = require_tool("pre-commit", str(REPO / ".venv" / "bin" / "pre-commit"))
    hooks_repo, kb_repo = tmp_path / "errorkb", tmp_path / "kb"
    hooks_repo.mkdir()
    revision = _snapshot_of_this_tree(hooks_repo)
    shutil.copytree(FIXTURES / "valid" / "demo", kb_repo / "errors" / "demo")
    (kb_repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(hooks_repo), "rev": revision, "hooks": [{"id": "errorkb-validate"}, {"id": "errorkb-check"}]}]}))
    _git(kb_repo, "init", "-q")
    _git(kb_repo, "add", "-A")
    _git(kb_repo, "commit", "-q", "-m", "two errors")
    bad_token = kb_repo / "errors" / "demo" / "bad-token.yaml"
    bad_token.write_text(bad_token.read_text().replace("  - question: Does the token expire?",
                                                       "  - question: Tokens expire"))
    _git(kb_repo, "add", "-A")
    environment = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PRE_COMMIT_COLOR": "never"}
    environment.pop("VIRTUAL_ENV", None)
    done = subprocess.run([pre_commit, "run"], cwd=kb_repo, env=environment, capture_output=True, text=True,
                          timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "errorkb validate" in output and "errorkb check (the changed errors)" in output
    assert ("errors/demo/bad-token.yaml:48:15: EKB333 the FAQ question 'Tokens expire' does not end with '?': "
            "write it as the question a reader asks") in output
    # check ran on the one changed error: its commands pass, and it lacks a reproduce/fixed proof (EKB502)
    assert "errors/demo/bad-token.yaml:24:3: EKB502 " in output
    assert "slow-down.yaml" not in output and " EKB335 " not in output


def test_this_repositorys_config_runs_the_same_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    local = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [hook["id"] for hook in local] == list(hooks) == ["errorkb-validate", "errorkb-check"]
    for hook in local:
        assert hook["entry"].startswith(".venv/bin/" + hooks[hook["id"]]["entry"]), hook
    assert local[1]["files"] == hooks["errorkb-check"]["files"]
