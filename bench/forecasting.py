"""Benchmark of the statistical forecasts (``demand.forecasting``): accuracy on real (MAN) and
demo demand against reference methods, and speed at portfolio scale.

(a) Accuracy: each panel's last 13 weeks are held out; every method sees the weeks before
and forecasts 13. Per demand class (of the training weeks) and overall, over the rows with
demand in them: mean MASE (scale: the in-sample naive MAE, Hyndman & Koehler 2006), WAPE and
bias of the held-out weeks (a missing week after the first record counts as 0). Methods: our
``forecast_portfolio``; seasonal naive (y_{t−52}, the last week where a row is younger);
Croston with α = 0.1 (the classic benchmark); statsforecast's CrostonOptimized, CrostonSBA,
ADIDA and IMAPA on every row, and AutoETS (season 52) on a seeded sample of the smooth and
erratic rows (about 0.2 s a row on 2 cores), with ours on the same sample. statsforecast needs
pandas < 3, so it runs in a venv of its own, ``bench/.venv-statsforecast`` (made on first use
with pip), as a subprocess of this script (``--sf-worker``), data passed in .npz files.
(b) Speed: ``forecast_portfolio`` alone on synthetic rows × 104 weeks, in chunks over worker
processes; wall time and peak memory (ru_maxrss) of the workers.

Run: ``python bench/forecasting.py [--rows 1000000] [--workers 2] [--ets-rows 400]``.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demand.forecasting import forecast_portfolio, mase  # noqa: E402
from demand.forecasting.intermittent import croston  # noqa: E402
from demand.forecasting.prepare import pack  # noqa: E402

HOLDOUT = 13
SEASON = 52
CHUNK_ROWS = 100_000
CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "new")
SF_MODELS = ("CrostonOptimized", "CrostonSBA", "ADIDA", "IMAPA")
SF_VENV = Path(__file__).resolve().parent / ".venv-statsforecast"
SF_PACKAGES = ("statsforecast==2.1.1", "pandas<3")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows (speed)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ets-rows", type=int, default=400, help="AutoETS sample per panel")
    parser.add_argument("--panels", nargs="*", default=["MAN", "demo"])
    parser.add_argument("--sf-worker", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--models", nargs="*", default=SF_MODELS, help=argparse.SUPPRESS)
    return parser.parse_args()


def _timed(work):
    start = time.perf_counter()
    value = work()
    return value, time.perf_counter() - start


def seasonal_naive(train: np.ndarray) -> np.ndarray:
    """y_{T+h−52}; the last week for rows younger than a season (missing weeks are 0)."""
    packed = pack(train)
    y = np.where(np.arange(train.shape[1]) >= packed.start[:, None], train, np.nan)
    y = np.where(np.isnan(y) & (np.arange(train.shape[1]) >= packed.start[:, None]), 0.0, y)
    season = y[:, -SEASON : -SEASON + HOLDOUT]
    last = np.nan_to_num(y[:, -1:], nan=0.0)
    young = (packed.periods < SEASON)[:, None]
    return np.where(young | np.isnan(season), last, season)


def croston_benchmark(train: np.ndarray) -> np.ndarray:
    """Croston with α = 0.1 on every row with demand (0 elsewhere)."""
    packed = pack(train)
    forecast = np.zeros((len(train), HOLDOUT))
    rows = np.flatnonzero(packed.periods > 0)
    fit, _ = croston(
        np.nan_to_num(packed.values[rows]), packed.periods[rows], HOLDOUT, np.array([0.1])
    )
    forecast[rows] = fit.forecast
    return forecast


def _sf_python() -> Path:
    """The interpreter of statsforecast's own venv, made with pip on first use."""
    python = SF_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SF_VENV)], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *SF_PACKAGES], check=True)
    return python


