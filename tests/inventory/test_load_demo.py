"""``manage.py load_demo``: the generated network is complete, realistic and deterministic.

Most tests read one network loaded once per module (150 SKUs x 4 locations x 104 weeks) and
committed, so each test's transaction sees it; tests that load again use ``replace`` inside
their own transaction, which rolls back. Runs on SQLite and on PostgreSQL (COPY path).
"""

from datetime import date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from demand.models import DemandHistory, Forecast
from inventory.demo.defects import defects_choose
from inventory.demo.demand import demand_chunk
from inventory.demo.items import items_plan
from inventory.demo.loader import LOADED_MODELS, HistoricalInventoryPolicy
from inventory.demo.network import echelon_layout, network_build
from inventory.demo.patterns import classify
from inventory.demo.service import demo_network_load
from inventory.demo.spec import STOCK_WARM_UP_WEEKS, DemoSpec, monday_of
from inventory.models import (
    InventoryPolicy,
    InventoryPosition,
    Item,
    Location,
    NetworkLane,
    ServiceLevelClass,
)
from sop_platform.bulk.writer import bulk_writer
from supply.models import PurchaseOrderLine, Receipt, Supplier, SupplierLane

END = date(2025, 6, 2)  # a Monday
SKUS, LOCATIONS, WEEKS = 150, 4, 104
SKU_LOCATIONS = SKUS * LOCATIONS
LAST_WEEK = END - timedelta(weeks=1)
INTENDED_SHARES = (0.40, 0.20, 0.25, 0.15)  # smooth, erratic, intermittent, lumpy
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def network(django_db_setup, django_db_blocker):
    """The module's demo network, committed; removed again after the module."""
    with django_db_blocker.unblock():
        summary = demo_network_load(
            skus=SKUS, locations=LOCATIONS, weeks=WEEKS, seed=7, end_date=END
        )
        yield summary
        with transaction.atomic():
            bulk_writer(connection).flush(LOADED_MODELS)


def _series() -> dict[tuple[int, int], np.ndarray]:
    """Stored weekly demand per (item id, location id), in period order."""
    rows = DemandHistory.objects.order_by("item", "location", "period_start").values_list(
        "item_id", "location_id", "quantity"
    )
    series: dict[tuple[int, int], list[float]] = {}
    for item, location, quantity in rows:
        series.setdefault((item, location), []).append(quantity)
    return {key: np.array(values) for key, values in series.items()}


def _syntetos_boylan(quantity: np.ndarray) -> str:
    """Class of one series: ADI = periods / non-zero periods, CV^2 of the non-zero sizes."""
    sizes = quantity[quantity > 0]
    adi = len(quantity) / len(sizes)
    cv2 = sizes.var() / sizes.mean() ** 2
    return (
        ("intermittent" if cv2 <= 0.49 else "lumpy")
        if adi > 1.32
        else ("smooth" if cv2 <= 0.49 else "erratic")
    )


# --- Counts and structure -------------------------------------------------------------------


def test_row_counts_match_the_network_size(network):
    assert Item.objects.count() == SKUS
    assert Location.objects.count() == LOCATIONS
    assert NetworkLane.objects.count() == LOCATIONS - 1
    assert ServiceLevelClass.objects.count() == 9
    assert Supplier.objects.count() == 12
    assert InventoryPosition.objects.filter(as_of=END).count() == SKU_LOCATIONS
    assert InventoryPolicy.objects.count() == HistoricalInventoryPolicy.objects.count()
    for model in LOADED_MODELS:
        assert model.objects.count() == network.rows[model._meta.label], model


def test_demand_rows_per_sku_location(network):
    per_pair = DemandHistory.objects.values("item__lifecycle_status", "item", "location").annotate(
        n=Count("id")
    )
    established = [r["n"] for r in per_pair if r["item__lifecycle_status"] != "new"]
    new = [r["n"] for r in per_pair if r["item__lifecycle_status"] == "new"]
    assert set(established) == {WEEKS}  # explicit zero weeks included
    assert new and all(3 <= n <= 12 for n in new)
    assert len(per_pair) == SKU_LOCATIONS - 3  # three SKU-locations have no history at all


