"""Lint: what breaks, or changes the reader's shell, when a command is pasted into an interactive bash or zsh.

`paste_hazards(command_text, shells)` returns (code, line, column, fields) for each hazard, in order:

- EKB404 `exit` or `return` in the reader's shell: the terminal or SSH session closes.
- EKB405 `set -e`, `-u`, `-x` (or -o errexit/nounset/xtrace/pipefail): the option stays set in the reader's
  shell and breaks what they type next (the shell closes on the next failing command with -e).
- EKB406 `cd`, `pushd`, `popd` in the reader's shell: the reader is left in another folder.
- EKB407 an assignment to a variable the shell itself owns (zsh: status, path, argv...; both: HOME, PATH,
  IFS...): read-only in zsh, or it breaks the reader's session (path= empties zsh's PATH).
- EKB408 bash-only syntax in a command that claims zsh: ${!name}, compgen, mapfile, readarray, shopt,
  BASH_REMATCH, ${x^^}, read -a, declare -n.
- EKB409 `!` where interactive shells expand history (unquoted or inside double quotes, before a word).
- EKB410 an unquoted `*`, `?` or `[` in a command that claims zsh: zsh stops with "no matches found" when
  nothing matches (a URL with a query string, for one).
- EKB411 `$name:` followed by a letter, in a command that claims zsh: zsh reads `:l`, `:h`, `:t`... as a
  modifier of the expansion ("$model:latest" becomes the model name in lower case, then "atest").

A command's own subshells (`( ... )`, `$( ... )`, the stages of a pipeline) are the command's business: only
what runs in the reader's shell counts for EKB404 to EKB407.
"""

from __future__ import annotations

import re

from .shell import ASSIGNMENT_RE, KEYWORDS, Lexer, SimpleCommand, Word, line_column, read_pipelines

ZSH_SPECIAL = {"status", "path", "argv", "pipestatus", "options", "commands", "functions", "aliases", "history",
               "prompt", "cdpath", "fpath", "manpath", "module_path", "mailpath", "psvar", "watch", "signals",
               "parameters", "modules", "jobtexts", "jobstates", "userdirs", "nameddirs", "funcstack", "termcap",
               "terminfo", "errnos", "dirstack", "historywords", "widgets", "keymaps", "reswords", "match",
               "mbegin", "mend", "reply", "ERRNO", "USERNAME", "ZSH_NAME", "ZSH_VERSION"}
BOTH_SPECIAL = {"HOME", "PATH", "IFS", "PWD", "OLDPWD", "SHELL", "PS1", "PS2", "PROMPT", "RANDOM", "SECONDS",
                "LINENO", "PPID", "UID", "EUID", "GID", "EGID", "HISTFILE", "HISTSIZE", "SHLVL", "OPTIND",
                "OPTARG", "COLUMNS", "LINES", "TERM", "CDPATH", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS",
                "GROUPS", "PIPESTATUS", "FUNCNAME", "BASH_SOURCE", "BASH_LINENO"}
BASH_ONLY = [
    (re.compile(r"\$\{!"), "${{!...}} (indirect expansion)"),
    (re.compile(r"(?:^|[\s;|&(`])(compgen|mapfile|readarray|shopt)(?=\s|$)", re.M), "{0}"),
    (re.compile(r"\bBASH_REMATCH\b"), "BASH_REMATCH"),
    (re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(\^\^|,,|\^|,)\}"), "${{name{0}}} (case conversion)"),
    (re.compile(r"(?:^|[\s;|&])read\s+(?:-[a-zA-Z]*\s+)*-[a-zA-Z]*a\b", re.M), "read -a"),
    (re.compile(r"(?:^|[\s;|&])(?:declare|local|typeset)\s+-[a-zA-Z]*n\b", re.M), "declare -n (name references)"),
]
# $name:x where zsh applies the modifier x (h t r e l u a A c q Q s g & p P w W f F x)
_ZSH_MODIFIER = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*:[hterluaAcqQsgpPwWfFx&]")
_SET_OPTIONS = re.compile(r"^[-+][a-zA-Z]*[eux][a-zA-Z]*$")
_SET_LONG = {"errexit", "nounset", "xtrace", "pipefail"}
_DECLARERS = {"export", "local", "declare", "typeset", "readonly"}


def paste_hazards(text: str, shells: list[str]) -> list[tuple[str, int, int, dict]]:
    """What breaks when `text` is pasted into an interactive shell of `shells` (see the module docstring)."""
    found: list[tuple[int, str, dict]] = []   # (offset, code, fields)
    zsh = "zsh" in shells
    for pipeline in read_pipelines(text):
        for command in pipeline:
            if command.subshell or len(pipeline) > 1:
                continue
            found.extend(_reader_shell_hazards(command, zsh))
    if zsh:
        for pattern, what in BASH_ONLY:
            for match in pattern.finditer(text):
                offset = match.start(1) if match.groups() and match.group(1) else match.start()
                found.append((offset, "EKB408", {"syntax": what.format(*match.groups())}))
        found.extend((offset, "EKB410", {"character": character, "word": word})
                     for offset, character, word in _unquoted_globs(text))
        found.extend((match.start(), "EKB411", {"expansion": match.group(0)})
                     for match in _ZSH_MODIFIER.finditer(text))
    found.extend((offset, "EKB409", {}) for offset in _history_expansions(text))
    result = []
    for offset, code, fields in sorted(found, key=lambda item: (item[0], item[1])):
        line, column = line_column(text, offset)
        if not any(code == other[0] and line == other[1] for other in result):   # one of a kind per line
            result.append((code, line, column, fields))
    return result


