"""Plotly figures of the SKU-location page, built server-side and rendered by static plotly.js
(``static/js/charts.js``): demand with the forecast and its error band, the projected
inventory against the reorder point and safety stock, the lane's lead-time actuals, and the
safety stock split by driver.

The figures are plotly's JSON written directly (``{"data": [...], "layout": {...}}``, ready
for ``json_script``): plotly.py's validation of a layout with a template took some 30 ms a
figure, most of this page's time. The template is plotly's own, read once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import plotly.io as pio

from inventory.sku_location.projection import Projection

Figure = dict


@cache
def _template() -> dict:
    """plotly's 'plotly_white' template as JSON (read once per process)."""
    return pio.templates["plotly_white"].to_plotly_json()


def _figure(data: list[dict], **layout) -> Figure:
    """A figure of ``data`` traces with the page's layout, ``layout`` on top."""
    base = {
        "height": 330,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 40},
        "template": _template(),
        "legend": {"orientation": "h", "y": -0.18},
        "hovermode": "x unified",
    }
    return {"data": data, "layout": base | layout}


COLOURS = {
    "demand": "#486581",
    "forecast": "#2f6fdf",
    "band": "rgba(47, 111, 223, 0.15)",
    "on_hand": "#2f6fdf",
    "position": "#9fb3c8",
    "rop": "#f0b429",
    "ss": "#c62828",
    "actual": "#486581",
    "promised": "#f0b429",
}


@dataclass(frozen=True)
class ForecastPoint:
    """The forecast of a period (the latest made before it) and its band."""

    period: date
    quantity: float
    low: float
    high: float


def demand_figure(
    history: Sequence[tuple[date, float]], forecast: Sequence[ForecastPoint], as_of: date | None
) -> Figure:
    """Demand per period (bars), the forecast (line) and its band (± the σ_d the engine used);
    a dotted line where the run's history window ends."""
    data = [
        {
            "type": "bar",
            "x": [day.isoformat() for day, _ in history],
            "y": [quantity for _, quantity in history],
            "name": "Demand",
            "marker": {"color": COLOURS["demand"]},
        }
    ]
    if forecast:
        x = [p.period.isoformat() for p in forecast]
        data.append(
            {
                "type": "scatter",
                "x": x + x[::-1],
                "y": [p.high for p in forecast] + [p.low for p in forecast][::-1],
                "fill": "toself",
                "fillcolor": COLOURS["band"],
                "line": {"width": 0},
                "hoverinfo": "skip",
                "name": "Forecast ± σ_d",
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": [p.quantity for p in forecast],
                "name": "Forecast",
                "line": {"color": COLOURS["forecast"]},
            }
        )
    shapes = []
    if as_of is not None:
        day = as_of.isoformat()
        line = {"dash": "dot", "color": "#829ab1"}
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": day, "x1": day, "y0": 0, "y1": 1}
            | {"line": line}
        )
    axis = {"title": {"text": "Units per period"}, "rangemode": "tozero"}
    return _figure(data, yaxis=axis, shapes=shapes)


def _line(x: list[str], y: list[float], name: str, **style) -> dict:
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, **style}


def projection_figure(projection: Projection) -> Figure:
    """Projected stock on hand and inventory position per period, against the reorder point
    and the safety stock."""
    x = [day.isoformat() for day in projection.starts]
    flat = len(x)
    data = [
        _line(x, projection.on_hand, "On hand (projected)", mode="lines+markers",
              line={"color": COLOURS["on_hand"], "shape": "hv"}),
        _line(x, projection.position, "On hand + on order",
              line={"color": COLOURS["position"], "shape": "hv", "dash": "dash"}),
        _line(x, [projection.reorder_point] * flat, "Reorder point",
              line={"color": COLOURS["rop"]}),
        _line(x, [projection.safety_stock] * flat, "Safety stock",
              line={"color": COLOURS["ss"], "dash": "dot"}),
    ]  # fmt: skip
    return _figure(data, yaxis={"title": {"text": "Units"}})


@dataclass(frozen=True)
class LeadTimePoint:
    """One received purchase-order line: when its last part came, its actual and promised
    lead time (days), its supplier."""

    received: date
    actual_days: float
    promised_days: float
    supplier: str


def lead_time_figure(points: Sequence[LeadTimePoint]) -> Figure:
    """Actual lead time of each received line (markers, by supplier) and the promised one."""
    data = []
    for supplier in sorted({p.supplier for p in points}):
        mine = [p for p in points if p.supplier == supplier]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [p.received.isoformat() for p in mine],
                "y": [p.actual_days for p in mine],
                "name": f"Actual ({supplier})",
            }
        )
    x = [p.received.isoformat() for p in points]
    promised = [p.promised_days for p in points]
    style = {"color": COLOURS["promised"], "shape": "hv"}
    data.append(_line(x, promised, "Promised", line=style))
    axis = {"title": {"text": "Lead time (days)"}, "rangemode": "tozero"}
    return _figure(data, yaxis=axis)


def split_figure(ss_demand: float, ss_lead_time: float) -> Figure:
    """The safety stock as one stacked bar: the part for demand variability and the part for
    lead-time variability."""
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": ["Safety stock"],
            "x": [value],
            "name": name,
            "marker": {"color": colour},
            "hovertemplate": "%{x:,.1f} units<extra>" + name + "</extra>",
        }
        for value, name, colour in (
            (ss_demand, "Demand variability", COLOURS["forecast"]),
            (ss_lead_time, "Lead-time variability", COLOURS["rop"]),
        )
    ]
    return _figure(
        data,
        height=150,
        hovermode="closest",
        barmode="stack",
        xaxis={"title": {"text": "Units"}, "rangemode": "tozero"},
    )
