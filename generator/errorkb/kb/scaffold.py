"""`errorkb new`: a draft error file with every field in page order, and a draft proposed from a pasted log.

`error_draft` writes the text of errors/<provider>/<slug>.yaml: the schema line, every field of
error.schema.json in its order (the order of the page), a short comment on each, and the placeholder
FILL-IN (kb.content.PLACEHOLDER) wherever the contributor must write something, so that `errorkb
validate` rejects the draft and names each such field (EKB317) until it is written.  `provider_draft` does
the same for a new provider's _provider.yaml.

`propose_from_log` reads a pasted log with the matcher's own public functions (errorkb.search: normalise,
mask, the index's provider hints, match): the signature is the line that says what went wrong, its patterns
that line masked (a placeholder such as <key> is a gap to the matcher, so the patterns also match the same
error with another key, id or model), and the provider the one the log's hints point to.  `vector_file` is
the log as the first test vector of tests/search/vectors/<provider>/<slug>.yaml.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import yaml

from .content import PLACEHOLDER
from .schema import SCHEMA_LINES, load_schema

ID = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)/([a-z0-9]+(?:-[a-z0-9]+)*)$")
SIGNATURE_LIMIT = 200


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar holding exactly `value` (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _fill(what: str) -> str:
    return _quoted(f"{PLACEHOLDER}: {what}")


@dataclass
class Draft:
    """What a new error starts with; None where the contributor has to write it."""

    provider: str
    slug: str
    title: str | None = None
    signature: str | None = None
    http_status: int | None = None
    error_type: str | None = None
    error_code: str | None = None
    patterns: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.slug}"


def error_draft(draft: Draft, today: dt.date) -> str:
    """The text of the new error file (see the module docstring)."""
    signature = [f"  text: {_quoted(draft.signature) if draft.signature else _fill('the exact line users see')}"]
    if draft.http_status:
        signature.append(f"  http_status: {draft.http_status}")
    else:
        signature.append("  # http_status: 401     (the HTTP status, when an HTTP API answers with this error)")
    for name, value in (("error_type", draft.error_type), ("error_code", draft.error_code)):
        signature.append(f"  {name}: {_quoted(value)}" if value else
                         f"  # {name}: ...     (the provider's error {name[6:]}, when it has one)")
    patterns = ([f"  - {kind}: {_quoted(value)}" for pattern in draft.patterns for kind, value in pattern.items()]
                or [f"  - literal: {_fill('the distinctive words of the message, as the log shows them')}"])
    lines = [
        SCHEMA_LINES["error.schema.json"],
        f"# {draft.id}: fill in every {PLACEHOLDER}; `errorkb validate` names each one left (EKB317).",
        "# Every field, its meaning and every rule: docs/contributing.md and the site's Error file format page.",
        "",
        "# The page title: the provider and the error, as in \"OpenAI API invalid API key\".",
        f"title: {_quoted(draft.title) if draft.title else _fill('the provider and the error')}",
        "# Lower-case keywords: authentication, quota, rate-limit, http-429 ...",
        "tags:",
        f"  - {PLACEHOLDER.lower()}",
        "# How often developers meet it: very-common, common, occasional or rare.",
        "frequency: occasional",
        "# The exact line users see; the status, type and code where the provider sends them.",
        "signature:",
        *signature,
        "# One sentence: the fix that works most often.",
        f"quick_fix: {_fill('one sentence, the fix that works most often')}",
        "# One sentence: what went wrong.",
        f"summary: {_fill('one sentence, what went wrong')}",
        "# The date you last checked the content against its sources, YYYY-MM-DD.",
        f'updated: "{today.isoformat()}"',
        "# Prose: plain text, `backticks` for code, paragraphs separated by a blank line.",
        f"what_it_means: {_fill('what the error means')}",
        f"why_it_happens: {_fill('the mechanism behind the error')}",
        "common_causes:",
        f"  - {_fill('the most likely cause')}",
        "quick_fixes:",
        f"  - {_fill('the most effective short fix')}",
        "# Shell commands a reader pastes, each run exactly as written against the provider's mock in each scenario.",
        "# An API error needs one command with a `reproduce` scenario (shows the error) and a `fixed` scenario.",
        "commands:",
        f"  - title: {_fill('what the command does')}",
        "    run: |",
        f"      echo \"{PLACEHOLDER}: the command, as a reader pastes it\"",
        f"    reading: {_fill('how to read its output')}",
        f"    output: {_fill('an example of its output')}",
        "    scenarios:",
        "      - name: reproduce",
        "        stdout:",
        "          contains:",
        f"            - {_fill('text the output shows when the error happens')}",
        "      - name: fixed",
        "        stdout:",
        "          contains:",
        f"            - {_fill('text the output shows once it is fixed')}",
        "# Optional: fixes for one platform (ci, docker, kubernetes, windows, macos, linux, wsl, vscode, jupyter, ...).",
        "platform_fixes:",
        "  linux:",
        f"    - {_fill('a fix for Linux, or delete platform_fixes')}",
        "# Optional: fixes that worked for real people, with their situation and the public report.",
        "real_world_fixes:",
        f"  - {_fill('what fixed it for someone, or delete real_world_fixes')}",
        "troubleshooting:",
        f"  - {_fill('the first step')}",
        "prevention:",
        f"  - {_fill('how to avoid the error')}",
        "# Ids of related errors (<provider>/<slug>); each must list this one back.",
        "related: []",
        "faq:",
        f"  - question: {_fill('a question readers ask, ending with ?')}",
        f"    answer: {_fill('its answer')}",
        "# Recognise the error in a pasted log: `literal` text (<key>, <num>, ... are gaps) or a `regex`.",
        "patterns:",
        *patterns,
        "# Where the page's facts and wordings come from, each with an https URL.",
        "sources:",
        f"  - title: {_fill('what the source is')}",
        f"    url: https://example.com/{PLACEHOLDER}",
        "",
    ]
    return "\n".join(lines)


def provider_draft(slug: str) -> str:
    """The text of a new provider's _provider.yaml, every required value a placeholder."""
    return "\n".join([
        SCHEMA_LINES["provider.schema.json"],
        f"# errors/{slug}/_provider.yaml: fill in every {PLACEHOLDER}.",
        f"name: {_fill('the display name')}",
        "# kind: tool              (for an assistant, editor extension, proxy or framework; then calls: [openai, ...])",
        f"homepage: https://example.com/{PLACEHOLDER}",
        "# Host names its API is served from (for a tool, the hosts it calls, if any).",
        "api_hosts:",
        f"  - {PLACEHOLDER.lower()}.example.com",
        f"status_page: https://example.com/{PLACEHOLDER}",
        f"description: {_fill('one or two sentences on the provider')}",
        "",
    ])


