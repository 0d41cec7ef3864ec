"""Static checks that keep secrets off the page and out of command output.

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

`real_key_problems(text)` finds real-looking API keys (OpenAI, Anthropic, Google, OpenRouter) in
any text. A key-shaped string is a placeholder, and fine, when its token contains `*`, `...`,
`<`, `$`, `{`, a word such as YOUR, xxxx, placeholder, example, dummy, fake, test, invalid,
mock, errorkb, or a run like 000000 / 123456 / abcdef.

Both return a list of (line, column, message), 1-based, sorted. The bash reading is a small
tokenizer (quotes, $(...), ${...}, here-documents, pipelines), not a full parser; contents of
$(...) and backticks are not examined (their output is captured, not printed).
"""

from __future__ import annotations

import bisect
import dataclasses
import re

# ---------------------------------------------------------------------------------------------
# Names

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


# ---------------------------------------------------------------------------------------------
# Tokenizer


@dataclasses.dataclass
class Expansion:
    name: str
    form: str  # "value" | "length" (${#V}) | "test" (${V:+x}) | "prefix" (${V:0:N}, N <= 8)
    offset: int


@dataclasses.dataclass
class Word:
    text: str  # as written
    offset: int
    literal: str  # quotes and escapes removed; expansions kept as written
    expansions: list[Expansion]


@dataclasses.dataclass
class Redirect:
    fd: str  # "1", "2", "0", "&" (both)
    op: str  # ">", ">>", ">|", ">&", "<", "<<", "<<-", "<<<", "<&", "<>"
    target: Word | None
    offset: int
    body_expansions: list[Expansion] = dataclasses.field(default_factory=list)  # here-document


@dataclasses.dataclass
class SimpleCommand:
    words: list[Word] = dataclasses.field(default_factory=list)
    redirects: list[Redirect] = dataclasses.field(default_factory=list)


