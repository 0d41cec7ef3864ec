"""Building never destroys what errorkb did not build, and never shows a half-swapped site: unsafe targets are
refused, concurrent builds take turns, killed builds leave nothing behind, and two builds are identical."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_cli, write_mkdocs_config


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder: mkdocs.yml, errors/ with the demo errors and a docs/ of its own; the test runs in it."""
    shutil.copytree(FIXTURES / "valid", tmp_path / "errors")
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    write_mkdocs_config(tmp_path, tmp_path / "errors", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _tree(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("target, message", [
    (".", "it is the project folder"),
    ("..", "it holds the project folder"),
    ("errors", "it is the errors folder"),
    ("errors/demo", "it lies inside the errors folder"),
    ("docs", "it is the docs folder"),
    ("docs/site", "it lies inside the docs folder"),
])
def test_unsafe_targets_are_refused_and_nothing_is_touched(project, capsys, target, message):
    before = _tree(project)
    status, out, err = run_cli(capsys, "build", "-d", target)
    assert status == 1 and out == ""
    assert f"refusing to build into {target}: {message}" in err
    assert _tree(project) == before
    assert not list(project.parent.glob(".*.building-*")) and not list(project.glob(".*.building-*"))


def test_a_folder_errorkb_did_not_build_is_refused(project, capsys):
    own = project / "public"
    own.mkdir()
    (own / "notes.txt").write_text("mine")
    status, _, err = run_cli(capsys, "build", "-d", "public")
    assert status == 1
    assert "the folder exists and is not a site errorkb built (it has no .errorkb-site file)" in err
    assert (own / "notes.txt").read_text() == "mine" and sorted(os.listdir(own)) == ["notes.txt"]


def test_home_and_files_are_refused(project, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(project / "home"))
    (project / "home").mkdir()
    assert "it is your home folder" in run_cli(capsys, "build", "-d", str(project / "home"))[2]
    (project / "file").write_text("x")
    assert "it is not a folder" in run_cli(capsys, "build", "-d", "file")[2]


def test_an_empty_folder_or_a_previous_site_is_replaced(project, capsys):
    (project / "site").mkdir()
    assert run_cli(capsys, "build", "-d", "site")[0] == 0
    assert (project / "site" / ".errorkb-site").is_file() and (project / "site" / "index.html").is_file()
    (project / "site" / "stale.html").write_text("old")
    assert run_cli(capsys, "build", "-d", "site")[0] == 0
    assert not (project / "site" / "stale.html").exists()


def _build(project: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "errorkb", "build", "-d", "site", *extra], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_builds_take_turns_and_the_site_never_goes_missing(project, capsys):
    assert run_cli(capsys, "build", "-d", "site")[0] == 0
    index = project / "site" / "index.html"
    missing = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            if not index.is_file():
                missing.append(time.monotonic())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for _ in range(3):
            builds = [_build(project), _build(project)]
            results = [build.communicate(timeout=300) for build in builds]
            assert [build.returncode for build in builds] == [0, 0], results
    finally:
        stop.set()
        watcher.join()
    assert missing == []
    assert sorted(path.name for path in project.iterdir() if path.name.startswith(".site")) == []


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_build_leaves_nothing_behind_after_the_next(project, capsys, how):
    assert run_cli(capsys, "build", "-d", "site")[0] == 0
    before = _tree(project / "site")
    build = _build(project)
    deadline = time.monotonic() + 60
    while not list(project.glob(".site.building-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    build.send_signal(how)
    build.communicate(timeout=60)
    assert _tree(project / "site") == before     # the old site is whole
    if how == signal.SIGTERM:
        assert not list(project.glob(".site.building-*"))   # cleaned on the way out
    assert run_cli(capsys, "build", "-d", "site")[0] == 0
    assert not list(project.glob(".site.building-*")) and not list(project.glob(".site.old-*"))


def test_two_builds_are_identical_and_dated_by_the_errors(project, capsys):
    assert run_cli(capsys, "build", "-d", "one")[0] == 0
    time.sleep(1.1)   # a different second: gzip headers and build dates would differ if they used the clock
    assert run_cli(capsys, "build", "-d", "two")[0] == 0
    assert _tree(project / "one") == _tree(project / "two")
    sitemap = (project / "one" / "sitemap.xml").read_text()
    assert "<loc>https://errorkb.dev/demo/bad-token/</loc>\n         <lastmod>2026-01-15</lastmod>" in sitemap
    assert not (project / "one" / "overrides").exists()
