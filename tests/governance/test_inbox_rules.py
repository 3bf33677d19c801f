"""Money at risk per exception (inventory/runs/pipeline.py), and the rules per kind that decide
which exceptions a run raises (governance.exception_rules, applied by inventory/runs/writer.py).

The batch below is the pipeline tests' (tests/inventory/test_runs_pipeline.py): cost 10,
demand 10 a week, forecast σ 3, L = 2 weeks, target 98 % cycle service, parametric model:
SS = z·σ·√L = 2.05375 × 3 × √2 = 8.7133; ROP = LTD 20 + SS = 28.7133; Q = EOQ
√(2 × 521.43 × 50 / 2.5) = 144.4 → 145; max = ROP + Q = 173.7133.
"""

from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.choices import ExceptionKind, ExceptionStatus
from governance.exception_rules import ExceptionRules, Rule, exception_rules_current
from governance.models import ExceptionRule, PlanningException
from inventory.runs.models import PolicyRun
from inventory.runs.pipeline import plan_batch
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from inventory.runs.writer import exceptions_write
from tests.factories import make_item, make_location
from tests.inventory.test_runs_pipeline import CUTOFFS, inputs, params

NO_OPEN = {name: np.array([], np.int64) for name in ("id", "item_id", "location_id")}
NO_OPEN["kind"] = np.array([], np.str_)


def batch(item_ids=None):
    """Seven rows: nothing on hand; 15 on hand; 1,000 on hand; 50 on hand of a 14-day
    shelf life; −5 on hand; an active policy with SS 4; no unit cost."""
    ids = {} if item_ids is None else {"item_id": item_ids}
    return inputs(
        7,
        on_hand=[0.0, 15.0, 1000.0, 50.0, -5.0, 50.0, 50.0],
        shelf_life_days=[np.inf, np.inf, np.inf, 14.0, np.inf, np.inf, np.inf],
        current_safety_stock=[np.nan] * 5 + [4.0, np.nan],
        unit_cost=[10.0] * 6 + [np.nan],
        **ids,
    )


def money_by_row(planned) -> dict[tuple[int, str], float]:
    return {(int(row), str(kind)): money for row, kind, *_, money in planned.exceptions}


def test_money_at_risk_of_each_kind_computed_by_hand():
    _, planned = plan_batch(batch(), params(), CUTOFFS)
    money = money_by_row(planned)
    # Stock-out: (ROP − position) × cost: (28.7133 − 0) × 10; (28.7133 − 15) × 10.
    assert money[0, ExceptionKind.STOCKOUT_RISK] == 287.13
    assert money[1, ExceptionKind.STOCKOUT_RISK] == 137.13
    # Excess above max: (1000 − 173.7133) × 10.
    assert money[2, ExceptionKind.EXCESS_RISK] == 8262.87
    # Beyond shelf life: 14 days sell 20 (< max 39.7, Q cut to 11 by the shelf life):
    # (50 − 20) × 10.
    assert money[3, ExceptionKind.EXCESS_RISK] == 300.0
    # Data quality, policy computed: the reorder point's value, 28.7133 × 10.
    assert money[4, ExceptionKind.DATA_QUALITY] == 287.13
    # Large change: |8.7133 − 4| × 10.
    assert money[5, ExceptionKind.LARGE_POLICY_CHANGE] == 47.13
    # No unit cost: blocked, and nothing to value: 0.
    assert money[6, ExceptionKind.DATA_QUALITY] == 0.0


@pytest.fixture
def planned_rows(db):
    """The batch at real items of DC-1, and a finished run to write its exceptions for."""
    location = make_location("DC-1")
    items = [make_item(f"SKU-{n}").pk for n in range(7)]
    _, planned = plan_batch(batch(np.array(items, np.int64)), params(), CUTOFFS)
    planned.columns["location_id"][:] = location.pk
    run = PolicyRun.objects.create(algorithm_version="test")
    return run, planned, items


def written(run, planned, rules: dict[str, Rule], open_now=NO_OPEN) -> dict:
    run.snapshot = {"exception_rules": ExceptionRules(rules).as_json()}
    exceptions_write(run, 1, planned, open_now)
    return {
        (e.item_id, e.kind): e
        for e in PlanningException.objects.filter(status=ExceptionStatus.OPEN)
    }


