"""The inventory KPIs, each a formula over the summed components of KPI snapshots.

A snapshot holds one week's additive components (governance.kpis.models.COMPONENTS and
COUNTS). Over a span of ``weeks`` weeks, stock levels (inventory value, backorders, ...) are
averaged and flows (demand, shipments, cost of goods sold, ...) summed, so every KPI below is
the textbook ratio over that span. Formulas and a worked example: docs/kpis.md.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

WEEKS_PER_YEAR = 52.0
DAYS_PER_WEEK = 7.0
WEEKS_PER_MONTH = 365.0 / 12.0 / 7.0

LEVELS = (
    "sku_locations",
    "backorder_units",
    "on_hand_units",
    "inventory_value",
    "in_transit_value",
    "excess_value",
    "obsolete_value",
)
"""Components that are stock levels at the week's date: averaged over a span, not summed."""

Sums = Mapping[str, np.ndarray]
Unit = Literal["share", "units", "currency", "times", "days", "weeks", "count", "ratio"]
Better = Literal["up", "down", "zero"]


@dataclass(frozen=True)
class Kpi:
    """One KPI: key, label, unit, which way is better, its formula in words, and the function
    computing it from span totals (``sums``: component -> array over cells or periods)."""

    key: str
    label: str
    unit: Unit
    better: Better
    formula: str
    compute: Callable[[Sums, float], np.ndarray]

    def value(self, sums: Sums, weeks: float = 1.0) -> np.ndarray:
        """The KPI over a span of ``weeks`` weeks; NaN where its denominator is zero."""
        with np.errstate(divide="ignore", invalid="ignore"):
            result = np.asarray(self.compute(sums, weeks), dtype=np.float64)
        return np.where(np.isfinite(result), result, np.nan)


def _ratio(numerator: str, denominator: str) -> Callable[[Sums, float], np.ndarray]:
    return lambda s, w: np.asarray(s[numerator], float) / np.asarray(s[denominator], float)


def _level(name: str) -> Callable[[Sums, float], np.ndarray]:
    return lambda s, w: np.asarray(s[name], float) / w


def _flow(name: str) -> Callable[[Sums, float], np.ndarray]:
    return lambda s, w: np.asarray(s[name], float)


def _annual(flow: np.ndarray, weeks: float) -> np.ndarray:
    return np.asarray(flow, float) * (WEEKS_PER_YEAR / weeks)


def _average_inventory(s: Sums, w: float) -> np.ndarray:
    return np.asarray(s["inventory_value"], float) / w


def _days_of_supply(s: Sums, w: float) -> np.ndarray:
    cogs_per_day = np.asarray(s["cogs_value"], float) / (w * DAYS_PER_WEEK)
    return _average_inventory(s, w) / cogs_per_day


KPIS: tuple[Kpi, ...] = (
    Kpi("fill_rate", "Fill rate", "share", "up",
        "units shipped from stock / units demanded", _ratio("shipped_units", "demand_units")),
    Kpi("cycle_service", "Cycle service level", "share", "up",
        "SKU-location-weeks with demand all shipped / SKU-location-weeks with demand",
        _ratio("filled_periods", "demand_periods")),
    Kpi("stockout_rate", "Stock-out rate", "share", "down",
        "SKU-location-weeks with demand and no stock on hand / SKU-location-weeks with demand",
        _ratio("stockout_periods", "demand_periods")),
    Kpi("backorders", "Backorders", "units", "down",
        "units on backorder, average over the span", _level("backorder_units")),
    Kpi("inventory_value", "Inventory value", "currency", "down",
        "on hand x unit cost, average over the span", _level("inventory_value")),
    Kpi("turns", "Inventory turns", "times", "up",
        "cost of goods sold per year / average inventory at cost",
        lambda s, w: _annual(s["cogs_value"], w) / _average_inventory(s, w)),
    Kpi("days_of_supply", "Days of supply", "days", "down",
        "average inventory at cost / cost of goods sold per day", _days_of_supply),
    Kpi("weeks_of_supply", "Weeks of supply", "weeks", "down",
        "days of supply / 7", lambda s, w: _days_of_supply(s, w) / DAYS_PER_WEEK),
    Kpi("carrying_cost", "Carrying cost", "currency", "down",
        "inventory value x annual carrying rate / 52, summed over the weeks",
        _flow("carrying_cost")),
    Kpi("excess_value", "Excess value", "currency", "down",
        "on hand above the policy max (or beyond the cover limit) at cost, average",
        _level("excess_value")),
    Kpi("obsolete_value", "Obsolete value", "currency", "down",
        "on hand with no demand and no forecast over the obsolete window at cost, average",
        _level("obsolete_value")),
    Kpi("working_capital", "Working capital in inventory", "currency", "down",
        "(on hand + in transit) at cost, average over the span",
        lambda s, w: (np.asarray(s["inventory_value"], float) + s["in_transit_value"]) / w),
    Kpi("gmroi", "GMROI", "ratio", "up",
        "gross margin per year (sales - cost of goods sold) / average inventory at cost",
        lambda s, w: _annual(np.asarray(s["sales_value"], float) - s["cogs_value"], w)
        / _average_inventory(s, w)),
    Kpi("expedite_count", "Expedites", "count", "down",
        "expedites recorded", _flow("expedite_count")),
    Kpi("expedite_cost", "Expedite cost", "currency", "down",
        "cost of the expedites recorded", _flow("expedite_cost")),
    Kpi("write_off_value", "Write-offs", "currency", "down",
        "value written off", _flow("write_off_value")),
    Kpi("forecast_bias", "Forecast bias", "share", "zero",
        "(forecast - demand) / demand, over SKU-location-weeks with a forecast",
        lambda s, w: (np.asarray(s["forecast_units"], float) - s["forecast_actual_units"])
        / np.asarray(s["forecast_actual_units"], float)),
    Kpi("mape", "MAPE", "share", "down",
        "mean of |forecast - demand| / demand over SKU-location-weeks with demand",
        _ratio("forecast_ape_sum", "forecast_ape_rows")),
    Kpi("wape", "WAPE", "share", "down",
        "sum of |forecast - demand| / sum of demand, where a forecast exists",
        _ratio("forecast_abs_error", "forecast_actual_units")),
    Kpi("inventory_to_sales", "Inventory-to-sales ratio", "ratio", "down",
        "average inventory at cost / sales per month",
        lambda s, w: _average_inventory(s, w)
        / (np.asarray(s["sales_value"], float) * (WEEKS_PER_MONTH / w))),
)  # fmt: skip

KPI_BY_KEY: dict[str, Kpi] = {kpi.key: kpi for kpi in KPIS}
