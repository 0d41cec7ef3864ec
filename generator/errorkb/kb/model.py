"""The knowledge base as the rest of errorkb sees it: providers, errors and where each value was written."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .yamlsafe import YamlDocument


@dataclass
class Provider:
    slug: str
    path: Path
    data: dict
    document: YamlDocument | None = None

    @property
    def is_tool(self) -> bool:
        return self.data.get("kind") == "tool"

    @property
    def name(self) -> str:
        return self.data["name"]


@dataclass
class ErrorEntry:
    id: str
    provider: str
    slug: str
    path: Path
    source: str          # the path as shown in messages and edit links: errors/openai/x.yaml
    data: dict
    document: YamlDocument

    @property
    def url(self) -> str:
        """Site-relative URL of the page, without a leading slash."""
        return f"{self.id}/"

    @property
    def shown_path(self) -> str:
        """The file's path as diagnostics show it."""
        return display_path(self.path)

    def position(self, *path, key: bool = False) -> tuple[int, int]:
        return self.document.position(tuple(path), key=key)


@dataclass
class KnowledgeBase:
    errors_dir: Path
    providers: dict[str, Provider]
    errors: list[ErrorEntry]

    def by_id(self) -> dict[str, ErrorEntry]:
        return {entry.id: entry for entry in self.errors}

    def errors_of(self, provider: str) -> list[ErrorEntry]:
        return [entry for entry in self.errors if entry.provider == provider]

    def drop_sources(self) -> None:
        """Forget each file's text and the position of each value, once the knowledge base is valid: publishing
        needs only the data, and they are about half of its memory (300 MB at 10,000 errors)."""
        for item in [*self.errors, *self.providers.values()]:
            if item.document is not None:
                item.document = YamlDocument(item.document.data)


def allied_providers(providers: dict[str, dict]) -> dict[str, set[str]]:
    """Per provider slug (providers: slug -> its _provider.yaml data), its allies: for a tool, the providers it
    `calls`; for an API, the tools that call it.  Only slugs among `providers`, never a provider itself."""
    allies: dict[str, set[str]] = {slug: set() for slug in providers}
    for slug, data in providers.items():
        for called in (data or {}).get("calls") or []:
            if called in providers and called != slug:
                allies[slug].add(called)
                allies[called].add(slug)
    return allies


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies inside it, as diagnostics show it (a link is
    shown as the link, not where it leads)."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(os.path.abspath(os.getcwd())))
    except ValueError:
        return str(path)
