"""Loading promotions (from the ERP or the marketing calendar): rows validated like every
bulk resource (sop_platform.bulk), upserted by natural key (item, location, start) through
the model, so each created or changed promotion gets its history row with who loaded it.

A blank location is a promotion of the item at every location. Promotions are few (a
calendar, not a fact table), so rows are saved one by one.
"""

from datetime import date

import pandas as pd
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from demand.models import Promotion
from governance.proposals import audited
from inventory.api.resources import ITEM, LOCATION
from sop_platform.bulk.parsing import BulkInputError, parse_body
from sop_platform.bulk.service import LoadReport
from sop_platform.bulk.spec import Column, Resource, RowRule
from sop_platform.bulk.validation import validate

MAX_ROWS = 20_000

PROMOTIONS = Resource(
    name="promotions",
    model=Promotion,
    key=("item", "location", "start"),
    description="Planned promotions: the item's demand (at the location, or at every location "
    "when blank) multiplied by uplift from start to end.",
    columns=(
        Column("item", "reference", required=True, db_column="item_id", reference=ITEM),
        Column("location", "reference", db_column="location_id", reference=LOCATION),
        Column("start", "date", required=True),
        Column("end", "date", required=True),
        Column("uplift", "number", required=True, minimum=0),
        Column("description", max_length=200, default=""),
    ),
    rules=(RowRule("end", "ge", "start", "must not be before start", "promotion_span"),),
)

_Key = tuple[int, int | None, date]


def promotions_load(
    *,
    user: AbstractBaseUser,
    body: bytes,
    content_type: str,
    partial: bool = False,
    dry_run: bool = False,
) -> LoadReport:
    """Validate every row and upsert the promotions, all or nothing unless ``partial``;
    ``dry_run`` counts without writing. Raises ``BulkInputError`` for an unreadable body."""
    resource = PROMOTIONS
    frame = parse_body(body, content_type, resource.input_fields, resource.required_fields)
    if len(frame) > MAX_ROWS:
        raise BulkInputError(f"{len(frame):,} promotions is more than {MAX_ROWS:,}.", status=413)
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
    with transaction.atomic():
        report.created, report.updated = _upsert(_rows(checked.values), user)
        if dry_run:
            transaction.set_rollback(True)
    report.unchanged = len(checked.values) - report.created - report.updated
    report.written = not dry_run and len(checked.values) > 0
    return report


def _rows(values: pd.DataFrame) -> dict[_Key, dict]:
    """The typed rows by natural key: dates as dates, a missing location as None."""
    rows = {}
    for row in values.to_dict("records"):
        location = row.get("location_id")
        key = (int(row["item_id"]), None if pd.isna(location) else int(location))
        data = {"end": row["end"].date(), "uplift": float(row["uplift"])}
        if "description" in row:  # absent from the body: a stored one is kept
            data["description"] = row["description"] or ""
        rows[(*key, row["start"].date())] = data
    return rows


def _upsert(rows: dict[_Key, dict], user: AbstractBaseUser) -> tuple[int, int]:
    """Create the new keys and update the changed rows (locked); (created, updated)."""
    stored = Promotion.objects.select_for_update().filter(
        item_id__in={item for item, _, _ in rows}, start__in={start for _, _, start in rows}
    )
    existing = {(p.item_id, p.location_id, p.start): p for p in stored}
    created = updated = 0
    for (item, location, start), data in rows.items():
        promotion = existing.get((item, location, start))
        if promotion is None:
            promotion = Promotion(item_id=item, location_id=location, start=start, created_by=user)
            created += 1
        elif all(getattr(promotion, name) == value for name, value in data.items()):
            continue
        else:
            updated += 1
        for name, value in data.items():
            setattr(promotion, name, value)
        audited(promotion, user, "Loaded.").save()
    return created, updated
