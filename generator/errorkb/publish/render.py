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
from collections.abc import Iterator
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup

from . import markup
from ..diagnostics import RULES
from ..kb import ErrorEntry, KnowledgeBase, allied_providers
from ..kb.schema import load_schema
from ..search import MATCHER_JS, index_for
from ..search.shards import shard_index
from .display import FREQUENCY_RANK, PLATFORM_NAMES, http_status_text, show_more

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


def _bullets(items, ordered: bool = False) -> Markup:
    """A list of prose items.  An item of several paragraphs makes the list loose (a blank line between
    items): without one, the next item would read as a continuation of that item's last paragraph."""
    rendered = [markup.paragraphs(item) for item in items]
    loose = any(len(paragraphs) > 1 for paragraphs in rendered)
    marker = "1. " if ordered else "- "
    rows = [marker + ("\n\n" + " " * 4).join(paragraphs) for paragraphs in rendered]
    return Markup(("\n\n" if loose else "\n").join(rows))


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
    environment.globals["OUTPUT_CLASSES"] = markup.OUTPUT_CLASSES
    environment.globals["http_status_text"] = http_status_text
    environment.globals["more"] = show_more
    environment.filters.update(inline=markup.inline, prose=_prose, bullets=_bullets, code_block=markup.code_block,
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


class RenderError(Exception):
    """A page could not be rendered safely; the message names the page and why."""


# Pages of the site's own whose URL a provider folder of that name would take.
RESERVED_PAGES = {"tags", "all-errors", "format", "contributing", "api", "assets", "pagefind", "match"}
DESCRIPTION_LENGTH = 160


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """`text` on one line, cut at a word before `limit` characters (with an ellipsis) when longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


# Characters YAML does not allow unescaped in a stream (C1 controls, DEL, BOM, non-characters), and
# surrogates; json.dumps already escapes the C0 controls.
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")


def _yaml_string(value: str) -> str:
    """A YAML double-quoted string for `value`: JSON, with characters kept as they are (an emoji stays one
    character, as libyaml requires) except those YAML cannot hold, which become backslash-u escapes."""
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def front_matter(meta: dict) -> Markup:
    """The front-matter block of a page: each value plain text, HTML-escaped (themes print titles and
    descriptions unescaped), as a YAML string; `tags` a list of them."""
    lines = ["---"]
    for key, value in meta.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(_yaml_string(_meta_text(item)) for item in value)}]")
        else:
            lines.append(f"{key}: {_yaml_string(_meta_text(value))}")
    lines.append("---")
    return Markup("\n".join(lines))


def _meta_text(value) -> str:
    return html.escape(markup.plain(value), quote=True)


_FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)


def check_front_matter(page: str, meta: dict, where: str) -> None:
    """Raise RenderError unless the page's front matter parses back, as MkDocs reads it (libyaml's safe
    loader), to exactly `meta` written by `front_matter`: a block that does not parse would stay in the
    page as live Markdown."""
    block = _FRONT_MATTER.match(page)
    try:
        parsed = yaml.load(block.group(1), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if block else None
    except yaml.YAMLError as error:
        raise RenderError(f"{where}: the page's front matter does not parse ({error}); no page was written") from None
    expected = {key: [_meta_text(item) for item in value] if isinstance(value, list) else _meta_text(value)
                for key, value in meta.items()}
    if parsed != expected:
        raise RenderError(f"{where}: the page's front matter reads back as {parsed!r}, not as written; "
                          "no page was written")


def _page(template: jinja2.Template, meta: dict, where: str, **context) -> str:
    """A page from its template, its front matter checked to read back as written."""
    page = _tidy(template.render(front_matter=front_matter(meta), **context))
    check_front_matter(page, meta, where)
    return page


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


def error_record(kb: KnowledgeBase, entry: ErrorEntry) -> dict:
    """One error as JSON-ready data: its id, title, provider, signature, page URL and source file, then every field."""
    record = {"id": entry.id, "title": entry.data["title"], "provider": entry.provider,
              "provider_name": kb.providers[entry.provider].name if entry.provider in kb.providers else entry.provider,
              "signature": entry.data["signature"], "url": f"/{entry.url}", "source": entry.source}
    for key, value in entry.data.items():
        record.setdefault(key, value)
    return record


def export_document(kb: KnowledgeBase) -> dict:
    """The whole knowledge base as one JSON-ready document: {"errors": [...]}, sorted by id (`errorkb export`)."""
    return {"errors": [error_record(kb, entry) for entry in kb.errors]}


def export_json(kb: KnowledgeBase) -> str:
    return json.dumps(export_document(kb), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def error_document_path(entry: ErrorEntry) -> str:
    """Where the site publishes one error's whole record: api/<provider>/<slug>.json."""
    return f"api/{entry.id}.json"


