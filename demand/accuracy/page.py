"""What the accuracy page shows, from :func:`demand.accuracy.selectors.forecast_accuracy`:
tiles (each metric over the window and its change against the previous window), the rolling
three-month trend as a plotly figure (plain JSON for plotly.js), the breakdown tables and the
worst SKU-locations, as text."""

import math
from dataclasses import dataclass

from demand.accuracy.pooling import METRICS, Metric
from demand.accuracy.selectors import AccuracyReport
from governance.kpis.charts import AXIS
from sop_platform.display import MISSING, percent, units

BETTER_TEXT = {"zero": "closer to 0 is better", "down": "lower is better"}
COLOURS = {"bias": "#d9822b", "mape": "#7a4fbf", "wape": "#2f6fdf", "mase": "#2a9d6f"}


def value_text(value: float, metric: Metric) -> str:
    """A metric as the page writes it: shares in percent, MASE to two decimals, RMSE in
    units; a dash where undefined."""
    if math.isnan(value):
        return MISSING
    if metric.unit == "share":
        return percent(value, signed=metric.better == "zero")
    return f"{value:,.2f}" if metric.unit == "ratio" else units(value)


@dataclass(frozen=True)
class Tile:
    """One metric over the window, with its change against the previous window (``good``:
    whether the change is good news; None: nothing to judge)."""

    metric: Metric
    value: str
    previous: str
    change: str
    good: bool | None

    @property
    def better(self) -> str:
        """Which way is better, in words."""
        return BETTER_TEXT[self.metric.better]


def _change(latest: float, previous: float, metric: Metric) -> tuple[str, bool | None]:
    if math.isnan(latest) or math.isnan(previous):
        return "", None
    change = latest - previous
    if metric.unit == "share":
        size = f"{abs(change) * 100:,.1f} pp"
    else:
        size = f"{abs(change):,.2f}" if metric.unit == "ratio" else units(abs(change))
    if float(size.split()[0].replace(",", "")) == 0:
        return "no change", None
    good = abs(latest) < abs(previous) if metric.better == "zero" else change < 0
    return f"{'+' if change > 0 else '−'}{size}", good


def accuracy_tiles(report: AccuracyReport) -> list[Tile]:
    """One tile per metric."""
    tiles = []
    for metric in METRICS:
        latest, previous = report.window.values[metric.key], report.previous.values[metric.key]
        change, good = _change(latest, previous, metric)
        tiles.append(
            Tile(metric, value_text(latest, metric), value_text(previous, metric), change, good)
        )
    return tiles


def _series(report: AccuracyReport, key: str) -> list[float | None]:
    return [None if math.isnan(v[key]) else round(v[key], 6) for _, v in report.trend]


def trend_figure(report: AccuracyReport) -> dict:
    """Bias, MAPE and WAPE (percent, left axis) and MASE (right axis) of the three months
    ending with each month, one line each."""
    months = [month.isoformat() for month, _ in report.trend]
    lines = [
        {
            "type": "scatter",
            "x": months,
            "y": _series(report, metric.key),
            "mode": "lines+markers",
            "name": metric.label,
            "line": {"color": COLOURS[metric.key], "width": 2},
            "connectgaps": False,
            "yaxis": "y2" if metric.unit == "ratio" else "y",
            "hovertemplate": f"{metric.label} %{{x|%b %Y}}: %{{y"
            + (":.1%" if metric.unit == "share" else ":.2f")
            + "}<extra></extra>",
        }
        for metric in METRICS
        if metric.key in COLOURS
    ]
    return {
        "data": lines,
        "layout": {
            "height": 300,
            "margin": {"l": 52, "r": 52, "t": 8, "b": 32},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "font": {"color": "#2a3f5f", "size": 11},
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {**AXIS, "type": "date", "tickformat": "%b %y"},
            "yaxis": {**AXIS, "tickformat": ".0%", "title": {"text": "bias, MAPE, WAPE"}},
            "yaxis2": {
                **AXIS,
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "title": {"text": "MASE"},
            },
        },
    }


def metric_texts(values: dict[str, float]) -> list[str]:
    """The five metrics of one row as text, in METRICS order."""
    return [value_text(values[metric.key], metric) for metric in METRICS]
