"""``manage.py refresh_lead_times``: recompute lead-time actuals of every supplier lane."""

from django.core.management.base import BaseCommand, CommandParser

from sop_platform.management.options import date_option
from supply.services import lead_time_actuals_refresh


class Command(BaseCommand):
    help = (
        "Recompute each supplier lane's actual lead time (mean, sd, on-time rate, 3-month "
        "trend) from receipts against purchase orders, and record lane-change events where "
        "the mean or sd shifted beyond the threshold."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="Last day of the window, YYYY-MM-DD (default today).")

    def handle(self, *args, **options) -> None:
        report = lead_time_actuals_refresh(as_of=date_option(options["as_of"], "--as-of"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Lead-time actuals as of {report.as_of.isoformat()}: {report.lanes:,} lanes "
                f"({report.trusted_lanes:,} trusted, {report.changed_lanes:,} changed) from "
                f"{report.received_lines:,} received PO lines; {report.events:,} lane-change "
                f"events; {report.seconds:.1f} s."
            )
        )
