"""Lint: commands that would print a secret's value.

`secret_printing_problems(command_text)` finds ways a bash command would print the value of a
secret variable (a name with a segment like KEY, TOKEN, SECRET, PASSWORD, CREDENTIAL, AUTH):

- `echo`/`printf` (or `cat` of a here-document/here-string) of such a variable. Fine: its length
  `${#VAR}`, a set-test `${VAR:+set}`, a prefix of at most 8 characters `${VAR:0:8}`, output
  piped into a command that does not show it (wc, sha256sum, grep -q/-c, curl, head -c 8, cut -c1-8)
  or redirected to a file, and `printf -v`.
- `printenv VAR`, `declare -p VAR` (also typeset/export -p) of such a variable, same exceptions.
- dumps of the environment (`env`, `printenv`, `set`, `export -p`, `declare -p`, `declare -x`)
  unfiltered, or piped to grep for secret-looking or provider names (OPENAI, ANTHROPIC, ...),
  without a redaction step (sed, cut, awk, wc, grep -q/-c).
- `set -x`/`set -o xtrace` followed by a use of such a variable (before any `set +x`), and
  `bash -x`/`sh -x` in a command that uses one.
- `curl -v`/`--verbose`/`--trace`/`--trace-ascii` sending a secret (Authorization, x-api-key,
  api-key, x-goog-api-key or Cookie header, a header with a secret variable, -u/--user,
  --oauth2-bearer, or `key=`/a secret variable in the URL): verbose output shows request headers.
- Python `print(os.environ[...])`/`print(os.getenv(...))` of such a variable.

It returns a list of (line, column, message), 1-based, sorted; the command is read with
lint.shell.  Secret headers are the ones errorkb.secrets lists.
"""

from __future__ import annotations

import re

from ...secrets import SECRET_HEADERS, SECRET_QUERY_PARAMETERS
from .shell import (Expansion, Invocation, SimpleCommand, Word, expansions_in, read_invocation, read_pipelines,
                    short_flags, with_positions)

SECRET_SEGMENTS = {
    "KEY", "KEYS", "APIKEY", "TOKEN", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS",
    "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH", "AUTHORIZATION", "BEARER",
}
SECRET_SUFFIXES = ("KEY", "TOKEN", "SECRET", "PASSWORD")
PROVIDER_WORDS = {
    "OPENAI", "ANTHROPIC", "CLAUDE", "GEMINI", "GOOGLE", "MISTRAL", "OPENROUTER", "AZURE",
    "OLLAMA", "API", "LLM",
}


