"""The escaping of untrusted text into Markdown: through Python-Markdown with the site's extensions, every hostile
string shows exactly as written, in every context a template puts text, and makes no element or attribute of its
own; and the Markdown export reads as text (backslashes only where needed, no entity where none is needed)."""

from __future__ import annotations

import html.parser

import markdown
import pytest
import yaml

from conftest import REPO
from errorkb.publish import markup

EXTENSIONS = [name if isinstance(name, str) else next(iter(name))
              for name in yaml.safe_load((REPO / "mkdocs.yml").read_text())["markdown_extensions"]]
CONFIGS = {"toc": {"permalink": True}}

HOSTILE = [
    "### text {: .evil }", "text {: .evil }", "{: #id .evil onclick=alert(1) }", "<script>alert(1)</script>",
    "{{ config.extra }} {% include 'x' %}", '--8<-- "/etc/passwd"', "!!! danger \"Owned\"", "???+ note",
    "[x](javascript:alert(1))", "[x](#){tabindex=0 autofocus onfocus=alert(1)}", "![img](x.png)",
    "*em* _em_ **strong** __strong__ ***both***", "1. first", "2) second", "- item", "+ item", "* item",
    "# heading", "## closed ##", "What is C#", "> quote", "| a | b |", "a | b", "&amp; &#60; &lt; & done",
    "<http://evil.example>", "<a@b.example>", "a\\b \\_ \\\\", "C:\\build\\_tmp\\x", "~~strike~~", "===", "---",
    "term: definition", "<!-- comment -->", "[^1] and [^note]: x", "*[HTML]: Hyper", "emoji 🔑 and 😀 in text",
    "__init__.py and OPENAI_API_KEY and snake_case_name", "_leading and trailing_", "x_*y*_z", "a_b_", "`not code`",
    "``double`` and ` single", "\u202eevil\u202c", "2 < 3 > 1 and a->b", "100% of $5 ^up ==mark== ~sub~",
    "http://example.com/a_b_c?x=1&y=2", "tab\tand  spaces", "line one\nline two", "=x", ":x", "?x", "#", "_", "\\",
]


def _render(source: str) -> str:
    return markdown.markdown(source, extensions=EXTENSIONS, extension_configs=CONFIGS)


class _Reader(html.parser.HTMLParser):
    """The text a reader sees and the elements and attributes in the output, header permalinks left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, tuple]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a" and ("class", "headerlink") in attrs:
            self._skip += 1
            return
        self.tags.append((tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        if tag == "a" and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _read(html_text: str) -> tuple[str, list]:
    reader = _Reader()
    reader.feed(html_text)
    return " ".join("".join(reader.text).split()), reader.tags


# context name -> (template around the escaped text, the elements that template itself makes)
CONTEXTS = {
    "paragraph": ("{}", [("p", ())]),
    "heading": ("### {}", None),   # toc gives the heading an id, derived from the text
    "list item": ("- {}", [("ul", ()), ("li", ())]),
    "table cell": ("| Field | Meaning |\n| --- | --- |\n| {} | x |",
                   [("table", ()), ("thead", ()), ("tr", ()), ("th", ()), ("th", ()), ("tbody", ()), ("tr", ()),
                    ("td", ()), ("td", ())]),
    "link text": ("[{}](page.md)", [("p", ()), ("a", (("href", "page.md"),))]),
    "admonition": ('!!! tip "Quick fix"\n    {}', [("div", (("class", "admonition tip"),)),
                                                  ("p", (("class", "admonition-title"),)), ("p", ())]),
}


@pytest.mark.parametrize("context", sorted(CONTEXTS))
@pytest.mark.parametrize("value", HOSTILE)
def test_text_shows_literally_and_makes_nothing(value, context):
    template, elements = CONTEXTS[context]
    shown, tags = _read(_render(template.format(markup.text(value))))
    expected = " ".join(value.split())
    if context == "admonition":
        expected = "Quick fix " + expected
    elif context == "table cell":
        expected = "Field Meaning " + expected + " x"
    assert shown == expected
    if elements is None:
        assert [tag for tag, _ in tags] == ["h3"] and [name for name, _ in tags[0][1]] == ["id"]
    else:
        assert tags == elements


@pytest.mark.parametrize("value", [value.replace("`", "") for value in HOSTILE if value.replace("`", "").strip()])
def test_inline_prose_keeps_code_spans_as_code(value):
    shown, tags = _read(_render(markup.inline(f"{value} then run `{value}` then read {value}")))
    plain = " ".join(value.split())
    assert shown == f"{plain} then run {plain} then read {plain}"
    assert [tag for tag, _ in tags] == ["p", "code"]


@pytest.mark.parametrize("value", HOSTILE + ["a`b", "``", "`x`", "x`"])
def test_code_span_shows_its_content_verbatim(value):
    body = " ".join(value.split())
    shown, tags = _read(_render(f"Before {markup.code_span(value)} after"))
    assert [tag for tag, _ in tags] == ["p", "code"]
    assert shown == f"Before {body} after"


def test_code_span_in_a_table_cell_keeps_the_table():
    shown, tags = _read(_render(f"| A | B |\n| --- | --- |\n| {markup.code_span('a | b', table=True)} | x |"))
    assert shown == "A B a | b x"
    assert [tag for tag, _ in tags].count("td") == 2


def test_html_text_is_for_raw_html_blocks():
    shown, tags = _read(_render(f'<p class="x">{markup.html_text("<b>bold</b> & _x_")}</p>'))
    assert shown == "<b>bold</b> & _x_" and tags == [("p", (("class", "x"),))]


def test_text_reads_as_text():
    """Backslashes only before what would be syntax, no entity where nothing would do."""
    assert markup.text("Set OPENAI_API_KEY in ~/.bashrc (not .env): it's 2 > 1 & done.") == \
        "Set OPENAI_API_KEY in ~/.bashrc (not .env): it's 2 > 1 & done."
    assert markup.text("*bold* [link] {attr} a|b `x` \\") == "\\*bold\\* \\[link\\] \\{attr\\} a\\|b \\`x\\` \\\\"
    assert markup.text("_x_ 1. - # <b> &amp;") == "\\_x\\_ 1. - # &lt;b> &amp;amp;"
    assert markup.text("1. first") == "1\\. first" and markup.text("# title #") == "\\# title \\#"


def test_markdown_export_reads_as_text(tmp_path, monkeypatch, capsys):
    from conftest import run_cli

    monkeypatch.chdir(REPO)
    status, _, err = run_cli(capsys, "render", "--out", str(tmp_path), "--pages-only")
    assert status == 0, err
    page = (tmp_path / "docs" / "openai" / "invalid-api-key.md").read_text(encoding="utf-8")
    assert "&#" not in page
    assert "OPENAI\\_API\\_KEY" not in page and page.count("OPENAI_API_KEY") > 20
    assert "api.openai.com" in page
