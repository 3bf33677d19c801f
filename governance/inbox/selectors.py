"""Reads of the exceptions inbox: the exceptions in a user's scope, their orders (each one a
keyset over an index, so a deep page costs what the first costs) and the counts by kind."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionKind
from governance.models import SEVERITY_RANK, PlanningException
from governance.selectors import location_scope
from sop_platform.keyset import Ordering

DEFAULT_STATUSES = [str(status) for status in OPEN_EXCEPTION_STATUSES]


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
    """Every exception at the user's locations, across runs and escalation rules, with what a
    row shows."""
    queryset = PlanningException.objects.select_related(
        "item", "location", "owner", "escalation_rule"
    )
    return location_scope(user=user).restrict(queryset)


def inbox_sorted(queryset: QuerySet[PlanningException], sort: str) -> QuerySet:
    """``queryset`` ready for ``sort``'s keyset (the severity rank annotated when needed)."""
    return queryset.annotate(severity_rank=SEVERITY_RANK) if SORTS[sort].ranked else queryset


COUNT_CAP = 10_000
"""Counts by kind stop here ("10,000+"): counting a million open exceptions took 0.6 s a
request on PostgreSQL, more than the page itself; a count that stops is an index range."""


@dataclass(frozen=True)
class KindCount:
    """How many exceptions of a kind match, up to :data:`COUNT_CAP` (``capped`` beyond)."""

    kind: str
    label: str
    count: int
    capped: bool


def kind_counts(queryset: QuerySet[PlanningException]) -> list[KindCount]:
    """The count of every kind, in the choices' order: one bounded query per kind."""
    counts = []
    for value, label in ExceptionKind.choices:
        found = queryset.filter(kind=value).order_by()[: COUNT_CAP + 1].count()
        counts.append(KindCount(value, label, min(found, COUNT_CAP), found > COUNT_CAP))
    return counts
