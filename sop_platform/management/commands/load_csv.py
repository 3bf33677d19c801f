"""``manage.py load_csv <resource> <file>``: load an ERP extract of any size without the API."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from sop_platform.bulk.backfill import (
    BACKFILL_RESOURCES,
    BackfillSink,
    BackfillUnavailable,
    backfill_check,
)
from sop_platform.bulk.parsing import BulkInputError
from sop_platform.bulk.progress import ProgressBar
from sop_platform.bulk.registry import RESOURCES
from sop_platform.bulk.service import LoadReport
from sop_platform.bulk.stream import DEFAULT_CHUNK_ROWS, StreamResult, stream_load


class Command(BaseCommand):
    help = (
        "Load a CSV file (or a JSON array) into one resource with the bulk API's rules: rows "
        "upserted by natural key, one rejected row rejects the whole file (nothing written) "
        "unless --partial. A CSV is streamed in chunks, so files of any size load in bounded "
        "memory, in one transaction; a JSON file is read whole. Progress goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("resource", choices=sorted(RESOURCES))
        parser.add_argument("file", type=Path)
        parser.add_argument("--partial", action="store_true", help="Write the valid rows.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and count only.")
        parser.add_argument("--source", default="file", help="Provenance recorded on the rows.")
        parser.add_argument(
            "--backfill",
            action="store_true",
            help=(
                f"PostgreSQL, {' and '.join(BACKFILL_RESOURCES)} only: drop the table's indexes "
                "and foreign keys, load with COPY, rebuild them and re-validate the foreign keys "
                "before commit (when the table already holds rows, only the foreign keys are "
                "dropped and rows are upserted, never duplicated). Locks the table meanwhile. "
                "With --dry-run, validates and counts as without it."
            ),
        )
        parser.add_argument(
            "--chunk-rows",
            type=int,
            default=None,
            help=f"CSV records per chunk (default BULK_STREAM_CHUNK_ROWS, {DEFAULT_CHUNK_ROWS:,}).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress output.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if options["chunk_rows"] is not None and options["chunk_rows"] < 1:
            raise CommandError("--chunk-rows must be at least 1.")
        resource = RESOURCES[options["resource"]]
        sink = self._sink(resource, options)
        progress = None
        if not options["no_progress"]:
            # The raw stream: the bar writes its own line ends (``\r`` on a terminal).
            progress = ProgressBar(self.stderr._out, path.stat().st_size, resource.name)
        try:
            result = stream_load(
                resource=resource,
                path=path,
                partial=options["partial"],
                dry_run=options["dry_run"],
                source=options["source"],
                rows_per_chunk=options["chunk_rows"],
                sink=sink,
                progress=progress,
            )
        except BulkInputError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            message = f"The database refused the load; nothing was written: {error}"
            raise CommandError(message) from error
        finally:
            if progress:
                progress.close()
        self._print(result)
        report = result.report
        if not report.ok and not report.partial:
            raise CommandError(f"{report.rejected:,} rows rejected: nothing was written.")

    def _sink(self, resource, options) -> BackfillSink | None:
        """The backfill writer when asked for (and possible), else the default upsert."""
        if not options["backfill"] or options["dry_run"]:
            return None
        try:
            backfill_check(resource)
        except BackfillUnavailable as error:
            raise CommandError(str(error)) from error
        return BackfillSink(resource, options["source"])

    def _print(self, result: StreamResult) -> None:
        report: LoadReport = result.report
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
        rate = report.rows / result.seconds if result.seconds else 0.0
        stages = ", ".join(f"{name} {seconds:,.1f} s" for name, seconds in result.stages.items())
        self.stderr.write(
            f"{result.chunks:,} chunks, {result.bytes / 1e6:,.1f} MB in {result.seconds:,.1f} s "
            f"({rate:,.0f} rows/s): {stages}",
            style_func=None,
        )
