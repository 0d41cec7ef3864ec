"""The `errorkb` command line: validate, build, serve, render, export, check, match, explain, new.

Every command but `new` reads and validates the errors folder first and, on problems, prints one
`path:line:column: CODE message` line each to stderr (or, with --format github, a GitHub annotation on
stdout) and exits with status 1; `new` does not need the folder to be valid (another draft may be
unfinished).  Usage errors exit with status 2.  No command prints a traceback for bad input.  Where the
errors folder is, and the rest of the project's settings, come from errorkb.project, read once.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .diagnostics import github_annotation, terminal_safe
from .kb import KnowledgeBase, LoadCache, ValidationFailed, load_knowledge_base
from .kb.model import display_path
from .project import Project, ProjectError, load_project


def _print_problems(problems: list, output_format: str) -> None:
    """Each problem as `path:line:column: CODE message` on stderr, or, with --format github, as a GitHub Actions
    annotation on stdout (where the runner reads workflow commands); then how many, in how many files."""
    for problem in problems:
        if output_format == "github":
            print(github_annotation(problem))
        else:
            print(problem, file=sys.stderr)
    count = len(problems)
    files = len({problem.path for problem in problems})
    print(f"errorkb: {count} problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}",
          file=sys.stderr)


def _load(project: Project, output_format: str = "text", cache: LoadCache | None = None) -> KnowledgeBase | None:
    try:
        return load_knowledge_base(project.errors_dir, cache=cache)
    except ValidationFailed as failure:
        _print_problems(failure.problems, output_format)
        return None


def cmd_validate(args, project: Project, kb: KnowledgeBase) -> int:
    from .kb.lint import lint

    vectors = args.vectors
    if vectors is not None and not vectors.is_dir():
        print(f"errorkb: --vectors {terminal_safe(str(vectors))} is not a folder", file=sys.stderr)
        return 2
    report = lint(kb, vectors)
    if args.verbose:
        for finding, reason in report.silenced:
            print(f"{finding}\n    silenced in the file: {terminal_safe(reason)}")
        for skipped in report.skipped:
            print(f"errorkb: {skipped}")
    if report.problems:
        _print_problems(report.problems, args.format)
        return 1
    errors, providers = len(kb.errors), len(kb.providers)
    print(f"errorkb: {errors} error{'s' * (errors != 1)} from {providers} provider{'s' * (providers != 1)} "
          f"{'are' if errors != 1 else 'is'} valid")
    return 0


def cmd_build(args, project: Project, kb: KnowledgeBase) -> int:
    from .publish.site import SiteError, build_site

    kb.drop_sources()
    try:
        build_site(project, args.site_dir, kb)
    except SiteError as error:
        print(f"errorkb: build failed, {args.site_dir} was left as it was:\n{error}", file=sys.stderr)
        return 1
    print(f"errorkb: site built in {args.site_dir}")
    return 0


def cmd_serve(args, project: Project, kb: KnowledgeBase) -> int:
    from .publish.site import serve_site

    serve_site(project, args.address, kb, args.load_cache)
    return 0


def cmd_render(args, project: Project, kb: KnowledgeBase) -> int:
    from dataclasses import replace

    from .publish.site import export_project

    if args.docs is not None:
        project = replace(project, docs_dir=args.docs)
    written = export_project(project, kb, args.out, with_docs=not args.pages_only)
    print(f"errorkb: wrote {len(written)} files to {args.out} (build it with: mkdocs build -f {args.out / 'mkdocs.yml'})")
    return 0


def cmd_export(args, project: Project, kb: KnowledgeBase) -> int:
    from .publish.render import export_json

    sys.stdout.write(export_json(kb))
    return 0


def _ids_of(arguments: list[str], kb: KnowledgeBase) -> list[str]:
    """Error ids from what `check` was given: ids, or paths (as pre-commit passes the changed files): an error
    file is its id, a _provider.yaml every error of its provider, any other file nothing."""
    ids: list[str] = []
    root = kb.errors_dir.resolve()
    for argument in arguments:
        path = Path(argument)
        if path.suffix != ".yaml":
            ids.append(argument)
            continue
        resolved = path.resolve()
        if resolved.parent.parent != root:
            continue
        provider = resolved.parent.name
        if resolved.name == "_provider.yaml":
            ids.extend(entry.id for entry in kb.errors_of(provider))
        else:
            ids.append(f"{provider}/{resolved.stem}")
    return list(dict.fromkeys(ids))


def cmd_check(args, project: Project, kb: KnowledgeBase) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .search import index_for
    from .verify.checks import (SCENARIO_TIMEOUT_SECONDS, coverage_failures, run_scenario, scenario_items,
                                static_failures)
    from .verify.sandbox import isolation_problem
    from .verify.selection import SelectionError, changed_errors, changed_files, parse_shard, shard

    by_id = kb.by_id()
    wanted = _ids_of(args.ids, kb)
    unknown = [error_id for error_id in wanted if error_id not in by_id]
    if unknown:
        print(f"errorkb: no error with id {terminal_safe(', '.join(unknown))}", file=sys.stderr)
        return 2
    if args.ids and not wanted:
        print("errorkb: none of the files given is an error file or a _provider.yaml: nothing to check",
              file=sys.stderr)
        return 0
    entries = [by_id[error_id] for error_id in wanted] if args.ids else list(kb.errors)
    try:
        if args.changed is not None:
            changed, reason = changed_errors(kb, changed_files(args.changed, project.errors_dir),
                                             Path(__file__).resolve().parent)
            changed_ids = {entry.id for entry in changed}
            entries = [entry for entry in entries if entry.id in changed_ids]
            print(f"errorkb: --changed {terminal_safe(args.changed)}: {terminal_safe(reason)}", file=sys.stderr)
        if args.shard is not None:
            number, total = parse_shard(args.shard)
            entries = shard(entries, number, total)
            print(f"errorkb: shard {number}/{total}: {len(entries)} error(s)", file=sys.stderr)
    except SelectionError as error:
        print(f"errorkb: {terminal_safe(str(error))}", file=sys.stderr)
        return 2
    problem = isolation_problem()
    if problem and not args.unsafe_no_sandbox:
        print(f"errorkb: cannot isolate contributed commands here: {problem}.\n"
              "errorkb: refusing to run them; --unsafe-no-sandbox runs them anyway, with only a throwaway HOME "
              "and process group between them and this machine", file=sys.stderr)
        return 2
    if problem:
        print(f"errorkb: WARNING: running contributed commands WITHOUT a sandbox ({problem})", file=sys.stderr)

    items = scenario_items(entries)
    index = index_for(kb)
    static_checks = [f"{entry.id}#{number}" for entry in entries for number in range(len(entry.data["commands"]))]
    console = Console(stderr=True)
    failures = static_failures(entries)
    outcomes = []
    with Progress(TextColumn("checking commands"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("scenarios", total=len(items))
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            timeout = args.timeout or SCENARIO_TIMEOUT_SECONDS
            for outcome in pool.map(lambda item: run_scenario(item, index, timeout=timeout,
                                                              isolate=problem is None), items):
                progress.advance(task)
                outcomes.append(outcome)
                if outcome.failure is not None:
                    failures.append(outcome.failure)
    failures.extend(coverage_failures(entries, outcomes))
    for failure in failures:
        print(github_annotation(failure) if args.format == "github" else failure,
              file=sys.stdout if args.format == "github" else sys.stderr)
    total = len(items) + len(static_checks) + len(entries)
    failed = len({failure.subject for failure in failures})
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failures else 0


def cmd_match(args, project: Project, kb: KnowledgeBase) -> int:
    import json

    from .publish.render import new_issue_url
    from .search import index_for, match

    if args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            print(f"errorkb: cannot read {terminal_safe(args.file)}: {error.strerror}", file=sys.stderr)
            return 2
    results = [dict(result, url=project.site_url + result["url"].lstrip("/"))
               for result in match(index_for(kb), text, args.top)]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    elif results:
        for rank, result in enumerate(results, 1):
            print(f"{rank}. {result['id']}  (score {result['score']})  {terminal_safe(result['title'])}")
            print(f"   {terminal_safe(result['url'])}")
            masked = f"  (masked: {', '.join(result['masks'])})" if result["masks"] else ""
            print(f"   matched: {terminal_safe(result['matched'])}{masked}")
    else:
        print(NO_MATCH_HELP.format(issues=new_issue_url(project.repo_url)))
    return 0 if results else 1


NO_MATCH_HELP = """No error in errorkb matches this text.
To add it, write errors/<provider>/<slug>.yaml (see docs/contributing.md) or ask for it: {issues}"""


def _read_providers(errors_dir: Path) -> dict[str, dict]:
    """The data of every _provider.yaml that reads as a mapping, by folder name; the others are left out (a new
    error does not need the whole knowledge base to be valid: another draft may still be unfinished)."""
    from .kb.yamlsafe import read_yaml_file

    providers = {}
    for path in sorted(errors_dir.glob("*/_provider.yaml")) if errors_dir.is_dir() else []:
        document, _ = read_yaml_file(path, str(path))
        if document is not None and isinstance(document.data, dict):
            providers[path.parent.name] = document.data
    return providers


def cmd_new(args, project: Project, kb: None) -> int:
    import datetime as dt

    from .kb.scaffold import ID, Draft, error_draft, propose_from_log, provider_draft, vector_file

    log = None
    draft = None
    if args.from_log is not None:
        try:
            log = sys.stdin.read() if args.from_log == "-" else Path(args.from_log).read_text(encoding="utf-8",
                                                                                           errors="replace")
        except OSError as error:
            print(f"errorkb: cannot read {terminal_safe(args.from_log)}: {error.strerror}", file=sys.stderr)
            return 2
        draft, why_not = propose_from_log(log, _read_providers(project.errors_dir))
        if draft is None:
            print(f"errorkb: {why_not}: nothing to start from", file=sys.stderr)
            return 2
        if args.id is None and not draft.provider:
            print(f"errorkb: {why_not}: name the error, as in errorkb new --from-log FILE openai/{draft.slug}",
                  file=sys.stderr)
            return 2
    if args.id is None and draft is None:
        print("errorkb: name the new error (PROVIDER/SLUG, such as openai/invalid-api-key) or give --from-log FILE",
              file=sys.stderr)
        return 2
    if args.id is not None:
        match = ID.match(args.id)
        if match is None:
            print(f"errorkb: '{terminal_safe(args.id)}' is not an error id: write PROVIDER/SLUG, lower-case letters "
                  "and digits joined by '-', such as openai/invalid-api-key", file=sys.stderr)
            return 2
        draft = draft or Draft(provider="", slug="")
        draft.provider, draft.slug = match.groups()
    draft.signature = args.signature or draft.signature
    draft.title = args.title or draft.title
    folder = project.errors_dir / draft.provider
    target = folder / f"{draft.slug}.yaml"
    vectors = (args.vectors or project.errors_dir.parent / "tests" / "search" / "vectors") / draft.provider / \
        f"{draft.slug}.yaml"
    for existing in [target, *([vectors] if log is not None else [])]:
        if existing.exists() or existing.is_symlink():
            print(f"errorkb: {terminal_safe(display_path(existing))} already exists; errorkb new never overwrites a "
                  "file: edit it, or choose another id", file=sys.stderr)
            return 2
    written = []
    if not (folder / "_provider.yaml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        _write_new(folder / "_provider.yaml", provider_draft(draft.provider))
        written.append(folder / "_provider.yaml")
    _write_new(target, error_draft(draft, dt.date.today()))
    written.append(target)
    if log is not None:
        vectors.parent.mkdir(parents=True, exist_ok=True)
        _write_new(vectors, vector_file(draft, log))
        written.append(vectors)
    for path in written:
        print(f"errorkb: wrote {terminal_safe(display_path(path))}")
    print(f"errorkb: next, write every FILL-IN in {terminal_safe(display_path(target))}; errorkb validate names "
          "each one left, then: errorkb check " + draft.id)
    return 0


def _write_new(path: Path, text: str) -> None:
    """Create `path` with `text`; never replace a file (mode x), never leave half a file."""
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)


def cmd_explain(args, project: Project, kb: KnowledgeBase) -> int:
    from rich.console import Console

    from .publish.explain import explain

    entry = kb.by_id().get(args.id)
    if entry is None:
        import difflib

        close = difflib.get_close_matches(args.id, sorted(kb.by_id()), n=1)
        hint = f": did you mean '{close[0]}'?" if close else ""
        print(f"errorkb: no error with id '{terminal_safe(args.id)}'{hint}", file=sys.stderr)
        return 2
    explain(entry, kb, Console(), project.site_url)
    return 0


def _positive(text: str) -> int:
    """A whole number of 1 or more, for options that count."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"errorkb: {terminal_safe(message)}", file=sys.stderr)
        raise SystemExit(2)