def error_document(kb: KnowledgeBase, entry: ErrorEntry) -> str:
    """The JSON text of one error's whole record, as the site publishes it at error_document_path."""
    return json.dumps(error_record(kb, entry), ensure_ascii=False, indent=2) + "\n"


def error_documents(kb: KnowledgeBase) -> Iterator[tuple[str, str]]:
    """(site path, JSON text) of each error's whole record, one at a time (a large site never holds them all)."""
    for entry in kb.errors:
        yield error_document_path(entry), error_document(kb, entry)


def index_json(kb: KnowledgeBase) -> str:
    """The site's errors.json: every error's id, title, provider, signature, tags, date, page URL and the URL of its
    whole record, so that a client fetches only the records it needs; and the providers."""
    errors = [{"id": entry.id, "title": entry.data["title"], "provider": entry.provider,
               "signature": entry.data["signature"], "tags": entry.data["tags"],
               "frequency": entry.data.get("frequency", "occasional"), "updated": entry.data["updated"],
               "url": f"/{entry.url}", "document": f"/{error_document_path(entry)}"} for entry in kb.errors]
    providers = {slug: {"name": provider.name, "kind": provider.data.get("kind", "api"),
                        "calls": provider.data.get("calls") or [], "url": f"/{slug}/"}
                 for slug, provider in sorted(kb.providers.items())}
    return json.dumps({"errors": errors, "providers": providers}, ensure_ascii=False, separators=(",", ":")) + "\n"


def most_common(kb: KnowledgeBase, count: int = HOME_COMMON_COUNT) -> list[ErrorEntry]:
    ranked = sorted(kb.errors, key=lambda e: (FREQUENCY_RANK.get(e.data.get("frequency", "occasional"), 2), e.id))
    return ranked[:count]


def page_dates(kb: KnowledgeBase) -> dict[str, str]:
    """The date each generated page last changed (YYYY-MM-DD): an error page's `updated`, a provider page's
    latest; under "" the knowledge base's latest, for every other page."""
    dates = {page_path(entry): entry.data["updated"] for entry in kb.errors}
    for slug in kb.providers:
        own = [entry.data["updated"] for entry in kb.errors_of(slug)]
        if own:
            dates[f"{slug}/index.md"] = max(own)
    if kb.errors:
        dates[""] = max(entry.data["updated"] for entry in kb.errors)
    return dates


def new_issue_url(repo_url: str | None) -> str:
    """Where a reader asks for a missing error: the repository's new-issue form, or the contributing guide."""
    return repo_url.rstrip("/") + "/issues/new" if repo_url else "contributing/"


def error_meta(entry: ErrorEntry) -> dict:
    """An error page's front matter: what themes show as its title and description, and its tags.  The title and
    the description carry the signature, the text people paste into a search engine."""
    title, signature = entry.data["title"], entry.data["signature"]["text"]
    if signature.casefold() not in title.casefold():
        title = f"{title}: {signature}"
    separator = " " if signature.rstrip()[-1:] in ".!?" else ". "
    description = shorten(signature + separator + markup.plain(entry.data["summary"]))
    return {"title": title, "description": description, "tags": [signature]}


def json_ld(entry: ErrorEntry, provider_name: str, site_name: str, site_url: str) -> dict:
    """What search engines read of an error page (schema.org): a TechArticle, its breadcrumbs (site, provider,
    error) and its FAQ as an FAQPage.  `site_url` is the site's absolute URL, ending in "/"."""
    page_url = site_url + entry.url
    article = {"@type": "TechArticle", "headline": entry.data["title"], "url": page_url,
               "description": markup.plain(entry.data["summary"]), "dateModified": entry.data["updated"],
               "about": entry.data["signature"]["text"], "keywords": ", ".join(entry.data["tags"]),
               "inLanguage": "en"}
    crumbs = [(site_name, site_url), (provider_name, f"{site_url}{entry.provider}/"), (entry.data["title"], page_url)]
    breadcrumbs = {"@type": "BreadcrumbList",
                   "itemListElement": [{"@type": "ListItem", "position": position, "name": name, "item": url}
                                       for position, (name, url) in enumerate(crumbs, start=1)]}
    graph = [article, breadcrumbs]
    if entry.data.get("faq"):
        graph.append({"@type": "FAQPage", "url": page_url, "mainEntity": [
            {"@type": "Question", "name": markup.plain(item["question"]),
             "acceptedAnswer": {"@type": "Answer", "text": markup.plain(item["answer"])}}
            for item in entry.data["faq"]]})
    return {"@context": "https://schema.org", "@graph": graph}


