/* errorkb paste box: matches a pasted log against match-index.json in the browser, with no server (for a large
   knowledge base, match-index.json is a core and a paste fetches only the shards it needs from match/).
   Uses window.ErrorkbMatcher (matcher.js, loaded with the index only on the page that has the box), the same
   algorithm as `errorkb match`.  Results update as you type or paste, each with its page's quick fix (from
   api/<provider>/<slug>.json, fetched for the pages shown); a short status line tells screen readers how many
   pages match once typing settles.  When nothing matches, the box offers the pages that fit part of the paste
   (its HTTP status, an error code, the provider it names; from errors.json), says what the site covers, and
   how to add the error: the "ask for it" link carries the paste's error line, masked, never a key. */
(function () {
  "use strict";

  var indexPromise = null;
  var matcherPromise = null;
  var errorsPromise = null;
  var records = {};

  function loadMatcher(url) {
    // matcher.js is loaded here, by the page that has the paste box, and by no other page.
    if (window.ErrorkbMatcher) { return Promise.resolve(); }
    if (!matcherPromise) {
      matcherPromise = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.onload = resolve;
        script.onerror = function () { reject(new Error("could not load " + url)); };
        document.head.appendChild(script);
      });
    }
    return matcherPromise;
  }

  function loadJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  function loadIndex(url) {
    if (!indexPromise) { indexPromise = loadJson(url); }
    return indexPromise;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* The line of a paste that reads most like the error (the last one naming an error, an exception or a failure;
     never "Traceback (most recent call last):"), masked with the matcher's masks, and anything still looking like
     a key or token removed: what may go into a public issue's title. */
  var ERROR_LINE = /(error|exception|failed|failure|invalid|denied|refused|not found|exceeded|unauthori[sz]ed|forbidden|timed? ?out|\b[45][0-9][0-9]\b)/i;
  var SECRET_LIKE = /[A-Za-z0-9_\-+\/=.]{20,}/g;
  function issueTitle(core, text) {
    var lines = window.ErrorkbMatcher.normalise(core, text).split("\n").filter(function (line) {
      return line.trim() && !/^traceback \(most recent call last\)/i.test(line.trim());
    });
    var line = "";
    for (var i = lines.length - 1; i >= 0 && !line; i--) { if (ERROR_LINE.test(lines[i])) { line = lines[i]; } }
    line = window.ErrorkbMatcher.mask(core, line || lines[lines.length - 1] || "");
    line = line.replace(SECRET_LIKE, function (run) {
      return /[0-9]/.test(run) && /[A-Za-z]/.test(run) ? "<redacted>" : run;
    });
    return line.trim().slice(0, 120);
  }

  /* Fill `node` with the quick fix of error `id`, fetched once per error. */
  function showQuickFix(node, root, id) {
    if (!records[id]) { records[id] = loadJson(root + "api/" + id + ".json"); }
    records[id].then(function (record) {
      if (record && record.quick_fix) { node.textContent = "Quick fix: " + String(record.quick_fix).replace(/`/g, ""); }
    }).catch(function () { node.remove(); });
  }

  function resultItem(root, id, title, url) {
    var item = element("li", {"data-id": id});
    item.appendChild(element("a", {"href": root + url.replace(/^\//, "")}, title));
    var fix = element("p", {"class": "ekb-quick"});
    item.appendChild(fix);
    showQuickFix(fix, root, id);
    return item;
  }

  /* Pages that fit part of a paste no page matches: the same error code or type (2), the same HTTP status (1), the
     provider the paste names (1; a page of another provider needs a code); at most five, best first. */
  function partialCandidates(list, found) {
    var out = [];
    list.errors.forEach(function (error) {
      var signature = error.signature || {}, score = 0;
      var code = String(signature.error_code || "").toLowerCase(), type = String(signature.error_type || "").toLowerCase();
      if ((code && found.codes.indexOf(code) >= 0) || (type && found.codes.indexOf(type) >= 0)) { score += 2; }
      var status = signature.http_status && found.statuses.indexOf(signature.http_status) >= 0;
      var provider = found.providers.indexOf(error.provider) >= 0;
      if (found.providers.length && !provider && score < 2) { return; }
      if (status) { score += 1; }
      if (provider && (status || score)) { score += 1; }
      if (score >= 2 || status) { out.push({error: error, score: score}); }
    });
    out.sort(function (a, b) { return b.score - a.score || (a.error.id < b.error.id ? -1 : 1); });
    return out.slice(0, 5).map(function (entry) { return entry.error; });
  }

  function describeEvidence(found, names) {
    var parts = found.statuses.map(function (status) { return "HTTP " + status; }).concat(found.codes);
    found.providers.forEach(function (slug) { parts.push(names[slug] || slug); });
    return parts.join(", ");
  }

  var shownCount = 0;
  function showResults(box, core, results, text) {
    var output = box.querySelector("#ekb-paste-results");
    var root = box.getAttribute("data-site-root") || "./";
    output.textContent = "";
    box.setAttribute("data-shown", String(++shownCount));   /* how many answers shown: tests wait on it */
    if (!text.trim()) { announce(box, ""); return; }
    if (results.length) {
      var list = element("ol", {"class": "ekb-matches"});
      results.forEach(function (result) { list.appendChild(resultItem(root, result.id, result.title, result.url)); });
      output.appendChild(list);
      announce(box, results.length === 1 ? "1 page matches." : results.length + " pages match.");
      return;
    }
    var noMatch = element("p", {"class": "ekb-no-match"});
    noMatch.appendChild(document.createTextNode("No page matches this text. errorkb covers "
      + (box.getAttribute("data-covers") || "the errors listed on the home page") + ". Try the "));
    var search = element("a", {"href": "#", "data-ekb-search": ""}, "site search");
    search.addEventListener("click", function (event) { event.preventDefault(); });
    noMatch.appendChild(search);
    noMatch.appendChild(document.createTextNode(" with a few words of it."));
    output.appendChild(noMatch);
    var partial = element("div", {"class": "ekb-partial"});
    output.appendChild(partial);
    var help = element("p", {"class": "ekb-contribute"});
    help.appendChild(document.createTextNode("Add it: write errors/<provider>/<slug>.yaml as the "));
    help.appendChild(element("a", {"href": root + "contributing/"}, "contributing guide"));
    help.appendChild(document.createTextNode(" explains, or "));
    var issue = box.getAttribute("data-new-issue") + "?title=" + encodeURIComponent("Add error: " + issueTitle(core, text));
    help.appendChild(element("a", {"href": issue, "class": "ekb-request", "rel": "noopener"}, "ask for it"));
    help.appendChild(document.createTextNode(" (the link carries the error line with keys and ids masked; "
      + "nothing is sent until you submit the issue)."));
    output.appendChild(help);
    announce(box, "No page matches.");
    var found = window.ErrorkbMatcher.evidence(core, text);
    if (!found.statuses.length && !found.codes.length && !found.providers.length) { return; }
    if (!errorsPromise) { errorsPromise = loadJson(root + "errors.json"); }
    var asked = shownCount;
    errorsPromise.then(function (list) {
      if (asked !== shownCount) { return; }
      var pages = partialCandidates(list, found);
      if (!pages.length) { return; }
      var names = {};
      Object.keys(list.providers || {}).forEach(function (slug) { names[slug] = list.providers[slug].name; });
      partial.appendChild(element("p", {}, "Pages that fit part of it (" + describeEvidence(found, names) + "):"));
      var ol = element("ol", {"class": "ekb-matches ekb-candidates"});
      pages.forEach(function (error) { ol.appendChild(resultItem(root, error.id, error.title, error.url)); });
      partial.appendChild(ol);
      announce(box, "No page matches; " + pages.length + (pages.length === 1 ? " page fits" : " pages fit")
        + " part of it.");
    }).catch(function () { /* the partial list is a help, not the answer */ });
  }

  /* The status line screen readers read: set once typing has settled, and only when it says something new. */
  var announceTimer = null;
  function announce(box, message) {
    var status = box.querySelector(".ekb-paste-status");
    if (!status) { return; }
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      if (status.textContent !== message) { status.textContent = message; }
    }, 700);
  }

  /* The index to match one paste against: match-index.json itself, or, when it is the core of a sharded index
     (search/shards.py), the core merged with the shards this paste needs (each fetched once). */
  var shards = {};
  var merged = {key: null, index: null};
  function indexFor(core, text, root) {
    if (!core.shards) { return Promise.resolve(core); }
    var names = window.ErrorkbMatcher.neededShards(core, text);
    var key = names.join(" ");
    if (merged.key === key) { return Promise.resolve(merged.index); }
    return Promise.all(names.map(function (name) {
      if (!shards[name]) { shards[name] = loadJson(root + core.shards.path + name + ".json"); }
      return shards[name];
    })).then(function (loaded) {
      merged = {key: key, index: window.ErrorkbMatcher.mergeShards(core, loaded)};
      return merged.index;
    });
  }

  /* Deep links to #paste put the cursor in the box; the theme moves focus once more as the page settles, so the
     box takes it back then too. */
  function focusOnHash() {
    var input = document.querySelector("#ekb-paste-input");
    if (!input || window.location.hash !== "#paste") { return; }
    input.focus();
    [50, 250].forEach(function (delay) {
      setTimeout(function () { if (window.location.hash === "#paste" && input.isConnected) { input.focus(); } }, delay);
    });
  }
  window.addEventListener("hashchange", focusOnHash);

  function init() {
    var box = document.querySelector(".ekb-paste");
    if (!box || box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "loading");
    var input = box.querySelector("#ekb-paste-input");
    var root = box.getAttribute("data-site-root") || "./";
    var core = null;
    function failed(error) {
      box.setAttribute("data-ready", "failed");
      box.querySelector("#ekb-paste-results").textContent = "The error index could not be loaded: " + error.message;
    }
    function update() {
      if (!core) { return; }
      var text = input.value;
      if (!text.trim()) { showResults(box, core, [], text); return; }
      indexFor(core, text, root).then(function (index) {
        if (input.value !== text) { return; }   /* a newer paste is on its way */
        var started = performance.now();
        var results = window.ErrorkbMatcher.match(index, text, 5);
        box.setAttribute("data-match-ms", String(Math.round((performance.now() - started) * 10) / 10));
        showResults(box, core, results, text);
      }).catch(failed);
    }
    input.addEventListener("input", update);
    focusOnHash();
    Promise.all([loadIndex(root + box.getAttribute("data-index")),
                 loadMatcher(root + "assets/errorkb/matcher.js")]).then(function (loaded) {
      core = loaded[0];
      window.ErrorkbMatcher.prepare(core);
      box.setAttribute("data-ready", "yes");
      update();
    }).catch(failed);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
