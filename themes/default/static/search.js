// The search page: Pagefind's own interface over the bundles the build wrote into
// pagefind/ (data-bundles: all/, or one per year, newest first). The header's search box
// sends ?q=, which starts the search here; the order menu loads the page again with the
// chosen sort (?sort=) and the same words. Without JavaScript the page says search needs
// it (this script hides that line).
//
// One bundle is handed to the interface as it is. Several are searched each on its own
// and merged here (`merged`): Pagefind's own merge orders results by score, which under
// a sort is only a rank within each bundle. Each year's bundle carries its sort keys'
// values (paperpress-sorts.json, ascending runs of [value, pages]), so a result's rank
// turns back into its value and every year's results make one order.
(() => {
  const box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  const sorts = { upvotes: { upvotes: "desc" }, date: { date: "desc" } };
  const order = document.getElementById("search-sort");
  order.parentElement.hidden = false;
  document.getElementById("search-needs-js").hidden = true;
  const bundles = box.dataset.bundles.split(" ");
  const asked = new URLSearchParams(location.search);
  // The order is part of the address (?q=...&sort=upvotes): a change loads the page anew,
  // as a second interface on one page would share, and end, the first one's worker.
  order.value = sorts[asked.get("sort")] ? asked.get("sort") : "";
  const ui = new PagefindUI({
    element: box,
    bundlePath: bundles.length > 1 ? merged(bundles) : bundles[0],
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

  // The interface loads `${bundlePath}pagefind.js` as a module: for several bundles it
  // gets a one-line module (a data: address, whose added "pagefind.js" lands in a
  // comment) that hands every call to `search` below.
  function merged(paths) {
    window.paperpressSearch = search(paths);
    const shim = "const s = window.paperpressSearch;" +
      "export const options = (o) => s.options(o), mergeIndex = async () => {}," +
      " search = (t, o) => s.search(t, o), preload = (t, o) => s.preload(t, o)," +
      " filters = () => s.filters(), destroy = () => s.destroy();//";
    return "data:text/javascript," + encodeURIComponent(shim);
  }

  // Pagefind's module API over every bundle, each loaded as its own module.
  function search(paths) {
    const settings = {};
    let loaded = null;
    const load = () => loaded || (loaded = Promise.all(paths.map(async (path) => {
      const url = new URL(path, location.href).href;
      const pagefind = await import(url + "pagefind.js");
      await pagefind.options(settings);
      let table = null;
      const values = () => table || (table = fetch(url + "paperpress-sorts.json")
        .then((r) => (r.ok ? r.json() : {})).catch(() => ({})));
      return { pagefind, values };
    })));
    return {
      options: async (given) => { Object.assign(settings, given); },
      preload: async (term, given) => {
        await Promise.all((await load()).map((b) => b.pagefind.preload(term, given)));
      },
      filters: async () => merge(await Promise.all((await load()).map((b) => b.pagefind.filters()))),
      destroy: async () => {
        if (loaded) await Promise.all((await loaded).map((b) => b.pagefind.destroy()));
        loaded = null;
      },
      search: async (term, given = {}) => {
        const each = await load();
        const found = await Promise.all(each.map((b) => b.pagefind.search(term, given)));
        const [key, direction] = Object.entries(given.sort || {})[0] || [];
        const results = key
          ? await sorted(found, each, key, direction)
          : found.flatMap((f) => f.results).sort((a, b) => b.score - a.score);
        return {
          results,
          unfilteredResultCount: found.reduce((n, f) => n + f.unfilteredResultCount, 0),
          filters: merge(found.map((f) => f.filters)),
          totalFilters: merge(found.map((f) => f.totalFilters)),
          timings: found.map((f) => f.timings),
        };
      },
    };
  }

  // Every bundle's results in one order of their sort key's values. Under a sort
  // Pagefind scores a result by its rank in its bundle's ascending list of values
  // (negated for "asc"); the bundle's table gives the value at that rank.
  async function sorted(found, each, key, direction) {
    const tables = await Promise.all(each.map((b) => b.values()));
    const sign = direction === "asc" ? 1 : -1;
    const placed = found.flatMap((f, bundle) => {
      const at = valueAt(tables[bundle][key] || []);
      return f.results.map((result, rank) => ({
        result, bundle, rank, value: at(Math.round(result.score * -sign)),
      }));
    });
    const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    placed.sort((a, b) => sign * compare(a.value, b.value) || a.bundle - b.bundle || a.rank - b.rank);
    return placed.map((p) => p.result);
  }

  // The value at a rank of an ascending list given as [value, count] runs.
  function valueAt(runs) {
    const ends = [];
    runs.reduce((end, [, count]) => { ends.push(end + count); return end + count; }, 0);
    return (rank) => {
      let low = 0, high = ends.length - 1;
      if (high < 0) return 0;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (ends[middle] > rank) high = middle; else low = middle + 1;
      }
      return runs[low][0];
    };
  }

  // Filter counts of several bundles, added up: {topic: {Agents: 3}, ...}.
  function merge(counts) {
    const total = {};
    for (const one of counts) {
      for (const [name, values] of Object.entries(one || {})) {
        total[name] = total[name] || {};
        for (const [value, count] of Object.entries(values)) {
          total[name][value] = (total[name][value] || 0) + count;
        }
      }
    }
    return total;
  }
})();
