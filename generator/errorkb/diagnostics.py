"""One kind of diagnostic for everything that reports on a file, and the one table of rules behind them.

Every problem errorkb finds in an error file (reading YAML, the schema, the content checks, the
command lint, shellcheck, running the scenarios) is a `Diagnostic(path, line, column, code,
message)` printed as `path:line:column: CODE message`.  The code names a rule in RULES: its
short name, its message template (the message always comes from here) and why the rule exists.
Codes are stable and never reused: a retired rule keeps its number in RETIRED.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    message: str      # a str.format template; the fields come from the check that fires
    why: str
    silenceable: bool = False   # a file may silence it with `# errorkb: disable=CODE -- reason` (lint rules)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One thing wrong with one file, at a line and column (both from 1)."""

    path: str
    line: int
    column: int
    code: str
    message: str
    details: tuple[str, ...] = field(default=(), compare=False)   # more lines: a failed run's output
    subject: str = field(default="", compare=False)   # what was checked (a command, a scenario), for counting

    def __str__(self) -> str:
        head = f"{terminal_safe(self.path)}:{self.line}:{self.column}: {self.code} {terminal_safe(self.message)}"
        return "\n".join([head, *("    " + terminal_safe(line) for line in self.details)])


def diagnostic(code: str, path: str, line: int, column: int, *, details: tuple[str, ...] | list[str] = (),
               subject: str = "", **fields) -> Diagnostic:
    """The diagnostic of rule `code` at path:line:column, its message filled from `fields`."""
    return Diagnostic(path, line, column, code, RULES[code].message.format(**fields), tuple(details), subject)


