"""``manage.py forecast``: start a forecast run from the shell and, optionally, follow it."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demand.models import ForecastRun
from demand.runs.selectors import forecast_run_progress
from demand.runs.services import forecast_run_start
from inventory.choices import ACTIVE_RUN_STATUSES, RunStatus, RunTrigger
from inventory.management.commands.optimize import _codes, progress_line
from inventory.runs.parameters import ParameterError
from inventory.runs.scope import ScopeError, scope_resolve
from inventory.runs.services import RunConflict


class Command(BaseCommand):
    help = (
        "Start a forecast run (the statistical baseline) over a scope; with no scope options, "
        "the whole network. Prints the run id. --sync runs it inside this command; --wait "
        "follows a run the django-q2 cluster (manage.py qcluster) executes. Either exits "
        "non-zero unless the run succeeded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locations", type=_codes, default=[], help="Location codes, comma-separated."
        )
        parser.add_argument(
            "--categories", type=_codes, default=[], help="Item categories, comma-separated."
        )
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            help="A Monday: history before it is fitted (default: this week's Monday).",
        )
        parser.add_argument("--description", default="", help="Shown on the runs page.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--sync", action="store_true", help="Run it in this process.")
        mode.add_argument("--wait", action="store_true", help="Follow it until it ends.")
        parser.add_argument(
            "--if-no-runs",
            action="store_true",
            help="Do nothing when a forecast run already exists (make run uses it).",
        )

    def handle(self, *args, **options) -> None:
        self.verbosity = options["verbosity"]
        if options["if_no_runs"] and ForecastRun.objects.exists():
            if options["verbosity"]:
                self.stdout.write("A forecast run already exists; not starting another.")
            return
        try:
            scope = scope_resolve(locations=options["locations"], categories=options["categories"])
            run = forecast_run_start(
                scope=scope,
                trigger=RunTrigger.USER,
                description=options["description"],
                as_of=options["as_of"],
                sync=True if options["sync"] else None,
            )
        except (ScopeError, ParameterError, RunConflict) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            str(run.pk)
            if options["verbosity"] == 0
            else f"Forecast run #{run.pk} started as of {run.as_of}; scope: {scope.describe()}."
        )
        if options["sync"] or options["wait"]:
            self._finish(self._follow(run))

    def _follow(self, run: ForecastRun) -> ForecastRun:
        """Poll until the run ends, a line per change (at once with --sync)."""
        shown = None
        while True:
            run.refresh_from_db()
            progress = forecast_run_progress(run)
            state = (progress["status"], progress["done_batches"])
            if state != shown and self.verbosity:
                self.stdout.write(progress_line(progress))
                shown = state
            if progress["status"] not in ACTIVE_RUN_STATUSES:
                return run
            time.sleep(1)

    def _finish(self, run: ForecastRun) -> None:
        status = RunStatus(run.status)
        overall = run.summary.get("overall", {})
        text = (
            f"Forecast run #{run.pk} {status.label.lower()}: {overall.get('rows', 0):,} "
            f"SKU-locations, mean holdout MASE {overall.get('mean_mase')}; "
            + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in run.timings.items())
        )
        if status != RunStatus.SUCCEEDED:
            raise CommandError(f"{text}. {run.error}".strip())
        self.stdout.write(self.style.SUCCESS(text))
