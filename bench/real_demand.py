"""Out-of-sample benchmark of the policies on real demand (MAN) and on the demo network.

For each panel the last ``--holdout`` weeks (26) are held out: every method sees only the
weeks before, and its policy is replayed (``inventory.engine.backtest``) over the held-out
weeks with the real demand. Methods, all at 95 % fill per row unless said:

- ``parametric``: today's path (history mean and sd, ``compute_policies`` with 'auto');
- ``history``: ``policies_from_history`` (empirical lead-time demand, recency weights);
- ``calibrated``: the same with the targets corrected by ``calibrate`` (rolling origins
  inside the training weeks only);
- ``optimized``: ``optimize_service_levels`` for an aggregate fill of 95 %, calibrated;
- ``weeks of cover``: order up to (L + R + c) weeks of mean demand, c found so that its
  achieved fill equals the calibrated policies' (an oracle: c is tuned on the held-out weeks);
- ``legacy``: the data set's current min/max, where it has one.

Prints a Markdown table per panel (achieved fill over rows with demand in the training weeks
and over all rows; average stock value on hand) and the calibration evidence.
Run: ``python bench/real_demand.py [--holdout 26] [--panels MAN demo]``.
"""

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.panels import MAN_DIR, TARGET, Panel, man_panel  # noqa: E402
from inventory.engine import compute_policies, demand_statistics  # noqa: E402
from inventory.engine.backtest import BacktestResult, StockLevels, backtest  # noqa: E402
from inventory.engine.calibration import calibrate  # noqa: E402
from inventory.engine.from_history import policies_from_history  # noqa: E402
from inventory.engine.service_levels import optimize_service_levels  # noqa: E402


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", type=int, default=26)
    parser.add_argument("--panels", nargs="+", default=["MAN", "demo"])
    return parser.parse_args()


def _panel(name: str) -> Panel:
    if name == "MAN":
        return man_panel()
    from bench.panels import demo_panel

    return demo_panel()


class _Bench:
    """One panel: its training weeks, the rows with demand in them, the replays."""

    def __init__(self, panel: Panel, holdout: int):
        self.panel, self.holdout = panel, holdout
        self.train = panel.history[:, :-holdout]
        self.stats = demand_statistics(np.maximum(self.train, 0.0))
        self.with_history = np.flatnonzero(self.stats.nonzero_periods > 0)
        self.lines: list[str] = []

    def replay(self, levels: StockLevels) -> BacktestResult:
        return backtest(self.panel.history, self.panel.inputs, levels, self.holdout)

    def report(self, method: str, levels: StockLevels, promised: str, seconds: float) -> float:
        result = self.replay(levels)
        known = result.select(self.with_history).total_fill
        self.lines.append(
            f"| {method} | {promised} | {known:.1%} | {result.total_fill:.1%} | "
            f"{result.total_value:,.0f} | {seconds:.1f} s |"
        )
        return known


def _timed(work):
    start = time.perf_counter()
    value = work()
    return value, time.perf_counter() - start


def _weeks_of_cover(bench: _Bench, fill: float) -> tuple[StockLevels, float]:
    """Order up to (L + R + c) weeks of mean demand, c bisected to achieve ``fill``."""
    x, mean = bench.panel.inputs, np.nan_to_num(bench.stats.mean)
    low, high = -1.0, 120.0
    for _ in range(30):
        cover = (low + high) / 2
        level = np.ceil(mean * (x.lead_time_mean + x.review_period + cover))
        levels = StockLevels(level, level)
        achieved = bench.replay(levels).select(bench.with_history).total_fill
        low, high = (cover, high) if achieved < fill else (low, cover)
    level = np.ceil(mean * (x.lead_time_mean + x.review_period + high))
    return StockLevels(level, level), high


def run(panel: Panel, holdout: int) -> None:
    bench = _Bench(panel, holdout)
    x = panel.inputs
    rows, weeks = panel.history.shape
    print(f"\n### {panel.name}: {rows:,} rows × {weeks} weeks, last {holdout} held out\n")
    head = "| Method | Promised | Achieved fill (rows with history) | (all rows) | Stock value |"
    bench.lines += [head + " Time |", "|---|---|---:|---:|---:|---:|"]
    stats = bench.stats
    parametric_x = replace(x, demand_mean=stats.mean, demand_sd=stats.sd)
    policy, seconds = _timed(lambda: compute_policies(parametric_x))
    bench.report("parametric (today)", policy, "95 % per row", seconds)
    policy, seconds = _timed(lambda: policies_from_history(bench.train, x))
    bench.report("history", policy, "95 % per row", seconds)
    calibration, seconds = _timed(lambda: calibrate(bench.train, x, window=holdout, origins=3))
    calibrated_x = replace(x, service_level=calibration.targets(bench.train, x))
    policy, more = _timed(lambda: policies_from_history(bench.train, calibrated_x))
    achieved = bench.report("history, calibrated", policy, "95 % per row", seconds + more)
    optimized, seconds = _timed(
        lambda: optimize_service_levels(
            bench.train, x, aggregate_fill=TARGET, calibration=calibration
        )
    )
    bench.report("optimized, calibrated", optimized.policy, "95 % aggregate", seconds)
    (levels, cover), seconds = _timed(lambda: _weeks_of_cover(bench, achieved))
    bench.report(f"weeks of cover (L + R + {cover:.1f})", levels, "oracle", seconds)
    if panel.legacy is not None:
        bench.report("legacy min/max", panel.legacy, "—", 0.0)
    print("\n".join(bench.lines))
    _portfolio(bench)
    print("\nCalibration (rolling origins inside the training weeks):\n")
    print("| Pattern | Rows (effective) | Promised | Achieved before | after | Factor |")
    print("|---|---:|---:|---:|---:|---:|")
    for group in calibration.groups:
        print(
            f"| {group.pattern} ({group.service_type}) | {group.rows} "
            f"({group.effective_rows:.0f}) | {group.promised:.1%} | "
            f"{group.achieved_before:.1%} | {group.achieved_after:.1%} | {group.factor:.2f} |"
        )


def _portfolio(bench: _Bench) -> None:
    """Optimized against uniform targets at equal model aggregate fill (the same model)."""
    train, x = bench.train, bench.panel.inputs
    uniform = optimize_service_levels(
        train, x, aggregate_fill=TARGET, min_service=TARGET, max_service=TARGET
    )
    optimized = optimize_service_levels(train, x, aggregate_fill=uniform.expected_fill)
    print("\nPortfolio targets at equal model aggregate fill (uncalibrated model):\n")
    print("| Targets | Model fill | Model stock value | Held-out fill | Held-out value |")
    print("|---|---:|---:|---:|---:|")
    for name, result in (("uniform 95 %", uniform), ("optimized", optimized)):
        replay = bench.replay(result.policy)
        held_out = replay.select(bench.with_history).total_fill
        print(
            f"| {name} | {result.expected_fill:.2%} | {result.stock_value:,.0f} | "
            f"{held_out:.1%} | {replay.total_value:,.0f} |"
        )
    ratio = optimized.stock_value / uniform.stock_value
    print(f"\nOptimized / uniform stock value (model): {ratio:.2f}")


def main() -> None:
    options = _arguments()
    for name in options.panels:
        if name == "MAN" and not MAN_DIR.exists():
            print(f"\n### MAN: skipped, {MAN_DIR} is not on this machine")
            continue
        run(_panel(name), options.holdout)


if __name__ == "__main__":
    main()
