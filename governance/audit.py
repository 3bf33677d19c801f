"""Reads of the audit trail: who changed which inventory policy, policy proposal or planning
exception, when, from what to what, and why — from their django-simple-history tables, newest
first.

A *record* is one history row (one save); an *entry* is a record with its changes against the
record before it (``diff_against``), one per audited field; a creation shows the values it set.
Records are filtered and paged in SQL (the tables as one ``UNION ALL``, limited to the
user's locations); only a page's records are diffed, with their previous records fetched in one
query per table.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import django_filters as filters
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import CharField, F, Model, OuterRef, Q, QuerySet, Subquery, Value
from simple_history.models import DeletedObject

from governance.models import PlanningException, PolicyProposal
from governance.selectors import location_scope
from inventory.models import InventoryPolicy, PolicyValues
from sop_platform.filtersets import StrictFilterSet

POLICY, PROPOSAL, EXCEPTION = "policy", "proposal", "exception"
HISTORY: dict[str, type[Model]] = {
    POLICY: InventoryPolicy.history.model,
    PROPOSAL: PolicyProposal.history.model,
    EXCEPTION: PlanningException.history.model,
}
# The fields each table's entries show (housekeeping such as updated_at and version is left out).
AUDITED: dict[str, tuple[str, ...]] = {
    POLICY: (
        *PolicyValues.FIELDS,
        "status",
        "policy_version",
        "policy_source",
        "effective_from",
        "effective_to",
    ),
    PROPOSAL: (*PolicyValues.FIELDS, "status", "kind", "justification", "decision_comment"),
    EXCEPTION: ("status", "owner", "due_date", "resolution_notes"),
}
# The fields one may filter on: those never empty (a changed value is ``<>`` its previous one).
FILTERABLE = (
    *PolicyValues.FIELDS,
    "status",
    "kind",
    "policy_version",
    "policy_source",
    "effective_from",
    "justification",
    "decision_comment",
)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class HistoryFilterSet(StrictFilterSet):
    """Filters of a history table: SKU, location code, username (exact), an audited field that
    changed, and a date range (inclusive, in the site's time zone)."""

    item = filters.CharFilter(field_name="item__sku", label="SKU")
    location = filters.CharFilter(field_name="location__code", label="Location")
    user = filters.CharFilter(field_name="history_user__username", label="User")
    field = filters.ChoiceFilter(
        choices=[(name, _label(name)) for name in FILTERABLE],
        method="filter_field",
        label="Field",
    )
    date_from = filters.DateFilter(field_name="history_date", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="history_date", lookup_expr="date__lte")

    source: str = ""

    def filter_field(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Creations (which set every field) and changes of ``value`` from the record before."""
        if value not in AUDITED[self.source]:
            return queryset.none()
        previous = _previous(queryset.model).values(value)[:1]
        queryset = queryset.annotate(_previous_value=Subquery(previous))
        return queryset.filter(
            Q(history_type="+")
            | Q(_previous_value__isnull=True)
            | ~Q(**{value: F("_previous_value")})
        )


class PolicyHistoryFilterSet(HistoryFilterSet):
    """The audit filters on inventory policies' history."""

    source = POLICY

    class Meta:
        model = HISTORY[POLICY]
        fields = ["item", "location", "user", "field", "date_from", "date_to"]


class ProposalHistoryFilterSet(HistoryFilterSet):
    """The audit filters on policy proposals' history."""

    source = PROPOSAL

    class Meta:
        model = HISTORY[PROPOSAL]
        fields = ["item", "location", "user", "field", "date_from", "date_to"]


class ExceptionHistoryFilterSet(HistoryFilterSet):
    """The audit filters on planning exceptions' history."""

    source = EXCEPTION

    class Meta:
        model = HISTORY[EXCEPTION]
        fields = ["item", "location", "user", "field", "date_from", "date_to"]


def _previous(model: type[Model]) -> QuerySet:
    """The record before the outer one of the same object (as ``prev_record`` finds it)."""
    return model.objects.filter(
        id=OuterRef("id"), history_date__lt=OuterRef("history_date")
    ).order_by("-history_date", "-history_id")


@dataclass
class AuditRecords:
    """The filtered records of both tables, newest first, as ``{"audit_table", "history_id",
    "history_date"}`` rows (a queryset to page); the filtersets for their form and errors."""

    records: QuerySet
    policy_filters: PolicyHistoryFilterSet
    proposal_filters: ProposalHistoryFilterSet
    exception_filters: ExceptionHistoryFilterSet


def audit_records(*, user: AbstractBaseUser, data: Mapping[str, Any]) -> AuditRecords:
    """The history records of policies, proposals and exceptions at the user's locations
    (none without a grant) matching the filters in ``data``, newest first."""
    scope = location_scope(user=user)
    parts = {
        source: filterset_class(data, queryset=scope.restrict(HISTORY[source].objects.all()))
        for source, filterset_class in (
            (POLICY, PolicyHistoryFilterSet),
            (PROPOSAL, ProposalHistoryFilterSet),
            (EXCEPTION, ExceptionHistoryFilterSet),
        )
    }
    first, *others = (
        part.qs.annotate(audit_table=Value(source, output_field=CharField()))
        .values("audit_table", "history_id", "history_date")
        .order_by()  # no ORDER BY inside a UNION (history tables order by date by default)
        for source, part in parts.items()
    )
    records = first.union(*others, all=True).order_by("-history_date", "-history_id")
    return AuditRecords(records, parts[POLICY], parts[PROPOSAL], parts[EXCEPTION])


@dataclass
class Change:
    """One field of an entry: its value before (None for a creation) and after."""

    field: str
    before: Any
    after: Any

    @property
    def label(self) -> str:
        return _label(self.field)

    @property
    def before_text(self) -> str:
        return _text(self.before)

    @property
    def after_text(self) -> str:
        return _text(self.after)


def _text(value: Any) -> str:
    """A value as the page shows it: "—" for none, numbers to four decimals at most."""
    if value is None:
        return "—"
    if value == "":
        return "(empty)"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


@dataclass
class AuditEntry:
    """One history record with its changes."""

    source: str
    record: Any
    changes: list[Change] = field(default_factory=list)

    @property
    def when(self) -> datetime:
        return self.record.history_date

    @property
    def who(self) -> str:
        user = self.record.history_user
        return user.get_username() if user else ""

    @property
    def sku(self) -> str:
        return self.record.item.sku

    @property
    def location(self) -> str:
        return self.record.location.code

    @property
    def what(self) -> str:
        if self.source == PROPOSAL:
            return f"Proposal #{self.record.id}"
        if self.source == EXCEPTION:
            return f"Exception #{self.record.id} ({self.record.get_kind_display().lower()})"
        return f"Policy v{self.record.policy_version}"

    @property
    def action(self) -> str:
        return self.record.get_history_type_display()

    @property
    def reason(self) -> str:
        return self.record.history_change_reason or ""

    @property
    def shown(self) -> list[Change | None]:
        """The changes, or one None for a record that changed no audited field."""
        return self.changes or [None]


def audit_entries(
    records: Iterable[Mapping[str, Any]], *, only_field: str | None = None
) -> list[AuditEntry]:
    """The entries of ``records`` (rows of :func:`audit_records`), in their order: each
    record with its changes against the previous record of its object (only ``only_field``'s
    when given). Three queries per table however many records."""
    records = list(records)
    loaded: dict[tuple[str, int], Any] = {}
    for source, model in HISTORY.items():
        ids = [row["history_id"] for row in records if row["audit_table"] == source]
        if not ids:
            continue
        # The audited foreign keys (an exception's owner) joined too: diffs read them.
        related = [name for name in AUDITED[source] if model._meta.get_field(name).is_relation]
        found = (
            model.objects.filter(history_id__in=ids)
            .select_related("item", "location", "history_user", *related)
            .annotate(_previous_id=Subquery(_previous(model).values("history_id")[:1]))
        )
        found = list(found)
        previous = model.objects.select_related(*related).in_bulk(
            [r._previous_id for r in found if r._previous_id]
        )
        for record in found:
            record._previous = previous.get(record._previous_id)
            loaded[source, record.history_id] = record
    entries = []
    for row in records:
        record = loaded.get((row["audit_table"], row["history_id"]))
        if record is not None:
            fields = AUDITED[row["audit_table"]]
            if only_field:
                fields = tuple(name for name in fields if name == only_field)
            entries.append(AuditEntry(row["audit_table"], record, _changes(record, fields)))
    return entries


def _changes(record: Any, fields: tuple[str, ...]) -> list[Change]:
    """What ``record`` changed in ``fields``: the values set by a creation, those removed by
    a deletion, the differences from the previous record otherwise."""
    previous = record._previous
    if record.history_type == "+" or previous is None:
        values = ((name, None, getattr(record, name)) for name in fields)
        return [Change(*value) for value in values if value[2] not in (None, "")]
    if record.history_type == "-":
        return [Change(name, getattr(record, name), None) for name in fields]
    delta = record.diff_against(previous, included_fields=list(fields), foreign_keys_are_objs=True)
    changed = {change.field: change for change in delta.changes}
    return [
        Change(name, _related(changed[name].old), _related(changed[name].new))
        for name in fields
        if name in changed
    ]


def _related(value: Any) -> Any:
    """A value of a diff, with an empty foreign key (simple-history's placeholder for a
    missing object, with no key) as None."""
    if isinstance(value, DeletedObject) and value.pk is None:
        return None
    return value


def audit_rows(entries: Iterable[AuditEntry]) -> Iterator[tuple]:
    """One row per change (an entry without changes gives one with the field empty), as the
    CSV export writes them."""
    for entry in entries:
        for change in entry.changes or [Change("", None, None)]:
            yield (
                entry.when.isoformat(),
                entry.who,
                entry.sku,
                entry.location,
                entry.source,
                entry.record.id,
                entry.action.lower(),
                change.field,
                _csv_value(change.before),
                _csv_value(change.after),
                entry.reason,
            )


AUDIT_CSV_COLUMNS = (
    "when",
    "user",
    "sku",
    "location",
    "object",
    "object_id",
    "action",
    "field",
    "before",
    "after",
    "reason",
)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
