"""The query string of a page's links: filters kept, paging and open forms dropped."""

from django.http import HttpRequest, QueryDict


def query_without(request: HttpRequest, *names: str) -> QueryDict:
    """The request's query string less ``names``."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query


def query_with(query: QueryDict, **values: str) -> str:
    """``query`` with ``values`` set, encoded."""
    query = query.copy()
    for name, value in values.items():
        query[name] = value
    return query.urlencode()


def int_or_none(text: str | None) -> int | None:
    """A positive id from a query parameter; None when it is missing or not one."""
    return int(text) if text and text.isdigit() and len(text) < 19 else None
