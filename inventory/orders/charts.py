"""The orders page's chart: the value of the recommended orders by week of order date."""

import plotly.graph_objects as go

LAYOUT = {
    "height": 260,
    "margin": {"l": 70, "r": 20, "t": 10, "b": 40},
    "template": "plotly_white",
    "showlegend": False,
}


def orders_by_week_figure(weeks: list[dict]) -> go.Figure:
    """Bars of order value per week (``totals_by_week``'s rows), the orders in the hover."""
    figure = go.Figure(
        go.Bar(
            x=[week["week"].isoformat() for week in weeks],
            y=[week["value"] or 0.0 for week in weeks],
            customdata=[[week["orders"], week["units"] or 0.0] for week in weeks],
            hovertemplate="Week of %{x|%d %b %Y}: %{y:,.0f}<br>"
            "%{customdata[0]} orders, %{customdata[1]:,.0f} units<extra></extra>",
            marker_color="#2f6fdf",
        )
    )
    figure.update_layout(
        **LAYOUT,
        xaxis={"type": "date", "title": "Week of order date"},
        yaxis={"title": "Order value", "rangemode": "tozero", "tickformat": ",.0f"},
    )
    return figure
