"""The KPI page's small trend charts as plain plotly JSON (data and layout) for plotly.js.

Written as dicts rather than plotly.py figures: a plotly.py figure with a template takes
about 0.14 s to build and serialise (it deep-copies the template on every assignment), so a
page of twenty charts took three seconds; a dict draws the same in plotly.js and costs
nothing. The style is plotly's "plotly_white", stated here in the few keys these charts use.
"""

COLOUR = "#2f6fdf"
GRID = "#ebf0f8"
AXIS = {"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID, "automargin": True}


def kpi_trend_figure(
    *, periods: list[str], values: list[float | None], label: str, unit: str
) -> dict:
    """One KPI per period as a line with markers (gaps where a period has no value); shares
    on a percent axis, other units abbreviated (12.3k)."""
    return {
        "data": [
            {
                "type": "scatter",
                "x": periods,
                "y": values,
                "mode": "lines+markers",
                "name": label,
                "line": {"color": COLOUR, "width": 2},
                "marker": {"size": 4},
                "connectgaps": False,
                "hovertemplate": "%{x|%d %b %Y}: %{y"
                + (":.1%" if unit == "share" else ":,.4~g")
                + "}<extra></extra>",
            }
        ],
        "layout": {
            "height": 170,
            "margin": {"l": 48, "r": 8, "t": 8, "b": 28},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "font": {"color": "#2a3f5f", "size": 11},
            "showlegend": False,
            "xaxis": {**AXIS, "type": "date", "tickformat": "%b %y"},
            "yaxis": {
                **AXIS,
                "tickformat": ".0%" if unit == "share" else ",.3~s",
                "rangemode": "tozero",
            },
        },
    }
