"""``manage.py load_man``: load the real MAN data set through the bulk API, then run over it."""

import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.choices import ACTIVE_RUN_STATUSES, RunStatus
from inventory.datasets.bulk_api import BulkApiError
from inventory.datasets.man import LOCATION_CODE, ManDataError, default_as_of, man_read
from inventory.datasets.services import (
    DEFAULT_BATCH_ROWS,
    ResourceLoad,
    RunWindow,
    man_load,
    man_run_start,
    man_window,
)
from inventory.management.commands.optimize import progress_line
from inventory.runs.models import PolicyRun
from inventory.runs.parameters import ParameterError
from inventory.runs.replay import replay_sentence
from inventory.runs.scope import ScopeError
from inventory.runs.selectors import run_progress
from inventory.runs.services import RunConflict
from inventory.runs.summary import run_summary
from sop_platform.management.options import date_option

DEFAULT_DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "man"


class Command(BaseCommand):
    help = (
        "Load MAN (a manufacturer's real weekly spare-parts demand, see docs/real-data.md) "
        "through the bulk API as --user (integration or admin role), in batches, and report "
        "rejected rows. With --run, start an optimization run over the MAN warehouse dated "
        "--as-of, follow it and print a summary; the django-q2 cluster (manage.py qcluster) "
        "executes it, or this command itself with RUNS_SYNC=1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Loads as this user (API token).")
        parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
        parser.add_argument("--skus", type=int, help="Only the first N SKUs of items.csv.")
        parser.add_argument(
            "--as-of",
            help="Stock-position date and the run's as-of (a Monday; default: the Monday "
            "after the last week of demand, 2014-11-17 for MAN).",
        )
        parser.add_argument(
            "--history-weeks", type=int, help="Run window (default: every week before as-of)."
        )
        parser.add_argument("--batch-rows", type=int, default=DEFAULT_BATCH_ROWS)
        parser.add_argument("--partial", action="store_true", help="Write the valid rows.")
        parser.add_argument("--run", action="store_true", help="Then run and summarise.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between checks.")

    def handle(self, *args, **options) -> None:
        if options["batch_rows"] < 1 or (options["skus"] is not None and options["skus"] < 1):
            raise CommandError("--batch-rows and --skus take a number of at least 1.")
        user = self._user(options["user"])
        try:
            data = man_read(options["data_dir"], skus=options["skus"])
            as_of = date_option(options["as_of"], "--as-of") or default_as_of(data)
            window = man_window(data=data, as_of=as_of, history_weeks=options["history_weeks"])
        except (ManDataError, ParameterError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"MAN from {options['data_dir']}: {len(data.items):,} SKUs, {len(data.demand):,} "
            f"demand rows, weeks {data.first_week} to {data.last_week}; stock positions of 0 "
            f"on {as_of}; holding rate {window.holding_rate:.0%} a year."
        )
        self._load(data, user, as_of, options)
        if options["run"]:
            self._run(window, options["interval"])

    def _user(self, username: str):
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None

    def _load(self, data, user, as_of, options) -> None:
        started = time.perf_counter()
        try:
            loads = man_load(
                data=data,
                user=user,
                as_of=as_of,
                batch_rows=options["batch_rows"],
                partial=options["partial"],
                on_loaded=self._print_load,
            )
        except BulkApiError as error:
            raise CommandError(str(error)) from error
        rows, accepted = sum(x.rows for x in loads), sum(x.accepted for x in loads)
        seconds = time.perf_counter() - started
        self.stdout.write(f"Loaded {accepted:,} of {rows:,} rows in {seconds:,.1f} s.")
        rejected = sum(x.rejected for x in loads)
        if rejected and not options["partial"]:
            raise CommandError(
                f"Rejected rows: {rejected:,}; the batches holding them were not written and "
                "no run was started. Fix the data, or load the valid rows with --partial."
            )

    def _print_load(self, load: ResourceLoad) -> None:
        valid_unwritten = load.rows - load.accepted - load.rejected
        unwritten = f", {valid_unwritten:,} valid not written" if valid_unwritten else ""
        self.stdout.write(
            f"{load.resource}: {load.rows:,} rows: {load.created:,} created, {load.updated:,} "
            f"updated, {load.unchanged:,} unchanged, {load.rejected:,} rejected{unwritten} "
            f"({load.seconds:,.1f} s)"
        )
        for message in load.errors:
            self.stdout.write(f"  {message}")
        if load.error_count > len(load.errors):
            self.stdout.write(f"  … and {load.error_count - len(load.errors):,} more errors")

    def _run(self, window: RunWindow, interval: float) -> None:
        try:
            run = man_run_start(window=window)
        except (RunConflict, ScopeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Run #{run.pk} started over {LOCATION_CODE}: as of {window.as_of}, "
            f"{window.history_weeks} weeks of history."
        )
        self._follow(run, interval)
        self._summarise(run)

    def _follow(self, run: PolicyRun, interval: float) -> None:
        """Poll until the run ends, a line each time its progress changes."""
        shown = None
        while True:
            run.refresh_from_db()
            progress = run_progress(run)
            state = (progress["status"], progress["done_batches"])
            if state != shown:
                self.stdout.write(progress_line(progress))
                shown = state
            if progress["status"] not in ACTIVE_RUN_STATUSES:
                return
            time.sleep(interval)

    def _summarise(self, run: PolicyRun) -> None:
        summary = run_summary(run=run)
        status = RunStatus(run.status).label.lower()
        self.stdout.write(
            f"Run #{run.pk} {status} in {run.duration_seconds or 0:,.1f} s: "
            f"{summary.sku_locations:,} SKU-locations planned, "
            f"{summary.recommendations:,} recommendations."
        )
        self.stdout.write(f"Demand patterns: {_counts(summary.patterns)}.")
        self.stdout.write(f"Segments: {_counts(summary.segments)}.")
        self.stdout.write(f"Safety stock value: {summary.safety_stock_value:,.0f} EUR.")
        reasons = f" ({_counts(summary.blocked_reasons)})" if summary.blocked else ""
        self.stdout.write(f"Blocked: {summary.blocked:,}{reasons}.")
        self.stdout.write(f"Exceptions: {_counts(summary.exceptions) or 'none'}.")
        if run.snapshot.get("backtest"):
            self.stdout.write(replay_sentence(run.snapshot["backtest"]))
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Run #{run.pk} {status}: see its log on the Runs page.")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in counts.items())
