"""Plotly figures of the SKU-location page, built server-side and rendered by static plotly.js
(``static/js/charts.js``): demand with the forecast and its error band, the projected
inventory against the reorder point and safety stock, the lane's lead-time actuals, and the
safety stock split by driver."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go

from inventory.sku_location.projection import Projection

LAYOUT = {
    "height": 330,
    "margin": {"l": 60, "r": 20, "t": 20, "b": 40},
    "template": "plotly_white",
    "legend": {"orientation": "h", "y": -0.18},
    "hovermode": "x unified",
}
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
) -> go.Figure:
    """Demand per period (bars), the forecast (line) and its band (± the σ_d the engine used);
    a dotted line where the run's history window ends."""
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=[day.isoformat() for day, _ in history],
            y=[quantity for _, quantity in history],
            name="Demand",
            marker_color=COLOURS["demand"],
        )
    )
    if forecast:
        x = [p.period.isoformat() for p in forecast]
        figure.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=[p.high for p in forecast] + [p.low for p in forecast][::-1],
                fill="toself",
                fillcolor=COLOURS["band"],
                line={"width": 0},
                hoverinfo="skip",
                name="Forecast ± σ_d",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[p.quantity for p in forecast],
                mode="lines",
                name="Forecast",
                line={"color": COLOURS["forecast"]},
            )
        )
    if as_of is not None:
        figure.add_vline(x=as_of.isoformat(), line={"dash": "dot", "color": "#829ab1"})
    figure.update_layout(**LAYOUT, yaxis={"title": "Units per period", "rangemode": "tozero"})
    return figure


def projection_figure(projection: Projection) -> go.Figure:
    """Projected stock on hand and inventory position per period, against the reorder point
    and the safety stock."""
    x = [day.isoformat() for day in projection.starts]
    periods = len(x)
    figure = go.Figure(
        [
            go.Scatter(
                x=x,
                y=projection.on_hand,
                name="On hand (projected)",
                mode="lines+markers",
                line={"color": COLOURS["on_hand"], "shape": "hv"},
            ),
            go.Scatter(
                x=x,
                y=projection.position,
                name="On hand + on order",
                mode="lines",
                line={"color": COLOURS["position"], "shape": "hv", "dash": "dash"},
            ),
            go.Scatter(
                x=x,
                y=[projection.reorder_point] * periods,
                name="Reorder point",
                mode="lines",
                line={"color": COLOURS["rop"]},
            ),
            go.Scatter(
                x=x,
                y=[projection.safety_stock] * periods,
                name="Safety stock",
                mode="lines",
                line={"color": COLOURS["ss"], "dash": "dot"},
            ),
        ]
    )
    figure.update_layout(**LAYOUT, yaxis={"title": "Units"})
    return figure


@dataclass(frozen=True)
class LeadTimePoint:
    """One received purchase-order line: when its last part came, its actual and promised
    lead time (days), its supplier."""

    received: date
    actual_days: float
    promised_days: float
    supplier: str


def lead_time_figure(points: Sequence[LeadTimePoint]) -> go.Figure:
    """Actual lead time of each received line (markers, by supplier) and the promised one."""
    figure = go.Figure()
    for supplier in sorted({p.supplier for p in points}):
        mine = [p for p in points if p.supplier == supplier]
        figure.add_trace(
            go.Scatter(
                x=[p.received.isoformat() for p in mine],
                y=[p.actual_days for p in mine],
                mode="markers",
                name=f"Actual ({supplier})",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[p.received.isoformat() for p in points],
            y=[p.promised_days for p in points],
            mode="lines",
            name="Promised",
            line={"color": COLOURS["promised"], "shape": "hv"},
        )
    )
    figure.update_layout(**LAYOUT, yaxis={"title": "Lead time (days)", "rangemode": "tozero"})
    return figure


def split_figure(ss_demand: float, ss_lead_time: float) -> go.Figure:
    """The safety stock as one stacked bar: the part for demand variability and the part for
    lead-time variability."""
    figure = go.Figure(
        [
            go.Bar(
                y=["Safety stock"],
                x=[value],
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{x:,.1f} units<extra>" + name + "</extra>",
            )
            for value, name, colour in (
                (ss_demand, "Demand variability", COLOURS["forecast"]),
                (ss_lead_time, "Lead-time variability", COLOURS["rop"]),
            )
        ]
    )
    figure.update_layout(
        **{**LAYOUT, "height": 150, "hovermode": "closest"},
        barmode="stack",
        xaxis={"title": "Units", "rangemode": "tozero"},
    )
    return figure
