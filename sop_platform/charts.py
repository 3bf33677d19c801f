"""Glue between plotly figures and templates."""

import json

import plotly.graph_objects as go


def figure_payload(figure: go.Figure) -> dict:
    """The figure as plain JSON data, safe for Django's ``json_script`` (which escapes HTML)."""
    return json.loads(figure.to_json())
