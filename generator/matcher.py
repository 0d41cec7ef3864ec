"""Search by error signature: find the error page that a pasted log belongs to.

This module has two halves that share one set of rules.

* `build_index(errors, providers)` runs when the site is built.  It compiles the
  knowledge base into a compact JSON-able dict (the *index*): the normalisation
  and masking rules as regex source strings (valid in Python `re` and in
  JavaScript `RegExp`), the provider hints, the scoring weights and, per error,
  its compiled patterns.  No prose goes in the index.
* `match(index, text, top)` interprets the index.  `generator/assets/matcher.js`
  interprets the very same index with the identical algorithm in the browser,
  so both return the same ids, in the same order, with the same scores.

Algorithm
---------
1. Normalise the paste (`normalise`): strip ANSI escape sequences, undo JSON /
   Python-repr escaping (\\" \\' \\n \\uXXXX \\xXX, repeated for nested
   escaping), strip ANSI again, drop control characters, turn every kind of quote
   into ', "…" into "...", collapse whitespace, strip terminal box borders
   (│ ┃ | ╭ ╰ ─ ...) at line edges, drop empty and border-only lines.
2. Mask variable parts (`mask`) the way error-grouping systems parameterise
   messages: URLs, e-mails, masked keys (sk-abc1***wxyz), API keys, uuids,
   request/message ids, org ids, long hex ids, file paths, model names (known
   families and any quoted name after "model"), numbers.  Each becomes a
   placeholder such as <key>, <model>, <num>.  A masked part never spans a
   line break: the text is masked line by line.
3. Patterns.  A *literal* comes from `patterns`, from `signature.text`
   without its leading "<status> <type>:" part (status and type are scored
   separately), and from an error_code that belongs to one error only (such as
   insufficient_quota; derived by the matcher from the record, not stored).
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
   found"), at a penalty.  A *regex* is compiled with the index's
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
   Gemini quota message is not OpenAI's).  Results below `threshold` (0.55)
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
  of it contains ("@" for e-mails, "**" for masked keys; _mask_pieces).
- A regex is searched for only if, for one of its top-level alternatives, the
  literal runs every match of it contains (compact, lower-case, four or more
  characters: "accountbudget" for "account budget \\S+") occur in the window
  (_required_pieces).
- matcher.js also keeps, for windows of 1024 or more compact characters, a
  bitmap of the hashed 4-grams of the compact text, and skips indexOf for
  every string (a literal's fragments, needles, a regex's runs, provider
  hints) one of whose 4-grams is missing; it finds hints in the whole window
  rather than per block.  In Python the C string search is already cheaper
  than building such a set.

Index format (JSON; made by build_index, read by both implementations)
-----------------------------------------------------------------------
version (2), rules {name: [regex source, flags]}, masks [[source, placeholder,
keep group 1]], status [sources; group 1 is the status], weights {...}, block,
gap, short, fuzzy_extra, fuzzy_min, regex_flags, providers [slugs], hints
[[needle, provider index, weight]], url [prefix, suffix] (url = prefix + id +
suffix unless listed in errors.urls), errors: the records column by column
(columns gzip better than rows), {slug: [...], title, provider (index), status
(http status or 0), code (error_code, or 1: "the slug with _ for -", or ""),
type (index in types), types (error_type or ""), literals, regexes, urls
[[row, url]] (only the urls that differ from the template)}.  A slug that
shares three or more leading characters with the previous one is stored as
[their number, the rest]; a title that contains the slug's words (the slug
with - as space) as [text before, text after] them.
literals are [[normalised text, anchor token positions...]] (positions index
the words of the masked literal, see _Compiled.literal_tokens), regexes
[[source, anchors, specificity]] (anchors: per alternative a list of words or
positions in the words of the lower-cased source).  error_code / error_type
are kept only when distinctive (they contain "_" or are CamelCase).  A slug
starting with "/" is a whole id.

Parity notes: all regexes avoid lookbehind, named groups and inline flags;
Python compiles them with re.ASCII so \\w \\d \\b mean what they mean in JS.
Lengths are counted in UTF-16 units where they matter (the wrap width).
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlparse

INDEX_VERSION = 2

# ----------------------------------------------------------------------------- rules
# Regex sources shared with matcher.js through the index.  [source, flags].

_SPACE_CHARS = r" \t\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_BOX = r"\u2500-\u257f\u2580-\u259f"

RULES: dict[str, list[str]] = {
    # CSI / OSC / two-char escapes, and bare SGR remnants like "[31m" whose ESC was lost.
    "ansi": [r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
             r"|\[(?:[0-9]{1,3};)*[0-9]{1,3}m", "g"],
    # JSON / Python string escapes; group 1: \uXXXX, group 2: \xXX, group 3: one char.
    # \b and \f are left alone: rare in messages, common in Windows paths (C:\build).
    "unescape": [r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\\\"'/nrt]))", "g"],
    "ctrl": [r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]", "g"],
    "newline": [r"\r\n?", "g"],
    "quotes": [r"[\"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u00b4]", "g"],
    "ellipsis": [r"\u2026", "g"],
    "spaces": ["[" + _SPACE_CHARS + "]+", "g"],
    "border_only": ["^[ " + _BOX + r"|+=\-_~*]*$", "gm"],
    "border_left": ["^ ?(?:[" + _BOX + r"|] ?)+", "gm"],
    "border_right": ["(?: ?[" + _BOX + r"|])+ ?$", "gm"],
    "trim": [r"^ +| +$", "gm"],
    # Words used for anchors (on lower-cased text).
    "word": [r"[a-z0-9]{4,}", "g"],
    "token": [r"[a-z0-9]+", "g"],
    "wrap_head": [r"^[A-Za-z0-9]+", ""],
    "wrap_tail": [r"[A-Za-z0-9]+$", ""],
    # Tokens for error_code / error_type features and fuzzy matching (lower-cased, masked text).
    "feature": [r"[a-z0-9_]+", "g"],
    "fuzzy": [r"<[a-z]+>|[a-z0-9_]+", "g"],
    "placeholder": [r"<[a-z]+>", "g"],
    # Punctuation trimmed from both ends of a short paste before looking for it inside literals.
    "edge": [r"^[^a-z0-9<]+|[^a-z0-9>]+$", "g"],
    # Gaps that split an authored literal into fragments: "...", <name>, {name};
    # in the masked form the masking placeholders are not gaps.
    "gap": [r"\.\.\.|<[^<> ]{1,30}>|\{[a-z_ ]{1,30}\}", "g"],
    "gap_masked": [r"\.\.\.|<(?!(?:url|email|key|uuid|id|org|path|model|num)>)[^<> ]{1,30}>"
                   r"|\{[a-z_ ]{1,30}\}", "g"],
    "alnum": [r"[a-z0-9]", "g"],
}

# Masking rules: [source, placeholder, keep] applied in order with flags "gi".
# keep=1: the text of group 1 is kept in front of the placeholder.
# No rule may match a line break: lines are masked several at a time, joined by "\n".
MASKS: list[list] = [
    [r"https?://[^ \n'<>()\[\]{}|\\^]*[^ \n'<>()\[\]{}|\\^.,;:!?]", "<url>", 0],
    [r"[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}", "<email>", 0],
    # masked keys: sk-abc1***wxyz, sk-proj-****...****abcd, your-ope*******-key, ${OPENAI*****KEY}
    [r"[a-z0-9_\-${]{2,}\*\*[a-z0-9_\-*.}]*", "<key>", 0],
    [r"\b(?:sk|pk|rk|gsk|xai|hf|pplx|r8|key)[-_][a-z0-9_\-]{12,}", "<key>", 0],
    [r"\bAIza[0-9a-z_\-]{20,}", "<key>", 0],
    [r"\b(bearer )[a-z0-9._\-]{8,}", "<key>", 1],
    [r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>", 0],
    [r"\b(?:req|msg|chatcmpl|resp|run|thread|asst|file|batch|call|toolu|evt|cs)[_\-][a-z0-9]{6,}",
     "<id>", 0],
    [r"\b(?:org|user|proj)-[a-z0-9]{4,}", "<org>", 0],
    [r"\b(?=[a-f]*[0-9])[0-9a-f]{16,}\b", "<id>", 0],
    [r"(?:\b[a-z]:)?(?:[\\/][a-z0-9_.@~+\-]+){2,}[\\/]?", "<path>", 0],
    [r"\b(?:gpt|chatgpt|o[1-9]|text-embedding|text-davinci|davinci|babbage|dall-e|whisper-[0-9]"
     r"|tts-[0-9]|claude|gemini|gemma|palm-?[0-9]|llama|codellama|tinyllama|mistral|mixtral|codestral"
     r"|ministral|pixtral|qwen|phi-?[0-9]|deepseek|command-r|grok|llava|granite|nomic-embed|mxbai"
     r"|starcoder|wizardlm|vicuna|zephyr|smollm|olmo)[a-z0-9._:\-/]*", "<model>", 0],
    [r"\b(models? ?:? ?)'[^' \n]{1,80}'", "'<model>'", 1],
    [r"\b[0-9]+(?:[.,][0-9]+)*(?:ms|s|m|h|k)?\b", "<num>", 0],
]

# HTTP status seen in a window: applied with flags "gm" to the lower-cased
# window whose lines are joined by "\n"; group 1 is the status.  No rule may
# match a line break: they are applied to each block of the window.
STATUS_RULES: list[str] = [
    r"(?:error code|status code|statuscode|status|http/[0-9.]+|http|code|error|api error)"
    r"[ :=('\[\-]{0,4}([45][0-9][0-9])\b",
    r"[\[(]([45][0-9][0-9]) ",
    r"\b([45][0-9][0-9]) (?:bad request|unauthorized|payment required|forbidden|not found|too many requests"
    r"|internal server error|service unavailable|overloaded|client error)",
    r"^(?:[a-z_.]*error: |error: )?([45][0-9][0-9]) ",
]

# Provider hints: compact (no spaces), lower-case, quotes unified to '.
# Weight 1 = strong (names the server), 0.4 = weak (a client library, a key prefix, a model name).
STRONG = 1
WEAK = 0.4
BUILTIN_HINTS: dict[str, list[tuple[str, float]]] = {
    "openai": [
        ("api.openai.com", STRONG), ("platform.openai.com", STRONG), ("help.openai.com", STRONG),
        ("beta.openai.com", STRONG), ("openai-organization", STRONG), ("openai-processing-ms", STRONG),
        ("openai-version", STRONG),
        ("openai.", WEAK), ("openai/", WEAK), ("openai\\", WEAK), ("openaiexception", WEAK),
        ("openaierror", WEAK), ("sk-proj-", WEAK), ("gpt-", WEAK),
    ],
    "anthropic": [
        ("api.anthropic.com", STRONG), ("anthropic.com", STRONG), ("docs.claude.com", STRONG),
        ("status.claude.com", STRONG), ("anthropic.", STRONG), ("anthropic/", STRONG), ("anthropic\\", STRONG),
        ("@anthropic-ai", STRONG), ("anthropicexception", STRONG), ("anthropicerror", STRONG),
        ("x-api-key", STRONG), ("anthropic-version", STRONG), ("anthropic-ratelimit", STRONG),
        ("anthropic-organization", STRONG), ("{'type':'error','error':{", STRONG),
        ("'type':'overloaded_error'", WEAK), ("'type':'authentication_error'", WEAK),
        ("claude-", WEAK), ("sk-ant-", WEAK), ("claude", WEAK),
    ],
    "gemini": [
        ("generativelanguage.googleapis.com", STRONG), ("ai.google.dev", STRONG), ("aistudio.google.com", STRONG),
        ("google.genai", STRONG), ("google/genai", STRONG), ("google\\genai", STRONG),
        ("google.generativeai", STRONG), ("google/generativeai", STRONG), ("googlegenerativeai", STRONG),
        ("@google/generative-ai", STRONG), ("langchain_google_genai", STRONG), ("google.api_core", STRONG),
        ("geminiexception", STRONG), ("x-goog-api-key", STRONG), ("type.googleapis.com/google.rpc", STRONG),
        ("'status':'invalid_argument'", STRONG), ("'status':'resource_exhausted'", STRONG),
        ("'status':'permission_denied'", STRONG), ("'status':'failed_precondition'", STRONG),
        ("'status':'unavailable'", STRONG), ("'status':'not_found'", STRONG),
        ("gemini", WEAK), ("aizasy", WEAK), ("ai.dev", WEAK),
    ],
    "ollama": [
        (":11434", STRONG), ("ollama._types", STRONG), ("ollama/_", STRONG), ("ollama\\_", STRONG),
        ("ollama._client", STRONG), ("ollama.com", STRONG), ("ollamapull", STRONG), ("ollamarun", STRONG),
        ("ollamacall", STRONG), ("ollamaendpointnotfounderror", STRONG), ("ollama_chatexception", STRONG),
        ("ollamaexception", STRONG), ("@langchain/ollama", STRONG), ("[gin]", STRONG),
        ("ollama", WEAK),
    ],
    "azure": [
        ("openai.azure.com", STRONG), ("azureopenai", STRONG), ("azureexception", STRONG),
        ("azure.requestfailedexception", STRONG), ("azure.core", STRONG), ("apim-request-id", STRONG),
        ("x-ms-region", STRONG), ("aka.ms/oai", STRONG), ("cognitiveservices.azure.com", STRONG),
        ("'code':'deploymentnotfound'", STRONG), ("invalidsubscriptionkey", STRONG),
        ("responsibleaipolicyviolation", STRONG),
    ],
    "mistral": [("api.mistral.ai", STRONG), ("mistralexception", STRONG), ("mistralai.", STRONG)],
    "openrouter": [("openrouter.ai", STRONG), ("openrouterexception", STRONG), ("openrouter", WEAK)],
    "groq": [("api.groq.com", STRONG), ("groqexception", STRONG)],
    "deepseek": [("api.deepseek.com", STRONG)],
    "xai": [("api.x.ai", STRONG)],
}

# Scoring weights, carried in the index so both implementations use the same numbers.
WEIGHTS: dict[str, float] = {
    "base": 0.4,            # pattern score = base + span * min(1, alnum / full)
    "span": 0.5,
    "full": 40,
    "multi": 0.02,          # per extra pattern hit of the same error
    "multi_cap": 0.06,
    "fuzzy": 0.1,           # subtracted for an in-order token match with extra tokens
    "status": 0.08,         # the error's HTTP status is seen
    "status_other": 0.15,   # statuses are seen but not the error's
    "code": 0.1,            # the error's error_code is seen as a token
    "code_other": 0.1,      # another error's code is seen, not this one's
    "type": 0.04,
    "type_other": 0.04,
    "own_strong": 0.1,      # strong evidence for the error's provider
    "own_weak": 0.04,
    "foreign_weak": 0.05,   # weak evidence for another provider only
    "mismatch": 0.45,       # multiplier: another provider's strong evidence outweighs the own
    "reverse_min": 8,       # a short paste looked for inside literals needs this many letters and digits
    "reverse_cover": 0.3,   # and must be at least this part of the literal
    "threshold": 0.55,
}

BLOCK_LINES = 20
SHORT_PASTE = 300   # compact characters; a paste this short may also be found inside a literal
MAX_GAP = 160
FUZZY_EXTRA = 2
FUZZY_MIN_TOKENS = 3

STOP_WORDS = frozenset("""
error errors code http https www com api key keys request requests please status type message
failed fail none null true false info debug warn warning exception traceback file line model models
from with this that your have been were will when then than there their they what which while would
could should into only also more most some such other about after before again call last recent return
raise self client response json data value time the and for not you are was can may any all use used
using retry retrying seconds version default found invalid error_code detail details provided param
string object array number unknown
""".split())

FORBIDDEN_REGEX = re.compile(r"\(\?<[=!]|\(\?P|\(\?<[A-Za-z]|\(\?[aiLmsux]")


def _flags(flags: str) -> int:
    value = re.ASCII
    if "i" in flags:
        value |= re.IGNORECASE
    if "m" in flags:
        value |= re.MULTILINE
    return value


def _round3(value: float) -> float:
    """Round half up to three decimals with the same float operations as matcher.js."""
    return math.floor(value * 1000 + 0.5) / 1000


def _ulen(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript counts it."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_UPPER = re.compile(r"[A-Z]+")


def _ascii_lower(text: str) -> str:
    """Lower-case A-Z only, so lengths never change (JS: the same)."""
    if text.isascii():
        return text.lower()
    return _UPPER.sub(lambda m: m.group(0).lower(), text)


# ----------------------------------------------------------------------------- compiled index


class _Compiled:
    """An index with its regexes compiled, literals expanded and the anchor map built.

    Built once per index object (see `_compiled`); `build_index` also uses a
    rules-only instance to prepare literals exactly as the matcher will.
    """

    def __init__(self, index: dict):
        if index.get("version") != INDEX_VERSION:
            raise ValueError(f"unsupported matcher index version {index.get('version')!r}")
        self.re = {name: re.compile(src, _flags(flags)) for name, (src, flags) in index["rules"].items()}
        self.masks = [(re.compile(src, _flags("i")), ph, keep) for src, ph, keep in index["masks"]]
        self.mask_pieces = [_mask_pieces(src, [m[1] for m in index["masks"]]) for src, _, _ in index["masks"]]
        self.status = [re.compile(src, _flags("m")) for src in index["status"]]
        self.w: dict = index["weights"]
        self.block: int = index["block"]
        self.gap: int = index["gap"]
        self.short: int = index["short"]
        self.fuzzy_extra: int = index["fuzzy_extra"]
        self.fuzzy_min: int = index["fuzzy_min"]
        self.nprov = len(index["providers"])
        self.hints = index["hints"]
        # Hints grouped by a key (a word of the needle, shared by many hints of one provider): a block is
        # searched for a group's needles only when it contains the key.  hint_span: the longest needle - 1.
        self.hint_groups = _hint_groups(self.hints)
        self.hint_span = max([len(h[0]) for h in self.hints] + [1]) - 1
        self.errors: list[tuple] = []     # (id, title, url, provider index, status, code, type)
        # ("l", error, ufr, mfr, ftoks, su, sm, needles, alnum unmasked, alnum masked)
        # | ("r", error, regex, score, required pieces or None)
        self.patterns: list[tuple] = []
        self.amap: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self.always: list[int] = []
        self.codes: set[str] = set()
        self.types: set[str] = set()
        regex_flags = _flags(index["regex_flags"])
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
        code_df: dict[str, int] = {}
        for rec in records:
            if rec[1]:
                code_df[rec[1]] = code_df.get(rec[1], 0) + 1
        for e_idx, (eid, code, title, url, pidx, status, etype, lits, regexes) in enumerate(records):
            self.errors.append((eid, title, url, pidx, status, code, etype))
            if code:
                self.codes.add(code)
            if etype:
                self.types.add(etype)
            texts = []
            for lit in lits:
                text = lit[0]
                texts.append(text)
                tokens = self.literal_tokens(text)
                self._add_literal(e_idx, text, [[tokens[k] for k in lit[1:]]] if len(lit) > 1 else [])
            if code and code_df[code] == 1 and code not in texts:
                # A code of one error only (insufficient_quota) is a literal pattern of its own;
                # its anchor is its longest word.
                best = ""
                for tok in _TOKEN.findall(code):
                    if len(tok) > len(best):
                        best = tok
                self._add_literal(e_idx, code, [[best]] if len(best) >= 4 else [])
            for src, anchors, spec in regexes:
                try:
                    rx = re.compile(src, regex_flags)
                except re.error:
                    rx = None
                tokens = self.re["token"].findall(_ascii_lower(src))
                alternatives = [[tokens[a] if isinstance(a, int) else a for a in alt] for alt in anchors]
                self._register(len(self.patterns), alternatives)
                self.patterns.append(("r", e_idx, rx, self.pattern_score(spec), _required_pieces(src)))
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
        masked = self.re["placeholder"].sub(" ", _ascii_lower(self.mask(text)))
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
        raw_widths = [_ulen(line.rstrip(" \t")) for line in t.split("\n")]
        for _ in range(3):
            if "\\" not in t:
                break
            new = R["unescape"].sub(self._unescape_one, t)
            if new == t:
                break
            t = new
        t = R["ansi"].sub("", t)
        t = R["ctrl"].sub("", t)
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
            if wrapped_prev:
                head = R["wrap_head"].search(line)
                tail = R["wrap_tail"].search(lines[-1])
                if head and tail:
                    word = (tail.group(0) + head.group(0)).lower()
                    if len(word) >= 4:
                        extras[-1].append(word)
            lines.append(line)
            extras.append([])
            wrapped_prev = width >= 60 and raw_widths[i] >= width - 2
        return lines, extras

    def mask(self, text: str, cmp: str | None = None) -> str:
        """Text with variable parts replaced by placeholders.  cmp: the compact lower-case text, if known: a
        rule is skipped when it lacks the rule's required pieces (_mask_pieces)."""
        for (rx, placeholder, keep), pieces in zip(self.masks, self.mask_pieces):
            if cmp is not None and pieces is not None and not any(all(p in cmp for p in alt) for alt in pieces):
                continue
            if keep:
                text = rx.sub(lambda m, p=placeholder: (m.group(1) or "") + p, text)
            else:
                text = rx.sub(placeholder, text)
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
        masked = _ascii_lower(self.mask(text))
        mfr = [f.replace(" ", "") for f in R["gap_masked"].split(masked)]
        mfr = [f for f in mfr if f]
        ftoks = R["fuzzy"].findall(R["gap_masked"].sub(" ", masked))
        au = self.alnum("".join(ufr))
        am = self.alnum(R["placeholder"].sub("", "".join(mfr)))
        if mfr == ufr:
            mfr = None
        return ufr, mfr, ftoks, self.pattern_score(au), self.pattern_score(am), au, am


