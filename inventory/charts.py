"""Plotly figures of the inventory pages, built server-side and rendered by static plotly.js."""

from collections.abc import Iterable

import plotly.graph_objects as go

from inventory.models import Location


def _positions(locations: list[Location]) -> dict[int, tuple[float, float]]:
    """Lay locations out in columns by echelon, spread evenly down each column."""
    columns: dict[int, list[Location]] = {}
    for location in locations:
        columns.setdefault(location.echelon, []).append(location)
    positions = {}
    for echelon, members in columns.items():
        for rank, location in enumerate(members):
            positions[location.pk] = (float(echelon), (rank + 1) / (len(members) + 1))
    return positions


def network_figure(locations: Iterable[Location]) -> go.Figure:
    """Locations as nodes by echelon and replenishment lanes as lines, with lead times."""
    locations = list(locations)
    xy = _positions(locations)
    lane_x: list[float | None] = []
    lane_y: list[float | None] = []
    for location in locations:
        for lane in location.inbound_lanes.all():
            (x0, y0), (x1, y1) = xy[lane.origin_id], xy[location.pk]
            lane_x += [x0, x1, None]
            lane_y += [y0, y1, None]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=lane_x,
            y=lane_y,
            mode="lines",
            hoverinfo="skip",
            line={"color": "#9aa5b1", "width": 1},
            name="Lanes",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[xy[loc.pk][0] for loc in locations],
            y=[xy[loc.pk][1] for loc in locations],
            mode="markers+text",
            text=[loc.code for loc in locations],
            textposition="top center",
            marker={
                "size": 14,
                "color": [loc.echelon for loc in locations],
                "colorscale": "Viridis",
            },
            hovertext=[
                f"{loc.name} ({loc.get_location_type_display()}, {loc.region})" for loc in locations
            ],
            hoverinfo="text",
            name="Locations",
        )
    )
    figure.update_layout(
        showlegend=False,
        height=360,
        margin={"l": 20, "r": 20, "t": 20, "b": 40},
        template="plotly_white",
        xaxis={
            "title": "Echelon (1 = closest to supply)",
            "dtick": 1,
            "range": [0.6, max((loc.echelon for loc in locations), default=1) + 0.4],
        },
        yaxis={"visible": False},
    )
    return figure
