"""``manage.py escalate [--as-of YYYY-MM-DD]``: evaluate the escalation rules now."""

from django.core.management.base import BaseCommand, CommandParser

from governance.escalations.services import escalations_evaluate
from sop_platform.management.options import date_option


class Command(BaseCommand):
    help = (
        "Evaluate every escalation rule (days on hand, forecast bias, service, receipt timing) "
        "over the complete weeks before the as-of date: raise exceptions for the SKU-locations "
        "beyond a rule's threshold, refresh the open ones, resolve those no longer beyond it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="Evaluate as of this date, YYYY-MM-DD (default today).")

    def handle(self, *args, **options) -> None:
        summary = escalations_evaluate(as_of=date_option(options["as_of"], "--as-of"))
        self.stdout.write(
            self.style.SUCCESS(f"Escalation rules as of {summary.as_of.isoformat()}:")
        )
        for outcome in summary.rules:
            self.stdout.write(f"  {outcome}")
