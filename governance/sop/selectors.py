"""Reads of the S&OP cycle: its month's bounds, its open reviews (the gate), the cycles list."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from governance.choices import ProposalStatus
from governance.models import PolicyProposal
from governance.sop.models import SopCycle


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    """The first day of the month before ``month``."""
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def current_month() -> date:
    """The first day of this month, in the site's time zone."""
    return month_start(timezone.localdate())


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as [start, end) aware datetimes in the site's time zone: proposals are
    counted in the month a person saw on the calendar."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=zone)
    return start, datetime.combine(next_month(month), time.min, tzinfo=zone)


def sop_cycle_open_reviews(*, cycle: SopCycle) -> QuerySet[PolicyProposal]:
    """The gate: policy changes proposed in the cycle's month that still await a decision
    (whole network: the cycle is the network's), oldest first, with what a row shows."""
    start, end = month_bounds(cycle.month)
    return (
        PolicyProposal.objects.filter(
            status=ProposalStatus.PROPOSED, created_at__gte=start, created_at__lt=end
        )
        .select_related("item", "location", "proposed_by")
        .order_by("created_at", "pk")
    )


def open_reviews_by_month() -> dict[date, int]:
    """Proposals awaiting a decision, counted by the month they were proposed in: one query
    for the whole cycles list."""
    zone = timezone.get_current_timezone()
    rows = (
        PolicyProposal.objects.filter(status=ProposalStatus.PROPOSED)
        .annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {_as_date(row["month"], zone): row["count"] for row in rows}


def _as_date(month: date | datetime, zone: ZoneInfo) -> date:
    """TruncMonth gives a datetime on a DateTimeField (a date on some backends)."""
    if isinstance(month, datetime):
        return timezone.localtime(month, zone).date() if timezone.is_aware(month) else month.date()
    return month


def sop_cycles() -> QuerySet[SopCycle]:
    """Every cycle, newest month first, with who signed it off and closed it."""
    return SopCycle.objects.select_related("signed_off_by", "closed_by", "opened_by").order_by(
        "-month"
    )


def sop_cycle_latest() -> SopCycle | None:
    """The cycle of the latest month, or None before the first is opened."""
    return sop_cycles().first()
