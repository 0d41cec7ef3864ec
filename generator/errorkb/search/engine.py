"""The matcher's engine: find the error page that a pasted log belongs to, from an index.

`match(index, text, top)` interprets an index made by errorkb.search.index.build_index
(the rules of errorkb.search.rules, the provider hints and, per error, its patterns, with
everything that depends only on the index precomputed).  matcher.js, beside this file,
runs the very same algorithm on the same index in the browser, so both return the same
ids, in the same order, with the same scores and the same matched text.

Algorithm
---------
1. Normalise the paste (`Engine.normalise_lines`): strip ANSI escape sequences, undo JSON /
   Python-repr escaping (\\" \\' \\n \\uXXXX \\xXX, repeated for nested
   escaping), strip ANSI again, drop control characters, fold the Kelvin sign and
   the long s (RE2 would equate them with k and s), turn every kind of quote
   into ', "…" into "...", collapse whitespace, strip terminal box borders
   (│ ┃ | ╭ ╰ ─ ...) at line edges, drop empty and border-only lines, and cut a
   line longer than LINE_CAP UTF-16 units into pieces, read as wrapped lines.
2. Mask variable parts (`Engine.mask`, rules.MASK_RULES) the way error-grouping systems
   parameterise messages: URLs, e-mails, masked keys (sk-abc1***wxyz), API keys, uuids,
   request/message ids, org ids, long hex ids, file paths, model names (known
   families and any quoted name after "model"), numbers.  Each becomes a
   placeholder such as <key>, <model>, <num>.  A masked part never spans a
   line break: the text is masked line by line.
3. Patterns.  A *literal* comes from `patterns`, from `signature.text`
   without its leading "<status> <type>:" part (status and type are scored
   separately), and from an error_code that belongs to one error only (such as
   insufficient_quota; derived by the matcher from the record, not stored; anchored on its two longest words).
   Authors may write literals with concrete values ("model 'llama3' not
   found") or with gaps ("...", <name>, {name}).  A literal is normalised like a
   paste, cut to 80 characters at a space (specificity saturates well before),
   and compared as *compact* lower-case fragments (spaces removed; gaps split
   it into fragments that must occur in order, at most `gap` characters apart):
     - unmasked: against the compact unmasked window; full specificity;
     - masked:   masked like the text, against the compact masked window;
                 specificity counts only the characters outside placeholders.
   Compact matching makes literals immune to wrapped lines, to JSON vs. repr
   spacing ({"a":"b"} vs {'a': 'b'}) and to how wrapped lines are rejoined.
   If neither form matches, a literal with a variable part and three or more
   tokens may match *fuzzily*: its masked tokens appear in order in the masked
   window with at most two extra tokens in between ("model '<model>' was not
   found"), at a penalty.  A *regex* is compiled by RE2 (time linear in the text) with the index's
   `regex_flags` ("i") and searched in the normalised, unmasked window text
   with lines joined by one space; its quotes are unified at build time like
   the text's, so ['"] works.  A short paste (one window of at most `short`
   compact characters, e.g. one line typed into the search box) is also looked
   for inside every literal ("You exceeded your current quota" is part of the
   quota message), scored by its own length.
4. Score.  Per error and window: the best pattern's score
   (0.4 + 0.5 * min(1, alnum_chars / 40)), plus a little per extra pattern hit,
   plus / minus: HTTP status seen in the window (or a different one seen),
   error_code / error_type seen as a token (or another error's code seen),
   provider evidence.  Provider evidence comes from hints (hostnames from
   `api_hosts` and the homepage, SDK module names, header names, body shapes)
   found in the compact window; strong hints weigh 1, weak ones (the openai SDK,
   which talks to many servers; key prefixes; model names) 0.4.  When another
   provider's evidence is stronger than the error's own and strong, the score
   is multiplied by `mismatch` (a 401 from Anthropic is not OpenAI's page; a
   Gemini quota message is not OpenAI's).  A tool and the providers it `calls`
   are allies, never another provider to each other (Cline printing Anthropic's
   error counts against neither page).  Results below `threshold` (0.55)
   are dropped: nothing is better than a wrong page.  Scores are rounded to
   three decimals (about 0.55 to 1.3; not a probability); ties are broken by id.

Multi-line input and speed
--------------------------
The normalised lines are cut into blocks of `block` lines.  Every pair of
neighbouring blocks is a window (a paste of at most two blocks is one window),
so any two lines up to `block` apart share a window, and a pattern that spans a
line break is still seen.  Each pattern has an *anchor*: one or two words (four
or more characters, preferably inside the pattern rather than at its edge, not
a stop word, rare in the knowledge base, long) that every match must contain;
a regex with top-level alternatives has one anchor per alternative.  For each
block the set of words is computed once and only patterns whose anchor words
occur are tested, and only in windows touching that block; patterns without an
anchor are tested in every window.  Hard-wrapped terminal lines (as long as the
widest line) also contribute the word formed by joining the last word of a line
with the first of the next, so an anchor cut in half by the wrap still counts.
An error's score is its best window's score.

Everything else only saves work and changes no result:
- What a window needs beyond its plain text is computed when first needed, at
  most once per block, and combined for the two blocks of a window: the masked
  text (masked line by line, so per block) and, for windows with a hit, the
  statuses (status rules never match across a line break) and tokens of both
  blocks, and provider evidence: the hints found in either block or in the few
  characters where the two blocks meet.  Hints are grouped by a key word every
  needle of the group contains (openai for api.openai.com, openai-version ...);
  a block without the key is not searched for the group's needles.
- A literal is searched for in the unmasked window only if its first fragment
  occurs; masking is needed only for windows where a masked or fuzzy test is
  possible (the placeholder-free parts of the masked literal occur in the
  plain text; once a window is masked, the fuzzy test runs without that
  check).  A mask rule is skipped for a block that lacks a string every match
  of it contains ("@" for e-mails, "**" for masked keys; index._mask_pieces).
- A regex is searched for only if, for one of its top-level alternatives, the
  literal runs every match of it contains (compact, lower-case, four or more
  characters: "accountbudget" for "account budget \\S+") occur in the window
  (index._required_pieces).
- matcher.js also keeps, for windows of 1024 or more compact characters, a
  bitmap of the hashed 4-grams of the compact text, and skips indexOf for
  every string (a literal's fragments, needles, a regex's runs, provider
  hints) one of whose 4-grams is missing; it finds hints in the whole window
  rather than per block.  In Python the C string search is already cheaper
  than building such a set.

Index format (JSON; made by build_index, read by both implementations)
-----------------------------------------------------------------------
version (5), rules {name: [regex source, flags]}, masks [[name, source,
placeholder, keep group 1, required pieces or null]], status [sources; group 1
is the status], weights {...}, block, gap, short, fuzzy_extra, fuzzy_min,
regex_flags, all_codes / all_types (every error's distinctive error_code / error_type), shared_codes (the
codes of two or more errors), providers [slugs], allies [[provider indexes] per provider], hints [[needle, provider index, weight]],
hint_groups [[key or null, [hint indexes]]], url [prefix, suffix] (url = prefix + id +
suffix unless listed in errors.urls), errors: the records column by column
(columns gzip better than rows), {slug: [...], title, provider (index), status
(http status or 0), code (error_code, or 1: "the slug with _ for -", or ""),
type (index in types), types (error_type or ""), literals, regexes, urls
[[row, url]] (only the urls that differ from the template)}.  A slug that
shares three or more leading characters with the previous one is stored as
[their number, the rest]; a title that contains the slug's words (the slug
with - as space) as [text before, text after] them.
literals are [[normalised text, anchor token positions...]] (positions index
the words of the masked literal, see Engine.literal_tokens), regexes
[[source, anchors, specificity, required pieces or null]] (anchors: per
alternative a list of words or positions in the words of the lower-cased
source; required pieces: per alternative the strings every match contains).  error_code / error_type
are kept only when distinctive (they contain "_" or are CamelCase).  A slug
starting with "/" is a whole id.

Each result names the mask rules that fired in the text it matched (`masks`),
so a reader can see why "model 'x'" matched "model '<model>'".

Parity notes: all regexes avoid lookbehind, named groups and inline flags;
Python compiles them with re.ASCII so \\w \\d \\b mean what they mean in JS.
Lengths are counted in UTF-16 units where they matter (the wrap width).
"""

