"""Time and peak memory of ``policies_from_history`` and ``optimize_service_levels`` on a
synthetic panel: rows × 104 weeks of compound-Poisson demand (rates 0.05–3 a week, sizes
1–20, a third of the rows with a size scale of 10), lead times 1–16 weeks.

Run: ``python bench/history_engine.py --rows 100000 [--optimize]``; prints seconds and the
process's peak resident memory.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.panels import weekly_inputs  # noqa: E402
from inventory.engine.from_history import policies_from_history  # noqa: E402
from inventory.engine.service_levels import optimize_service_levels  # noqa: E402


def panel(rows: int, weeks: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    rate = np.exp(rng.uniform(np.log(0.05), np.log(3.0), rows))[:, None]
    arrivals = rng.poisson(rate, (rows, weeks))
    sizes = rng.integers(1, 21, (rows, weeks)) * np.where(rng.random(rows) < 1 / 3, 10, 1)[:, None]
    history = (arrivals * sizes).astype(np.float64)
    inputs = weekly_inputs(
        rng.integers(1, 17, rows).astype(np.float64),
        np.exp(rng.normal(3.0, 1.5, rows)),
        np.full(rows, 5.0),
        np.zeros(rows),
    )
    return history, inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--optimize", action="store_true")
    options = parser.parse_args()
    history, inputs = panel(options.rows, options.weeks)
    start = time.perf_counter()
    result = policies_from_history(history, inputs)
    seconds = time.perf_counter() - start
    empirical = int((result.distribution == "empirical").sum())
    print(
        f"policies_from_history: {options.rows:,} × {options.weeks}: {seconds:.1f} s "
        f"({empirical:,} empirical rows)"
    )
    if options.optimize:
        start = time.perf_counter()
        optimized = optimize_service_levels(history, inputs, aggregate_fill=0.95)
        seconds = time.perf_counter() - start
        print(f"optimize_service_levels: {seconds:.1f} s (fill {optimized.expected_fill:.4f})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak memory: {peak:.2f} GB")


if __name__ == "__main__":
    main()