_CACHE: dict[int, tuple[dict, _Compiled]] = {}


def _compiled(index: dict) -> _Compiled:
    hit = _CACHE.get(id(index))
    if hit is not None and hit[0] is index:
        return hit[1]
    comp = _Compiled(index)
    if len(_CACHE) >= 8:
        _CACHE.clear()
    _CACHE[id(index)] = (index, comp)
    return comp


_COLUMNS = ("slug", "title", "provider", "status", "code", "type", "literals", "regexes")


def _columns(records: list[list]) -> dict:
    """The errors of the index, column by column (records as made in build_index): one list per field
    (columns compress better than rows), where a slug that shares three or more leading characters with the
    previous one is [their number, the rest] and a type is its index in "types"; and "urls" for the records
    whose url is not the template's, as [row, url] pairs."""
    cols: dict = {name: [rec[k] for rec in records] for k, name in enumerate(_COLUMNS)}
    prev, slugs = "", []
    for slug in cols["slug"]:
        same = 0
        while same < min(len(slug), len(prev)) and slug[same] == prev[same]:
            same += 1
        slugs.append([same, slug[same:]] if same >= 3 else slug)
        prev = slug
    cols["slug"] = slugs
    cols["types"] = sorted(set(cols["type"]))
    cols["type"] = [cols["types"].index(etype) for etype in cols["type"]]
    cols["urls"] = [[row, rec[8]] for row, rec in enumerate(records) if len(rec) > 8]
    return cols


