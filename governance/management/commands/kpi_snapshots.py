"""Compute KPI snapshots: ``manage.py kpi_snapshots [--first DATE] [--last DATE] [--sync]``."""

import time
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.kpis.services import kpi_refresh_create, kpi_refresh_run, kpi_refresh_start


class Command(BaseCommand):
    help = (
        "Compute the KPI snapshots of the weeks from --first's to --last's (default: every "
        "week with a stock position); queued for the django-q2 worker unless --sync."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--first", type=date.fromisoformat, help="a day of the first week")
        parser.add_argument("--last", type=date.fromisoformat, help="a day of the last week")
        parser.add_argument("--sync", action="store_true", help="compute now, in this process")

    def handle(self, *args, **options) -> None:
        start = time.perf_counter()
        span = {"user": None, "first": options["first"], "last": options["last"]}
        try:
            if options["sync"]:
                refresh = kpi_refresh_run(refresh=kpi_refresh_create(**span))
            else:
                refresh = kpi_refresh_start(**span)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        weeks = f"{refresh.first_period} to {refresh.last_period} ({refresh.periods_total} weeks)"
        if not options["sync"]:
            self.stdout.write(f"KPI refresh #{refresh.pk} queued: {weeks}.")
            return
        if refresh.error:
            raise CommandError(f"KPI refresh #{refresh.pk} failed:\n{refresh.error}")
        self.stdout.write(
            f"KPI refresh #{refresh.pk} {refresh.status}: {weeks}, {refresh.cells_written:,} "
            f"cells in {time.perf_counter() - start:.1f} s."
        )
