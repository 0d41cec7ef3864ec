"""Error pages as HTML, straight from the knowledge base, without a Markdown parser.

errorkb knows the structure of an error page, so `ErrorPageRenderer.render` writes the HTML that
Python-Markdown, with the site's extensions, makes of that page's Markdown export (error.md.j2):
the same elements, classes, heading ids and permanent links, and the table of contents as MkDocs
expects it.  Only code blocks go through Markdown, one fence at a time, so that highlighting is
exactly the site's (pymdownx.highlight and Pygments with their configured options).  A test builds
the site both ways and compares every error page.

For the site's search (Pagefind), the signature and the error type and code carry the highest
weight (data-pagefind-weight), so an error page comes first for its own message and codes; the
signature is also a result field (data-pagefind-meta), with which the search box puts the page
whose signature holds the whole query first when several pages share its words.  What
readers search for is the message, its codes and what it means: the title, signature, quick fix,
summary, meaning, causes, quick fixes, command titles and FAQ are indexed; commands, platform
notes, real-world fixes, troubleshooting steps, prevention, related errors and sources are marked
data-pagefind-ignore, which keeps the index a fraction of the site's size.

Every value from YAML is escaped: the Jinja2 environment autoescapes, and prose goes through
`prose_html`, which writes `code` spans as <code> and everything else as text.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field

import jinja2
import markdown
from markupsafe import Markup
from mkdocs.utils import get_relative_url

from . import markup
from .display import PLATFORM_NAMES, http_status_text, show_more
from .render import TEMPLATES_DIR, describe_scenario


_NOT_SEARCHED = ' data-pagefind-ignore'


def _searched(searched: bool) -> str:
    """The attribute that keeps an element out of the search index (Pagefind), where `searched` is false."""
    return "" if searched else _NOT_SEARCHED


def inline_html(value) -> Markup:
    """One paragraph of prose as HTML: `code` spans as <code>, the rest as text."""
    out = []
    for is_code, piece in markup.segments(" ".join(str(value).split())):
        if is_code:
            out.append(f"<code>{html.escape(piece, quote=False)}</code>" if piece else "")
        else:
            out.append(html.escape(piece, quote=False))
    return Markup("".join(out))


def prose_html(value, searched: bool = True) -> Markup:
    """Prose as paragraphs: one <p> per paragraph."""
    return Markup("\n".join(f"<p{_searched(searched)}>{inline_html(paragraph)}</p>"
                             for paragraph in markup.split_paragraphs(value)))


def list_html(items, ordered: bool = False, searched: bool = True) -> Markup:
    """A list of prose items; loose (each paragraph a <p>) when any item has several paragraphs, as
    Python-Markdown makes of the export, which writes such a list with blank lines between items."""
    split = [markup.split_paragraphs(item) for item in items]
    loose = any(len(paragraphs) > 1 for paragraphs in split)
    tag = "ol" if ordered else "ul"
    rows = []
    for paragraphs in split:
        if loose:
            body = "\n".join(f"<p>{inline_html(paragraph)}</p>" for paragraph in paragraphs)
            rows.append(f"<li>\n{body}\n</li>")
        else:
            rows.append(f"<li>{inline_html(paragraphs[0]) if paragraphs else ''}</li>")
    return Markup(f"<{tag}{_searched(searched)}>\n" + "\n".join(rows) + f"\n</{tag}>")


@dataclass
class Headings:
    """The headings of one page: their ids made unique as the toc extension makes them, and the toc tokens
    MkDocs turns into page.toc."""
    toc: "TocSettings"
    used_ids: set = field(default_factory=set)
    tokens: list = field(default_factory=list)

    def __call__(self, level: int, text, searched: bool = True) -> Markup:
        settings = self.toc
        level = min(level + settings.base_level, 6)
        inner = html.escape(" ".join(str(text).split()), quote=False)
        heading_id = _unique(settings.slugify(html.unescape(inner), settings.separator), self.used_ids)
        if settings.toc_top <= level <= settings.toc_bottom:
            self.tokens.append({"level": level, "id": heading_id, "name": inner, "html": inner,
                                "data-toc-label": "", "children": []})
        quoted_id = html.escape(heading_id, quote=True)
        if settings.anchorlink:
            inner = f'<a class="{html.escape(settings.anchorlink_class)}" href="#{quoted_id}">{inner}</a>'
        if settings.permalink not in (False, None):
            text_of_link = "&para;" if settings.permalink is True else html.escape(str(settings.permalink), quote=False)
            title = f' title="{html.escape(settings.permalink_title)}"' if settings.permalink_title else ""
            link = (f'<a class="{html.escape(settings.permalink_class)}" href="#{quoted_id}"{title}>'
                    f'{text_of_link}</a>')
            inner = link + inner if settings.permalink_leading else inner + link
        return Markup(f'<h{level} id="{quoted_id}"{_searched(searched)}>{inner}</h{level}>')

    def nested(self) -> list:
        return markdown.extensions.toc.nest_toc_tokens([dict(token, children=[]) for token in self.tokens])


def _unique(heading_id: str, used: set) -> str:
    return markdown.extensions.toc.unique(heading_id, used)


@dataclass
class TocSettings:
    """The options of the site's toc extension that shape headings (read from its treeprocessor)."""
    slugify: object
    separator: str
    base_level: int
    permalink: object
    permalink_class: str
    permalink_title: str
    permalink_leading: bool
    anchorlink: bool
    anchorlink_class: str
    toc_top: int
    toc_bottom: int

    @classmethod
    def of(cls, md: markdown.Markdown) -> "TocSettings":
        if "toc" not in md.treeprocessors:
            return cls(markdown.extensions.toc.slugify, "-", 0, False, "headerlink", "", False, False,
                       "toclink", 1, 6)
        toc = md.treeprocessors["toc"]
        return cls(toc.slugify, toc.sep, toc.base_level, toc.use_permalinks, toc.permalink_class,
                   toc.permalink_title, bool(toc.permalink_leading), bool(toc.use_anchors), toc.anchorlink_class,
                   toc.toc_top, toc.toc_bottom)


