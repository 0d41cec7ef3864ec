"""The built site in a real browser (Debian's Chromium driven by Playwright): the paste box answers every test
vector like the Python matcher, offers the right page for an SDK traceback, says plainly when nothing matches,
is reachable from every page; the site's search (Pagefind) puts an error page first for its signature and its
code, loads nothing before the reader searches, and shows hostile titles as text."""

from __future__ import annotations

import functools
import http.server
import json
import urllib.request
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from conftest import REPO, load_vectors, require_tool

CHROMIUM = "/usr/bin/chromium"
VECTORS = load_vectors()
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def _served_site(site: Path, *errors_option: str):
    """Build the site (of the shipped errors, or with the options given: --errors FOLDER, -f CONFIG) and serve it on
    127.0.0.1."""
    result = subprocess.run([sys.executable, "-m", "errorkb", *errors_option, "build", "-d", str(site)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    server, url = _served_site(tmp_path_factory.mktemp("browser") / "site")
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    server, url = _served_site(tmp_path_factory.mktemp("hostile") / "site", "--errors",
                               str(REPO / "tests" / "fixtures" / "hostile"))
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium   # one Chromium per test process (tests/conftest.py), shared with test_published_site.py


@pytest.fixture
def home(browser, site_url):
    page = browser.new_page()
    page.goto(site_url)
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)
    yield page
    page.close()


def _paste(page, text: str) -> dict:
    """Put `text` in the paste box as a paste would, and read what the box shows."""
    shown = page.get_attribute(".ekb-paste", "data-shown") or "0"
    page.fill("#ekb-paste-input", text)
    page.wait_for_function("n => document.querySelector('.ekb-paste').getAttribute('data-shown') !== n", arg=shown,
                           timeout=15000)
    return page.evaluate("""() => {
        const results = document.querySelector('#ekb-paste-results');
        return {
            ids: Array.from(results.querySelectorAll(':scope > ol.ekb-matches > li[data-id]')).map(li => li.dataset.id),
            noMatch: results.querySelector('.ekb-no-match') ? results.querySelector('.ekb-no-match').textContent : null,
            request: results.querySelector('a.ekb-request') ? results.querySelector('a.ekb-request').href : null,
            guide: results.querySelector('.ekb-contribute') ? results.querySelector('.ekb-contribute').textContent : null,
        };
    }""")


def test_paste_box_answers_every_vector(home):
    wrong = []
    for vector in VECTORS:
        shown = _paste(home, vector["log"])
        first = shown["ids"][0] if shown["ids"] else None
        if first != vector["expect"] or (first is None and not shown["noMatch"]):
            wrong.append(f"{vector['name']}: expected {vector['expect']}, shown {shown['ids']}")
    assert not wrong, "\n".join(wrong)


def test_openai_traceback_offers_invalid_api_key_first(home):
    traceback = """Traceback (most recent call last):
  File "/app/main.py", line 7, in <module>
    response = client.chat.completions.create(model="gpt-4o", messages=messages)
  File "/usr/lib/python3.12/site-packages/openai/_base_client.py", line 1047, in request
    raise self._make_status_error_from_response(err.response) from None
openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: sk-proj-****...****abcd. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}"""
    shown = _paste(home, traceback)
    assert shown["ids"][0] == "openai/invalid-api-key"
    home.click("#ekb-paste-results li[data-id='openai/invalid-api-key'] a")
    home.wait_for_url("**/openai/invalid-api-key/")
    assert "OpenAI API invalid API key" in home.title()


def test_unrelated_log_gets_no_match_and_how_to_contribute(home):
    shown = _paste(home, "npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree")
    assert shown["ids"] == []
    assert shown["noMatch"].startswith("No page matches this text. errorkb covers ")
    assert " errors from 7 APIs (Anthropic, Azure OpenAI," in shown["noMatch"] and "site search" in shown["noMatch"]
    assert "errors/<provider>/<slug>.yaml" in shown["guide"]
    assert shown["request"].startswith("https://github.com/errorkb/errorkb/issues/new?title=Add%20error%3A%20npm")


def _issue_title(request_url: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(request_url).query)["title"][0]


def test_the_ask_link_carries_the_error_line_masked_and_no_key(home):
    key = "sk-proj-Zq8vR2mW5tY7uI9oP1aS3dF6gH4jK0lX"
    shown = _paste(home, f"""Traceback (most recent call last):
  File "/srv/app/run.py", line 12, in <module>
    OPENAI_API_KEY={key} python app.py
frobnicate.WidgetFailure: the widget exploded while reading token {key}""")
    assert shown["ids"] == []
    title = _issue_title(shown["request"])
    assert title.startswith("Add error: frobnicate.WidgetFailure: the widget exploded"), title
    assert key not in title and "Zq8vR2mW5tY7" not in title and "Traceback" not in title
    assert key not in shown["request"]


def test_results_show_their_quick_fix_and_no_score(home):
    quick_fix = yaml.safe_load((REPO / "errors" / "openai" / "invalid-api-key.yaml").read_text())["quick_fix"]
    _paste(home, "openai.AuthenticationError: Error code: 401 - Incorrect API key provided: sk-proj-****abcd")
    first = home.locator("#ekb-paste-results > ol.ekb-matches > li").first
    first.locator(".ekb-quick").filter(has_text="Quick fix:").wait_for(timeout=10000)
    assert first.locator(".ekb-quick").inner_text() == "Quick fix: " + quick_fix.replace("`", "")
    assert "score" not in home.inner_text("#ekb-paste-results")


@pytest.mark.parametrize("paste, status, fits", [
    ("openai.RateLimitError: Error code: 429", "HTTP 429, OpenAI", "openai/rate-limit"),
    ("curl: (22) The requested URL returned error: HTTP 401", "HTTP 401", "anthropic/invalid-api-key"),
])
def test_partial_evidence_offers_the_pages_that_fit_it(home, paste, status, fits):
    shown = _paste(home, paste)
    assert shown["ids"] == []
    home.wait_for_selector("#ekb-paste-results .ekb-candidates li", timeout=10000)
    assert f"Pages that fit part of it ({status}):" in home.inner_text("#ekb-paste-results .ekb-partial")
    offered = home.eval_on_selector_all(".ekb-candidates li[data-id]", "items => items.map(li => li.dataset.id)")
    assert fits in offered and len(offered) <= 5


def test_the_status_line_announces_the_result_once_typing_settles(home):
    home.evaluate("""() => {
        window.ekbAnnounced = [];
        new MutationObserver(() => window.ekbAnnounced.push(document.querySelector('.ekb-paste-status').textContent))
            .observe(document.querySelector('.ekb-paste-status'), {childList: true, characterData: true, subtree: true});
    }""")
    home.click("#ekb-paste-input")
    home.keyboard.type("anthropic.OverloadedError: Error code: 529 Overloaded", delay=15)
    home.wait_for_function("() => window.ekbAnnounced.length > 0", timeout=10000)
    home.wait_for_timeout(1000)
    assert home.evaluate("window.ekbAnnounced") == ["1 page matches."]


def test_the_home_page_says_what_to_do_without_javascript(site_url):
    page = urllib.request.urlopen(site_url, timeout=10).read().decode()
    noscript = page[page.index("<noscript>"):page.index("</noscript>")]
    assert "needs JavaScript" in noscript and 'href="./all-errors/"' in noscript


def test_a_deep_link_puts_the_cursor_in_the_paste_box(browser, site_url):
    page = browser.new_page()
    page.goto(site_url + "#paste")
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)
    page.wait_for_timeout(600)   # after the theme has settled
    assert page.evaluate("document.activeElement.id") == "ekb-paste-input"
    page.close()