def test_forecasts_cover_horizon_and_lag_one(network):
    with_history = DemandHistory.objects.values("item", "location").distinct().count()
    future = Forecast.objects.filter(as_of=END)
    assert future.count() == 13 * with_history
    assert future.filter(period_start__lt=END).count() == 0
    lagged = Forecast.objects.exclude(as_of=END)
    assert lagged.count() > 12 * with_history * 0.9
    for as_of, period in lagged.values_list("as_of", "period_start").distinct():
        assert period - as_of == timedelta(weeks=1)
        assert LAST_WEEK - timedelta(weeks=12) <= period <= LAST_WEEK
    # every lag-1 forecast has an actual to be compared with
    actuals = set(DemandHistory.objects.values_list("item", "location", "period_start"))
    assert set(lagged.values_list("item", "location", "period_start")) <= actuals
    assert Forecast.objects.filter(quantity__lt=0).count() == 0


def _totals(queryset) -> dict[tuple[int, int], float]:
    per_pair = queryset.values("item", "location").annotate(total=Sum("quantity"))
    return {(r["item"], r["location"]): r["total"] for r in per_pair}


def test_forecasts_track_demand_and_follow_the_season(network):
    lagged = _totals(Forecast.objects.exclude(as_of=END))
    actual = _totals(DemandHistory.objects.filter(period_start__gte=END - timedelta(weeks=13)))
    pairs = sorted(lagged)
    forecast_total = np.array([lagged[p] for p in pairs])
    actual_total = np.array([actual[p] for p in pairs])
    assert 0.85 < forecast_total.sum() / actual_total.sum() < 1.15  # unbiased overall
    assert np.corrcoef(forecast_total, actual_total)[0, 1] > 0.9
    future = Forecast.objects.filter(as_of=END, item__lifecycle_status="active")

    def horizon_ratio(category: str) -> float:
        week = future.filter(item__category=category)
        first = week.filter(period_start=END).aggregate(t=Sum("quantity"))["t"]
        last = week.filter(period_start=END + timedelta(weeks=12)).aggregate(t=Sum("quantity"))
        return last["t"] / first

    assert horizon_ratio("Garden") < 0.5  # June to late August: past the spring peak
    assert horizon_ratio("Snacks") == pytest.approx(1, abs=0.01)


def test_two_echelons_with_one_inbound_lane_each(network):
    central = Location.objects.get(echelon=1)
    regional = Location.objects.filter(echelon=2)
    assert regional.count() == LOCATIONS - 1
    for location in regional:
        lane = NetworkLane.objects.get(destination=location)
        assert lane.origin == central
        assert lane.transfer_lead_time_mean_days > 0
        assert 0 < lane.transfer_lead_time_sd_days < lane.transfer_lead_time_mean_days
        assert lane.transfer_cost_per_unit > 0
    assert not Location.objects.filter(Q(storage_capacity__isnull=True) | Q(storage_capacity=0))
    assert set(SupplierLane.objects.values_list("destination", flat=True)) == {central.pk}
    assert SupplierLane.objects.values("item").distinct().count() == SKUS


def test_larger_networks_get_two_centrals_and_stores():
    assert echelon_layout(2) == (1, 1, 0)
    assert echelon_layout(6) == (1, 5, 0)
    assert echelon_layout(20) == (2, 6, 12)
    net = network_build(DemoSpec(10, 20, 52, 1, END))
    parents = net.echelon[net.parent[net.parent >= 0]]
    children = net.echelon[net.parent >= 0]
    assert (parents == children - 1).all()  # every lane goes one echelon down
    assert list(net.location_type).count("store") == 12


def test_item_master_is_plausible(network):
    priced = Item.objects.exclude(unit_cost=None)
    assert all(item.unit_price > item.unit_cost for item in priced)
    perishable = Item.objects.exclude(shelf_life_days=None)
    assert 0 < perishable.count() < SKUS / 2
    assert set(perishable.values_list("category", flat=True)) <= {"Dairy", "Bakery", "Frozen"}
    statuses = dict(Item.objects.values_list("lifecycle_status").annotate(n=Count("id")))
    assert set(statuses) == {"new", "active", "end_of_life"}
    assert Item.objects.values("category").distinct().count() >= 10
    assert Item.objects.values("business_unit").distinct().count() >= 4


