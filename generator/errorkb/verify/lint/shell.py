"""A small reader of bash commands, for the command lint: words, expansions, redirections, pipelines.

Not a full parser: it tokenizes quotes, $(...), ${...}, here-documents and pipelines well enough
to see which simple commands a copy-paste command runs and with which words
(`read_pipelines`, `read_invocation`), and which variables each word expands (`Word.expansions`).
Contents of $(...) and backticks are not examined (their output is captured, not printed).
"""

from __future__ import annotations

import dataclasses
import re

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
    subshell: int = 0   # how many ( ... ) subshells it runs in; 0: in the shell that reads the command


OPERATORS = ("||", "|&", "|", "&&", ";;", ";&", ";", "&", "(", ")")
REDIRECT_RE = re.compile(r"(\d+|&)?(>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)")
WORD_END = set(" \t\n;&|()<>")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Lexer:
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
                    redirect.body_expansions.extend(expansions_in(line, i))
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


def expansions_in(text: str, base: int) -> list[Expansion]:
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


def read_pipelines(text: str) -> list[list[SimpleCommand]]:
    """The command's pipelines, in order; each a list of simple commands joined by |."""
    pipelines: list[list[SimpleCommand]] = []
    pipeline: list[SimpleCommand] = []
    depth = 0
    command = SimpleCommand()

    def end_command():
        nonlocal command
        if command.words or command.redirects:
            pipeline.append(command)
        command = SimpleCommand(subshell=depth)

    for token in Lexer(text).run():
        if token[0] == "word":
            command.words.append(token[1])
        elif token[0] == "redir":
            command.redirects.append(token[1])
        elif token[1] in ("|", "|&"):
            end_command()
        else:
            depth = depth + 1 if token[1] == "(" else max(0, depth - 1) if token[1] == ")" else depth
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
class Invocation:
    name: str  # the command name, e.g. "echo"; "env" for an env dump
    name_word: Word
    args: list[Word]
    command: SimpleCommand


def read_invocation(command: SimpleCommand) -> Invocation | None:
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
                return Invocation("env", words[i], words[i + 1:], command)
            i = j
        else:
            return Invocation(literal.rsplit("/", 1)[-1], words[i], words[i + 1:], command)
    return None


def short_flags(args: list[Word], with_argument: str) -> tuple[set[str], list[str]]:
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


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset in text."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def with_positions(text: str, problems: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """(offset, message) pairs as unique (line, column, message), 1-based, sorted."""
    return sorted({(*line_column(text, offset), message) for offset, message in problems})
