"""What the GOV.UK pagination component (templates: providers/_pagination.html) needs for a page
of a Django Paginator, keeping the page's other query parameters (its filters)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.http import QueryDict


def _page_url(path: str, query: QueryDict, number: int) -> str:
    params = query.copy()
    params.pop("page", None)
    if number > 1:
        params["page"] = str(number)
    encoded = params.urlencode()
    return f"{path}?{encoded}" if encoded else path


def pagination(page: Page[Any], path: str, query: QueryDict) -> dict[str, Any] | None:
    """What the GOV.UK pagination component needs: first, last, current ±1, with ellipses."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append(
                {
                    "number": number,
                    "href": _page_url(path, query, int(number)),
                    "current": number == page.number,
                }
            )
    return {
        "items": items,
        "previous": _page_url(path, query, page.number - 1) if page.has_previous() else None,
        "next": _page_url(path, query, page.number + 1) if page.has_next() else None,
    }
