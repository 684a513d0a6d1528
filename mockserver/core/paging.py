"""Paging for list endpoints: a page of items and absolute links to its neighbours.

Links keep the request's other query parameters (its filters), so following ``Next`` pages
through the same filtered list. The page cursor is the ``page`` query parameter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from mockserver.core import context

T = TypeVar("T")
PAGE_PARAMETER = "page"


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    total_pages: int
    links: dict[str, str]


def paginate(items: Sequence[T], page: int | None, size: int, query: dict[str, Any]) -> Page[T]:
    """The ``page``-th page (from 1) of ``items``, with OBIE-style links built on this request."""
    total = max(1, math.ceil(len(items) / size))
    number = min(max(page or 1, 1), total)
    chosen = list(items[(number - 1) * size : number * size])
    links = {
        "Self": page_url(number, query),
        "First": page_url(1, query),
        "Last": page_url(total, query),
    }
    if number > 1:
        links["Prev"] = page_url(number - 1, query)
    if number < total:
        links["Next"] = page_url(number + 1, query)
    return Page(chosen, number, total, links)


def page_url(number: int, query: dict[str, Any]) -> str:
    """This request's absolute URL at page ``number`` (page 1 carries no page parameter)."""
    ctx = context.current()
    params = {k: str(v) for k, v in query.items() if v is not None and k != PAGE_PARAMETER}
    if ctx.namespace != context.DEFAULT_NAMESPACE:
        params[context.NAMESPACE_QUERY] = ctx.namespace
    if number > 1:
        params[PAGE_PARAMETER] = str(number)
    suffix = f"?{urlencode(params)}" if params else ""
    return f"{ctx.extra['base_url']}{ctx.path}{suffix}"
