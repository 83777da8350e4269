// The search page: Pagefind's own interface over the bundles the build wrote into
// pagefind/<year>/ (data-bundles, newest first): the first is the main index, the
// others are merged into it, so one search, filter and sort covers every year. The
// header's search box sends ?q=, which starts the search here; the order menu starts
// the interface again with the chosen sort and the same words. Pagefind merges the
// bundles' results by score, which under a sort is only a rank within each bundle; so a
// sort weighs each year far above the next older one: newest first then reads as one
// order (but for a bundle's last, zero-scored results), most upvotes year by year.
// Without JavaScript the page says search needs it (this script hides that line).
(() => {
  const box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  const sorts = { upvotes: { upvotes: "desc" }, date: { date: "desc" } };
  const order = document.getElementById("search-sort");
  order.parentElement.hidden = false;
  document.getElementById("search-needs-js").hidden = true;
  const [main, ...others] = box.dataset.bundles.split(" ");
  let ui = null;
  function start(term) {
    if (ui) ui.destroy();
    box.textContent = "";
    ui = new PagefindUI({
      element: box,
      bundlePath: main,
      mergeIndex: others.map((bundlePath, i) => (
        sorts[order.value] ? { bundlePath, indexWeight: 10 ** (-6 * (i + 1)) } : { bundlePath })),
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
