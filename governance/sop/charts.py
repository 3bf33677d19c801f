"""The scorecard's KPI trend charts, from the JSON data of governance.sop.scorecard: plotly
figures for the page, and small static SVG line charts for print and the PDF (plotly's
image export needs a browser; WeasyPrint draws SVG itself)."""

from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sop_platform.display import MISSING, money, percent

COLOURS = ("#2f6fdf", "#c77c02")
GRID = "#ebf0f8"  # plotly_white's grid and axis lines
SVG_WIDTH, SVG_HEIGHT, SVG_PAD = 220.0, 70.0, 4.0


def kpi_text(value: float | None, unit: str) -> str:
    """A KPI value as the scorecard writes it, by unit."""
    if value is None:
        return MISSING
    if unit == "share":
        return percent(value)
    if unit == "currency":
        return money(value)
    if unit == "times":
        return f"{value:,.1f}×"
    return f"{value:,.2f}"


def latest(chart: dict) -> str:
    """The chart's last value of each series, e.g. "95.2 %" or "12,000 / 3,400"."""
    texts = []
    for series in chart["series"]:
        values = [v for v in series["values"] if v is not None]
        texts.append(kpi_text(values[-1] if values else None, chart["unit"]))
    return " / ".join(texts)


def trend_figure(chart: dict) -> dict:
    """One KPI chart as a small plotly line chart (one line per series), as the plain JSON
    plotly.js draws: building seven ``go.Figure`` objects with the plotly_white template took
    a quarter of a second per page; this is the same look, written out."""
    several = len(chart["series"]) > 1
    axis = {"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID, "automargin": True}
    return {
        "data": [
            {
                "type": "scatter",
                "x": chart["periods"],
                "y": series["values"],
                "mode": "lines+markers",
                "name": series["label"],
                "line": {"color": colour, "width": 2},
                "connectgaps": False,
            }
            for colour, series in zip(COLOURS, chart["series"], strict=False)
        ],
        "layout": {
            "height": 170,
            "margin": {"l": 48, "r": 8, "t": 22 if several else 8, "b": 28},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "font": {"color": "#2a3f5f"},
            "showlegend": several,
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            "xaxis": {**axis, "tickformat": "%b %y", "dtick": "M3"},
            "yaxis": {
                **axis,
                "tickformat": ".0%" if chart["unit"] == "share" else ",.3~s",
                "rangemode": "tozero",
            },
        },
    }


def trend_svg(chart: dict) -> SafeString:
    """One KPI chart as a static SVG line chart (first and last month written under it);
    every text is escaped."""
    values = [v for series in chart["series"] for v in series["values"] if v is not None]
    label = escape(chart["title"])
    if not values:
        return mark_safe(  # built from escaped text and numbers only
            f'<svg class="spark" viewBox="0 0 {SVG_WIDTH:g} {SVG_HEIGHT:g}" role="img" '
            f'aria-label="{label}: no data"><text x="4" y="36">no data</text></svg>'
        )
    low, high = min(0.0, min(values)), max(values)
    span = (high - low) or 1.0
    count = max(len(chart["periods"]) - 1, 1)
    width, height = SVG_WIDTH - 2 * SVG_PAD, SVG_HEIGHT - 2 * SVG_PAD - 12
    lines = []
    for colour, series in zip(COLOURS, chart["series"], strict=False):
        points = [
            f"{SVG_PAD + width * i / count:.1f},{SVG_PAD + height * (1 - (v - low) / span):.1f}"
            for i, v in enumerate(series["values"])
            if v is not None
        ]
        lines.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
            f'points="{" ".join(points)}"/>'
        )
    axis_y = SVG_PAD + height * (1 - (0 - low) / span)
    first, last = (_month_label(chart["periods"][i]) for i in (0, -1))
    return mark_safe(  # built from escaped text and numbers only
        f'<svg class="spark" viewBox="0 0 {SVG_WIDTH:g} {SVG_HEIGHT:g}" role="img" '
        f'aria-label="{label}, {first} to {last}">'
        f'<line x1="{SVG_PAD}" x2="{SVG_WIDTH - SVG_PAD}" y1="{axis_y:.1f}" y2="{axis_y:.1f}" '
        f'stroke="#d9e2ec"/>{"".join(lines)}'
        f'<text x="{SVG_PAD}" y="{SVG_HEIGHT - 2}" font-size="9" fill="#616e7c">{first}</text>'
        f'<text x="{SVG_WIDTH - SVG_PAD}" y="{SVG_HEIGHT - 2}" font-size="9" fill="#616e7c" '
        f'text-anchor="end">{last}</text></svg>'
    )


def _month_label(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%b %Y")
