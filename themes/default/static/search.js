// The search page: Pagefind's own interface over the bundles the build wrote into
// pagefind/ (data-bundles: all/, or one per year, newest first): the first is the main
// index, the others are merged into it, so one search, filter and sort covers them. The
// header's search box sends ?q=, which starts the search here; the order menu loads
// the page again with the chosen sort (?sort=) and the same words. Pagefind merges the
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
  const asked = new URLSearchParams(location.search);
  // The order is part of the address (?q=...&sort=upvotes): a change loads the page anew,
  // as a second interface on one page would share, and end, the first one's worker.
  order.value = sorts[asked.get("sort")] ? asked.get("sort") : "";
  const ui = new PagefindUI({
    element: box,
    bundlePath: main,
    mergeIndex: others.map((bundlePath, i) => (
      sorts[order.value] ? { bundlePath, indexWeight: 10 ** (-6 * (i + 1)) } : { bundlePath })),
    baseUrl: box.dataset.base,
    showSubResults: false,
    showImages: false,
    resetStyles: false,
    sort: sorts[order.value] || null,
    autofocus: !asked.get("q"),
  });
  const input = box.querySelector("input");
  if (input) input.setAttribute("aria-labelledby", "search-title");  // the page's h1
  if (asked.get("q")) ui.triggerSearch(asked.get("q"));
  order.addEventListener("change", () => {
    const field = box.querySelector("input");
    const next = new URLSearchParams();
    if (field && field.value) next.set("q", field.value);
    if (order.value) next.set("sort", order.value);
    location.search = next.toString();
  });
})();
