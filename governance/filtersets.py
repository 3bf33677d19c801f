"""Filters of the governance models, shared by the API and the planner pages."""

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionStatus, ProposalStatus
from governance.kpis.models import Expedite, WriteOff
from governance.models import PlanningException, PolicyProposal
from sop_platform.filtersets import IntegerFilter, MoneyFilter, StrictBooleanFilter, StrictFilterSet

MINE, UNASSIGNED = "mine", "unassigned"


class PlanningExceptionFilterSet(StrictFilterSet):
    """``run`` is the run that last found the exception; item, location and owner by natural
    key; ``status`` may repeat (``?status=open&status=in_progress``); ``sku`` is a part of the
    SKU; ``assigned`` is ``mine`` (the caller's) or ``unassigned``; ``due_by`` a last due date;
    ``overdue`` open or in progress and due before today; ``min_money`` a least money at
    risk. The inbox (governance.inbox) and ``/api/v1/exceptions/`` use it alike."""

    # No DISTINCT (django-filter's default here): no filter joins many rows, and DISTINCT over
    # every column keeps PostgreSQL from walking the inbox's indexes in order.
    status = filters.MultipleChoiceFilter(choices=ExceptionStatus.choices, distinct=False)
    run = IntegerFilter(field_name="last_run_id")
    item = filters.CharFilter(field_name="item__sku")
    sku = filters.CharFilter(field_name="item__sku", lookup_expr="icontains", max_length=64)
    location = filters.CharFilter(field_name="location__code")
    owner = filters.CharFilter(field_name="owner__username")
    assigned = filters.ChoiceFilter(
        choices=[(MINE, "Mine"), (UNASSIGNED, "Unassigned")], method="filter_assigned"
    )
    due_by = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    overdue = StrictBooleanFilter(method="filter_overdue")
    min_money = MoneyFilter(field_name="money_at_risk", lookup_expr="gte")

    class Meta:
        model = PlanningException
        fields = [
            "kind",
            "status",
            "severity",
            "run",
            "item",
            "sku",
            "location",
            "owner",
            "assigned",
            "due_by",
            "overdue",
            "min_money",
        ]

    def filter_assigned(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The caller's exceptions (none without a signed-in caller), or nobody's."""
        if value == UNASSIGNED:
            return queryset.filter(owner__isnull=True)
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(owner=user)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        """Open or in progress and due before today (``false``: every other one)."""
        late = Q(status__in=OPEN_EXCEPTION_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class PolicyProposalFilterSet(StrictFilterSet):
    """``status`` may repeat; item, location and proposer by natural key; ``run``."""

    status = filters.MultipleChoiceFilter(choices=ProposalStatus.choices)
    run = IntegerFilter(field_name="run_id")
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    proposed_by = filters.CharFilter(field_name="proposed_by__username")

    class Meta:
        model = PolicyProposal
        fields = ["kind", "status", "run", "item", "location", "proposed_by"]


class ExpediteFilterSet(StrictFilterSet):
    """Expedites by natural key of item and location, and by a range of dates."""

    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    expedite_date = filters.DateFromToRangeFilter()

    class Meta:
        model = Expedite
        fields = ["reference", "item", "location", "expedite_date", "source"]


class WriteOffFilterSet(StrictFilterSet):
    """Write-offs by natural key of item and location, and by a range of dates."""

    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    write_off_date = filters.DateFromToRangeFilter()

    class Meta:
        model = WriteOff
        fields = ["reference", "item", "location", "write_off_date", "source"]
