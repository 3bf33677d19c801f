"""``manage.py load_man``: MAN (real data) through the bulk API, then a run over it.

The data are a 40-SKU slice of ``../shared/data/man`` kept in tests/fixtures/man (its README
says how it was cut): smooth, erratic, intermittent, lumpy and never-demanded SKUs, both lead
times, MOQ 0 among them. MAN's weeks are 2012-2014: the run's window is set by its as-of date,
not today, and the clock is pinned because the API accepts dates up to 20 years back only.
"""

import gzip
import shutil
from datetime import date
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from demand.models import DemandHistory
from governance.choices import Role
from inventory.choices import RunStatus
from inventory.models import InventoryPosition, Item, Location, ServiceLevelClass
from inventory.runs.models import PolicyRecommendation, PolicyRun
from sop_platform.models import ApiToken
from supply.models import Supplier, SupplierLane

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "man"
ITEMS = pd.read_csv(FIXTURE / "items.csv")
DEMAND = pd.read_csv(FIXTURE / "demand_weekly.csv.gz")


@pytest.fixture
def loader(django_user_model):
    """A user in the integration role (the API token is the command's own)."""
    user = django_user_model.objects.create_user(username="man-loader")
    user.groups.add(Group.objects.get(name=Role.INTEGRATION))
    return user


def _periods_since_first_demand(before: str, weeks: int) -> dict[str, int]:
    """Per SKU, the periods of the ``weeks`` before ``before`` from its first demand on (all
    of them without demand): what the run's history model reads (explicit zeros loaded)."""
    window = DEMAND[DEMAND["week_start"] < before].sort_values("week_start")
    window = window.groupby("sku").tail(weeks)
    counts = {}
    for sku, rows in window.groupby("sku"):
        demanded = (rows["quantity"] > 0).to_numpy()
        counts[sku] = len(rows) - int(demanded.argmax()) if demanded.any() else len(rows)
    return counts


def _load_man(*args: str, data_dir: Path = FIXTURE) -> str:
    out = StringIO()
    call_command("load_man", "--user", "man-loader", "--data-dir", str(data_dir), *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)  # committed data, so the run's tasks see them
def test_load_man_loads_the_slice_through_the_api_and_plans_every_sku(settings, pinned_now, loader):
    settings.RUNS_SYNC = True

    text = _load_man("--run", "--interval", "0")

    assert Location.objects.get().code == "MAN-WH"
    assert Item.objects.count() == len(ITEMS) == 40
    assert DemandHistory.objects.count() == len(DEMAND) == 40 * 150
    assert DemandHistory.objects.filter(quantity=0).count() == (DEMAND["quantity"] == 0).sum()
    assert set(Item.objects.values_list("source", flat=True)) == {"man"}  # ?source= of the API
    assert not ApiToken.objects.exists()  # the command's token is gone
    assert ServiceLevelClass.objects.count() == 9
    assert set(InventoryPosition.objects.values_list("as_of", "on_hand")) == {
        (date(2014, 11, 17), 0.0)
    }
    run = PolicyRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.parameters["as_of"], run.parameters["history_periods"]) == ("2014-11-17", 150)
    assert run.parameters["holding_rate"] == 0.2
    pairs = set(PolicyRecommendation.objects.values_list("item__sku", "location__code"))
    assert pairs == {(sku, "MAN-WH") for sku in ITEMS["sku"]}
    assert PolicyRecommendation.objects.count() == 40
    periods = dict(PolicyRecommendation.objects.values_list("item__sku", "demand_periods"))
    assert periods == _periods_since_first_demand("2014-11-17", 150)  # the whole window read
    assert max(periods.values()) == 150
    assert "40 SKU-locations planned, 40 recommendations." in text
    assert "Blocked: 0." in text
    patterns = text.split("Demand patterns: ")[1].split(".")[0]
    assert all(name in patterns for name in ("smooth", "erratic", "intermittent", "lumpy"))


@pytest.mark.django_db
def test_lanes_carry_lead_times_in_days_moq_and_order_cost(pinned_now, loader):
    _load_man()

    lanes = pd.DataFrame(
        SupplierLane.objects.values(
            "item__sku", "supplier__code", "promised_lead_time_days", "moq", "order_cost"
        )
    ).set_index("item__sku")
    given = ITEMS.set_index("sku").loc[lanes.index]
    assert (lanes["promised_lead_time_days"] == given["lead_time_weeks"] * 7).all()
    assert set(lanes["promised_lead_time_days"]) == {49.0, 112.0}
    assert (lanes["moq"] == given["moq_units"]).all()
    assert (lanes["moq"] == 0).sum() == (ITEMS["moq_units"] == 0).sum() > 0
    assert (lanes["order_cost"].astype(float) == 5.0).all()
    expected = given["lead_time_weeks"].map({7: "MAN-NL", 16: "MAN-ASIA"})
    assert (lanes["supplier__code"] == expected).all()
    assert set(Supplier.objects.values_list("code", flat=True)) == {"MAN-NL", "MAN-ASIA"}
    units = dict(Item.objects.values_list("sku", "unit_of_measure"))
    for sku, pack in ITEMS[["sku", "pack_size"]].itertuples(index=False):
        assert units[sku] == ("EA" if pack == 1 else f"PK{pack}")


