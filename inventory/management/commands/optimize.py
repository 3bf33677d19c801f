"""``manage.py optimize``: start an optimization run from the shell and, optionally, follow it."""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.choices import ACTIVE_RUN_STATUSES, RunStatus, RunTrigger
from inventory.runs.models import PolicyRun
from inventory.runs.parameters import ParameterError
from inventory.runs.portfolio import outcome_text
from inventory.runs.replay import replay_sentence
from inventory.runs.scope import ScopeError, scope_resolve
from inventory.runs.selectors import run_log_entries, run_progress
from inventory.runs.services import RunConflict, policy_run_start

BAR_WIDTH = 20
STAGES = ("plan", "read", "compute", "write", "solve")


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _sku_location(text: str) -> tuple[str, str]:
    sku, _, location = text.rpartition("@")
    if not sku or not location:
        raise argparse.ArgumentTypeError(f"{text!r}: give SKU@LOCATION, e.g. SKU-1@DC-1.")
    return sku, location


def _parameter(text: str) -> tuple[str, str]:
    name, sign, value = text.partition("=")
    if not sign or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=VALUE, e.g. holding_rate=0.2.")
    return name.strip(), value.strip()


def progress_line(progress: dict) -> str:
    """``[#####-----] 12/24 batches, 120,000/240,000 SKU-locations, 35 s``."""
    total = progress["total_batches"]
    filled = round(BAR_WIDTH * progress["done_batches"] / total) if total else 0
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    seconds = f"{progress['elapsed_seconds'] or 0:.0f} s"
    if not total and progress["status"] in ACTIVE_RUN_STATUSES:
        waiting = "queued" if progress["status"] == RunStatus.QUEUED else "planning"
        return f"[{bar}] {waiting}, {seconds}"
    failed = f", {progress['failed_batches']} failed" if progress["failed_batches"] else ""
    return (
        f"[{bar}] {progress['done_batches']:,}/{total:,} batches{failed}, "
        f"{progress['done_rows']:,}/{progress['total_rows']:,} SKU-locations, {seconds}"
    )


class Command(BaseCommand):
    help = (
        "Start an optimization run (trigger: user) over a scope; with no scope options, the "
        "whole network. Prints the run id (only the id with -v 0). With --wait, shows "
        "progress until the run ends and exits non-zero unless it succeeded. The run is "
        "executed by the django-q2 cluster (manage.py qcluster), which must be running for "
        "--wait to end, unless RUNS_SYNC=1 runs it inside this command."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locations", type=_codes, default=[], help="Location codes, comma-separated."
        )
        parser.add_argument(
            "--categories", type=_codes, default=[], help="Item categories, comma-separated."
        )
        parser.add_argument(
            "--segments", type=_codes, default=[], help="ABC-XYZ segments, e.g. AX,BX."
        )
        parser.add_argument(
            "--sku",
            dest="sku_locations",
            type=_sku_location,
            nargs="+",
            action="extend",
            default=[],
            metavar="SKU@LOC",
            help="SKU-locations (repeatable).",
        )
        parser.add_argument(
            "--param",
            dest="parameters",
            type=_parameter,
            nargs="+",
            action="extend",
            default=[],
            metavar="NAME=VALUE",
            help="Run parameters, e.g. holding_rate=0.2 as_of=2026-11-23 (repeatable).",
        )
        parser.add_argument("--description", default="", help="Shown on the Runs page.")
        parser.add_argument(
            "--wait", action="store_true", help="Follow the run until it ends (see above)."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between checks with --wait."
        )
        parser.add_argument(
            "--if-no-runs",
            action="store_true",
            help="Do nothing when a run already exists (make run starts a first run this way).",
        )

    def handle(self, *args, **options) -> None:
        if options["if_no_runs"] and PolicyRun.objects.exists():
            if options["verbosity"]:
                self.stdout.write("A run already exists; not starting another.")
            return
        try:
            scope = scope_resolve(
                locations=options["locations"],
                categories=options["categories"],
                segments=options["segments"],
                sku_locations=options["sku_locations"],
            )
            run = policy_run_start(
                scope=scope,
                parameters=dict(options["parameters"]),
                actor=None,
                trigger=RunTrigger.USER,
                description=options["description"],
            )
        except (ScopeError, ParameterError, RunConflict) as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] == 0:
            self.stdout.write(str(run.pk))
        else:
            self.stdout.write(f"Run #{run.pk} started; scope: {scope.describe()}.")
        if not options["wait"]:
            return
        try:
            progress = self._follow(run, options["interval"])
        except KeyboardInterrupt:
            self.stdout.write("")
            raise CommandError(
                f"Stopped waiting; run #{run.pk} goes on (cancel it on the Runs page).",
                returncode=130,
            ) from None
        self._summarise(run, progress)

    def _follow(self, run: PolicyRun, interval: float) -> dict:
        """Poll until the run ends: one line rewritten in place on a terminal, a new line per
        change (batches, SKU-locations, status) otherwise. Returns the final progress."""
        tty, shown, width = self.stdout.isatty(), None, 0
        while True:
            run.refresh_from_db()
            progress = run_progress(run)
            line = progress_line(progress)
            if tty:
                self.stdout.write("\r" + line.ljust(width), ending="")
                self.stdout.flush()
                width = len(line)
            else:
                state = (progress["status"], progress["done_batches"], progress["done_rows"])
                if state != shown:
                    self.stdout.write(line)
                    shown = state
            if progress["status"] not in ACTIVE_RUN_STATUSES:
                break
            time.sleep(interval)
        if tty:
            self.stdout.write("")
        return progress

    def _summarise(self, run: PolicyRun, progress: dict) -> None:
        status = RunStatus(progress["status"])
        timings = progress["timings"] or {}
        stages = ", ".join(f"{s} {timings[s]:.2f} s" for s in STAGES if s in timings)
        summary = (
            f"Run #{run.pk} {status.label.lower()}: {progress['total_rows']:,} SKU-locations "
            f"in {progress['total_batches']:,} batches, {progress['recommendations']:,} "
            f"recommendations, {progress['exceptions']:,} exceptions, "
            f"{progress['failed_batches']:,} failed batches."
        )
        if status == RunStatus.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(summary))
        else:
            self.stdout.write(summary)
        self.stdout.write(f"Stage timings: {stages or 'none recorded'}.")
        if run.snapshot.get("portfolio", {}).get("outcome"):
            self.stdout.write(outcome_text(run.snapshot["portfolio"]["outcome"]))
        if run.snapshot.get("backtest"):
            self.stdout.write(replay_sentence(run.snapshot["backtest"]))
        if status != RunStatus.SUCCEEDED:
            for entry in run_log_entries(run).filter(level="error")[:10]:
                batch = f"batch {entry.batch_number}: " if entry.batch_number else ""
                self.stderr.write(f"  {batch}{entry.message}")
            raise CommandError(f"Run #{run.pk} {status.label.lower()}.")