# C0 and C1 control characters (but tab and, where kept, line feed), the Unicode bidirectional controls,
# which can reorder or hide what a terminal shows, and lone surrogates.
UNSAFE_CHARACTERS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\n{UNSAFE_CHARACTERS}]")
_UNSAFE_KEEPING_LINES = re.compile(f"[{UNSAFE_CHARACTERS}]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, keep_lines: bool = False) -> str:
    """`text` with every control and bidirectional-override character written as an escape (\\x1b, \\u202e),
    so untrusted text cannot move the cursor, recolour, retitle the terminal or forge a line; with
    keep_lines, line feeds stay (for prose and code shown on several lines)."""
    return (_UNSAFE_KEEPING_LINES if keep_lines else _UNSAFE).sub(_escape, text)


def _rules(*rules: Rule) -> dict[str, Rule]:
    table: dict[str, Rule] = {}
    for rule in rules:
        assert rule.code not in table, rule.code
        table[rule.code] = rule
    return table


RULES: dict[str, Rule] = _rules(
    # ---- EKB1xx: files, folders and YAML
    Rule("EKB101", "file-too-large",
         "file is {kib} KiB; the limit is {limit} KiB: shorten the text or split it into several errors",
         "A bounded size keeps every build fast and stops a file from exhausting memory."),
    Rule("EKB102", "not-utf8", "file is not valid UTF-8 (byte 0x{byte}): save it as UTF-8",
         "Every tool that reads the files (editors, the site, the browser) expects UTF-8."),
    Rule("EKB103", "empty-file", "file is empty: write the fields of the error, see docs/contributing.md",
         "An empty file would be an error page with no content."),
    Rule("EKB104", "tab-indent",
         "tab character in indentation: YAML indents with spaces, replace the tab with spaces",
         "YAML forbids tabs in indentation; editors show them at different widths."),
    Rule("EKB105", "yaml-syntax", "YAML syntax error: {detail}",
         "The file must parse before anything else can be checked."),
    Rule("EKB106", "several-documents", "more than one YAML document ('---'): keep one error per file",
         "One file is one error, so that ids, edit links and reviews map one to one."),
    Rule("EKB107", "yaml-alias", "alias '*{anchor}' is not allowed: write the value out in full",
         "Aliases can expand exponentially (billion laughs) and hide where text comes from."),
    Rule("EKB108", "yaml-anchor", "anchor '&{anchor}' is not allowed: write each value out in full",
         "Anchors only serve aliases, which are refused."),
    Rule("EKB109", "yaml-tag", "YAML tag '{tag}' is not allowed: write the value without a tag",
         "Tags can construct arbitrary objects in some loaders; plain values are all a file needs."),
    Rule("EKB110", "too-deep", "nested more than {depth} levels deep: flatten the structure",
         "No field nests this deep, and deep nesting is a way to exhaust memory or recursion."),
    Rule("EKB111", "complex-key", "a mapping key must be plain text",
         "Field names are text; a list or mapping as a key has no meaning in the format."),
    Rule("EKB112", "duplicate-key", "duplicate key '{key}' (first at line {first_line}, column {first_column}): "
                                    "keep only one",
         "YAML loaders silently keep the last value, so the first one would be lost without a word."),
    Rule("EKB113", "unreadable-file", "cannot read the file: {reason}",
         "Only regular files inside the errors folder are read."),
    Rule("EKB114", "not-a-mapping", "the file must be a mapping of field names to values",
         "An error file is a set of named fields."),
    Rule("EKB115", "number-too-long", "a number of {digits} digits is too long: quote it to make it text",
         "Converting a huge number takes unbounded time, and no field needs one."),
    Rule("EKB116", "link-outside-errors", "this is a link to {target}, outside the errors folder: copy the file "
                                          "or folder in instead",
         "Validation and builds read only the errors folder; a link could read any file on the machine."),
    Rule("EKB117", "hidden-character", "the file contains the character {character}, which can hide or reorder "
                                       "what editors, reviews and terminals show: remove it",
         "Control and bidirectional characters anywhere in a file, comments included, can make a review show "
         "something other than what is read (Trojan Source)."),
    Rule("EKB120", "no-errors-folder", "errors folder not found",
         "There is nothing to validate or build without it."),
    Rule("EKB121", "file-outside-provider", "error files belong in errors/<provider>/<slug>.yaml: move it into a "
                                            "provider folder",
         "An error's id and page address come from its provider folder and file name."),
    Rule("EKB122", "bad-provider-folder-name", "provider folder names are lower-case letters and digits joined "
                                               "by '-'",
         "The folder name becomes part of every page address and id."),
    Rule("EKB123", "no-provider-file", "provider folder has no _provider.yaml: add one with name, homepage, "
                                       "api_hosts, status_page and description",
         "The provider page and the matcher's provider hints come from it."),
    Rule("EKB124", "nested-folder", "folders inside a provider folder are not read: move its files up",
         "Files there would be silently skipped otherwise."),
    Rule("EKB125", "yml-extension", "rename the file to end in .yaml",
         "One extension keeps ids and tools simple; a .yml file would be silently skipped otherwise."),
    Rule("EKB126", "bad-file-name", "file names are lower-case letters and digits joined by '-', ending in .yaml",
         "The file name becomes the error's id and page address."),
    Rule("EKB127", "schema-line", "the first line must be '{schema_line}' so that editors complete and check the fields",
         "Editors with the YAML language server read the schema from this line."),
    # ---- EKB2xx: the schema
    Rule("EKB201", "unknown-field", "unknown field '{key}'{where}: {hint}",
         "A misspelt field would be silently ignored and its content lost."),
    Rule("EKB202", "missing-field", "missing required field '{name}'{where}{hint}",
         "Every page has the same sections; a missing one leaves a hole readers notice."),
    Rule("EKB203", "wrong-type", "{field} must be {expected}, not {actual}",
         "Templates and the matcher rely on each field's type."),
    Rule("EKB204", "empty-value", "{field} must not be empty",
         "An empty field renders as an empty section or an empty pattern."),
    Rule("EKB205", "too-long", "{field} is too long ({length} characters; at most {limit})",
         "Short fields (titles, signatures) must fit where they are shown."),
    Rule("EKB206", "bad-format", "{field} {hint}",
         "Dates, ids, variable names, URLs and hosts have fixed forms that other code parses."),
    Rule("EKB207", "too-few-items", "{field} needs at least {count} item(s)",
         "A list section with nothing in it has nothing to say."),
    Rule("EKB208", "duplicate-item", "{field} has the same item twice: remove the duplicate",
         "Repeated items add nothing and usually mean a copy-paste slip."),
    Rule("EKB209", "not-allowed-value", "{field} must be one of: {options}{hint}",
         "Enumerated fields drive fixed behaviour (frequency ranking, platform names)."),
    Rule("EKB210", "out-of-range", "{field} must be between {minimum} and {maximum}",
         "Numbers such as HTTP statuses have a meaningful range."),
    Rule("EKB211", "pattern-kind", "{field} must have exactly one of 'literal' or 'regex'",
         "A pattern is either a literal or a regex, never both or neither."),
    Rule("EKB299", "schema", "{field}: {detail}",
         "Any other schema rule; its own message says what is wrong."),
    # ---- EKB3xx: content checks within and across files
    Rule("EKB301", "updated-not-a-date", "updated '{value}' is not a real date: write YYYY-MM-DD",
         "Readers and search engines are shown this date."),
    Rule("EKB302", "updated-in-future", "updated {value} lies in the future (today is {today})",
         "A future date is a typo, and it would mislead readers."),
    Rule("EKB303", "regex-does-not-compile", "regex does not compile: {reason} at position {position}",
         "A broken regex would fail the build or never match."),
    Rule("EKB304", "regex-not-javascript", "regex uses {feature}, which JavaScript does not support in the "
                                           "browser: rewrite it without",
         "The paste box runs the same patterns in the browser."),
    Rule("EKB305", "regex-matches-empty", "regex matches empty text, so it would match every log: make it require "
                                          "some text",
         "A pattern that matches nothing-in-particular would claim every paste."),
    Rule("EKB311", "regex-backtracking", "regex has {part}, which can take the browser's matcher seconds on a "
                                         "crafted paste: {advice}",
         "The paste box runs patterns in JavaScript's backtracking engine; nested or unbounded repetition lets one "
         "paste freeze it."),
    Rule("EKB312", "regex-not-linear", "regex uses syntax the linear-time engine lacks ({reason}): rewrite it "
                                       "without lookaround or back-references",
         "errorkb matches patterns with RE2 in Python, which answers any paste in linear time."),
    Rule("EKB313", "regex-not-ascii", "regex holds the non-ASCII character {character}: match it with a literal "
                                      "pattern instead",
         "Case-insensitive matching of non-ASCII letters differs between the Python and browser engines."),
    Rule("EKB306", "duplicate-scenario-name", "two scenarios are named '{name}': rename one",
         "Scenario names identify checks in reports and tests."),
    Rule("EKB307", "related-to-itself", "an error cannot be related to itself",
         "A related link to the same page is noise."),
    Rule("EKB308", "unknown-related", "related error '{related}' does not exist{hint}",
         "A related link to a missing page would be broken."),
    Rule("EKB310", "control-character", "{field} contains the character {character}, which can hide or reorder "
                                        "what terminals and pages show: remove it",
         "Control and bidirectional-override characters can forge terminal output or disguise text."),
    Rule("EKB314", "related-one-way", "related error '{related}' does not list this error among its related: add "
                                      "'{this}' to its related",
         "Related links go both ways, so that a reader who lands on either page finds the other."),
    Rule("EKB315", "unknown-provider", "'{provider}' is not a provider folder{hint}",
         "A tool's calls name the provider folders whose errors it shows."),
    Rule("EKB316", "source-not-https", "source URL '{url}' is not https: link the https address of the page",
         "Readers follow the sources; a plain http link can be altered on the way, and every site the sources "
         "name serves https."),
    Rule("EKB317", "placeholder", "{field} still holds the scaffold's placeholder: {hint}",
         "A draft made by `errorkb new` must not be published before every field is written."),
    Rule("EKB309", "duplicate-signature", "signature is the same as in {other}: each error needs its own "
                                          "signature; merge the two or make this one exact",
         "Two pages for one signature split readers and search results."),
    # ---- EKB33x: lint, errorkb validate only; a file may silence one with `# errorkb: disable=CODE -- reason`
    Rule("EKB330", "signature-not-matched", "the signature '{signature}' is not found by this error's own patterns: "
                                            "add a literal pattern with its wording",
         "A reader who pastes exactly the line the page names must land on the page; the signature alone proves "
         "nothing about the patterns.", silenceable=True),
    Rule("EKB331", "pattern-steals-vector", "this error's patterns match the test vector '{vector}' ({file}), which "
                                            "must find {expected}, and rank this error {rank}: make the patterns "
                                            "more specific",
         "An overlap between two errors' patterns sends a reader's paste to the wrong page.", silenceable=True),
    Rule("EKB332", "over-length-budget", "{field} is {length} characters, over its budget of {budget}: say it in "
                                         "one shorter sentence",
         "The summary and the quick fix are shown in search results, the paste box and the home page, where a long "
         "sentence is cut off.", silenceable=True),
    Rule("EKB333", "faq-not-a-question", "the FAQ question '{question}' does not end with '?': write it as the "
                                         "question a reader asks",
         "FAQ entries are published as questions (and as FAQ structured data that search engines read).",
         silenceable=True),
    Rule("EKB334", "no-reproduce-and-fixed", "'{title}' calls the API, but no command of this API error has both "
                                             "a 'reproduce' and a 'fixed' scenario: add them to the command",
         "errorkb check must prove that a command tells the error apart from its fix (EKB502); saying so before "
         "anything runs saves a round trip.", silenceable=True),
    Rule("EKB335", "updated-before-change", "updated {value} is older than the file's last change in git "
                                            "({changed}, commit {commit}): check the content and set updated to "
                                            "the date you did",
         "Readers trust the date; a page changed after the date it shows claims a check that did not happen. "
         "Without git, or in a shallow clone, the history is unknown and the rule is skipped.", silenceable=True),
    Rule("EKB336", "bad-disable-comment", "{detail}",
         "A silenced rule must name a lint rule and say why, so that reviewers can judge the exception."),
    # ---- EKB4xx: commands, before they run
    Rule("EKB401", "shellcheck", "shellcheck {sc_code} ({level}) in '{title}': {detail}",
         "Commands are pasted verbatim into terminals; shellcheck findings are bugs readers would hit."),
    Rule("EKB402", "prints-secret", "'{title}' could print a secret: {detail}",
         "A command that prints an API key puts it in terminal scrollback, logs and screenshots."),
    Rule("EKB403", "real-key", "`{start}\u2026` looks like a real {kind}: never publish a key; write a placeholder "
                               "such as `{placeholder}` or use the variable (`{variable}`), and revoke the key if "
                               "it is real",
         "A published key is a leaked key."),
    Rule("EKB404", "paste-exits", "'{title}' runs `{command}` in the reader's shell: pasted, it closes the terminal "
                                  "or SSH session; end with the last command's output instead",
         "Commands are pasted into an interactive shell, where exit and return end the session."),
    Rule("EKB405", "paste-sets-options", "'{title}' runs `{command}` in the reader's shell, where the option stays "
                                         "set after the paste: drop it, or run the commands in ( ... )",
         "set -e closes the reader's shell at their next failing command; -u and -x change every later command."),
    Rule("EKB406", "paste-changes-folder", "'{title}' runs `{command}` in the reader's shell, which is left in "
                                           "another folder: use ( cd ... && ... ) or paths instead",
         "A paste should leave the reader where they were."),
    Rule("EKB407", "paste-special-variable", "'{title}' assigns {name}, which the shell itself owns: use another "
                                             "name",
         "In zsh status is read-only and path is PATH; assigning HOME, PATH or IFS breaks the reader's session."),
    Rule("EKB408", "bash-only-syntax", "'{title}' uses {syntax}, which zsh does not have: rewrite it, or claim "
                                       "`shells: [bash]`",
         "Commands claim zsh by default (the macOS shell); bash-only syntax fails there."),
    Rule("EKB409", "history-expansion", "'{title}' has a `!` that interactive shells read as history expansion: "
                                        "put it in single quotes, or rephrase",
         "Pasted into bash or zsh, `!word` is replaced by an old command, or the paste fails with 'event not found'."),
    Rule("EKB410", "zsh-nomatch", "'{title}' has an unquoted `{character}` in {word}, which zsh reads as a pattern "
                                  "and stops with 'no matches found': quote it",
         "zsh refuses a command whose unquoted pattern matches no file (a URL with ?query, for one)."),
    Rule("EKB411", "zsh-modifier", "'{title}' writes {expansion}, which zsh reads as a modifier of the "
                                   "expansion: write it with braces, as ${{name}}:...",
         "In zsh, $want:latest is $want in lower case followed by 'atest'."),
    # ---- EKB5xx: running the commands against the mocks
    Rule("EKB501", "scenario-failed", "{check}: '{title}' failed",
         "Every command is run as printed; a scenario that fails means the page's promise is broken."),
    Rule("EKB502", "error-not-reproduced", "no command shows the error in a passing 'reproduce' scenario "
                                           "(errorkb match must offer this page first for its output) and succeeds "
                                           "in a passing 'fixed' scenario",
         "An API error's page must prove that its commands tell the error apart from its fix."),
)

# Codes of rules that were removed; never give them to a new rule.
RETIRED: frozenset[str] = frozenset()


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(found: Diagnostic) -> str:
    """`found` as a GitHub Actions workflow command, `::error file=...,line=...,col=...,title=CODE::message`, which
    GitHub shows on that line of the pull request; escaped by GitHub's rules (%, CR and LF everywhere, and : and ,
    in properties), after terminal_safe, so the text cannot end the command or start another."""
    properties = ",".join(f"{name}={_github_property(terminal_safe(str(value)))}" for name, value in
                          (("file", found.path), ("line", found.line), ("col", found.column), ("title", found.code)))
    message = "\n".join([f"{found.code} {found.message}", *found.details])
    return f"::error {properties}::{_github_data(terminal_safe(message, keep_lines=True))}"
