"""Build the matcher's index: the knowledge base compiled into one compact JSON document.

`build_index(errors, providers)` runs when the site is built.  The index carries the rules
(errorkb.search.rules), the provider hints and, per error, its literals and regexes with their
anchor words, and everything that depends only on the index and saves the engines work: the
required pieces of each regex and mask rule, and the hint groups.  The Python engine
(errorkb.search.engine) and matcher.js read it and compute none of that themselves.  See
engine.py for the algorithm and the index format.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from ..kb.model import allied_providers
from ..kb.pattern_syntax import DELIM, UNPARSED, js_incompatibility, literal_runs, split_alternatives
from .engine import Engine, ascii_lower, engine_for, flags_of
from .rules import (BLOCK_LINES, BUILTIN_HINTS, FOLD, FUZZY_EXTRA, FUZZY_MIN_TOKENS, INDEX_VERSION, LINE_CAP,
                    MASK_RULES, MAX_GAP, RULES, SHORT_PASTE, STATUS_RULES, STOP_WORDS, STRONG, WEAK, WEIGHTS)

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


def _literal_text(comp: Engine, literal: str) -> str:
    lines, _ = comp.normalise_lines(literal)
    return ascii_lower(" ".join(lines))


def _anchor_candidates(fragments: list[str]) -> list[tuple[str, bool, int]]:
    """(token, interior, position) for every token of four or more characters in the fragments;
    position counts all tokens of the fragments in order (see Engine.literal_tokens)."""
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


def _literal_anchor_candidates(comp: Engine, text: str) -> list[tuple[str, bool, int]]:
    masked = comp.re["placeholder"].sub(" ", ascii_lower(comp.mask(text)))
    cands = _anchor_candidates(comp.re["gap_masked"].split(masked))
    assert [c[0] for c in cands] == [t for t in comp.literal_tokens(text) if len(t) >= 4 and not t.isdigit()]
    return cands


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


def _hint_groups(hints: list[list]) -> list[list]:
    """Hints grouped by a key that every needle of the group contains, so that a text without the key holds
    none of them: of the words (three or more letters and digits) of all needles, the one inside this needle
    that is inside the most needles of the fewest providers, preferably of four or more characters (acme for
    api.acme.example.com and acmeai).  A needle without such a word is its own group (None).  Only speed
    depends on the choice.  Returned as [[key or None, [hint indexes]]] for the index."""
    words = sorted({word for h in hints for word in re.findall(r"[a-z0-9]{3,}", h[0])})
    inside = [[word for word in words if word in h[0]] for h in hints]
    count: dict[str, int] = {}
    provs: dict[str, set] = {}
    for h, found in zip(hints, inside):
        for word in found:
            count[word] = count.get(word, 0) + 1
            provs.setdefault(word, set()).add(h[1])
    groups: dict = {}
    for number, found in enumerate(inside):
        key = None
        for word in found:
            if key is None or _better_key(word, key, count, provs):
                key = word
        groups.setdefault(key, []).append(number)
    return [[key, members] for key, members in groups.items()]


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


def _masks() -> list[list]:
    """The mask rules for the index: [name, source, placeholder, keep (0/1), required pieces or None]."""
    placeholders = [rule.placeholder for rule in MASK_RULES]
    return [[rule.name, rule.pattern, rule.placeholder, int(rule.keep), _mask_pieces(rule.pattern, placeholders)]
            for rule in MASK_RULES]


def rules_index() -> dict:
    """An index with the rules and no errors (what `normalise` and `mask` need)."""
    return {
        "version": INDEX_VERSION, "rules": RULES, "masks": _masks(), "status": STATUS_RULES,
        "weights": WEIGHTS, "block": BLOCK_LINES, "gap": MAX_GAP, "short": SHORT_PASTE, "line": LINE_CAP, "fold": FOLD, "fuzzy_extra": FUZZY_EXTRA,
        "fuzzy_min": FUZZY_MIN_TOKENS, "regex_flags": "i", "providers": [], "allies": [], "hints": [], "hint_groups": [],
        "url": ["/", "/"], "all_codes": [], "shared_codes": [], "all_types": [], "errors": _columns([]),
    }


def rules_engine() -> Engine:
    """The engine of the rules-only index, to prepare literals exactly as the matcher will read them."""
    return engine_for(RULES_INDEX)


def _regex_info(src: str) -> tuple[list[list[tuple[str, bool]]], int]:
    """Per top-level alternative its anchor candidates, and the regex's specificity (least specific branch)."""
    per_branch, specs = [], []
    for branch in split_alternatives(src):
        runs, spec = literal_runs(branch)
        specs.append(spec)
        per_branch.append(_anchor_candidates([ascii_lower(r) for r in runs]))
    return per_branch, min(specs)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _required_pieces(src: str, min_len: int = 4) -> list[list[str]] | None:
    """Per top-level alternative of a regex, strings (`min_len` or more characters, compact and lower-case, like
    a window's compact text) that every match of that alternative contains: its literal runs without spaces,
    split at \\b \\s \\W ^ $ and at non-ASCII characters.  A window lacking some piece of every alternative
    is not searched.  None when an alternative has none, or the regex has syntax literal_runs misreads: then
    the regex is always searched."""
    if UNPARSED.search(src):
        return None
    out = []
    try:
        for branch in split_alternatives(src):
            pieces = []
            for run in literal_runs(branch)[0]:
                for part in run.split(DELIM):
                    for piece in _NON_ASCII.split(ascii_lower(part).replace(" ", "")):
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