def _words(command: SimpleCommand) -> list[Word]:
    """The command's words after its leading keywords (if, then, {, !...)."""
    words = list(command.words)
    while words and words[0].literal in KEYWORDS:
        words.pop(0)
    return words


def _reader_shell_hazards(command: SimpleCommand, zsh: bool) -> list[tuple[int, str, dict]]:
    words = _words(command)
    found = []
    assignments = []
    while words and ASSIGNMENT_RE.match(words[0].text):
        assignments.append(words.pop(0))
    name = words[0].literal if words else ""
    if name in ("exit", "return", "logout"):
        found.append((words[0].offset, "EKB404", {"command": name}))
    elif name == "set":
        args = [word.literal for word in words[1:]]
        if any(_SET_OPTIONS.match(arg) for arg in args) or \
                any(arg in ("-o", "+o") and nxt in _SET_LONG for arg, nxt in zip(args, args[1:])):
            found.append((words[0].offset, "EKB405", {"command": " ".join(["set", *args])}))
    elif name in ("cd", "pushd", "popd"):
        found.append((words[0].offset, "EKB406", {"command": name}))
    if name in _DECLARERS:
        assignments.extend(word for word in words[1:] if ASSIGNMENT_RE.match(word.text))
    elif name in ("read", "for"):
        assignments.extend(word for word in words[1:] if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word.literal))
    standalone = not words or name in _DECLARERS or name in ("read", "for")
    for word in assignments:
        variable = re.match(r"[A-Za-z_][A-Za-z0-9_]*", word.literal).group(0)
        zsh_owned = zsh and variable in ZSH_SPECIAL
        if zsh_owned or (standalone and variable in BOTH_SPECIAL):
            found.append((word.offset, "EKB407", {"name": variable}))
    return found


def _history_expansions(text: str) -> list[int]:
    """Offsets of `!` that an interactive bash or zsh expands: outside single quotes, not before a blank,
    `=`, `(` or the end, and not `$!` or `${!`."""
    offsets, quote, i = [], None, 0
    while i < len(text):
        c = text[i]
        if quote == "'":
            if c == "'":
                quote = None
        elif c == "\\":
            i += 1
        elif c == "'" and quote is None:
            quote = "'"
        elif c == '"':
            quote = None if quote == '"' else '"'
        elif c == "#" and quote is None and (i == 0 or text[i - 1] in " \t\n;"):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif c == "!":
            after = text[i + 1:i + 2]
            before = text[max(0, i - 2):i]
            if after and after not in " \t\n=(" and not before.endswith("$") and not before.endswith("${"):
                offsets.append(i)
        i += 1
    return offsets


def _unquoted_globs(text: str) -> list[tuple[int, str, str]]:
    """Unquoted *, ? and [ inside words (not `[`, test brackets, assignments, $(( )), ${ }, [[ ]] or the
    patterns of a case): (offset, character, word)."""
    found = []
    case_state = []        # per open case: "word" (its subject), "in", "pattern" or "body"
    in_test = False
    for token in Lexer(text).run():
        if token[0] == "op":
            if case_state and token[1] == ")" and case_state[-1] == "pattern":
                case_state[-1] = "body"
            elif case_state and token[1] in (";;", ";&", ";;&") :
                case_state[-1] = "pattern"
            continue
        if token[0] != "word":
            continue
        word = token[1]
        literal = word.literal
        if literal == "case":
            case_state.append("word")
            continue
        if case_state:
            if case_state[-1] == "word":
                case_state[-1] = "in"
                continue
            if case_state[-1] == "in" and literal == "in":
                case_state[-1] = "pattern"
                continue
            if literal == "esac":
                case_state.pop()
                continue
            if case_state[-1] == "pattern":
                continue
        if literal == "[[":
            in_test = True
        elif literal == "]]":
            in_test = False
        if in_test or literal in ("[", "]", "[[", "]]") or ASSIGNMENT_RE.match(word.text):
            continue
        for offset, character in _unquoted_glob_characters(word):
            found.append((offset, character, word.text))
    return found


def _unquoted_glob_characters(word: Word) -> list[tuple[int, str]]:
    out, quote, depth, i, t = [], None, 0, 0, word.text
    while i < len(t):
        c = t[i]
        if quote == "'":
            quote = None if c == "'" else quote
        elif c == "\\":
            i += 1
        elif c in "'\"" and depth == 0:
            quote = None if quote == c else (c if quote is None else quote)
        elif c == "$" and t[i + 1:i + 2] and t[i + 1] in "?*#@!$-":   # $? $* ...: special parameters
            i += 1
        elif c == "$" and t[i + 1:i + 2] in ("(", "{"):
            depth += 1
            i += 1
        elif c in ")}" and depth:
            depth -= 1
        elif c == "`":
            depth = 0 if depth else 1
        elif c in "*?[" and quote is None and depth == 0:
            out.append((word.offset + i, c))
        i += 1
    return out
