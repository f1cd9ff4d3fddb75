// The /search/ page: queries the Pagefind index in the browser and lists title, source, date
// and an excerpt of the article's text.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.querySelector(".search-status");
  var list = document.querySelector(".search-results");
  var pagefind = null;
  var latest = 0;

  function load() {
    if (!pagefind) {
      pagefind = import(form.dataset.pagefind).then(function (module) {
        return module.options({ baseUrl: form.dataset.base }).then(function () { return module; });
      });
    }
    return pagefind;
  }

  function item(data) {
    var li = document.createElement("li");
    li.className = "search-result";
    var h = document.createElement("h2");
    var a = document.createElement("a");
    a.href = data.url;
    a.textContent = data.meta.title || data.url;
    h.appendChild(a);
    var meta = document.createElement("p");
    meta.className = "entry-meta";
    meta.textContent = [data.meta.source, data.meta.date].filter(Boolean).join(" · ");
    var excerpt = document.createElement("p");
    excerpt.className = "entry-summary";
    excerpt.innerHTML = data.excerpt; // Pagefind's excerpt: escaped text with <mark> around hits
    // A window of the article's text: say so where it starts or stops mid-sentence.
    var text = excerpt.textContent.trim();
    if (/^[a-z,;:]/.test(text)) excerpt.prepend("…");
    if (text && !/[.!?…"”’)]$/.test(text)) excerpt.append("…");
    li.append(h, meta, excerpt);
    return li;
  }

  function run(query) {
    var ticket = ++latest;
    if (!query.trim()) { list.replaceChildren(); status.textContent = ""; return; }
    status.textContent = "Searching…";
    load().then(function (module) {
      return module.search(query);
    }).then(function (search) {
      if (ticket !== latest) return;
      return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }))
        .then(function (items) {
          if (ticket !== latest) return;
          list.replaceChildren.apply(list, items.map(item));
          var n = search.results.length;
          status.textContent = n === 0 ? "No articles found." : n + " article" + (n === 1 ? "" : "s") + " found" + (n > 20 ? ", showing 20." : ".");
        });
    }).catch(function () {
      status.textContent = "The search index could not be loaded.";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url);
    run(input.value);
  });
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value); }, 200);
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(initial); }
})();
