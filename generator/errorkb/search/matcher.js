/* errorkb matcher: find the error page a pasted log belongs to, in the browser, offline.

   This is the JavaScript twin of engine.py (beside this file) and implements the identical algorithm on
   the same index (match-index.json, made by errorkb.search.index.build_index), so both return the same ids
   in the same order with the same scores.  Everything that depends only on the index (the required pieces
   of each regex and mask rule, the hint groups) comes precomputed in it: this file only runs the engine.
   Lines longer than the index's `line` (UTF-16 units) are cut into pieces, so that no regex searches an
   unbounded line (with the validation rules against nested and unbounded repetition, this keeps the browser's
   backtracking engine linear); engine.py matches patterns with RE2 instead.  Read the docstring of engine.py
   for the algorithm;
   in short: normalise the paste (ANSI, JSON / repr escapes, quotes, whitespace, box borders), cut it into
   windows of two blocks of lines, test only the patterns whose anchor words occur, match literals on
   compact (space-free) unmasked and masked text (then fuzzily, token by token) and regexes on the spaced
   text, look for a short paste inside the literals, then score with HTTP status, error_code / error_type
   and provider evidence, and drop what is below the threshold.  Statuses, tokens and masked text are
   computed once per block, and only the work is saved, never a result changed: a regex is searched only
   if the literal runs it requires occur, a mask rule applied only if its required characters occur.
   Unlike engine.py, a window of 1024 or more compact characters also keeps a bitmap of the hashed 4-grams
   of its compact text, so most strings it lacks are rejected without indexOf (shorter windows skip it and
   search every regex), and provider hints are looked for in the whole window (engine.py looks per block
   and where the blocks meet: the same hints).  Anything that changes here must change in engine.py in
   the same way; tests/search/test_matcher.py checks that both agree on every test vector.

   Exposes window.ErrorkbMatcher = {match, normalise, mask, prepare, neededShards, mergeShards} and, under node, module.exports.
     match(index, text, top) -> [{id, title, score, url, matched, masks}], best first.
     normalise(index, text) -> the normalised lines joined by "\n".
     mask(index, text) -> the normalised text with variable parts replaced by placeholders.
     prepare(index) -> compiles the index ahead of the first paste.
     neededShards(core, text) -> the names of the shards (match/<name>.json) a paste needs (search/shards.py).
     mergeShards(core, shards) -> an index of the core and those shards: for that paste, the whole index. */
