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
    written = write_pages(kb, args.out, docs)
    print(f"errorkb: wrote {len(written)} files to {args.out}")
    return 0


def cmd_export(args) -> int:
    from .render import export_json

    kb = _load(args.errors)
    if kb is None:
        return 1
    sys.stdout.write(export_json(kb))
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
