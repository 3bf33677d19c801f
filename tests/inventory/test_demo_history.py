"""The demo's weekly stock history (inventory/demo/history.py, buying.py): positions consistent
with the receipts and purchase orders, stable stock, plausible service, expedites, write-offs.

One network with all three echelons (30 SKUs x 12 locations x 52 weeks) is loaded once per
module and committed; tests that load again use ``replace`` inside their own transaction.
"""

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest
from django.db import connection, transaction

from demand.models import DemandHistory
from governance.kpis.models import Expedite, WriteOff
from inventory.demo.loader import LOADED_MODELS
from inventory.demo.service import demo_network_load
from inventory.demo.spec import STOCK_WARM_UP_WEEKS
from inventory.models import InventoryPosition, Item, Location
from sop_platform.bulk.writer import bulk_writer
from supply.models import PurchaseOrderLine, Receipt, SupplierLane

END = date(2025, 6, 2)
SKUS, LOCATIONS, WEEKS, SEED = 30, 12, 52, 5
KEPT = WEEKS - STOCK_WARM_UP_WEEKS
FIRST = END - timedelta(weeks=KEPT)  # the first Monday with a position
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def network(django_db_setup, django_db_blocker):
    """The module's demo network, committed; removed again after the module."""
    with django_db_blocker.unblock():
        yield demo_network_load(
            skus=SKUS, locations=LOCATIONS, weeks=WEEKS, seed=SEED, end_date=END
        )
        with transaction.atomic():
            bulk_writer(connection).flush(LOADED_MODELS)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _positions(**filters) -> dict[tuple[int, int, date], tuple[float, float]]:
    rows = InventoryPosition.objects.filter(**filters).values_list(
        "item", "location", "as_of", "on_hand", "in_transit"
    )
    return {(i, loc, d): (on_hand, transit) for i, loc, d, on_hand, transit in rows}


def _receipts() -> dict[tuple[int, int, date], float]:
    """Units received per (item, central DC, week's Monday)."""
    weekly: dict[tuple[int, int, date], float] = defaultdict(float)
    rows = Receipt.objects.values_list(
        "po_line__item", "po_line__destination", "receipt_date", "quantity"
    )
    for item, location, day, quantity in rows:
        weekly[(item, location, _monday(day))] += quantity
    return weekly


def test_history_stock_is_never_negative_and_central_stock_only_grows_by_receipts():
    assert not InventoryPosition.objects.exclude(as_of=END).filter(on_hand__lt=0).exists()
    centrals = list(Location.objects.filter(echelon=1).values_list("pk", flat=True))
    stock, received = _positions(location__in=centrals), _receipts()
    checked = 0
    for (item, location, day), (on_hand, _) in stock.items():
        following = stock.get((item, location, day + timedelta(weeks=1)))
        if following is not None and day + timedelta(weeks=1) < END:
            # next opening = this opening + receipts - shipped - sent on - written off
            assert following[0] <= on_hand + received[(item, location, day)] + 1e-9
            checked += 1
    assert checked > 0.9 * SKUS * len(centrals) * (KEPT - 1)


def test_central_in_transit_is_what_was_ordered_and_not_yet_received():
    ordered: dict[tuple[int, int], list[tuple[date, float]]] = defaultdict(list)
    for item, location, day, quantity in PurchaseOrderLine.objects.values_list(
        "item", "destination", "order_date", "quantity"
    ):
        ordered[(item, location)].append((day, quantity))
    received: dict[tuple[int, int], list[tuple[date, float]]] = defaultdict(list)
    for item, location, day, quantity in Receipt.objects.values_list(
        "po_line__item", "po_line__destination", "receipt_date", "quantity"
    ):
        received[(item, location)].append((day, quantity))
    centrals = Location.objects.filter(echelon=1)
    for (item, location, day), (_, in_transit) in _positions(location__in=centrals).items():
        open_units = sum(q for d, q in ordered[(item, location)] if d < day) - sum(
            q for d, q in received[(item, location)] if d < day
        )
        assert in_transit == pytest.approx(open_units), (item, location, day)


