"""``bulk_load``: the one service every interface (API, ``load_csv``) calls to load a body."""

import logging
from dataclasses import asdict, dataclass, field
from functools import partial

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils.module_loading import import_string

from sop_platform.bulk.parsing import BulkInputError, parse_body
from sop_platform.bulk.spec import Resource
from sop_platform.bulk.upsert import UpsertCounts, upsert
from sop_platform.bulk.validation import RowError, validate
from sop_platform.retries import atomic_with_retries, is_transient

logger = logging.getLogger(__name__)

# Tries of a write the database refuses for a transient reason (deadlock, lock timeout, ...),
# the first pause between them, and what a client still refused is told to wait.
WRITE_ATTEMPTS = 4
RETRY_PAUSE_SECONDS = 0.1
RETRY_AFTER_SECONDS = 2


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
    fields, required = resource.input_fields, resource.required_fields
    frame = parse_body(body, content_type, fields, required, boolean_fields=resource.boolean_fields)
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
    """Upsert in one transaction (rolled back for a dry run), tried again while concurrent
    writers make the database refuse it; then run the after-load hooks."""
    try:
        counts = atomic_with_retries(
            partial(_upsert_once, resource, values, source=source, dry_run=report.dry_run),
            attempts=WRITE_ATTEMPTS,
            pause_seconds=RETRY_PAUSE_SECONDS,
            label=f"bulk load of {len(values):,} {resource.name}",
        )
    except DatabaseError as error:
        raise _refusal(resource, error) from None
    report.created, report.updated, report.unchanged = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    report.written = not report.dry_run and len(values) > 0
    if report.written and (counts.created or counts.updated):
        after_load_run(resource)


def after_load_run(resource: Resource) -> None:
    """Call the services a resource names to run after rows of it changed."""
    for hook in resource.after_load:
        import_string(hook)()


def _upsert_once(resource: Resource, values, *, source: str, dry_run: bool) -> UpsertCounts:
    """One try of the write, inside the transaction the caller opened."""
    counts = upsert(resource, values, source=source)
    if dry_run:
        transaction.set_rollback(True)
    return counts


def _refusal(resource: Resource, error: DatabaseError) -> BulkInputError:
    """What to answer when the database refused the write: a plain message, nothing written.
    The database's own words (SQL, locks, processes) go to the log only."""
    logger.warning("Bulk load of %s refused by the database: %s", resource.name, error)
    if is_transient(error) and not isinstance(error, IntegrityError):
        return BulkInputError(
            f"Other writes to the same {resource.name} rows kept this load from committing; "
            f"nothing was written; try again in {RETRY_AFTER_SECONDS} seconds.",
            503,
            retry_after=RETRY_AFTER_SECONDS,
        )
    if isinstance(error, IntegrityError):
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        rule = f" ({constraint})" if constraint else ""
        return BulkInputError(
            f"The rows break a rule of the {resource.name} table{rule}; nothing was written.",
            409,
        )
    if isinstance(error, DataError):
        return BulkInputError("A value does not fit its database column; nothing was written.", 400)
    return BulkInputError("The rows could not be written; nothing was written.", 400)