def vector_file(draft: Draft, log: str) -> str:
    """tests/search/vectors/<provider>/<slug>.yaml with the pasted log as its first vector."""

    class _Dumper(yaml.SafeDumper):
        pass

    def _text(dumper, value):
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _text)
    vector = {"name": f"{draft.id} pasted log", "expect": draft.id,
              "source": f"{PLACEHOLDER}: the public report this log was copied from (an https URL), or how it was "
                        f"constructed",
              "log": log if log.endswith("\n") else log + "\n"}
    header = (f"# Pasted logs that must find {draft.id} first.\n"
              "# Each vector names its source: the public report it was copied from (an https URL), or how it was\n"
              "# constructed. API keys are masked or placeholders; request and organization ids are made up.\n\n")
    return header + yaml.dump([vector], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


# ----------------------------------------------------------------------------- proposing from a log

_ERROR_WORDS = re.compile(r"error|exception|fail|invalid|incorrect|denied|not found|unauthori[sz]ed|forbidden|"
                          r"exceeded|limit|refused|unavailable|overloaded|timed? ?out|quota|missing|not allowed|"
                          r"unsupported|unable|could not|cannot|can't|rejected|(?:no|not have) access|permission", re.IGNORECASE)
_MESSAGE_VALUE = re.compile(r"'(?:message|msg|detail|error)'\s*:\s*'(.{8,}?)'\s*[,}\]]", re.IGNORECASE)
_STATUS = re.compile(r"(?:HTTP/[0-9.]+\s+|\bstatus(?:[ _]?code)?\W{0,3}|\berror code:?\s*|'code'\s*:\s*)"
                     r"([1-5][0-9]{2})\b", re.IGNORECASE)
_CODE = re.compile(r"'code'\s*:\s*'([A-Za-z][A-Za-z0-9_.]{2,80})'")
_TYPE = re.compile(r"'type'\s*:\s*'([A-Za-z][A-Za-z0-9_.]{2,80})'")
_PLACEHOLDER_TOKEN = re.compile(r"<[a-z]+>")
# An identifier the matcher's masks leave (a project id such as proj_Xa81kD0q): letters and digits mixed,
# eight characters or more.  It becomes the gap <id>, so the patterns also match another project's log.
_LEFT_ID = re.compile(r"\b(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,}\b")


def _candidates(lines: list[str]) -> list[tuple[str, bool]]:
    """The lines of the normalised log, and the message values inside them ('message': '...'), each with
    whether it is such a value."""
    found = []
    for line in lines:
        found.extend((match.group(1), True) for match in _MESSAGE_VALUE.finditer(line))
        found.append((line, False))
    return found


def _score(candidate: tuple[str, bool]) -> float:
    """How much a line reads as the statement of an error: error words, a message value of a JSON or Python
    body (the provider's own sentence), a sensible length, not a stack frame."""
    text, is_message = candidate
    words = min(len(_ERROR_WORDS.findall(text)), 3)
    return words * 2 + (3 if is_message else 0) + (1 if 20 <= len(text) <= 200 else 0) - \
        (4 if text.strip().startswith(("at ", "File ")) else 0)


def _head(masked: str) -> str:
    """The masked message up to its first placeholder, when that leaves three words or more."""
    head = _PLACEHOLDER_TOKEN.split(masked, 1)[0].rstrip(" :,.;-'\"(")
    return head if len(head.split()) >= 3 else masked


def provider_evidence(text: str, index: dict) -> dict[str, float]:
    """Per provider slug, the weight of the matcher's provider hints (hosts, SDK names, headers) in `text`."""
    from ..search import normalise

    compact = normalise(text, index).lower().replace(" ", "").replace("\n", "")
    evidence: dict[str, float] = {}
    for needle, provider_index, weight in index["hints"]:
        if needle in compact:
            slug = index["providers"][provider_index]
            evidence[slug] = evidence.get(slug, 0) + weight
    return evidence


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("_", " "))
    slug = "-".join(words[:6])[:60].strip("-")
    return slug or "new-error"


