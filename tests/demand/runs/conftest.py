"""A small network with hand-made demand history, and forecast runs executed inline.

``RUNS_SYNC`` makes every queued task run in the calling process; the test transaction never
commits, so the on-commit callbacks that queue the tasks are captured and executed.
"""

from datetime import date, timedelta

import numpy as np
import pytest

from demand.models import DemandHistory, ForecastRun
from demand.runs.services import forecast_run_start
from inventory.models import InventoryPosition
from inventory.runs.scope import RunScope
from tests.factories import make_item, make_location

AS_OF = date(2026, 3, 2)  # a Monday
WEEKS = 30
HISTORY = {  # (sku, location code): weekly quantities ending the week before AS_OF
    ("SKU-A", "DC-1"): [10.0 + (k % 4) for k in range(WEEKS)],
    ("SKU-B", "DC-1"): [0.0, 0.0, 6.0, 0.0, 0.0, 0.0, 9.0, 0.0] * 3 + [0.0] * 6,
    ("SKU-C", "DC-2"): [30.0 + k for k in range(WEEKS)],
}
PROMOTED = {("SKU-C", "DC-2"): {20, 21}}  # week indexes flagged is_promotion
STOCK_ONLY = [("SKU-A", "DC-2")]  # a stock position but no demand history


@pytest.fixture
def network(db):
    """Items A and B (Snacks), C (Drinks) at DC-1 and DC-2; see ``HISTORY``."""
    items = {
        "SKU-A": make_item("SKU-A", category="Snacks"),
        "SKU-B": make_item("SKU-B", category="Snacks"),
        "SKU-C": make_item("SKU-C", category="Drinks"),
    }
    locations = {code: make_location(code) for code in ("DC-1", "DC-2")}
    first = AS_OF - timedelta(weeks=WEEKS)
    DemandHistory.objects.bulk_create(
        DemandHistory(
            item=items[sku],
            location=locations[code],
            period_start=first + timedelta(weeks=k),
            quantity=quantity,
            is_promotion=k in PROMOTED.get((sku, code), ()),
        )
        for (sku, code), quantities in HISTORY.items()
        for k, quantity in enumerate(quantities)
    )
    for sku, code in [*HISTORY, *STOCK_ONLY]:
        InventoryPosition.objects.create(
            item=items[sku], location=locations[code], as_of=first, on_hand=5
        )
    return items, locations


def grid(history_periods: int = 104) -> tuple[list, np.ndarray, np.ndarray]:
    """The rows a run over the whole network forecasts, in key order, with the history and
    promotion matrices it should pass to the engine (built here from ``HISTORY``)."""
    pairs = sorted([*HISTORY, *STOCK_ONLY], key=lambda p: (p[0], p[1]))
    history = np.full((len(pairs), history_periods), np.nan)
    promotion = np.zeros(history.shape, dtype=bool)
    for row, pair in enumerate(pairs):
        values = HISTORY.get(pair, [])
        if values:
            history[row, history_periods - len(values) :] = values
        for k in PROMOTED.get(pair, ()):
            promotion[row, history_periods - WEEKS + k] = True
    return pairs, history, promotion


@pytest.fixture
def run_now(settings, django_capture_on_commit_callbacks):
    """Start a forecast run as of ``AS_OF`` and let it finish inline; the refreshed run."""
    settings.RUNS_SYNC = True

    def start(scope: RunScope | None = None, **kwargs) -> ForecastRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = forecast_run_start(scope=scope or RunScope(), as_of=AS_OF, **kwargs)
        run.refresh_from_db()
        return run

    return start
