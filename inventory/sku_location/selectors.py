"""Reads of the SKU-location page: the SKU-location in the user's scope, its newest and
previous recommendations, the policy in force and the open proposal, its stock, demand,
forecasts, supply lanes and purchase orders, its exceptions and its audit trail.

Each read is one query whatever the length of the history, the number of orders, exceptions
or audit rows (those are limited to the newest ``*_SHOWN``).
"""

from datetime import date

from django.db.models import Case, F, FloatField, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from demand.models import DemandHistory, Forecast
from governance.audit import AuditEntry, audit_entries, audit_records
from governance.choices import OPEN_EXCEPTION_STATUSES, ProposalStatus
from governance.models import PlanningException, PolicyProposal
from governance.proposals import policy_in_force
from governance.selectors import location_scope
from inventory.models import (
    InventoryPolicy,
    InventoryPosition,
    Item,
    Location,
    NetworkLane,
    PolicyRecommendation,
)
from inventory.runs.models import RecommendationPeriod
from supply.choices import PurchaseOrderStatus
from supply.models import PurchaseOrderLine, SupplierLane

EXCEPTIONS_SHOWN = 50
AUDIT_SHOWN = 50
RECEIVED_LINES_SHOWN = 200
OPEN_LINE_STATUSES = (PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED)


def location_in_scope(*, user, location_pk: int) -> QuerySet[Location]:
    """The location, if it is in the user's scope (empty otherwise: the page answers 404)."""
    return location_scope(user=user).locations().filter(pk=location_pk)


def item_of(*, item_pk: int) -> QuerySet[Item]:
    """The item (empty when unknown)."""
    return Item.objects.filter(pk=item_pk)


def latest_recommendation(*, item: Item, location: Location) -> PolicyRecommendation | None:
    """The newest recommendation of the SKU-location (``is_latest``), with its run and lane."""
    return (
        PolicyRecommendation.objects.filter(item=item, location=location, is_latest=True)
        .select_related("run", "supplier_lane__supplier")
        .order_by("-run_id")
        .first()
    )


def recommendation_periods(*, rec: PolicyRecommendation) -> list[RecommendationPeriod]:
    """The recommendation's time-phased levels, period by period (empty when flat)."""
    return list(RecommendationPeriod.objects.filter(recommendation=rec).order_by("period_start"))


def previous_recommendation(*, rec: PolicyRecommendation) -> PolicyRecommendation | None:
    """The recommendation of the same SKU-location by the run before ``rec``'s, with its run."""
    return (
        PolicyRecommendation.objects.filter(
            item_id=rec.item_id, location_id=rec.location_id, run_id__lt=rec.run_id
        )
        .select_related("run")
        .order_by("-run_id")
        .first()
    )


def policy_now(*, item: Item, location: Location) -> InventoryPolicy | None:
    """The policy in force today (``governance.proposals.policy_in_force``)."""
    return policy_in_force(item.pk, location.pk)


def open_proposal(*, item: Item, location: Location) -> PolicyProposal | None:
    """The proposal awaiting approval, with who made it (at most one exists)."""
    return (
        PolicyProposal.objects.filter(item=item, location=location, status=ProposalStatus.PROPOSED)
        .select_related("proposed_by")
        .first()
    )


def stock_position(*, item: Item, location: Location) -> InventoryPosition | None:
    """The newest stock record."""
    return InventoryPosition.objects.filter(item=item, location=location).order_by("-as_of").first()


def demand_rows(*, item: Item, location: Location, since: date) -> list[tuple[date, float]]:
    """(period start, quantity) of every recorded period from ``since``, oldest first."""
    rows = DemandHistory.objects.filter(item=item, location=location, period_start__gte=since)
    return list(rows.order_by("period_start").values_list("period_start", "quantity"))


def forecast_rows(
    *, item: Item, location: Location, since: date, until: date
) -> list[tuple[date, date, float]]:
    """(period start, made on, quantity) of every forecast version of the periods in
    [``since``, ``until``), by period then version."""
    rows = Forecast.objects.filter(
        item=item, location=location, period_start__gte=since, period_start__lt=until
    )
    return list(
        rows.order_by("period_start", "as_of").values_list("period_start", "as_of", "quantity")
    )


def supplier_lanes(*, item: Item, location: Location) -> list[SupplierLane]:
    """The supplier lanes of the item into the location, with their supplier and lead-time
    actuals; the first (lowest id) is the primary one, whose terms the runs use."""
    lanes = SupplierLane.objects.filter(item=item, destination=location)
    return list(lanes.select_related("supplier", "lead_time_actual").order_by("pk"))


def transfer_lane(*, location: Location) -> NetworkLane | None:
    """The network lane feeding the location as the runs choose it: the origin of lowest
    echelon (then code)."""
    lanes = NetworkLane.objects.filter(destination=location).select_related("origin")
    return lanes.order_by("origin__echelon", "origin__code").first()


def _lines(item: Item, location: Location) -> QuerySet[PurchaseOrderLine]:
    received = Coalesce(Sum("receipt__quantity"), Value(0.0), output_field=FloatField())
    return (
        PurchaseOrderLine.objects.filter(item=item, destination=location)
        .select_related("supplier")
        .annotate(received=received, last_receipt=Max("receipt__receipt_date"))
    )


def open_order_lines(*, item: Item, location: Location) -> list[PurchaseOrderLine]:
    """Open and partly received lines with something left to receive (``received``
    annotated), by promised date."""
    lines = _lines(item, location).filter(status__in=OPEN_LINE_STATUSES)
    lines = lines.filter(received__lt=F("quantity"))
    return list(lines.order_by("promised_date", "pk"))


def received_order_lines(*, item: Item, location: Location) -> list[PurchaseOrderLine]:
    """Lines received in full (``last_receipt`` annotated: the date the last part came), the
    newest ``RECEIVED_LINES_SHOWN``, oldest first: the lead-time actuals' observations."""
    lines = _lines(item, location).filter(last_receipt__isnull=False)
    lines = lines.filter(Q(status=PurchaseOrderStatus.RECEIVED) | Q(received__gte=F("quantity")))
    newest = list(lines.order_by("-last_receipt", "-pk")[:RECEIVED_LINES_SHOWN])
    return newest[::-1]


def exceptions_of(*, item: Item, location: Location) -> list[PlanningException]:
    """The SKU-location's exceptions, open ones first, then newest first, with their owner
    and the run that last saw them; at most ``EXCEPTIONS_SHOWN``."""
    still_open = Case(
        When(status__in=OPEN_EXCEPTION_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    exceptions = PlanningException.objects.filter(item=item, location=location)
    exceptions = exceptions.select_related("owner").annotate(closed=still_open)
    return list(exceptions.order_by("closed", "-created_at", "-pk")[:EXCEPTIONS_SHOWN])


def audit_timeline(*, user, item: Item, location: Location) -> list[AuditEntry]:
    """The newest ``AUDIT_SHOWN`` changes of the SKU-location's policies, proposals and
    exceptions (the Audit page's reads, filtered to it)."""
    records = audit_records(user=user, data={"item": item.sku, "location": location.code})
    return audit_entries(records.records[:AUDIT_SHOWN])