def statsforecast_models(train: np.ndarray, rows: np.ndarray, models, workers: int) -> dict:
    """statsforecast's forecasts of ``rows`` (each from its first record, missing weeks 0),
    run in its venv: {model name: (rows × HOLDOUT, seconds)}."""
    packed = pack(train[rows])
    with tempfile.TemporaryDirectory() as folder:
        given, taken = Path(folder) / "in.npz", Path(folder) / "out.npz"
        np.savez(given, values=np.nan_to_num(packed.values), lengths=packed.periods)
        command = [_sf_python(), __file__, "--sf-worker", given, taken, "--models", *models]
        subprocess.run([*map(str, command), "--workers", str(workers)], check=True)
        out = np.load(taken)
        return {name: (out[name], float(out[f"{name}_seconds"])) for name in models}


def _sf_worker(given: str, taken: str, names: list[str], workers: int) -> None:
    """In statsforecast's venv: forecast the series in ``given`` with each model."""
    import pandas as pd
    from statsforecast import StatsForecast, models

    data = np.load(given)
    values, lengths = data["values"], data["lengths"]
    keep = np.arange(values.shape[1]) < lengths[:, None]
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(len(values)), lengths),
            "ds": np.broadcast_to(np.arange(values.shape[1]), values.shape)[keep],
            "y": values[keep],
        }
    )
    built = {
        "AutoETS52": lambda: models.AutoETS(season_length=SEASON),
        **{name: getattr(models, name) for name in SF_MODELS},
    }
    results = {}
    for name in names:
        engine = StatsForecast(models=[built[name]()], freq=1, n_jobs=workers)
        out, seconds = _timed(lambda engine=engine: engine.forecast(df=frame, h=HOLDOUT))
        forecast = out.sort_values(["unique_id", "ds"])[out.columns[-1]].to_numpy()
        results[name], results[f"{name}_seconds"] = forecast.reshape(-1, HOLDOUT), seconds
    np.savez(taken, **results)


def _scores(train, actual, forecast, rows) -> tuple[float, float, float]:
    """(mean MASE, WAPE, bias) over ``rows``."""
    if not len(rows):
        return (np.nan,) * 3
    insample = pack(train[rows]).values
    scaled = mase(actual[rows], forecast[rows], insample)
    total = actual[rows].sum()
    errors = forecast[rows] - actual[rows]
    return np.nanmean(scaled), np.abs(errors).sum() / total, errors.sum() / total


def _table(title, train, actual, classes, forecasts: dict, rows: np.ndarray) -> list[str]:
    """One line per method: mean MASE per class, then MASE, WAPE and bias over all ``rows``
    (row counts in the header)."""
    present = [c for c in CLASSES if (classes[rows] == c).any()]
    counts = [f"{c} ({(classes[rows] == c).sum():,})" for c in present]
    lines = [
        f"**{title}** (MASE per class, rows in brackets)",
        "",
        f"| Method | {' | '.join(counts)} | all: MASE | WAPE | bias | s per 1,000 rows |",
        "|---|" + "---:|" * (len(present) + 4),
    ]
    for name, (forecast, seconds) in forecasts.items():
        per_class = [_scores(train, actual, forecast, rows[classes[rows] == c])[0] for c in present]
        m, w, b = _scores(train, actual, forecast, rows)
        per_k = f"{1000 * seconds / len(rows):.2f}" if seconds is not None else ""
        cells = " | ".join(f"{value:.3f}" for value in per_class)
        lines.append(f"| {name} | {cells} | {m:.3f} | {w:.1%} | {b:+.1%} | {per_k} |")
    return [*lines, ""]


