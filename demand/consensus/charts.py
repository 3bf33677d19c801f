"""The consensus plan's figure: the last periods of demand, the statistical baseline with its
prediction interval, the sales input and the consensus in force, one x axis (plotly JSON
built like the SKU-location page's, rendered by ``static/js/charts.js``)."""

from demand.consensus.selectors import ConsensusPlan
from inventory.sku_location.charts import COLOURS, Figure
from inventory.sku_location.charts import _figure as page_figure

PLAN_COLOURS = {"sales": "#8e44ad", "consensus": "#c05621"}


def plan_figure(plan: ConsensusPlan) -> Figure:
    """Demand (bars), the baseline (line) inside its interval (band), the sales input
    (dashed) and the consensus (markers) per period; gaps where a version is absent."""
    data = [
        {
            "type": "bar",
            "x": [day.isoformat() for day, _ in plan.history],
            "y": [quantity for _, quantity in plan.history],
            "name": "Demand",
            "marker": {"color": COLOURS["demand"]},
        }
    ]
    banded = [p for p in plan.periods if p.lower is not None and p.upper is not None]
    if banded:
        x = [p.start.isoformat() for p in banded]
        data.append(
            {
                "type": "scatter",
                "x": x + x[::-1],
                "y": [p.upper for p in banded] + [p.lower for p in banded][::-1],
                "fill": "toself",
                "fillcolor": COLOURS["band"],
                "line": {"width": 0},
                "hoverinfo": "skip",
                "name": "Prediction interval",
            }
        )
    x = [p.start.isoformat() for p in plan.periods]
    lines = (
        (
            "Statistical baseline",
            [p.statistical for p in plan.periods],
            COLOURS["forecast"],
            "solid",
        ),
        ("Sales input", [p.sales for p in plan.periods], PLAN_COLOURS["sales"], "dash"),
    )
    for name, values, colour, dash in lines:
        if any(v is not None for v in values):
            trace = {"type": "scatter", "mode": "lines", "x": x, "y": values, "name": name}
            data.append(trace | {"line": {"color": colour, "dash": dash}})
    consensus = [p.consensus for p in plan.periods]
    if any(v is not None for v in consensus):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "y": consensus,
                "name": "Consensus",
                "line": {"color": PLAN_COLOURS["consensus"]},
            }
        )
    axis = {"title": {"text": "Units per period"}, "rangemode": "tozero"}
    return page_figure(data, yaxis=axis)