def propose_from_log(log: str, providers: dict[str, dict]) -> tuple[Draft | None, str]:
    """A draft proposed from a pasted log (provider, slug, signature, status, type, code, patterns), or None
    and why not.  providers: slug -> the data of its _provider.yaml."""
    from ..search import build_index, mask, normalise

    index = build_index([], providers)
    lines = [line for line in normalise(log, index).split("\n") if line.strip()]
    if not lines:
        return None, "the log is empty"
    message = max(_candidates(lines), key=_score)[0]   # the first of the best, in the order of the log
    masked = _LEFT_ID.sub("<id>", mask(message, index).strip())
    signature = _head(masked)
    joined = "\n".join(lines)
    status = _STATUS.search(joined)
    code, kind = _CODE.search(joined), _TYPE.search(joined)
    http_status = int(status.group(1)) if status else None
    if http_status and not signature.startswith(str(http_status)):
        signature = f"{http_status} {signature}"
    evidence = provider_evidence(log, index)
    strong = sorted(((weight, slug) for slug, weight in evidence.items() if weight >= 1), reverse=True)
    provider = strong[0][1] if strong else ""
    patterns = [{"literal": masked[:SIGNATURE_LIMIT]}]
    if _head(masked) != masked:
        patterns.append({"literal": _head(masked)[:SIGNATURE_LIMIT]})
    draft = Draft(provider=provider, slug=_slug(code.group(1) if code else _head(masked)),
                  signature=signature[:SIGNATURE_LIMIT], http_status=http_status,
                  error_type=kind.group(1) if kind else None, error_code=code.group(1) if code else None,
                  patterns=patterns)
    return draft, "" if provider else "no provider's hosts, SDK names or headers are in the log"


def schema_order() -> list[str]:
    """The fields of an error file in page order."""
    return list(load_schema("error.schema.json")["properties"])
