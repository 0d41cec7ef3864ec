"""Render a validated knowledge base to Markdown pages with Jinja2: errors in, pages out.

Knows nothing of MkDocs: `render_pages` returns {relative path: text} for every error
page (<provider>/<slug>.md), provider page (<provider>/index.md), the home page (index.md)
and the format page; `render_files` adds the files the site publishes beside them
(errors.json from `export_json`, match-index.json, the assets).  The MkDocs plugin adds
them to a build and `errorkb render --out DIR` writes them to a folder for any other engine.

Every value from YAML reaches a template through an escaping filter: the environment's
`finalize` escapes anything not already marked safe, so a forgotten filter cannot
inject markup.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import markup
from ..diagnostics import RULES
from ..kb import ErrorEntry, KnowledgeBase
from ..kb.schema import load_schema
from ..search import MATCHER_JS, index_for
from .display import FREQUENCY_RANK, PLATFORM_NAMES

TEMPLATES_DIR = Path(__file__).parent / "templates"
ASSETS_DIR = Path(__file__).parent / "assets"
HOME_COMMON_COUNT = 10


def _finalize(value):
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return markup.text(value)


def _prose(value, indent: int = 0) -> Markup:
    """Paragraphs separated by blank lines; `indent` spaces before every paragraph after the first."""
    separator = "\n\n" + " " * indent
    return Markup(separator.join(markup.paragraphs(value)))


def _url(value) -> Markup:
    return Markup(html.escape(str(value), quote=True))


_SAFE_LINK = re.compile(r"^(\.\./)*[a-z0-9][a-z0-9/_-]*(\.md)?$")


def _link(value) -> Markup:
    """A link target built from ids and slugs (already restricted by the schema); refuses anything else."""
    value = str(value)
    if not _SAFE_LINK.match(value):
        raise ValueError(f"unsafe link target {value!r}")
    return Markup(value)


def make_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=False,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    environment.filters.update(inline=markup.inline, prose=_prose, code_block=markup.code_block,
                               code_span=markup.code_span, html_text=markup.html_text, url=_url, link=_link)
    return environment


def describe_scenario(scenario: dict) -> Markup:
    """What a scenario checks, in a few words, as HTML: ' (exit 22; output shows <code>x</code>)'."""
    checks = []
    if scenario.get("exit_status", 0):
        checks.append(f"exit {scenario['exit_status']}")
    shown = [text for stream in ("stdout", "stderr") for text in scenario.get(stream, {}).get("contains", [])]
    if shown:
        checks.append("output shows " + ", ".join(f"<code>{markup.html_text(text)}</code>" for text in shown[:2]))
    return Markup(f" ({'; '.join(checks)})") if checks else Markup("")


def front_matter(value: str) -> Markup:
    """A front-matter value: plain text, HTML-escaped (themes print titles and descriptions unescaped), as a YAML string."""
    return Markup(json.dumps(html.escape(markup.plain(value), quote=True), ensure_ascii=True))


def page_path(entry: ErrorEntry) -> str:
    return f"{entry.provider}/{entry.slug}.md"


def _tidy(page: str) -> str:
    """Collapse the runs of blank lines that template conditionals leave behind."""
    lines, blank = [], 0
    for line in page.splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip() if not line.strip() else line)
    return "\n".join(lines).strip("\n") + "\n"


def export_document(kb: KnowledgeBase) -> dict:
    """The whole knowledge base as one JSON-ready document: {"errors": [...]}, sorted by id."""
    errors = []
    for entry in kb.errors:
        record = {"id": entry.id, "title": entry.data["title"], "provider": entry.provider,
                  "provider_name": kb.providers[entry.provider].name if entry.provider in kb.providers else entry.provider,
                  "signature": entry.data["signature"], "url": f"/{entry.url}", "source": entry.source}
        for key, value in entry.data.items():
            record.setdefault(key, value)
        errors.append(record)
    return {"errors": errors}


def export_json(kb: KnowledgeBase) -> str:
    return json.dumps(export_document(kb), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def most_common(kb: KnowledgeBase, count: int = HOME_COMMON_COUNT) -> list[ErrorEntry]:
    ranked = sorted(kb.errors, key=lambda e: (FREQUENCY_RANK.get(e.data.get("frequency", "occasional"), 2), e.id))
    return ranked[:count]


def new_issue_url(repo_url: str | None) -> str:
    """Where a reader asks for a missing error: the repository's new-issue form, or the contributing guide."""
    return repo_url.rstrip("/") + "/issues/new" if repo_url else "contributing/"


