"""The worked example of docs/kpis.md: a small network whose KPI snapshots were computed by
hand (tests/governance/test_kpi_compute.py has the arithmetic).

Two locations (N, S), three items, four weeks of January 2026 (Mondays W0..W3). Settings:
carrying rate 26 % a year (0.5 % a week), excess cover 14 days, obsolete window 3 weeks.

SKU-location  cost/price  cell             what happens
A@N           10 / 15     N, Tools, AX     policy max 50 (excess in W0), forecasts, expedite
B@N            4 / none   N, Tools, ''     no policy (excess by cover in W1), receipts, two
                                           positions in W1 (the later counts), negative stock
                                           in W2, no position in W3
A@S           10 / 15     S, Tools, BY     a backorder and a stock-out in W0, excess by cover
C@S            2 / 3      S, Parts, ''     stock and only zero demand: obsolete from W2,
                                           written off in W3
"""

from datetime import date, timedelta

import pytest

from demand.models import DemandHistory, Forecast
from governance.kpis.models import Expedite, KpiSettings, WriteOff
from inventory.models import InventoryPosition
from inventory.runs.models import NetworkSegmentation, SkuLocationSegment
from tests.factories import (
    make_item,
    make_location,
    make_po_line,
    make_policy,
    make_receipt,
    make_supplier,
)

W = [date(2026, 1, 5) + timedelta(weeks=k) for k in range(4)]


def _position(item, location, day, on_hand, **fields):
    InventoryPosition.objects.create(
        item=item, location=location, as_of=day, on_hand=on_hand, **fields
    )


def _demand(item, location, quantities):
    for week, quantity in zip(W, quantities, strict=True):
        if quantity is not None:
            DemandHistory.objects.create(
                item=item, location=location, period_start=week, quantity=quantity
            )


def _forecast(item, location, week, quantity, made):
    Forecast.objects.create(
        item=item, location=location, period_start=week, quantity=quantity,
        kind="statistical", as_of=made,
    )  # fmt: skip


@pytest.fixture
def kpi_network():
    KpiSettings.objects.update_or_create(
        pk=1, defaults={"carrying_rate": 0.26, "excess_cover_days": 14, "obsolete_weeks": 3}
    )
    north, south = make_location("N"), make_location("S")
    a = make_item("A", category="Tools", unit_cost=10, unit_price=15)
    b = make_item("B", category="Tools", unit_cost=4, unit_price=None)
    c = make_item("C", category="Parts", unit_cost=2, unit_price=3)
    segmentation = NetworkSegmentation.objects.create(as_of=W[0])
    SkuLocationSegment.objects.create(segmentation=segmentation, item=a, location=north,
                                      segment="AX")  # fmt: skip
    SkuLocationSegment.objects.create(segmentation=segmentation, item=a, location=south,
                                      segment="BY")  # fmt: skip
    # A@N: policy max 50 from W0; in transit 5 in W0.
    make_policy(a, north, effective_from=W[0], max_level=50)
    for week, stock in zip(W, [60, 40, 10, 0], strict=True):
        _position(a, north, week, stock, in_transit=5 if week == W[0] else 0)
    _demand(a, north, [20, 30, 30, 0])
    _forecast(a, north, W[0], 25, W[0] - timedelta(days=7))  # lag 1: counts
    _forecast(a, north, W[0], 7, W[0] - timedelta(days=14))  # older: does not
    _forecast(a, north, W[1], 20, W[1] - timedelta(days=7))
    _forecast(a, north, W[1], 99, W[1])  # made in the week itself: not before it
    # B@N: two positions in W1 (Thursday's counts, with nothing in transit); none in W3.
    _position(b, north, W[0], 100)
    _position(b, north, W[1], 5, in_transit=8)
    _position(b, north, W[1] + timedelta(days=3), 9)
    _position(b, north, W[2], -3)
    _demand(b, north, [2, 14, 4, 5])
    line = make_po_line(make_supplier(), b, north, quantity=11)
    make_receipt(line, receipt_number="R-1", receipt_date=W[1] + timedelta(days=2), quantity=10)
    make_receipt(line, receipt_number="R-2", receipt_date=W[2], quantity=1)
    _forecast(b, north, W[2], 2, W[2] - timedelta(days=3))
    # A@S: a backorder and no stock in W0; no demand row in W2.
    _position(a, south, W[0], 0, backordered=6)
    for week in W[1:]:
        _position(a, south, week, 12)
    _demand(a, south, [6, 3, None, 0])
    # C@S: 50 on hand and zero demand every week.
    for week in W:
        _position(c, south, week, 50)
    _demand(c, south, [0, 0, 0, 0])
    tuesday, friday = W[1] + timedelta(days=1), W[3] + timedelta(days=4)
    Expedite.objects.create(reference="E-1", item=a, location=north, expedite_date=tuesday,
                            quantity=5, cost=120)  # fmt: skip
    WriteOff.objects.create(reference="WO-1", item=c, location=south, write_off_date=friday,
                            quantity=15, value=30)  # fmt: skip
    return {"N": north, "S": south}