def test_keyboard_only_paste_flow(browser, site_url):
    """From the top of any page: Tab to the paste link, Enter, type, Tab to the first result, Enter."""
    page = browser.new_page()
    page.goto(site_url + "anthropic/overloaded/")
    presses = 0
    on_link = "document.activeElement.classList.contains('ekb-paste-link')"
    while presses < 5 and not page.evaluate(on_link):
        page.keyboard.press("Tab")
        presses += 1
    assert page.evaluate(on_link), f"not reached after {presses} Tab presses"
    assert presses <= 2   # the theme's skip link, then the paste link
    page.keyboard.press("Enter")
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)
    page.wait_for_function("() => document.activeElement.id === 'ekb-paste-input'", timeout=5000)
    page.keyboard.insert_text("anthropic.OverloadedError: Error code: 529 - {'type': 'error', 'error': "
                              "{'type': 'overloaded_error', 'message': 'Overloaded'}}")
    page.wait_for_selector("#ekb-paste-results > ol.ekb-matches > li[data-id='anthropic/overloaded']", timeout=10000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == page.inner_text(
        "#ekb-paste-results > ol.ekb-matches > li a")
    page.keyboard.press("Enter")   # the theme's instant navigation may swap the page in without a load event
    page.wait_for_function("() => location.pathname.endsWith('/anthropic/overloaded/') && "
                           "document.querySelector('article h1').textContent.includes('overloaded')", timeout=15000)
    page.close()


@pytest.fixture(scope="module")
def sharded_url(tmp_path_factory):
    """The shipped errors built with the paste box's index always sharded (as a large knowledge base is)."""
    from conftest import write_mkdocs_config

    root = tmp_path_factory.mktemp("sharded")
    config = write_mkdocs_config(root, REPO / "errors")
    text = config.read_text()
    config.write_text(text.replace(f"errors_dir: {REPO / 'errors'}",
                                   f"errors_dir: {REPO / 'errors'}\n      shard_match_index_from: 0"))
    assert "shard_match_index_from: 0" in config.read_text()
    server, url = _served_site(root / "site", "-f", str(config))
    yield url
    server.shutdown()


def test_a_sharded_paste_index_answers_like_the_whole_one_and_fetches_few_shards(browser, sharded_url):
    page = browser.new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(sharded_url)
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)
    core = json.loads(urllib.request.urlopen(sharded_url + "match-index.json", timeout=10).read())
    shard_count = len(core["shards"]["words"]) + core["shards"]["grams"] + 1
    wrong, most = [], 0
    for vector in VECTORS[::6]:
        fetched.clear()
        shown = _paste(page, vector["log"])
        first = shown["ids"][0] if shown["ids"] else None
        if first != vector["expect"]:
            wrong.append(f"{vector['name']}: expected {vector['expect']}, shown {shown['ids']}")
        most = max(most, len([url for url in fetched if "/match/" in url]))
    assert not wrong, "\n".join(wrong)
    assert 0 < most < shard_count / 2, f"a paste fetched {most} of {shard_count} shards"
    page.close()


