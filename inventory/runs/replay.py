"""The replay a run records (pure numpy): a batch's recommended policies and the policies in
force (the ERP's min/max) replayed with ``engine.backtest`` over the last periods of the
batch's history, summed so the run can add the batches up (see :func:`replay_summary`).

Two sets of rows:
- **compared**: rows with a policy of ours (not blocked) and a current one (reorder point and
  max level): both are replayed on the same demand, the comparison the run page states;
- **planned**: every row with a policy of ours, for runs over SKU-locations with no policy in
  force.

Each replay starts at the beginning of the history window (stock at the order-up-to level,
nothing on order) and runs through every period before the measured ones, so a row's figures
do not depend on the other rows of its batch. With the history model our policies are
replayed out of sample: the same model at the same targets, fitted on the periods before the
measured ones (``RunParameters.replay_out_of_sample``; runs.pipeline). The parametric model,
or a window too short to fit on without them, replays the recommended policies, computed
from the measured periods too: in sample, and the summary says so.
"""

import numpy as np

from inventory.engine import PolicyInputs
from inventory.engine.backtest import BacktestResult, StockLevels, backtest

SIDE = ("served", "value", "orders", "cost")
"""Per set of policies: units served from stock, average stock value, orders placed, and
their cost over the replayed periods (holding: average value × holding rate × the periods'
share of a year; ordering: orders × order cost)."""
PLANNED = ("planned_rows", "planned_demand", *(f"planned_{name}" for name in SIDE))
COMPARED = (
    "rows",
    "demand",
    "target_demand",  # Σ service target × demand: the demand-weighted promise
    *(f"ours_{name}" for name in SIDE),
    *(f"current_{name}" for name in SIDE),
)
SUMS = PLANNED + COMPARED


def replay_sums(
    history: np.ndarray,
    x: PolicyInputs,
    ours: StockLevels,
    current: StockLevels,
    periods: int,
    target: np.ndarray,
) -> dict[str, float]:
    """The sums of :data:`SUMS` over the last ``periods`` periods of ``history`` (rows ×
    periods); units, and money for the values (average stock on hand × unit cost). Empty when
    ``periods`` is 0; at most the whole history is measured."""
    periods = min(periods, history.shape[1])
    if periods <= 0:
        return {}
    sums = dict.fromkeys(SUMS, 0.0)
    planned = np.flatnonzero(_has_levels(ours))
    if not len(planned):
        return sums
    mine = _replay(history, x, ours, planned, periods)
    sums |= {"planned_rows": float(len(planned)), "planned_demand": float(mine.demand.sum())}
    sums |= _side("planned_", mine, x.take(planned), periods)
    inside = np.flatnonzero(_has_levels(current)[planned])
    if len(inside):
        compared = planned[inside]
        theirs = _replay(history, x, current, compared, periods)
        mine = mine.select(inside)
        sums |= {
            "rows": float(len(inside)),
            "demand": float(mine.demand.sum()),
            "target_demand": float(np.nansum(target[compared] * mine.demand)),
        }
        sums |= _side("ours_", mine, x.take(compared), periods)
        sums |= _side("current_", theirs, x.take(compared), periods)
    return sums


def _has_levels(levels: StockLevels) -> np.ndarray:
    return np.isfinite(levels.reorder_point) & np.isfinite(levels.order_up_to)


def _replay(
    history: np.ndarray, x: PolicyInputs, levels: StockLevels, rows: np.ndarray, periods: int
) -> BacktestResult:
    """``engine.backtest`` of ``rows``, warmed up over the whole window before the periods."""
    chosen = StockLevels(levels.reorder_point[rows], levels.order_up_to[rows])
    warmup = history.shape[1] - periods
    return backtest(history[rows], x.take(rows), chosen, periods, warmup=warmup)


def _side(prefix: str, result: BacktestResult, x: PolicyInputs, periods: int) -> dict:
    """The :data:`SIDE` sums of one set of policies, named with ``prefix``."""
    holding = result.average_value * x.holding_rate * periods / x.periods_per_year
    ordering = result.orders * x.order_cost
    return {
        f"{prefix}served": float(result.served.sum()),
        f"{prefix}value": result.total_value,
        f"{prefix}orders": float(result.orders.sum()),
        f"{prefix}cost": float(np.nansum(holding + ordering)),
    }


def replay_summary(batch_sums: list[dict], periods: int, out_of_sample: bool) -> dict | None:
    """The run's replay from its batches' sums: demand, fill (units served from stock /
    demanded), average stock value, orders and their holding + ordering cost, of our
    policies and of the current ones on the rows compared, and of ours on every planned row;
    whether ours were fitted without the replayed periods. None when nothing was
    replayed."""
    sums = [s for s in batch_sums if s]
    if not sums:
        return None
    total = {key: sum(s.get(key, 0.0) for s in sums) for key in SUMS}
    return {
        "periods": periods,
        "out_of_sample": out_of_sample,
        "sku_locations": int(total["rows"]),
        "demand": total["demand"],
        "promised": _share(total["target_demand"], total["demand"]),
        "ours": _summary_side(total, "ours_", total["demand"]),
        "current": _summary_side(total, "current_", total["demand"]),
        "planned": {
            "sku_locations": int(total["planned_rows"]),
            "demand": total["planned_demand"],
            **_summary_side(total, "planned_", total["planned_demand"]),
        },
    }


def _summary_side(total: dict, prefix: str, demand: float) -> dict:
    """One set of policies in the summary: served, fill, average stock value, orders, cost."""
    served = total[f"{prefix}served"]
    return {
        "served": served,
        "fill": _share(served, demand),
        "average_value": total[f"{prefix}value"],
        "orders": int(total[f"{prefix}orders"]),
        "cost": total[f"{prefix}cost"],
    }


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def replay_sentence(summary: dict) -> str:
    """The run's replay in one sentence, as the run page and the commands say it."""
    ours, current, planned = summary["ours"], summary["current"], summary["planned"]
    fitted = "before them" if summary.get("out_of_sample") else "on them too, in sample"
    opening = f"On your last {summary['periods']} periods, our policies (fitted {fitted}): fill "
    if not summary["sku_locations"]:
        return (
            f"{opening}{share_text(planned['fill'])} at average stock value "
            f"{planned['average_value']:,.0f}{_orders_text(planned)}; no SKU-location has a "
            "current min/max to compare with."
        )
    return (
        f"{opening}{share_text(ours['fill'])} at average stock value "
        f"{ours['average_value']:,.0f}{_orders_text(ours)}; your current min/max: fill "
        f"{share_text(current['fill'])} at {current['average_value']:,.0f}"
        f"{_orders_text(current)}."
    )


def _orders_text(side: dict) -> str:
    """' with 1,234 orders' ('' in a summary stored before orders were counted)."""
    return f" with {side['orders']:,} orders" if "orders" in side else ""


def share_text(value: float | None) -> str:
    """0.954 as "95.4 %"; an em dash when unknown."""
    return "—" if value is None else f"{value * 100:.1f} %"
