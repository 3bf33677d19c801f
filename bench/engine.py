"""Benchmark of the policy engine: compute_policies on 10k, 100k and 1M SKU-locations.

Each size runs in a fresh process so that its peak memory (ru_maxrss) is its own. A plain
Python loop over scipy calls, one row at a time, computes the same normal-distribution
policies on a sample for comparison. Run: ``make bench`` or ``python bench/engine.py``.
"""

import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inventory.engine import PolicyInputs, compute_policies  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
LOOP_SAMPLE = 20_000


def mixed_inputs(rows: int, seed: int = 0) -> PolicyInputs:
    """A realistic mix: lognormal demand (many slow movers), both service types, 30 %
    periodic review, supplier constraints, some perishables."""
    rng = np.random.default_rng(seed)
    demand = rng.lognormal(2.5, 1.5, rows)
    return PolicyInputs(
        demand_mean=demand,
        demand_sd=demand * rng.uniform(0.1, 1.0, rows),
        lead_time_mean=rng.uniform(0.5, 8, rows),
        lead_time_sd=rng.uniform(0, 1.5, rows),
        review_period=np.where(rng.random(rows) < 0.3, rng.integers(1, 5, rows), 0).astype(float),
        service_level=rng.choice([0.9, 0.95, 0.98, 0.99], rows),
        service_type=rng.choice(["cycle", "fill"], rows),
        unit_cost=rng.uniform(1, 100, rows),
        holding_rate=0.25,
        order_cost=rng.uniform(10, 100, rows),
        periods_per_year=52.0,
        moq=rng.choice([0.0, 10.0, 50.0], rows),
        lot_size=rng.choice([1.0, 5.0, 12.0], rows),
        case_pack=rng.choice([1.0, 6.0, 24.0], rows),
        shelf_life=np.where(rng.random(rows) < 0.1, rng.uniform(4, 20, rows), np.inf),
        max_stock=np.inf,
        on_hand=rng.uniform(0, 500, rows),
        on_order=rng.uniform(0, 200, rows),
        allocated=0.0,
        backordered=0.0,
    )


def measure(rows: int) -> dict:
    """Time compute_policies on ``rows`` rows (best of 3) in this process."""
    inputs = mixed_inputs(rows)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        result = compute_policies(inputs)
        timings.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mix = dict(zip(*np.unique(result.distribution, return_counts=True), strict=True))
    return {
        "rows": rows,
        "seconds": min(timings),
        "peak_rss_mb": peak / 1024,
        "engine_rss_mb": (peak - before) / 1024,
        "distribution_mix": {str(k): int(v) for k, v in mix.items()},
    }


def loop_policy(row: dict) -> float:
    """Reorder point of one row with scipy scalar calls: the plain per-item approach."""
    interval = row["lead_time_mean"] + row["review_period"]
    sigma = math.sqrt(
        interval * row["demand_sd"] ** 2 + (row["demand_mean"] * row["lead_time_sd"]) ** 2
    )
    if row["service_type"] == "cycle":
        k = norm.ppf(row["service_level"])
    else:
        q = row["demand_mean"] * (row["review_period"] or 4.0)
        target = (1 - row["service_level"]) * q / sigma

        def loss(x: float) -> float:
            return norm.pdf(x) - x * norm.sf(x)

        low, high = -10.0, 10.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if loss(middle) > target else (low, middle)
        k = high
    return row["demand_mean"] * interval + max(k, 0.0) * sigma


def measure_loop() -> dict:
    """Seconds per row of the Python loop, on a sample, against the engine on the same rows."""
    inputs = mixed_inputs(LOOP_SAMPLE, seed=1)
    fields = (
        "demand_mean",
        "demand_sd",
        "lead_time_mean",
        "lead_time_sd",
        "review_period",
        "service_level",
        "service_type",
    )
    rows = [
        dict(zip(fields, values, strict=True))
        for values in zip(*(getattr(inputs, f).tolist() for f in fields), strict=True)
    ]
    start = time.perf_counter()
    for row in rows:
        loop_policy(row)
    loop_seconds = time.perf_counter() - start
    start = time.perf_counter()
    compute_policies(inputs)
    engine_seconds = time.perf_counter() - start
    return {
        "rows": LOOP_SAMPLE,
        "loop_seconds": loop_seconds,
        "engine_seconds": engine_seconds,
        "loop_seconds_per_1m": loop_seconds * 1_000_000 / LOOP_SAMPLE,
    }


def main() -> None:
    if len(sys.argv) == 2:
        print(json.dumps(measure(int(sys.argv[1]))))
        return
    print("compute_policies (mixed service types and distributions), best of 3, 2 cores:")
    results = []
    for rows in SIZES:
        output = subprocess.run(
            [sys.executable, __file__, str(rows)], capture_output=True, text=True, check=True
        ).stdout
        result = json.loads(output)
        results.append(result)
        print(
            f"  {rows:>9,} rows: {result['seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.0f} MB"
            f" (engine {result['engine_rss_mb']:.0f} MB), mix {result['distribution_mix']}"
        )
    loop = measure_loop()
    per_million = results[-1]["seconds"]
    print(
        f"  Python loop over scipy calls: {loop['loop_seconds']:.1f} s for {loop['rows']:,} rows"
        f" → {loop['loop_seconds_per_1m']:.0f} s per 1M rows;"
        f" engine is {loop['loop_seconds_per_1m'] / per_million:.0f}× faster at 1M"
    )


if __name__ == "__main__":
    main()
