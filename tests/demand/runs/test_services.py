"""Forecast runs end to end on a small hand-made network (demand/runs/services.py), inline."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from demand.choices import ForecastKind
from demand.forecasting import forecast_portfolio
from demand.models import Forecast, ForecastBatch, ForecastFit, ForecastSettings, Promotion
from demand.runs.selectors import run_forecasts
from demand.runs.services import forecast_batch_execute, forecast_run_start
from inventory.choices import BatchStatus, RunStatus
from inventory.runs.parameters import ParameterError
from inventory.runs.scope import RunScope, scope_resolve
from inventory.runs.services import RunConflict
from tests.demand.runs.conftest import AS_OF, HISTORY, STOCK_ONLY, grid

pytestmark = pytest.mark.django_db


def reference(**parameters):
    """``forecast_portfolio`` on the grid the run should build, with the settings' defaults."""
    settings = ForecastSettings.objects.get(pk=1)
    pairs, history, promotion = grid()
    result = forecast_portfolio(
        history,
        horizon=parameters.get("horizon_periods", settings.horizon_periods),
        holdout=settings.holdout_periods,
        season_length=settings.season_length,
        promotion=promotion,
        group=np.array([0 if sku == "SKU-C" else 1 for sku, _ in pairs]),  # Drinks < Snacks
        interval=0.90,
    )
    return pairs, result


def written(run) -> dict[tuple[str, str], list[tuple]]:
    rows = run_forecasts(run).order_by("item__sku", "location__code", "period_start")
    found: dict[tuple[str, str], list[tuple]] = {}
    for sku, code, *values in rows.values_list(
        "item__sku", "location__code", "period_start", "quantity", "lower", "upper"
    ):
        found.setdefault((sku, code), []).append(tuple(values))
    return found


def test_a_run_forecasts_every_sku_location_with_history_or_stock_as_the_engine_does(
    network, run_now
):
    run = run_now(parameters={"horizon_periods": 8, "batch_size": 1})
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.total_rows == 4 and run.total_batches == 3  # A's two locations stay together
    assert run.as_of == AS_OF and run.started_at and run.finished_at

    pairs, result = reference(horizon_periods=8)
    rows = written(run)
    assert list(rows) == pairs == sorted([*HISTORY, *STOCK_ONLY])
    assert run_forecasts(run).count() == 4 * 8
    assert set(Forecast.objects.values_list("kind", "as_of")) == {(ForecastKind.STATISTICAL, AS_OF)}
    for row, pair in enumerate(pairs):
        periods, quantity, lower, upper = zip(*rows[pair], strict=True)
        assert periods == tuple(AS_OF + timedelta(weeks=k) for k in range(8))
        np.testing.assert_allclose(quantity, result.forecast[row])
        np.testing.assert_allclose(lower, result.lower[row])
        np.testing.assert_allclose(upper, result.upper[row])

    fits = {(f.item.sku, f.location.code): f for f in ForecastFit.objects.filter(run=run)}
    for row, pair in enumerate(pairs):
        assert fits[pair].method == result.method[row]
        assert fits[pair].demand_class == result.demand_class[row]
        assert fits[pair].periods == result.periods[row]
        mase = result.holdout_mase[row]
        assert (fits[pair].holdout_mase is None) == bool(np.isnan(mase))

    summary = run.summary
    assert summary["rows"] == 4
    assert sum(m["rows"] for m in summary["methods"]) == 4
    assert {c["demand_class"] for c in summary["classes"]} == set(result.demand_class)
    scored = ~np.isnan(result.holdout_mase)
    if scored.any():
        assert summary["overall"]["mean_mase"] == pytest.approx(
            result.holdout_mase[scored].mean(), abs=1e-4
        )
    assert set(run.timings) == {"plan", "read", "compute", "write"}


