"""Write a project of N synthetic but realistic errors, for the benchmarks (run by hand).

    python bench/synth.py --count 1000 --out /tmp/kb1000

DIR gets errors/ (N errors spread over many providers, every section filled, two commands each with
reproduce and fixed scenarios that pass `errorkb check`, FAQ, patterns and vectors-like signatures, all
unique), docs/ (a copy of the repository's) and mkdocs.yml pointing at them, ready for `errorkb build` in DIR.
The same N gives the same files.  Prose is made of real words in sentences of realistic length, so pages weigh
what shipped pages weigh (about 10 KB of YAML).
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCHEMA = "# yaml-language-server: $schema=../../generator/errorkb/kb/schema/{}.schema.json"

WORDS = """request response key token model quota limit server client project organization account billing
credit region deployment endpoint version header body stream message tool schema context window output input
timeout proxy certificate network retry backoff cache session configuration variable environment container
pod notebook terminal editor extension plugin framework gateway resource permission policy filter safety
balance invoice plan tier usage minute hour day second parameter value field object array string number
""".split()
VERBS = """returns rejects accepts refuses sends reads writes checks expects limits blocks allows drops caches
retries resets refreshes rotates validates parses counts measures reports logs""".split()
ADJECTIVES = """invalid missing expired revoked empty malformed unsupported unknown deprecated overloaded slow
stale wrong old new current default custom local remote shared private public temporary permanent""".split()
STATUSES = [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529]
PLATFORMS = ["docker", "kubernetes", "windows", "macos", "linux", "wsl", "ci", "vscode", "jupyter", "serverless"]


def _sentence(rng: random.Random, words: int) -> str:
    parts = []
    for index in range(words):
        pool = VERBS if index % 4 == 2 else ADJECTIVES if index % 4 == 1 else WORDS
        parts.append(rng.choice(pool))
    if rng.random() < 0.3:
        parts.insert(rng.randrange(len(parts)), f"`{rng.choice(WORDS)}_{rng.choice(WORDS)}`")
    text = " ".join(parts)
    return text[0].upper() + text[1:] + "."


def _prose(rng: random.Random, sentences: int, low: int = 9, high: int = 22) -> str:
    return " ".join(_sentence(rng, rng.randint(low, high)) for _ in range(sentences))


def _paragraphs(rng: random.Random, count: int) -> str:
    return "\n\n".join(_prose(rng, rng.randint(3, 5)) for _ in range(count))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))


def _items(rng: random.Random, count: int, indent: int = 2) -> str:
    return "\n".join(f"{' ' * indent}- {_quoted(_prose(rng, rng.randint(1, 2)))}" for _ in range(count))


def _command(rng: random.Random, slug: str, signature: str, variable: str, number: int) -> str:
    run = (f'if [ -z "${{{variable}:-}}" ]; then\n'
           f'  echo "{signature}"\n'
           f'else\n'
           f'  code=$(curl -sS -o /dev/null -w \'%{{http_code}}\' https://api.openai.com/v1/models \\\n'
           f'    -H "Authorization: Bearer ${{OPENAI_API_KEY:-}}")\n'
           f'  echo "HTTP $code: {slug} check {number} passed"\n'
           f'fi')
    return f"""  - title: {_quoted(f"Check {slug.replace('-', ' ')} step {number}")}
    run: {_block(run, 6)}
    reading: {_quoted(_prose(rng, 3))}
    output: {_quoted(f"HTTP 200: {slug} check {number} passed")}
    scenarios:
      - name: reproduce
        env:
          OPENAI_API_KEY: errorkb-test-key
        stdout:
          contains:
            - {_quoted(signature[:40])}
      - name: fixed
        env:
          OPENAI_API_KEY: errorkb-test-key
          {variable}: "set"
        stdout:
          contains:
            - "HTTP 200"
