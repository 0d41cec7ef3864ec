/* errorkb site search: a search button in the header that opens a search dialog answered by the Pagefind
   index built with the site (pagefind/).  Nothing is downloaded until the reader opens the dialog; then only
   Pagefind's small entry files and the index chunks for the words typed.  Titles and excerpts from the index
   are shown as text (only Pagefind's <mark> highlights become elements), so no indexed page can inject markup.
   Pagefind matches word prefixes, so "invalid_api" finds invalid_api_key.
   Keys: "/" or "s" opens the dialog, Escape closes it, Enter opens the first result. */
(function () {
  "use strict";

  var script = document.currentScript;
  var siteRoot = new URL("../../", script ? script.src : window.location.href);   // assets/errorkb/search.js
  var pagefind = null;
  var dialog = null;
  var shown = 0;
  var RANKED = 20;   // results whose data is loaded and re-ranked (error pages first) ...
  var SHOWN = 10;    // ... of which the first are shown

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function asText(fragment) {
    // Pagefind's text is HTML-escaped: decode it without running or keeping any markup.
    return new DOMParser().parseFromString("<body>" + fragment, "text/html").body.textContent;
  }

  function excerpt(fragment) {
    var node = element("span", {"class": "ekb-search-excerpt"});
    fragment.split(/(<mark>[\s\S]*?<\/mark>)/).forEach(function (piece) {
      var marked = /^<mark>([\s\S]*)<\/mark>$/.exec(piece);
      if (marked) { node.appendChild(element("mark", {}, asText(marked[1]))); }
      else if (piece) { node.appendChild(document.createTextNode(asText(piece))); }
    });
    return node;
  }

  function load() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", siteRoot).href).then(function (module) {
        return module.options({"baseUrl": siteRoot.pathname}).then(function () {
          module.init();
          return module;
        });
      });
    }
    return pagefind;
  }

  function safeUrl(url) {
    var target = new URL(url, siteRoot);
    return target.origin === siteRoot.origin && target.pathname.indexOf(siteRoot.pathname) === 0 ? target.href : null;
  }

  function normalized(text) {
    return asText(text || "").toLowerCase().split(/\s+/).join(" ").trim();
  }

  function exactFirst(pages, query) {
    // Error pages (those with a signature) come before every other page.  Among them, pages whose signature, error
    // type, error code or HTTP status holds the whole query come first, the shortest (closest) such text first;
    // the rest keep Pagefind's order.
    // Two errors can share a sentence (Gemini repeats OpenAI's quota message).
    var wanted = normalized(query);
    function closeness(page) {
      // The shortest of the page's signature, error type, error code and HTTP status that holds the query.
      return ["signature", "error_type", "error_code", "status"].reduce(function (best, field) {
        var text = normalized(page.meta && page.meta[field]);
        return text && text.indexOf(wanted) !== -1 ? Math.min(best, text.length) : best;
      }, Infinity);
    }
    function kind(page) { return page.meta && page.meta.signature ? 0 : 1; }
    return pages.map(function (page, rank) {
      return {page: page, rank: rank, kind: kind(page), closeness: closeness(page)};
    }).sort(function (a, b) {
      return a.kind - b.kind || a.closeness - b.closeness || a.rank - b.rank;
    }).map(function (entry) { return entry.page; }).slice(0, SHOWN);
  }

  function noMatch(status) {
    // No page matches: offer the paste box, which recognises a whole log, not only its words.
    status.appendChild(document.createTextNode("No page matches. Try fewer words, or "));
    var link = element("a", {"href": new URL("#paste", siteRoot).href, "class": "ekb-search-paste"},
                       "paste the whole error on the home page");
    link.addEventListener("click", function () { dialog.close(); });
    status.appendChild(link);
    status.appendChild(document.createTextNode(": it finds the page from a traceback or a log."));
  }

  function search(query) {
    var output = dialog.querySelector(".ekb-search-results");
    var status = dialog.querySelector(".ekb-search-status");
    var asked = ++shown;
    if (!query.trim()) {
      output.textContent = "";
      status.textContent = "Type an error message, a code or a few words.";
      return;
    }
    status.textContent = "Searching…";
    load().then(function (module) {
      return module.debouncedSearch(query, {}, 150);
    }).then(function (found) {
      if (found === null || asked !== shown) { return null; }   // a newer query took over
      return Promise.all(found.results.slice(0, RANKED).map(function (result) { return result.data(); }));
    }).then(function (pages) {
      if (!pages || asked !== shown) { return; }
      pages = exactFirst(pages, query);
      output.textContent = "";
      status.textContent = "";
      if (!pages.length) { noMatch(status); }
      pages.forEach(function (page) {
        var href = safeUrl(page.url);
        if (!href) { return; }
        var item = element("li", {"class": "ekb-search-result"});
        var link = element("a", {"href": href});
        // Pagefind keeps a page's title as plain text (unlike excerpts): shown as it is, as text.
        link.appendChild(element("span", {"class": "ekb-search-title"}, (page.meta && page.meta.title) || page.url));
        link.appendChild(excerpt(page.excerpt || ""));
        item.appendChild(link);
        output.appendChild(item);
      });
    }).catch(function (error) {
      if (asked === shown) { status.textContent = "Search is not available: " + error.message; }
    });
  }

  function build() {
    dialog = element("dialog", {"class": "ekb-search", "aria-label": "Search"});
    var form = element("form", {"role": "search", "method": "dialog"});
    var input = element("input", {"type": "search", "class": "ekb-search-input", "name": "q", "autocomplete": "off",
                                  "spellcheck": "false", "placeholder": "Search errors", "aria-label": "Search errors"});
    form.appendChild(input);
    dialog.appendChild(form);
    dialog.appendChild(element("p", {"class": "ekb-search-status", "aria-live": "polite"}));
    dialog.appendChild(element("ol", {"class": "ekb-search-results"}));
    input.addEventListener("input", function () { search(input.value); });
    form.addEventListener("submit", function (event) {
      var first = dialog.querySelector(".ekb-search-result a");
      event.preventDefault();
      if (first) { window.location.href = first.href; }
    });
    dialog.addEventListener("click", function (event) { if (event.target === dialog) { dialog.close(); } });
    document.body.appendChild(dialog);
  }

  function open() {
    if (!dialog) { build(); }
    if (!dialog.open) { dialog.showModal(); }
    var input = dialog.querySelector("input");
    input.focus();
    input.select();
    load().catch(function () {});
  }

  function addButton() {
    var header = document.querySelector(".md-header__inner");
    if (!header || header.querySelector(".ekb-search-button")) { return; }
    var button = element("button", {"type": "button", "class": "md-header__button md-icon ekb-search-button",
                                    "title": "Search (/)", "aria-label": "Search"});
    button.innerHTML = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true"><path d="M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5"/></svg>';
    button.addEventListener("click", open);
    var before = header.querySelector(".md-header__source");
    header.insertBefore(button, before);
  }

  document.addEventListener("click", function (event) {
    // Any element marked data-ekb-search (the 404 page's "Search the site" button) opens the dialog.
    if (event.target.closest && event.target.closest("[data-ekb-search]")) { open(); }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (!typing && !event.ctrlKey && !event.metaKey && !event.altKey && (event.key === "/" || event.key === "s")) {
      event.preventDefault();
      open();
    }
  });

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(addButton);   // Material's instant navigation may replace the header
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addButton);
  } else {
    addButton();
  }
})();
