"""Writing one forecast batch: its statistical forecasts (with future promotions' uplift) and
its fitted models.

Both writes are set-based bulk statements (COPY on PostgreSQL, ``executemany`` elsewhere,
through ``sop_platform.bulk``), so the number of queries does not grow with the batch. The
caller runs them inside the transaction that marks the batch done: a retried batch replaces
its own rows and a killed one leaves nothing behind.
"""

import numpy as np
from django.db import connection
from django.utils import timezone

from demand.choices import ForecastKind
from demand.models import Forecast, ForecastFit, ForecastRun
from demand.runs.inputs import ForecastInputs, HorizonPromotions
from demand.runs.parameters import ForecastParameters
from inventory.runs.inputs import scoped
from inventory.runs.scope import RunScope
from sop_platform.bulk.writer import bulk_writer

SOURCE = "forecast_run"
FIT_FIELDS = ("alpha", "beta", "gamma", "level", "sigma", "holdout_mase")


def uplift_factors(
    inputs: ForecastInputs, params: ForecastParameters, promotions: HorizonPromotions
) -> np.ndarray:
    """rows × horizon multipliers: a promotion overlapping a forecast period multiplies it by
    its uplift, for the item at its location (or at every location when it names none); where
    several overlap, the largest uplift applies (one promotion's, not their product)."""
    starts = np.array(params.period_starts(), dtype="datetime64[D]")
    ends = starts + (params.period_days - 1)
    covers = (promotions.start[:, None] <= ends) & (promotions.end[:, None] >= starts)
    factor = np.full((len(inputs), len(starts)), np.nan)
    items, locations = inputs.item_id, inputs.location_id
    first = np.searchsorted(items, promotions.item_id, side="left")
    last = np.searchsorted(items, promotions.item_id, side="right")
    for p in range(len(promotions.item_id)):  # per promotion, never per row
        rows = np.arange(first[p], last[p])
        if promotions.location_id[p] >= 0:
            rows = rows[locations[rows] == promotions.location_id[p]]
        cells = np.ix_(rows, np.flatnonzero(covers[p]))
        factor[cells] = np.fmax(factor[cells], promotions.uplift[p])
    return np.where(np.isnan(factor), 1.0, factor)


def forecasts_write(
    run: ForecastRun,
    scope: RunScope,
    item_range: tuple[int, int],
    inputs: ForecastInputs,
    result,
    factor: np.ndarray,
) -> int:
    """Replace the statistical forecasts made on ``run.as_of`` of the batch's SKU-locations
    (the scope's, in ``item_range``) with ``result``'s, each period times its ``factor``;
    returns how many rows were written."""
    params = ForecastParameters.from_json(run.parameters)
    stale = Forecast.objects.filter(kind=ForecastKind.STATISTICAL, as_of=run.as_of)
    scoped(stale, scope, *item_range).delete()
    rows, horizon = factor.shape
    now = timezone.now()
    periods = np.array(params.period_starts(), dtype="datetime64[D]")
    return bulk_writer(connection).write(
        Forecast,
        {
            "item_id": np.repeat(inputs.item_id, horizon),
            "location_id": np.repeat(inputs.location_id, horizon),
            "period_start": np.tile(periods, rows),
            "quantity": (result.forecast * factor).ravel(),
            "lower": (result.lower * factor).ravel(),
            "upper": (result.upper * factor).ravel(),
            "kind": ForecastKind.STATISTICAL.value,
            "as_of": run.as_of,
            "version": "",
            "source": SOURCE,
            "loaded_at": now,
            "updated_at": now,
        },
    )


def fits_write(
    run: ForecastRun, item_range: tuple[int, int], inputs: ForecastInputs, result
) -> int:
    """Replace the run's fitted models of the batch's items (NaN parameters as NULL)."""
    ForecastFit.objects.filter(
        run=run, item_id__gte=item_range[0], item_id__lte=item_range[1]
    ).delete()
    return bulk_writer(connection).write(
        ForecastFit,
        {
            "run_id": run.pk,
            "item_id": inputs.item_id,
            "location_id": inputs.location_id,
            "demand_class": np.asarray(result.demand_class, dtype=str),
            "method": np.asarray(result.method, dtype=str),
            **{name: np.asarray(getattr(result, name), dtype=np.float64) for name in FIT_FIELDS},
            "periods": np.asarray(result.periods, dtype=np.int64),
        },
    )