def render_pages(kb: KnowledgeBase, repo_url: str | None = None) -> dict[str, str]:
    """Every generated page of the site, by path relative to the docs folder."""
    environment = make_environment()
    error_template = environment.get_template("error.md.j2")
    provider_template = environment.get_template("provider.md.j2")
    home_template = environment.get_template("home.md.j2")
    by_id = kb.by_id()
    pages: dict[str, str] = {}

    for entry in kb.errors:
        provider = kb.providers[entry.provider]
        here = posixpath.dirname(page_path(entry))

        def link_to(other: ErrorEntry, here=here) -> Markup:
            return _link(posixpath.relpath(page_path(other), here))

        related = [by_id[related_id] for related_id in entry.data.get("related", []) if related_id in by_id]
        pages[page_path(entry)] = _tidy(error_template.render(
            e=entry.data, entry=entry, provider=provider.data, related=related, link_to=link_to,
            platform_names=PLATFORM_NAMES, describe_scenario=describe_scenario, title_yaml=front_matter(entry.data["title"]), signature_yaml=front_matter(entry.data["signature"]["text"]), description_yaml=front_matter(entry.data["summary"])))

    for slug, provider in sorted(kb.providers.items()):
        entries = sorted(kb.errors_of(slug), key=lambda e: e.data["title"].casefold())
        description = f"{provider.name} API errors: " + "; ".join(e.data["signature"]["text"] for e in entries[:20])
        pages[f"{slug}/index.md"] = _tidy(provider_template.render(
            provider=provider.data, entries=entries, title_yaml=front_matter(f"{provider.name} errors"), description_yaml=front_matter(description)))

    providers = [{"slug": slug, "name": provider.name} for slug, provider in sorted(kb.providers.items())]
    counts = {slug: len(kb.errors_of(slug)) for slug in kb.providers}
    pages["index.md"] = _tidy(home_template.render(
        providers=providers, counts=counts, total=len(kb.errors), common=most_common(kb),
        new_issue_url=new_issue_url(repo_url),
        title_yaml=front_matter("Developer error messages explained"), description_yaml=front_matter(
            "Developer error messages explained, with fixes and commands verified against API mocks."),
    ))
    pages["format.md"] = _tidy(environment.get_template("format.md.j2").render(sections=schema_sections(),
                                                                              rules=list(RULES.values())))
    return pages


def _field_rows(schema: dict, definitions: dict, prefix: str = "") -> list[dict]:
    rows = []
    required = set(schema.get("required", []))
    for name, field in schema.get("properties", {}).items():
        resolved = definitions.get(field.get("$ref", "").rsplit("/", 1)[-1], field) if "$ref" in field else field
        kind = resolved.get("type", "one of: " + ", ".join(map(str, resolved.get("enum", []))))
        if kind == "array" and "items" in resolved:
            item = resolved["items"]
            item = definitions.get(item.get("$ref", "").rsplit("/", 1)[-1], item) if "$ref" in item else item
            kind = f"list of {item.get('type', 'values')}"
        description = field.get("description") or resolved.get("description", "")
        rows.append({"name": prefix + name, "required": name in required, "type": kind, "description": description})
    return rows


def schema_sections() -> list[dict]:
    """The fields of the error, command, scenario and provider schemas, for the format page."""
    error_schema = load_schema("error.schema.json")
    definitions = error_schema["definitions"]
    return [
        {"title": "Error fields", "fields": _field_rows(error_schema, definitions)},
        {"title": "signature", "fields": _field_rows(error_schema["properties"]["signature"], definitions, "signature.")},
        {"title": "commands[]", "fields": _field_rows(definitions["command"], definitions)},
        {"title": "commands[].scenarios[]", "fields": _field_rows(definitions["scenario"], definitions)},
        {"title": "scenarios[].mock", "fields": _field_rows(definitions["mock_state"], definitions)},
        {"title": "scenarios[].stdout and stderr", "fields": _field_rows(definitions["stream_expectation"], definitions)},
        {"title": "platform_fixes keys", "fields": _field_rows(error_schema["properties"]["platform_fixes"], definitions)},
        {"title": "Provider file: errors/<provider>/_provider.yaml",
         "fields": _field_rows(load_schema("provider.schema.json"), {})},
    ]


def render_files(kb: KnowledgeBase, repo_url: str | None = None) -> dict[str, str | bytes]:
    """Pages plus the files the site publishes: errors.json, match-index.json, and assets/errorkb/."""
    files: dict[str, str | bytes] = dict(render_pages(kb, repo_url))
    files["errors.json"] = export_json(kb)
    files["match-index.json"] = json.dumps(index_for(kb), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for asset in [*sorted(ASSETS_DIR.glob("*")), MATCHER_JS]:
        if asset.is_file():
            files[f"assets/errorkb/{asset.name}"] = asset.read_bytes()
    return files


def nav_for(kb: KnowledgeBase, extra_pages: list[tuple[str, str]]) -> list:
    """Navigation with index pages only: home, one entry per provider, then hand-written pages."""
    providers = [{html.escape(provider.name): f"{slug}/index.md"} for slug, provider in sorted(kb.providers.items())]
    nav: list = [{"Home": "index.md"}, {"Providers": providers}]
    nav.extend({title: path} for title, path in extra_pages)
    return nav
