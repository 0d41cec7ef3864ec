"""Error pages written as HTML (publish.html) are the pages Python-Markdown makes of the Markdown export.

Each case builds one knowledge base twice: with `errorkb build` (error pages straight to HTML) and
with plain MkDocs on `errorkb render --out` (the same pages through Markdown), and compares every
error page's article and table of contents, element by element.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, write_mkdocs_config
from errorkb.publish.html import inline_html, list_html, page_url


class _Events(HTMLParser):
    """An HTML fragment as (start tag, sorted attributes) / end tag / text events, whitespace collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list = []
        self.text = ""

    def _flush(self):
        text = " ".join(self.text.split())
        if text:
            self.events.append(("text", text))
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self._flush()
        # data-pagefind-* attributes guide the site's search (Pagefind); the export has none.
        self.events.append(("start", tag, tuple(sorted(a for a in attrs if not a[0].startswith("data-pagefind-")))))

    def handle_endtag(self, tag):
        self._flush()
        self.events.append(("end", tag))

    def handle_data(self, data):
        self.text += data


def _events(fragment: str) -> list:
    parser = _Events()
    parser.feed(fragment)
    parser.close()
    parser._flush()
    return parser.events


_EDIT_LINK = re.compile(r'<a href="[^"]*" title="Edit this page".*?</a>', re.DOTALL)


def _article(page: str) -> str:
    article = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', page, re.DOTALL).group(1)
    return _EDIT_LINK.sub("", article)


def _toc(page: str) -> str:
    match = re.search(r'<nav class="md-nav md-nav--secondary"(.*?)</nav>\s*</div>', page, re.DOTALL)
    return match.group(1) if match else ""


def _build_both(root: Path, errors_dir: Path) -> tuple[Path, Path]:
    config = write_mkdocs_config(root, errors_dir)
    direct = root / "direct"
    built = subprocess.run([sys.executable, "-m", "errorkb", "--errors", str(errors_dir), "build", "-f", str(config),
                            "-d", str(direct)], cwd=root, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    export = root / "export"
    rendered = subprocess.run([sys.executable, "-m", "errorkb", "--errors", str(errors_dir), "-f", str(config), "render",
                               "--out", str(export)], cwd=root, capture_output=True, text=True, timeout=300)
    assert rendered.returncode == 0, rendered.stderr
    through_markdown = root / "through-markdown"
    plain = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(export / "mkdocs.yml"),
                            "-d", str(through_markdown)], cwd=root, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    return direct, through_markdown


def _error_pages(errors_dir: Path) -> list[str]:
    return sorted(f"{path.parent.name}/{path.stem}" for path in errors_dir.glob("*/*.yaml")
                  if path.name != "_provider.yaml")


def _assert_same_pages(root: Path, errors_dir: Path) -> None:
    direct, through_markdown = _build_both(root, errors_dir)
    pages = _error_pages(errors_dir)
    assert pages
    for error_id in pages:
        fast = (direct / error_id / "index.html").read_text()
        slow = (through_markdown / error_id / "index.html").read_text()
        assert _events(_article(fast)) == _events(_article(slow)), f"{error_id}: the article differs"
        assert _events(_toc(fast)) == _events(_toc(slow)), f"{error_id}: the table of contents differs"
        assert "Signature" in _toc(fast)


def test_shipped_error_pages_match_their_markdown(tmp_path):
    _assert_same_pages(tmp_path, REPO / "errors")


def test_hostile_error_pages_match_their_markdown(tmp_path):
    _assert_same_pages(tmp_path, FIXTURES / "hostile")


def test_pages_with_multi_paragraph_items_and_repeated_headings_match(tmp_path):
    errors_dir = tmp_path / "errors"
    shutil.copytree(FIXTURES / "valid" / "demo", errors_dir / "demo")
    path = next(path for path in sorted((errors_dir / "demo").glob("*.yaml")) if path.name != "_provider.yaml")
    text = path.read_text()
    # A second paragraph in the first common cause, and a FAQ question that repeats a section heading.
    text = re.sub(r"(common_causes:\n  - )(.*)\n", lambda m: f"{m.group(1)}|-\n    {m.group(2)}\n\n    A second "
                  "paragraph with `code` & <b>text</b>.\n", text, count=1)
    text = re.sub(r"(faq:\n  - question: )(.*)\n", r"\1FAQ\n", text, count=1)
    path.write_text(text)
    _assert_same_pages(tmp_path, errors_dir)
    page = (tmp_path / "direct" / f"demo/{path.stem}" / "index.html").read_text()
    assert "<p>A second paragraph with <code>code</code> &amp; &lt;b&gt;text&lt;/b&gt;.</p>" in page
    assert 'id="faq_1"' in page


def test_inline_html_escapes_text_and_code():
    assert inline_html("Use `<b>` & \"quotes\"") == "Use <code>&lt;b&gt;</code> &amp; \"quotes\""
    assert str(list_html(["one", "two"])) == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert str(list_html(["one\n\nmore", "two"], ordered=True)) == \
        "<ol>\n<li>\n<p>one</p>\n<p>more</p>\n</li>\n<li>\n<p>two</p>\n</li>\n</ol>"


@pytest.mark.parametrize("path, directory_urls, url", [
    ("openai/rate-limit.md", True, "openai/rate-limit/"), ("openai/index.md", True, "openai/"),
    ("index.md", True, "./"), ("openai/rate-limit.md", False, "openai/rate-limit.html"),
    ("openai/index.md", False, "openai/index.html")])
def test_page_urls_are_mkdocs_urls(path, directory_urls, url):
    assert page_url(path, directory_urls) == url
