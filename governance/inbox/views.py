"""The exceptions inbox: every exception in the user's scope, across runs, filtered, ranked by
money at risk, handled one by one or many at once. Reads come from governance.inbox.selectors,
writes go through governance.services and governance.exceptions_bulk; these views only
translate HTTP."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from governance.choices import ExceptionKind, ExceptionStatus, Severity
from governance.escalations.rules import rule_words
from governance.exceptions_bulk import BulkOutcome, planning_exceptions_update_many
from governance.filtersets import MINE, UNASSIGNED, PlanningExceptionFilterSet
from governance.forms import (
    ExceptionHandleForm,
    exception_handle,
    exception_owner_candidates,
    exception_row,
)
from governance.inbox.forms import ExceptionBulkForm
from governance.inbox.selectors import (
    DEFAULT_SORT,
    DEFAULT_STATUSES,
    SORTS,
    inbox_exceptions,
    inbox_sorted,
    kind_counts,
)
from governance.models import PlanningException
from governance.selectors import NO_SCOPE_MESSAGE, location_scope
from governance.services import HANDLE_EXCEPTIONS
from sop_platform.keyset import BadCursor, keyset_page
from sop_platform.querystrings import int_or_none

VIEW_EXCEPTIONS = "governance.view_planningexception"
PAGE_SIZE = 50
NOT_FILTERS = ("sort", "after", "handle")  # query parameters that choose the page, not rows
REASON_CSS = {
    ExceptionKind.STOCKOUT_RISK: "stockout",
    ExceptionKind.EXCESS_RISK: "excess",
    ExceptionKind.DATA_QUALITY: "data",
    ExceptionKind.DAYS_ON_HAND: "excess",
    ExceptionKind.SERVICE_BELOW_TARGET: "stockout",
}
REFUSALS_LISTED = 20  # refused rows named one by one in the message; beyond, counted


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW_EXCEPTIONS, raise_exception=True)
def inbox(request: HttpRequest) -> HttpResponse:
    """The inbox (GET); POST handles one exception (owner, status, due date, a note)."""
    if request.method == "POST":
        return _handle(request)
    return _page(request)


@require_POST
@permission_required([VIEW_EXCEPTIONS, HANDLE_EXCEPTIONS], raise_exception=True)
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Give the selected exceptions an owner and/or a status (and a note), each through the
    service; back to the inbox as it was, with what changed and what was refused and why."""
    form = ExceptionBulkForm(request.POST, owners=exception_owner_candidates())
    if form.is_valid():
        outcome = planning_exceptions_update_many(
            user=request.user, selected=form.cleaned_data["selected"], **form.changes()
        )
        _report(request, outcome)
    else:
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            prefix = f"{field.label or name.capitalize()}: " if field else ""
            messages.error(request, f"{prefix}{' '.join(errors)}")
    return redirect(_inbox_url(QueryDict(request.POST.get("query", ""))))


def _inbox_url(query: QueryDict, anchor: str = "") -> str:
    """The inbox with ``query`` (re-encoded: only parameters, never another address)."""
    text = query.urlencode()
    return f"{reverse('governance:exceptions')}{'?' + text if text else ''}{anchor}"


def _report(request: HttpRequest, outcome: BulkOutcome) -> None:
    changed = len(outcome.changed)
    messages.success(request, f"{changed} exception{'' if changed == 1 else 's'} changed.")
    if outcome.unchanged:
        messages.info(request, f"{len(outcome.unchanged)} already as asked, left as they were.")
    if outcome.refused:
        listed = list(outcome.refused.items())[:REFUSALS_LISTED]
        more = len(outcome.refused) - len(listed)
        text = " ".join(f"#{pk}: {why}" for pk, why in listed)
        messages.warning(
            request,
            f"{len(outcome.refused)} refused. {text}{f' … and {more} more.' if more else ''}",
        )


def _handle(request: HttpRequest) -> HttpResponse:
    """One exception's handling form, posted to the inbox (the query string keeps the page)."""
    if not request.user.has_perm(HANDLE_EXCEPTIONS):
        raise PermissionDenied("Handling exceptions needs the planner or manager role.")
    pk = request.POST.get("exception", "")
    if not pk.isdigit() or len(pk) > 18:
        return HttpResponseBadRequest("exception: the number of an exception is expected.")
    exception = get_object_or_404(inbox_exceptions(user=request.user), pk=int(pk))
    owners = list(exception_owner_candidates())
    outcome = exception_handle(request.POST, exception=exception, user=request.user, owners=owners)
    if outcome.conflict:
        return _page(request, bound=outcome.form, status=409)
    if not outcome.saved:
        return _page(request, bound=outcome.form, status=400)
    done = "updated" if outcome.changed else "nothing changed"
    messages.success(request, f"Exception #{exception.pk}: {done}.")
    query = request.GET.copy()
    query.pop("handle", None)
    return redirect(_inbox_url(query, f"#exception-{exception.pk}"))