FORMAT_HELP = ("text: path:line:column: CODE message on stderr (default); github: GitHub Actions annotations "
               "(::error file=...,line=...::) on stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="errorkb", description="Knowledge base of developer error messages.")
    parser.add_argument("--errors", type=Path, default=None,
                        help="folder of error files (default: the errorkb plugin's errors_dir in mkdocs.yml, "
                             "or errors)")
    parser.add_argument("-f", "--config", type=Path, default=Path("mkdocs.yml"),
                        help="the MkDocs configuration (default: mkdocs.yml)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check every error file; list every problem")
    validate.add_argument("--vectors", type=Path, default=None, metavar="DIR",
                          help="test vectors (tests/search/vectors): also report patterns that match another "
                               "error's vectors (EKB331)")
    validate.add_argument("-v", "--verbose", action="store_true",
                          help="also print the findings files silenced, with their reasons, and skipped rules")
    validate.add_argument("--format", choices=("text", "github"), default="text", help=FORMAT_HELP)
    validate.set_defaults(run=cmd_validate)

    build = commands.add_parser("build", help="validate, then build the site strictly and atomically")
    build.add_argument("-f", "--config", type=Path, default=argparse.SUPPRESS, help="the MkDocs configuration")
    build.add_argument("-d", "--site-dir", type=Path, default=Path("site"))
    build.set_defaults(run=cmd_build)

    serve = commands.add_parser("serve", help="validate, then serve the site with live reload")
    serve.add_argument("-f", "--config", type=Path, default=argparse.SUPPRESS, help="the MkDocs configuration")
    serve.add_argument("-a", "--address", default="127.0.0.1:8000")
    serve.set_defaults(run=cmd_serve)

    render = commands.add_parser("render", help="write the site as Markdown and a mkdocs.yml, for any static-site "
                                                "engine that reads them (MkDocs, Zensical)")
    render.add_argument("--out", type=Path, required=True, help="folder to write: OUT/docs/ and OUT/mkdocs.yml")
    render.add_argument("--docs", type=Path, default=None,
                        help="hand-written pages to copy along (default: docs_dir of mkdocs.yml)")
    render.add_argument("--pages-only", action="store_true", help="write only the generated pages, no hand-written "
                                                                  "ones")
    render.set_defaults(run=cmd_render)

    check = commands.add_parser("check", help="shellcheck every command and run it against the provider mock")
    check.add_argument("ids", nargs="*", help="error ids to check, or error files (errors/<provider>/<slug>.yaml; a "
                                               "_provider.yaml stands for its provider's errors); default: all")
    check.add_argument("-j", "--jobs", type=_positive, default=8, help="scenarios run at once (default: 8)")
    check.add_argument("--timeout", type=float, default=None, help="seconds per command (default: 20)")
    check.add_argument("--changed", metavar="BASE", nargs="?", const="origin/main", default=None,
                       help="only the errors a git change since BASE touches: their files, their provider's "
                            "_provider.yaml or mock (every error when the checker changed); default BASE: origin/main")
    check.add_argument("--shard", metavar="I/N",
                       help="only shard I of N (errors in id order, dealt out in turn): one job of a CI matrix")
    check.add_argument("--unsafe-no-sandbox", action="store_true",
                       help="where commands cannot be isolated (not root, no bubblewrap), run them anyway")
    check.add_argument("--format", choices=("text", "github"), default="text", help=FORMAT_HELP)
    check.set_defaults(run=cmd_check)

    match = commands.add_parser("match", help="find the error page for a pasted log")
    match.add_argument("file", nargs="?", help="log file to read, or - for standard input (default)")
    match.add_argument("--json", action="store_true", help="print a JSON list, best match first")
    match.add_argument("--top", type=_positive, default=5, help="how many matches at most (default: 5)")
    match.set_defaults(run=cmd_match)

    new = commands.add_parser("new", help="write a draft error file to fill in (never overwrites a file)")
    new.add_argument("id", nargs="?", help="PROVIDER/SLUG of the new error (with --from-log: proposed from the log)")
    new.add_argument("--from-log", metavar="FILE", help="start from a pasted log (- for standard input): propose the "
                                                       "provider, signature and patterns, and keep the log as the "
                                                       "first test vector")
    new.add_argument("--signature", help="the exact line users see")
    new.add_argument("--title", help="the page title, such as 'OpenAI API invalid API key'")
    new.add_argument("--vectors", type=Path, default=None, metavar="DIR",
                     help="where test vectors go (default: tests/search/vectors beside the errors folder)")
    new.set_defaults(run=cmd_new, needs_kb=False)

    explain = commands.add_parser("explain", help="show an error's page in the terminal")
    explain.add_argument("id", help="error id, such as openai/invalid-api-key")
    explain.set_defaults(run=cmd_explain)

    export = commands.add_parser("export", help="print the whole knowledge base as one JSON document")
    export.set_defaults(run=cmd_export)
    return parser


def _stop(signum, frame):
    raise SystemExit(128 + signum)   # as for Ctrl-C: what a command had started is cleaned up on the way out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
    try:
        project = load_project(args.config, args.errors)
    except ProjectError as error:
        print(f"errorkb: {terminal_safe(str(error))}", file=sys.stderr)
        return 2
    args.load_cache = LoadCache() if args.run is cmd_serve else None   # serve reads again only what changed
    if getattr(args, "needs_kb", True):
        kb = _load(project, getattr(args, "format", "text"), args.load_cache)
        if kb is None:
            return 1
    else:
        kb = None
    try:
        return args.run(args, project, kb)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
