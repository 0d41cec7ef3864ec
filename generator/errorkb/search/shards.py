"""Split the matcher's index into a core and shards, so that the paste box downloads only what a paste needs.

`shard_index(index)` returns the core and the shards.  The core (the site's match-index.json) is the index with
only the errors that every paste needs (those with a pattern without anchor words), plus `shards`, the table
that says which shard holds what.  Each shard (match/<name>.json) holds some errors, column by column as in the
index, each error whole (all its patterns):
- word shards, "w<n>": the errors with a pattern anchored on one of the shard's keys (the table lists them: a
  word, or two words for an anchor of two words);
- gram shards, "g<n>": for a short paste, the errors with a literal that a paste could be found inside (the
  engine's reverse test), by the winnowed 4-grams of the literal's compact fragments (see `fingerprints`;
  the core lists the fingerprints of many errors, so that a paste picks a rare one of its own);
- "t": the errors whose literal a short paste that is almost all masked (under GRAM_SPAN characters once
  masked) could be found inside.
`needed_shards(core, text)` names the shards a paste needs and `merge_shards(core, shards)` makes from the core
and those shards an index that gives, for that paste, what the whole index gives.  matcher.js has both, the
same.

Why the results are the same: an error is scored only when one of its patterns is a candidate (or found by the
reverse test); a candidate's anchor words occur among the paste's words (the shard of that key holds it), or,
in a short paste where every literal is tested, inside its compact or masked compact text (a literal found in
the paste contains its anchor words, so the shards of every table word inside those texts hold it); a literal
that a short paste is found inside contains every window of WINDOW 4-grams of the paste, so it is registered
under the smallest hash of each, the fingerprint the paste chooses among them included.  Errors that are loaded but not candidates change nothing, and what scoring needs from the
whole knowledge base (every code and type, the codes of several errors) is in the core.
"""

from __future__ import annotations

import math

from .engine import _Block, block_words, engine_for, ulen
from .index import _columns

GRAM = 4                       # characters (UTF-16 units) per gram
WINDOW = 5                     # grams per window: a window spans GRAM_SPAN characters
GRAM_SPAN = GRAM + WINDOW - 1
WORD_SHARD_ERRORS = 8          # a word shard takes keys until it holds about this many errors
COMMON_ERRORS = 16             # the core lists the fingerprints of more errors than this, with their counts
GRAM_SHARD_ENTRIES = 96        # gram shards: a power of two, about this many (literal, shard) entries each
SHARDS_PATH = "match/"


def _hashes(text: str) -> list[int]:
    """The FNV-1a hash (32 bits) of every GRAM consecutive UTF-16 units of text."""
    data = text.encode("utf-16-le", "surrogatepass")
    units = [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]
    out = []
    for start in range(len(units) - GRAM + 1):
        h = 0x811C9DC5
        for unit in units[start:start + GRAM]:
            h = ((h ^ unit) * 0x01000193) & 0xFFFFFFFF
        out.append(h)
    return out


def fingerprints(text: str) -> set[int]:
    """Winnowing: the smallest gram hash of every window of WINDOW grams (none for text under GRAM_SPAN units).
    Text that contains a string of GRAM_SPAN or more units has among its fingerprints that string's first one."""
    hashes = _hashes(text)
    return {min(hashes[i:i + WINDOW]) for i in range(len(hashes) - WINDOW + 1)}


def chosen_fingerprint(text: str, common: dict[int, int]) -> int:
    """Of the fingerprints of text's windows (text has at least GRAM_SPAN units), the one of the fewest errors
    (`common`: fingerprint -> errors, for those of more than COMMON_ERRORS; any other counts as none), the first
    of those: every literal text is found inside holds it, and its gram shard is small."""
    hashes = _hashes(text)
    best = None
    for start in range(len(hashes) - WINDOW + 1):
        fp = min(hashes[start:start + WINDOW])
        count = common.get(fp, 0)
        if best is None or count < best[0]:
            best = (count, fp)
            if count == 0:
                break
    return best[1]


def _rows(part: dict, providers: list[str]) -> list[tuple[str, list]]:
    """The errors of an index or shard as (id, record), records as search.index._columns takes them."""
    cols = part["errors"]
    urls = {row: url for row, url in cols["urls"]}
    out, slug = [], ""
    for row, entry in enumerate(cols["slug"]):
        slug = entry if isinstance(entry, str) else slug[:entry[0]] + entry[1]
        pidx = cols["provider"][row]
        eid = slug[1:] if slug.startswith("/") else providers[pidx] + "/" + slug
        record = [slug, cols["title"][row], pidx, cols["status"][row], cols["code"][row],
                  cols["types"][cols["type"][row]], cols["literals"][row], cols["regexes"][row]]
        if row in urls:
            record.append(urls[row])
        out.append((eid, record))
    return out


