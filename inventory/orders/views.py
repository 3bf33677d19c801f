"""The recommended orders page and its CSV / XLSX export.

Reads come from ``inventory.orders.selectors`` (limited to the user's locations); these views
translate HTTP.
"""

from django.contrib.auth.decorators import permission_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from governance.selectors import NO_SCOPE_MESSAGE, location_scope
from inventory.filtersets import NO_LANE, OrderFilterSet
from inventory.orders.charts import orders_by_week_figure
from inventory.orders.export import HEADER, export_rows
from inventory.orders.selectors import (
    DEFAULT_HORIZON_WEEKS,
    NO_SUPPLIER,
    order_totals,
    orders_visible_to,
)
from inventory.reasons import BINDING_TEXT, binding_text
from sop_platform.charts import figure_payload
from sop_platform.exports import export_response
from sop_platform.keyset import BadCursor, Ordering, keyset_page
from sop_platform.querystrings import query_without
from supply.models import Supplier

VIEW_ORDERS = "inventory.view_policyrecommendation"
ROWS_PER_PAGE = 50
SORTS = {  # the first is the default: it pages by index, at 1M rows too (docs/runs.md)
    "sku": ("SKU, then location", Ordering(("item__sku", "location__code", "pk"))),
    "date": ("Order date", Ordering(("order_date", "item_id", "location_id", "pk"))),
    "value": ("Largest value first", Ordering(("-value", "pk"))),
}
DEFAULT_SORT = next(iter(SORTS))
NOT_FILTERS = ("sort", "after")


def _filters(request: HttpRequest) -> OrderFilterSet:
    data = query_without(request, *NOT_FILTERS)
    return OrderFilterSet(data, queryset=orders_visible_to(user=request.user))


@require_GET
@permission_required(VIEW_ORDERS, raise_exception=True)
def orders(request: HttpRequest) -> HttpResponse:
    """The orders due now or within the horizon at the user's locations, filtered and
    sorted, 50 a page (keyset); the first page has the totals of the filtered set by supplier
    and week (one aggregate over every matching order: later pages leave it out)."""
    filters = _filters(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else DEFAULT_SORT
    try:
        page = keyset_page(
            filters.qs, SORTS[sort][1], cursor=request.GET.get("after"), size=ROWS_PER_PAGE
        )
    except BadCursor as error:
        return HttpResponseBadRequest(str(error))
    totals = order_totals(filters.qs) if page.first else None
    scope = location_scope(user=request.user)
    query = query_without(request, "after")
    next_query = query.copy()
    next_query["after"] = page.next_cursor or ""
    context = {
        "filters": filters,
        "rows": [_row(rec) for rec in page.rows],
        "page": page,
        "query": query.urlencode(),
        "next_query": next_query.urlencode() if page.has_next else "",
        "export_query": query_without(request, "after", "sort").urlencode(),
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "bindings": list(BINDING_TEXT.items()),
        "location_codes": scope.locations().order_by("code").values_list("code", flat=True),
        "supplier_codes": Supplier.objects.order_by("code").values_list("code", flat=True),
        "no_lane": NO_LANE,
        "no_supplier": NO_SUPPLIER,
        "default_horizon": DEFAULT_HORIZON_WEEKS,
        "totals": totals,
        "week_chart": (
            figure_payload(orders_by_week_figure(totals.by_week))
            if totals and totals.by_week
            else None
        ),
        "today": timezone.localdate(),
        "no_scope": NO_SCOPE_MESSAGE if scope.is_empty else "",
    }
    return render(request, "inventory/orders.html", context)


def _row(rec) -> dict:
    """A row as the table shows it: the order's timing and how its quantity was rounded."""
    today = timezone.localdate()
    lane = rec.supplier_lane
    return {
        "rec": rec,
        "lane": lane,
        "now": rec.periods_until_order == 0,
        "overdue": rec.periods_until_order != 0 and rec.order_date < today,
        "binding_words": binding_text(rec.binding_constraint),
    }


@require_GET
@permission_required(VIEW_ORDERS, raise_exception=True)
def orders_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered orders as CSV (streamed, any size) or XLSX (sop_platform.exports)."""
    return export_response(
        fmt, _filters(request).qs, name="orders", header=HEADER, lines=export_rows
    )