OPERATORS = ("||", "|&", "|", "&&", ";;", ";&", ";", "&", "(", ")")
REDIRECT_RE = re.compile(r"(\d+|&)?(>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)")
WORD_END = set(" \t\n;&|()<>")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Lexer:
    def __init__(self, text: str):
        self.text = text
        self.n = len(text)
        self.tokens: list[tuple] = []  # ("word", Word) | ("op", str, offset) | ("redir", Redirect)
        self._pending_heredocs: list[tuple[Redirect, str, bool, bool]] = []

    def run(self) -> list[tuple]:
        text, i = self.text, 0
        while i < self.n:
            c = text[i]
            if c in " \t\r":
                i += 1
            elif c == "\\" and text.startswith("\n", i + 1):
                i += 2
            elif c == "\n":
                self.tokens.append(("op", "\n", i))
                i = self._read_heredoc_bodies(i + 1)
            elif c == "#":
                end = text.find("\n", i)
                i = self.n if end < 0 else end
            elif c in "<>" and text.startswith("(", i + 1):  # process substitution: a word
                end = self._skip_parens(i + 1)
                self.tokens.append(("word", Word(text[i:end], i, text[i:end], [])))
                i = end
            elif (m := REDIRECT_RE.match(text, i)) and (m.group(1) is None or self._starts_token(i)):
                i = self._read_redirect(m)
            elif op := next((o for o in OPERATORS if text.startswith(o, i)), None):
                self.tokens.append(("op", op, i))
                i += len(op)
            else:
                word, i = self._read_word(i)
                self.tokens.append(("word", word))
        return self.tokens

    def _starts_token(self, i: int) -> bool:
        return i == 0 or self.text[i - 1] in " \t\n;&|()"

    def _read_redirect(self, m: re.Match) -> int:
        prefix, op = m.group(1), m.group(2)
        if prefix:  # "2>", "&>"
            fd = prefix
        else:
            fd = "0" if op.startswith("<") else "1"
        i = m.end()
        while i < self.n and self.text[i] in " \t":
            i += 1
        target = None
        if i < self.n and self.text[i] not in WORD_END:
            target, i = self._read_word(i)
        redirect = Redirect(fd=fd, op=op, target=target, offset=m.start())
        if op in ("<<", "<<-") and target is not None:
            quoted = any(q in target.text for q in "'\"\\")
            self._pending_heredocs.append((redirect, target.literal, quoted, op == "<<-"))
        self.tokens.append(("redir", redirect))
        return i

    def _read_heredoc_bodies(self, i: int) -> int:
        for redirect, delimiter, quoted, strip_tabs in self._pending_heredocs:
            while i < self.n:
                end = self.text.find("\n", i)
                end = self.n if end < 0 else end
                line = self.text[i:end]
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    i = end + 1
                    break
                if not quoted:
                    redirect.body_expansions.extend(_expansions_in(line, i))
                i = end + 1
        self._pending_heredocs = []
        return i

    def _read_word(self, i: int) -> tuple[Word, int]:
        text, start = self.text, i
        literal: list[str] = []
        expansions: list[Expansion] = []
        while i < self.n and text[i] not in WORD_END:
            c = text[i]
            if c == "\\":
                if text.startswith("\n", i + 1):
                    i += 2
                    continue
                literal.append(text[i + 1:i + 2])
                i += 2
            elif c == "'":
                end = text.find("'", i + 1)
                end = self.n if end < 0 else end
                literal.append(text[i + 1:end])
                i = end + 1
            elif c == '"':
                i = self._read_double_quoted(i + 1, literal, expansions)
            elif c == "$":
                i = self._read_dollar(i, literal, expansions)
            elif c == "`":
                end = self._skip_backticks(i)
                literal.append(text[i:end])
                i = end
            else:
                literal.append(c)
                i += 1
        return Word(text[start:i], start, "".join(literal), expansions), i

    def _read_double_quoted(self, i: int, literal: list[str], expansions: list[Expansion]) -> int:
        text = self.text
        while i < self.n and text[i] != '"':
            c = text[i]
            if c == "\\" and i + 1 < self.n:
                if text[i + 1] == "\n":
                    pass
                elif text[i + 1] in '"\\$`':
                    literal.append(text[i + 1])
                else:
                    literal.append(text[i:i + 2])
                i += 2
            elif c == "$":
                i = self._read_dollar(i, literal, expansions)
            elif c == "`":
                end = self._skip_backticks(i)
                literal.append(text[i:end])
                i = end
            else:
                literal.append(c)
                i += 1
        return i + 1

    def _read_dollar(self, i: int, literal: list[str], expansions: list[Expansion]) -> int:
        text = self.text
        nxt = text[i + 1:i + 2]
        if nxt == "'":  # $'...' (ANSI-C quoting)
            j = i + 2
            while j < self.n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            literal.append(text[i + 2:j])
            return j + 1
        if nxt == "(":  # $(...) or $((...)): output captured, contents not examined
            end = self._skip_parens(i + 1)
            literal.append(text[i:end])
            return end
        if nxt == "{":
            end = self._matching_brace(i + 1)
            expansion = _braced_expansion(text[i + 2:end - 1], i)
            if expansion is not None:
                expansions.append(expansion)
            literal.append(text[i:end])
            return end
        m = NAME_RE.match(text, i + 1)
        if m:
            expansions.append(Expansion(m.group(0), "value", i))
            literal.append(text[i:m.end()])
            return m.end()
        literal.append("$")
        return i + 1

    def _skip_parens(self, i: int) -> int:
        """text[i] == '(': index after the matching ')', skipping quoted text."""
        text, depth = self.text, 0
        while i < self.n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                end = text.find("'", i + 1)
                i = self.n if end < 0 else end + 1
                continue
            if c == '"':
                i = self._read_double_quoted(i + 1, [], [])
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return self.n

    def _matching_brace(self, i: int) -> int:
        """text[i] == '{' (of '${'): index after the matching '}'."""
        text, depth = self.text, 0
        while i < self.n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return self.n

    def _skip_backticks(self, i: int) -> int:
        j = i + 1
        while j < self.n and self.text[j] != "`":
            j += 2 if self.text[j] == "\\" else 1
        return min(j + 1, self.n)


