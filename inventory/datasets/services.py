"""Loading MAN through the bulk API and starting a run over it, as the product does."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from inventory.choices import RunTrigger
from inventory.datasets.bulk_api import BulkApi, api_token
from inventory.datasets.man import (
    DAYS_PER_WEEK,
    LOCATION_CODE,
    SOURCE,
    ManData,
    ManDataError,
    Payload,
    man_holding_rate,
    man_payloads,
)
from inventory.demo.stock import SERVICE_CLASSES
from inventory.models import ServiceLevelClass
from inventory.runs.models import PolicyRun
from inventory.runs.parameters import parameters_build
from inventory.runs.scope import scope_resolve
from inventory.runs.services import policy_run_start

DEFAULT_BATCH_ROWS = 50_000
SHOWN_ERRORS = 20  # per resource; the count covers them all


@dataclass
class ResourceLoad:
    """What the API did with one resource's rows, over all its batches."""

    resource: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error_count: int = 0
    errors: list[str] = field(default_factory=list)  # "MAN-0001 2012-01-02, quantity: ..."
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        """Rows now in the database as sent (created, updated or already so)."""
        return self.created + self.updated + self.unchanged

    def add(self, report: dict, rows: pd.DataFrame, label: tuple[str, ...]) -> None:
        """Count one batch's report in; its errors named by the rows' ``label`` fields."""
        for name in ("rows", "created", "updated", "unchanged", "rejected", "error_count"):
            setattr(self, name, getattr(self, name) + report[name])
        for error in report["errors"][: SHOWN_ERRORS - len(self.errors)]:
            named = " ".join(str(rows.iloc[error["row"] - 1][f]) for f in label)
            self.errors.append(f"{named}, {error['field']}: {error['message']}")


def man_load(
    *,
    data: ManData,
    user: AbstractBaseUser,
    as_of: date,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    partial: bool = False,
    on_loaded: Callable[[ResourceLoad], None] | None = None,
) -> list[ResourceLoad]:
    """Post MAN's rows through the bulk API as ``user`` (integration or admin role), in
    batches of ``batch_rows``, each batch atomic; stock positions dated ``as_of``.

    The nine default service-level classes are loaded first where a code is missing
    (existing targets are kept). All-or-nothing per batch unless ``partial``. ``on_loaded``
    hears each resource as it finishes. Raises ``BulkApiError`` if a body is refused whole.
    """
    payloads = [*_service_classes_missing(), *man_payloads(data, as_of=as_of)]
    results = []
    with api_token(user=user) as key:
        api = BulkApi(key, source=SOURCE, partial=partial)
        for payload in payloads:
            results.append(_post(api, payload, batch_rows))
            if on_loaded:
                on_loaded(results[-1])
    return results


def _post(api: BulkApi, payload: Payload, batch_rows: int) -> ResourceLoad:
    result, started = ResourceLoad(payload.resource), time.perf_counter()
    for rows in payload.batches(batch_rows):
        result.add(api.post_csv(payload.resource, rows), rows, payload.label)
    result.seconds = time.perf_counter() - started
    return result


def _service_classes_missing() -> list[Payload]:
    """The demo's service-level classes (AX 0.99 fill … CZ 0.90 cycle) not yet defined."""
    existing = set(ServiceLevelClass.objects.values_list("code", flat=True))
    rows = pd.DataFrame(
        [
            {"code": code, "target": str(target), "service_type": kind, "description": text}
            for code, target, kind, text in SERVICE_CLASSES
            if code not in existing
        ]
    )
    return [Payload("service-level-classes", rows, ("code",))] if len(rows) else []


@dataclass(frozen=True)
class RunWindow:
    """What a run over MAN plans from: the weeks before ``as_of`` and the holding rate."""

    as_of: date
    history_weeks: int
    holding_rate: float

    @property
    def parameters(self) -> dict:
        """The run parameters, as ``optimize --param`` would give them."""
        return {
            "as_of": self.as_of.isoformat(),
            "history_periods": self.history_weeks,
            "holding_rate": self.holding_rate,
        }


def man_window(*, data: ManData, as_of: date, history_weeks: int | None = None) -> RunWindow:
    """The run's window: ``history_weeks`` weeks before ``as_of`` (a Monday), by default every
    week of the data before it. Runs default to today's week, years after MAN's last week, so
    a run over MAN always names its as-of date. Checked before anything is loaded: raises
    :class:`ManDataError`, or ``ParameterError`` for a window the runs refuse."""
    if settings.PLANNING_PERIOD_DAYS != DAYS_PER_WEEK:
        raise ManDataError("MAN is weekly: runs over it need PLANNING_PERIOD=week.")
    if as_of.weekday() != 0 or as_of <= data.first_week:
        raise ManDataError(f"as-of {as_of} must be a Monday after {data.first_week}.")
    weeks = history_weeks or (as_of - data.first_week).days // DAYS_PER_WEEK
    window = RunWindow(as_of=as_of, history_weeks=weeks, holding_rate=man_holding_rate(data))
    parameters_build(window.parameters, service_classes={})
    return window


def man_run_start(*, window: RunWindow) -> PolicyRun:
    """Queue a run over the MAN warehouse with :func:`policy_run_start`, as ``optimize`` does.

    Raises ``RunConflict`` while another run covers the warehouse, ``ScopeError`` when MAN is
    not loaded.
    """
    return policy_run_start(
        scope=scope_resolve(locations=[LOCATION_CODE]),
        parameters=window.parameters,
        trigger=RunTrigger.USER,
        description="MAN real data (manage.py load_man)",
    )
