"""A forecast run in a few figures: rows per method and demand class, and the mean holdout MASE
of each (below 1: better on the held-out periods than the in-sample seasonal-naive error).

A batch keeps its sums (:func:`batch_summary`); closing the run adds them up
(:func:`run_summary`), so the figures cost nothing to read.
"""

from collections import defaultdict

import numpy as np

from demand.choices import DemandClass, ForecastMethod


def batch_summary(result) -> dict:
    """``{"groups": [[method, demand class, rows, MASE sum, rows with a MASE], ...]}``."""
    method = np.asarray(result.method, dtype=str)
    demand_class = np.asarray(result.demand_class, dtype=str)
    mase = np.asarray(result.holdout_mase, dtype=np.float64)
    known = np.isfinite(mase)
    groups = []
    for m, c in sorted(set(zip(method.tolist(), demand_class.tolist(), strict=True))):
        rows = (method == m) & (demand_class == c)
        scored = rows & known
        groups.append([m, c, int(rows.sum()), float(mase[scored].sum()), int(scored.sum())])
    return {"groups": groups}


def run_summary(batch_summaries: list[dict]) -> dict:
    """The run's figures from its batches' sums: ``rows``, ``methods`` (per method and class:
    rows, mean MASE), ``classes`` (per class) and ``overall`` (rows, mean MASE)."""
    sums: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0.0, 0])
    for summary in batch_summaries:
        for method, demand_class, rows, mase_sum, scored in summary.get("groups", []):
            total = sums[method, demand_class]
            total[0] += rows
            total[1] += mase_sum
            total[2] += scored
    by_class: dict[str, list] = defaultdict(lambda: [0, 0.0, 0])
    for (_, demand_class), (rows, mase_sum, scored) in sums.items():
        total = by_class[demand_class]
        total[0] += rows
        total[1] += mase_sum
        total[2] += scored
    everything = [sum(t[k] for t in by_class.values()) for k in range(3)]
    return {
        "rows": everything[0],
        "methods": [
            {"method": m, "demand_class": c, **_figures(*sums[m, c])}
            for m, c in sorted(sums, key=lambda key: (_order(ForecastMethod, key[0]), key[1]))
        ],
        "classes": [
            {"demand_class": c, **_figures(*by_class[c])}
            for c in sorted(by_class, key=lambda c: _order(DemandClass, c))
        ],
        "overall": _figures(*everything),
    }


def _figures(rows: int, mase_sum: float, scored: int) -> dict:
    mean = round(mase_sum / scored, 4) if scored else None
    return {"rows": rows, "scored_rows": scored, "mean_mase": mean}


def _order(choices, value: str) -> int:
    """Position of ``value`` among the TextChoices (unknown values last)."""
    values = list(choices.values)
    return values.index(value) if value in values else len(values)