def _name_segments(name: str) -> list[str]:
    segments = []
    for part in name.split("_"):
        segments.extend(re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+", part) or [part])
    return [segment.upper() for segment in segments if segment]


def is_secret_name(name: str) -> bool:
    """OPENAI_API_KEY, apiKey, HF_TOKEN, DB_PASSWORD: yes. MAX_TOKENS, PWD, MODEL: no."""
    for segment in _name_segments(name) + [name.upper().replace("_", "")]:
        if segment in SECRET_SEGMENTS:
            return True
        if segment.endswith(SECRET_SUFFIXES):
            return True
    return False


def _pattern_looks_secret(pattern: str) -> bool:
    """A grep pattern that would select secret variables: it names a secret word, or is only
    provider words (OPENAI, OPENAI_API, anthropic|gemini) and so matches their keys too."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", pattern.upper()) if w]
    if not words:
        return True  # matches everything, e.g. '.' or '='
    if any(is_secret_name(w) for w in words):
        return True
    return all(w in PROVIDER_WORDS for w in words)


GREP_ARGUMENT_LETTERS = "efmABCdD"


def _grep_patterns(args: list[Word]) -> tuple[set[str], list[str]]:
    flags, operands = short_flags(args, GREP_ARGUMENT_LETTERS)
    patterns = [f[2:] for f in flags if f.startswith("e=")]
    for word in args:
        if word.literal.startswith("--regexp="):
            patterns.append(word.literal.split("=", 1)[1])
    if not patterns and operands:
        patterns = [operands[0]]
    return flags, patterns


def _grep_quiet(args: list[Word]) -> bool:
    flags, _ = short_flags(args, GREP_ARGUMENT_LETTERS)
    return bool(flags & {"q", "c", "l", "L", "--quiet", "--silent", "--count",
                         "--files-with-matches", "--files-without-match"})


def _small_count(value: str) -> bool:
    return value.isdigit() and int(value) <= 8


def _hides_value(invocation: Invocation | None) -> bool:
    """A pipeline stage whose output does not show what it reads (or at most 8 characters)."""
    if invocation is None:
        return False
    name, args = invocation.name, invocation.args
    if name in ("wc", "sha256sum", "sha1sum", "sha512sum", "sha224sum", "sha384sum", "md5sum",
                "shasum", "b2sum", "cksum", "curl"):
        return True
    if name in ("grep", "egrep", "fgrep"):
        return _grep_quiet(args)
    if name == "head":
        flags, _ = short_flags(args, "cn")
        return any(f.startswith("c=") and _small_count(f[2:]) for f in flags)
    if name == "cut":
        flags, _ = short_flags(args, "cbdf")
        for f in flags:
            m = re.fullmatch(r"[cb]=(\d*)-(\d+)", f)
            if m and int(m.group(2)) <= 8:
                return True
    return False


def _redacts(invocation: Invocation | None) -> bool:
    """A pipeline stage after an environment dump that removes or replaces the values."""
    if invocation is None:
        return False
    return invocation.name in ("sed", "cut", "awk") or _hides_value(invocation)


STDOUT_ALIASES = {"/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/1", "/dev/fd/2"}


def _stdout_to_file(command: SimpleCommand) -> bool:
    for redirect in command.redirects:
        if redirect.fd in ("1", "&") and redirect.op in (">", ">>", ">|") and redirect.target:
            if redirect.target.literal not in STDOUT_ALIASES:
                return True
    return False


def _output_hidden(stages: list[Invocation | None], commands: list[SimpleCommand], index: int) -> bool:
    """Whether what stage `index` writes to stdout never reaches the terminal."""
    if _stdout_to_file(commands[index]):
        return True
    later = stages[index + 1:]
    if any(_hides_value(stage) for stage in later):
        return True
    if later and _stdout_to_file(commands[-1]) and not any(s and s.name == "tee" for s in later):
        return True
    return False



def _printed_secrets(expansions: list[Expansion]) -> list[Expansion]:
    return [e for e in expansions if is_secret_name(e.name) and e.form == "value"]


def _traced_secrets(expansions: list[Expansion]) -> list[Expansion]:
    return [e for e in expansions if is_secret_name(e.name) and e.form in ("value", "prefix")]


def _check_printing(inv: Invocation, hidden: bool, problems: list) -> None:
    """echo/printf/cat of a secret; printenv/declare -p of a secret name."""
    if hidden:
        return
    name = inv.name
    if name in ("echo", "printf"):
        if name == "printf" and any(a.literal == "-v" or a.literal.startswith("-v") for a in inv.args[:1]):
            return  # printf -v var: assigns, prints nothing
        for word in inv.args:
            for e in _printed_secrets(word.expansions):
                problems.append((e.offset,
                    f"`{name}` prints the value of ${e.name}: print only its length "
                    f"(`echo \"${{#{e.name}}}\"`) or whether it is set "
                    f"(`[ -n \"${e.name}\" ] && echo set`)"))
        for redirect in inv.command.redirects:
            for e in _printed_secrets(_redirect_input_expansions(redirect)):
                problems.append((e.offset,
                    f"`{name}` prints the value of ${e.name} from its input: print only its "
                    f"length (`echo \"${{#{e.name}}}\"`)"))
    elif name == "cat":
        for redirect in inv.command.redirects:
            for e in _printed_secrets(_redirect_input_expansions(redirect)):
                problems.append((e.offset,
                    f"`cat` prints the value of ${e.name} from its here-document: print only its "
                    f"length (`echo \"${{#{e.name}}}\"`) or write it to a file instead"))
    elif name == "printenv" or (name in ("declare", "typeset", "export") and _has_p_option(inv)):
        shown = " ".join(w.text for w in [inv.name_word, *inv.args])
        for word in inv.args:
            if not word.literal.startswith("-") and is_secret_name(word.literal):
                problems.append((word.offset,
                    f"`{shown}` prints the secret's value: check it without "
                    f"printing it, e.g. `printenv {word.literal} | wc -c` or "
                    f"`[ -n \"${word.literal}\" ] && echo set`"))


def _has_p_option(inv: Invocation) -> bool:
    return any(w.literal.startswith("-") and "p" in w.literal for w in inv.args)


def _redirect_input_expansions(redirect: Redirect) -> list[Expansion]:
    if redirect.op in ("<<", "<<-"):
        return redirect.body_expansions
    if redirect.op == "<<<" and redirect.target is not None:
        return redirect.target.expansions
    return []


def _is_dump(inv: Invocation) -> bool:
    operands = [w for w in inv.args if not w.literal.startswith(("-", "+"))]
    if inv.name == "env":
        return True  # _invocation gives "env" only when it runs no command
    if inv.name == "printenv":
        return not operands
    if inv.name == "set":
        return not inv.args
    if inv.name == "export":
        return not operands and (not inv.args or _has_p_option(inv))
    if inv.name in ("declare", "typeset"):
        return not operands and all(set(w.literal[1:]) <= set("px") for w in inv.args)
    return False


def _check_dump(pipeline: list[SimpleCommand], stages: list[Invocation | None], index: int,
                problems: list) -> None:
    inv = stages[index]
    later = stages[index + 1:]
    if _stdout_to_file(pipeline[index]) or any(_redacts(s) for s in later):
        return
    if later and _stdout_to_file(pipeline[-1]) and not any(s and s.name == "tee" for s in later):
        return
    text = " ".join(w.text for w in [inv.name_word, *inv.args])
    greps = [s for s in later if s and s.name in ("grep", "egrep", "fgrep")]
    if not greps:
        problems.append((inv.name_word.offset,
            f"`{text}` prints every variable with its value, API keys included: print names "
            f"only (`{text} | cut -d= -f1`) or redact values (`| sed 's/=.*/=<redacted>/'`)"))
        return
    for grep in greps:
        flags, patterns = _grep_patterns(grep.args)
        if "v" in flags or "--invert-match" in flags:
            continue
        if any(_pattern_looks_secret(p) for p in patterns):
            shown = " ".join(w.text for w in [grep.name_word, *grep.args])
            problems.append((inv.name_word.offset,
                f"`{text} | {shown}` prints the matching secrets' values: add a redaction step, "
                f"e.g. `| sed 's/=.*/=<redacted>/'`, or print names only with `| cut -d= -f1`"))
            return


def _keeps_location_only(invocation: Invocation | None) -> bool:
    """A stage that keeps only `file:line` (or less) of grep's `file:line:text` lines."""
    if invocation is None or invocation.name != "cut":
        return False
    flags, _ = short_flags(invocation.args, "cbdf")
    fields = next((flag[2:] for flag in flags if flag.startswith("f=")), "")
    return any(flag in ("d=:", "d:") for flag in flags) and re.fullmatch(r"1(,2|-2)?|2", fields) is not None


def _check_grep_files(pipeline: list[SimpleCommand], stages: list[Invocation | None], problems: list) -> None:
    """grep over files for a secret's name prints whole lines: the value, and any other secret on the line."""
    grep = stages[0]
    flags, patterns = _grep_patterns(grep.args)
    if _grep_quiet(grep.args) or "v" in flags or not any(_pattern_looks_secret(p) for p in patterns):
        return
    if any(_keeps_location_only(stage) or (stage is not None and stage.name in ("wc", "sha256sum"))
           for stage in stages[1:]) or _stdout_to_file(pipeline[-1]):
        return
    shown = " ".join(w.text for w in [grep.name_word, *grep.args])
    problems.append((grep.name_word.offset,
        f"`{shown}` prints the matching lines of files: the value, and any other secret on the same line, would "
        f"show (a sed that hides what follows the name is not enough): print where only, with `grep -n ... | "
        f"cut -d: -f1,2` (or `grep -l`)"))


CURL_ARGUMENT_LETTERS = "AbcCdDeEFHKmoPQrtTuUwxXyYz"  # short options that take a value
CURL_VALUE_OPTIONS = {"--header", "--user", "--proxy-user", "--oauth2-bearer"}
SECRET_HEADER_RE = re.compile(r"\s*(" + "|".join(re.escape(name) for name in SECRET_HEADERS) + r")\s*:", re.I)
SECRET_QUERY_RE = re.compile(r"[?&](" + "|".join(re.escape(name) for name in SECRET_QUERY_PARAMETERS) + r")=", re.I)


def _check_curl(inv: Invocation, problems: list) -> None:
    """curl -v / --verbose / --trace / --trace-ascii while sending a secret."""
    verbose_word = None
    sends_secret = False
    args = inv.args
    i = 0
    while i < len(args):
        word = args[i]
        literal = word.literal
        option = value = value_word = None
        if literal.startswith("--"):
            name, has_value, attached = literal.partition("=")
            if name in ("--verbose", "--trace", "--trace-ascii"):
                verbose_word = verbose_word or word
            elif name in CURL_VALUE_OPTIONS:
                option = name
                if has_value:
                    value, value_word = attached, word
                elif i + 1 < len(args):
                    i += 1
                    value, value_word = args[i].literal, args[i]
        elif literal.startswith("-") and len(literal) > 1:
            for k, letter in enumerate(literal[1:], start=1):
                if letter == "v":
                    verbose_word = verbose_word or word
                elif letter in CURL_ARGUMENT_LETTERS:
                    option = "-" + letter
                    if k < len(literal) - 1:
                        value, value_word = literal[k + 1:], word
                    elif i + 1 < len(args):
                        i += 1
                        value, value_word = args[i].literal, args[i]
                    break
        elif SECRET_QUERY_RE.search(literal) or _printed_secrets(word.expansions):
            sends_secret = True  # a URL carrying the key
        if option in ("-H", "--header") and value_word is not None:
            if SECRET_HEADER_RE.match(value) or _printed_secrets(value_word.expansions):
                sends_secret = True
        elif option in ("-u", "-U", "--user", "--proxy-user", "--oauth2-bearer"):
            sends_secret = True
        i += 1
    if verbose_word is not None and sends_secret:
        problems.append((verbose_word.offset,
            f"`curl {verbose_word.text}` prints the request headers, the API key included: drop "
            f"it and use `-i` (response headers only) or `-w '%{{http_code}}\\n'`"))


def _xtrace_switch(inv: Invocation) -> str | None:
    """'on' / 'off' for `set -x` / `set +x` (also -ex, -o xtrace), else None."""
    if inv.name != "set":
        return None
    result = None
    for k, word in enumerate(inv.args):
        literal = word.literal
        nxt = inv.args[k + 1].literal if k + 1 < len(inv.args) else ""
        if re.fullmatch(r"-[a-zA-Z]*x[a-zA-Z]*", literal) or (literal == "-o" and nxt == "xtrace"):
            result = "on"
        elif re.fullmatch(r"\+[a-zA-Z]*x[a-zA-Z]*", literal) or (literal == "+o" and nxt == "xtrace"):
            result = "off"
    return result


def _shell_with_xtrace(inv: Invocation) -> bool:
    if inv.name not in ("bash", "sh", "dash", "zsh"):
        return False
    for k, word in enumerate(inv.args):
        literal = word.literal
        if not literal.startswith(("-", "+")):
            break
        if re.fullmatch(r"-[a-zA-Z]*x[a-zA-Z]*", literal):
            return True
        if literal == "-o" and k + 1 < len(inv.args) and inv.args[k + 1].literal == "xtrace":
            return True
    return False


PYTHON_PRINT_RE = re.compile(
    r"print\(\s*(?:[^()]*?,\s*)?os\.(?:environ\s*\[|environ\.get\(|getenv\()\s*[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']")


def _all_expansions(pipelines: list[list[SimpleCommand]]) -> list[Expansion]:
    result = []
    for pipeline in pipelines:
        for command in pipeline:
            for word in command.words:
                result.extend(word.expansions)
            for redirect in command.redirects:
                if redirect.target is not None:
                    result.extend(redirect.target.expansions)
                result.extend(redirect.body_expansions)
    return sorted(result, key=lambda e: e.offset)


def secret_printing_problems(command_text: str) -> list[tuple[int, int, str]]:
    """Ways the command prints a secret's value: (line, column, message), sorted."""
    pipelines = read_pipelines(command_text)
    problems: list[tuple[int, str]] = []  # (offset, message)
    expansions = _all_expansions(pipelines)
    xtrace_on: int | None = None
    xtrace_on_word: Word | None = None
    xtrace_regions: list[tuple[Word, int]] = []  # (set -x word, end offset)

    for pipeline in pipelines:
        stages = [read_invocation(command) for command in pipeline]
        for index, inv in enumerate(stages):
            if inv is None:
                continue
            hidden = _output_hidden(stages, pipeline, index)
            _check_printing(inv, hidden, problems)
            if _is_dump(inv):
                _check_dump(pipeline, stages, index, problems)
            if index == 0 and inv.name in ("grep", "egrep", "fgrep", "rg"):
                _check_grep_files(pipeline, stages, problems)
            if inv.name == "curl":
                _check_curl(inv, problems)
            switch = _xtrace_switch(inv)
            if switch == "on" and xtrace_on is None:
                xtrace_on, xtrace_on_word = inv.name_word.offset, inv.name_word
            elif switch == "off" and xtrace_on is not None:
                xtrace_regions.append((xtrace_on_word, inv.name_word.offset))
                xtrace_on = None
            if _shell_with_xtrace(inv):
                traced = _traced_secrets(expansions_in(command_text, 0))
                if traced:
                    problems.append((inv.name_word.offset,
                        f"`{inv.name} -x` traces every command with variables expanded, so "
                        f"${traced[0].name} would be printed: run it without -x"))
    if xtrace_on is not None:
        xtrace_regions.append((xtrace_on_word, len(command_text)))
    for on_word, end in xtrace_regions:
        traced = [e for e in _traced_secrets(expansions) if on_word.offset < e.offset < end]
        if traced:
            problems.append((on_word.offset,
                f"`set -x` traces every command with variables expanded, so ${traced[0].name} "
                f"would be printed: remove `set -x`, or turn it off with `set +x` before "
                f"${traced[0].name} is used"))

    for m in PYTHON_PRINT_RE.finditer(command_text):
        if is_secret_name(m.group(1)):
            problems.append((m.start(),
                f"Python prints the value of {m.group(1)}: print `len(os.environ['{m.group(1)}'])` "
                f"or `'{m.group(1)}' in os.environ` instead"))

    return with_positions(command_text, problems)
