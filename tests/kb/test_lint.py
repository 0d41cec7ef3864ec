"""The lint rules that need more than one file to fail (test vectors, git history), silencing a rule in one file
with a reason, and the GitHub annotation format of `errorkb validate` and `errorkb check`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import FIXTURES, run_cli, require_tool
from errorkb.diagnostics import Diagnostic, github_annotation

DEMO = FIXTURES / "valid" / "demo"
STEALING_VECTOR = """- name: demo slow down with a token message
  expect: demo/slow-down
  source: constructed for the errorkb tests
  log: |
    Demo slow down: the token rejected by the limiter
"""


def _tree(tmp_path: Path, monkeypatch) -> Path:
    shutil.copytree(DEMO, tmp_path / "errors" / "demo")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_EKB331_a_pattern_that_takes_another_errors_vector(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path, monkeypatch)
    _edit(tree / "errors" / "demo" / "bad-token.yaml", '  - regex: "demo token (rejected|refused)"',
          '  - regex: "token (rejected|refused)"')
    vectors = tree / "vectors" / "demo"
    vectors.mkdir(parents=True)
    (vectors / "slow-down.yaml").write_text(STEALING_VECTOR)
    status, out, err = run_cli(capsys, "validate")
    assert status == 0, err   # without the vectors the rule cannot run
    status, out, err = run_cli(capsys, "validate", "--vectors", "vectors")
    assert status == 1
    assert err.splitlines()[0] == (
        "errors/demo/bad-token.yaml:52:5: EKB331 this error's patterns match the test vector 'demo slow down with a "
        "token message' (demo/slow-down.yaml), which must find demo/slow-down, and rank this error first: make the "
        "patterns more specific")


def test_vectors_that_are_not_yaml_are_reported_not_raised(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path, monkeypatch)
    (tree / "vectors").mkdir()
    (tree / "vectors" / "broken.yaml").write_text("- name: [unclosed\n")
    status, out, err = run_cli(capsys, "validate", "--vectors", "vectors")
    assert status == 1 and "Traceback" not in err
    assert err.splitlines()[0].startswith("vectors/broken.yaml:2:1: EKB105 YAML syntax error: ")


def _git(tree: Path, *args: str, date: str = "2026-03-01T12:00:00") -> None:
    environment = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "t",
                   "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                   "PATH": "/usr/bin:/bin", "HOME": str(tree)}
    subprocess.run(["git", *args], cwd=tree, env=environment, check=True, capture_output=True)


def test_EKB335_updated_older_than_the_last_commit(tmp_path, monkeypatch, capsys):
    require_tool("git")
    tree = _tree(tmp_path, monkeypatch)
    _git(tree, "init", "-q")
    _git(tree, "add", ".")
    _git(tree, "commit", "-q", "-m", "errors", date="2026-01-15T12:00:00")   # the day the demo files say
    assert run_cli(capsys, "validate")[0] == 0
    _edit(tree / "errors" / "demo" / "bad-token.yaml", "Tokens expire after 30 days.", "Tokens expire after 31 days.")
    _git(tree, "commit", "-q", "-am", "a content change without a new date", date="2026-03-01T12:00:00")
    status, out, err = run_cli(capsys, "validate")
    commit = subprocess.run(["git", "log", "-1", "--format=%h"], cwd=tree, capture_output=True, text=True).stdout.strip()
    assert status == 1
    assert err.splitlines()[0] == (
        f"errors/demo/bad-token.yaml:12:10: EKB335 updated 2026-01-15 is older than the file's last change in git "
        f"(2026-03-01, commit {commit}): check the content and set updated to the date you did")


def test_EKB335_is_skipped_in_a_shallow_clone_and_outside_git(tmp_path, monkeypatch, capsys):
    require_tool("git")
    origin = tmp_path / "origin"
    origin.mkdir()
    shutil.copytree(DEMO, origin / "errors" / "demo")
    _git(origin, "init", "-q")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "errors", date="2026-03-01T12:00:00")   # after the files' updated date
    monkeypatch.chdir(origin)
    assert run_cli(capsys, "validate")[0] == 1
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{origin}", str(tmp_path / "shallow")], check=True)
    monkeypatch.chdir(tmp_path / "shallow")
    status, out, err = run_cli(capsys, "validate", "--verbose")
    assert (status, err) == (0, "")
    assert "errorkb: EKB335 skipped: a shallow clone" in out
    shutil.rmtree(origin / ".git")
    monkeypatch.chdir(origin)
    status, out, err = run_cli(capsys, "validate", "--verbose")
    assert (status, err) == (0, "")
    assert "errorkb: EKB335 skipped: not a git checkout, or git is not installed" in out


def test_one_rule_silenced_in_one_file_with_its_reason_shown_in_verbose(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path, monkeypatch)
    for name in ("bad-token.yaml", "slow-down.yaml"):
        _edit(tree / "errors" / "demo" / name, "\nquick_fix: ", "\nquick_fix: " + "Wait. " * 70)
    _edit(tree / "errors" / "demo" / "bad-token.yaml", "\nquick_fix: ",
          "\n# errorkb: disable=EKB332 -- the provider's own advice, quoted whole\nquick_fix: ")
    status, out, err = run_cli(capsys, "validate")
    assert status == 1 and out == ""
    assert [line for line in err.splitlines() if " EKB" in line] == [
        "errors/demo/slow-down.yaml:7:12: EKB332 quick_fix is 448 characters, over its budget of 360: say it in one "
        "shorter sentence"]
    status, out, err = run_cli(capsys, "validate", "--verbose")
    assert "errors/demo/bad-token.yaml:11:12: EKB332 quick_fix is 469 characters, over its budget of 360: say it in " \
           "one shorter sentence\n    silenced in the file: the provider's own advice, quoted whole\n" in out


def test_github_annotation_escapes_by_the_workflow_command_rules():
    found = Diagnostic("errors/a,b:c/x%.yaml", 3, 5, "EKB501", "50% done\r\nnext::error file=x::forged",
                       details=("  output line",))
    assert github_annotation(found) == (
        "::error file=errors/a%2Cb%3Ac/x%25.yaml,line=3,col=5,title=EKB501::EKB501 50%25 done\\x0d%0Anext::error "
        "file=x::forged%0A  output line")


def test_validate_format_github_prints_annotations_on_stdout(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path, monkeypatch)
    _edit(tree / "errors" / "demo" / "bad-token.yaml", "  - question: Does the token expire?",
          "  - question: Tokens expire, 100% sure")
    status, out, err = run_cli(capsys, "validate", "--format", "github")
    assert status == 1
    assert out == ("::error file=errors/demo/bad-token.yaml,line=48,col=15,title=EKB333::EKB333 the FAQ question "
                   "'Tokens expire, 100%25 sure' does not end with '?': write it as the question a reader asks\n")
    assert err == "errorkb: 1 problem in 1 file\n"


def test_a_file_that_does_not_load_is_annotated_too(tmp_path, monkeypatch, capsys):
    tree = _tree(tmp_path, monkeypatch)
    _edit(tree / "errors" / "demo" / "bad-token.yaml", "http_status: 401", "http_status: 99")
    status, out, err = run_cli(capsys, "check", "--format", "github", "demo/bad-token")
    assert status == 1
    assert out == ("::error file=errors/demo/bad-token.yaml,line=7,col=16,title=EKB210::EKB210 signature.http_status "
                   "must be between 100 and 599\n")
