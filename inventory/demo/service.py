"""``demo_network_load``: generate and write a deterministic demo network in one transaction."""

import time
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from inventory.demo.clock import Progress, StageClock, StageReport
from inventory.demo.defects import defects_choose
from inventory.demo.loader import LOADED_MODELS, DemoLoader
from inventory.demo.spec import DemoSpec, monday_of
from inventory.models import Item, Location, ServiceLevelClass
from sop_platform.bulk.writer import bulk_writer
from supply.models import Supplier


class DemoDataExists(Exception):
    """The database already holds master data and neither replace nor if_empty was asked."""


@dataclass(frozen=True)
class LoadSummary:
    """What a load did: per-stage figures, rows per model, defects planted."""

    spec: DemoSpec
    loaded: bool
    database: str
    seconds: float = 0.0
    stages: tuple[StageReport, ...] = ()
    rows: dict[str, int] = field(default_factory=dict)
    defects: dict[str, int] = field(default_factory=dict)
    rebuild_seconds: dict[str, float] = field(default_factory=dict)  # per table

    @property
    def total_rows(self) -> int:
        """Rows written over all tables."""
        return sum(self.rows.values())


def demo_data_exists() -> bool:
    """True when items, locations, suppliers or service classes are already loaded."""
    return any(m.objects.exists() for m in (Item, Location, Supplier, ServiceLevelClass))


def _defect_counts(spec: DemoSpec) -> dict[str, int]:
    defects = defects_choose(spec)
    return {
        "items without unit cost": len(defects.missing_cost_items),
        "negative on-hand positions": len(defects.negative_on_hand),
        "SKU-locations without demand history": len(defects.no_history),
    }


def demo_network_load(
    *,
    skus: int,
    locations: int,
    weeks: int,
    seed: int,
    end_date: date | None = None,
    stock_weeks: int | None = None,
    replace: bool = False,
    if_empty: bool = False,
    progress: Progress | None = None,
) -> LoadSummary:
    """Generate the demo network and write it in bulk, atomically.

    ``end_date`` (a Monday; default: this week's) ends the history and starts the forecasts.
    ``stock_weeks`` limits the weekly stock positions to the last so many history weeks
    (default: every history week).
    When master data exists: ``if_empty`` returns without loading, ``replace`` first deletes
    every row of the loaded tables (and of tables referencing them), otherwise
    ``DemoDataExists`` is raised. Raises ``ValueError`` for impossible arguments.
    """
    spec = DemoSpec(
        skus, locations, weeks, seed, end_date or monday_of(timezone.localdate()), stock_weeks
    )
    if problems := spec.errors():
        raise ValueError(" ".join(problems))
    started, clock = time.perf_counter(), StageClock(progress)
    writer = bulk_writer(connection)
    with transaction.atomic():
        if demo_data_exists():
            if if_empty:
                return LoadSummary(spec=spec, loaded=False, database=connection.vendor)
            if not replace:
                raise DemoDataExists(
                    "The database already holds items or locations: pass --replace to delete "
                    "them (and everything loaded with them) first, or --if-empty to skip."
                )
            with clock.stage("delete existing data"):
                writer.flush(LOADED_MODELS)
        loader = DemoLoader(spec, writer, clock, timezone.now())
        loader.run()
    return LoadSummary(
        spec=spec,
        loaded=True,
        database=connection.vendor,
        seconds=time.perf_counter() - started,
        stages=clock.reports(),
        rows=loader.rows,
        defects=_defect_counts(spec),
        rebuild_seconds=loader.rebuild_seconds,
    )
