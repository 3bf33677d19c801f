"""What the KPI page shows, from the KPI selectors: headline tiles (latest value and change
against the previous period), one trend chart per KPI and the drill-down table."""

import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from governance.kpis.charts import kpi_trend_figure
from governance.kpis.definitions import KPI_BY_KEY, Kpi
from governance.kpis.forms import NONE_VALUE, KpiQuery
from governance.kpis.selectors import BreakdownRow, KpiSeries
from governance.sop.charts import kpi_text
from sop_platform.display import MISSING

BETTER_TEXT = {"up": "higher is better", "down": "lower is better", "zero": "closer to 0 is better"}
PLACES = {"count": 0, "units": 0, "days": 1, "weeks": 1, "ratio": 2}
"""Decimals of the units the scorecard's formatting leaves at two."""


@dataclass(frozen=True)
class Tile:
    """A headline KPI: its latest value, the change against the period before, and whether
    that change is good news (None: no change to judge)."""

    kpi: Kpi
    value: str
    period: str
    change: str
    good: bool | None

    @property
    def better(self) -> str:
        """Which way is better, in words."""
        return BETTER_TEXT[self.kpi.better]


def _finite(values) -> list[tuple[int, float]]:
    return [(i, float(v)) for i, v in enumerate(values) if not math.isnan(v)]


def value_text(value: float | None, unit: str) -> str:
    """A KPI value as the page writes it: shares, money and times as the scorecard does;
    counts and units whole, days and weeks to one decimal."""
    if value is None or unit not in PLACES:
        return kpi_text(value, unit)
    return f"{value:,.{PLACES[unit]}f}"


def _change(latest: float, previous: float, kpi: Kpi) -> tuple[str, bool | None]:
    """The change as text and whether it is good news (None when it shows as no change)."""
    change = latest - previous
    size = (
        f"{abs(change) * 100:,.1f} pp" if kpi.unit == "share" else value_text(abs(change), kpi.unit)
    )
    if float(re.sub(r"[^0-9.]", "", size) or 0) == 0:
        return "no change", None
    if kpi.better == "zero":
        good = abs(latest) < abs(previous)
    else:
        good = (change > 0) == (kpi.better == "up")
    return f"{'+' if change > 0 else '−'}{size}", good


def kpi_tiles(series: KpiSeries, keys: list[str], grain: str) -> list[Tile]:
    """One tile per KPI: the latest period with a value, and its change against the previous
    period with one."""
    tiles = []
    for key in keys:
        kpi, known = KPI_BY_KEY[key], _finite(series.values[key])
        if not known:
            tiles.append(Tile(kpi, MISSING, "", "", None))
            continue
        index, latest = known[-1]
        period = series.periods[index]
        label = period.strftime("%B %Y") if grain == "month" else f"week of {period:%-d %b %Y}"
        change, good = _change(latest, known[-2][1], kpi) if len(known) > 1 else ("", None)
        tiles.append(Tile(kpi, value_text(latest, kpi.unit), label, change, good))
    return tiles


def kpi_charts(series: KpiSeries, keys: list[str]) -> list[dict]:
    """One small trend chart per KPI, with its formula and which way is better."""
    periods = [period.isoformat() for period in series.periods]
    charts = []
    for key in keys:
        kpi = KPI_BY_KEY[key]
        values = [None if math.isnan(v) else round(float(v), 6) for v in series.values[key]]
        figure = kpi_trend_figure(periods=periods, values=values, label=kpi.label, unit=kpi.unit)
        charts.append(
            {
                "id": f"kpi-chart-{key}",
                "kpi": kpi,
                "better": BETTER_TEXT[kpi.better],
                "figure": figure,
            }
        )
    return charts


def breakdown_rows(rows: list[BreakdownRow], query: KpiQuery, base: dict) -> list[dict]:
    """The drill-down table: per value of the dimension its KPIs as text, the query string
    that filters the page to it (``base``: the page's other parameters) and whether it is
    the value the page is filtered to."""
    chosen = query.chosen(query.dimension)
    table = []
    for row in rows:
        # a location by its code; a category or segment by itself, "(none)" for none
        value = row.label if query.dimension == "location" else row.value or NONE_VALUE
        table.append(
            {
                "label": row.label,
                "query": urlencode({**base, query.dimension: value}, doseq=True),
                "selected": chosen is not None and row.value == chosen,
                "values": [
                    value_text(None if math.isnan(row.values[k]) else row.values[k], unit)
                    for k, unit in ((k, KPI_BY_KEY[k].unit) for k in query.keys)
                ],
            }
        )
    return table