def _braced_expansion(inner: str, offset: int) -> Expansion | None:
    """The expansion in '${inner}' that starts at offset, or None (${!x}, ${1}, ${@} ...)."""
    m = re.match(r"(#?)([A-Za-z_][A-Za-z0-9_]*)(.*)\Z", inner, re.S)
    if not m:
        return None
    hash_sign, name, rest = m.groups()
    if hash_sign:
        return Expansion(name, "length" if rest == "" else "value", offset)
    if re.match(r":?\+", rest):
        return Expansion(name, "test", offset)
    sub = re.match(r":\s*(\d+)\s*:\s*(\d+)\s*\Z", rest)
    if sub and int(sub.group(2)) <= 8:
        return Expansion(name, "prefix", offset)
    return Expansion(name, "value", offset)


def _expansions_in(text: str, base: int) -> list[Expansion]:
    """Expansions in text where every $ expands (here-document bodies, -c strings)."""
    result = []
    for m in re.finditer(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", text):
        if m.group(1) is not None:
            expansion = _braced_expansion(m.group(1), base + m.start())
        else:
            expansion = Expansion(m.group(2), "value", base + m.start())
        if expansion is not None:
            result.append(expansion)
    return result


def _pipelines(text: str) -> list[list[SimpleCommand]]:
    """The command's pipelines, in order; each a list of simple commands joined by |."""
    pipelines: list[list[SimpleCommand]] = []
    pipeline: list[SimpleCommand] = []
    command = SimpleCommand()

    def end_command():
        nonlocal command
        if command.words or command.redirects:
            pipeline.append(command)
        command = SimpleCommand()

    for token in _Lexer(text).run():
        if token[0] == "word":
            command.words.append(token[1])
        elif token[0] == "redir":
            command.redirects.append(token[1])
        elif token[1] in ("|", "|&"):
            end_command()
        else:
            end_command()
            if pipeline:
                pipelines.append(pipeline)
            pipeline = []
    end_command()
    if pipeline:
        pipelines.append(pipeline)
    return pipelines


# ---------------------------------------------------------------------------------------------
# Reading simple commands

KEYWORDS = {"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until",
            "esac", "time", "[[", "]]"}
WRAPPERS = {"command", "builtin", "exec", "nohup", "sudo", "time", "xargs"}
ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
ENV_OPTIONS_WITH_ARGUMENT = {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}


@dataclasses.dataclass
class _Invocation:
    name: str  # the command name, e.g. "echo"; "env" for an env dump
    name_word: Word
    args: list[Word]
    command: SimpleCommand


def _invocation(command: SimpleCommand) -> _Invocation | None:
    words = command.words
    i = 0
    while i < len(words):
        literal = words[i].literal
        if literal in ("for", "case", "select", "function"):
            return None
        if literal in KEYWORDS or ASSIGNMENT_RE.match(words[i].text):
            i += 1
        elif literal in WRAPPERS:
            i += 1
            while i < len(words) and words[i].literal.startswith("-"):
                i += 1
        elif literal == "env":
            j = i + 1
            while j < len(words):
                option = words[j].literal
                if option in ENV_OPTIONS_WITH_ARGUMENT:
                    j += 2
                elif option.startswith("-") or ASSIGNMENT_RE.match(words[j].text):
                    j += 1
                else:
                    break
            if j >= len(words):
                return _Invocation("env", words[i], words[i + 1:], command)
            i = j
        else:
            return _Invocation(literal.rsplit("/", 1)[-1], words[i], words[i + 1:], command)
    return None


def _short_flags(args: list[Word], with_argument: str) -> tuple[set[str], list[str]]:
    """Single-letter options of a command (clusters like -qi split) and its operands.
    Letters in with_argument take the rest of the cluster or the next word."""
    flags: set[str] = set()
    operands: list[str] = []
    i = 0
    while i < len(args):
        word = args[i].literal
        if word == "--":
            operands.extend(a.literal for a in args[i + 1:])
            break
        if word.startswith("--"):
            flags.add(word.split("=", 1)[0])
        elif word.startswith("-") and len(word) > 1:
            for k, letter in enumerate(word[1:], start=1):
                flags.add(letter)
                if letter in with_argument:
                    if k == len(word) - 1:
                        i += 1
                        value = args[i].literal if i < len(args) else ""
                    else:
                        value = word[k + 1:]
                    flags.add(f"{letter}={value}")
                    break
        else:
            operands.append(word)
        i += 1
    return flags, operands


GREP_ARGUMENT_LETTERS = "efmABCdD"


def _grep_patterns(args: list[Word]) -> tuple[set[str], list[str]]:
    flags, operands = _short_flags(args, GREP_ARGUMENT_LETTERS)
    patterns = [f[2:] for f in flags if f.startswith("e=")]
    for word in args:
        if word.literal.startswith("--regexp="):
            patterns.append(word.literal.split("=", 1)[1])
    if not patterns and operands:
        patterns = [operands[0]]
    return flags, patterns


def _grep_quiet(args: list[Word]) -> bool:
    flags, _ = _short_flags(args, GREP_ARGUMENT_LETTERS)
    return bool(flags & {"q", "c", "l", "L", "--quiet", "--silent", "--count",
                         "--files-with-matches", "--files-without-match"})


def _small_count(value: str) -> bool:
    return value.isdigit() and int(value) <= 8


def _hides_value(invocation: _Invocation | None) -> bool:
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
        flags, _ = _short_flags(args, "cn")
        return any(f.startswith("c=") and _small_count(f[2:]) for f in flags)
    if name == "cut":
        flags, _ = _short_flags(args, "cbdf")
        for f in flags:
            m = re.fullmatch(r"[cb]=(\d*)-(\d+)", f)
            if m and int(m.group(2)) <= 8:
                return True
    return False


def _redacts(invocation: _Invocation | None) -> bool:
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


def _output_hidden(stages: list[_Invocation | None], commands: list[SimpleCommand], index: int) -> bool:
    """Whether what stage `index` writes to stdout never reaches the terminal."""
    if _stdout_to_file(commands[index]):
        return True
    later = stages[index + 1:]
    if any(_hides_value(stage) for stage in later):
        return True
    if later and _stdout_to_file(commands[-1]) and not any(s and s.name == "tee" for s in later):
        return True
    return False


# ---------------------------------------------------------------------------------------------
# Rules


def _printed_secrets(expansions: list[Expansion]) -> list[Expansion]:
    return [e for e in expansions if is_secret_name(e.name) and e.form == "value"]


def _traced_secrets(expansions: list[Expansion]) -> list[Expansion]:
    return [e for e in expansions if is_secret_name(e.name) and e.form in ("value", "prefix")]


def _check_printing(inv: _Invocation, hidden: bool, problems: list) -> None:
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


def _has_p_option(inv: _Invocation) -> bool:
    return any(w.literal.startswith("-") and "p" in w.literal for w in inv.args)


def _redirect_input_expansions(redirect: Redirect) -> list[Expansion]:
    if redirect.op in ("<<", "<<-"):
        return redirect.body_expansions
    if redirect.op == "<<<" and redirect.target is not None:
        return redirect.target.expansions
    return []


def _is_dump(inv: _Invocation) -> bool:
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


def _check_dump(pipeline: list[SimpleCommand], stages: list[_Invocation | None], index: int,
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


CURL_ARGUMENT_LETTERS = "AbcCdDeEFHKmoPQrtTuUwxXyYz"  # short options that take a value
CURL_VALUE_OPTIONS = {"--header", "--user", "--proxy-user", "--oauth2-bearer"}
SECRET_HEADER_RE = re.compile(
    r"\s*(authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key|cookie)\s*:", re.I)


def _check_curl(inv: _Invocation, problems: list) -> None:
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
        elif re.search(r"[?&](key|api[-_]?key|token)=", literal, re.I) or _printed_secrets(word.expansions):
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


def _xtrace_switch(inv: _Invocation) -> str | None:
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


def _shell_with_xtrace(inv: _Invocation) -> bool:
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
    pipelines = _pipelines(command_text)
    problems: list[tuple[int, str]] = []  # (offset, message)
    expansions = _all_expansions(pipelines)
    xtrace_on: int | None = None
    xtrace_on_word: Word | None = None
    xtrace_regions: list[tuple[Word, int]] = []  # (set -x word, end offset)

    for pipeline in pipelines:
        stages = [_invocation(command) for command in pipeline]
        for index, inv in enumerate(stages):
            if inv is None:
                continue
            hidden = _output_hidden(stages, pipeline, index)
            _check_printing(inv, hidden, problems)
            if _is_dump(inv):
                _check_dump(pipeline, stages, index, problems)
            if inv.name == "curl":
                _check_curl(inv, problems)
            switch = _xtrace_switch(inv)
            if switch == "on" and xtrace_on is None:
                xtrace_on, xtrace_on_word = inv.name_word.offset, inv.name_word
            elif switch == "off" and xtrace_on is not None:
                xtrace_regions.append((xtrace_on_word, inv.name_word.offset))
                xtrace_on = None
            if _shell_with_xtrace(inv):
                traced = _traced_secrets(_expansions_in(command_text, 0))
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

    return _with_positions(command_text, problems)


def _with_positions(text: str, problems: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    result = set()
    for offset, message in problems:
        line = bisect.bisect_right(line_starts, offset)
        result.add((line, offset - line_starts[line - 1] + 1, message))
    return sorted(result)


# ---------------------------------------------------------------------------------------------
# Real-looking keys

KEY_CHARS = r"A-Za-z0-9_\-"
KEY_PATTERNS = [  # (kind, pattern, placeholder, variable); earlier patterns win on overlap
    ("Anthropic API key", re.compile(rf"(?<![{KEY_CHARS}])sk-ant-[{KEY_CHARS}]{{20,}}"),
     "sk-ant-...", "$ANTHROPIC_API_KEY"),
    ("OpenRouter API key", re.compile(rf"(?<![{KEY_CHARS}])sk-or-v1-[0-9a-fA-F]{{20,}}"),
     "sk-or-v1-...", "$OPENROUTER_API_KEY"),
    ("OpenAI API key", re.compile(
        rf"(?<![{KEY_CHARS}])sk-(?!ant-|or-)(?:proj-|svcacct-|admin-)?[{KEY_CHARS}]{{20,}}"),
     "sk-proj-...", "$OPENAI_API_KEY"),
    ("Google API key", re.compile(rf"(?<![{KEY_CHARS}])AIza[{KEY_CHARS}]{{35,}}"),
     "AIza...", "$GEMINI_API_KEY"),
]
PLACEHOLDER_MARKS = ("*", "...", "\u2026", "<", ">", "$", "{", "your", "xxxx", "placeholder",
                     "example", "replace", "dummy", "fake", "test", "sample", "redacted",
                     "invalid", "wrong", "mock", "errorkb", "revoked", "expired", "123456",
                     "abcdef")
TOKEN_SEPARATORS = " \t\n\"'`=,;:()[]"


def _is_placeholder(text: str, start: int, end: int) -> bool:
    while start > 0 and text[start - 1] not in TOKEN_SEPARATORS:
        start -= 1
    while end < len(text) and text[end] not in TOKEN_SEPARATORS:
        end += 1
    token = text[start:end].lower()
    if any(mark in token for mark in PLACEHOLDER_MARKS):
        return True
    return re.search(r"(.)\1{5,}", token) is not None  # 000000, aaaaaa


def real_key_problems(text: str) -> list[tuple[int, int, str]]:
    """Real-looking API keys in text: (line, column, message), sorted."""
    problems = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, placeholder, variable in KEY_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            if _is_placeholder(text, m.start(), m.end()):
                continue
            problems.append((m.start(),
                f"`{m.group(0)[:10]}\u2026` looks like a real {kind}: never publish a key; write a "
                f"placeholder such as `{placeholder}` or use the variable (`{variable}`), "
                f"and revoke the key if it is real"))
    return _with_positions(text, problems)
