"""Build, serve and write out the site: the MkDocs side of the `errorkb` command line.

`build_site` builds strictly (a MkDocs warning fails it) into a staging folder next to the
target and swaps it into place only when the build succeeded, so a failed build leaves the
previous site untouched.  It refuses a target that is or holds the project, lies in or holds
the errors or docs folder, or is a folder errorkb did not build (every site and staging folder
carries the SITE_MARKER file), and removes nothing else.  Builds into one folder take turns
under a lock on its parent; staging folders left by a killed build are removed by the next; the new site
replaces the old in one atomic exchange (renameat2), so no moment shows a missing page.  `serve_site` serves with live reload, rebuilding when the errors
folder, the templates or the docs change.  Both hand the project's errors folder, and the
knowledge base already loaded from it, to the errorkb plugin (`mkdocs_config`), so what was
validated is what is built.  `write_pages` writes the rendered pages and the hand-written docs
to a folder for any other static-site engine.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from ..kb import KnowledgeBase, LoadCache, ValidationFailed, load_knowledge_base
from ..project import Project
from .render import render_files


class SiteError(Exception):
    """The site could not be built; the message says why."""


def show_mkdocs_messages(level: int) -> None:
    """Print MkDocs' log messages at `level` and above to stderr, as the mkdocs command does."""
    logger = logging.getLogger("mkdocs")
    handler = next((h for h in logger.handlers if getattr(h, "errorkb", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.errorkb = True
        logger.addHandler(handler)
    handler.setLevel(level)
    logger.setLevel(min(level, logging.WARNING))  # warnings must still reach the strict-mode counters


class _WarningCounter(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def mkdocs_config(project: Project, site_dir: Path, kb: KnowledgeBase | None = None, **options):
    """MkDocs' configuration of the project, its errorkb plugin set to build the project's errors folder
    (from `kb` when it was already loaded from there)."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    config = load_config(str(project.config_file), site_dir=str(site_dir), **options)
    plugin = config.plugins.get("errorkb")
    if plugin is None:
        raise ConfigurationError(f"{project.config_file} does not list the errorkb plugin under plugins:")
    plugin.use(project.errors_dir, kb)
    return config


SITE_MARKER = ".errorkb-site"   # in every folder errorkb builds a site into; only such folders are ever removed
_MARKER_TEXT = "Built by errorkb. errorkb replaces or removes only folders holding this file.\n"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_target(project: Project, site_dir: Path) -> None:
    """Raise SiteError if building into site_dir could replace anything errorkb did not build."""
    target = site_dir.resolve()
    shown = str(site_dir)
    root = project.config_file.resolve().parent
    if _inside(root, target):
        raise SiteError(f"refusing to build into {shown}: it {'is' if target == root else 'holds'} the project "
                        f"folder {root}; build into a folder of its own, such as site/")
    for name, folder in (("errors", project.errors_dir), ("docs", project.docs_dir)):
        folder = folder.resolve()
        if _inside(target, folder) or _inside(folder, target):
            relation = "is" if target == folder else ("lies inside" if _inside(target, folder) else "holds")
            raise SiteError(f"refusing to build into {shown}: it {relation} the {name} folder {folder}")
    home = Path.home().resolve()
    if _inside(home, target):
        raise SiteError(f"refusing to build into {shown}: it {'is' if target == home else 'holds'} your home "
                        f"folder")
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise SiteError(f"refusing to build into {shown}: it is not a folder")
        if any(target.iterdir()) and not _is_previous_site(target):
            raise SiteError(f"refusing to build into {shown}: the folder exists and is not a site errorkb built "
                            f"(it has no {SITE_MARKER} file); choose another folder or empty it yourself")


def _is_previous_site(folder: Path) -> bool:
    """A site errorkb built: it has the marker (or, built before the marker existed, errorkb's own files)."""
    if (folder / SITE_MARKER).is_file():
        return True
    return all((folder / name).is_file() for name in ("index.html", "errors.json", "match-index.json"))


@contextlib.contextmanager
def _signals_held():
    """SIGTERM and SIGINT wait (in the main thread) until the block is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _new_staging(site_dir: Path, kind: str) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.{kind}-", dir=site_dir.parent))
    (staging / SITE_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    return staging


def _remove_stale_staging(site_dir: Path) -> None:
    """Staging folders of builds that were killed (only errorkb's, by name and marker)."""
    for kind in ("building", "old"):
        for folder in site_dir.parent.glob(f".{site_dir.name}.{kind}-*"):
            if folder.is_dir() and not folder.is_symlink() and (folder / SITE_MARKER).is_file():
                shutil.rmtree(folder, ignore_errors=True)


def build_site(project: Project, site_dir: Path, kb: KnowledgeBase | None = None) -> None:
    """Build the site into site_dir atomically; raise SiteError on any failure, warning or unsafe target."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    check_target(project, site_dir)
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    show_mkdocs_messages(logging.ERROR)
    lock = os.open(site_dir.parent, os.O_RDONLY)   # a lock on the parent folder: no lock file left behind
    staging: Path | None = None
    counter = _WarningCounter()
    mkdocs_logger = logging.getLogger("mkdocs")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)     # builds into one folder take turns
        check_target(project, site_dir)      # what the previous holder of the lock left
        _remove_stale_staging(site_dir)
        with _signals_held():   # a SIGTERM now would leave a folder nobody knows to remove
            staging = _new_staging(site_dir, "building")
        mkdocs_logger.addHandler(counter)
        try:
            config = mkdocs_config(project, staging, kb, strict=True)
            build(config)  # strict: any warning ends in Abort, whose message the counter's lines complete
        except (Abort, MkDocsException) as error:
            detail = str(error).strip() or type(error).__name__
            if counter.messages:
                detail += "\n" + "\n".join(counter.messages)
            raise SiteError(detail) from None
        (staging / SITE_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")   # the build cleaned the folder
        _swap_into_place(staging, site_dir)   # staging then holds the old site, or nothing
    finally:
        mkdocs_logger.removeHandler(counter)
        if staging is not None:   # a failed, interrupted or finished build: what is left there is not a site
            shutil.rmtree(staging, ignore_errors=True)
        os.close(lock)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))


def _swap_into_place(staging: Path, site_dir: Path) -> None:
    """Put the staging folder at site_dir; the old site (errorkb's, see check_target) ends up at `staging`, which
    the caller removes."""
    os.chmod(staging, 0o755)
    if not site_dir.exists():
        os.rename(staging, site_dir)
    elif not _exchange(staging, site_dir):   # where exchange is impossible: two renames, a moment apart
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        os.rmdir(old)
        os.rename(site_dir, old)
        os.rename(staging, site_dir)
        os.rename(old, staging)


def _inputs_stamp(project: Project) -> tuple:
    """What, besides the error files, a site is built from (the configuration, docs/, the templates and assets),
    as the name, size and modification time of each file: when it changes, only a full build will do."""
    stamp = []
    package = Path(__file__).parent   # errorkb/publish: its templates and assets
    for root in (project.docs_dir, package / "templates", package / "assets"):
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    stamp.append((str(path), stat.st_size, stat.st_mtime_ns))
    if project.config_file.is_file():
        stat = project.config_file.stat()
        stamp.append((str(project.config_file), stat.st_size, stat.st_mtime_ns))
    return tuple(stamp)


class LiveSite:
    """The site `errorkb serve` shows, and how it is rebuilt after an edit.

    An edit to error files that adds or removes none and leaves the providers alone rebuilds only what it
    touches (the plugin's `rebuild_errors`): the files are read again only where they changed (kb.LoadCache).
    Anything else (a new or deleted error, a provider, docs/, mkdocs.yml, the templates) rebuilds the whole
    site.  When the edited files have problems, they are logged and the site stays as it was."""

    def __init__(self, project: Project, site_dir: Path, address: str, cache: LoadCache | None = None):
        self.project = project
        self.site_dir = site_dir
        self.address = address
        self.cache = cache or LoadCache()
        self.serve_url = ""
        self.plugin = None
        self.stamp: tuple = ()
        self.log = logging.getLogger("mkdocs.errorkb")

    def full_build(self, config=None, kb: KnowledgeBase | None = None) -> None:
        from mkdocs.commands.build import build

        self.stamp = _inputs_stamp(self.project)
        if config is None:
            config = mkdocs_config(self.project, self.site_dir, kb, dev_addr=self.address)
        host, port = config.dev_addr
        self.serve_url = f"http://{host}:{port}/"
        config.site_url = self.serve_url
        self.plugin = config.plugins.get("errorkb")
        build(config, serve_url=self.serve_url)

    def rebuild(self) -> None:
        """After a change: rebuild what it touches, or everything."""
        started = time.perf_counter()
        try:
            kb = load_knowledge_base(self.project.errors_dir, cache=self.cache)
        except ValidationFailed as failure:
            for problem in failure.problems:
                self.log.error(str(problem))
            self.log.error(f"errorkb: {len(failure.problems)} problem(s) in the error files; the site shows them "
                           f"as they were before")
            return
        changed = self.plugin.changed_errors(kb) if self.plugin is not None else None
        if changed is None or _inputs_stamp(self.project) != self.stamp:
            self.full_build(kb=kb)
            return
        if not changed:
            return
        pages = self.plugin.rebuild_errors(kb, changed)
        self.log.info(f"Rebuilt {len(pages)} page{'s' * (len(pages) != 1)} for {', '.join(changed)} in "
                      f"{time.perf_counter() - started:.2f} seconds")


def serve_site(project: Project, address: str, kb: KnowledgeBase | None = None,
               cache: LoadCache | None = None) -> None:
    """Serve the site with live reload: a change under the errors folder, the templates or docs/ rebuilds what
    it touches (see LiveSite).  `cache`: what loading `kb` read, so that the first rebuild reads only what
    changed."""
    from mkdocs.livereload import LiveReloadServer

    show_mkdocs_messages(logging.INFO)
    site_dir = Path(tempfile.mkdtemp(prefix="errorkb-serve-"))
    live = LiveSite(project, site_dir, address, cache)
    config = mkdocs_config(project, site_dir, kb, dev_addr=address)
    host, port = config.dev_addr

    def builder(config=None):
        if config is None:
            live.rebuild()
        else:
            live.full_build(config)

    server = LiveReloadServer(builder=builder, host=host, port=port, root=str(site_dir), mount_path="/")

    def error_page(code: int) -> bytes | None:
        page = site_dir / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    server.error_handler = error_page
    try:
        builder(config)
        server.watch(config.docs_dir)
        server.watch(str(project.config_file))
        config.plugins.on_serve(server, config=config, builder=builder)
        try:
            server.serve()
        except KeyboardInterrupt:
            logging.getLogger("mkdocs").info("Shutting down...")
        finally:
            if live.plugin is not None:
                live.plugin.on_shutdown()
            server.shutdown()
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)


def write_pages(kb: KnowledgeBase, out_dir: Path, docs_dir: Path | None, repo_url: str | None = None) -> list[str]:
    """Write hand-written docs (if given) and every rendered page into out_dir; return the paths written."""
    files = render_files(kb, repo_url)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if docs_dir is not None and docs_dir.is_dir():
        for source in sorted(docs_dir.rglob("*")):
            relative = source.relative_to(docs_dir).as_posix()
            if source.is_file() and relative not in files:
                target = out_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                written.append(relative)
    for relative, content in sorted(files.items()):
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        written.append(relative)
    return written


def export_project(project: Project, kb: KnowledgeBase, out_dir: Path, with_docs: bool = True) -> list[str]:
    """The site as a plain MkDocs project other engines read (MkDocs with Material, Zensical): the pages in
    out_dir/docs and out_dir/mkdocs.yml, the project's configuration without the errorkb plugin, with the same
    navigation written out, and the theme's own search plugin in place of errorkb's Pagefind search.  Returns the paths written, relative to out_dir."""
    written = ["docs/" + path for path in write_pages(kb, out_dir / "docs", project.docs_dir if with_docs else None,
                                                      project.repo_url)]
    (out_dir / "mkdocs.yml").write_text(_export_config(project, kb), encoding="utf-8")
    return written + ["mkdocs.yml"]


def _export_config(project: Project, kb: KnowledgeBase) -> str:
    import yaml
    from mkdocs.utils.yaml import yaml_load

    from .render import nav_for

    config: dict = {}
    if project.config_file.is_file():
        with project.config_file.open(encoding="utf-8") as handle:
            config = yaml_load(handle) or {}
    plugins, extra, errorkb_search = [], [], False
    for item in config.get("plugins") or []:
        if isinstance(item, dict) and "errorkb" in item:
            options = item["errorkb"] or {}
            extra = [(title, path) for entry in options.get("extra_nav", []) for title, path in entry.items()]
            errorkb_search = options.get("search", True)
        elif item == "errorkb":
            errorkb_search = True
        else:
            plugins.append(item)
    if errorkb_search:   # errorkb's Pagefind search needs errorkb: the plain project gets the theme's own search
        plugins.insert(0, "search")
    config["plugins"] = plugins
    config["docs_dir"] = "docs"
    config["nav"] = nav_for(kb, extra)
    theme = config.get("theme")
    docs = project.docs_dir.resolve()
    if isinstance(theme, dict) and theme.get("custom_dir"):
        custom = (project.config_file.parent / theme["custom_dir"]).resolve()
        if custom == docs or docs in custom.parents:
            theme["custom_dir"] = "docs/" + custom.relative_to(docs).as_posix()
    return ("# Written by `errorkb render`: the errorkb site as a plain MkDocs project (no errorkb plugin).\n"
            + yaml.dump(config, sort_keys=False, allow_unicode=True))
