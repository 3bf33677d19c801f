"""``manage.py load_demo``: generate a deterministic demo network and load it in bulk."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.demo.clock import StageReport
from inventory.demo.service import DemoDataExists, LoadSummary, demo_network_load
from sop_platform.management.options import date_option


class Command(BaseCommand):
    help = (
        "Generate a demo network (items, locations, lanes, suppliers, demand history, "
        "forecasts, purchase orders, weekly stock, expedites and write-offs, legacy policies) "
        "and load it in bulk. The same "
        "arguments and seed always give the same rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skus", type=int, default=200, help="Items (default 200).")
        parser.add_argument("--locations", type=int, default=6, help="Locations, at least 2.")
        parser.add_argument("--weeks", type=int, default=104, help="History weeks, at least 8.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--stock-weeks",
            type=int,
            help="Write a weekly stock position for the last N history weeks only (default: "
            "every history week; 0 writes today's positions only).",
        )
        parser.add_argument(
            "--end-date", help="Monday ending the history, YYYY-MM-DD (default: this Monday)."
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--replace",
            action="store_true",
            help="Delete all items, locations, suppliers and what references them first.",
        )
        existing.add_argument(
            "--if-empty", action="store_true", help="Do nothing if data is already loaded."
        )

    def handle(self, *args, **options) -> None:
        end_date = date_option(options["end_date"], "--end-date")
        self.stdout.write(
            f"Demo network: {options['skus']:,} SKUs x {options['locations']} locations, "
            f"{options['weeks']} weeks, seed {options['seed']}"
        )
        try:
            summary = demo_network_load(
                skus=options["skus"],
                locations=options["locations"],
                weeks=options["weeks"],
                seed=options["seed"],
                end_date=end_date,
                stock_weeks=options["stock_weeks"],
                replace=options["replace"],
                if_empty=options["if_empty"],
                progress=self._report,
            )
        except (ValueError, DemoDataExists) as error:
            raise CommandError(str(error)) from error
        self._summarise(summary)
        if options["verbosity"] >= 2 and summary.rebuild_seconds:
            self.stdout.write("Index and foreign-key rebuild per table:")
            for table, seconds in summary.rebuild_seconds.items():
                self.stdout.write(f"  {table:<40} {seconds:>8.1f} s")

    def _report(self, report: StageReport) -> None:
        if not report.done:
            self.stdout.write(
                f"  {report.stage}: {report.rows:,} rows so far ({report.seconds:.0f} s)"
            )
            return
        self.stdout.write(
            f"  {report.stage:<32} {report.rows:>13,} rows {report.seconds:>8.1f} s"
            f" {report.rows_per_second:>11,.0f} rows/s"
        )

    def _summarise(self, summary: LoadSummary) -> None:
        spec = summary.spec
        if not summary.loaded:
            self.stdout.write("Data is already loaded; nothing to do (--if-empty).")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo network ({spec.skus:,} SKUs x {spec.locations} locations, "
                f"{spec.weeks} weeks to {spec.end_date.isoformat()}, seed {spec.seed}) into "
                f"{summary.database}: {summary.total_rows:,} rows in {summary.seconds:.1f} s."
            )
        )
        for label, rows in summary.rows.items():
            self.stdout.write(f"  {label:<40} {rows:>13,}")
        self.stdout.write(
            "Deliberate data defects: "
            + ", ".join(f"{count:,} {what}" for what, count in summary.defects.items())
        )