def accuracy(panel, ets_rows: int, workers: int) -> list[str]:
    """Markdown tables of the held-out accuracy of every method on ``panel``."""
    train, test = panel.history[:, :-HOLDOUT], panel.history[:, -HOLDOUT:]
    ours, seconds = _timed(lambda: forecast_portfolio(train, horizon=HOLDOUT, holdout=HOLDOUT))
    classes = ours.demand_class
    rows = np.flatnonzero(classes != "no_demand")
    actual = np.where(np.isnan(test), 0.0, test)
    forecasts = {
        "ours (forecast_portfolio)": (ours.forecast, seconds),
        "seasonal naive": (seasonal_naive(train), None),
        "Croston α = 0.1": (croston_benchmark(train), None),
    }
    for name, (values, sf_seconds) in statsforecast_models(train, rows, SF_MODELS, workers).items():
        full = np.zeros_like(ours.forecast)
        full[rows] = values
        forecasts[f"statsforecast {name}"] = (full, sf_seconds)
    lines = _table(f"{panel.name}: all rows with demand", train, actual, classes, forecasts, rows)
    smooth = rows[np.isin(classes[rows], ("smooth", "erratic"))]
    sample = np.sort(np.random.default_rng(0).permutation(smooth)[:ets_rows])
    if len(sample):
        ((values, ets_seconds),) = statsforecast_models(
            train, sample, ("AutoETS52",), workers
        ).values()
        full = np.zeros_like(ours.forecast)
        full[sample] = values
        sampled = {"ours": (ours.forecast, None), "statsforecast AutoETS(52)": (full, ets_seconds)}
        lines += _table(
            f"{panel.name}: sample of {len(sample)} smooth and erratic rows",
            train,
            actual,
            classes,
            sampled,
            sample,
        )
    return lines


def synthetic(rows: int, weeks: int = 104, seed: int = 0) -> np.ndarray:
    """A portfolio mix: smooth rows (some trending, some seasonal), intermittent and lumpy
    ones, starts staggered over the weeks, about 5 % without demand."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    level = rng.lognormal(1.5, 1.0, rows)[:, None]
    season = 1 + rng.uniform(0, 0.5, rows)[:, None] * np.sin(2 * np.pi * t / 52)[None, :]
    trend = 1 + rng.normal(0, 0.004, rows)[:, None] * t[None, :]
    occurs = rng.random((rows, weeks)) < rng.choice([1.0, 0.6, 0.3, 0.1, 0.0], rows)[:, None]
    history = np.where(occurs, rng.poisson(np.maximum(level * season * trend, 0)), 0.0)
    start = np.where(rng.random(rows) < 0.7, 0, rng.integers(0, weeks, rows))
    history[t[None, :] < start[:, None]] = np.nan
    return history


def _chunk(task: tuple[int, int]) -> tuple[float, float, int]:
    """Worker: forecast one synthetic chunk; (wall seconds, CPU seconds, peak KB of this
    process)."""
    seed, rows = task
    history = synthetic(rows, seed=seed)
    cpu = time.process_time()
    _, seconds = _timed(lambda: forecast_portfolio(history, horizon=26, holdout=HOLDOUT))
    cpu = time.process_time() - cpu
    return seconds, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def speed(rows: int, workers: int) -> list[str]:
    """Wall time of ``forecast_portfolio`` over ``rows`` synthetic rows × 104 weeks."""
    tasks = [
        (i, min(CHUNK_ROWS, rows - start)) for i, start in enumerate(range(0, rows, CHUNK_ROWS))
    ]
    load = os.getloadavg()[0]
    with Pool(workers, maxtasksperchild=1) as pool:
        results, wall = _timed(lambda: pool.map(_chunk, tasks, chunksize=1))
    fit = sum(seconds for seconds, _, _ in results)
    cpu = sum(seconds for _, seconds, _ in results)
    peak = max(kb for _, _, kb in results) / 1024
    return [
        f"`forecast_portfolio`, {rows:,} synthetic rows × 104 weeks, horizon 26, holdout 13, "
        f"{len(tasks)} chunks of up to {CHUNK_ROWS:,} rows over {workers} workers: "
        f"**{wall:.1f} s** wall, load average {load:.1f} → {os.getloadavg()[0]:.1f} "
        f"({fit:.1f} s in the fits, of which {cpu:.1f} CPU-seconds: "
        f"{1000 * cpu / rows:.3f} CPU-s per 1,000 rows); peak memory of a worker "
        f"{peak:,.0f} MB.",
        "",
    ]


def main() -> None:
    args = _arguments()
    if args.sf_worker:
        _sf_worker(*args.sf_worker, args.models, args.workers)
        return
    from bench.panels import demo_panel, man_panel

    lines = []
    for name in args.panels:
        panel = man_panel() if name == "MAN" else demo_panel()
        lines += accuracy(panel, args.ets_rows, args.workers)
    if args.rows:
        lines += speed(args.rows, args.workers)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