def _allies(providers: dict[str, dict], slugs: list[str]) -> list[list[int]]:
    """Per provider (by index), the providers a tool `calls` and the tools that call it: a Cline log that names
    api.anthropic.com is evidence for neither page against the other."""
    allies = allied_providers(providers)
    return [sorted(slugs.index(other) for other in allies.get(slug, ())) for slug in slugs]


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
                # With the slash of a URL: a bare "openai.com" is also in "litellm.llms.openai.common_utils".
                add(host + "/", slug, STRONG)
                add("//" + host, slug, STRONG)
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


def _literals(comp: Engine, err: dict, implicit: str | None) -> list[str]:
    """An error's literals, normalised and cut, from its signature and literal patterns; the implicit code
    literal and a literal containing a shorter, already fully specific one of the same error are left out."""
    sig = err.get("signature") or {}
    literals: list[str] = []
    sources = [_signature_message(sig)] + [p["literal"] for p in err.get("patterns") or [] if "literal" in p]
    for source in sources:
        if not isinstance(source, str) or not source.strip():
            continue
        text = _truncate(_literal_text(comp, source))
        if text and text != implicit and text not in literals:
            literals.append(text)
    forms = {text: comp.literal_forms(text)[0] for text in literals}
    full = WEIGHTS["full"]

    def subsumed(text: str) -> bool:
        return any(other != text and len(forms[other]) == 1 and len(forms[text]) == 1
                   and forms[other][0] in forms[text][0] and comp.alnum(forms[other][0]) >= full
                   for other in literals)

    return [text for text in literals if not subsumed(text)]


def _regexes(err: dict) -> list[tuple[str, list, int]]:
    """An error's regexes as (source with quotes unified, anchor candidates per alternative, specificity)."""
    regexes = []
    for p in err.get("patterns") or []:
        if "regex" not in p:
            continue
        src = _QUOTE_CHARS.sub("'", p["regex"])
        feature = js_incompatibility(src)
        if feature:
            raise ValueError(f"{err['id']}: regex uses {feature}, which JavaScript lacks: {p['regex']!r}")
        try:
            re.compile(src, flags_of("i"))
        except re.error as exc:
            raise ValueError(f"{err['id']}: bad regex {p['regex']!r}: {exc}") from None
        branch_cands, spec = _regex_info(src)
        regexes.append((src, branch_cands, spec))
    return regexes


def _regex_entry(src: str, branch_cands: list, spec: int, df: dict[str, int]) -> list:
    """[source, anchors per alternative (word positions in the source where possible), specificity, pieces]."""
    tokens = _TOKEN.findall(ascii_lower(src))
    anchors = []
    for cands in branch_cands:
        words = [word for word, _ in _pick_anchor(cands, df)]
        anchors.append([tokens.index(word) if word in tokens else word for word in words])
    return [src, anchors if all(anchors) else [], spec, _required_pieces(src)]