_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data) -> Markup:
    """`data` as JSON to place inside a <script> element: no <, > or & appears (each is a JSON escape), so no
    value can close the element (</script>) or open a comment (<!--), and the JSON reads back the same."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    return Markup("".join(_SCRIPT_UNSAFE.get(ch, ch) for ch in text))


def error_front_matter(entry: ErrorEntry) -> str:
    """An error page's front matter alone, checked to read back as written (the MkDocs build adds the page's
    HTML from publish.html; see the plugin)."""
    page = f"{front_matter(error_meta(entry))}\n"
    check_front_matter(page, error_meta(entry), entry.source)
    return page


def coverage(kb: KnowledgeBase) -> str:
    """What the knowledge base covers, in a phrase: "70 errors from 7 APIs (OpenAI, ...) and 8 tools (Aider, ...)"."""
    apis = sorted((p.name for p in kb.providers.values() if not p.is_tool), key=str.casefold)
    tools = sorted((p.name for p in kb.providers.values() if p.is_tool), key=str.casefold)
    count = len(kb.errors)
    text = f"{count} error{'s' * (count != 1)} from {len(apis)} API{'s' * (len(apis) != 1)} ({', '.join(apis)})"
    if tools:
        text += f" and {len(tools)} tool{'s' * (len(tools) != 1)} ({', '.join(tools)})"
    return text


def paste_box_html(site_root: str, issue_url: str, covers: str) -> Markup:
    """The paste box's markup (paste.js runs it), for the home page and the 404 page; `site_root` is the URL of the
    site's root from the page that shows it, ending in "/"; `covers`, what the site covers (coverage)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True)
    return Markup(environment.get_template("paste_box.html.j2").render(site_root=site_root, new_issue_url=issue_url,
                                                                       covers=covers).strip())


def render_pages(kb: KnowledgeBase, repo_url: str | None = None) -> dict[str, str]:
    """Every generated page of the site as Markdown, by path relative to the docs folder."""
    environment = make_environment()
    error_template = environment.get_template("error.md.j2")
    by_id = kb.by_id()
    pages: dict[str, str] = {}
    for entry in kb.errors:
        provider = kb.providers[entry.provider]
        here = posixpath.dirname(page_path(entry))

        def link_to(other: ErrorEntry, here=here) -> Markup:
            return _link(posixpath.relpath(page_path(other), here))

        related = [by_id[related_id] for related_id in entry.data.get("related", []) if related_id in by_id]
        pages[page_path(entry)] = _page(error_template, error_meta(entry), entry.source, e=entry.data, entry=entry,
                                        provider=provider.data, related=related, link_to=link_to,
                                        platform_names=PLATFORM_NAMES, describe_scenario=describe_scenario)
    pages.update(render_index_pages(kb, repo_url, environment))
    return pages