def _filter_data(request: HttpRequest) -> QueryDict:
    """The query string as filter input; open and in-progress exceptions unless a status is
    chosen."""
    data = request.GET.copy()
    for name in NOT_FILTERS:
        data.pop(name, None)
    if not data.getlist("status"):
        data.setlist("status", DEFAULT_STATUSES)
    return data


def _page(
    request: HttpRequest, *, bound: ExceptionHandleForm | None = None, status: int = 200
) -> HttpResponse:
    """The inbox page; the row named by ``?handle=`` gets the handling form, or the row of
    ``bound``, a form that failed, with its errors."""
    scope = location_scope(user=request.user)
    exceptions = inbox_exceptions(user=request.user)
    data = _filter_data(request)
    filters = PlanningExceptionFilterSet(data, queryset=exceptions, request=request)
    other_kinds = data.copy()
    other_kinds.pop("kind", None)  # the counts let one switch kinds: every kind counted
    counted = PlanningExceptionFilterSet(other_kinds, queryset=exceptions, request=request)
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        messages.error(request, f"Sort: {sort!r} is not one of {', '.join(SORTS)}; by money.")
        sort = DEFAULT_SORT
    page = _keyset_page(request, inbox_sorted(filters.qs, sort), sort)
    can_handle = request.user.has_perm(HANDLE_EXCEPTIONS)
    owners = list(exception_owner_candidates()) if can_handle else []
    counts = kind_counts(counted.qs)
    chosen_kind = filters.form.cleaned_data.get("kind") if filters.is_valid() else ""
    context = {
        "rows": _rows(request, page.rows, bound, owners if can_handle else None),
        "page": page,
        "filters": filters,
        "filter_data": data,
        "counts": counts,
        "total": sum(c.count for c in counts if not chosen_kind or c.kind == chosen_kind),
        "total_capped": any(c.capped for c in counts if not chosen_kind or c.kind == chosen_kind),
        "chosen_kind": chosen_kind,
        "chosen_statuses": data.getlist("status"),
        "tab": data.get("assigned", ""),
        "tabs": [("", "All in scope"), (MINE, "Mine"), (UNASSIGNED, "Unassigned")],
        "sort": sort,
        "sorts": [(name, choice.label) for name, choice in SORTS.items()],
        "kinds": ExceptionKind.choices,
        "severities": Severity.choices,
        "statuses": ExceptionStatus.choices,
        "location_codes": list(scope.locations().order_by("code").values_list("code", flat=True)),
        "no_scope": NO_SCOPE_MESSAGE if scope.is_empty else "",
        "can_handle": can_handle,
        "bulk_form": ExceptionBulkForm(owners=owners) if can_handle else None,
        "query": request.GET.urlencode(),
    }
    placed = any(row["form"] is bound for row in context["rows"])
    context["unplaced_form"] = None if placed else bound  # a failed form off this page
    return render(request, "governance/inbox.html", context, status=status)


def _keyset_page(request: HttpRequest, rows, sort: str):
    """The page after ``?after=``; the first page, with a message, when the cursor is not one
    of this sort's (edited, or from another sort: its values do not fit the fields)."""
    ordering = SORTS[sort].ordering
    try:
        return keyset_page(rows, ordering, cursor=request.GET.get("after"), size=PAGE_SIZE)
    except (BadCursor, ValidationError, ValueError, TypeError):
        messages.error(request, "This page link is not valid; here is the first page.")
        return keyset_page(rows, ordering, cursor=None, size=PAGE_SIZE)


def _rows(request: HttpRequest, exceptions: list[PlanningException], bound, owners) -> list:
    """What each row shows; the handling form on the row named by ``?handle=`` (or ``bound``'s
    row), when the user may handle exceptions."""
    handle = bound.exception.pk if bound else int_or_none(request.GET.get("handle"))
    today = timezone.localdate()
    rows = []
    for exception in exceptions:
        form = None
        if bound is not None and exception.pk == handle:
            form = bound
        elif owners is not None and exception.pk == handle:
            form = ExceptionHandleForm(exception=exception, owners=owners)
        rows.append(
            exception_row(exception, form, today)
            | {
                "reason_css": REASON_CSS.get(exception.kind, ""),
                "rule": rule_words(exception.escalation_rule) if exception.escalation_rule else "",
            }
        )
    return rows
