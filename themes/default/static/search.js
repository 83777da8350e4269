// The search page: Pagefind's own interface over the index the build wrote into
// pagefind/. The header's search box sends ?q=, which starts the search here; the
// order menu starts the interface again with the chosen sort and the same words.
// Without JavaScript the page says search needs it (this script hides that line).
(() => {
  const box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  const sorts = { upvotes: { upvotes: "desc" }, date: { date: "desc" } };
  const order = document.getElementById("search-sort");
  order.parentElement.hidden = false;
  document.getElementById("search-needs-js").hidden = true;
  let ui = null;
  function start(term) {
    if (ui) ui.destroy();
    box.textContent = "";
    ui = new PagefindUI({
      element: box,
      bundlePath: box.dataset.bundle,
      baseUrl: box.dataset.base,
      showSubResults: false,
      showImages: false,
      resetStyles: false,
      sort: sorts[order.value] || null,
      autofocus: !term,
    });
    const input = box.querySelector("input");
    if (input) input.setAttribute("aria-labelledby", "search-title");  // the page's h1
    if (term) ui.triggerSearch(term);
  }
  order.addEventListener("change", () => {
    const input = box.querySelector("input");
    start(input ? input.value : "");
  });
  start(new URLSearchParams(location.search).get("q") || "");
})();