def test_service_level_classes():
    targets = dict(ServiceLevelClass.objects.values_list("code", "target"))
    assert list(targets) == ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"]
    assert targets["AX"] == 0.99 and targets["CZ"] == 0.90
    assert set(ServiceLevelClass.objects.values_list("service_type", flat=True)) == {
        "cycle",
        "fill",
    }


# --- Demand realism -------------------------------------------------------------------------


def test_demand_pattern_mix_matches_the_intended_shares(network):
    established = set(Item.objects.filter(lifecycle_status="active").values_list("pk", flat=True))
    classes = [_syntetos_boylan(q) for (item, _), q in _series().items() if item in established]
    shares = {
        name: classes.count(name) / len(classes)
        for name in ("smooth", "erratic", "intermittent", "lumpy")
    }
    for share, intended in zip(shares.values(), INTENDED_SHARES, strict=True):
        assert share >= 0.08, shares
        assert abs(share - intended) < 0.07, shares


def test_generated_classes_agree_with_the_intended_ones():
    spec = DemoSpec(400, 5, 104, 3, END)
    defects = defects_choose(spec)
    chunk = demand_chunk(
        spec,
        items_plan(spec, defects.missing_cost_items),
        network_build(spec),
        slice(0, spec.skus),
        defects.no_history,
    )
    measured = classify(chunk.quantity, chunk.present)
    assert (measured == chunk.patterns.pattern).mean() > 0.9


def _category_profile(category: str) -> tuple[np.ndarray, np.ndarray]:
    """Total demand per period of a category's established items, and the week of year."""
    rows = list(
        DemandHistory.objects.filter(
            item__category=category, item__lifecycle_status="active"
        ).values_list("period_start", "quantity")
    )
    periods = sorted({p for p, _ in rows})
    index = {p: i for i, p in enumerate(periods)}
    total = np.zeros(len(periods))
    for period, quantity in rows:
        total[index[period]] += quantity
    week_of_year = np.array([p.timetuple().tm_yday / 7 for p in periods])
    return total, week_of_year


def test_seasonal_categories_peak_in_their_season(network):
    garden, week = _category_profile("Garden")
    assert garden.max() > 2 * garden.mean()
    assert 14 <= week[garden.argmax()] <= 26  # spring
    summer = (week >= 22) & (week <= 34)
    winter = (week >= 47) | (week <= 7)
    for category in ("Beverages", "Frozen"):
        total, _ = _category_profile(category)
        assert total[summer].mean() > 1.2 * total[winter].mean(), category
    snacks, _ = _category_profile("Snacks")
    assert 0.85 < snacks[summer].mean() / snacks[winter].mean() < 1.18


def test_promotions_lift_demand_at_retail_locations_only(network):
    promoted = DemandHistory.objects.filter(is_promotion=True)
    assert 0.005 < promoted.count() / DemandHistory.objects.count() < 0.15
    assert not promoted.filter(location__echelon=1).exists()
    pairs = set(promoted.values_list("item", "location"))
    lifted, base = [], []
    for item, location, quantity, flag in DemandHistory.objects.filter(
        item__in={i for i, _ in pairs}
    ).values_list("item", "location", "quantity", "is_promotion"):
        if (item, location) in pairs:
            (lifted if flag else base).append(quantity)
    assert np.mean(lifted) > 1.3 * np.mean(base)


def test_new_items_have_only_recent_history_and_no_policy(network):
    new_items = Item.objects.filter(lifecycle_status="new")
    assert new_items.exists()
    for item in new_items:
        periods = sorted(set(item.demandhistory_set.values_list("period_start", flat=True)))
        if not periods:
            continue
        assert periods[-1] == LAST_WEEK
        assert len(periods) <= 12
        assert (periods[-1] - periods[0]).days == 7 * (len(periods) - 1)  # contiguous
    assert not InventoryPolicy.objects.filter(item__lifecycle_status="new").exists()


