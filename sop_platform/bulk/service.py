"""``bulk_load``: the one service every interface (API, ``load_csv``) calls to load a body."""

from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.module_loading import import_string

from sop_platform.bulk.parsing import BulkInputError, parse_body
from sop_platform.bulk.spec import Resource
from sop_platform.bulk.upsert import upsert
from sop_platform.bulk.validation import RowError, validate


@dataclass
class LoadReport:
    """What a load did, or would do (``dry_run``), with the rejected rows' errors."""

    resource: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    dry_run: bool = False
    partial: bool = False
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return self.rejected == 0

    def as_dict(self) -> dict:
        """JSON-ready form, as the API returns it."""
        return asdict(self)


def max_rows() -> int:
    """Most rows one load may carry (setting BULK_MAX_ROWS)."""
    return getattr(settings, "BULK_MAX_ROWS", 2_000_000)


def bulk_load(
    *,
    resource: Resource,
    body: bytes,
    content_type: str,
    partial: bool = False,
    dry_run: bool = False,
    source: str = "api",
) -> LoadReport:
    """Validate every row of ``body`` and upsert the rows by natural key.

    All-or-nothing by default: one rejected row rejects the load and nothing is written.
    ``partial`` writes the valid rows and reports the others; ``dry_run`` validates and
    counts what would change, writing nothing. Raises :class:`BulkInputError` when the body
    cannot be read at all (status 400, or 413 beyond BULK_MAX_ROWS).
    """
    fields = {f for c in resource.columns for f in c.input_fields}
    required = {f for c in resource.columns if c.required for f in c.input_fields}
    frame = parse_body(body, content_type, fields, required)
    if len(frame) > max_rows():
        raise BulkInputError(
            f"{len(frame):,} rows is more than the {max_rows():,} one load may carry; "
            "split the file.",
            status=413,
        )
    checked = validate(resource, frame)
    report = LoadReport(
        resource=resource.name,
        rows=len(frame),
        rejected=checked.rejected_rows,
        dry_run=dry_run,
        partial=partial,
        error_count=checked.error_count,
        errors=checked.errors,
    )
    if report.rejected and not partial:
        return report
    _write(resource, checked.values, report, source)
    return report


def _write(resource: Resource, values, report: LoadReport, source: str) -> None:
    """Upsert in one transaction (rolled back for a dry run); then run the after-load hooks."""
    try:
        with transaction.atomic():
            counts = upsert(resource, values, source=source)
            if report.dry_run:
                transaction.set_rollback(True)
    except IntegrityError as error:
        raise BulkInputError(f"The database refused the rows: {error}".strip(), 409) from None
    except DatabaseError as error:
        raise BulkInputError(f"The rows could not be written: {error}".strip(), 400) from None
    report.created, report.updated, report.unchanged = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    report.written = not report.dry_run and len(values) > 0
    if report.written and (counts.created or counts.updated):
        for hook in resource.after_load:
            import_string(hook)()
