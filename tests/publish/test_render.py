"""Rendering: every section of an error page in order, escaping of hostile YAML, provider and home pages, export."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_cli, write_mkdocs_config
from errorkb.kb import load_knowledge_base
from errorkb.publish.render import nav_for, render_pages
from errorkb.project import load_project
from errorkb.publish.site import build_site

SECTIONS = ["## Signature", 'id="quick-fix"', "Last updated", "## What this error means", "## Why this happens",
            "## Common causes", "## Quick fixes", "## Copy-paste commands", "## Platform-specific fixes",
            "## Real-world fixes", "## Step-by-step troubleshooting", "## How to prevent it", "## Related errors",
            "## FAQ"]


def test_error_page_shows_every_section_in_order():
    kb = load_knowledge_base(FIXTURES / "valid")
    page = render_pages(kb)["demo/bad-token.md"]
    positions = [page.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert page.index("# Demo API bad token") < positions[0]
    for text in ["401 Demo token rejected", "`auth_error`", "`bad_token`",
                 "Create a new token and export it as `DEMO_TOKEN`.",
                 "A second paragraph explains more", "### Check that the token is set", "```bash",
                 "Output to expect", "DEMO_TOKEN is set (24 characters)", "<code>token-set</code>",
                 "### Docker", "### Windows", "[Demo API slow down](slow-down.md)",
                 "### Does the token expire?", "2026-01-15"]:
        assert text in page, text


def test_a_bash_only_command_says_so_where_the_reader_sees_it():
    kb = load_knowledge_base(FIXTURES / "valid")
    pages = render_pages(kb)
    assert '<p class="ekb-shells"><strong>bash only</strong>: in zsh (the macOS default), type <code>bash</code> ' \
           'first, then paste it.</p>' in pages["demo/slow-down.md"]
    assert "ekb-shells" not in pages["demo/bad-token.md"]   # both shells: nothing to say


def test_provider_and_home_pages_list_errors():
    kb = load_knowledge_base(FIXTURES / "valid")
    pages = render_pages(kb)
    provider = pages["demo/index.md"]
    assert "| [Demo API bad token](bad-token.md) | `401 Demo token rejected` | 401 |" in provider
    assert "| [Demo API slow down](slow-down.md) | `429 Demo slow down` | 429 |" in provider
    home = pages["index.md"]
    assert "| [Demo](demo/index.md) | 2 |" in home
    # very-common first, then the rest by id
    assert home.index("demo/bad-token.md") < home.index("demo/slow-down.md")


def test_tools_are_listed_beside_the_apis_they_call(tmp_path):
    """The home page, the navigation and both provider pages show a tool and the providers it calls."""
    shutil.copytree(FIXTURES / "valid", tmp_path / "errors")
    (tmp_path / "errors" / "demotool").mkdir()
    (tmp_path / "errors" / "demotool" / "_provider.yaml").write_text(
        "# yaml-language-server: $schema=../../generator/errorkb/kb/schema/provider.schema.json\n"
        "name: Demo Tool\nkind: tool\ncalls:\n  - demo\nhomepage: https://tool.example.com\napi_hosts: []\n"
        "description: A made-up assistant that calls the Demo API.\n", encoding="utf-8")
    kb = load_knowledge_base(tmp_path / "errors")
    pages = render_pages(kb)
    home = pages["index.md"]
    assert "| [Demo](demo/index.md) | 2 |" in home.split("## Tools")[0]
    assert "| [Demo Tool](demotool/index.md) | [Demo](demo/index.md) | 0 |" in home.split("## Tools")[1]
    assert "2 errors from 1 provider and 1 tool." in home
    assert "Calls: [Demo](../demo/index.md)." in pages["demotool/index.md"]
    assert "Tools that call it: [Demo Tool](../demotool/index.md)." in pages["demo/index.md"]
    assert nav_for(kb, []) == [{"Home": "index.md"}, {"Providers": [{"Demo": "demo/index.md"}]},
                               {"Tools": [{"Demo Tool": "demotool/index.md"}]}]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    build_site(load_project(write_mkdocs_config(root, FIXTURES / "hostile")), root / "site")
    return root / "site"


def test_hostile_yaml_shows_literally_and_injects_nothing(hostile_site):
    html = (hostile_site / "demo" / "script-title" / "index.html").read_text()
    collector = _Collector()
    collector.feed(html)
    text = re.sub(r"\s+", " ", "".join(collector.text))
    for literal in ["<script>alert(1)</script>", "*bold* _em_ | pipe [link](http://x) <b>tag</b> {{ jinja }}",
                    "<img src=x onerror=alert(2)>", "*not bold* and [not a link](javascript:alert(3))",
                    '"><script>alert(4)</script>', "# not a heading", '<iframe src="javascript:alert(5)"></iframe>',
                    "{: .evil } !!! warning", "1. not a numbered list", "<style>body{display:none}</style>",
                    "| a | b |", "<script>alert(8)</script>?", "[x]: http://evil.example.com", "--- not a rule",
                    "> not a quote", "</code></pre><script>alert(6)</script>", "<script>alert(7)</script>"]:
        assert literal in text, literal
    for tag, attrs in collector.tags:
        assert tag not in ("iframe", "img", "b", "em", "strong", "blockquote", "hr", "dl"), (tag, attrs)
        if tag != "meta":
            assert not any("alert(" in (value or "") for value in attrs.values()), (tag, attrs)
        if tag == "a":
            assert not (attrs.get("href") or "").startswith("javascript:"), attrs
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert not any("alert(" in script for attributes, script in scripts if "application/ld+json" not in attributes)
    # Search engines' data (JSON-LD) holds the hostile text as data: one element, which parses back to it.
    data = [script for attributes, script in scripts if "application/ld+json" in attributes]
    assert len(data) == 1 and "<" not in data[0] and len(re.findall(r"<script", html)) == len(scripts)
    graph = json.loads(data[0])["@graph"]
    assert graph[0]["headline"] == "<script>alert(1)</script>"
    faq = {item["name"]: item["acceptedAnswer"]["text"] for item in graph[2]["mainEntity"]}
    assert faq["Does </script><!-- end the JSON-LD?"] == ("No: <!-- and </script> stay inside their string. "
                                                          "</SCRIPT ><script>alert(11)</script>")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;: *bold* _em_" in html
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    assert description.startswith("*bold* _em_ | pipe [link](http://x) &lt;b&gt;tag&lt;/b&gt;")
    assert description.endswith("Ends the attribute &quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt; and more")


def test_characters_above_the_bmp_cannot_break_out_of_the_front_matter(hostile_site):
    """An emoji once made MkDocs drop the front matter (surrogate escapes), leaving it as live Markdown."""
    html = (hostile_site / "demo" / "emoji-title" / "index.html").read_text()
    collector = _Collector()
    collector.feed(html)
    text = re.sub(r"\s+", " ", "".join(collector.text))
    assert "OpenAI API key missing 🔑 [x](#){tabindex=0 autofocus=autofocus onfocus=alert(document.domain)}" in text
    assert "401 Demo token 🔑 rejected [click me](javascript:alert(9))" in text
    assert "title:" not in text and "description:" not in text
    for tag, attrs in collector.tags:
        assert "onfocus" not in attrs and "autofocus" not in attrs, (tag, attrs)
        assert not (attrs.get("href") or "").startswith("javascript:"), (tag, attrs)
    assert "<title>OpenAI API key missing 🔑" in html
    assert ('content="401 Demo token 🔑 rejected [click me](javascript:alert(9)). '
            'Emoji 😀 in the summary [click](javascript:alert(10)) too"') in html


def test_front_matter_that_does_not_read_back_fails_loudly():
    from errorkb.publish.render import RenderError, check_front_matter, front_matter

    meta = {"title": "Lone \ud83d surrogate", "tags": ["x"]}
    with pytest.raises(RenderError, match="errors/demo/x.yaml: the page's front matter does not parse"):
        check_front_matter(front_matter(meta) + "\n\n# Body\n", meta, "errors/demo/x.yaml")
    meta = {"title": "Fine 🔑 title"}
    check_front_matter(front_matter(meta) + "\n", meta, "errors/demo/y.yaml")
    with pytest.raises(RenderError, match="reads back as"):
        check_front_matter('---\ntitle: "Other"\n---\n', meta, "errors/demo/y.yaml")


def test_export_lists_every_error_with_all_fields(demo_tree, capsys):
    status, out, err = run_cli(capsys, "export")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert [error["id"] for error in document["errors"]] == ["demo/bad-token", "demo/slow-down"]
    first = document["errors"][0]
    assert first["url"] == "/demo/bad-token/"
    assert first["signature"] == {"text": "401 Demo token rejected", "http_status": 401, "error_type": "auth_error",
                                  "error_code": "bad_token"}
    assert first["provider"] == "demo" and first["title"] == "Demo API bad token"
    assert first["faq"][0]["question"] == "Does the token expire?"
    assert first["updated"] == "2026-01-15"


def test_render_writes_pages_to_a_folder_without_mkdocs(demo_tree, capsys):
    status, out, err = run_cli(capsys, "render", "--out", "out", "--docs", str(REPO / "docs"))
    assert (status, err) == (0, "")
    out_dir = Path("out") / "docs"
    assert (Path("out") / "mkdocs.yml").is_file()
    assert (out_dir / "demo" / "bad-token.md").read_text().startswith(
        "---\ntitle: \"Demo API bad token: 401 Demo token rejected\"")
    assert (out_dir / "demo" / "index.md").is_file() and (out_dir / "index.md").is_file()
    assert (out_dir / "contributing.md").is_file() and (out_dir / "format.md").is_file()
    assert json.loads((out_dir / "errors.json").read_text())["errors"][1]["id"] == "demo/slow-down"
    assert json.loads((out_dir / "api" / "demo" / "slow-down.json").read_text())["title"] == "Demo API slow down"


def test_openai_invalid_api_key_page_shows_every_section_in_order():
    kb = load_knowledge_base(REPO / "errors")
    page = render_pages(kb)["openai/invalid-api-key.md"]
    positions = [page.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    head = page[:positions[0]]
    assert "# OpenAI API invalid API key" in head and "[OpenAI](index.md)" in head
    assert "401 Incorrect API key provided" in page
    assert page.count("```bash") >= 2 and page.count("Verified against a local mock of the OpenAI API") >= 2
