"""The MkDocs site: strict build of the shipped errors, atomic builds, edit links, navigation, live reload."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, run_cli, write_mkdocs_config


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("shipped") / "site"
    result = subprocess.run([sys.executable, "-m", "errorkb", "build", "-d", str(site)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return site


def test_shipped_errors_build_strictly(shipped_site):
    kb_ids = [entry["id"] for entry in json.loads((shipped_site / "errors.json").read_text())["errors"]]
    assert len(kb_ids) >= 10
    for error_id in kb_ids:
        page = (shipped_site / error_id / "index.html").read_text()
        assert "Copy-paste commands" in page and "Step-by-step troubleshooting" in page
    assert (shipped_site / "openai" / "index.html").is_file()
    assert (shipped_site / "assets" / "errorkb" / "errorkb.css").is_file()


def test_edit_link_opens_the_yaml_file(shipped_site):
    page = (shipped_site / "openai" / "invalid-api-key" / "index.html").read_text()
    edit = re.search(r'<a href="([^"]+)" title="Edit this page"', page)
    assert edit and edit.group(1).endswith("/edit/main/errors/openai/invalid-api-key.yaml")


def test_navigation_lists_index_pages_only(shipped_site):
    page = (shipped_site / "openai" / "rate-limit" / "index.html").read_text()
    nav = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>', page, re.DOTALL).group(0)
    assert 'href="../"' in nav or "OpenAI" in nav
    for other in ("invalid-api-key/", "model-not-found/", "overloaded/"):
        assert other not in nav


def test_theme_features(shipped_site):
    page = (shipped_site / "index.html").read_text()
    config = json.loads(re.search(r'<script id="__config" type="application/json">(.*?)</script>', page).group(1))
    assert {"content.code.copy", "navigation.instant"} <= set(config["features"])
    assert page.count('data-md-color-scheme=') >= 2  # light and dark palettes


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_failed_build_leaves_previous_site_untouched(demo_tree, capsys):
    config = write_mkdocs_config(demo_tree, demo_tree / "errors")
    status, out, err = run_cli(capsys, "build", "-f", str(config), "-d", "site")
    assert (status, err) == (0, ""), err
    before = _snapshot(demo_tree / "site")
    assert "demo/bad-token/index.html" in before

    broken = demo_tree / "errors" / "demo" / "bad-token.yaml"
    broken.write_text(broken.read_text().replace("title: Demo API bad token", "titel: Demo API bad token"))
    status, out, err = run_cli(capsys, "build", "-f", str(config), "-d", "site")
    assert status == 1
    assert "errors/demo/bad-token.yaml:2:1: EKB201 unknown field 'titel': did you mean 'title'?" in err
    assert _snapshot(demo_tree / "site") == before
    assert sorted(p.name for p in demo_tree.iterdir() if p.name.startswith(".site")) == []


def test_mkdocs_warning_fails_build_and_keeps_site(demo_tree, capsys):
    config = write_mkdocs_config(demo_tree, demo_tree / "errors")
    assert run_cli(capsys, "build", "-f", str(config), "-d", "site")[0] == 0
    before = _snapshot(demo_tree / "site")
    docs = demo_tree / "docs"
    shutil.copytree(REPO / "docs", docs)
    (docs / "contributing.md").write_text("# Contributing\n\nSee [the missing page](missing.md).\n")
    config = write_mkdocs_config(demo_tree, demo_tree / "errors", docs_dir=docs)
    status, out, err = run_cli(capsys, "build", "-f", str(config), "-d", "site")
    assert status == 1
    assert "missing.md" in err and "site was left as it was" in err
    assert _snapshot(demo_tree / "site") == before


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def _wait_for(fetch, condition, timeout: float = 60):
    """Poll fetch() (None on a connection error) until condition(value) holds; return the last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        try:
            value = fetch()
        except OSError:
            value = None
        if value is not None and condition(value):
            return value
        time.sleep(0.2)
    return value


