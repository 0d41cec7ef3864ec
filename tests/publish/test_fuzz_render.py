"""Property-based fuzzing of the renderer (hypothesis): any text a valid error file can hold in its title, prose,
list, FAQ and signature fields renders to a page whose front matter reads back as written and whose HTML, through
Python-Markdown with the site's extensions, shows the text and makes no element, attribute or link of its own."""

from __future__ import annotations

import copy
import html.parser
import shutil

import markdown
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from errorkb.kb import ValidationFailed, load_knowledge_base
from errorkb.kb.schema import SCHEMA_LINES
from errorkb.publish.render import render_pages

DEMO = FIXTURES / "valid" / "demo"
BASE = yaml.safe_load((DEMO / "bad-token.yaml").read_text(encoding="utf-8"))
EXTENSIONS = [name if isinstance(name, str) else next(iter(name))
              for name in yaml.safe_load((REPO / "mkdocs.yml").read_text())["markdown_extensions"]]
SYNTAX = ["<script>alert(1)</script>", "{: onclick=alert(1) }", "[x](javascript:alert(1))", "![i](x)", "*", "_",
          "`", "``", "#", "!!!", "???", "---", "--8<--", "{{ x }}", "{%", "|", "&amp;", "&#60;", "<b>", "\\",
          "1.", "- ", "> ", "~~", "==", ":", "🔑", "😀", "\u00a0", "\t", "\n\n", "http://x.example/_a_", "__init__"]
TEXT = st.lists(st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(SYNTAX)),
                min_size=1, max_size=20).map("".join)
FIELDS = [("title",), ("summary",), ("quick_fix",), ("what_it_means",), ("common_causes", 0), ("faq", 0, "question"),
          ("faq", 0, "answer"), ("signature", "text"), ("commands", 0, "title"), ("troubleshooting", 0),
          ("sources", 0, "title")]


class _Reader(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def _html(page: str) -> _Reader:
    body = page.split("\n---\n", 1)[1]
    reader = _Reader()
    reader.feed(markdown.markdown(body, extensions=EXTENSIONS, extension_configs={"toc": {"permalink": True}}))
    return reader


BASE_TAGS = None
JUMP_LIST = ("#signature", "#quick-fix", "#copy-paste-commands", "#platform-specific-fixes", "#faq")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(st.sampled_from(FIELDS), TEXT), min_size=1, max_size=5))
@example(values=[(("title",), "OpenAI API key missing 🔑 [x](#){tabindex=0 autofocus onfocus=alert(1)}")])
@example(values=[(("what_it_means",), "### text {: .evil }\n\n<script>alert(1)</script>")])
def test_any_valid_text_renders_literally_and_injects_nothing(tmp_path, values):
    global BASE_TAGS
    document = copy.deepcopy(BASE)
    for path, text in values:
        target = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = text
    folder = tmp_path / "errors" / "demo"
    shutil.rmtree(tmp_path / "errors", ignore_errors=True)
    shutil.copytree(DEMO, folder)
    (folder / "bad-token.yaml").write_text(SCHEMA_LINES["error.schema.json"] + "\n" +
                                           yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    try:
        kb = load_knowledge_base(tmp_path / "errors")
    except ValidationFailed:
        assume(False)   # not a valid file: the loader's fuzz covers those
    pages = render_pages(kb)                   # raises RenderError if the front matter would not read back
    reader = _html(pages["demo/bad-token.md"])
    if BASE_TAGS is None:
        BASE_TAGS = {tag for tag, _ in _html(render_pages(load_knowledge_base(FIXTURES / "valid"))
                                             ["demo/bad-token.md"]).elements}
    for tag, attrs in reader.elements:
        assert tag in BASE_TAGS, (tag, attrs)
        assert not any(name.startswith("on") or name in ("style", "autofocus", "tabindex") for name in attrs), attrs
        assert not (attrs.get("href") or "").strip().lower().startswith(("javascript:", "data:")), attrs
        if tag == "a":
            links = ("index.md", "slow-down.md", *(source["url"] for source in document["sources"]),
                     *(f"../tags.md#tag-{tag}" for tag in document["tags"]), *JUMP_LIST)
            assert attrs.get("href") in links or attrs.get("class") == "headerlink", attrs
    assert " ".join(reader.h1.split()).removesuffix(" ¶") == " ".join(document["title"].split())
