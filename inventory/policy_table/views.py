"""The policy table page, its CSV / XLSX export and proposing the selected rows.

Reads come from ``inventory.policy_table.selectors`` (limited to the user's locations),
proposals go through ``governance.proposals``; these views translate HTTP.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from governance.proposals import PROPOSE, proposal_from_recommendation
from governance.selectors import location_scope
from inventory.filtersets import DEMAND_PATTERNS, PolicyTableFilterSet
from inventory.policy_table.export import HEADER, export_rows
from inventory.policy_table.rows import table_row
from inventory.policy_table.selectors import (
    RISK_CHOICES,
    STATUS_CHOICES,
    open_proposals_of,
    policy_table_rows,
)
from inventory.runs.scope import SEGMENTS
from sop_platform.exports import export_response
from sop_platform.keyset import BadCursor, Ordering, keyset_page
from sop_platform.querystrings import query_with, query_without
from sop_platform.redirects import return_url

VIEW_POLICIES = "inventory.view_inventorypolicy"
ROWS_PER_PAGE = 50
MAX_SELECTED = 200
SORTS = {
    "sku": ("SKU, then location", Ordering(("item__sku", "location__code", "pk"))),
    "location": ("Location, then SKU", Ordering(("location__code", "item__sku", "pk"))),
    "change": ("Largest money change first", Ordering(("-change_size", "pk"))),
}
NOT_FILTERS = ("sort", "after")


def _filters(request: HttpRequest) -> PolicyTableFilterSet:
    data = query_without(request, *NOT_FILTERS)
    return PolicyTableFilterSet(data, queryset=policy_table_rows(user=request.user))


@require_GET
@permission_required(VIEW_POLICIES, raise_exception=True)
def policy_table(request: HttpRequest) -> HttpResponse:
    """Every SKU-location in the user's scope, filtered and sorted, 50 a page (keyset)."""
    filters = _filters(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "sku"
    try:
        page = keyset_page(
            filters.qs, SORTS[sort][1], cursor=request.GET.get("after"), size=ROWS_PER_PAGE
        )
    except BadCursor as error:
        return HttpResponseBadRequest(str(error))
    proposals = open_proposals_of(page.rows)
    back = quote(request.get_full_path(), safe="")
    rows = [
        table_row(rec, proposals.get((rec.item_id, rec.location_id)), back=back)
        for rec in page.rows
    ]
    query = query_without(request, "after")
    context = {
        "filters": filters,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "export_query": query_without(request, "after", "sort").urlencode(),
        "next_query": query_with(query, after=page.next_cursor) if page.has_next else "",
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "segments": SEGMENTS,
        "patterns": DEMAND_PATTERNS,
        "risks": RISK_CHOICES,
        "statuses": STATUS_CHOICES,
        "location_codes": location_scope(user=request.user)
        .locations()
        .order_by("code")
        .values_list("code", flat=True),
        "can_propose": request.user.has_perm(PROPOSE),
        "max_selected": MAX_SELECTED,
        "today": timezone.localdate(),
    }
    return render(request, "inventory/policy_table.html", context)


@require_GET
@permission_required(VIEW_POLICIES, raise_exception=True)
def policy_table_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered rows as CSV (streamed, any size) or XLSX (sop_platform.exports)."""
    return export_response(
        fmt, _filters(request).qs, name="policies", header=HEADER, lines=export_rows
    )


@require_POST
@permission_required([VIEW_POLICIES, PROPOSE], raise_exception=True)
def policy_table_propose(request: HttpRequest) -> HttpResponse:
    """Propose the selected rows' recommendations as is, one proposal each (each audited);
    rows the service refuses are named in the message. Back to the table as it was."""
    ids = request.POST.getlist("rec")
    if not ids or len(ids) > MAX_SELECTED or not all(i.isdigit() for i in ids):
        return HttpResponseBadRequest(f"Select between 1 and {MAX_SELECTED} rows to propose.")
    chosen = policy_table_rows(user=request.user).filter(pk__in=ids)
    proposed, refused = 0, []
    for recommendation in chosen:  # PermissionDenied goes on to Django: 403
        try:
            proposal_from_recommendation(user=request.user, recommendation=recommendation)
        except ValidationError as error:
            refused.append(
                f"{recommendation.item.sku} at {recommendation.location.code}: "
                f"{' '.join(error.messages)}"
            )
        else:
            proposed += 1
    missing = len(set(ids)) - proposed - len(refused)
    if proposed:
        messages.success(
            request, f"{proposed} proposal{'s' if proposed != 1 else ''} sent for approval."
        )
    for reason in refused:
        messages.error(request, f"Not proposed: {reason}")
    if missing:
        messages.error(
            request,
            f"{missing} selected row(s) are no longer in the table (a newer "
            "run replaced them or they are outside your locations).",
        )
    return redirect(return_url(request, request.POST.get("next"), reverse("inventory:policies")))