def _hint_groups(hints: list[list]) -> list[tuple[str | None, list[list]]]:
    """Hints grouped by a key that every needle of the group contains, so that a text without the key holds
    none of them: of the words (three or more letters and digits) of all needles, the one inside this needle
    that is inside the most needles of the fewest providers, preferably of four or more characters (acme for
    api.acme.example.com and acmeai).  A needle without such a word is its own group (None).  Only speed
    depends on the choice; matcher.js makes the same one."""
    words = sorted({word for h in hints for word in re.findall(r"[a-z0-9]{3,}", h[0])})
    inside = [[word for word in words if word in h[0]] for h in hints]
    count: dict[str, int] = {}
    provs: dict[str, set] = {}
    for h, found in zip(hints, inside):
        for word in found:
            count[word] = count.get(word, 0) + 1
            provs.setdefault(word, set()).add(h[1])
    groups: dict = {}
    for h, found in zip(hints, inside):
        key = None
        for word in found:
            if key is None or _better_key(word, key, count, provs):
                key = word
        groups.setdefault(key, []).append(h)
    return list(groups.items())


def _better_key(word: str, key: str, count: dict, provs: dict) -> bool:
    if (len(word) >= 4) != (len(key) >= 4):     # three letters (ant, api) occur in too many texts
        return len(word) >= 4
    a = count[word] * len(provs[key]) ** 2
    b = count[key] * len(provs[word]) ** 2
    if a != b:
        return a > b
    if len(word) != len(key):
        return len(word) > len(key)
    return word < key