def test_end_of_life_items_fade_to_zero(network):
    ending = DemandHistory.objects.filter(item__lifecycle_status="end_of_life")
    assert ending.exists()
    last_two = ending.filter(period_start__gte=LAST_WEEK - timedelta(weeks=1))
    assert last_two.exists() and not last_two.filter(quantity__gt=0).exists()
    recent = ending.filter(period_start__gte=END - timedelta(weeks=8))
    year_ago = ending.filter(
        period_start__gte=END - timedelta(weeks=60), period_start__lt=END - timedelta(weeks=52)
    )
    # same calendar weeks a year apart, so seasonality cannot mask the fade
    assert (
        recent.aggregate(t=Sum("quantity"))["t"] < 0.5 * year_ago.aggregate(t=Sum("quantity"))["t"]
    )


# --- Supply ---------------------------------------------------------------------------------


def _lateness_by_supplier() -> dict[str, np.ndarray]:
    """Days between promised date and first receipt, per supplier code."""
    firsts = Receipt.objects.order_by("po_line", "receipt_date").values_list(
        "po_line", "po_line__supplier__code", "po_line__promised_date", "receipt_date"
    )
    seen, lateness = set(), {}
    for line, supplier, promised, received in firsts:
        if line not in seen:
            seen.add(line)
            lateness.setdefault(supplier, []).append((received - promised).days)
    return {code: np.array(days) for code, days in lateness.items()}


def test_supplier_reliability_differs(network):
    lateness = _lateness_by_supplier()
    by_mean = sorted(lateness.values(), key=np.mean)
    best, worst = by_mean[0], by_mean[-1]
    assert len(best) > 30 and len(worst) > 30
    assert np.mean(worst) - np.mean(best) > 3
    assert (np.abs(best) <= 1).mean() > 0.85
    assert (np.abs(worst) <= 1).mean() < 0.75
    assert np.std(worst) > 3 * np.std(best)


def test_purchase_order_statuses_match_receipts(network):
    lines = PurchaseOrderLine.objects.annotate(
        receipts=Count("receipt"), received=Sum("receipt__quantity")
    )
    open_lines = lines.filter(status="open")
    assert open_lines.exists()
    assert not open_lines.filter(receipts__gt=0).exists()
    assert not Receipt.objects.filter(receipt_date__gt=END).exists()
    for line in lines.filter(status="received"):
        assert line.received == line.quantity
    partial = lines.filter(Q(status="partial") | Q(receipts=2))
    assert partial.exists()
    for line in lines.filter(status="partial"):
        assert 0 < line.received < line.quantity


# --- Stock, policies, defects, provenance ---------------------------------------------------


def test_legacy_policies_and_their_history(network):
    policies = InventoryPolicy.objects.all()
    assert policies.count() > 0.85 * SKU_LOCATIONS
    assert set(policies.values_list("status", "policy_source", "source").distinct()) == {
        ("active", "manual", "erp")
    }
    assert not policies.filter(effective_from__gt=END).exists()
    history = HistoricalInventoryPolicy.objects.all()
    assert set(history.values_list("history_type", flat=True)) == {"+"}
    assert set(history.values_list("id", "min_level", "max_level")) == set(
        policies.values_list("id", "min_level", "max_level")
    )
    policy = policies.first()
    assert policy.history.count() == 1


def test_a_position_every_history_monday_and_at_the_end_date(network):
    positions = InventoryPosition.objects.all()
    kept = WEEKS - STOCK_WARM_UP_WEEKS  # the simulation's warm-up has no positions
    mondays = {END - timedelta(weeks=w) for w in range(kept + 1)}
    assert set(positions.values_list("as_of", flat=True)) == mondays
    today = positions.filter(as_of=END)
    assert today.values("item", "location").distinct().count() == SKU_LOCATIONS
    assert today.filter(backordered__gt=0).exists()
    assert today.filter(in_transit__gt=0).exists()
    assert today.filter(allocated__gt=0).exists()
    per_pair = positions.values("item__lifecycle_status", "item", "location").annotate(
        n=Count("id")
    )
    established = {r["n"] for r in per_pair if r["item__lifecycle_status"] != "new"}
    assert established == {kept + 1}
    new = [r["n"] for r in per_pair if r["item__lifecycle_status"] == "new"]
    assert new and all(4 <= n <= 13 for n in new)  # from the launch week on
    assert not positions.exclude(as_of=END).filter(allocated__gt=0).exists()


