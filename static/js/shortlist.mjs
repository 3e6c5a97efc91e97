// The search results' shortlist across pages: progressive enhancement. The shortlist travels in
// the search's URL as urn=… (placements/search_views.py); without this script, ticks on the
// current page reach the page links through "Keep ticked settings on the shortlist". With it,
// every page link carries the ticks as they are, so moving to another page loses none.
const form = document.getElementById("shortlist-form");

function ticked() {
  const urns = [];
  for (const input of form.querySelectorAll("input[name='urn']")) {
    if (input.type === "hidden" || input.checked) urns.push(input.value);
  }
  return urns;
}

function updateLinks() {
  const urns = ticked();
  for (const link of document.querySelectorAll(".govuk-pagination a.govuk-pagination__link")) {
    const url = new URL(link.href, window.location.href);
    url.searchParams.delete("urn");
    for (const urn of urns) url.searchParams.append("urn", urn);
    link.href = url.pathname + url.search;
  }
}

if (form) {
  form.addEventListener("change", updateLinks);
  updateLinks();
}