def _rules_index() -> dict:
    """An index with the rules and no errors."""
    return {
        "version": INDEX_VERSION, "rules": RULES, "masks": MASKS, "status": STATUS_RULES,
        "weights": WEIGHTS, "block": BLOCK_LINES, "gap": MAX_GAP, "short": SHORT_PASTE, "fuzzy_extra": FUZZY_EXTRA,
        "fuzzy_min": FUZZY_MIN_TOKENS, "regex_flags": "i", "providers": [], "hints": [],
        "url": ["/", "/"], "errors": _columns([]),
    }


_RULES_INDEX = _rules_index()


def normalise(text: str, index: dict | None = None) -> str:
    """The paste as the matcher sees it: normalised lines joined by "\\n" (see the module docstring)."""
    lines, _ = _compiled(index or _RULES_INDEX).normalise_lines(text)
    return "\n".join(lines)


def mask(text: str, index: dict | None = None) -> str:
    """Normalised text with variable parts replaced by placeholders (<key>, <num>, <model> ...)."""
    comp = _compiled(index or _RULES_INDEX)
    lines, _ = comp.normalise_lines(text)
    return comp.mask("\n".join(lines))


# ----------------------------------------------------------------------------- build

_TOKEN = re.compile(r"[a-z0-9]+")
_STATUS_PREFIX = re.compile(r"^\s*[1-5][0-9]{2}\s+")
_TYPE_PREFIX = re.compile(r"^([A-Za-z0-9_.]+):\s+(.*)$", re.S)
_QUOTE_CHARS = re.compile(RULES["quotes"][0])
_DISTINCT = re.compile(r"^[a-z0-9_]{4,}$")
_GENERIC_HOSTS = {"github.com", "google.com", "microsoft.com", "amazon.com", "huggingface.co"}


