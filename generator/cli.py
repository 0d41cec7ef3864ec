"""The `errorkb` command line: validate, build, serve, render, export (and, as they land, check, match, explain).

Every command that reads errors/ validates first and, on problems, prints one
`path:line:column: message` line each to stderr and exits with status 1. Usage errors
exit with status 2. No command prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .loader import KnowledgeBase, ValidationFailed, load_knowledge_base


def _load(errors_dir: Path) -> KnowledgeBase | None:
    try:
        return load_knowledge_base(errors_dir)
    except ValidationFailed as failure:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
        count = len(failure.problems)
        files = len({problem.path for problem in failure.problems})
        print(f"errorkb: {count} problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}",
              file=sys.stderr)
        return None


def cmd_validate(args) -> int:
    kb = _load(args.errors)
    if kb is None:
        return 1
    print(f"errorkb: {len(kb.errors)} errors from {len(kb.providers)} providers are valid")
    return 0


def cmd_build(args) -> int:
    from .site import SiteError, build_site

    if _load(args.errors) is None:
        return 1
    try:
        build_site(args.config, args.site_dir)
    except SiteError as error:
        print(f"errorkb: build failed, {args.site_dir} was left as it was:\n{error}", file=sys.stderr)
        return 1
    print(f"errorkb: site built in {args.site_dir}")
    return 0


def cmd_serve(args) -> int:
    from .site import serve_site

    if _load(args.errors) is None:
        return 1
    serve_site(args.config, args.address)
    return 0


def cmd_render(args) -> int:
    from .site import write_pages

    kb = _load(args.errors)
    if kb is None:
        return 1
    docs = None if args.pages_only else args.docs
    written = write_pages(kb, args.out, docs, _mkdocs_setting("repo_url"))
    print(f"errorkb: wrote {len(written)} files to {args.out}")
    return 0


def cmd_export(args) -> int:
    from .render import export_json

    kb = _load(args.errors)
    if kb is None:
        return 1
    sys.stdout.write(export_json(kb))
    return 0


def cmd_check(args) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .checks import coverage_failures, run_scenario, scenario_items, static_failures
    from .render import match_index

    kb = _load(args.errors)
    if kb is None:
        return 1
    by_id = kb.by_id()
    unknown = [error_id for error_id in args.ids if error_id not in by_id]
    if unknown:
        print(f"errorkb: no error with id {', '.join(unknown)}", file=sys.stderr)
        return 2
    entries = [by_id[error_id] for error_id in args.ids] if args.ids else kb.errors
    items = scenario_items(entries)
    index = match_index(kb)
    static_checks = [f"{entry.id}#{index}" for entry in entries for index in range(len(entry.data["commands"]))]
    console = Console(stderr=True)
    failures = static_failures(entries)
    outcomes = []
    with Progress(TextColumn("checking commands"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("scenarios", total=len(items))
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for outcome in pool.map(lambda item: run_scenario(item, index, timeout=args.timeout), items):
                progress.advance(task)
                outcomes.append(outcome)
                if outcome.failure is not None:
                    failures.append(outcome.failure)
    failures.extend(coverage_failures(entries, outcomes))
    for failure in failures:
        print(failure, file=sys.stderr)
    total = len(items) + len(static_checks) + len(entries)
    failed = len({failure.check for failure in failures})
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failures else 0


def _mkdocs_setting(name: str) -> str | None:
    """A plain setting (site_url, repo_url) from ./mkdocs.yml, or None."""
    import yaml

    try:
        data = yaml.safe_load(Path("mkdocs.yml").read_text(encoding="utf-8"))
        value = data.get(name)
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    return str(value) if value else None


def _site_url() -> str:
    """The published site's address, for full links in terminal output."""
    return (_mkdocs_setting("site_url") or "").rstrip("/") + "/"


def cmd_match(args) -> int:
    import json

    from .matcher import match
    from .render import match_index, new_issue_url

    if args.top < 1:
        print("errorkb: --top must be 1 or more", file=sys.stderr)
        return 2
    if args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            print(f"errorkb: cannot read {args.file}: {error.strerror}", file=sys.stderr)
            return 2
    kb = _load(args.errors)
    if kb is None:
        return 1
    base = _site_url()
    results = [dict(result, url=base + result["url"].lstrip("/")) for result in match(match_index(kb), text, args.top)]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    elif results:
        for rank, result in enumerate(results, 1):
            print(f"{rank}. {result['id']}  (score {result['score']})  {result['title']}")
            print(f"   {result['url']}")
            print(f"   matched: {result['matched']}")
    else:
        print(NO_MATCH_HELP.format(issues=new_issue_url(_mkdocs_setting("repo_url"))))
    return 0 if results else 1


NO_MATCH_HELP = """No error in errorkb matches this text.
To add it, write errors/<provider>/<slug>.yaml (see docs/contributing.md) or ask for it: {issues}"""


def cmd_explain(args) -> int:
    from rich.console import Console

    from .explain import explain

    kb = _load(args.errors)
    if kb is None:
        return 1
    entry = kb.by_id().get(args.id)
    if entry is None:
        import difflib

        close = difflib.get_close_matches(args.id, sorted(kb.by_id()), n=1)
        hint = f": did you mean '{close[0]}'?" if close else ""
        print(f"errorkb: no error with id '{args.id}'{hint}", file=sys.stderr)
        return 2
    explain(entry, kb, Console(), _site_url())
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"errorkb: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="errorkb", description="Knowledge base of developer error messages.")
    parser.add_argument("--errors", type=Path, default=Path("errors"), help="folder of error files (default: errors)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check every error file; list every problem")
    validate.set_defaults(run=cmd_validate)

    build = commands.add_parser("build", help="validate, then build the site strictly and atomically")
    build.add_argument("-f", "--config", type=Path, default=Path("mkdocs.yml"))
    build.add_argument("-d", "--site-dir", type=Path, default=Path("site"))
    build.set_defaults(run=cmd_build)

    serve = commands.add_parser("serve", help="validate, then serve the site with live reload")
    serve.add_argument("-f", "--config", type=Path, default=Path("mkdocs.yml"))
    serve.add_argument("-a", "--address", default="127.0.0.1:8000")
    serve.set_defaults(run=cmd_serve)

    render = commands.add_parser("render", help="write the rendered pages to a folder for any static-site engine")
    render.add_argument("--out", type=Path, required=True)
    render.add_argument("--docs", type=Path, default=Path("docs"), help="hand-written pages to copy along")
    render.add_argument("--pages-only", action="store_true", help="write only the generated pages")
    render.set_defaults(run=cmd_render)

    check = commands.add_parser("check", help="shellcheck every command and run it against the provider mock")
    check.add_argument("ids", nargs="*", help="error ids to check (default: all)")
    check.add_argument("-j", "--jobs", type=int, default=8, help="scenarios run at once (default: 8)")
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per command (default: 10)")
    check.set_defaults(run=cmd_check)

    match = commands.add_parser("match", help="find the error page for a pasted log")
    match.add_argument("file", nargs="?", help="log file to read, or - for standard input (default)")
    match.add_argument("--json", action="store_true", help="print a JSON list, best match first")
    match.add_argument("--top", type=int, default=5, help="how many matches at most (default: 5)")
    match.set_defaults(run=cmd_match)

    explain = commands.add_parser("explain", help="show an error's page in the terminal")
    explain.add_argument("id", help="error id, such as openai/invalid-api-key")
    explain.set_defaults(run=cmd_explain)

    export = commands.add_parser("export", help="print the whole knowledge base as one JSON document")
    export.set_defaults(run=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
