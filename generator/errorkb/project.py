"""Where a project's things are: the one place that says which errors folder, config and site address to use.

`load_project(config_file, errors_dir)` reads mkdocs.yml once.  The errors folder is, in order:
the `--errors` option, the errorkb plugin's `errors_dir` in mkdocs.yml (relative to that file),
or `errors` next to it.  Every command uses the Project it returns, and a build hands the same
errors folder (and the knowledge base already loaded from it) to the MkDocs plugin, so what is
validated is what is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ProjectError(Exception):
    """mkdocs.yml cannot be read; the message says why."""


@dataclass(frozen=True)
class Project:
    config_file: Path          # mkdocs.yml (it need not exist for validate, check, match, explain, export)
    errors_dir: Path
    docs_dir: Path
    site_url: str              # ends with "/"
    repo_url: str | None


def _plugin_settings(plugins) -> dict:
    for item in plugins or []:
        if isinstance(item, dict) and "errorkb" in item:
            return item["errorkb"] or {}
    return {}


def load_project(config_file: Path = Path("mkdocs.yml"), errors_dir: Path | None = None) -> Project:
    """The project around `config_file`; `errors_dir` (the --errors option) wins over mkdocs.yml."""
    settings: dict = {}
    if config_file.is_file():
        from mkdocs.utils.yaml import yaml_load
        import yaml

        try:
            with config_file.open(encoding="utf-8") as handle:
                loaded = yaml_load(handle)
        except (OSError, yaml.YAMLError) as error:
            raise ProjectError(f"cannot read {config_file}: {error}") from None
        settings = loaded if isinstance(loaded, dict) else {}
    base = config_file.parent
    plugin = _plugin_settings(settings.get("plugins"))
    if errors_dir is None:
        errors_dir = base / str(plugin.get("errors_dir", "errors"))
    return Project(
        config_file=config_file,
        errors_dir=errors_dir,
        docs_dir=base / str(settings.get("docs_dir", "docs")),
        site_url=str(settings.get("site_url") or "").rstrip("/") + "/",
        repo_url=str(settings["repo_url"]) if settings.get("repo_url") else None,
    )