def _feature_token(value) -> str:
    """error_code / error_type as a lower-case token, or "" when it is not distinctive
    (must contain "_" or be CamelCase, be made of [a-z0-9_] and not be a number)."""
    if not isinstance(value, str):
        return ""
    low = value.lower()
    if not _DISTINCT.match(low) or low.isdigit():
        return ""
    if "_" not in low and not re.search(r"[a-z][A-Z]", value):
        return ""
    return low


def _literal_text(comp: _Compiled, literal: str) -> str:
    lines, _ = comp.normalise_lines(literal)
    return _ascii_lower(" ".join(lines))


def _anchor_candidates(fragments: list[str]) -> list[tuple[str, bool, int]]:
    """(token, interior, position) for every token of four or more characters in the fragments;
    position counts all tokens of the fragments in order (see _Compiled.literal_tokens)."""
    out = []
    position = 0
    for frag in fragments:
        for m in _TOKEN.finditer(frag):
            tok = m.group(0)
            if len(tok) >= 4 and not tok.isdigit():
                interior = m.start() > 0 and m.end() < len(frag)
                out.append((tok, interior, position))
            position += 1
    return out


def _literal_anchor_candidates(comp: _Compiled, text: str) -> list[tuple[str, bool, int]]:
    masked = comp.re["placeholder"].sub(" ", _ascii_lower(comp.mask(text)))
    cands = _anchor_candidates(comp.re["gap_masked"].split(masked))
    assert [c[0] for c in cands] == [t for t in comp.literal_tokens(text) if len(t) >= 4 and not t.isdigit()]
    return cands


