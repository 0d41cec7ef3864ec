/* errorkb paste box: matches a pasted log against match-index.json in the browser, with no server.
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

  function showResults(box, results, text) {
    var output = box.querySelector("#ekb-paste-results");
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

  function init() {
    var box = document.querySelector(".ekb-paste");
    if (!box || box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "loading");
    var input = box.querySelector("#ekb-paste-input");
    var root = box.getAttribute("data-site-root") || "./";
    var index = null;
    function update() {
      if (!index) { return; }
      var text = input.value;
      var started = performance.now();
      var results = text.trim() ? window.ErrorkbMatcher.match(index, text, 5) : [];
      box.setAttribute("data-match-ms", String(Math.round((performance.now() - started) * 10) / 10));
      showResults(box, results, text);
    }
    input.addEventListener("input", update);
    Promise.all([loadIndex(root + box.getAttribute("data-index")),
                 loadMatcher(root + "assets/errorkb/matcher.js")]).then(function (loaded) {
      index = loaded[0];
      window.ErrorkbMatcher.prepare(index);
      box.setAttribute("data-ready", "yes");
      update();
    }).catch(function (error) {
      box.setAttribute("data-ready", "failed");
      box.querySelector("#ekb-paste-results").textContent = "The error index could not be loaded: " + error.message;
    });
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