"""


def error_file(rng: random.Random, provider: str, slug: str, number: int, related: list[str]) -> str:
    status = rng.choice(STATUSES)
    code = "_".join(rng.sample(ADJECTIVES, 1) + rng.sample(WORDS, 2)) + f"_{number}"
    words = " ".join(rng.choice(WORDS) for _ in range(5))
    signature = f"{status} {provider.replace('-', ' ').title()} {words} {code} rejected"
    variable = f"SYNTH_{number}_KEY"
    platforms = "\n".join(f"  {platform}:\n{_items(rng, rng.randint(1, 2), 4)}"
                          for platform in sorted(rng.sample(PLATFORMS, 3)))
    faq = "\n".join(f"  - question: {_quoted(_sentence(rng, rng.randint(6, 11))[:-1] + '?')}\n"
                    f"    answer: {_quoted(_prose(rng, rng.randint(2, 4)))}" for _ in range(4))
    related_lines = "\n".join(f"  - {other}" for other in related)
    return f"""{SCHEMA.format('error')}
title: {_quoted(f"{provider.title()} {slug.replace('-', ' ')} ({code})")}
tags: [{rng.choice(WORDS)}, http-{status}, {rng.choice(ADJECTIVES)}-{rng.choice(WORDS)}]
frequency: {rng.choice(["very-common", "common", "occasional", "rare"])}
signature:
  text: {_quoted(signature)}
  http_status: {status}
  error_code: {code}
quick_fix: {_quoted(_prose(rng, 2, 8, 16))}
summary: {_quoted(_prose(rng, 1, 14, 24))}
updated: "2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
what_it_means: {_block(_paragraphs(rng, 3), 2)}
why_it_happens: {_block(_paragraphs(rng, 2), 2)}
common_causes:
{_items(rng, 6)}
quick_fixes:
{_items(rng, 5)}
commands:
{_command(rng, slug, signature, variable, 1)}{_command(rng, slug, signature, variable + "_B", 2)}platform_fixes:
{platforms}
real_world_fixes:
{_items(rng, 2)}
troubleshooting:
{_items(rng, 6)}
prevention:
{_items(rng, 4)}
related:
{related_lines}
faq:
{faq}
patterns:
  - literal: {_quoted(f"{words} {code} rejected")}
  - literal: {_quoted(code)}
  - regex: {_quoted(f"{status} .{{0,40}}{code}")}
sources:
  - title: {_quoted(f"{provider.title()} API reference: {code}")}
    url: "https://docs.{provider}.example.com/errors/{code}"
"""


def provider_file(name: str) -> str:
    return f"""{SCHEMA.format('provider')}
name: {name.replace('-', ' ').title()}
homepage: https://{name}.example.com
api_hosts:
  - api.{name}.example.com
status_page: https://status.{name}.example.com
description: A synthetic provider for errorkb's benchmarks.
"""


def write_project(count: int, out: Path) -> None:
    rng = random.Random(count)
    providers = [f"{rng.choice(ADJECTIVES)}-{rng.choice(WORDS)}-{index}" for index in range(max(4, count // 40))]
    ids = []
    for number in range(count):
        provider = providers[number % len(providers)]
        ids.append((provider, f"{rng.choice(ADJECTIVES)}-{rng.choice(WORDS)}-{number}"))
    errors = out / "errors"
    if errors.exists():
        shutil.rmtree(errors)
    for provider in providers:
        (errors / provider).mkdir(parents=True)
        (errors / provider / "_provider.yaml").write_text(provider_file(provider), encoding="utf-8")
    for number, (provider, slug) in enumerate(ids):
        partner = ids[number ^ 1] if (number ^ 1) < count else None   # pairs relate to each other, both ways
        related = [f"{partner[0]}/{partner[1]}"] if partner else []
        (errors / provider / f"{slug}.yaml").write_text(error_file(rng, provider, slug, number, related),
                                                         encoding="utf-8")
    if (out / "docs").exists():
        shutil.rmtree(out / "docs")
    shutil.copytree(REPO / "docs", out / "docs")
    shutil.copy(REPO / "mkdocs.yml", out / "mkdocs.yml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_project(args.count, args.out)
    print(f"wrote {args.count} errors to {args.out / 'errors'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