def _quantifier(src: str, j: int) -> tuple[str | None, int]:
    """Quantifier at src[j]: ("opt", length) for * ? {0,..}, ("plus", length) for + {n,..}, (None, 0)."""
    if j >= len(src):
        return None, 0
    c = src[j]
    if c in "*?":
        kind, length = "opt", 1
    elif c == "+":
        kind, length = "plus", 1
    elif c == "{":
        m = re.match(r"\{([0-9]+)(,[0-9]*)?\}", src[j:])
        if not m:
            return None, 0
        kind, length = ("opt" if int(m.group(1)) == 0 else "plus"), m.end()
    else:
        return None, 0
    if src[j + length:j + length + 1] in ("?", "+"):
        length += 1
    return kind, length


def _skip_class(src: str, i: int) -> int:
    """Index after the character class starting at src[i] == "["."""
    j = i + 1
    if src[j:j + 1] == "^":
        j += 1
    if src[j:j + 1] == "]":
        j += 1
    while j < len(src) and src[j] != "]":
        j += 2 if src[j] == "\\" else 1
    return j + 1


def _skip_group(src: str, i: int) -> int:
    """Index after the group starting at src[i] == "("."""
    depth, j = 0, i
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _skip_class(src, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def _split_alternatives(src: str) -> list[str]:
    """Top-level alternatives of a regex (or of a group's inside)."""
    out, cur, depth, i = [], [], 0, 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            cur.append(src[i:i + 2])
            i += 2
            continue
        if c == "[":
            j = _skip_class(src, i)
            cur.append(src[i:j])
            i = j
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


_DELIM = "\x00"


def _regex_runs(branch: str) -> tuple[list[str], int]:
    """Literal runs every match of this alternative must contain, and its specificity
    (alphanumeric literal characters, counting a mandatory group by its least specific alternative)."""
    runs: list[str] = []
    cur: list[str] = []
    spec = 0
    i, n = 0, len(branch)

    def flush():
        if cur:
            runs.append("".join(cur))
            cur.clear()

    while i < n:
        c = branch[i]
        lit = None
        if c == "\\":
            nxt = branch[i + 1] if i + 1 < n else ""
            if nxt.isalnum():
                step = {"x": 4, "u": 6}.get(nxt, 2)
                i += step
                kind, length = _quantifier(branch, i)
                i += length
                if nxt in "bsW" and kind != "opt":
                    cur.append(_DELIM)          # a boundary or a non-word character: tokens end here
                else:
                    flush()
                continue
            lit = nxt
            i += 2
        elif c == "[":
            i = _skip_class(branch, i)
            _, length = _quantifier(branch, i)
            i += length
            flush()
            continue
        elif c == "(":
            j = _skip_group(branch, i)
            inner = branch[i + 1:j - 1]
            if inner.startswith("?:"):
                inner = inner[2:]
            kind, length = _quantifier(branch, j)
            if kind != "opt" and not inner.startswith("?"):
                spec += min(_regex_runs(alt)[1] for alt in _split_alternatives(inner))
            i = j + length
            flush()
            continue
        elif c in "^$":
            cur.append(_DELIM)
            i += 1
            continue
        elif c == ".":
            i += 1
            _, length = _quantifier(branch, i)
            i += length
            flush()
            continue
        elif c in "*+?{":
            kind, length = _quantifier(branch, i)
            if length:
                i += length
                flush()
                continue
            lit = c
            i += 1
        else:
            lit = c
            i += 1
        kind, length = _quantifier(branch, i)
        if kind == "opt":
            flush()
            i += length
        elif kind == "plus":
            cur.append(lit)
            spec += 1 if lit.isalnum() else 0
            flush()
            i += length
        else:
            cur.append(lit)
            spec += 1 if lit.isalnum() else 0
    flush()
    return runs, spec


def _regex_info(src: str) -> tuple[list[list[tuple[str, bool]]], int]:
    """Per top-level alternative its anchor candidates, and the regex's specificity (least specific branch)."""
    per_branch, specs = [], []
    for branch in _split_alternatives(src):
        runs, spec = _regex_runs(branch)
        specs.append(spec)
        per_branch.append(_anchor_candidates([_ascii_lower(r) for r in runs]))
    return per_branch, min(specs)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Syntax _regex_runs misreads: octal \012, \N{name}, \U0001f600, and {,n} (a quantifier in Python only).
_UNPARSED = re.compile(r"\\[0-9NU]|\{,")


def _required_pieces(src: str, min_len: int = 4) -> list[list[str]] | None:
    """Per top-level alternative of a regex, strings (`min_len` or more characters, compact and lower-case, like
    a window's compact text) that every match of that alternative contains: its literal runs without spaces,
    split at \\b \\s \\W ^ $ and at non-ASCII characters.  A window lacking some piece of every alternative
    is not searched.  None when an alternative has none, or the regex has syntax _regex_runs misreads: then
    the regex is always searched."""
    if _UNPARSED.search(src):
        return None
    out = []
    try:
        for branch in _split_alternatives(src):
            pieces = []
            for run in _regex_runs(branch)[0]:
                for part in run.split(_DELIM):
                    for piece in _NON_ASCII.split(_ascii_lower(part).replace(" ", "")):
                        if len(piece) >= min_len and piece not in pieces:
                            pieces.append(piece)
            if not pieces:
                return None
            out.append(pieces)
    except (IndexError, ValueError):
        return None
    return out


def _mask_pieces(src: str, placeholders: list[str]) -> list[list[str]] | None:
    """A mask rule's required pieces (any length: "@" for e-mails, "**" for masked keys) that no placeholder
    contains or can form with its neighbours (none has < or >), so that a text lacking them lacks them
    after the earlier rules too; None: the rule is always applied."""
    alternatives = _required_pieces(src, 1)
    if alternatives is None:
        return None
    out = []
    for pieces in alternatives:
        pieces = [p for p in pieces
                  if "<" not in p and ">" not in p and not any(p in ph.lower() for ph in placeholders)]
        if not pieces:
            return None
        out.append(pieces)
    return out


def _pick_anchor(cands: list[tuple[str, bool, int]], df: dict[str, int]) -> list[tuple[str, int]]:
    """The best anchor words, as (word, position): inside the pattern rather than at its edge, not a
    stop word, rare in the knowledge base, long.  A second word is added unless the first is rare."""
    ranked: dict[str, tuple] = {}
    for tok, interior, position in cands:
        tier = (0 if interior else 1) + (2 if tok in STOP_WORDS else 0)
        count = df.get(tok, 0)
        bucket = 0 if count <= 2 else 1 if count <= 8 else 2 if count <= 32 else 3
        key = (tier, bucket, -min(len(tok), 12), tok, position)
        if tok not in ranked or key < ranked[tok]:
            ranked[tok] = key
    best = sorted(ranked.values())[:2]
    if len(best) == 2 and best[0][0] == 0 and best[0][1] == 0:
        best = best[:1]
    return [(key[3], key[4]) for key in best]


def _truncate(text: str, limit: int = 80) -> str:
    """A long literal cut at a space at most `limit` characters in: specificity saturates long before."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip()


def _url_template(errors: list[dict]) -> tuple[str, str]:
    for err in errors:
        url, eid = err.get("url") or "", err["id"]
        pos = url.find(eid)
        if pos >= 0:
            return url[:pos], url[pos + len(eid):]
    return "/", "/"


def _provider_hints(providers: dict[str, dict], slugs: list[str]) -> list[list]:
    best: dict[tuple[str, int], float] = {}

    def add(needle: str, slug: str, weight: float) -> None:
        needle = _QUOTE_CHARS.sub("'", needle.lower()).replace(" ", "")
        if len(needle) < 4:
            return
        key = (needle, slugs.index(slug))
        best[key] = max(best.get(key, 0), weight)

    for slug in slugs:
        for needle, weight in BUILTIN_HINTS.get(slug, []):
            add(needle, slug, weight)
    for slug, data in providers.items():
        data = data or {}
        for host in data.get("api_hosts") or []:
            add(str(host).lstrip("*"), slug, STRONG)
        homepage = data.get("homepage")
        if isinstance(homepage, str):
            host = (urlparse(homepage).hostname or "").lower()
            if host.startswith("www."):
                host = host[4:]
            if "." in host and host not in _GENERIC_HOSTS:
                add(host, slug, STRONG)
        name = data.get("name")
        if isinstance(name, str):
            add(name, slug, WEAK)
    return [[needle, pidx, weight] for (needle, pidx), weight in sorted(best.items())]


def _signature_message(signature: dict) -> str:
    """signature.text without a leading HTTP status and a leading "<error_type>:" / "<error_code>:"."""
    text = signature.get("text") or ""
    text = _STATUS_PREFIX.sub("", text)
    m = _TYPE_PREFIX.match(text)
    if m:
        head = m.group(1).lower()
        if head in {str(signature.get("error_type") or "").lower(), str(signature.get("error_code") or "").lower()}:
            text = m.group(2)
    return text


def build_index(errors: list[dict], providers: dict[str, dict]) -> dict:
    """Compile the knowledge base into the matcher index (JSON-able; read by `match` and matcher.js).

    errors: dicts with at least id, title, url, provider, signature, patterns, tags.
    providers: provider slug -> its _provider.yaml dict (api_hosts, homepage, name).
    Raises ValueError for a regex pattern Python cannot compile or that uses
    syntax JavaScript lacks (lookbehind, named groups, inline flags).
    """
    comp = _compiled(_RULES_INDEX)
    errors = sorted(errors, key=lambda e: e["id"])
    slugs = sorted(set(providers) | {e["provider"] for e in errors} | set(BUILTIN_HINTS))

    code_df: dict[str, int] = {}
    for err in errors:
        code = _feature_token((err.get("signature") or {}).get("error_code"))
        if code:
            code_df[code] = code_df.get(code, 0) + 1

    prepared = []
    df: dict[str, int] = {}
    full = WEIGHTS["full"]
    for err in errors:
        sig = err.get("signature") or {}
        code = _feature_token(sig.get("error_code"))
        implicit = code if code and code_df[code] == 1 else None   # added by the matcher itself
        literals: list[str] = []
        sources = [_signature_message(sig)]
        sources += [p["literal"] for p in err.get("patterns") or [] if "literal" in p]
        for source in sources:
            if not isinstance(source, str) or not source.strip():
                continue
            text = _truncate(_literal_text(comp, source))
            if text and text != implicit and text not in literals:
                literals.append(text)
        # Drop a literal that contains a shorter one of the same error which is already fully specific.
        forms = {text: comp.literal_forms(text)[0] for text in literals}
        kept = []
        for text in literals:
            subsumed = any(
                other != text and len(forms[other]) == 1 and len(forms[text]) == 1
                and forms[other][0] in forms[text][0] and comp.alnum(forms[other][0]) >= full
                for other in literals)
            if not subsumed:
                kept.append(text)
        literals = kept
        lit_cands = [_literal_anchor_candidates(comp, text) for text in literals]
        regexes = []
        for p in err.get("patterns") or []:
            if "regex" not in p:
                continue
            src = _QUOTE_CHARS.sub("'", p["regex"])
            if FORBIDDEN_REGEX.search(src):
                raise ValueError(f"{err['id']}: regex uses syntax JavaScript lacks: {p['regex']!r}")
            try:
                re.compile(src, _flags("i"))
            except re.error as exc:
                raise ValueError(f"{err['id']}: bad regex {p['regex']!r}: {exc}") from None
            branch_cands, spec = _regex_info(src)
            regexes.append((src, branch_cands, spec))
        words = {c[0] for cands in lit_cands for c in cands}
        words |= {c[0] for _, branches, _ in regexes for cands in branches for c in cands}
        for tok in words:
            df[tok] = df.get(tok, 0) + 1
        prepared.append((err, literals, lit_cands, regexes))

    prefix, suffix = _url_template(errors)
    records = []
    for err, literals, lit_cands, regexes in prepared:
        sig = err.get("signature") or {}
        lits = [[text] + [position for _, position in _pick_anchor(cands, df)]
                for text, cands in zip(literals, lit_cands)]
        rxs = []
        for src, branch_cands, spec in regexes:
            tokens = _TOKEN.findall(_ascii_lower(src))
            anchors = []
            for cands in branch_cands:
                words = [word for word, _ in _pick_anchor(cands, df)]
                anchors.append([tokens.index(word) if word in tokens else word for word in words])
            rxs.append([src, anchors if all(anchors) else [], spec])
        status = sig.get("http_status")
        provider = err["provider"]
        eid = err["id"]
        slug = eid[len(provider) + 1:] if eid.startswith(provider + "/") else "/" + eid
        code = _feature_token(sig.get("error_code"))
        if code and code == eid.rsplit("/", 1)[-1].replace("-", "_"):
            code = 1
        title = err.get("title") or eid
        words = eid.rsplit("/", 1)[-1].replace("-", " ")
        if words and words in title:    # stored as [before, after] around the slug's words
            cut = title.index(words)
            title = [title[:cut], title[cut + len(words):]]
        record = [
            slug, title, slugs.index(provider), status if isinstance(status, int) else 0,
            code, _feature_token(sig.get("error_type")), lits, rxs,
        ]
        url = err.get("url")
        if url is not None and url != prefix + err["id"] + suffix:
            record.append(url)
        records.append(record)

    index = _rules_index()
    index.update(providers=slugs, hints=_provider_hints(providers, slugs), url=[prefix, suffix],
                 errors=_columns(records))
    return index


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

    def __init__(self, comp: _Compiled, lines: list[str]):
        self.comp = comp
        self.lines = lines
        self.sp = " ".join(lines)
        self.cmp = _ascii_lower(self.sp).replace(" ", "")
        self._features = None
        self._masked = None

    def masked(self) -> tuple[str, str, list[tuple[str, int, int]]]:
        """(masked spaced text, masked compact lower-case text, its fuzzy tokens as (token, start, end)).  Masks
        never match across a line break, so masking the lines joined by "\\n" is masking each line."""
        if self._masked is None:
            msp = self.comp.mask("\n".join(self.lines), self.cmp).replace("\n", " ")
            mlow = _ascii_lower(msp)
            spans = [(m.group(0), m.start(), m.end()) for m in self.comp.re["fuzzy"].finditer(mlow)]
            self._masked = (msp, mlow.replace(" ", ""), spans)
        return self._masked

    def features(self) -> tuple:
        """(statuses, tokens, evidence per provider, another error's code seen, another error's type seen)."""
        if self._features is None:
            comp = self.comp
            nl = _ascii_lower("\n".join(self.lines))
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

    def __init__(self, comp: _Compiled, blocks: list[_Block]):
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


def _hits(comp: _Compiled, win: _Window, cands) -> dict[int, list[tuple]]:
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


def _reverse_hits(comp: _Compiled, win: _Window, hits: dict[int, list[tuple]]) -> None:
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


def _score(comp: _Compiled, e_idx: int, hits: list[tuple], features) -> tuple[float, tuple]:
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
    for q, value in enumerate(evidence):
        if q != pidx and value > foreign:
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


def match(index: dict, text: str, top: int = 5) -> list[dict]:
    """Best matching errors for a pasted log: [{id, title, score, url, matched}], best first; [] if none fits."""
    comp = _compiled(index)
    lines, extras = comp.normalise_lines(text)
    if not lines:
        return []
    B = comp.block
    nblocks = (len(lines) + B - 1) // B
    word_re = comp.re["word"]
    block_cands = []
    for b in range(nblocks):
        seg = lines[b * B:(b + 1) * B]
        words = set(word_re.findall("\n".join(seg).lower()))
        for extra in extras[b * B:(b + 1) * B]:
            words.update(extra)
        cands = set()
        for word in comp.anchor_keys.intersection(words):
            for pid, others in comp.amap[word]:
                if not others or others[0] in words and (len(others) == 1 or all(o in words for o in others)):
                    cands.add(pid)
        block_cands.append(cands)
    blocks: list[_Block | None] = [None] * nblocks

    def window(b0: int, b1: int) -> _Window:
        for b in range(b0, b1):
            if blocks[b] is None:
                blocks[b] = _Block(comp, lines[b * B:(b + 1) * B])
        return _Window(comp, blocks[b0:b1])

    windows = [(0, 1)] if nblocks == 1 else [(b, b + 2) for b in range(nblocks - 1)]
    made: dict[int, _Window] = {}
    best: dict[int, tuple] = {}   # error -> (score, window number, hit)
    for wn, (b0, b1) in enumerate(windows):
        cands = set(comp.always)
        for b in range(b0, b1):
            cands |= block_cands[b]
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
            s, hit = _score(comp, e_idx, ehits, features)
            if e_idx not in best or s > best[e_idx][0]:
                best[e_idx] = (s, wn, hit)
    threshold = comp.w["threshold"]
    ranked = []
    for e_idx, (s, wn, hit) in best.items():
        score = _round3(s)
        if score >= threshold:
            ranked.append((-score, comp.errors[e_idx][0], e_idx, wn, hit))
    ranked.sort()
    results = []
    for neg, eid, e_idx, wn, hit in ranked[:top]:
        win = made[wn]
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
        _, title, url = comp.errors[e_idx][:3]
        results.append({"id": eid, "title": title, "score": -neg, "url": url, "matched": matched[:240]})
    return results
