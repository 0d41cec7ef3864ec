"""Show one error's page in a terminal (`errorkb explain ID`), sections in the same order as on the site.

Built from Rich renderables holding plain Text, never Rich markup or Markdown, so
nothing in a YAML field is read as formatting: it is shown as written. `code` spans
in prose are highlighted.  Every value is passed through terminal_safe first (Rich lets
escape sequences through), so no field can drive the terminal.
"""

from __future__ import annotations


from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.syntax import Syntax
from rich.text import Text

from ..diagnostics import terminal_safe
from ..kb import ErrorEntry, KnowledgeBase
from . import markup
from .display import PLATFORM_NAMES


def _shown(value):
    """The YAML data with every string made safe for a terminal (line feeds kept)."""
    if isinstance(value, str):
        return terminal_safe(value, keep_lines=True)
    if isinstance(value, list):
        return [_shown(item) for item in value]
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    return value


def prose(value: str) -> Text:
    """Prose with `code` spans styled, everything else literal (parsed by markup, as on the site)."""
    text = Text()
    for index, paragraph in enumerate(markup.split_paragraphs(value)):
        if index:
            text.append("\n\n")
        for is_code, piece in markup.segments(paragraph):
            text.append(piece, style="bold cyan" if is_code else None)
    return text


def _items(values: list[str], numbered: bool = False) -> Group:
    lines = []
    for number, value in enumerate(values, 1):
        bullet = Text(f"{number}. " if numbered else "• ", style="bold")
        lines.append(bullet + prose(value))
    return Group(*lines)


def _heading(title: str) -> Rule:
    return Rule(Text(title, style="bold"), align="left")


def renderables(entry: ErrorEntry, kb: KnowledgeBase, base_url: str = "") -> list:
    data = _shown(entry.data)
    provider = _shown(kb.providers[entry.provider].name if entry.provider in kb.providers else entry.provider)
    signature = data["signature"]
    facts = [f"HTTP {signature['http_status']}" if signature.get("http_status") else None,
             f"type {signature['error_type']}" if signature.get("error_type") else None,
             f"code {signature['error_code']}" if signature.get("error_code") else None]
    parts: list = [
        Text(data["title"], style="bold underline"),
        Text(f"{provider} · {', '.join(data['tags'])} · {entry.id}", style="dim"),
        Panel(Text(signature["text"]), title="Signature", subtitle=", ".join(f for f in facts if f) or None),
        Panel(prose(data["quick_fix"]), title="Quick fix", border_style="green"),
        prose(data["summary"]),
        Text(f"Last updated {data['updated']}", style="dim"),
        _heading("What this error means"), prose(data["what_it_means"]),
        _heading("Why this happens"), prose(data["why_it_happens"]),
        _heading("Common causes"), _items(data["common_causes"]),
        _heading("Quick fixes"), _items(data["quick_fixes"]),
        _heading("Copy-paste commands"),
    ]
    for command in data["commands"]:
        bash_only = command.get("shells") and "zsh" not in command["shells"]
        parts.append(Text(command["title"] + ("  (bash only: in zsh, type bash first)" if bash_only else ""),
                          style="bold"))
        parts.append(Syntax(command["run"].rstrip("\n"), "bash", word_wrap=True))
        parts.append(prose(command["reading"]))
        if command.get("output"):
            parts.append(Panel(Text(command["output"].rstrip("\n")), title="Output to expect", title_align="left"))
    if data.get("platform_fixes"):
        parts.append(_heading("Platform-specific fixes"))
        for platform, fixes in data["platform_fixes"].items():
            parts.extend([Text(PLATFORM_NAMES[platform], style="bold"), _items(fixes)])
    if data.get("real_world_fixes"):
        parts.extend([_heading("Real-world fixes"), _items(data["real_world_fixes"])])
    parts.extend([_heading("Step-by-step troubleshooting"), _items(data["troubleshooting"], numbered=True),
                  _heading("How to prevent it"), _items(data["prevention"])])
    if data.get("related"):
        parts.extend([_heading("Related errors"), Text("\n".join(data["related"]))])
    parts.append(_heading("FAQ"))
    for item in data["faq"]:
        parts.extend([Text(item["question"], style="bold"), prose(item["answer"])])
    if data.get("sources"):
        parts.extend([_heading("Sources"),
                      Text("\n".join(f"{source['title']}: {source['url']}" for source in data["sources"]))])
    if base_url:
        parts.append(Text(f"\n{base_url.rstrip('/')}/{entry.url}", style="dim"))
    return parts


def explain(entry: ErrorEntry, kb: KnowledgeBase, console: Console, base_url: str = "") -> None:
    """Print the page; through a pager when the console is an interactive terminal."""
    group = Group(*renderables(entry, kb, base_url))
    if console.is_terminal:
        with console.pager(styles=True):
            console.print(group)
    else:
        console.print(group)