@pytest.mark.django_db(transaction=True)
def test_as_of_and_history_weeks_set_the_run_window(settings, pinned_now, loader):
    settings.RUNS_SYNC = True

    _load_man("--skus", "3", "--as-of", "2013-11-18", "--history-weeks", "52", "--run")

    run = PolicyRun.objects.get()
    assert (run.parameters["as_of"], run.parameters["history_periods"]) == ("2013-11-18", 52)
    periods = dict(PolicyRecommendation.objects.values_list("item__sku", "demand_periods"))
    expected = _periods_since_first_demand("2013-11-18", 52)  # that window only
    assert len(periods) == 3 and periods == {sku: expected[sku] for sku in periods}
    assert DemandHistory.objects.count() == 3 * 150  # loaded whole; the run reads its window


@pytest.mark.django_db(transaction=True)
def test_a_window_after_the_data_blocks_every_row_and_says_why(settings, pinned_now, loader):
    settings.RUNS_SYNC = True  # today's week, as a run defaults to: no MAN week in its window

    text = _load_man("--skus", "2", "--as-of", "2026-11-23", "--history-weeks", "104", "--run")

    assert "Blocked: 2 (DEMAND_MISSING 2, DEMAND_SD_INVALID 2)." in text
    assert "Safety stock value: 0 EUR." in text
    assert "Exceptions: data_quality 2." in text


def _with_negative_week(tmp_path: Path) -> Path:
    """A copy of the slice whose 2,500th demand row is negative."""
    shutil.copy(FIXTURE / "items.csv", tmp_path / "items.csv")
    demand = DEMAND.astype({"quantity": str})
    demand.loc[2499, "quantity"] = "-3"
    with gzip.open(tmp_path / "demand_weekly.csv.gz", "wt") as file:
        demand.to_csv(file, index=False)
    return tmp_path


@pytest.mark.django_db
def test_a_rejected_row_rejects_its_batch_only_and_no_run_starts(tmp_path, pinned_now, loader):
    data_dir = _with_negative_week(tmp_path)
    out = StringIO()

    with pytest.raises(CommandError, match="Rejected rows: 1; the batches holding them"):
        call_command(
            *("load_man", "--user", "man-loader", "--data-dir", str(data_dir)),
            *("--batch-rows", "1000", "--run"),
            stdout=out,
        )

    bad = DEMAND.iloc[2499]
    text = out.getvalue()
    assert f"{bad['sku']} {bad['week_start']}, quantity: must be at least 0" in text
    assert "6,000 rows: 5,000 created, 0 updated, 0 unchanged, 1 rejected, 999 valid" in text
    assert "Loaded 5,132 of 6,132 rows" in text
    assert DemandHistory.objects.count() == 5_000
    assert not PolicyRun.objects.exists()


@pytest.mark.django_db
def test_partial_writes_every_valid_row(tmp_path, pinned_now, loader):
    _load_man("--partial", data_dir=_with_negative_week(tmp_path))

    assert DemandHistory.objects.count() == 5_999


@pytest.mark.django_db
def test_a_user_without_the_loader_role_is_refused_by_the_api(pinned_now, planner):
    with pytest.raises(CommandError, match="HTTP 403: Loading data needs the integration"):
        call_command("load_man", "--user", planner.username, "--data-dir", str(FIXTURE))

    assert not Item.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "2014-11-18"), "must be a Monday after 2012-01-02"),
        (("--as-of", "2011-01-03"), "must be a Monday after 2012-01-02"),
        (("--skus", "0"), "at least 1"),
        (("--as-of", "2026-11-30"), r"history_periods: 778 is outside \[4, 520\]"),
        (("--user", "nobody-here"), "No user 'nobody-here'"),
    ],
)
def test_bad_options_are_refused_before_anything_is_loaded(loader, args, message):
    with pytest.raises(CommandError, match=message):
        _load_man(*args)

    assert not Item.objects.exists()


@pytest.mark.django_db
def test_files_breaking_an_assumption_are_refused(tmp_path, loader):
    items = ITEMS.copy()
    items.loc[0, "lead_time_weeks"] = 9
    items.to_csv(tmp_path / "items.csv", index=False)
    shutil.copy(FIXTURE / "demand_weekly.csv.gz", tmp_path / "demand_weekly.csv.gz")

    with pytest.raises(CommandError, match=f"lead_time_weeks is not 16 or 7 for {items.sku[0]}"):
        _load_man(data_dir=tmp_path)
