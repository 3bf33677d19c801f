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

PLANNED = ("planned_rows", "planned_demand", "planned_served", "planned_value")
COMPARED = (
    "rows",
    "demand",
    "target_demand",  # Σ service target × demand: the demand-weighted promise
    "ours_served",
    "ours_value",
    "current_served",
    "current_value",
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
    sums |= _totals("planned_", mine, len(planned))
    inside = np.flatnonzero(_has_levels(current)[planned])
    if len(inside):
        theirs = _replay(history, x, current, planned[inside], periods)
        mine = mine.select(inside)
        sums |= {
            "rows": float(len(inside)),
            "demand": float(mine.demand.sum()),
            "target_demand": float(np.nansum(target[planned[inside]] * mine.demand)),
            "ours_served": float(mine.served.sum()),
            "ours_value": mine.total_value,
            "current_served": float(theirs.served.sum()),
            "current_value": theirs.total_value,
        }
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


def _totals(prefix: str, result: BacktestResult, rows: int) -> dict[str, float]:
    return {
        f"{prefix}rows": float(rows),
        f"{prefix}demand": float(result.demand.sum()),
        f"{prefix}served": float(result.served.sum()),
        f"{prefix}value": result.total_value,
    }


def replay_summary(batch_sums: list[dict], periods: int, out_of_sample: bool) -> dict | None:
    """The run's replay from its batches' sums: demand, fill (units served from stock /
    demanded) and average stock value of our policies and of the current ones on the rows
    compared, and of ours on every planned row; whether ours were fitted without the
    replayed periods. None when nothing was replayed."""
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
        "ours": _side(total["ours_served"], total["demand"], total["ours_value"]),
        "current": _side(total["current_served"], total["demand"], total["current_value"]),
        "planned": {
            "sku_locations": int(total["planned_rows"]),
            "demand": total["planned_demand"],
            **_side(total["planned_served"], total["planned_demand"], total["planned_value"]),
        },
    }


def _side(served: float, demand: float, value: float) -> dict:
    return {"served": served, "fill": _share(served, demand), "average_value": value}


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
            f"{planned['average_value']:,.0f}; no SKU-location has a current min/max to "
            "compare with."
        )
    return (
        f"{opening}{share_text(ours['fill'])} at average stock value "
        f"{ours['average_value']:,.0f}; your current min/max: fill "
        f"{share_text(current['fill'])} at {current['average_value']:,.0f}."
    )


def share_text(value: float | None) -> str:
    """0.954 as "95.4 %"; an em dash when unknown."""
    return "—" if value is None else f"{value * 100:.1f} %"