def test_serve_rebuilds_only_what_an_edit_touches(demo_tree):
    """`errorkb serve`: editing an error rebuilds its page and the pages that show it (related errors, provider
    page), the indexes and its record, without a full build; search is indexed again; a new error file rebuilds
    everything; an invalid edit is reported and the site stays as it was."""
    config = write_mkdocs_config(demo_tree, demo_tree / "errors")
    port = _free_port()
    log = demo_tree / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "errorkb", "serve", "-f", str(config), "-a", f"127.0.0.1:{port}"],
                              cwd=demo_tree, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    base = f"http://127.0.0.1:{port}/"
    url = base + "demo/bad-token/"
    try:
        assert "Demo API bad token" in _wait_for(lambda: _get(url), lambda page: "Demo API bad token" in page)
        search_entry = _wait_for(lambda: _get(base + "pagefind/pagefind-entry.json"), lambda text: True)
        assert log.read_text().count("Documentation built") == 1

        source = demo_tree / "errors" / "demo" / "bad-token.yaml"
        source.write_text(source.read_text().replace("title: Demo API bad token", "title: Demo API token refused"))
        assert "Demo API token refused" in _wait_for(lambda: _get(url), lambda page: "Demo API token refused" in page)
        for shown_in in ("demo/slow-down/", "demo/", "errors.json", "api/demo/bad-token.json", "match-index.json"):
            assert "Demo API token refused" in _get(base + shown_in), shown_in
        text = log.read_text()
        # the page, its related error, and the pages that list it: provider, home, all errors, tags
        assert "Rebuilt 6 pages for demo/bad-token" in text
        assert text.count("Documentation built") == 1           # no full build
        new_entry = _wait_for(lambda: _get(base + "pagefind/pagefind-entry.json"), lambda entry: entry != search_entry)
        assert new_entry != search_entry, "the search index was not rebuilt after the edit"

        added = demo_tree / "errors" / "demo" / "slow-again.yaml"
        added.write_text((demo_tree / "errors" / "demo" / "slow-down.yaml").read_text()
                         .replace("Demo slow down", "Demo slower still").replace("Demo API slow down", "Demo API slower")
                         .replace("related:\n  - demo/bad-token\n", ""))
        assert "Demo API slower" in _wait_for(lambda: _get(base + "demo/slow-again/"), lambda page: "Demo API slower" in page)
        assert log.read_text().count("Documentation built") == 2   # a new error: a full build

        source.write_text(source.read_text().replace("title: Demo API token refused", "titel: Demo API token refused"))
        _wait_for(log.read_text, lambda text: "unknown field 'titel'" in text)
        text = log.read_text()
        assert "errors/demo/bad-token.yaml:2:1: EKB201 unknown field 'titel': did you mean 'title'?" in text
        assert "Demo API token refused" in _get(url)    # the site as it was before the invalid edit
        assert "Traceback" not in text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_rendered_folder_builds_without_the_errorkb_plugin(demo_tree, capsys, monkeypatch):
    """`errorkb render` writes a complete MkDocs project: plain MkDocs, with no errorkb plugin, builds it strictly,
    with the same navigation as the errorkb build."""
    write_mkdocs_config(demo_tree, demo_tree / "errors")
    status, _, err = run_cli(capsys, "render", "--out", "rendered")
    assert status == 0, err
    config = (demo_tree / "rendered" / "mkdocs.yml").read_text()
    assert "- errorkb" not in config and "errors_dir" not in config and "docs_dir: docs" in config
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "rendered/mkdocs.yml", "-d",
                             str(demo_tree / "plain-site")], cwd=demo_tree, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    page = (demo_tree / "plain-site" / "demo" / "bad-token" / "index.html").read_text()
    assert "Demo API bad token" in page and "Copy-paste commands" in page
    nav = yaml.safe_load(config.split("\n", 1)[1])["nav"]
    assert nav[:2] == [{"Home": "index.md"}, {"Providers": [{"Demo": "demo/index.md"}]}]
    # errorkb's Pagefind search needs errorkb: the plain project has the theme's own search instead.
    assert yaml.safe_load(config.split("\n", 1)[1])["plugins"][0] == "search"
    assert (demo_tree / "plain-site" / "search" / "search_index.json").is_file()


def test_site_search_is_pagefind_and_refuses_a_second_search(demo_tree, capsys):
    config = write_mkdocs_config(demo_tree, demo_tree / "errors")
    status, _, err = run_cli(capsys, "build", "-d", "site")
    assert status == 0, err
    pagefind = demo_tree / "site" / "pagefind"
    # Every file written in full before the build ends (the service's own writes are not flushed when it exits).
    assert (pagefind / "pagefind.js").stat().st_size > 10000
    assert [path.name for path in pagefind.rglob("*") if path.is_file() and path.stat().st_size == 0] == []
    entry = json.loads((pagefind / "pagefind-entry.json").read_text())
    assert entry["languages"] and all((pagefind / f"pagefind.{info['hash']}.pf_meta").stat().st_size
                                      for info in entry["languages"].values())
    assert not (demo_tree / "site" / "search" / "search_index.json").exists()
    assert "assets/errorkb/search.js" in (demo_tree / "site" / "demo" / "bad-token" / "index.html").read_text()
    config.write_text(config.read_text().replace("plugins:\n", "plugins:\n  - search\n"))
    status, _, err = run_cli(capsys, "build", "-d", "site")
    assert status == 1
    assert "remove '- search' from plugins" in err


def test_errors_option_builds_the_folder_it_validated(tmp_path, monkeypatch, capsys):
    """`errorkb --errors OTHER build` builds OTHER's errors, not the errors_dir written in mkdocs.yml."""
    monkeypatch.chdir(REPO)
    site = tmp_path / "site"
    status, out, err = run_cli(capsys, "--errors", str(FIXTURES / "valid"), "build", "-d", str(site))
    assert status == 0, err
    assert (site / "demo" / "bad-token" / "index.html").is_file()
    assert not (site / "openai").exists()
    exported = json.loads((site / "errors.json").read_text())
    assert sorted(error["id"] for error in exported["errors"]) == ["demo/bad-token", "demo/slow-down"]
    # errors.json is the index; each error's whole record is a document of its own, fetched only when needed.
    first = exported["errors"][0]
    assert first["document"] == "/api/demo/bad-token.json" and "causes" not in first
    record = json.loads((site / "api" / "demo" / "bad-token.json").read_text())
    assert record["id"] == "demo/bad-token" and record["url"] == first["url"]
    assert record["commands"] and record["faq"] and record["sources"]
    assert exported["providers"]["demo"] == {"name": "Demo", "kind": "api", "calls": [], "url": "/demo/"}