def test_paste_box_is_reachable_from_every_page(browser, site_url):
    page = browser.new_page()
    page.goto(site_url + "anthropic/overloaded/")
    page.click("a.ekb-paste-link")
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)
    assert page.url.rstrip("/").endswith("#paste") or page.url.endswith("/#paste")
    assert _paste(page, "anthropic.OverloadedError: Error code: 529 - {'type': 'error', 'error': "
                        "{'type': 'overloaded_error', 'message': 'Overloaded'}}")["ids"][0] == "anthropic/overloaded"
    page.close()


def _search(page, query: str) -> list[str]:
    """Type `query` in the site's search dialog; the result links (paths from the site root) and the status."""
    if not page.locator("dialog.ekb-search[open]").count():
        page.click(".ekb-search-button")
    page.fill(".ekb-search-input", query)
    page.wait_for_function("""(query) => {
        const status = document.querySelector('.ekb-search-status').textContent;
        return document.querySelector('.ekb-search-input').value === query && status !== 'Searching…';
    }""", arg=query, timeout=15000)
    page.wait_for_timeout(300)   # a debounced search may still replace the list
    return page.eval_on_selector_all(".ekb-search-result a",
                                     "links => links.map(link => new URL(link.href).pathname)")


def test_no_page_downloads_a_search_or_match_index_before_it_is_used(browser, site_url):
    page = browser.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site_url + "openai/rate-limit/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requested if "/pagefind/" in url or "match-index" in url or "matcher.js" in url]
    assert _search(page, "insufficient_quota")[0] == "/openai/insufficient-quota/"
    assert any("/pagefind/" in url for url in requested)
    page.close()


def test_search_puts_an_error_page_first_for_its_signature_and_its_code(browser, site_url):
    errors = json.loads(urllib.request.urlopen(site_url + "errors.json").read())["errors"]
    codes = [entry["signature"].get("error_code") for entry in errors]
    page = browser.new_page()
    page.goto(site_url)
    wrong = []
    for entry in errors:
        queries = [entry["signature"]["text"]]
        code = entry["signature"].get("error_code")
        if code and codes.count(code) == 1:
            queries.append(code)
        for query in queries:
            found = _search(page, query)
            if not found or found[0] != f"/{entry['id']}/":
                wrong.append(f"{query!r}: expected /{entry['id']}/ first, got {found[:3]}")
    page.close()
    assert len(errors) >= 10
    assert not wrong, "\n".join(wrong)


def test_search_says_when_nothing_matches(browser, site_url):
    page = browser.new_page()
    page.goto(site_url)
    assert _search(page, "☃☃☃") == []   # Pagefind matches word prefixes, so a query of real words rarely finds nothing
    assert page.inner_text(".ekb-search-status").startswith("No page matches")
    page.close()


def test_search_results_show_hostile_titles_as_text(browser, hostile_url):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_url)
    found = _search(page, "alert")
    titles = page.eval_on_selector_all(".ekb-search-title", "titles => titles.map(title => title.textContent)")
    page.wait_for_timeout(300)
    page.close()
    assert "/demo/script-title/" in found
    assert "<script>alert(1)</script>" in titles
    assert dialogs == []


@pytest.mark.parametrize("page_path", ["demo/emoji-title/", "demo/script-title/", "demo/"])
def test_hostile_pages_run_no_script_and_show_the_text(browser, hostile_url, page_path):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_url + page_path)
    page.wait_for_load_state("networkidle")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    for link in page.locator("article a").all()[:20]:
        link.focus()
    page.wait_for_timeout(200)
    body = page.inner_text("body")
    page.close()
    assert dialogs == []
    assert "title: " not in body
    if page_path == "demo/emoji-title/":
        assert "OpenAI API key missing 🔑 [x](#){tabindex=0 autofocus=autofocus onfocus=alert(document.domain)}" in body