def test_without_rules_every_exception_found_is_raised(planned_rows):
    run, planned, items = planned_rows
    raised = written(run, planned, {})
    assert len(raised) == len(planned.exceptions) == 8
    assert raised[items[2], ExceptionKind.EXCESS_RISK].money_at_risk == Decimal("8262.87")


def test_below_the_threshold_is_not_raised_above_it_is(planned_rows):
    run, planned, items = planned_rows
    raised = written(run, planned, {ExceptionKind.STOCKOUT_RISK: Rule(min_money=200)})
    stockouts = {item for item, kind in raised if kind == ExceptionKind.STOCKOUT_RISK}
    assert stockouts == {items[0], items[4]}  # 287.13 and 337.13; not 137.13


def test_blocking_data_quality_is_raised_whatever_the_rule(planned_rows):
    run, planned, items = planned_rows
    rules = {ExceptionKind.DATA_QUALITY: Rule(enabled=False)}
    raised = written(run, planned, rules)
    quality = {item for item, kind in raised if kind == ExceptionKind.DATA_QUALITY}
    assert quality == {items[6]}  # no cost: blocked; the negative on hand is not raised


def test_a_disabled_kind_raises_nothing(planned_rows):
    run, planned, _ = planned_rows
    raised = written(run, planned, {ExceptionKind.EXCESS_RISK: Rule(enabled=False)})
    assert not any(kind == ExceptionKind.EXCESS_RISK for _, kind in raised)


def test_the_least_relative_change_of_a_large_policy_change(planned_rows):
    run, planned, items = planned_rows
    change = {ExceptionKind.LARGE_POLICY_CHANGE: Rule(min_change=1.5)}
    assert (items[5], ExceptionKind.LARGE_POLICY_CHANGE) not in written(run, planned, change)
    PlanningException.objects.all().delete()
    change = {ExceptionKind.LARGE_POLICY_CHANGE: Rule(min_change=1.0)}  # +118 %
    assert (items[5], ExceptionKind.LARGE_POLICY_CHANGE) in written(run, planned, change)


def test_an_open_exception_now_below_its_threshold_is_resolved_saying_so(planned_rows):
    run, planned, items = planned_rows
    before = written(run, planned, {})
    low = before[items[1], ExceptionKind.STOCKOUT_RISK]
    open_now = {
        "id": np.array([e.pk for e in before.values()], np.int64),
        "item_id": np.array([e.item_id for e in before.values()], np.int64),
        "location_id": np.array([e.location_id for e in before.values()], np.int64),
        "kind": np.array([e.kind for e in before.values()]),
    }
    after = written(run, planned, {ExceptionKind.STOCKOUT_RISK: Rule(min_money=200)}, open_now)
    assert (items[1], ExceptionKind.STOCKOUT_RISK) not in after
    low.refresh_from_db()
    assert low.status == ExceptionStatus.RESOLVED
    assert low.resolution_notes == f"Closed by run #{run.pk}: below the threshold of its kind."
    assert low.version == 2


@pytest.mark.django_db
def test_the_seeded_rules():
    rules = exception_rules_current().by_kind
    assert rules == {
        ExceptionKind.STOCKOUT_RISK: Rule(min_money=50.0),
        ExceptionKind.EXCESS_RISK: Rule(min_money=50.0),
        ExceptionKind.LARGE_POLICY_CHANGE: Rule(min_money=250.0),
        ExceptionKind.DATA_QUALITY: Rule(min_money=0.0),
    }


@pytest.mark.django_db
def test_a_run_copies_the_rules_once_and_applies_them(settings, django_capture_on_commit_callbacks):
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    ExceptionRule.objects.filter(kind=ExceptionKind.LARGE_POLICY_CHANGE).update(enabled=False)
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = policy_run_start(
            scope=RunScope(), parameters={"demand_model": "parametric", "batch_size": 20}
        )
    run.refresh_from_db()
    assert run.total_batches == 3
    read = [q for q in captured if 'FROM "governance_exceptionrule"' in q["sql"]]
    assert len(read) == 1  # once for the run, not per batch or row
    assert run.snapshot["exception_rules"] == exception_rules_current().as_json()
    assert run.snapshot["exception_rules"]["large_policy_change"]["enabled"] is False
    kinds = set(run.exceptions.values_list("kind", flat=True))
    assert ExceptionKind.LARGE_POLICY_CHANGE not in kinds and kinds
    money = run.exceptions.filter(kind=ExceptionKind.STOCKOUT_RISK).values_list(
        "money_at_risk", flat=True
    )
    assert money and min(money) >= 50