def test_a_retried_batch_replaces_its_rows(network, run_now):
    run = run_now(parameters={"horizon_periods": 4})
    before = sorted(run_forecasts(run).values_list("item", "location", "quantity"))
    batch = run.batches.get()
    # A worker died after writing: the batch comes back as running and is delivered again.
    ForecastBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    forecast_batch_execute(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.attempts == 2
    after = sorted(run_forecasts(run).values_list("item", "location", "quantity"))
    assert after == before
    assert ForecastFit.objects.filter(run=run).count() == 4


def test_a_new_run_of_the_same_as_of_replaces_the_earlier_runs_rows(network, run_now):
    first = run_now(parameters={"horizon_periods": 4})
    second = run_now(parameters={"horizon_periods": 4})
    assert first.as_of == second.as_of
    assert run_forecasts(second).count() == Forecast.objects.count() == 16
    assert ForecastFit.objects.filter(run=first).count() == 4  # each run keeps its fits


def test_a_promotion_lifts_the_periods_it_covers(network, run_now):
    items, locations = network
    start = AS_OF + timedelta(weeks=2)
    Promotion.objects.create(  # week 2 (Wednesday to Friday) for A at DC-1 only
        item=items["SKU-A"], location=locations["DC-1"], start=start + timedelta(days=2),
        end=start + timedelta(days=4), uplift=1.5,
    )  # fmt: skip
    Promotion.objects.create(  # weeks 0 and 1 for C everywhere; a smaller one overlaps
        item=items["SKU-C"], start=AS_OF - timedelta(days=3), end=AS_OF + timedelta(days=7),
        uplift=2.0,
    )  # fmt: skip
    Promotion.objects.create(
        item=items["SKU-C"], location=locations["DC-2"], start=AS_OF, end=AS_OF, uplift=1.2
    )
    run = run_now(parameters={"horizon_periods": 4})
    pairs, result = reference(horizon_periods=4)
    rows = written(run)
    factors = {
        ("SKU-A", "DC-1"): [1, 1, 1.5, 1],
        ("SKU-A", "DC-2"): [1, 1, 1, 1],  # the promotion names DC-1
        ("SKU-B", "DC-1"): [1, 1, 1, 1],
        ("SKU-C", "DC-2"): [2, 2, 1, 1],  # the largest uplift of the overlapping ones
    }
    for row, pair in enumerate(pairs):
        _, quantity, lower, upper = zip(*rows[pair], strict=True)
        np.testing.assert_allclose(quantity, result.forecast[row] * factors[pair])
        np.testing.assert_allclose(lower, result.lower[row] * factors[pair])
        np.testing.assert_allclose(upper, result.upper[row] * factors[pair])


def test_a_scoped_run_forecasts_only_its_locations(network, run_now):
    run = run_now(scope=scope_resolve(locations=["DC-2"]), parameters={"horizon_periods": 2})
    pairs = set(run_forecasts(run).values_list("item__sku", "location__code"))
    assert pairs == {("SKU-A", "DC-2"), ("SKU-C", "DC-2")}


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"horizon_periods": 0}, r"horizon_periods: 0 is outside \[1, 156\]"),
        ({"horizon_periods": 2.5}, "horizon_periods: 2.5 is not a whole number"),
        ({"season_length": True}, "season_length: True is not a number"),
        ({"interval": "wide"}, "interval: 'wide' is not a number"),
        ({"holdout_periods": 20, "history_periods": 20}, "holdout_periods: 20 leaves nothing"),
        ({"horizon": 4}, "parameters: unknown horizon"),
        ({"as_of": "2026-03-03"}, "as_of: 2026-03-03 is not a Monday"),
        ({"as_of": "soon"}, "as_of: 'soon' is not a date"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(network, parameters, message):
    with pytest.raises(ParameterError, match=message):
        forecast_run_start(scope=RunScope(), parameters=parameters)
    assert not Forecast.objects.exists()


def test_defaults_come_from_the_forecast_settings(network, pinned_now):
    ForecastSettings.objects.filter(pk=1).update(
        horizon_periods=10, holdout_periods=5, season_length=12
    )
    run = forecast_run_start(scope=RunScope())
    today = timezone.localdate()
    assert run.as_of == today - timedelta(days=today.weekday())
    assert run.parameters | {"as_of": None} == {
        "as_of": None,
        "period_days": 7,
        "horizon_periods": 10,
        "holdout_periods": 5,
        "season_length": 12,
        "history_periods": 104,
        "interval": 0.9,
        "batch_size": 10_000,
    }


def test_an_overlapping_active_run_is_refused(network):
    first = forecast_run_start(scope=scope_resolve(locations=["DC-1"]), as_of=AS_OF)
    with pytest.raises(RunConflict, match=f"Forecast run #{first.pk}"):
        forecast_run_start(scope=RunScope(), as_of=AS_OF)
    other = forecast_run_start(scope=scope_resolve(locations=["DC-2"]), as_of=AS_OF)
    assert other.status == RunStatus.QUEUED
