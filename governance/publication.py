"""Publication: active policies handed to the ERP in batches (the export serves them).

A publication takes every active policy in the manager's scope whose current version has not
been published yet, writes one :class:`~governance.models.PublishedPolicy` line per policy
(the previous line of each stops being ``current``) and records the version published on the
policy. Policies of SKU-locations with an open data-quality exception are **held back**: the
ERP should not get parameters computed from data known to be wrong. A manager may release
them with a justification; the batch keeps it, and each released line is marked.

Set-based: one INSERT … SELECT writes the lines and one UPDATE the versions, so a million
policies publish in one statement each, not a million saves.
"""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionKind
from governance.models import PlanningException, PublicationBatch, PublishedPolicy
from governance.selectors import location_scope
from inventory.choices import PolicyStatus
from inventory.models import InventoryPolicy, PolicyValues
from sop_platform.bulk.insert_select import insert_select

PUBLISH = "governance.add_publicationbatch"
# A line's columns and the policy's fields they are copied from.
_LINE_COLUMNS = {
    "policy_id": "id",
    "item_id": "item_id",
    "location_id": "location_id",
    "effective_from": "effective_from",
    "effective_to": "effective_to",
    **{name: name for name in PolicyValues.FIELDS},
    "policy_version": "policy_version",
}


@dataclass(frozen=True)
class PublicationPreview:
    """What a publication would take now: policies ready, and those held back."""

    ready: int
    held_back: int


def awaiting_publication(*, user: AbstractBaseUser) -> QuerySet[InventoryPolicy]:
    """Active policies in the user's scope whose current version is not published yet."""
    unpublished = Q(published_version__isnull=True) | Q(published_version__lt=F("policy_version"))
    active = InventoryPolicy.objects.filter(unpublished, status=PolicyStatus.ACTIVE)
    return location_scope(user=user).restrict(active)


def with_open_data_quality(policies: QuerySet[InventoryPolicy]) -> QuerySet[InventoryPolicy]:
    """The policies whose SKU-location has an open data-quality exception."""
    open_exception = PlanningException.objects.filter(
        item_id=OuterRef("item_id"),
        location_id=OuterRef("location_id"),
        kind=ExceptionKind.DATA_QUALITY,
        status__in=OPEN_EXCEPTION_STATUSES,
    )
    return policies.filter(Exists(open_exception))


def publications_visible(batches: QuerySet, *, user: AbstractBaseUser) -> QuerySet:
    """The publications a user may see: every one with the whole network in scope, their own
    otherwise (a batch's counts span locations)."""
    if location_scope(user=user).whole_network:
        return batches
    return batches.filter(created_by=user)


def publication_preview(*, user: AbstractBaseUser) -> PublicationPreview:
    """How many policies a publication by ``user`` would take, and hold back, now."""
    awaiting = awaiting_publication(user=user)
    held = with_open_data_quality(awaiting).count()
    return PublicationPreview(ready=awaiting.count() - held, held_back=held)


@transaction.atomic
def publication_create(
    *, user: AbstractBaseUser, release_held: bool = False, justification: str = ""
) -> PublicationBatch:
    """Publish every policy awaiting publication in the user's scope (module docstring);
    held-back ones too when ``release_held``, which needs a justification."""
    if not user.is_active or not user.has_perm(PUBLISH):
        raise PermissionDenied("Publishing policies needs the manager role.")
    if location_scope(user=user).is_empty:
        raise PermissionDenied("No location is in your scope: there is nothing to publish.")
    if release_held and not justification.strip():
        raise ValidationError(
            {"justification": "Say why policies with open data-quality exceptions go out."}
        )
    awaiting = awaiting_publication(user=user)
    for _ in awaiting.select_for_update().order_by("pk").values_list("pk").iterator(10_000):
        pass  # locks the rows: an approval of one of them waits for this publication
    held = with_open_data_quality(awaiting)
    held_count = held.count()
    batch = PublicationBatch.objects.create(
        created_by=user,
        held_back=0 if release_held else held_count,
        released=held_count if release_held else 0,
        justification=justification.strip() if release_held else "",
    )
    taken = awaiting if release_held else awaiting.exclude(pk__in=held.values("pk"))
    PublishedPolicy.objects.filter(current=True, policy__in=taken.values("pk")).update(
        current=False
    )
    batch.policies = _insert_lines(batch, taken, held)
    batch.save(update_fields=["policies"])
    _record_published_versions(batch)
    return batch


def _record_published_versions(batch: PublicationBatch) -> None:
    """Each policy published gets the version its line holds (a policy approved meanwhile
    keeps waiting for the next publication): one UPDATE … FROM the batch's lines, a join
    whatever the freshly written lines' statistics say."""
    quote = connection.ops.quote_name
    policies, lines = (quote(m._meta.db_table) for m in (InventoryPolicy, PublishedPolicy))
    sql = (
        f"UPDATE {policies} SET published_version = line.policy_version FROM {lines} AS line "
        f"WHERE line.batch_id = %s AND line.policy_id = {policies}.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.pk])


def _insert_lines(batch: PublicationBatch, taken: QuerySet, held: QuerySet) -> int:
    """One PublishedPolicy line per policy taken, in one INSERT … SELECT; how many."""
    released = Exists(held.filter(pk=OuterRef("pk")))
    select = (
        taken.order_by()
        .annotate(line_batch=Value(batch.pk), line_current=Value(True), line_released=released)
        .values_list(*_LINE_COLUMNS.values(), "line_batch", "line_current", "line_released")
    )
    columns = [*_LINE_COLUMNS, "batch_id", "current", "released"]
    return insert_select(PublishedPolicy, columns, select)
