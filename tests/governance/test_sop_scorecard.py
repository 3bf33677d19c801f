"""The scorecard's reads beside the diagnostic (governance.sop.scorecard) and its charts: the
KPI trends over the twelve months ending with the cycle's month, the exception backlog by
kind and age (and its short reuse), and the static SVG charts of print and the PDF."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from governance.choices import ExceptionKind, ExceptionStatus
from governance.kpis.models import KpiSnapshot
from governance.models import PlanningException
from governance.selectors import LocationScope
from governance.sop.charts import kpi_text, latest, trend_svg
from governance.sop.scorecard import exception_backlog, kpi_trends, trend_months
from tests.factories import make_exception, make_item, make_location

# Ages and overdue counts are relative to a pinned today (2026-11-25).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
WHOLE = LocationScope(whole_network=True)


def _snapshot(period: date, location, **values) -> KpiSnapshot:
    return KpiSnapshot.objects.create(
        period_start=period, location=location, computed_at=timezone.now(), **values
    )


def test_trend_months_are_the_twelve_ending_with_the_cycles_month():
    assert trend_months(date(2026, 11, 1)) == (date(2025, 12, 1), date(2026, 11, 30))
    assert trend_months(date(2026, 1, 1)) == (date(2025, 2, 1), date(2026, 1, 31))


def test_kpi_trends_are_monthly_within_the_window_and_the_scope():
    north, south = make_location("N"), make_location("S")
    _snapshot(date(2025, 11, 24), north, demand_units=10, shipped_units=1)  # before the window
    _snapshot(date(2026, 10, 5), north, demand_units=10, shipped_units=9, inventory_value=100)
    _snapshot(date(2026, 10, 12), north, demand_units=10, shipped_units=7, inventory_value=300)
    _snapshot(date(2026, 11, 2), north, demand_units=4, shipped_units=4, excess_value=50)
    _snapshot(date(2026, 11, 2), south, demand_units=6, shipped_units=0, obsolete_value=20)
    charts = {chart["key"]: chart for chart in kpi_trends(scope=WHOLE, month=date(2026, 11, 1))}
    assert len(charts) == 7
    fill = charts["fill_rate"]
    assert fill["periods"] == ["2026-10-01", "2026-11-01"]
    # October: (9 + 7) / (10 + 10); November: (4 + 0) / (4 + 6).
    assert fill["series"][0]["values"] == [0.8, 0.4]
    assert fill["unit"] == "share" and "units shipped from stock" in fill["formula"]
    # Levels are averaged over the weeks computed in the month: (100 + 300) / 2.
    assert charts["inventory_value"]["series"][0]["values"] == [200.0, 0.0]
    excess, obsolete = charts["excess_value_obsolete_value"]["series"]
    assert (excess["values"], obsolete["values"]) == ([0.0, 50.0], [0.0, 20.0])
    north_only = LocationScope(whole_network=False, location_ids=frozenset({north.pk}))
    scoped = kpi_trends(scope=north_only, month=date(2026, 11, 1))[0]
    assert scoped["series"][0]["values"] == [0.8, 1.0]
    nothing = kpi_trends(scope=LocationScope(whole_network=False), month=date(2026, 11, 1))
    assert all(not chart["periods"] for chart in nothing)


def test_kpi_trends_end_with_the_last_week_with_demand():
    north = make_location("N")
    _snapshot(date(2026, 11, 2), north, demand_units=10, shipped_units=9, inventory_value=100)
    # The week in progress: its stock is loaded, its demand not yet.
    _snapshot(date(2026, 11, 23), north, inventory_value=300)
    charts = {chart["key"]: chart for chart in kpi_trends(scope=WHOLE, month=date(2026, 11, 1))}
    assert charts["inventory_value"]["series"][0]["values"] == [100.0]  # not (100 + 300) / 2
    assert charts["fill_rate"]["series"][0]["values"] == [0.9]


def _raised(code: str, days_ago: int, location, **fields) -> PlanningException:
    exception = make_exception(make_item(code), location, **fields)
    created = timezone.now() - timedelta(days=days_ago, hours=1)
    PlanningException.objects.filter(pk=exception.pk).update(created_at=created)
    return exception


def test_the_backlog_counts_open_exceptions_by_kind_age_and_due_date():
    dc, other = make_location("DC"), make_location("OTHER")
    today = timezone.localdate()
    _raised("A", 2, dc, money_at_risk=Decimal("100.50"), due_date=today - timedelta(days=1))
    _raised("B", 7, dc, due_date=today)  # 7 days and 1 hour: the second bucket; due today
    _raised("C", 45, dc, kind=ExceptionKind.EXCESS_RISK, status=ExceptionStatus.IN_PROGRESS)
    _raised("D", 200, dc, kind=ExceptionKind.EXCESS_RISK, money_at_risk=Decimal("9"))
    _raised("E", 1, dc, status=ExceptionStatus.RESOLVED)  # closed: not in the backlog
    _raised("F", 1, other)  # outside the scope below
    scope = LocationScope(whole_network=False, location_ids=frozenset({dc.pk}))
    backlog = exception_backlog(scope=scope)
    kinds = {kind["kind"]: kind for kind in backlog["kinds"]}
    assert list(kinds) == [ExceptionKind.EXCESS_RISK, ExceptionKind.DATA_QUALITY]  # choices order
    assert backlog["ages"] == ["≤ 7 days", "8–30 days", "31–90 days", "> 90 days"]
    data = kinds[ExceptionKind.DATA_QUALITY]
    assert (data["count"], data["ages"], data["overdue"], data["money"]) == (
        2,
        [1, 1, 0, 0],
        1,
        100.5,
    )
    excess = kinds[ExceptionKind.EXCESS_RISK]
    assert (excess["count"], excess["ages"], excess["money"]) == (2, [0, 0, 1, 1], 9.0)
    assert (backlog["count"], backlog["overdue"], backlog["money"]) == (4, 1, 109.5)
    assert exception_backlog(scope=LocationScope(whole_network=False))["kinds"] == []


def test_pages_reuse_the_backlog_for_a_while_and_a_sign_off_counts_afresh():
    dc = make_location("DC")
    first = exception_backlog(scope=WHOLE, max_age=120)
    _raised("NEW", 0, dc)
    assert exception_backlog(scope=WHOLE, max_age=120) == first  # reused
    assert exception_backlog(scope=WHOLE)["count"] == 1  # counted afresh
    assert exception_backlog(scope=WHOLE, max_age=120)["count"] == 1  # the fresh count reused


def test_the_static_chart_escapes_its_text_and_says_when_there_is_no_data():
    chart = {
        "title": "<script>x</script>",
        "unit": "share",
        "periods": ["2026-10-01", "2026-11-01"],
        "series": [{"key": "k", "label": "K", "values": [0.5, None]}],
    }
    svg = str(trend_svg(chart))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<polyline") == 1 and "Oct 2026" in svg and "Nov 2026" in svg
    assert latest(chart) == "50 %"
    empty = str(trend_svg(chart | {"series": [{"key": "k", "label": "K", "values": [None]}]}))
    assert "no data" in empty
    assert (kpi_text(1234.4, "currency"), kpi_text(4.25, "times"), kpi_text(None, "share")) == (
        "1,234",
        "4.2×",
        "—",
    )