def shard_index(index: dict) -> tuple[dict, dict[str, dict]]:
    """The core (index without most errors, plus the `shards` table) and the shards, by name."""
    comp = engine_for(index)
    rows = _rows(index, index["providers"])
    always = {comp.patterns[pid][1] for pid in comp.always}

    key_rows: dict[str, set[int]] = {}   # "word" or "word other" (an anchor of two words) -> rows
    for word, entries in comp.amap.items():
        for pid, others in entries:
            row = comp.patterns[pid][1]
            if row not in always:   # errors in the core need no shard
                key_rows.setdefault(" ".join((word, *others)), set()).add(row)
    word_table, word_shards = [], []
    current_keys: list[str] = []
    current_rows: set[int] = set()
    for key in sorted(key_rows, key=lambda k: (min(key_rows[k]), k)):   # keys of one error side by side
        wanted = key_rows[key]
        if current_keys and len(current_rows | wanted) > WORD_SHARD_ERRORS:
            word_table.append(current_keys)
            word_shards.append(current_rows)
            current_keys, current_rows = [], set()
        current_keys.append(key)
        current_rows |= wanted
    if current_keys:
        word_table.append(current_keys)
        word_shards.append(current_rows)

    cover = comp.w["reverse_cover"]
    registered: list[tuple[int, int]] = []   # (fingerprint, row)
    tiny: set[int] = set()
    for pid in comp.literal_pids:
        pattern = comp.patterns[pid]
        row, unmasked, masked, masked_alnum = pattern[1], pattern[2], pattern[3], pattern[9]
        if row in always:
            continue
        for fragment in set(unmasked) | set(masked or ()):
            registered.extend((fp, row) for fp in fingerprints(fragment))
        if cover * masked_alnum <= GRAM_SPAN - 1:   # a masked paste under GRAM_SPAN units could be inside it
            tiny.add(row)
    registered = sorted(set(registered))
    errors_of: dict[int, int] = {}
    for fp, _ in registered:
        errors_of[fp] = errors_of.get(fp, 0) + 1
    common = sorted([fp, count] for fp, count in errors_of.items() if count > COMMON_ERRORS)
    grams = 1 << max(0, math.ceil(math.log2(max(1, len(registered)) / GRAM_SHARD_ENTRIES)))
    gram_shards: list[set[int]] = [set() for _ in range(grams)]
    for fp, row in registered:
        gram_shards[fp % grams].add(row)

    def shard(members: set[int]) -> dict:
        return {"errors": _columns([rows[row][1] for row in sorted(members)])}

    shards = {f"w{number}": shard(members) for number, members in enumerate(word_shards)}
    shards.update({f"g{number}": shard(members) for number, members in enumerate(gram_shards)})
    shards["t"] = shard(tiny)
    core = dict(index)
    core["errors"] = _columns([rows[row][1] for row in sorted(always)])
    core["shards"] = {"path": SHARDS_PATH, "words": word_table, "grams": grams, "common": common}
    return core, shards


_TABLES: dict[int, tuple[dict, dict[str, list[tuple[str, str]]], dict[int, int]]] = {}


def _tables(core: dict) -> tuple[dict[str, list[tuple[str, str]]], dict[int, int]]:
    """What needed_shards reads of a core, made once per core: its word shards by first word, [(second word or
    "", shard name)], and its common fingerprints with their numbers of errors."""
    hit = _TABLES.get(id(core))
    if hit is None or hit[0] is not core:
        table: dict[str, list[tuple[str, str]]] = {}
        for number, keys in enumerate(core["shards"]["words"]):
            for key in keys:
                first, _, second = key.partition(" ")
                table.setdefault(first, []).append((second, f"w{number}"))
        hit = _TABLES[id(core)] = (core, table, {fp: count for fp, count in core["shards"]["common"]})
    return hit[1], hit[2]


def _add_word_shards(table: dict[str, list[tuple[str, str]]], words: set[str], names: set[str]) -> None:
    """The shards of the table's keys whose words all are among `words`."""
    for word in words:
        for second, name in table.get(word, ()):
            if not second or second in words:
                names.add(name)


def needed_shards(core: dict, text: str) -> list[str]:
    """The names of the shards that matching `text` needs, sorted (matcher.js neededShards gives the same)."""
    comp = engine_for(core)
    lines, extras = comp.normalise_lines(text)
    if not lines:
        return []
    table, common = _tables(core)
    names: set[str] = set()
    words_per_block = block_words(comp, lines, extras)
    for words in words_per_block:
        _add_word_shards(table, words, names)
    if len(words_per_block) > 1:
        return sorted(names)
    block = _Block(comp, lines)
    if len(block.cmp) > comp.short:
        return sorted(names)
    # A short paste tests every literal: a literal found in it has its anchor words inside its texts.
    masked = block.masked()[1]
    words = words_per_block[0]
    for first, keys in table.items():
        if first in block.cmp or first in masked:
            words.add(first)
        for second, _ in keys:
            if second and (second in block.cmp or second in masked):
                words.add(second)
    _add_word_shards(table, words, names)
    query = comp.re["edge"].sub("", block.cmp)
    masked_query = comp.re["edge"].sub("", masked)
    if comp.alnum(query) >= comp.w["reverse_min"]:
        grams = core["shards"]["grams"]
        names.add(f"g{chosen_fingerprint(query, common) % grams}")
        if masked_query:
            if ulen(masked_query) >= GRAM_SPAN:
                names.add(f"g{chosen_fingerprint(masked_query, common) % grams}")
            else:
                names.add("t")
    return sorted(names)


def index_per_error(index: dict) -> dict[str, dict]:
    """By error id, an index holding only that error and everything the whole index holds about all errors (the
    rules, hints, codes and types): for any paste, the error's score in it is its score in the whole index,
    found without testing the other errors' patterns."""
    common = {key: value for key, value in index.items() if key != "errors"}
    return {eid: {**common, "errors": _columns([record])} for eid, record in _rows(index, index["providers"])}


def merge_shards(core: dict, shards: list[dict]) -> dict:
    """An index of the core's errors and the shards' (each error once, in id order)."""
    found: dict[str, list] = {}
    for part in [core, *shards]:
        for eid, record in _rows(part, core["providers"]):
            found.setdefault(eid, record)
    merged = {key: value for key, value in core.items() if key != "shards"}
    merged["errors"] = _columns([found[eid] for eid in sorted(found)])
    return merged