def test_deliberate_defects_are_present(network):
    assert Item.objects.filter(unit_cost=None).count() == 1
    assert InventoryPosition.objects.filter(on_hand__lt=0).count() == 3
    with_history = set(DemandHistory.objects.values_list("item", "location").distinct())
    all_pairs = set(InventoryPosition.objects.values_list("item", "location"))
    missing = all_pairs - with_history
    assert len(missing) == 3
    for item, location in missing:  # no history, hence no statistical forecast either
        assert not Forecast.objects.filter(item=item, location=location).exists()
    assert network.defects == {
        "items without unit cost": 1,
        "negative on-hand positions": 3,
        "SKU-locations without demand history": 3,
    }


def test_every_row_is_marked_as_demo_data(network):
    for model in LOADED_MODELS:
        expected = {"erp"} if model in (InventoryPolicy, HistoricalInventoryPolicy) else {"demo"}
        assert set(model.objects.values_list("source", flat=True).distinct()) == expected, model


# --- Determinism and the command ------------------------------------------------------------

NATURAL_KEY = {Item: "sku", Location: "code", Supplier: "code"}
VOLATILE = {"id", "loaded_at", "updated_at", "history_id", "history_date"}


def _snapshot() -> dict[str, list]:
    """Every loaded row by natural keys, without ids and load timestamps."""
    snapshot = {}
    for model in LOADED_MODELS:
        names = []
        for field in model._meta.concrete_fields:
            if field.name in VOLATILE:
                continue
            if field.related_model is PurchaseOrderLine:
                names += [f"{field.name}__po_number", f"{field.name}__line_number"]
            elif field.related_model in NATURAL_KEY:
                names.append(f"{field.name}__{NATURAL_KEY[field.related_model]}")
            elif not field.is_relation:
                names.append(field.name)
        snapshot[model._meta.label] = sorted(model.objects.values_list(*names), key=repr)
    return snapshot


def _load(seed: int, **options) -> None:
    demo_network_load(
        skus=12, locations=3, weeks=12, seed=seed, end_date=END, replace=True, **options
    )


def test_same_seed_and_end_date_give_identical_rows():
    _load(seed=11)
    first = _snapshot()
    _load(seed=11)
    assert _snapshot() == first
    _load(seed=12)
    other = _snapshot()
    assert other["demand.DemandHistory"] != first["demand.DemandHistory"]
    assert other["inventory.Item"] != first["inventory.Item"]


def test_command_reports_stages_and_defaults_to_this_monday():
    out = StringIO()
    call_command(
        "load_demo", "--skus", "3", "--locations", "2", "--weeks", "8", "--replace", stdout=out
    )
    text = out.getvalue()
    assert "demand history" in text and "rows/s" in text
    assert "Loaded the demo network" in text and "Deliberate data defects" in text
    monday = monday_of(timezone.localdate())
    dates = set(InventoryPosition.objects.values_list("as_of", flat=True))
    assert dates == {monday - timedelta(weeks=w) for w in range(7)}  # 2 weeks' warm-up
    assert Item.objects.count() == 3


def test_if_empty_does_nothing_when_data_exists(network):
    before = DemandHistory.objects.count()
    out = StringIO()
    call_command("load_demo", "--skus", "5", "--if-empty", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert Item.objects.count() == SKUS
    assert DemandHistory.objects.count() == before


def test_refuses_to_load_over_existing_data(network):
    with pytest.raises(CommandError, match="--replace"):
        call_command("load_demo", "--skus", "5", stdout=StringIO())
    assert Item.objects.count() == SKUS


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--skus", "0"], "--skus must be at least 1"),
        (["--locations", "1"], "--locations must be at least 2"),
        (["--weeks", "7"], "--weeks must be at least 8"),
        (["--seed", "-1"], "--seed must be zero or positive"),
        (["--end-date", "2025-13-01"], "is not a date"),
        (["--end-date", "2025-06-03"], "is a Tuesday"),
    ],
)
def test_bad_arguments_are_refused(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("load_demo", *arguments, "--replace", stdout=StringIO())
    assert Item.objects.count() == SKUS
