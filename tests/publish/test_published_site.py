"""The published site in Chromium as readers, phones and search engines meet it: every page type at desktop and
phone widths with no console error and no request to another origin (a screenshot of each is saved under
test-artifacts/screenshots/), the 404 page, error pages (jump list, quick fix, copy buttons, output blocks,
verification badge, breadcrumbs, tags), the header search's ranking, what search engines read (titles,
descriptions, canonical URLs, OpenGraph, JSON-LD, sitemap, robots.txt), and axe-core's accessibility rules.

The shipped site is built once per session and served on 127.0.0.1 by a server that answers a missing URL with
404.html and status 404, as real hosts do; one Chromium serves every test."""

from __future__ import annotations

import functools
import http
import html
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

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
WIDTHS = {"desktop": {"viewport": {"width": 1280, "height": 800}},
          "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}
PAGE_TYPES = {"home": "", "provider": "openai/", "tool": "claude-code/", "error": "openai/invalid-api-key/",
              "format": "format/", "contributing": "contributing/", "all-errors": "all-errors/", "tags": "tags/",
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


ERROR_PAGE = "openai/invalid-api-key/"


def _error_record(site_url: str, error_id: str) -> dict:
    return json.loads(urllib.request.urlopen(f"{site_url}api/{error_id}.json").read())


def test_a_phone_reader_jumps_from_the_top_of_an_error_page_to_its_commands(visit, site_url):
    reader = visit("phone")
    reader.open(site_url + ERROR_PAGE)
    page = reader.page
    jump = page.locator("nav.ekb-jump")
    assert jump.is_visible() and jump.bounding_box()["y"] + jump.bounding_box()["height"] < 844   # first screen
    assert jump.locator("a").all_inner_texts() == ["Signature", "Quick fix", "Commands", "Platform fixes", "FAQ"]
    jump.locator("a", has_text="Commands").click()
    page.wait_for_function("() => window.scrollY > 500")
    top = page.locator("#copy-paste-commands").bounding_box()["y"]
    assert 0 <= top < 200, top


def test_the_long_lists_after_the_commands_stay_collapsed_until_asked_for(visit, site_url):
    reader = visit("phone")
    reader.open(site_url + ERROR_PAGE)
    page = reader.page
    steps = yaml.safe_load((REPO / "errors" / "openai" / "invalid-api-key.yaml").read_text())["troubleshooting"]
    section = page.locator("#step-by-step-troubleshooting + details.ekb-more")
    assert section.locator("summary").inner_text() == f"Show the {len(steps)} steps"
    assert not section.locator("ol").is_visible()
    section.locator("summary").click()
    assert section.locator("ol").is_visible() and section.locator("ol > li").count() == len(steps)
    for heading in ("real-world-fixes", "how-to-prevent-it"):
        assert page.locator(f"#{heading} + details.ekb-more:not([open])").count() == 1, heading


def test_the_quick_fix_is_the_largest_text_after_the_title(visit, site_url):
    reader = visit("phone")
    reader.open(site_url + ERROR_PAGE)
    sizes = reader.page.evaluate("""() => {
        const size = (selector) => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize);
        return {fix: size('.ekb-quick-fix p:not(.admonition-title)'), body: size('article > p'),
                top: document.querySelector('.ekb-quick-fix').getBoundingClientRect().top};
    }""")
    assert sizes["fix"] >= 1.1 * sizes["body"], sizes
    assert sizes["top"] < 844, sizes   # on the first screen of a phone


_CONTRAST = """(element) => {
    const rgba = (text) => text.match(/[0-9.]+/g).map(Number).concat([1]).slice(0, 4);
    const luminance = ([r, g, b]) => [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 :
        Math.pow((c + 0.055) / 1.055, 2.4); }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    let back = element, background = [0, 0, 0, 0];
    while (back && background[3] === 0) { background = rgba(getComputedStyle(back).backgroundColor); back = back.parentElement; }
    const fore = rgba(getComputedStyle(element).color);
    const blended = fore.slice(0, 3).map((c, i) => c * fore[3] + background[i] * (1 - fore[3]));
    const [a, b] = [luminance(blended), luminance(background)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_copy_button_copies_the_command_and_output_blocks_copy_nothing(visit, site_url, width):
    reader = visit(width, permissions=["clipboard-read", "clipboard-write"])
    reader.open(site_url + ERROR_PAGE)
    page = reader.page
    command = _error_record(site_url, "openai/invalid-api-key")["commands"][0]
    block = page.locator("#copy-paste-commands ~ div.highlight:not(.ekb-output)").first
    button = block.locator(".md-code__button[data-md-type='copy']")
    assert button.is_visible()   # at rest, without hovering, on a touch screen too
    assert button.evaluate(_CONTRAST) >= 3, "the copy button is too faint at rest"
    button.click()
    assert page.evaluate("() => navigator.clipboard.readText()").rstrip("\n") == command["run"].rstrip("\n")
    outputs = page.locator("div.highlight.ekb-output")
    assert outputs.count() >= 3
    assert outputs.locator(".md-code__button").count() == 0
    assert outputs.first.evaluate("block => getComputedStyle(block.querySelector('code')).borderLeftStyle") == "solid"
    label = page.locator(".ekb-output-label").first.inner_text()
    assert label.startswith("Output to expect")


def test_verification_is_a_small_badge_with_details_on_demand(visit, site_url):
    reader = visit()
    reader.open(site_url + ERROR_PAGE)
    badge = reader.page.locator("details.ekb-verified").first
    summary = badge.locator("summary")
    assert summary.inner_text().endswith("Verified: ran as printed in 4 scenarios")
    details = badge.locator("p")
    assert not details.is_visible()
    summary.click()
    assert details.is_visible() and "unset-key" in details.inner_text()


def test_breadcrumbs_and_tags_lead_to_the_provider_and_the_tags_page(visit, site_url):
    reader = visit()
    reader.open(site_url + ERROR_PAGE)
    page = reader.page
    crumbs = page.locator("nav.ekb-breadcrumbs")
    assert " ".join(crumbs.inner_text().split()) == "OpenAI › OpenAI API invalid API key"
    page.locator("a.ekb-tag", has_text="api-key").click()
    page.wait_for_url(site_url + "tags/#tag-api-key")
    listed = page.eval_on_selector_all("#tag-api-key + ul a", "links => links.map(link => new URL(link.href).pathname)")
    assert "/openai/invalid-api-key/" in listed
    reader.open(site_url + ERROR_PAGE)
    page.locator("nav.ekb-breadcrumbs a").click()
    page.wait_for_url(site_url + "openai/")


def test_links_in_the_text_are_underlined(visit, site_url):
    reader = visit()
    reader.open(site_url + ERROR_PAGE)
    related = reader.page.locator("#related-errors + ul a").first
    assert "underline" in related.evaluate("link => getComputedStyle(link).textDecorationLine")


def test_every_error_is_listed_on_one_page_linked_from_the_home_page(visit, site_url):
    errors = json.loads(urllib.request.urlopen(site_url + "errors.json").read())["errors"]
    reader = visit("phone")
    reader.open(site_url)
    page = reader.page
    page.locator("article a", has_text="Every error, across providers").click()
    page.wait_for_url(site_url + "all-errors/")
    listed = page.eval_on_selector_all(".ekb-all-errors td:first-child a",
                                       "links => links.map(link => new URL(link.href).pathname)")
    assert sorted(listed) == sorted(entry["url"] for entry in errors)
    assert page.locator("article a[href$='errors.json']").count() == 1


def test_error_pages_tell_search_engines_what_they_are(visit, site_url):
    reader = visit()
    reader.open(site_url + ERROR_PAGE)
    page = reader.page
    head = page.evaluate("""() => {
        const meta = (selector) => { const m = document.querySelector(selector); return m && m.content; };
        return {title: document.title, description: meta('meta[name=description]'),
                canonical: document.querySelector('link[rel=canonical]').href,
                ogTitle: meta('meta[property="og:title"]'), ogUrl: meta('meta[property="og:url"]'),
                twitter: meta('meta[name="twitter:card"]'),
                data: Array.from(document.querySelectorAll('script[type="application/ld+json"]'))
                           .map(script => JSON.parse(script.textContent))};
    }""")
    assert head["title"] == "OpenAI API invalid API key: 401 Incorrect API key provided - errorkb"
    assert head["description"].startswith("401 Incorrect API key provided. ")
    assert head["canonical"] == head["ogUrl"] == "https://errorkb.dev/openai/invalid-api-key/"
    assert head["ogTitle"] == "OpenAI API invalid API key: 401 Incorrect API key provided"
    assert head["twitter"] == "summary"
    assert len(head["data"]) == 1
    graph = {node["@type"]: node for node in head["data"][0]["@graph"]}
    record = _error_record(site_url, "openai/invalid-api-key")
    assert graph["TechArticle"]["headline"] == record["title"]
    assert graph["TechArticle"]["dateModified"] == record["updated"]
    assert [item["name"] for item in graph["BreadcrumbList"]["itemListElement"]] == ["errorkb", "OpenAI", record["title"]]
    assert [question["name"] for question in graph["FAQPage"]["mainEntity"]] == [item["question"] for item in record["faq"]]


def test_every_page_has_a_description_of_its_own(site_dir):
    pages = sorted(site_dir.rglob("index.html"))
    descriptions = {}
    for path in pages:
        found = re.search(r'<meta name="description" content="([^"]*)"', path.read_text())
        assert found, path
        descriptions[path.relative_to(site_dir).as_posix()] = html.unescape(found.group(1))
    assert len(set(descriptions.values())) == len(descriptions), "two pages share a description"
    assert all(40 <= len(text) <= 200 for text in descriptions.values()), descriptions


def test_sitemap_robots_and_no_theme_template_published(site_dir, site_url):
    sitemap = (site_dir / "sitemap.xml").read_text()
    dates = dict(re.findall(r"<loc>https://errorkb\.dev/([^<]*)</loc>\s*<lastmod>([^<]*)</lastmod>", sitemap))
    for path in (REPO / "errors").glob("*/*.yaml"):
        if path.name != "_provider.yaml":
            assert dates[f"{path.parent.name}/{path.stem}/"] == yaml.safe_load(path.read_text())["updated"], path
    robots = urllib.request.urlopen(site_url + "robots.txt").read().decode()
    assert "Sitemap: https://errorkb.dev/sitemap.xml" in robots
    for published in ("overrides/main.html", "overrides/404.html"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(site_url + published)
        assert missing.value.code == 404


def _search(page, query: str) -> list[str]:
    """Type `query` in the header's search dialog; the result paths, once the (debounced) search settled."""
    if not page.locator("dialog.ekb-search[open]").count():
        page.click(".ekb-search-button")
    page.fill(".ekb-search-input", query)
    page.wait_for_function("""(query) => document.querySelector('.ekb-search-input').value === query &&
        document.querySelector('.ekb-search-status').textContent !== 'Searching…'""", arg=query, timeout=15000)
    page.wait_for_timeout(300)
    return page.eval_on_selector_all(".ekb-search-result a", "links => links.map(link => new URL(link.href).pathname)")


def test_header_search_puts_error_pages_first_for_their_type_code_and_status(visit, site_url):
    errors = json.loads(urllib.request.urlopen(site_url + "errors.json").read())["errors"]
    error_urls = {entry["url"] for entry in errors}
    reader = visit()
    reader.open(site_url)
    page = reader.page
    wrong = []

    def expect_first(query: str, wanted: set[str], count: int = 1):
        found = _search(page, query)
        if not found or not set(found[:count]) <= wanted:
            wrong.append(f"{query!r}: expected {sorted(wanted)[:3]} first, got {found[:count + 2]}")
        seen_other = False
        for path in found:   # no page that is not an error's comes before an error page
            if path not in error_urls:
                seen_other = True
            elif seen_other:
                wrong.append(f"{query!r}: a page that is not an error's ranks above {path}: {found}")
                break

    for field in ("error_type", "error_code"):
        values = [entry["signature"].get(field) for entry in errors]
        for value in sorted({value for value in values if value}):
            expect_first(value, {entry["url"] for entry in errors if entry["signature"].get(field) == value})
    statuses = {}
    for entry in errors:
        if entry["signature"].get("http_status"):
            statuses.setdefault(entry["signature"]["http_status"], set()).add(entry["url"])
    for status, pages in statuses.items():
        phrase = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else None
        if phrase:
            expect_first(phrase, {url for code, urls in statuses.items() if http.HTTPStatus._value2member_map_.get(code)
                                  and http.HTTPStatus(code).phrase == phrase for url in urls}, min(len(pages), 3))
    expect_first("model not found", {url for url in error_urls if url.endswith("/model-not-found/")}, 3)
    assert not wrong, "\n".join(wrong)


def test_a_search_that_finds_nothing_offers_the_paste_box(visit, site_url):
    reader = visit()
    reader.open(site_url + ERROR_PAGE)
    page = reader.page
    assert _search(page, "☃☃☃") == []
    page.click(".ekb-search-status a.ekb-search-paste")
    page.wait_for_url(site_url + "#paste")
    page.wait_for_selector(".ekb-paste[data-ready='yes']", timeout=15000)


AXE = REPO / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
# What the theme draws and errorkb does not: its header, footer, navigation, the copy buttons' bar on code blocks,
# and the colours of syntax highlighting (Material's palette, applied by Pygments' classes).
THEME_PARTS = [".md-header", ".md-footer", ".md-sidebar", ".md-code__nav", ".highlight code span"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", ["home", "provider", "error", "all-errors", "tags", "not-found"])
def test_axe_finds_no_violation_in_what_errorkb_draws(visit, site_url, kind, scheme):
    axe = require_tool("axe-core (npm install --prefix .venv/npm axe-core)", str(AXE))
    reader = visit("desktop", color_scheme=scheme)
    reader.open(site_url + PAGE_TYPES[kind])
    reader.page.add_script_tag(path=axe)
    violations = reader.page.evaluate("""exclude => axe.run({include: [document], exclude: exclude.map(s => [s])})
        .then(result => result.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(" "))})))""",
                                      THEME_PARTS)
    assert violations == [], json.dumps(violations, indent=1)