def render_index_pages(kb: KnowledgeBase, repo_url: str | None = None,
                       environment: jinja2.Environment | None = None) -> dict[str, str]:
    """The pages that are not error pages, as Markdown: one per provider, the home page and the format page."""
    environment = environment or make_environment()
    provider_template = environment.get_template("provider.md.j2")
    home_template = environment.get_template("home.md.j2")
    pages: dict[str, str] = {}
    links = _provider_links(kb)
    for slug, provider in sorted(kb.providers.items()):
        if slug in RESERVED_PAGES:
            raise RenderError(f"{provider.path}: the provider folder {slug!r} would replace the site's {slug}/ page; "
                              "rename the folder")
        entries = sorted(kb.errors_of(slug), key=lambda e: e.data["title"].casefold())
        kind = "" if provider.is_tool else " API"
        count = f"{len(entries)} {provider.name}{kind} error{'s' if len(entries) != 1 else ''}"
        description = shorten(f"{count} explained, each with a quick fix and commands checked against a mock: "
                              f"{markup.plain(provider.data.get('description', ''))}")
        meta = {"title": f"{provider.name}{kind} errors", "description": description}
        pages[f"{slug}/index.md"] = _page(provider_template, meta, str(provider.path), provider=provider.data,
                                          entries=entries, is_tool=provider.is_tool, linked=links[slug])

    providers = [{"slug": slug, "name": provider.name, "calls": links[slug]}
                 for slug, provider in sorted(kb.providers.items())]
    apis = [p for p in providers if not kb.providers[p["slug"]].is_tool]
    tools = [p for p in providers if kb.providers[p["slug"]].is_tool]
    counts = {slug: len(kb.errors_of(slug)) for slug in kb.providers}
    meta = {"title": "Developer error messages explained",
            "description": "Developer error messages explained, with fixes and commands verified against API mocks."}
    pages["index.md"] = _page(home_template, meta, "the home page", apis=apis, tools=tools, counts=counts,
                              total=len(kb.errors), common=most_common(kb),
                              paste_box=paste_box_html("./", new_issue_url(repo_url), coverage(kb)))
    names = {slug: provider.name for slug, provider in kb.providers.items()}
    everything = sorted(kb.errors, key=lambda e: (names[e.provider].casefold(), e.data["title"].casefold()))
    meta = {"title": "All errors",
            "description": shorten(f"Every error errorkb explains, {len(kb.errors)} across {len(kb.providers)} "
                                   "APIs and tools: the exact message, a quick fix and verified commands.")}
    pages["all-errors.md"] = _page(environment.get_template("all_errors.md.j2"), meta, "the all-errors page",
                                   entries=everything, names=names)
    by_tag: dict[str, list[ErrorEntry]] = {}
    for entry in everything:
        for tag in entry.data["tags"]:
            by_tag.setdefault(tag, []).append(entry)
    meta = {"title": "Tags", "description": shorten("Error pages by tag: " + ", ".join(sorted(by_tag)))}
    pages["tags.md"] = _page(environment.get_template("tags.md.j2"), meta, "the tags page",
                             tags=sorted(by_tag.items()))
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


SHARD_MATCH_INDEX_FROM = 1_000_000   # bytes of match-index.json from which it is published as a core and shards


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def match_files(kb: KnowledgeBase, shard_from: int = SHARD_MATCH_INDEX_FROM) -> dict[str, str]:
    """What the paste box searches: match-index.json, whole; or, from `shard_from` bytes, a core in its place and
    the shards in match/ (search.shards), so that a paste downloads only what it needs."""
    index = index_for(kb)
    whole = _json(index)
    if len(whole) < shard_from:
        return {"match-index.json": whole}
    core, shards = shard_index(index)
    files = {"match-index.json": _json(core)}
    files.update((f"{core['shards']['path']}{name}.json", _json(shard)) for name, shard in shards.items())
    return files


def site_files(kb: KnowledgeBase, shard_from: int = SHARD_MATCH_INDEX_FROM) -> dict[str, str | bytes]:
    """The files the site publishes beside its pages: errors.json (the index), the paste box's index
    (match_files), and assets/errorkb/.  Each error's whole record (error_documents) is written apart."""
    files: dict[str, str | bytes] = {"errors.json": index_json(kb), **match_files(kb, shard_from)}
    for asset in [*sorted(ASSETS_DIR.glob("*")), MATCHER_JS]:
        if asset.is_file():
            files[f"assets/errorkb/{asset.name}"] = asset.read_bytes()
    return files


def render_files(kb: KnowledgeBase, repo_url: str | None = None) -> dict[str, str | bytes]:
    """Every page as Markdown plus the site's other files and each error's record: the export for any engine."""
    return {**render_pages(kb, repo_url), **site_files(kb), **dict(error_documents(kb))}


def _provider_links(kb: KnowledgeBase) -> dict[str, list[dict]]:
    """Per provider: for a tool, the providers it calls; for an API, the tools that call it (slug and name)."""
    allies = allied_providers({slug: provider.data for slug, provider in kb.providers.items()})
    return {slug: sorted(({"slug": other, "name": kb.providers[other].name} for other in others),
                         key=lambda p: p["name"].casefold())
            for slug, others in allies.items()}


def nav_for(kb: KnowledgeBase, extra_pages: list[tuple[str, str]]) -> list:
    """Navigation with index pages only: home, the APIs, the tools that call them, then hand-written pages."""
    apis = [{html.escape(p.name): f"{slug}/index.md"} for slug, p in sorted(kb.providers.items()) if not p.is_tool]
    tools = [{html.escape(p.name): f"{slug}/index.md"} for slug, p in sorted(kb.providers.items()) if p.is_tool]
    nav: list = [{"Home": "index.md"}, {"Providers": apis}]
    if tools:
        nav.append({"Tools": tools})
    nav.extend({title: path} for title, path in extra_pages)
    return nav