def _record(err: dict, slugs: list[str], lits: list, rxs: list, url_template: tuple[str, str]) -> list:
    """One error's row of the index (see _columns): slug, title, provider, status, code, type, literals,
    regexes, and its url when the template does not give it."""
    sig = err.get("signature") or {}
    provider, eid = err["provider"], err["id"]
    slug = eid[len(provider) + 1:] if eid.startswith(provider + "/") else "/" + eid
    code = _feature_token(sig.get("error_code"))
    if code and code == eid.rsplit("/", 1)[-1].replace("-", "_"):
        code = 1
    title = err.get("title") or eid
    words = eid.rsplit("/", 1)[-1].replace("-", " ")
    if words and words in title:    # stored as [before, after] around the slug's words
        cut = title.index(words)
        title = [title[:cut], title[cut + len(words):]]
    status = sig.get("http_status")
    record = [slug, title, slugs.index(provider), status if isinstance(status, int) else 0,
              code, _feature_token(sig.get("error_type")), lits, rxs]
    url = err.get("url")
    if url is not None and url != url_template[0] + eid + url_template[1]:
        record.append(url)
    return record


def build_index(errors: list[dict], providers: dict[str, dict]) -> dict:
    """Compile the knowledge base into the matcher index (JSON-able; read by `match` and matcher.js).

    errors: dicts with at least id, title, url, provider, signature, patterns, tags.
    providers: provider slug -> its _provider.yaml dict (api_hosts, homepage, name).
    Raises ValueError for a regex pattern Python cannot compile or that uses
    syntax JavaScript lacks (lookbehind, named groups, inline flags).
    """
    comp = rules_engine()
    errors = sorted(errors, key=lambda e: e["id"])
    slugs = sorted(set(providers) | {e["provider"] for e in errors} | set(BUILTIN_HINTS))
    codes = [_feature_token((err.get("signature") or {}).get("error_code")) for err in errors]
    code_df: dict[str, int] = {}
    for code in filter(None, codes):
        code_df[code] = code_df.get(code, 0) + 1

    # First pass: every error's literals and regexes, and in how many errors each anchor word occurs.
    prepared = []
    df: dict[str, int] = {}
    for err, code in zip(errors, codes):
        literals = _literals(comp, err, code if code and code_df[code] == 1 else None)
        lit_cands = [_literal_anchor_candidates(comp, text) for text in literals]
        regexes = _regexes(err)
        words = {c[0] for cands in lit_cands for c in cands}
        words |= {c[0] for _, branches, _ in regexes for cands in branches for c in cands}
        for word in words:
            df[word] = df.get(word, 0) + 1
        prepared.append((err, literals, lit_cands, regexes))

    # Second pass: anchors chosen with those counts, and the rows.
    url_template = _url_template(errors)
    records = []
    for err, literals, lit_cands, regexes in prepared:
        lits = [[text] + [position for _, position in _pick_anchor(cands, df)]
                for text, cands in zip(literals, lit_cands)]
        rxs = [_regex_entry(src, branch_cands, spec, df) for src, branch_cands, spec in regexes]
        records.append(_record(err, slugs, lits, rxs, url_template))

    index = rules_index()
    index.update(all_codes=sorted(code_df), shared_codes=sorted(code for code, count in code_df.items() if count > 1),
                 all_types=sorted({record[5] for record in records if record[5]}))
    hints = _provider_hints(providers, slugs)
    index.update(providers=slugs, allies=_allies(providers, slugs), hints=hints, hint_groups=_hint_groups(hints),
                 url=list(url_template),
                 errors=_columns(records))
    return index


RULES_INDEX = rules_index()


INDEXED_FIELDS = ("title", "signature", "patterns", "tags")   # what the index holds of an error file


def index_for(kb) -> dict:
    """The index of a loaded knowledge base (errorkb.kb.KnowledgeBase): what the site publishes as
    match-index.json and what `errorkb match` and `errorkb check` search."""
    errors = [{"id": entry.id, "url": entry.url, "provider": entry.provider,
               **{field: entry.data[field] for field in INDEXED_FIELDS}} for entry in kb.errors]
    return build_index(errors, {slug: provider.data for slug, provider in kb.providers.items()})