from __future__ import annotations

import math
import re

from ..kb.pattern_syntax import compile_linear
from .rules import INDEX_VERSION

def flags_of(flags: str) -> int:
    value = re.ASCII
    if "i" in flags:
        value |= re.IGNORECASE
    if "m" in flags:
        value |= re.MULTILINE
    return value


def round3(value: float) -> float:
    """Round half up to three decimals with the same float operations as matcher.js."""
    return math.floor(value * 1000 + 0.5) / 1000


def ulen(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript counts it."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_UPPER = re.compile(r"[A-Z]+")


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only, so lengths never change (JS: the same)."""
    if text.isascii():
        return text.lower()
    return _UPPER.sub(lambda m: m.group(0).lower(), text)


def _pattern_regex(src: str, flags: int):
    """A pattern regex compiled by RE2, which answers in time linear in the text (validation makes sure every
    pattern compiles there); Python's `re` only for an index made from unvalidated patterns; None if neither."""
    linear, _ = compile_linear(src, case_sensitive=not flags & re.IGNORECASE)
    if linear is not None:
        return linear
    try:
        return re.compile(src, flags)
    except re.error:
        return None


# ----------------------------------------------------------------------------- compiled index


class Engine:
    """An index with its regexes compiled, literals expanded and the anchor map built.

    Built once per index object (see `engine_for`); `build_index` also uses a
    rules-only instance to prepare literals exactly as the matcher will.
    """

    def __init__(self, index: dict):
        if index.get("version") != INDEX_VERSION:
            raise ValueError(f"unsupported matcher index version {index.get('version')!r}")
        self.re = {name: re.compile(src, flags_of(flags)) for name, (src, flags) in index["rules"].items()}
        # (name, compiled, placeholder, keep, required pieces or None)
        self.masks = [(name, re.compile(src, flags_of("i")), placeholder, keep, pieces)
                      for name, src, placeholder, keep, pieces in index["masks"]]
        self.status = [re.compile(src, flags_of("m")) for src in index["status"]]
        self.w: dict = index["weights"]
        self.block: int = index["block"]
        self.gap: int = index["gap"]
        self.short: int = index["short"]
        self.line_cap: int = index["line"]
        self.fold: dict[str, str] = index["fold"]
        self.fuzzy_extra: int = index["fuzzy_extra"]
        self.fuzzy_min: int = index["fuzzy_min"]
        self.nprov = len(index["providers"])
        self.allies: list[set[int]] = [set(group) for group in index["allies"]]
        self.hints = index["hints"]
        # Hints grouped by a key (a word of the needle, shared by many hints of one provider): a block is
        # searched for a group's needles only when it contains the key.  hint_span: the longest needle - 1.
        self.hint_groups = [(key, [self.hints[number] for number in members]) for key, members in index["hint_groups"]]
        self.hint_span = max([len(h[0]) for h in self.hints] + [1]) - 1
        self.errors: list[tuple] = []     # (id, title, url, provider index, status, code, type)
        # ("l", error, ufr, mfr, ftoks, su, sm, needles, alnum unmasked, alnum masked)
        # | ("r", error, regex, score, required pieces or None)
        self.patterns: list[tuple] = []
        self.amap: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self.always: list[int] = []
        # Every error's code and type, and the codes of two or more errors: from the whole knowledge base, so
        # that an index holding some of the errors (search.shards) scores them as the whole index does.
        self.codes: set[str] = set(index["all_codes"])
        self.types: set[str] = set(index["all_types"])
        shared_codes = set(index["shared_codes"])
        regex_flags = flags_of(index["regex_flags"])
        prefix, suffix = index["url"]
        cols = index["errors"]
        urls = {row: url for row, url in cols["urls"]}
        records = []
        slug = ""
        for row, entry in enumerate(cols["slug"]):
            # Columns: see _columns and the module docstring.
            slug = entry if isinstance(entry, str) else slug[:entry[0]] + entry[1]
            pidx = cols["provider"][row]
            eid = slug[1:] if slug.startswith("/") else index["providers"][pidx] + "/" + slug
            code = cols["code"][row]
            if code == 1:
                code = eid.rsplit("/", 1)[-1].replace("-", "_")
            title = cols["title"][row]
            if isinstance(title, list):
                title = title[0] + eid.rsplit("/", 1)[-1].replace("-", " ") + title[1]
            url = urls.get(row, prefix + eid + suffix)
            records.append((eid, code, title, url, pidx, cols["status"][row], cols["types"][cols["type"][row]],
                            cols["literals"][row], cols["regexes"][row]))
        for e_idx, (eid, code, title, url, pidx, status, etype, lits, regexes) in enumerate(records):
            self.errors.append((eid, title, url, pidx, status, code, etype))
            texts = []
            for lit in lits:
                text = lit[0]
                texts.append(text)
                tokens = self.literal_tokens(text)
                self._add_literal(e_idx, text, [[tokens[k] for k in lit[1:]]] if len(lit) > 1 else [])
            if code and code not in shared_codes and code not in texts:
                # A code of one error only (insufficient_quota) is a literal pattern of its own; its anchors are
                # its two longest words (four or more characters), both required.
                best, second = "", ""
                for tok in self.re["token"].findall(code):
                    if len(tok) > len(best):
                        best, second = tok, best
                    elif len(tok) > len(second) and tok != best:
                        second = tok
                words = [word for word in (best, second) if len(word) >= 4]
                self._add_literal(e_idx, code, [words] if words else [])
            for src, anchors, spec, required in regexes:
                rx = _pattern_regex(src, regex_flags)
                tokens = self.re["token"].findall(ascii_lower(src))
                alternatives = [[tokens[a] if isinstance(a, int) else a for a in alt] for alt in anchors]
                self._register(len(self.patterns), alternatives)
                self.patterns.append(("r", e_idx, rx, self.pattern_score(spec), required))
        self.anchor_keys = frozenset(self.amap)
        self.literal_pids = [pid for pid, pat in enumerate(self.patterns) if pat[0] == "l"]

    def _add_literal(self, e_idx: int, text: str, alternatives: list[list[str]]) -> None:
        ufr, mfr, ftoks, su, sm, au, am = self.literal_forms(text)
        self._register(len(self.patterns), alternatives)
        self.patterns.append(("l", e_idx, ufr, mfr, ftoks, su, sm, self.needles(mfr, ftoks), au, am))

    def _register(self, pid: int, alternatives: list[list[str]]) -> None:
        """alternatives: lists of one or two words that must all occur; none: test in every window."""
        if not alternatives:
            self.always.append(pid)
            return
        for words in alternatives:
            self.amap.setdefault(words[0], []).append((pid, tuple(words[1:])))

    def literal_tokens(self, text: str) -> list[str]:
        """The words of a literal's masked form, placeholders and gaps removed; anchors index into it."""
        masked = self.re["placeholder"].sub(" ", ascii_lower(self.mask(text)))
        return self.re["token"].findall(self.re["gap_masked"].sub(" ", masked))

    # -- scoring helpers

    def alnum(self, text: str) -> int:
        return len(self.re["alnum"].findall(text))

    def pattern_score(self, alnum: int) -> float:
        w = self.w
        return w["base"] + w["span"] * min(1, alnum / w["full"])

    # -- normalisation

    @staticmethod
    def _unescape_one(m: re.Match) -> str:
        if m.group(1) is not None:
            code = int(m.group(1), 16)
            return "?" if 0xD800 <= code <= 0xDFFF else chr(code)
        if m.group(2) is not None:
            return chr(int(m.group(2), 16))
        c = m.group(3)
        if c in "nrt":
            return " "
        return c

    def normalise_lines(self, text: str) -> tuple[list[str], list[list[str]]]:
        """Normalised non-empty lines, and per line the extra words made by joining a hard wrap."""
        R = self.re
        t = R["newline"].sub("\n", text)
        t = R["ansi"].sub("", t)
        raw_widths = [ulen(line.rstrip(" \t")) for line in t.split("\n")]
        for _ in range(3):
            if "\\" not in t:
                break
            new = R["unescape"].sub(self._unescape_one, t)
            if new == t:
                break
            t = new
        t = R["ansi"].sub("", t)
        t = R["ctrl"].sub("", t)
        t = R["fold"].sub(lambda m: self.fold[m.group()], t)
        t = R["quotes"].sub("'", t)
        t = R["ellipsis"].sub("...", t)
        t = R["spaces"].sub(" ", t)
        t = R["border_only"].sub("", t)
        t = R["border_left"].sub("", t)
        t = R["border_right"].sub("", t)
        t = R["trim"].sub("", t)
        all_lines = t.split("\n")
        width = max(raw_widths) if raw_widths else 0
        lines: list[str] = []
        extras: list[list[str]] = []
        wrapped_prev = False
        for i, line in enumerate(all_lines):
            if not line:
                wrapped_prev = False
                continue
            for piece in self._cut(line):   # a piece after a cut is a wrapped line, like a terminal's
                if wrapped_prev:
                    head = R["wrap_head"].search(piece)
                    tail = R["wrap_tail"].search(lines[-1])
                    if head and tail:
                        word = (tail.group(0) + head.group(0)).lower()
                        if len(word) >= 4:
                            extras[-1].append(word)
                lines.append(piece)
                extras.append([])
                wrapped_prev = True
            wrapped_prev = width >= 60 and raw_widths[i] >= width - 2
        return lines, extras

    def _cut(self, line: str) -> list[str]:
        """A line cut into pieces of at most `line` UTF-16 units (never inside a surrogate pair), so that no
        regex ever searches an unbounded line."""
        cap = self.line_cap
        if len(line) <= cap // 2 or ulen(line) <= cap:
            return [line]
        pieces, start, units = [], 0, 0
        for position, character in enumerate(line):
            width = 2 if ord(character) > 0xFFFF else 1
            if units + width > cap:
                pieces.append(line[start:position])
                start, units = position, 0
            units += width
        pieces.append(line[start:])
        return pieces

    def mask(self, text: str, cmp: str | None = None, fired: list | None = None) -> str:
        """Text with variable parts replaced by placeholders.  cmp: the compact lower-case text, if known: a
        rule is skipped when it lacks the rule's required pieces (index._mask_pieces).  fired: if given, the
        (name, placeholder) of every rule that replaced something is appended to it, in rule order."""
        for name, rx, placeholder, keep, pieces in self.masks:
            if cmp is not None and pieces is not None and not any(all(p in cmp for p in alt) for alt in pieces):
                continue
            if keep:
                text, count = rx.subn(lambda m, p=placeholder: (m.group(1) or "") + p, text)
            else:
                text, count = rx.subn(placeholder, text)
            if count and fired is not None:
                fired.append((name, placeholder))
        return text

    def needles(self, mfr: list[str] | None, ftoks: list[str]) -> tuple[list[str], list[str]]:
        """Strings the unmasked compact window must contain before the masked test (the longest
        placeholder-free piece of each masked fragment) and the fuzzy test (its plain tokens) can
        succeed; checking them first avoids masking most windows."""
        masked = []
        for frag in mfr or []:
            best = ""
            for piece in self.re["placeholder"].split(frag):
                if len(piece) > len(best):
                    best = piece
            if best:
                masked.append(best)
        fuzzy = [tok for tok in ftoks if not tok.startswith("<")]
        return masked, fuzzy

    def literal_forms(self, text: str):
        """(unmasked fragments, masked fragments or None, fuzzy tokens, unmasked score, masked score,
        letters and digits of the unmasked fragments, of the masked fragments outside placeholders)."""
        R = self.re
        ufr = [f.replace(" ", "") for f in R["gap"].split(text)]
        ufr = [f for f in ufr if f]
        masked = ascii_lower(self.mask(text))
        mfr = [f.replace(" ", "") for f in R["gap_masked"].split(masked)]
        mfr = [f for f in mfr if f]
        ftoks = R["fuzzy"].findall(R["gap_masked"].sub(" ", masked))
        au = self.alnum("".join(ufr))
        am = self.alnum(R["placeholder"].sub("", "".join(mfr)))
        if mfr == ufr:
            mfr = None
        return ufr, mfr, ftoks, self.pattern_score(au), self.pattern_score(am), au, am


_CACHE: dict[int, tuple[dict, Engine]] = {}


def engine_for(index: dict) -> Engine:
    """The engine for `index`, built once per index object."""
    hit = _CACHE.get(id(index))
    if hit is not None and hit[0] is index:
        return hit[1]
    comp = Engine(index)
    if len(_CACHE) >= 8:
        _CACHE.clear()
    _CACHE[id(index)] = (index, comp)
    return comp


# ----------------------------------------------------------------------------- match


def _find_fragments(text: str, frags: list[str], gap: int) -> tuple[int, int] | None:
    """Span of the fragments occurring in order, each at most `gap` characters after the previous."""
    first = frags[0]
    start = text.find(first)
    tries = 0
    while start != -1 and tries < 100:
        tries += 1
        end = start + len(first)
        ok = True
        for frag in frags[1:]:
            pos = text.find(frag, end)
            if pos == -1 or pos > end + gap:
                ok = False
                break
            end = pos + len(frag)
        if ok:
            return start, end
        start = text.find(first, start + 1)
    return None


def _find_fuzzy(toks: list[str], positions: dict[str, list[int]], pat: list[str],
                extra: int) -> tuple[int, int] | None:
    """Token indexes (first, last) of pat occurring in order in toks with at most `extra` tokens inserted.
    positions: token -> its indexes in toks."""
    for tok in pat:
        if tok not in positions:
            return None
    n = len(toks)
    for i in positions[pat[0]]:
        pos, used, ok = i, 0, True
        for tok in pat[1:]:
            found = -1
            limit = min(n, pos + 2 + extra - used)
            for q in range(pos + 1, limit):
                if toks[q] == tok:
                    found = q
                    break
            if found < 0:
                ok = False
                break
            used += found - pos - 1
            pos = found
        if ok:
            return i, pos
    return None


class _Block:
    """One block of lines and what is computed about it, each at most once: its texts, its features (HTTP
    statuses, tokens, provider evidence) and its masked text.  A window of two blocks combines theirs."""

    __slots__ = ("comp", "lines", "sp", "cmp", "_features", "_masked")

    def __init__(self, comp: Engine, lines: list[str]):
        self.comp = comp
        self.lines = lines
        self.sp = " ".join(lines)
        self.cmp = ascii_lower(self.sp).replace(" ", "")
        self._features = None
        self._masked = None

    def masked(self) -> tuple[str, str, list[tuple[str, int, int]]]:
        """(masked spaced text, masked compact lower-case text, its fuzzy tokens as (token, start, end)).  Masks
        never match across a line break, so masking the lines joined by "\\n" is masking each line."""
        if self._masked is None:
            msp = self.comp.mask("\n".join(self.lines), self.cmp).replace("\n", " ")
            mlow = ascii_lower(msp)
            spans = [(m.group(0), m.start(), m.end()) for m in self.comp.re["fuzzy"].finditer(mlow)]
            self._masked = (msp, mlow.replace(" ", ""), spans)
        return self._masked

    def features(self) -> tuple:
        """(statuses, tokens, evidence per provider, another error's code seen, another error's type seen)."""
        if self._features is None:
            comp = self.comp
            nl = ascii_lower("\n".join(self.lines))
            statuses = set()
            for rx in comp.status:
                for m in rx.finditer(nl):
                    statuses.add(int(m.group(1)))
            tokens = set(comp.re["feature"].findall(nl))
            evidence = [0] * comp.nprov
            cmp = self.cmp
            for key, hints in comp.hint_groups:
                if key is not None and key not in cmp:
                    continue
                for needle, pidx, weight in hints:
                    if weight > evidence[pidx] and needle in cmp:
                        evidence[pidx] = weight
            self._features = (statuses, tokens, evidence, not comp.codes.isdisjoint(tokens),
                              not comp.types.isdisjoint(tokens))
        return self._features


class _Window:
    """The texts of one window (one block, or two neighbouring ones), computed on demand from its blocks."""

    def __init__(self, comp: Engine, blocks: list[_Block]):
        self.comp = comp
        self.blocks = blocks
        if len(blocks) == 1:
            self.sp, self.cmp = blocks[0].sp, blocks[0].cmp
        else:
            self.sp = blocks[0].sp + " " + blocks[1].sp
            self.cmp = blocks[0].cmp + blocks[1].cmp
        self._masked = None

    def masked(self):
        """(masked spaced text, masked compact text, fuzzy tokens, their (token, start, end), token -> indexes)."""
        if self._masked is None:
            parts = [block.masked() for block in self.blocks]
            msp = " ".join(part[0] for part in parts)
            spans = parts[0][2]
            if len(parts) > 1:   # the second block's tokens, moved past the first block and the joining space
                shift = len(parts[0][0]) + 1
                spans = spans + [(tok, start + shift, end + shift) for tok, start, end in parts[1][2]]
            positions: dict[str, list[int]] = {}
            for i, span in enumerate(spans):
                positions.setdefault(span[0], []).append(i)
            self._masked = (msp, "".join(part[1] for part in parts), [s[0] for s in spans], spans, positions)
        return self._masked

    def features(self) -> tuple:
        """(statuses, token sets, evidence per provider, another code seen, another type seen); the texts of
        the window's blocks, and for provider hints also the place where they meet."""
        if len(self.blocks) == 1:
            statuses, tokens, evidence, other_code, other_type = self.blocks[0].features()
            return statuses, (tokens,), evidence, other_code, other_type
        a, b = self.blocks[0].features(), self.blocks[1].features()
        evidence = [max(x, y) for x, y in zip(a[2], b[2])]
        span = self.comp.hint_span
        first, second = self.blocks[0].cmp, self.blocks[1].cmp
        seam = first[max(0, len(first) - span):] + second[:span]
        for needle, pidx, weight in self.comp.hints:
            if weight > evidence[pidx] and needle in seam:
                evidence[pidx] = weight
        return a[0] | b[0], (a[1], b[1]), evidence, a[3] or b[3], a[4] or b[4]


def _compact_span(spaced: str, start: int, end: int) -> str:
    """The part of `spaced` that became compact[start:end] when spaces were removed."""
    idx = [i for i, c in enumerate(spaced) if c != " "]
    return spaced[idx[start]:idx[end - 1] + 1]


def _hits(comp: Engine, win: _Window, cands) -> dict[int, list[tuple]]:
    """Per error: (pattern score, pattern id, mode, start, end) for every candidate pattern that matches."""
    hits: dict[int, list[tuple]] = {}
    cmp = win.cmp
    gap = comp.gap
    for pid in cands:
        pat = comp.patterns[pid]
        hit = None
        if pat[0] == "l":
            _, e_idx, ufr, mfr, ftoks, su, sm, (mneedles, fneedles), _, _ = pat
            span = _find_fragments(cmp, ufr, gap) if ufr[0] in cmp else None
            if span:
                hit = (su, pid, "u", span[0], span[1])
            elif mfr:
                if all(n in cmp for n in mneedles):
                    span = _find_fragments(win.masked()[1], mfr, gap)
                    if span:
                        hit = (sm, pid, "m", span[0], span[1])
                # the needles only save masking: once the window is masked, its tokens answer faster
                if hit is None and len(ftoks) >= comp.fuzzy_min and (
                        win._masked is not None or all(n in cmp for n in fneedles)):
                    msp, mcmp, mtoks, mspans, mpos = win.masked()
                    span = _find_fuzzy(mtoks, mpos, ftoks, comp.fuzzy_extra)
                    if span:
                        hit = (sm - comp.w["fuzzy"], pid, "f", mspans[span[0]][1], mspans[span[1]][2])
        else:
            _, e_idx, rx, score, required = pat
            # Search only if every required piece of some alternative occurs in the compact text.
            if rx is not None and (required is None or any(all(p in cmp for p in alt) for alt in required)):
                m = rx.search(win.sp)
                if m:
                    hit = (score, pid, "r", m.start(), m.end())
        if hit:
            hits.setdefault(e_idx, []).append(hit)
    return hits


def _reverse_hits(comp: Engine, win: _Window, hits: dict[int, list[tuple]]) -> None:
    """For a short paste: literals that contain the whole paste (a partial line such as "You exceeded
    your current quota"), scored by the paste's own length, unmasked or masked."""
    edge = comp.re["edge"]
    query = edge.sub("", win.cmp)
    mquery = edge.sub("", win.masked()[1])
    if comp.alnum(query) < comp.w["reverse_min"]:
        return
    placeholder = comp.re["placeholder"]
    n_u = comp.alnum(query)
    n_m = comp.alnum(placeholder.sub("", mquery))
    score_u = comp.pattern_score(n_u)
    score_m = comp.pattern_score(n_m)
    cover = comp.w["reverse_cover"]
    best: dict[int, tuple] = {}   # one reverse hit per error: the paste is one piece of evidence
    for pid in comp.literal_pids:
        pat = comp.patterns[pid]
        hit = None
        for frag in pat[2]:
            if query in frag:
                if n_u >= cover * pat[8]:
                    hit = (score_u, pid, "q", 0, 0)
                break
        if hit is None and mquery:
            for frag in pat[3] or pat[2]:
                if mquery in frag:
                    if n_m >= cover * pat[9]:
                        hit = (score_m, pid, "Q", 0, 0)
                    break
        if hit is not None and (pat[1] not in best or hit[0] > best[pat[1]][0]):
            best[pat[1]] = hit
    for e_idx, hit in best.items():
        ehits = hits.setdefault(e_idx, [])
        for i, old in enumerate(ehits):
            if old[1] == hit[1]:
                if hit[0] > old[0]:
                    ehits[i] = hit
                break
        else:
            ehits.append(hit)


def _score(comp: Engine, e_idx: int, hits: list[tuple], features) -> tuple[float, tuple]:
    statuses, token_sets, evidence, other_code, other_type = features
    w = comp.w
    best = hits[0]
    for hit in hits[1:]:
        if hit[0] > best[0] or (hit[0] == best[0] and hit[1] < best[1]):
            best = hit
    s = best[0] + min(w["multi_cap"], w["multi"] * (len(hits) - 1))
    _, _, _, pidx, status, code, etype = comp.errors[e_idx]
    if status:
        if status in statuses:
            s += w["status"]
        elif statuses:
            s -= w["status_other"]
    if code:
        if any(code in tokens for tokens in token_sets):
            s += w["code"]
        elif other_code:
            s -= w["code_other"]
    if etype:
        if any(etype in tokens for tokens in token_sets):
            s += w["type"]
        elif other_type:
            s -= w["type_other"]
    own = evidence[pidx]
    foreign = 0
    allies = comp.allies[pidx]
    for q, value in enumerate(evidence):
        if q != pidx and q not in allies and value > foreign:
            foreign = value
    if own >= 1:
        s += w["own_strong"]
    elif own > 0:
        s += w["own_weak"]
    if foreign > own:
        if foreign >= 1:
            s *= w["mismatch"]
        else:
            s -= w["foreign_weak"]
    return s, best


def block_words(comp: Engine, lines: list[str], extras: list[list[str]]) -> list[set[str]]:
    """Per block of lines, its words of four or more letters and digits, hard-wrap joins included: what anchors
    are looked up by (here and in search.shards)."""
    B = comp.block
    word_re = comp.re["word"]
    out = []
    for start in range(0, len(lines), B):
        words = set(word_re.findall("\n".join(lines[start:start + B]).lower()))
        for extra in extras[start:start + B]:
            words.update(extra)
        out.append(words)
    return out


def _block_candidates(comp: Engine, lines: list[str], extras: list[list[str]]) -> list[set[int]]:
    """Per block of lines, the patterns whose anchor words all occur in it (hard-wrap joins included)."""
    out = []
    for words in block_words(comp, lines, extras):
        cands = set()
        for word in comp.anchor_keys.intersection(words):
            for pid, others in comp.amap[word]:
                if all(other in words for other in others):
                    cands.add(pid)
        out.append(cands)
    return out


def _matched_text(comp: Engine, win: _Window, hit: tuple) -> tuple[str, list[str]]:
    """The text a hit matched (masked for a masked or fuzzy hit), and the mask rules that made it."""
    mode, start, end = hit[2], hit[3], hit[4]
    if mode == "u":
        matched = _compact_span(win.sp, start, end)
    elif mode == "m":
        matched = _compact_span(win.masked()[0], start, end)
    elif mode == "f":
        matched = win.masked()[0][start:end]
    elif mode == "q":
        matched = win.sp
    elif mode == "Q":
        matched = win.masked()[0]
    else:
        matched = win.sp[start:end]
    masks = []
    if mode in ("m", "f", "Q"):
        fired: list = []
        comp.mask("\n".join(line for block in win.blocks for line in block.lines), fired=fired)
        masks = [name for name, placeholder in fired if placeholder in matched]
    return matched, masks


def match(index: dict, text: str, top: int = 5) -> list[dict]:
    """Best matching errors for a pasted log: [{id, title, score, url, matched, masks}], best first; [] if none
    fits.  matched: the text the best pattern matched; masks: the mask rules that fired in it."""
    comp = engine_for(index)
    lines, extras = comp.normalise_lines(text)
    if not lines:
        return []
    B = comp.block
    block_cands = _block_candidates(comp, lines, extras)
    nblocks = len(block_cands)
    blocks: list[_Block | None] = [None] * nblocks   # made only for windows with candidates

    def window(b0: int, b1: int) -> _Window:
        for b in range(b0, b1):
            if blocks[b] is None:
                blocks[b] = _Block(comp, lines[b * B:(b + 1) * B])
        return _Window(comp, blocks[b0:b1])

    windows = [(0, 1)] if nblocks == 1 else [(b, b + 2) for b in range(nblocks - 1)]
    made: dict[int, _Window] = {}
    best: dict[int, tuple] = {}   # error -> (score, window number, hit)
    for wn, (b0, b1) in enumerate(windows):
        cands = set(comp.always).union(*block_cands[b0:b1])
        if not cands and nblocks > 1:
            continue
        win = made[wn] = window(b0, b1)
        short = nblocks == 1 and len(win.cmp) <= comp.short
        if short:   # a short paste: every literal is a candidate, whatever its anchor
            cands.update(comp.literal_pids)
        hits = _hits(comp, win, cands)
        if short:
            _reverse_hits(comp, win, hits)
        if not hits:
            continue
        features = win.features()
        for e_idx, ehits in hits.items():
            score, hit = _score(comp, e_idx, ehits, features)
            if e_idx not in best or score > best[e_idx][0]:
                best[e_idx] = (score, wn, hit)
    ranked = sorted((-round3(score), comp.errors[e_idx][0], e_idx, wn, hit)
                    for e_idx, (score, wn, hit) in best.items() if round3(score) >= comp.w["threshold"])
    results = []
    for neg, eid, e_idx, wn, hit in ranked[:top]:
        matched, masks = _matched_text(comp, made[wn], hit)
        _, title, url = comp.errors[e_idx][:3]
        results.append({"id": eid, "title": title, "score": -neg, "url": url, "matched": matched[:240],
                        "masks": masks})
    return results
