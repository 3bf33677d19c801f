"""Reads of the exceptions inbox: the exceptions in a user's scope, their orders (each one a
keyset over an index, so a deep page costs what the first costs) and the counts by kind."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionKind, Severity
from governance.models import PlanningException
from governance.selectors import location_scope
from sop_platform.keyset import Ordering

DEFAULT_STATUSES = [str(status) for status in OPEN_EXCEPTION_STATUSES]
SEVERITY_RANK = Case(
    *(When(severity=value, then=Value(rank)) for rank, value in enumerate(Severity.values)),
    default=Value(len(Severity.values)),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class Sort:
    """One order of the inbox: its label and keyset; ``ranked`` when it needs the severity
    rank annotated."""

    label: str
    ordering: Ordering
    ranked: bool = False


SORTS = {
    "money": Sort("Money at risk (highest first)", Ordering(("-money_at_risk", "-pk"))),
    "due": Sort("Due date (soonest first)", Ordering(("due_date", "pk"))),
    "severity": Sort(
        "Severity, then money at risk",
        Ordering(("severity_rank", "-money_at_risk", "-pk")),
        ranked=True,
    ),
    # Exceptions are numbered as runs raise them: the lowest number is the oldest.
    "age": Sort("Age (oldest first)", Ordering(("pk",))),
}
DEFAULT_SORT = "money"


def inbox_exceptions(*, user: AbstractBaseUser) -> QuerySet[PlanningException]:
    """Every exception at the user's locations, across runs, with what a row shows."""
    queryset = PlanningException.objects.select_related("item", "location", "owner")
    return location_scope(user=user).restrict(queryset)


def inbox_sorted(queryset: QuerySet[PlanningException], sort: str) -> QuerySet:
    """``queryset`` ready for ``sort``'s keyset (the severity rank annotated when needed)."""
    return queryset.annotate(severity_rank=SEVERITY_RANK) if SORTS[sort].ranked else queryset


def kind_counts(queryset: QuerySet[PlanningException]) -> list[tuple[str, str, int]]:
    """(kind, label, how many) of every kind, in the choices' order, in one query."""
    counted = dict(
        queryset.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    return [(value, label, counted.get(value, 0)) for value, label in ExceptionKind.choices]
