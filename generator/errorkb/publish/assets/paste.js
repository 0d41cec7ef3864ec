/* errorkb paste box: matches a pasted log against match-index.json in the browser, with no server (for a large
   knowledge base, match-index.json is a core and a paste fetches only the shards it needs from match/).
   Uses window.ErrorkbMatcher (matcher.js, loaded with the index only on the page that has the box), the same
   algorithm as `errorkb match`. Results update as you type or
   paste; when nothing matches, the box says so and shows how to contribute the error. */
(function () {
  "use strict";

  var indexPromise = null;
  var matcherPromise = null;

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

  function loadIndex(url) {
    if (!indexPromise) {
      indexPromise = fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
    }
    return indexPromise;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var shownCount = 0;
  function showResults(box, results, text) {
    var output = box.querySelector("#ekb-paste-results");
    box.setAttribute("data-shown", String(++shownCount));   /* how many answers shown: tests wait on it */
    var root = box.getAttribute("data-site-root") || "./";
    output.textContent = "";
    if (!text.trim()) { return; }
    if (!results.length) {
      output.appendChild(element("p", {"class": "ekb-no-match"}, "No error in errorkb matches this text."));
      var help = element("p", {"class": "ekb-contribute"});
      help.appendChild(document.createTextNode("Add it: write errors/<provider>/<slug>.yaml as the "));
      help.appendChild(element("a", {"href": root + "contributing/"}, "contributing guide"));
      help.appendChild(document.createTextNode(" explains, or "));
      var title = "Add error: " + text.trim().split("\n")[0].slice(0, 120);
      var issue = box.getAttribute("data-new-issue") + "?title=" + encodeURIComponent(title);
      help.appendChild(element("a", {"href": issue, "class": "ekb-request"}, "ask for it"));
      help.appendChild(document.createTextNode("."));
      output.appendChild(help);
      return;
    }
    var list = element("ol", {"class": "ekb-matches"});
    results.forEach(function (result) {
      var item = element("li", {"data-id": result.id, "data-score": String(result.score)});
      item.appendChild(element("a", {"href": root + result.url}, result.title));
      item.appendChild(element("span", {"class": "ekb-score"}, " score " + result.score));
      item.appendChild(element("code", {"class": "ekb-matched"}, result.matched));
      list.appendChild(item);
    });
    output.appendChild(list);
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
      if (!shards[name]) {
        shards[name] = fetch(root + core.shards.path + name + ".json").then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        });
      }
      return shards[name];
    })).then(function (loaded) {
      merged = {key: key, index: window.ErrorkbMatcher.mergeShards(core, loaded)};
      return merged.index;
    });
  }

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
      if (!text.trim()) { showResults(box, [], text); return; }
      indexFor(core, text, root).then(function (index) {
        if (input.value !== text) { return; }   /* a newer paste is on its way */
        var started = performance.now();
        var results = window.ErrorkbMatcher.match(index, text, 5);
        box.setAttribute("data-match-ms", String(Math.round((performance.now() - started) * 10) / 10));
        showResults(box, results, text);
      }).catch(failed);
    }
    input.addEventListener("input", update);
    Promise.all([loadIndex(root + box.getAttribute("data-index")),
                 loadMatcher(root + "assets/errorkb/matcher.js")]).then(function (loaded) {
      core = loaded[0];
      window.ErrorkbMatcher.prepare(core);
      box.setAttribute("data-ready", "yes");
      update();
    }).catch(failed);
    if (window.location.hash === "#paste") { input.focus(); }
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