def page_url(path: str, directory_urls: bool) -> str:
    """The URL MkDocs gives the page at docs path `path`: openai/rate-limit.md is openai/rate-limit/ (or
    openai/rate-limit.html without directory URLs), openai/index.md is openai/, index.md is ./."""
    stem = path[:-len(".md")]
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return (posixpath.dirname(stem) or ".") + "/"
    return stem + "/"


_SAFE_URL = re.compile(r"^[a-z0-9./_-]*$")


@dataclass
class PageInput:
    """What one error page needs, and nothing more (it travels to worker processes)."""
    path: str                     # docs path: openai/rate-limit.md
    data: dict                    # the error's YAML
    provider: dict                # its provider's YAML
    provider_path: str            # openai/index.md
    related: list                 # [(docs path, title, summary)] in the order of `related`


class ErrorPageRenderer:
    """Renders error pages to HTML for one site configuration (Markdown extensions and URL style)."""

    def __init__(self, extensions: list, extension_configs: dict, directory_urls: bool = True):
        self.code_markdown = markdown.Markdown(extensions=extensions, extension_configs=extension_configs)
        self.toc = TocSettings.of(self.code_markdown)
        self.directory_urls = directory_urls
        self.environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                                              keep_trailing_newline=True)
        self.environment.filters.update(inline=inline_html, prose=prose_html, bullets=list_html,
                                        code_block=self.code_block)
        self.environment.globals["OUTPUT_CLASSES"] = markup.OUTPUT_CLASSES
        self.environment.globals["http_status_text"] = http_status_text
        self.environment.globals["more"] = show_more
        self.template = self.environment.get_template("error.html.j2")

    def code_block(self, value, language: str = "", search_weight: int | None = None, searched: bool = True,
                   search_meta: str | None = None, classes: tuple[str, ...] = ()) -> Markup:
        """A fenced code block as the site's Markdown extensions render it (highlighting included).  For the
        search index, its outer element can carry a weight (`search_weight`: Pagefind's data-pagefind-weight, 1
        plain text, 10 the most), be kept out (`searched`), or give its text as a result field (`search_meta`)."""
        self.code_markdown.reset()
        block = self.code_markdown.convert(str(markup.code_block(value, language, classes)))
        if search_weight is not None:
            block = re.sub(r"^<([a-z]+)", rf'<\1 data-pagefind-weight="{int(search_weight)}"', block, count=1)
        if search_meta is not None:
            block = re.sub(r"^<([a-z]+)", rf'<\1 data-pagefind-meta="{html.escape(search_meta)}"', block, count=1)
        if not searched:
            block = re.sub(r"^<([a-z]+)", rf"<\1{_NOT_SEARCHED}", block, count=1)
        return Markup(block)

    def link(self, path: str, here: str) -> str:
        url = get_relative_url(page_url(path, self.directory_urls), page_url(here, self.directory_urls))
        if not _SAFE_URL.match(url):
            raise ValueError(f"unsafe link target {url!r}")
        return url

    def render(self, page: PageInput) -> tuple[str, list]:
        """The page's HTML (the content MkDocs places in the theme) and its nested toc tokens."""
        headings = Headings(self.toc)
        related = [{"url": self.link(path, page.path), "title": title, "summary": summary}
                   for path, title, summary in page.related]
        content = self.template.render(e=page.data, provider=page.provider, heading=headings,
                                       provider_url=self.link(page.provider_path, page.path), related=related,
                                       tags_url=self.link("tags.md", page.path),
                                       platform_names=PLATFORM_NAMES, describe_scenario=describe_scenario)
        return content.strip() + "\n", headings.nested()
