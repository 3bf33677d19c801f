"""``manage.py load_csv <resource> <file>``: load an ERP extract without the API."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sop_platform.bulk.parsing import BulkInputError
from sop_platform.bulk.registry import RESOURCES
from sop_platform.bulk.service import LoadReport, bulk_load


class Command(BaseCommand):
    help = "Load a CSV (or JSON array) file into one resource, exactly as the bulk API does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("resource", choices=sorted(RESOURCES))
        parser.add_argument("file", type=Path)
        parser.add_argument("--partial", action="store_true", help="Write the valid rows.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and count only.")
        parser.add_argument("--source", default="file", help="Provenance recorded on the rows.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        kind = "application/json" if path.suffix.lower() == ".json" else "text/csv"
        try:
            report = bulk_load(
                resource=RESOURCES[options["resource"]],
                body=path.read_bytes(),
                content_type=kind,
                partial=options["partial"],
                dry_run=options["dry_run"],
                source=options["source"],
            )
        except BulkInputError as error:
            raise CommandError(str(error)) from error
        self._print(report)
        if not report.ok and not report.partial:
            raise CommandError(f"{report.rejected:,} rows rejected: nothing was written.")

    def _print(self, report: LoadReport) -> None:
        mode = " (dry run: nothing written)" if report.dry_run else ""
        self.stdout.write(
            f"{report.resource}: {report.rows:,} rows — {report.created:,} created, "
            f"{report.updated:,} updated, {report.unchanged:,} unchanged, "
            f"{report.rejected:,} rejected{mode}"
        )
        for error in report.errors:
            self.stdout.write(f"  row {error.row}, {error.field}: {error.message}")
        if report.error_count > len(report.errors):
            self.stdout.write(f"  … and {report.error_count - len(report.errors):,} more errors")