def test_order_lines_respect_moq_lot_and_capacity():
    lanes = {
        (lane.item_id, lane.destination_id, lane.supplier_id): lane
        for lane in SupplierLane.objects.all()
    }
    lines = PurchaseOrderLine.objects.values_list("item", "destination", "supplier", "quantity")
    assert lines.exists()
    for item, location, supplier, quantity in lines:
        lane = lanes[(item, location, supplier)]
        assert quantity % lane.lot_size == 0 and quantity >= lane.lot_size
        if lane.capacity_per_period is None:
            assert quantity >= lane.moq
        else:
            assert quantity <= max(lane.capacity_per_period, lane.lot_size)


def _weekly_totals() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Network on hand, demand and units shippable (min(demand, max(on hand, 0) + receipts),
    the KPIs' definition) per history week with positions."""
    weeks = {FIRST + timedelta(weeks=w): w for w in range(KEPT)}
    on_hand, demand, shipped = np.zeros(KEPT), np.zeros(KEPT), np.zeros(KEPT)
    stock, received = _positions(as_of__lt=END), _receipts()
    for (_, _, day), (units, _) in stock.items():
        on_hand[weeks[day]] += units
    for item, location, day, units in DemandHistory.objects.filter(
        period_start__gte=FIRST
    ).values_list("item", "location", "period_start", "quantity"):
        opening = stock.get((item, location, day), (0.0, 0.0))[0]
        demand[weeks[day]] += units
        shipped[weeks[day]] += min(units, max(opening, 0) + received[(item, location, day)])
    return on_hand, demand, shipped


def test_stock_stays_level_and_service_is_that_of_a_static_policy():
    on_hand, demand, shipped = _weekly_totals()
    quarter = KEPT // 4
    assert 0.5 < on_hand[-quarter:].mean() / on_hand[:quarter].mean() < 2
    fill = shipped.sum() / demand.sum()
    assert 0.8 < fill < 0.99


def test_expedites_at_dcs_and_write_offs_at_cost():
    expedites = Expedite.objects.select_related("location")
    assert expedites.exists()
    assert {e.location.echelon for e in expedites} <= {1, 2}
    start = END - timedelta(weeks=WEEKS)
    assert all(start <= e.expedite_date < END and e.cost > 0 for e in expedites)
    assert set(expedites.values_list("reason", flat=True)) == {"Short at the DC"}
    write_offs = WriteOff.objects.select_related("item")
    assert write_offs.exists()
    assert set(write_offs.values_list("reason", flat=True)) <= {
        "Past its shelf life",
        "End of life",
    }
    for write_off in write_offs:
        cost = write_off.item.unit_cost or 0
        assert float(write_off.value) == pytest.approx(write_off.quantity * float(cost), abs=0.01)
        assert END - timedelta(weeks=WEEKS) <= write_off.write_off_date < END
    perishable = set(Item.objects.exclude(shelf_life_days=None).values_list("pk", flat=True))
    ended = set(Item.objects.filter(lifecycle_status="end_of_life").values_list("pk", flat=True))
    assert set(write_offs.values_list("item", flat=True)) <= perishable | ended


def test_fewer_stock_weeks_write_the_same_recent_positions():
    full = _positions(as_of__gte=END - timedelta(weeks=3))
    expedites = set(Expedite.objects.values_list("reference", "cost"))
    demo_network_load(
        skus=SKUS, locations=LOCATIONS, weeks=WEEKS, seed=SEED, end_date=END, stock_weeks=3,
        replace=True,
    )  # fmt: skip
    assert _positions() == full
    assert set(Expedite.objects.values_list("reference", "cost")) == expedites
    demo_network_load(
        skus=SKUS, locations=LOCATIONS, weeks=WEEKS, seed=SEED, end_date=END, stock_weeks=0,
        replace=True,
    )  # fmt: skip
    assert _positions() == {key: value for key, value in full.items() if key[2] == END}
