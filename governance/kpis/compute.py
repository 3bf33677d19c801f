"""The KPI snapshot components of each week and cell, from the inputs the reader placed on
week x SKU-location grids (governance.kpis.reader). Vectorized over SKU-locations, one step
per week; trailing windows are running sums. Definitions: docs/kpis.md.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from governance.kpis.definitions import WEEKS_PER_YEAR
from governance.kpis.reader import EXCESS_WEEKS, KpiInputs
from governance.kpis.weekly import excess_units, or_zero, stock_of, weekly_service

SLOT_COMPONENTS = (
    "sku_locations",
    "demand_periods",
    "filled_periods",
    "stockout_periods",
    "forecast_ape_rows",
    "demand_units",
    "shipped_units",
    "on_hand_units",
    "inventory_value",
    "cogs_value",
    "sales_value",
    "excess_value",
    "obsolete_value",
    "forecast_units",
    "forecast_actual_units",
    "forecast_abs_error",
    "forecast_ape_sum",
)
"""Components summed over the SKU-locations of a cell; the others come summed per cell."""


@dataclass(frozen=True)
class KpiParameters:
    """The KpiSettings the components depend on."""

    carrying_rate: float
    excess_cover_days: float
    obsolete_weeks: int


class _Windows:
    """Running sums over the demand and forecast grids (rows = weeks from the lookback)."""

    def __init__(self, inputs: KpiInputs, obsolete_weeks: int):
        self.inputs, self.span = inputs, obsolete_weeks
        demand, lookback = inputs.demand, inputs.lookback
        known = ~np.isnan(demand)
        self.total = np.nansum(demand[lookback - EXCESS_WEEKS : lookback], axis=0, dtype=float)
        self.rows = known[lookback - EXCESS_WEEKS : lookback].sum(axis=0)
        active = self._active(range(lookback - obsolete_weeks + 1, lookback + 1))
        self.active = active.sum(axis=0)
        has_rows = known.any(axis=0)
        self.first_row = np.where(has_rows, known.argmax(axis=0), np.iinfo(np.int64).max)

    def _active(self, rows) -> np.ndarray:
        """Whether each week of ``rows`` had demand or a forecast above zero."""
        rows = list(rows)
        demand, forecast = self.inputs.demand[rows], self.inputs.forecast[rows]
        return (demand > 0) | (forecast > 0)  # NaN compares False

    def weekly_demand(self) -> np.ndarray:
        """Average weekly demand over the weeks with a demand row among the 26 before."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.rows > 0, self.total / self.rows, np.nan)

    def dormant(self, week: int) -> np.ndarray:
        """No demand and no forecast in the obsolete window ending with ``week``, and the
        demand history reaching back to the window's start."""
        start = week + self.inputs.lookback - self.span + 1
        return (self.active == 0) & (self.first_row <= start)

    def advance(self, week: int) -> None:
        """Move both windows from ``week`` to the next week."""
        row = week + self.inputs.lookback
        demand = self.inputs.demand
        self.total += or_zero(demand[row]) - or_zero(demand[row - EXCESS_WEEKS])
        self.rows += ~np.isnan(demand[row])
        self.rows -= ~np.isnan(demand[row - EXCESS_WEEKS])
        if row + 1 < len(demand):
            self.active += self._active([row + 1])[0]
        self.active -= self._active([row - self.span + 1])[0]


class _PolicyMax:
    """The max level in force for each SKU-location, week by week (NaN: no policy)."""

    def __init__(self, inputs: KpiInputs):
        self.start, self.stop, self.slot, self.level = inputs.policies
        self.by_start = np.argsort(self.start, kind="stable")
        self.by_stop = np.argsort(self.stop, kind="stable")
        self.current = np.full(inputs.n_slots, np.nan)

    def at(self, week: int) -> np.ndarray:
        """Apply the policies ending and then those starting at ``week``; the max levels."""
        for order, bound, value in ((self.by_stop, self.stop, None),
                                    (self.by_start, self.start, self.level)):  # fmt: skip
            low, high = np.searchsorted(bound[order], [week, week + 1])
            rows = order[low:high]
            self.current[self.slot[rows]] = np.nan if value is None else value[rows]
        return self.current


def _receipts(inputs: KpiInputs, week: int) -> np.ndarray:
    weeks, slots, units = inputs.receipts
    low, high = np.searchsorted(weeks, [week, week + 1])
    return np.bincount(slots[low:high], weights=units[low:high], minlength=inputs.n_slots)


def _slot_values(inputs, week, windows, policies, parameters) -> dict[str, np.ndarray]:
    """The components of each SKU-location in ``week`` (zero where it has no position)."""
    on_hand = inputs.on_hand[week].astype(float)
    present = ~np.isnan(on_hand)
    demand = np.where(present, inputs.demand[week + inputs.lookback], np.nan)
    service = weekly_service(demand=demand, on_hand=on_hand, receipts=_receipts(inputs, week))
    stock = stock_of(on_hand)
    value = stock * inputs.unit_cost
    excess = excess_units(
        on_hand=on_hand,
        max_level=policies.at(week),
        weekly_demand=windows.weekly_demand(),
        cover_days=parameters.excess_cover_days,
    )
    forecast = inputs.forecast[week + inputs.lookback].astype(float)
    measured = ~np.isnan(forecast) & ~np.isnan(demand)
    error = np.where(measured, np.abs(forecast - demand), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ape = measured & (demand > 0)
        return {
            "sku_locations": present,
            "demand_periods": service.demand_period,
            "filled_periods": service.filled,
            "stockout_periods": service.stockout,
            "forecast_ape_rows": ape,
            "demand_units": or_zero(demand),
            "shipped_units": service.shipped,
            "on_hand_units": stock,
            "inventory_value": value,
            "cogs_value": service.shipped * inputs.unit_cost,
            "sales_value": service.shipped * inputs.unit_price,
            "excess_value": excess * inputs.unit_cost,
            "obsolete_value": np.where(windows.dormant(week), value, 0.0),
            "forecast_units": np.where(measured, forecast, 0.0),
            "forecast_actual_units": np.where(measured, demand, 0.0),
            "forecast_abs_error": error,
            "forecast_ape_sum": np.where(ape, error / demand, 0.0),
        }


def week_components(
    inputs: KpiInputs, parameters: KpiParameters
) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """For each week (index into ``inputs.weeks``), every component per cell."""
    windows, policies = _Windows(inputs, parameters.obsolete_weeks), _PolicyMax(inputs)
    cells = len(inputs.cell_location)
    starts = np.flatnonzero(np.diff(inputs.slot_cell, prepend=-1))
    matrix = np.empty((len(SLOT_COMPONENTS), inputs.n_slots))  # reused: no page faults
    for week in range(len(inputs.weeks)):
        values = _slot_values(inputs, week, windows, policies, parameters)
        for row, name in enumerate(SLOT_COMPONENTS):
            matrix[row] = values[name]
        summed = np.zeros((len(SLOT_COMPONENTS), cells))
        if inputs.n_slots:
            summed[:, inputs.slot_cell[starts]] = np.add.reduceat(matrix, starts, axis=1)
        result = dict(zip(SLOT_COMPONENTS, summed, strict=True))
        result.update({name: sums[week] for name, sums in inputs.cell_sums.items()})
        result["carrying_cost"] = result["inventory_value"] * (
            parameters.carrying_rate / WEEKS_PER_YEAR
        )
        yield week, result
        windows.advance(week)
