"""Benchmark an optimization run end to end on PostgreSQL with a real two-worker cluster.

Usage (from the repository root)::

    .venv/bin/python bench/runs.py                      # 100k, then 1M SKU-locations
    .venv/bin/python bench/runs.py --sizes 5000         # 5,000 SKUs x 20 locations only
    .venv/bin/python bench/runs.py --sizes 50000 --keep # keep the scratch database
    .venv/bin/python bench/runs.py --sizes 5000 --param demand_model=parametric

For each size: creates the scratch database ``sop_bench_runs_<skus>`` (or reuses it with
``--reuse`` when it holds that demo network), loads the demo network (SKUs x 20 locations x
104 weeks), starts ``manage.py qcluster`` with two workers, queues a whole-network run and
waits for it. Prints wall time, the seconds and rows/s of each stage (summed over batches,
so on two workers they add up to about twice the wall time), and the peak resident memory of
each worker process (VmHWM). ``BENCH_ADMIN_URL`` names the server (default
``postgres://postgres@127.0.0.1:5432/postgres``).
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
LOCATIONS, WEEKS, END = 20, 104, "2025-06-02"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000], help="SKUs")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="Keep a loaded database.")
    parser.add_argument("--keep", action="store_true", help="Do not drop the database.")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A run parameter, e.g. demand_model=parametric (repeatable).",
    )
    return parser.parse_args()


def _flags(args: argparse.Namespace) -> list[str]:
    flags = ["--batch-size", str(args.batch_size), "--workers", str(args.workers)]
    flags += [f"--param={given}" for given in args.param]
    return flags + ["--reuse"] * args.reuse + ["--keep"] * args.keep


def _url(database: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def _prepare(database: str, skus: int, reuse: bool) -> dict:
    env = {**os.environ, "DATABASE_URL": _url(database), "DEBUG": "1"}
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if exists and not reuse:
            admin.execute(f"DROP DATABASE {database}")
        if not exists or not reuse:
            admin.execute(f"CREATE DATABASE {database}")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "load_demo", "--if-empty", "--skus", str(skus), "--locations", str(LOCATIONS),
         "--weeks", str(WEEKS), "--seed", "42", "--end-date", END],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"  demo network ready in {time.perf_counter() - started:.0f} s")
    return env


def _children(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        path = Path(f"/proc/{parent}/task/{parent}/children")
        kids = [int(p) for p in path.read_text().split()] if path.exists() else []
        found.extend(kids)
        frontier.extend(kids)
    return found


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run(env: dict, batch_size: int, workers: int, given: list[str]) -> None:
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        os.environ.update(DATABASE_URL=env["DATABASE_URL"], DEBUG="1")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_platform.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connections

        from inventory.runs.scope import RunScope
        from inventory.runs.services import policy_run_start

        time.sleep(3)  # let the cluster fork its workers
        parameters = {"batch_size": batch_size, "as_of": END}
        parameters |= dict(text.split("=", 1) for text in given)
        run = policy_run_start(scope=RunScope(), parameters=parameters)
        memory: dict[int, float] = {}
        while run.is_active:
            time.sleep(1)
            if cluster.poll() is not None:
                raise SystemExit(f"the cluster stopped (exit {cluster.returncode})")
            run.refresh_from_db()
            for pid in _children(cluster.pid):
                with contextlib.suppress(FileNotFoundError):  # a process that just ended
                    memory[pid] = max(memory.get(pid, 0.0), _peak_mb(pid))
        _report(run, memory)
        connections.close_all()
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()


def _report(run, memory: dict[int, float]) -> None:
    wall = run.duration_seconds
    rows = run.total_rows
    print(f"  run #{run.pk}: {run.status}, {rows:,} SKU-locations, {run.total_batches} batches")
    print(f"  wall time {wall:.1f} s, {rows / wall:,.0f} SKU-locations/s")
    for stage, seconds in run.timings.items():
        rate = f"{rows / seconds:>12,.0f} rows/s" if seconds else ""
        print(f"    {stage:<8} {seconds:8.1f} s {rate}")
    workers = sorted(memory.values(), reverse=True)
    print("  peak memory per process (MB): " + ", ".join(f"{mb:,.0f}" for mb in workers))
    print(f"  recommendations {run.recommendations.count():,}, snapshot {run.snapshot}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they come, even piped
    args = _arguments()
    if len(args.sizes) > 1:  # Django binds to one database per process: one process a size
        for skus in args.sizes:
            command = [sys.executable, __file__, *_flags(args), "--sizes", str(skus)]
            subprocess.run(command, check=True)
        return
    for skus in args.sizes:
        database = f"sop_bench_runs_{skus}"
        print(f"{skus:,} SKUs x {LOCATIONS} locations x {WEEKS} weeks, PostgreSQL, 2 cores:")
        env = _prepare(database, skus, args.reuse)
        _run(env, args.batch_size, args.workers, args.param)
        if not args.keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    main()
