"""Plotly figures of the operations view, built server-side and rendered by static plotly.js."""

from datetime import timedelta

import plotly.graph_objects as go

from inventory.runs.selectors import AGE_BUCKETS, ExceptionBacklog, RunDay

LAYOUT = {
    "height": 320,
    "margin": {"l": 60, "r": 60, "t": 20, "b": 40},
    "template": "plotly_white",
    "legend": {"orientation": "h", "y": -0.2},
}
BUCKET_COLOURS = {"recent": "#9fb3c8", "week": "#f0b429", "month": "#c62828"}


def _days_axis(days: list[RunDay]) -> dict:
    """The same date range on both run charts, half a day either side of the data."""
    if not days:
        return {"type": "date"}
    first, last = days[0].day - timedelta(days=1), days[-1].day
    return {"type": "date", "range": [f"{first.isoformat()} 12:00", f"{last.isoformat()} 12:00"]}


def run_duration_figure(days: list[RunDay]) -> go.Figure:
    """Runs per day (bars) and their median wall time in minutes (line, right axis)."""
    x = [d.day.isoformat() for d in days]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=x, y=[d.runs for d in days], name="Runs", marker_color="#bcccdc"))
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[
                None if d.median_duration_seconds is None else d.median_duration_seconds / 60
                for d in days
            ],
            name="Median duration (min)",
            mode="lines+markers",
            yaxis="y2",
            line={"color": "#2f6fdf"},
        )
    )
    figure.update_layout(
        **LAYOUT,
        xaxis=_days_axis(days),
        # whole runs: a tick per run while there are few
        yaxis={
            "title": "Runs",
            "rangemode": "tozero",
            "tickformat": "d",
            "dtick": 1 if max((d.runs for d in days), default=0) <= 8 else None,
        },
        yaxis2={
            "title": "Median minutes",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickmode": "auto",
        },
    )
    return figure


def run_failure_figure(days: list[RunDay]) -> go.Figure:
    """Share of each day's finished runs that failed or partially failed, in percent (bars:
    days are sparse, so a line would invent values between them)."""
    figure = go.Figure(
        go.Bar(
            x=[d.day.isoformat() for d in days],
            y=[None if d.failed_share is None else 100 * d.failed_share for d in days],
            customdata=[[d.failed, d.finished] for d in days],
            hovertemplate="%{y:.0f} % (%{customdata[0]} of %{customdata[1]})<extra></extra>",
            name="Failed share",
            marker_color="#c62828",
        )
    )
    figure.update_layout(
        **LAYOUT,
        xaxis=_days_axis(days),
        yaxis={"title": "Failed or partially failed (%)", "range": [0, 105]},
    )
    return figure


def exception_backlog_figure(backlog: ExceptionBacklog) -> go.Figure:
    """Open and in-progress exceptions per kind, stacked by age bucket."""
    kinds = [row["kind"] for row in backlog.by_kind]
    figure = go.Figure(
        [
            go.Bar(
                x=kinds,
                y=[row[key] for row in backlog.by_kind],
                name=label,
                marker_color=BUCKET_COLOURS[key],
            )
            for key, label in AGE_BUCKETS
        ]
    )
    figure.update_layout(**LAYOUT, barmode="stack", yaxis={"title": "Exceptions"})
    return figure
