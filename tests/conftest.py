"""Shared test helpers: a throwaway errors/ tree built from the fixtures, running the errorkb CLI in-process, and
one Chromium (Playwright) per test process: Playwright's sync API cannot run two at once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from errorkb.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VECTORS = Path(__file__).resolve().parent / "search" / "vectors"
VALID_DEMO = FIXTURES / "valid" / "demo"


@pytest.fixture
def demo_tree(tmp_path, monkeypatch):
    """A folder holding errors/demo/ with the valid demo provider and errors; the test runs inside it."""
    target = tmp_path / "errors" / "demo"
    shutil.copytree(VALID_DEMO, target)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_mkdocs_config(root: Path, errors_dir: Path, docs_dir: Path = REPO / "docs") -> Path:
    """The repository's mkdocs.yml, pointed at another errors folder and docs folder; returns its path."""
    config = (REPO / "mkdocs.yml").read_text()
    config = config.replace("docs_dir: docs", f"docs_dir: {docs_dir}")
    config = config.replace("custom_dir: docs/overrides", f"custom_dir: {REPO / 'docs' / 'overrides'}")
    config = config.replace("errors_dir: errors", f"errors_dir: {errors_dir}")
    path = root / "mkdocs.yml"
    path.write_text(config)
    return path


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run `errorkb ARGS` in-process; return (exit status, stdout, stderr)."""
    try:
        status = main(list(args))
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def require_tool(name: str, path: str | None = None) -> str:
    """The path of a tool a test needs.  In CI (the CI variable is set, as .ci/run and GitHub Actions do) a
    missing tool fails the test; on a developer machine it skips it, saying how to install it."""
    found = path if path and Path(path).exists() else shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (apt-get install {name}; bin/test and .ci/run install it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def load_vectors() -> list[dict]:
    """Every match vector: tests/search/vectors/<provider>/<slug>.yaml (logs that must find that page first)
    and no-match.yaml (logs no page may match); each vector gains `file`, its path under vectors/."""
    import yaml

    vectors = []
    for path in sorted(VECTORS.rglob("*.yaml")):
        for vector in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            vectors.append({**vector, "file": path.relative_to(VECTORS).as_posix()})
    return vectors


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, launched once per test process and shared by every browser test."""
    from playwright.sync_api import sync_playwright

    executable = require_tool("chromium", CHROMIUM)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
