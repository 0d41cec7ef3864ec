"""The published site in Chromium as readers, phones and search engines meet it: every page type at desktop and
phone widths with no console error and no request to another origin (a screenshot of each is saved under
test-artifacts/screenshots/), the 404 page, error pages (jump list, quick fix, copy buttons, output blocks,
verification badge, breadcrumbs, tags), the header search's ranking, what search engines read (titles,
descriptions, canonical URLs, OpenGraph, JSON-LD, sitemap, robots.txt), and axe-core's accessibility rules.

The shipped site is built once per session and served on 127.0.0.1 by a server that answers a missing URL with
404.html and status 404, as real hosts do; one Chromium serves every test."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import REPO, require_tool

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
WIDTHS = {"desktop": {"viewport": {"width": 1280, "height": 800}},
          "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}
PAGE_TYPES = {"home": "", "provider": "openai/", "tool": "claude-code/", "error": "openai/invalid-api-key/",
              "format": "format/", "contributing": "contributing/",
              "not-found": "no/such/page/"}


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site; a missing file gets the site's 404.html with status 404."""

    def log_message(self, format, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("published") / "site"
    result = subprocess.run([sys.executable, "-m", "errorkb", "build", "-d", str(site)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="session")
def site_url(site_dir):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_SiteHandler, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = require_tool("chromium", CHROMIUM)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield instance
        instance.close()


class Visit:
    """One page in a fresh browser context at one width, recording console errors and every request."""

    def __init__(self, chromium, width: str = "desktop", **context_options):
        self.context = chromium.new_context(**WIDTHS[width], **context_options)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def open(self, url: str):
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return response

    def close(self):
        self.context.close()


@pytest.fixture
def visit(chromium):
    opened = []

    def make(width: str = "desktop", **options) -> Visit:
        opened.append(Visit(chromium, width, **options))
        return opened[-1]

    yield make
    for one in opened:
        one.close()


def _origin(url: str) -> str:
    return "/".join(url.split("/")[:3])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_every_page_type_loads_cleanly_and_stays_on_its_origin(visit, site_url, kind, width):
    reader = visit(width)
    response = reader.open(site_url + PAGE_TYPES[kind])
    assert response.status == (404 if kind == "not-found" else 200)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reader.page.screenshot(path=str(SCREENSHOTS / f"{kind}-{width}.png"), full_page=True)
    foreign = [url for url in reader.requests if _origin(url) != _origin(site_url) and not url.startswith("data:")]
    assert foreign == []
    errors = [text for text in reader.console_errors
              if not (kind == "not-found" and "status of 404" in text)]   # the missing page itself
    assert errors == []
    width_of = reader.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width_of[0] <= width_of[1], f"the page scrolls sideways at {width}: {width_of}"


def test_the_404_page_says_so_and_leads_to_the_paste_box_search_and_common_errors(visit, site_url):
    reader = visit()
    response = reader.open(site_url + "openai/no-such-error/")
    assert response.status == 404
    page = reader.page
    assert page.title() == "Page not found - errorkb"
    assert page.locator("h1").inner_text() == "Page not found"
    errors = {entry["url"] for entry in json.loads(urllib.request.urlopen(site_url + "errors.json").read())["errors"]}
    common = page.eval_on_selector_all("article li a", "links => links.map(link => new URL(link.href).pathname)")
    assert len([path for path in common if path in errors]) == 10
    assert page.locator(".ekb-paste").count() == 1
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)   # the box works here too
    page.click("text=Search the site")
    page.wait_for_selector("dialog.ekb-search[open]")
    page.keyboard.press("Escape")
    page.click("article >> text=paste your error on the home page")
    page.wait_for_url(site_url + "#paste")
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)
    assert page.title().startswith("Developer error messages explained")
    reader.open(site_url + "openai/no-such-error/")
    page.click(f"article li a[href$='{common[-1]}']")
    page.wait_for_url(site_url + common[-1][1:])


def test_the_paste_link_in_every_page_header_leads_home(visit, site_url):
    reader = visit()
    reader.open(site_url + "does/not/exist/")
    reader.page.click("a.ekb-paste-link")
    reader.page.wait_for_url(site_url + "#paste")