(function (root) {
  "use strict";

  var cache = typeof WeakMap === "function" ? new WeakMap() : null;

  function rx(rule, extraFlags) {
    var flags = rule[1] || "";
    if (extraFlags && flags.indexOf(extraFlags) < 0) { flags += extraFlags; }
    return new RegExp(rule[0], flags);
  }

  function round3(value) { return Math.floor(value * 1000 + 0.5) / 1000; }

  var NON_ASCII = /[^\x00-\x7f]/;
  function asciiLower(text) {
    if (!NON_ASCII.test(text)) { return text.toLowerCase(); }
    return text.replace(/[A-Z]+/g, function (m) { return m.toLowerCase(); });
  }

  function arraysEqual(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  function compactList(parts) {
    var out = [];
    for (var i = 0; i < parts.length; i++) {
      var f = parts[i].replace(/ /g, "");
      if (f) { out.push(f); }
    }
    return out;
  }

  var GRAM_MUL = -1640531535;   /* 0x9e3779b1 */
  var GRAM_MIN = 1024;          /* compact characters from which a window keeps a 4-gram bitmap */

  function anyAlternative(text, alternatives) {
    for (var a = 0; a < alternatives.length; a++) {
      var all = true;
      for (var k = 0; all && k < alternatives[a].length; k++) { all = text.indexOf(alternatives[a][k]) >= 0; }
      if (all) { return true; }
    }
    return false;
  }

  /* ------------------------------------------------------------------ compiled index */

  function Compiled(index) {
    if (index.version !== 5) { throw new Error("unsupported matcher index version " + index.version); }
    var R = {};
    var names = Object.keys(index.rules);
    for (var i = 0; i < names.length; i++) { R[names[i]] = rx(index.rules[names[i]]); }
    this.re = R;
    this.fuzzyAll = new RegExp(R.fuzzy.source, "g");
    /* [name, compiled, placeholder, keep, required pieces or null] */
    this.masks = index.masks.map(function (m) { return [m[0], new RegExp(m[1], "gi"), m[2], m[3], m[4]]; });
    this.status = index.status.map(function (src) { return new RegExp(src, "gm"); });
    this.w = index.weights;
    this.block = index.block;
    this.gap = index.gap;
    this.short = index.short;
    this.lineCap = index.line;
    this.fold = index.fold;
    this.fuzzyExtra = index.fuzzy_extra;
    this.fuzzyMin = index.fuzzy_min;
    this.nprov = index.providers.length;
    this.allies = index.allies.map(function (group) {   /* a tool and the providers it calls */
      var set = {};
      group.forEach(function (q) { set[q] = true; });
      return set;
    });
    this.hints = index.hints;
    var hints = this.hints;   /* hints grouped by a key every needle of the group contains */
    this.hintGroups = index.hint_groups.map(function (g) {
      return [g[0], g[1].map(function (number) { return hints[number]; })];
    });
    this.errors = [];
    this.patterns = [];
    this.amap = new Map();
    this.always = [];
    /* Every error's code and type, and the codes of two or more errors, from the whole knowledge base: an index
       holding some of the errors (mergeShards) scores them as the whole index does. */
    this.codes = new Set(index.all_codes);
    this.types = new Set(index.all_types);
    var sharedCodes = new Set(index.shared_codes);
    var prefix = index.url[0], suffix = index.url[1];
    var cols = index.errors, urls = new Map();
    for (var u = 0; u < cols.urls.length; u++) { urls.set(cols.urls[u][0], cols.urls[u][1]); }
    var ids = [], codes = [], slug = "";
    for (var c = 0; c < cols.slug.length; c++) {
      /* Columns: see _columns in matcher.py and its module docstring. */
      var entry = cols.slug[c];
      slug = typeof entry === "string" ? entry : slug.slice(0, entry[0]) + entry[1];
      var id = slug.charAt(0) === "/" ? slug.slice(1) : index.providers[cols.provider[c]] + "/" + slug;
      var cc = cols.code[c] === 1 ? id.slice(id.lastIndexOf("/") + 1).replace(/-/g, "_") : cols.code[c];
      ids.push(id);
      codes.push(cc);
    }
    for (var e = 0; e < ids.length; e++) {
      var eid = ids[e], code = codes[e], etype = cols.types[cols.type[e]];
      var lits = cols.literals[e], regexes = cols.regexes[e];
      var url = urls.has(e) ? urls.get(e) : prefix + eid + suffix;
      var title = cols.title[e];
      if (typeof title !== "string") {   /* [before, after] the slug's words */
        title = title[0] + eid.slice(eid.lastIndexOf("/") + 1).replace(/-/g, " ") + title[1];
      }
      this.errors.push({id: eid, title: title, url: url, pidx: cols.provider[e], status: cols.status[e], code: code,
                        type: etype});
      var texts = [];
      for (var l = 0; l < lits.length; l++) {
        var lit = lits[l];
        texts.push(lit[0]);
        var tokens = this.literalTokens(lit[0]);
        var words = [];
        for (var a = 1; a < lit.length; a++) { words.push(tokens[lit[a]]); }
        this.addLiteral(e, lit[0], lit.length > 1 ? [words] : []);
      }
      if (code && !sharedCodes.has(code) && texts.indexOf(code) < 0) {
        /* A code of one error only (insufficient_quota) is a literal pattern of its own;
           its anchors are its two longest words (four or more characters), both required. */
        var best = "", second = "", parts = code.match(this.re.token) || [];
        for (var t = 0; t < parts.length; t++) {
          if (parts[t].length > best.length) { second = best; best = parts[t]; }
          else if (parts[t].length > second.length && parts[t] !== best) { second = parts[t]; }
        }
        var codeWords = [best, second].filter(function (word) { return word.length >= 4; });
        this.addLiteral(e, code, codeWords.length ? [codeWords] : []);
      }
      for (var r = 0; r < regexes.length; r++) {
        var compiled = null;
        try { compiled = new RegExp(regexes[r][0], index.regex_flags); } catch (err) { compiled = null; }
        var srcTokens = asciiLower(regexes[r][0]).match(this.re.token) || [];
        var alternatives = regexes[r][1].map(function (alt) {
          return alt.map(function (x) { return typeof x === "number" ? srcTokens[x] : x; });
        });
        this.register(this.patterns.length, alternatives);
        this.patterns.push({kind: "r", e: e, rx: compiled, score: this.patternScore(regexes[r][2]),
                            required: regexes[r][3], gr: null});
      }
    }
    this.literalPids = this.literalPidList();
  }

  Compiled.prototype.literalPidList = function () {
    var out = [];
    for (var i = 0; i < this.patterns.length; i++) { if (this.patterns[i].kind === "l") { out.push(i); } }
    return out;
  };

  Compiled.prototype.addLiteral = function (e, text, alternatives) {
    var forms = this.literalForms(text);
    var needles = this.needles(forms[1], forms[2]);
    this.register(this.patterns.length, alternatives);
    this.patterns.push({kind: "l", e: e, ufr: forms[0], mfr: forms[1], ftoks: forms[2], su: forms[3], sm: forms[4],
                        mneedles: needles[0], fneedles: needles[1], au: forms[5], am: forms[6], gr: null});
  };

  /* alternatives: lists of one or two words that must all occur; none: test in every window. */
  Compiled.prototype.register = function (pid, alternatives) {
    if (!alternatives.length) { this.always.push(pid); return; }
    for (var i = 0; i < alternatives.length; i++) {
      var words = alternatives[i];
      var list = this.amap.get(words[0]);
      if (!list) { list = []; this.amap.set(words[0], list); }
      list.push([pid, words.slice(1)]);
    }
  };

  /* The words of a literal's masked form, placeholders and gaps removed; anchors index into it. */
  Compiled.prototype.literalTokens = function (text) {
    var masked = asciiLower(this.mask(text)).replace(this.re.placeholder, " ");
    return masked.replace(this.re.gap_masked, " ").match(this.re.token) || [];
  };

  Compiled.prototype.alnum = function (text) {
    var m = text.match(this.re.alnum);
    return m ? m.length : 0;
  };

  Compiled.prototype.patternScore = function (alnum) {
    var w = this.w;
    return w.base + w.span * Math.min(1, alnum / w.full);
  };

  function unescapeOne(m, u, x, c) {
    if (u !== undefined) {
      var code = parseInt(u, 16);
      return code >= 0xD800 && code <= 0xDFFF ? "?" : String.fromCharCode(code);
    }
    if (x !== undefined) { return String.fromCharCode(parseInt(x, 16)); }
    if (c === "n" || c === "r" || c === "t") { return " "; }
    return c;
  }

  /* Normalised non-empty lines, and per line the extra words made by joining a hard wrap. */
  Compiled.prototype.normaliseLines = function (text) {
    var R = this.re;
    var t = text.replace(R.newline, "\n");
    t = t.replace(R.ansi, "");
    var rawLines = t.split("\n");
    var rawWidths = new Array(rawLines.length);
    var width = 0;
    for (var i = 0; i < rawLines.length; i++) {
      rawWidths[i] = rawLines[i].replace(/[ \t]+$/, "").length;
      if (rawWidths[i] > width) { width = rawWidths[i]; }
    }
    for (var k = 0; k < 3; k++) {
      if (t.indexOf("\\") < 0) { break; }
      var next = t.replace(R.unescape, unescapeOne);
      if (next === t) { break; }
      t = next;
    }
    t = t.replace(R.ansi, "");
    t = t.replace(R.ctrl, "");
    var fold = this.fold;
    t = t.replace(R.fold, function (c) { return fold[c]; });
    t = t.replace(R.quotes, "'");
    t = t.replace(R.ellipsis, "...");
    t = t.replace(R.spaces, " ");
    t = t.replace(R.border_only, "");
    t = t.replace(R.border_left, "");
    t = t.replace(R.border_right, "");
    t = t.replace(R.trim, "");
    var all = t.split("\n");
    var lines = [], extras = [];
    var wrappedPrev = false;
    for (var j = 0; j < all.length; j++) {
      var line = all[j];
      if (!line) { wrappedPrev = false; continue; }
      var pieces = this.cut(line);   /* a piece after a cut is a wrapped line, like a terminal's */
      for (var p = 0; p < pieces.length; p++) {
        if (wrappedPrev) {
          var head = R.wrap_head.exec(pieces[p]);
          var tail = R.wrap_tail.exec(lines[lines.length - 1]);
          if (head && tail) {
            var word = (tail[0] + head[0]).toLowerCase();
            if (word.length >= 4) { extras[extras.length - 1].push(word); }
          }
        }
        lines.push(pieces[p]);
        extras.push([]);
        wrappedPrev = true;
      }
      wrappedPrev = width >= 60 && rawWidths[j] >= width - 2;
    }
    return [lines, extras];
  };

  /* A line cut into pieces of at most `line` UTF-16 units, never inside a surrogate pair (as engine.py). */
  Compiled.prototype.cut = function (line) {
    var cap = this.lineCap;
    if (line.length <= cap) { return [line]; }
    var pieces = [], start = 0;
    while (line.length - start > cap) {
      var end = start + cap, code = line.charCodeAt(end - 1);
      if (code >= 0xD800 && code <= 0xDBFF) { end -= 1; }
      pieces.push(line.slice(start, end));
      start = end;
    }
    pieces.push(line.slice(start));
    return pieces;
  };

  /* Text with variable parts replaced by placeholders.  cmp: the compact lower-case text, if known: a rule
     is skipped when it lacks the rule's required pieces.  fired: if given, [name, placeholder] of every rule
     that replaced something is pushed to it, in rule order. */
  Compiled.prototype.mask = function (text, cmp, fired) {
    for (var i = 0; i < this.masks.length; i++) {
      var m = this.masks[i], placeholder = m[2], pieces = m[4], count = 0;
      if (cmp !== undefined && cmp !== null && pieces !== null && !anyAlternative(cmp, pieces)) { continue; }
      if (m[3]) {
        text = text.replace(m[1], function (whole, g1) { count += 1; return (g1 || "") + placeholder; });
      } else {
        text = text.replace(m[1], function () { count += 1; return placeholder; });
      }
      if (count && fired) { fired.push([m[0], placeholder]); }
    }
    return text;
  };

  /* Strings the unmasked compact window must contain before the masked test (the longest placeholder-free
     piece of each masked fragment) and the fuzzy test (its plain tokens) can succeed. */
  Compiled.prototype.needles = function (mfr, ftoks) {
    var masked = [], fuzzy = [];
    var frags = mfr || [];
    for (var i = 0; i < frags.length; i++) {
      var pieces = frags[i].split(this.re.placeholder), best = "";
      for (var j = 0; j < pieces.length; j++) { if (pieces[j].length > best.length) { best = pieces[j]; } }
      if (best) { masked.push(best); }
    }
    for (var k = 0; k < ftoks.length; k++) { if (ftoks[k].charAt(0) !== "<") { fuzzy.push(ftoks[k]); } }
    return [masked, fuzzy];
  };

  /* [unmasked fragments, masked fragments or null, fuzzy tokens, unmasked score, masked score,
      letters and digits of the unmasked fragments, of the masked fragments outside placeholders] */
  Compiled.prototype.literalForms = function (text) {
    var R = this.re;
    var ufr = compactList(text.split(R.gap));
    var masked = asciiLower(this.mask(text));
    var mfr = compactList(masked.split(R.gap_masked));
    var ftoks = masked.replace(R.gap_masked, " ").match(R.fuzzy) || [];
    var au = this.alnum(ufr.join(""));
    var am = this.alnum(mfr.join("").replace(R.placeholder, ""));
    return [ufr, arraysEqual(mfr, ufr) ? null : mfr, ftoks, this.patternScore(au), this.patternScore(am), au, am];
  };

  /* Appends to `out` the hashes (top 20 bits) of up to eight 4-grams spread over s (none when s is shorter
     than 4): a window whose 4-gram bitmap lacks one of them cannot contain s. */
  function addGrams(out, s) {
    var n = s.length - 3;
    if (n <= 0) { return out; }
    var count = n < 8 ? n : 8;
    for (var k = 0; k < count; k++) {
      var i = count === 1 ? 0 : Math.floor(k * (n - 1) / (count - 1));
      out.push(Math.imul(((s.charCodeAt(i) & 255) << 24) | ((s.charCodeAt(i + 1) & 255) << 16) |
                         ((s.charCodeAt(i + 2) & 255) << 8) | (s.charCodeAt(i + 3) & 255), GRAM_MUL) >>> 12);
    }
    return out;
  }

  function compiled(index) {
    if (cache) {
      var hit = cache.get(index);
      if (hit) { return hit; }
    }
    var comp = new Compiled(index);
    if (cache) { cache.set(index, comp); }
    return comp;
  }

  /* ------------------------------------------------------------------ match */

  function findFragments(text, frags, gap) {
    var first = frags[0];
    var start = text.indexOf(first);
    var tries = 0;
    while (start !== -1 && tries < 100) {
      tries += 1;
      var end = start + first.length;
      var ok = true;
      for (var i = 1; i < frags.length; i++) {
        var pos = text.indexOf(frags[i], end);
        if (pos === -1 || pos > end + gap) { ok = false; break; }
        end = pos + frags[i].length;
      }
      if (ok) { return [start, end]; }
      start = text.indexOf(first, start + 1);
    }
    return null;
  }

  function findFuzzy(toks, positions, pat, extra) {
    for (var t = 0; t < pat.length; t++) { if (!positions.has(pat[t])) { return null; } }
    var n = toks.length, starts = positions.get(pat[0]);
    for (var s = 0; s < starts.length; s++) {
      var i = starts[s];
      var pos = i, used = 0, ok = true;
      for (var k = 1; k < pat.length; k++) {
        var found = -1;
        var limit = Math.min(n, pos + 2 + extra - used);
        for (var q = pos + 1; q < limit; q++) {
          if (toks[q] === pat[k]) { found = q; break; }
        }
        if (found < 0) { ok = false; break; }
        used += found - pos - 1;
        pos = found;
      }
      if (ok) { return [i, pos]; }
    }
    return null;
  }

  /* One block of lines and what is computed about it, each at most once: its texts, its features (HTTP
     statuses, tokens, provider evidence) and its masked text.  A window of two blocks combines theirs. */
  function Block(comp, lines) {
    this.comp = comp;
    this.lines = lines;
    this.sp = lines.join(" ");
    this.cmp = asciiLower(this.sp).replace(/ /g, "");
    this.feat = null;
    this.maskedData = null;
  }

  /* [masked spaced text, masked compact lower-case text, its fuzzy tokens, their [start, end]].  Masks never
     match across a line break, so masking the lines joined by "\n" is masking each line. */
  Block.prototype.masked = function () {
    if (this.maskedData === null) {
      var msp = this.comp.mask(this.lines.join("\n"), this.cmp).replace(/\n/g, " ");
      var mlow = asciiLower(msp), re = this.comp.fuzzyAll, toks = [], spans = [], m;
      re.lastIndex = 0;
      while ((m = re.exec(mlow)) !== null) {
        toks.push(m[0]);
        spans.push([m.index, m.index + m[0].length]);
      }
      this.maskedData = [msp, mlow.replace(/ /g, ""), toks, spans];
    }
    return this.maskedData;
  };

  function intersects(a, b) {
    var small = a.size <= b.size ? a : b, large = small === a ? b : a, found = false;
    small.forEach(function (value) { if (!found && large.has(value)) { found = true; } });
    return found;
  }

  /* {statuses, tokens, otherCode, otherType}; provider evidence is found per window (Window.features). */
  Block.prototype.features = function () {
    if (this.feat === null) {
      var comp = this.comp;
      var nl = asciiLower(this.lines.join("\n"));
      var statuses = new Set();
      for (var i = 0; i < comp.status.length; i++) {
        var re = comp.status[i], m;
        re.lastIndex = 0;
        while ((m = re.exec(nl)) !== null) {
          statuses.add(parseInt(m[1], 10));
          if (m[0].length === 0) { re.lastIndex += 1; }
        }
      }
      var tokens = new Set(nl.match(comp.re.feature) || []);
      this.feat = {statuses: statuses, tokens: tokens,
                   otherCode: intersects(comp.codes, tokens), otherType: intersects(comp.types, tokens)};
    }
    return this.feat;
  };

  /* The texts of one window (one block, or two neighbouring ones), computed on demand from its blocks. */
  function Window(comp, blocks) {
    this.comp = comp;
    this.blocks = blocks;
    if (blocks.length === 1) {
      this.sp = blocks[0].sp;
      this.cmp = blocks[0].cmp;
    } else {
      this.sp = blocks[0].sp + " " + blocks[1].sp;
      this.cmp = blocks[0].cmp + blocks[1].cmp;
    }
    this.maskedData = null;
    this.grams = this.cmp.length >= GRAM_MIN;   /* below, indexOf is as cheap as the bitmap */
    this.gmap = null;
    this.gshift = 0;
  }

  /* Only in matcher.js: a bitmap of the hashed 4-grams of the compact text, so that most strings the window
     lacks are rejected without indexOf.  It only ever says "maybe", never a wrong "no": results are unchanged. */
  Window.prototype.gramMap = function () {
    if (this.gmap === null) {
      var t = this.cmp, n = t.length, bits = 10, h = 0;
      while (bits < 20 && (1 << bits) < n * 8) { bits += 1; }
      var map = new Int32Array(1 << (bits - 5)), shift = 32 - bits;
      for (var i = 0; i < n; i++) {
        h = (h << 8) | (t.charCodeAt(i) & 255);
        if (i >= 3) {
          var idx = Math.imul(h, GRAM_MUL) >>> shift;
          map[idx >>> 5] |= 1 << (idx & 31);
        }
      }
      this.gmap = map;
      this.gshift = 20 - bits;
    }
    return this.gmap;
  };

  /* False if the window lacks one of the 4-grams g (from addGrams); true without a bitmap. */
  Window.prototype.mayHave = function (g) {
    if (!this.grams) { return true; }
    var map = this.gmap === null ? this.gramMap() : this.gmap, shift = this.gshift;
    for (var k = 0; k < g.length; k++) {
      var idx = g[k] >>> shift;
      if ((map[idx >>> 5] & (1 << (idx & 31))) === 0) { return false; }
    }
    return true;
  };

  Window.prototype.has = function (s) {
    return (!this.grams || this.mayHave(addGrams([], s))) && this.cmp.indexOf(s) >= 0;
  };

  /* Whether the compact text contains every string of `needles`; grams: their addGrams (or null). */
  Window.prototype.hasAll = function (needles, grams) {
    if (grams !== null && !this.mayHave(grams)) { return false; }
    for (var i = 0; i < needles.length; i++) { if (this.cmp.indexOf(needles[i]) < 0) { return false; } }
    return true;
  };

  /* {msp, mcmp, toks, spans, positions (token -> indexes)}: the blocks' masked texts and tokens joined (the
     second block's spans moved past the first block and the joining space). */
  Window.prototype.masked = function () {
    if (this.maskedData === null) {
      var first = this.blocks[0].masked(), msp = first[0], mcmp = first[1], toks = first[2], spans = first[3];
      if (this.blocks.length > 1) {
        var second = this.blocks[1].masked(), shift = msp.length + 1;
        msp += " " + second[0];
        mcmp += second[1];
        toks = toks.concat(second[2]);
        spans = spans.concat(second[3].map(function (sp) { return [sp[0] + shift, sp[1] + shift]; }));
      }
      var positions = new Map();
      for (var i = 0; i < toks.length; i++) {
        var list = positions.get(toks[i]);
        if (!list) { list = []; positions.set(toks[i], list); }
        list.push(i);
      }
      this.maskedData = {msp: msp, mcmp: mcmp, toks: toks, spans: spans, positions: positions};
    }
    return this.maskedData;
  };

  /* {statuses, tokens (one set per block), evidence per provider, otherCode, otherType}: statuses and tokens
     are the window's blocks'; provider hints are looked for in the window's compact text, a group's needles
     only if its key occurs (matcher.py looks for them per block and where the two blocks meet: the same). */
  Window.prototype.features = function () {
    var comp = this.comp, fs = [];
    for (var b = 0; b < this.blocks.length; b++) { fs.push(this.blocks[b].features()); }
    var evidence = [];
    for (var p = 0; p < comp.nprov; p++) { evidence.push(0); }
    for (var g = 0; g < comp.hintGroups.length; g++) {
      var group = comp.hintGroups[g];
      if (group[0] !== null && !this.has(group[0])) { continue; }
      for (var h = 0; h < group[1].length; h++) {
        var hint = group[1][h];
        if (hint[2] > evidence[hint[1]] && this.has(hint[0])) { evidence[hint[1]] = hint[2]; }
      }
    }
    if (fs.length === 1) {
      return {statuses: fs[0].statuses, tokens: [fs[0].tokens], evidence: evidence,
              otherCode: fs[0].otherCode, otherType: fs[0].otherType};
    }
    var statuses = new Set(fs[0].statuses);
    fs[1].statuses.forEach(function (st) { statuses.add(st); });
    return {statuses: statuses, tokens: [fs[0].tokens, fs[1].tokens], evidence: evidence,
            otherCode: fs[0].otherCode || fs[1].otherCode, otherType: fs[0].otherType || fs[1].otherType};
  };

  function compactSpan(spaced, start, end) {
    var idx = [];
    for (var i = 0; i < spaced.length; i++) { if (spaced.charAt(i) !== " ") { idx.push(i); } }
    return spaced.slice(idx[start], idx[end - 1] + 1);
  }

  function gramList(strings) {
    var out = [];
    for (var i = 0; i < strings.length; i++) { addGrams(out, strings[i]); }
    return out;
  }

  /* The 4-gram hashes of a pattern's strings, computed when the pattern is first tested in a window with a
     bitmap: literals [unmasked fragments, masked needles, fuzzy needles], regexes [required pieces per
     alternative]. */
  function patternGrams(p) {
    if (p.kind === "l") {
      p.gr = [gramList(p.ufr), gramList(p.mneedles), gramList(p.fneedles)];
    } else {
      p.gr = p.required === null ? [] : p.required.map(gramList);
    }
  }

  var NO_GRAMS = [null, null, null];

  /* Per error the hits [pattern score, pattern id, mode, start, end] of the patterns `cands` (an array of ids). */
  function findHits(comp, win, cands) {
    var hits = new Map();
    for (var c = 0; c < cands.length; c++) {
      var pid = cands[c], p = comp.patterns[pid];
      var hit = null, span, gr = NO_GRAMS;
      if (win.grams) {
        if (p.gr === null) { patternGrams(p); }
        gr = p.gr;
      }
      if (p.kind === "l") {
        span = gr[0] === null || win.mayHave(gr[0]) ? findFragments(win.cmp, p.ufr, comp.gap) : null;
        if (span) {
          hit = [p.su, pid, "u", span[0], span[1]];
        } else if (p.mfr) {
          if (win.hasAll(p.mneedles, gr[1])) {
            span = findFragments(win.masked().mcmp, p.mfr, comp.gap);
            if (span) { hit = [p.sm, pid, "m", span[0], span[1]]; }
          }
          /* the needles only save masking: once the window is masked, its tokens answer faster */
          if (hit === null && p.ftoks.length >= comp.fuzzyMin &&
              (win.maskedData !== null || win.hasAll(p.fneedles, gr[2]))) {
            var md = win.masked();
            span = findFuzzy(md.toks, md.positions, p.ftoks, comp.fuzzyExtra);
            if (span) { hit = [p.sm - comp.w.fuzzy, pid, "f", md.spans[span[0]][0], md.spans[span[1]][1]]; }
          }
        }
      } else if (p.rx) {
        /* Search a long window only if every required piece of some alternative occurs in its compact text
           (in a short one the search costs less than finding the pieces of every regex first). */
        var possible = !win.grams || p.required === null;
        for (var a = 0; !possible && a < p.required.length; a++) { possible = win.hasAll(p.required[a], gr[a]); }
        if (possible) {
          p.rx.lastIndex = 0;
          var m = p.rx.exec(win.sp);
          if (m) { hit = [p.score, pid, "r", m.index, m.index + m[0].length]; }
        }
      }
      if (hit) {
        var list = hits.get(p.e);
        if (!list) { list = []; hits.set(p.e, list); }
        list.push(hit);
      }
    }
    return hits;
  }

  /* For a short paste: literals that contain the whole paste (a partial line such as "You exceeded your
     current quota"), scored by the paste's own length, unmasked or masked. */
  function reverseHits(comp, win, hits) {
    var query = win.cmp.replace(comp.re.edge, "");
    var mquery = win.masked().mcmp.replace(comp.re.edge, "");
    if (comp.alnum(query) < comp.w.reverse_min) { return; }
    var nU = comp.alnum(query);
    var nM = comp.alnum(mquery.replace(comp.re.placeholder, ""));
    var scoreU = comp.patternScore(nU);
    var scoreM = comp.patternScore(nM);
    var cover = comp.w.reverse_cover;
    var best = new Map();   /* one reverse hit per error: the paste is one piece of evidence */
    var i;
    for (var k = 0; k < comp.literalPids.length; k++) {
      var pid = comp.literalPids[k], p = comp.patterns[pid];
      var hit = null;
      for (i = 0; i < p.ufr.length; i++) {
        if (p.ufr[i].indexOf(query) >= 0) {
          if (nU >= cover * p.au) { hit = [scoreU, pid, "q", 0, 0]; }
          break;
        }
      }
      if (hit === null && mquery) {
        var frags = p.mfr || p.ufr;
        for (i = 0; i < frags.length; i++) {
          if (frags[i].indexOf(mquery) >= 0) {
            if (nM >= cover * p.am) { hit = [scoreM, pid, "Q", 0, 0]; }
            break;
          }
        }
      }
      if (hit !== null && (!best.has(p.e) || hit[0] > best.get(p.e)[0])) { best.set(p.e, hit); }
    }
    best.forEach(function (rhit, e) {
      var ehits = hits.get(e);
      if (!ehits) { ehits = []; hits.set(e, ehits); }
      for (var j = 0; j < ehits.length; j++) {
        if (ehits[j][1] === rhit[1]) {
          if (rhit[0] > ehits[j][0]) { ehits[j] = rhit; }
          return;
        }
      }
      ehits.push(rhit);
    });
  }

  function hasToken(f, token) {
    for (var i = 0; i < f.tokens.length; i++) { if (f.tokens[i].has(token)) { return true; } }
    return false;
  }

  function score(comp, e, hits, f) {
    var w = comp.w;
    var best = hits[0];
    for (var i = 1; i < hits.length; i++) {
      var h = hits[i];
      if (h[0] > best[0] || (h[0] === best[0] && h[1] < best[1])) { best = h; }
    }
    var s = best[0] + Math.min(w.multi_cap, w.multi * (hits.length - 1));
    var err = comp.errors[e];
    if (err.status) {
      if (f.statuses.has(err.status)) { s += w.status; } else if (f.statuses.size) { s -= w.status_other; }
    }
    if (err.code) {
      if (hasToken(f, err.code)) { s += w.code; } else if (f.otherCode) { s -= w.code_other; }
    }
    if (err.type) {
      if (hasToken(f, err.type)) { s += w.type; } else if (f.otherType) { s -= w.type_other; }
    }
    var own = f.evidence[err.pidx], foreign = 0, allies = comp.allies[err.pidx];
    for (var q = 0; q < f.evidence.length; q++) {
      if (q !== err.pidx && !allies[q] && f.evidence[q] > foreign) { foreign = f.evidence[q]; }
    }
    if (own >= 1) { s += w.own_strong; } else if (own > 0) { s += w.own_weak; }
    if (foreign > own) {
      if (foreign >= 1) { s *= w.mismatch; } else { s -= w.foreign_weak; }
    }
    return [s, best];
  }

  /* A block's words of four or more letters and digits, hard-wrap joins included: what anchors are looked up by
     (in match and neededShards; engine.block_words). */
  function blockWords(comp, lines, extras) {
    var words = new Set(lines.join("\n").toLowerCase().match(comp.re.word) || []);
    for (var x = 0; x < extras.length; x++) { for (var y = 0; y < extras[x].length; y++) { words.add(extras[x][y]); } }
    return words;
  }

  function match(index, text, top) {
    if (top === undefined) { top = 5; }
    var comp = compiled(index);
    var norm = comp.normaliseLines(String(text));
    var lines = norm[0], extras = norm[1];
    if (!lines.length) { return []; }
    var B = comp.block;
    var nblocks = Math.ceil(lines.length / B);
    var blockCands = [];
    for (var b = 0; b < nblocks; b++) {
      var words = blockWords(comp, lines.slice(b * B, (b + 1) * B), extras.slice(b * B, (b + 1) * B));
      var cands = new Set();
      words.forEach(function (word) {
        var list = comp.amap.get(word);
        if (!list) { return; }
        for (var i = 0; i < list.length; i++) {
          var others = list[i][1], ok = true;
          for (var o = 0; o < others.length; o++) { if (!words.has(others[o])) { ok = false; break; } }
          if (ok) { cands.add(list[i][0]); }
        }
      });
      blockCands.push(cands);
    }
    var blocks = new Array(nblocks);
    var makeWindow = function (b0, b1) {
      for (var k = b0; k < b1; k++) {
        if (!blocks[k]) { blocks[k] = new Block(comp, lines.slice(k * B, (k + 1) * B)); }
      }
      return new Window(comp, blocks.slice(b0, b1));
    };
    var windows = [];
    if (nblocks === 1) { windows.push([0, 1]); } else { for (var wb = 0; wb < nblocks - 1; wb++) { windows.push([wb, wb + 2]); } }
    var made = new Map();
    var best = new Map();
    for (var wn = 0; wn < windows.length; wn++) {
      var b0 = windows[wn][0], b1 = windows[wn][1];
      var wc = new Set(comp.always);
      for (var bb = b0; bb < b1; bb++) { blockCands[bb].forEach(function (pid) { wc.add(pid); }); }
      if (!wc.size && nblocks > 1) { continue; }
      var win = makeWindow(b0, b1);
      made.set(wn, win);
      var short = nblocks === 1 && win.cmp.length <= comp.short;
      var list = [];
      if (short) {   /* a short paste: every literal is a candidate, whatever its anchor */
        list = comp.literalPids.slice();
        wc.forEach(function (pid) { if (comp.patterns[pid].kind !== "l") { list.push(pid); } });
      } else {
        wc.forEach(function (pid) { list.push(pid); });
      }
      var hits = findHits(comp, win, list);
      if (short) { reverseHits(comp, win, hits); }
      if (!hits.size) { continue; }
      var f = win.features();
      hits.forEach(function (ehits, e) {
        var r = score(comp, e, ehits, f);
        var prev = best.get(e);
        if (prev === undefined || r[0] > prev[0]) { best.set(e, [r[0], wn, r[1]]); }
      });
    }
    var threshold = comp.w.threshold;
    var ranked = [];
    best.forEach(function (v, e) {
      var sc = round3(v[0]);
      if (sc >= threshold) { ranked.push({score: sc, id: comp.errors[e].id, e: e, wn: v[1], hit: v[2]}); }
    });
    ranked.sort(function (a, b) {
      if (a.score !== b.score) { return b.score - a.score; }
      return a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
    });
    var results = [];
    for (var k = 0; k < Math.min(top, ranked.length); k++) {
      var item = ranked[k];
      var rwin = made.get(item.wn);
      var mode = item.hit[2], start = item.hit[3], end = item.hit[4], matched;
      if (mode === "u") { matched = compactSpan(rwin.sp, start, end); }
      else if (mode === "m") { matched = compactSpan(rwin.masked().msp, start, end); }
      else if (mode === "f") { matched = rwin.masked().msp.slice(start, end); }
      else if (mode === "q") { matched = rwin.sp; }
      else if (mode === "Q") { matched = rwin.masked().msp; }
      else { matched = rwin.sp.slice(start, end); }
      var masks = [];
      if (mode === "m" || mode === "f" || mode === "Q") {   /* which mask rules made the masked text it matched */
        var fired = [], all = [];
        for (var bw = 0; bw < rwin.blocks.length; bw++) { all = all.concat(rwin.blocks[bw].lines); }
        comp.mask(all.join("\n"), null, fired);
        for (var fi = 0; fi < fired.length; fi++) { if (matched.indexOf(fired[fi][1]) >= 0) { masks.push(fired[fi][0]); } }
      }
      var err = comp.errors[item.e];
      results.push({id: err.id, title: err.title, score: item.score, url: err.url, matched: matched.slice(0, 240),
                    masks: masks});
    }
    return results;
  }

  /* ---- Shards (search/shards.py): the site publishes the index as a core and shards; a paste needs the core
     and the shards neededShards names, merged by mergeShards. */
  var GRAM = 4, WINDOW = 5, GRAM_SPAN = GRAM + WINDOW - 1;

  /* Of the fingerprints of text's windows (the smallest FNV-1a hash of WINDOW grams of GRAM UTF-16 units), the
     one of the fewest errors (common: fingerprint -> errors), the first of those: shards.chosen_fingerprint. */
  function chosenFingerprint(text, common) {
    var hashes = [];
    for (var start = 0; start + GRAM <= text.length; start++) {
      var h = 0x811c9dc5;
      for (var i = start; i < start + GRAM; i++) { h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0; }
      hashes.push(h);
    }
    var bestCount = -1, bestFp = 0;
    for (var w = 0; w + WINDOW <= hashes.length; w++) {
      var fp = hashes[w];
      for (var j = w + 1; j < w + WINDOW; j++) { if (hashes[j] < fp) { fp = hashes[j]; } }
      var count = common.has(fp) ? common.get(fp) : 0;
      if (bestCount < 0 || count < bestCount) {
        bestCount = count;
        bestFp = fp;
        if (count === 0) { break; }
      }
    }
    return bestFp;
  }

  var commonCache = typeof WeakMap === "function" ? new WeakMap() : null;
  function commonFingerprints(core) {
    var common = commonCache && commonCache.get(core);
    if (!common) {
      common = new Map(core.shards.common.map(function (pair) { return [pair[0], pair[1]]; }));
      if (commonCache) { commonCache.set(core, common); }
    }
    return common;
  }

  var wordShardCache = typeof WeakMap === "function" ? new WeakMap() : null;
  /* The core's table of word shards by first word: [[second word or "", shard name]] (shards._word_shard). */
  function wordShards(core) {
    var table = wordShardCache && wordShardCache.get(core);
    if (!table) {
      table = new Map();
      core.shards.words.forEach(function (keys, number) {
        keys.forEach(function (key) {
          var space = key.indexOf(" ");
          var first = space < 0 ? key : key.slice(0, space), second = space < 0 ? "" : key.slice(space + 1);
          if (!table.has(first)) { table.set(first, []); }
          table.get(first).push([second, "w" + number]);
        });
      });
      if (wordShardCache) { wordShardCache.set(core, table); }
    }
    return table;
  }

  function addWordShards(table, words, names) {
    words.forEach(function (word) {
      var keys = table.get(word);
      if (!keys) { return; }
      for (var k = 0; k < keys.length; k++) {
        if (!keys[k][0] || words.has(keys[k][0])) { names.add(keys[k][1]); }
      }
    });
  }

  function neededShards(core, text) {
    var comp = compiled(core);
    var norm = comp.normaliseLines(String(text));
    var lines = norm[0], extras = norm[1];
    if (!lines.length) { return []; }
    var table = wordShards(core), names = new Set(), B = comp.block, words = null;
    for (var start = 0; start < lines.length; start += B) {
      words = blockWords(comp, lines.slice(start, start + B), extras.slice(start, start + B));
      addWordShards(table, words, names);
    }
    var block = lines.length <= B ? new Block(comp, lines) : null;
    if (block && block.cmp.length <= comp.short) {
      /* A short paste tests every literal: a literal found in it has its anchor words inside its texts (words:
         those of its one block). */
      var masked = block.masked()[1];
      var inside = function (word) { return block.cmp.indexOf(word) >= 0 || masked.indexOf(word) >= 0; };
      table.forEach(function (keys, first) {
        if (inside(first)) { words.add(first); }
        for (var k = 0; k < keys.length; k++) { if (keys[k][0] && inside(keys[k][0])) { words.add(keys[k][0]); } }
      });
      addWordShards(table, words, names);
      var query = block.cmp.replace(comp.re.edge, ""), mquery = masked.replace(comp.re.edge, "");
      if (comp.alnum(query) >= comp.w.reverse_min) {
        var grams = core.shards.grams, common = commonFingerprints(core);
        names.add("g" + chosenFingerprint(query, common) % grams);
        if (mquery) { names.add(mquery.length >= GRAM_SPAN ? "g" + chosenFingerprint(mquery, common) % grams : "t"); }
      }
    }
    return Array.from(names).sort();
  }

  function shardRows(part, providers, into) {
    var cols = part.errors, urls = new Map(), slug = "";
    for (var u = 0; u < cols.urls.length; u++) { urls.set(cols.urls[u][0], cols.urls[u][1]); }
    for (var row = 0; row < cols.slug.length; row++) {
      var entry = cols.slug[row];
      slug = typeof entry === "string" ? entry : slug.slice(0, entry[0]) + entry[1];
      var id = slug.charAt(0) === "/" ? slug.slice(1) : providers[cols.provider[row]] + "/" + slug;
      if (!into.has(id)) {
        into.set(id, {slug: slug, title: cols.title[row], provider: cols.provider[row], status: cols.status[row],
                      code: cols.code[row], type: cols.types[cols.type[row]], literals: cols.literals[row],
                      regexes: cols.regexes[row], url: urls.has(row) ? urls.get(row) : null});
      }
    }
  }

  /* An index of the core's errors and the shards' (each error once, in id order): shards.merge_shards. */
  function mergeShards(core, shards) {
    var found = new Map();
    [core].concat(shards).forEach(function (part) { shardRows(part, core.providers, found); });
    var ids = Array.from(found.keys()).sort();
    var cols = {slug: [], title: [], provider: [], status: [], code: [], type: [], literals: [], regexes: [],
                types: [], urls: []};
    var typeSet = new Set();
    ids.forEach(function (id) { typeSet.add(found.get(id).type); });
    cols.types = Array.from(typeSet).sort();
    ids.forEach(function (id, row) {
      var r = found.get(id);
      cols.slug.push(r.slug); cols.title.push(r.title); cols.provider.push(r.provider); cols.status.push(r.status);
      cols.code.push(r.code); cols.type.push(cols.types.indexOf(r.type)); cols.literals.push(r.literals);
      cols.regexes.push(r.regexes);
      if (r.url !== null) { cols.urls.push([row, r.url]); }
    });
    var merged = {};
    Object.keys(core).forEach(function (key) { if (key !== "shards") { merged[key] = core[key]; } });
    merged.errors = cols;
    return merged;
  }

  /* What a paste shows even when no page matches it: the HTTP statuses the status rules find, its tokens that are
     some error's code or type, and the providers its hints name (strongest first).  The paste box offers pages
     that fit this partial evidence rather than nothing. */
  function evidence(index, text) {
    var comp = compiled(index);
    var lines = comp.normaliseLines(String(text))[0];
    if (!lines.length) { return {statuses: [], codes: [], providers: []}; }
    var f = new Window(comp, [new Block(comp, lines)]).features();
    var codes = [];
    f.tokens[0].forEach(function (token) { if (comp.codes.has(token) || comp.types.has(token)) { codes.push(token); } });
    var providers = [];
    f.evidence.forEach(function (weight, p) { if (weight > 0) { providers.push([weight, index.providers[p]]); } });
    providers.sort(function (a, b) { return b[0] - a[0] || (a[1] < b[1] ? -1 : 1); });
    return {statuses: Array.from(f.statuses).sort(), codes: codes.sort(),
            providers: providers.map(function (pair) { return pair[1]; })};
  }

  function normalise(index, text) {
    return compiled(index).normaliseLines(String(text))[0].join("\n");
  }

  function mask(index, text) {
    var comp = compiled(index);
    return comp.mask(comp.normaliseLines(String(text))[0].join("\n"));
  }

  /* Compile the index ahead of the first paste (the paste box calls this once the index has loaded). */
  function prepare(index) {
    compiled(index);
  }

  var api = {match: match, normalise: normalise, mask: mask, prepare: prepare, neededShards: neededShards,
             mergeShards: mergeShards, evidence: evidence};
  if (typeof module === "object" && module.exports) { module.exports = api; }
  if (root) { root.ErrorkbMatcher = api; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : this));
