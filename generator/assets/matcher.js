/* errorkb matcher: find the error page a pasted log belongs to, in the browser, offline.

   This is the JavaScript twin of generator/matcher.py and implements the identical algorithm on the
   same index (match-index.json, made by generator.matcher.build_index), so both return the same ids in
   the same order with the same scores.  Read the docstring of generator/matcher.py for the algorithm;
   in short: normalise the paste (ANSI, JSON / repr escapes, quotes, whitespace, box borders), cut it into
   windows of two blocks of lines, test only the patterns whose anchor words occur, match literals on
   compact (space-free) unmasked and masked text (then fuzzily, token by token) and regexes on the spaced
   text, look for a short paste inside the literals, then score with HTTP status, error_code / error_type
   and provider evidence, and drop what is below the threshold.  Anything that changes here must change in
   matcher.py in the same way; tests/test_matcher.py checks that both agree on every test vector.

   Exposes window.ErrorkbMatcher = {match, normalise, mask} and, under node, module.exports.
     match(index, text, top) -> [{id, title, score, url, matched}], best first.
     normalise(index, text) -> the normalised lines joined by "\n".
     mask(index, text) -> the normalised text with variable parts replaced by placeholders. */
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

  /* ------------------------------------------------------------------ compiled index */

  function Compiled(index) {
    if (index.version !== 1) { throw new Error("unsupported matcher index version " + index.version); }
    var R = {};
    var names = Object.keys(index.rules);
    for (var i = 0; i < names.length; i++) { R[names[i]] = rx(index.rules[names[i]]); }
    this.re = R;
    this.masks = index.masks.map(function (m) { return [new RegExp(m[0], "gi"), m[1], m[2]]; });
    this.status = index.status.map(function (src) { return new RegExp(src, "gm"); });
    this.w = index.weights;
    this.block = index.block;
    this.gap = index.gap;
    this.short = index.short;
    this.fuzzyExtra = index.fuzzy_extra;
    this.fuzzyMin = index.fuzzy_min;
    this.nprov = index.providers.length;
    this.hints = index.hints;
    this.errors = [];
    this.patterns = [];
    this.amap = new Map();
    this.always = [];
    this.codes = new Set();
    this.types = new Set();
    var prefix = index.url[0], suffix = index.url[1];
    var ids = [], codes = [], codeDf = new Map();
    for (var c = 0; c < index.errors.length; c++) {
      /* [slug, title, provider, status, code, type, literals, regexes, url?]; see build_index. */
      var rc = index.errors[c], slug = rc[0];
      var id = slug.charAt(0) === "/" ? slug.slice(1) : index.providers[rc[2]] + "/" + slug;
      var cc = rc[4] === 1 ? id.slice(id.lastIndexOf("/") + 1).replace(/-/g, "_") : rc[4];
      ids.push(id);
      codes.push(cc);
      if (cc) { codeDf.set(cc, (codeDf.get(cc) || 0) + 1); }
    }
    for (var e = 0; e < index.errors.length; e++) {
      var rec = index.errors[e];
      var eid = ids[e], code = codes[e], etype = rec[5], lits = rec[6], regexes = rec[7];
      var url = rec.length > 8 ? rec[8] : prefix + eid + suffix;
      this.errors.push({id: eid, title: rec[1], url: url, pidx: rec[2], status: rec[3], code: code, type: etype});
      if (code) { this.codes.add(code); }
      if (etype) { this.types.add(etype); }
      var texts = [];
      for (var l = 0; l < lits.length; l++) {
        var lit = lits[l];
        texts.push(lit[0]);
        var tokens = this.literalTokens(lit[0]);
        var words = [];
        for (var a = 1; a < lit.length; a++) { words.push(tokens[lit[a]]); }
        this.addLiteral(e, lit[0], lit.length > 1 ? [words] : []);
      }
      if (code && codeDf.get(code) === 1 && texts.indexOf(code) < 0) {
        /* A code of one error only (insufficient_quota) is a literal pattern of its own;
           its anchor is its longest word. */
        var best = "", parts = code.match(this.re.token) || [];
        for (var t = 0; t < parts.length; t++) { if (parts[t].length > best.length) { best = parts[t]; } }
        this.addLiteral(e, code, best.length >= 4 ? [[best]] : []);
      }
      for (var r = 0; r < regexes.length; r++) {
        var compiled = null;
        try { compiled = new RegExp(regexes[r][0], index.regex_flags); } catch (err) { compiled = null; }
        var srcTokens = asciiLower(regexes[r][0]).match(this.re.token) || [];
        var alternatives = regexes[r][1].map(function (alt) {
          return alt.map(function (a) { return typeof a === "number" ? srcTokens[a] : a; });
        });
        this.register(this.patterns.length, alternatives);
        this.patterns.push({kind: "r", e: e, rx: compiled, score: this.patternScore(regexes[r][2])});
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
                        mneedles: needles[0], fneedles: needles[1]});
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
      if (wrappedPrev) {
        var head = R.wrap_head.exec(line);
        var tail = R.wrap_tail.exec(lines[lines.length - 1]);
        if (head && tail) {
          var word = (tail[0] + head[0]).toLowerCase();
          if (word.length >= 4) { extras[extras.length - 1].push(word); }
        }
      }
      lines.push(line);
      extras.push([]);
      wrappedPrev = width >= 60 && rawWidths[j] >= width - 2;
    }
    return [lines, extras];
  };

  Compiled.prototype.mask = function (text) {
    for (var i = 0; i < this.masks.length; i++) {
      var m = this.masks[i], placeholder = m[1];
      if (m[2]) {
        text = text.replace(m[0], function (whole, g1) { return (g1 || "") + placeholder; });
      } else {
        text = text.replace(m[0], function () { return placeholder; });
      }
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

  function containsAll(text, needles) {
    for (var i = 0; i < needles.length; i++) { if (text.indexOf(needles[i]) < 0) { return false; } }
    return true;
  }

  /* [unmasked fragments, masked fragments or null, fuzzy tokens, unmasked score, masked score] */
  Compiled.prototype.literalForms = function (text) {
    var R = this.re;
    var ufr = compactList(text.split(R.gap));
    var masked = asciiLower(this.mask(text));
    var mfr = compactList(masked.split(R.gap_masked));
    var ftoks = masked.replace(R.gap_masked, " ").match(R.fuzzy) || [];
    var su = this.patternScore(this.alnum(ufr.join("")));
    var sm = this.patternScore(this.alnum(mfr.join("").replace(R.placeholder, "")));
    return [ufr, arraysEqual(mfr, ufr) ? null : mfr, ftoks, su, sm];
  };

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

  function Window(comp, lines) {
    this.comp = comp;
    this.lines = lines;
    this.sp = lines.join(" ");
    this.low = asciiLower(this.sp);
    this.cmp = this.low.replace(/ /g, "");
    this.maskedData = null;
  }

  Window.prototype.masked = function () {
    if (this.maskedData === null) {
      var msp = this.comp.mask(this.sp);
      var mlow = asciiLower(msp);
      var re = new RegExp(this.comp.re.fuzzy.source, "g");
      var toks = [], spans = [], positions = new Map(), m;
      while ((m = re.exec(mlow)) !== null) {
        var list = positions.get(m[0]);
        if (!list) { list = []; positions.set(m[0], list); }
        list.push(toks.length);
        toks.push(m[0]);
        spans.push([m.index, m.index + m[0].length]);
      }
      this.maskedData = {msp: msp, mcmp: mlow.replace(/ /g, ""), toks: toks, spans: spans, positions: positions};
    }
    return this.maskedData;
  };

  function compactSpan(spaced, start, end) {
    var idx = [];
    for (var i = 0; i < spaced.length; i++) { if (spaced.charAt(i) !== " ") { idx.push(i); } }
    return spaced.slice(idx[start], idx[end - 1] + 1);
  }

  /* hit: [pattern score, pattern id, mode, start, end] */
  function findHits(comp, win, cands) {
    var hits = new Map();
    cands.forEach(function (pid) {
      var p = comp.patterns[pid];
      var hit = null, span;
      if (p.kind === "l") {
        span = findFragments(win.cmp, p.ufr, comp.gap);
        if (span) {
          hit = [p.su, pid, "u", span[0], span[1]];
        } else {
          if (p.mfr && containsAll(win.cmp, p.mneedles)) {
            span = findFragments(win.masked().mcmp, p.mfr, comp.gap);
            if (span) { hit = [p.sm, pid, "m", span[0], span[1]]; }
          }
          if (hit === null && p.mfr && p.ftoks.length >= comp.fuzzyMin && containsAll(win.cmp, p.fneedles)) {
            var md = win.masked();
            span = findFuzzy(md.toks, md.positions, p.ftoks, comp.fuzzyExtra);
            if (span) { hit = [p.sm - comp.w.fuzzy, pid, "f", md.spans[span[0]][0], md.spans[span[1]][1]]; }
          }
        }
      } else if (p.rx) {
        var m = p.rx.exec(win.sp);
        if (m) { hit = [p.score, pid, "r", m.index, m.index + m[0].length]; }
      }
      if (hit) {
        var list = hits.get(p.e);
        if (!list) { list = []; hits.set(p.e, list); }
        list.push(hit);
      }
    });
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
          if (nU >= cover * comp.alnum(p.ufr.join(""))) { hit = [scoreU, pid, "q", 0, 0]; }
          break;
        }
      }
      if (hit === null && mquery) {
        var frags = p.mfr || p.ufr;
        for (i = 0; i < frags.length; i++) {
          if (frags[i].indexOf(mquery) >= 0) {
            if (nM >= cover * comp.alnum(frags.join("").replace(comp.re.placeholder, ""))) {
              hit = [scoreM, pid, "Q", 0, 0];
            }
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

  function features(comp, win) {
    var nl = asciiLower(win.lines.join("\n"));
    var statuses = new Set();
    for (var i = 0; i < comp.status.length; i++) {
      var re = comp.status[i], m;
      re.lastIndex = 0;
      while ((m = re.exec(nl)) !== null) {
        statuses.add(parseInt(m[1], 10));
        if (m[0].length === 0) { re.lastIndex += 1; }
      }
    }
    var tokens = new Set(win.low.match(comp.re.feature) || []);
    var evidence = [];
    for (var p = 0; p < comp.nprov; p++) { evidence.push(0); }
    for (var h = 0; h < comp.hints.length; h++) {
      var hint = comp.hints[h];
      if (hint[2] > evidence[hint[1]] && win.cmp.indexOf(hint[0]) >= 0) { evidence[hint[1]] = hint[2]; }
    }
    return {statuses: statuses, tokens: tokens, evidence: evidence};
  }

  function intersects(set, other) {
    var found = false;
    set.forEach(function (value) { if (!found && other.has(value)) { found = true; } });
    return found;
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
      if (f.tokens.has(err.code)) { s += w.code; } else if (intersects(comp.codes, f.tokens)) { s -= w.code_other; }
    }
    if (err.type) {
      if (f.tokens.has(err.type)) { s += w.type; } else if (intersects(comp.types, f.tokens)) { s -= w.type_other; }
    }
    var own = f.evidence[err.pidx], foreign = 0;
    for (var q = 0; q < f.evidence.length; q++) {
      if (q !== err.pidx && f.evidence[q] > foreign) { foreign = f.evidence[q]; }
    }
    if (own >= 1) { s += w.own_strong; } else if (own > 0) { s += w.own_weak; }
    if (foreign > own) {
      if (foreign >= 1) { s *= w.mismatch; } else { s -= w.foreign_weak; }
    }
    return [s, best];
  }

  function match(index, text, top) {
    if (top === undefined) { top = 5; }
    var comp = compiled(index);
    var norm = comp.normaliseLines(String(text));
    var lines = norm[0], extras = norm[1];
    if (!lines.length) { return []; }
    var B = comp.block;
    var nblocks = Math.ceil(lines.length / B);
    var wordRe = comp.re.word;
    var blockCands = [];
    for (var b = 0; b < nblocks; b++) {
      var seg = lines.slice(b * B, (b + 1) * B);
      var found = seg.join("\n").toLowerCase().match(wordRe) || [];
      var words = new Set(found);
      var ex = extras.slice(b * B, (b + 1) * B);
      for (var x = 0; x < ex.length; x++) { for (var y = 0; y < ex[x].length; y++) { words.add(ex[x][y]); } }
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
    var windows = [];
    if (nblocks === 1) { windows.push([0, 1]); } else { for (var wb = 0; wb < nblocks - 1; wb++) { windows.push([wb, wb + 2]); } }
    var best = new Map();
    for (var wn = 0; wn < windows.length; wn++) {
      var b0 = windows[wn][0], b1 = windows[wn][1];
      var wc = new Set(comp.always);
      for (var bb = b0; bb < b1; bb++) { blockCands[bb].forEach(function (pid) { wc.add(pid); }); }
      if (!wc.size && nblocks > 1) { continue; }
      var win = new Window(comp, lines.slice(b0 * B, b1 * B));
      var short = nblocks === 1 && win.cmp.length <= comp.short;
      if (short) {   /* a short paste: every literal is a candidate, whatever its anchor */
        for (var lp = 0; lp < comp.literalPids.length; lp++) { wc.add(comp.literalPids[lp]); }
      }
      var hits = findHits(comp, win, wc);
      if (short) { reverseHits(comp, win, hits); }
      if (!hits.size) { continue; }
      var f = features(comp, win);
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
      var w2 = windows[item.wn];
      var rwin = new Window(comp, lines.slice(w2[0] * B, w2[1] * B));
      var mode = item.hit[2], start = item.hit[3], end = item.hit[4], matched;
      if (mode === "u") { matched = compactSpan(rwin.sp, start, end); }
      else if (mode === "m") { matched = compactSpan(rwin.masked().msp, start, end); }
      else if (mode === "f") { matched = rwin.masked().msp.slice(start, end); }
      else if (mode === "q") { matched = rwin.sp; }
      else if (mode === "Q") { matched = rwin.masked().msp; }
      else { matched = rwin.sp.slice(start, end); }
      var err = comp.errors[item.e];
      results.push({id: err.id, title: err.title, score: item.score, url: err.url, matched: matched.slice(0, 240)});
    }
    return results;
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

  var api = {match: match, normalise: normalise, mask: mask, prepare: prepare};
  if (typeof module === "object" && module.exports) { module.exports = api; }
  if (root) { root.ErrorkbMatcher = api; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : this));
