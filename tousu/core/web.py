"""Helpers of the pages that know no domain: HTMX requests, paging."""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_of(request: HttpRequest, rows: Any) -> Page[Any]:
    """One page of 50 rows of a QuerySet or of ranked search results (anything with `count()`
    and slices): a count and a slice, whatever the size of the list."""
    # Paginator needs `count()` and slices, which RankedMatches has (not the stubs' protocol).
    return Paginator(cast("Any", rows), PAGE_SIZE).get_page(request.GET.get("page"))
