"""Stable ABC-XYZ segmentation (inventory/runs/planning.py, the stored NetworkSegmentation).

A SKU-location's segment, and the service target it drives, are the whole network's, whatever
the run's scope or the starting user's locations. Hand-built network, steady demand of 10 a
week for 8 weeks (cv 0: X), so the annual value is 10 × 365/7 × unit cost:

    BIG@DC-1    cost 100   52,142   share before it 0       A
    MID@DC-1    cost  10    5,214                   0.901   B
    SMALL@DC-1  cost   1      521                   0.991   C
    SMALL@DC-2  cost   1      521                   0.991   C

(Pareto rule: A while the cumulative share before the row is < 80 %, B < 95 %.) Scored over
only its own scope, a one-pair run of SMALL@DC-1 (or a run of DC-2 alone) would find it the
whole population, hence A: that is what the code before stored segmentation did.
"""

from datetime import date, timedelta

import pytest

from demand.models import DemandHistory
from governance.services import location_scope_grant
from inventory.choices import RunStatus, ServiceType
from inventory.engine.history import abc_cutoffs
from inventory.models import InventoryPosition, Item, Location, ServiceLevelClass
from inventory.runs.models import (
    NetworkSegmentation,
    PolicyRecommendation,
    PolicyRun,
    SkuLocationSegment,
)
from inventory.runs.scope import RunScope, scope_resolve
from inventory.runs.services import policy_run_start
from tests.clock import PINNED_NOW
from tests.factories import make_demand, make_item, make_location

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
AS_OF = date(2026, 11, 23)  # the Monday of the pinned week
WEEKS = 8
PER_YEAR = 365 / 7
NETWORK_CUTOFFS = (10 * PER_YEAR * 100, 10 * PER_YEAR * 10)  # lowest A value, lowest B value


@pytest.fixture
def network(db, settings):
    """The four SKU-locations above, each with a stock position, and the service classes."""
    settings.RUNS_SYNC = True
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    for sku, cost, location in [
        ("BIG", 100, dc1),
        ("MID", 10, dc1),
        ("SMALL", 1, dc1),
        ("SMALL", 1, dc2),
    ]:
        item = Item.objects.filter(sku=sku).first() or make_item(sku, unit_cost=cost)
        InventoryPosition.objects.create(item=item, location=location, as_of=AS_OF, on_hand=50)
        for week in range(1, WEEKS + 1):
            make_demand(item, location, period_start=AS_OF - timedelta(weeks=week), quantity=10)
    for code, target in [("AX", 0.99), ("BX", 0.97), ("CX", 0.94)]:
        ServiceLevelClass.objects.create(code=code, target=target, service_type=ServiceType.FILL)


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    """Start a run as of ``AS_OF`` (unless given) and let it finish; the refreshed run."""

    def start(scope: RunScope | None = None, actor=None, **parameters) -> PolicyRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = policy_run_start(
                scope=scope or RunScope(),
                parameters={"as_of": AS_OF.isoformat(), **parameters},
                actor=actor,
            )
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED
        return run

    return start


def one_pair(sku: str = "SMALL", location: str = "DC-1") -> RunScope:
    """The scope a lead-time change event starts: one SKU-location."""
    return scope_resolve(sku_locations=[(sku, location)])


def recommended(run: PolicyRun, sku: str = "SMALL", location: str = "DC-1") -> tuple:
    """(segment, service class, service target) the run recommended for the SKU-location."""
    return PolicyRecommendation.objects.values_list(
        "segment", "service_class", "service_target"
    ).get(run=run, item__sku=sku, location__code=location)


def test_a_sku_location_has_the_same_segment_in_a_whole_network_and_a_one_pair_run(
    network, run_now
):
    whole = run_now()
    pair = run_now(one_pair())
    assert recommended(whole) == recommended(pair) == ("CX", "CX", 0.94)
    # Before stored segmentation the pair run scored SMALL@DC-1 against itself alone: AX, 0.99.
    assert pair.snapshot["segmentation"] == "reused"
    assert pair.snapshot["abc_cutoffs"] == whole.snapshot["abc_cutoffs"]


def test_a_scoped_run_with_nothing_stored_classifies_against_the_whole_network(
    network, run_now, ungranted_planner
):
    pair = run_now(one_pair())
    assert recommended(pair) == ("CX", "CX", 0.94)
    assert pair.snapshot["segmentation"] == "computed"
    assert pair.snapshot["segmentation_as_of"] == AS_OF.isoformat()
    assert pair.snapshot["abc_cutoffs"] == pytest.approx(list(NETWORK_CUTOFFS))
    assert pair.snapshot["abc_cutoffs"] == pytest.approx(
        list(abc_cutoffs([10 * PER_YEAR * c for c in (100, 10, 1, 1)]))
    )

    # A planner who sees DC-2 only: "everything" is DC-2, where SMALL is the only SKU.
    location_scope_grant(user=ungranted_planner, locations=[Location.objects.get(code="DC-2")])
    theirs = run_now(actor=ungranted_planner)
    assert theirs.scope["location_ids"] == [Location.objects.get(code="DC-2").pk]
    assert recommended(theirs, location="DC-2") == ("CX", "CX", 0.94)
    assert not NetworkSegmentation.objects.exists()  # scoped runs store nothing


def test_a_whole_network_run_stores_each_segment_with_the_segmentation_date(network, run_now):
    run = run_now()
    stored = NetworkSegmentation.objects.get()
    assert stored.run == run
    assert stored.as_of == AS_OF
    assert stored.computed_at.date() == PINNED_NOW.date()
    assert stored.cutoffs == pytest.approx(NETWORK_CUTOFFS)
    assert run.snapshot["segmentation"] == "recomputed"
    assert run.snapshot["segmentation_as_of"] == AS_OF.isoformat()
    segments = {
        (s.item.sku, s.location.code): (s.segment, s.segmentation.as_of)
        for s in SkuLocationSegment.objects.select_related("item", "location", "segmentation")
    }
    assert segments == {
        ("BIG", "DC-1"): ("AX", AS_OF),
        ("MID", "DC-1"): ("BX", AS_OF),
        ("SMALL", "DC-1"): ("CX", AS_OF),
        ("SMALL", "DC-2"): ("CX", AS_OF),
    }

    # The next whole-network run supersedes it (the older cut-offs stay on record); one
    # planning an earlier date leaves it alone.
    again = run_now()
    assert NetworkSegmentation.objects.first().run == again
    assert SkuLocationSegment.objects.filter(segmentation__run=again).count() == 4
    assert SkuLocationSegment.objects.count() == 4
    older = run_now(as_of=(AS_OF - timedelta(weeks=1)).isoformat())
    assert older.snapshot["segmentation"] == "computed"
    assert NetworkSegmentation.objects.count() == 2
    assert NetworkSegmentation.objects.first().run == again


def test_a_scoped_run_reuses_the_stored_segment_until_it_is_too_old(network, run_now):
    whole = run_now()
    # SMALL@DC-1 now sells 1,000 a week: against the network it is worth an A.
    DemandHistory.objects.filter(item__sku="SMALL", location__code="DC-1").update(quantity=1000)

    pair = run_now(one_pair())
    assert recommended(pair) == ("CX", "CX", 0.94)  # the stored class: stable
    assert pair.snapshot["segmentation"] == "reused"
    assert pair.snapshot["segmentation_id"] == NetworkSegmentation.objects.get(run=whole).pk
    assert pair.snapshot["segmentation_as_of"] == AS_OF.isoformat()

    next_week = (AS_OF + timedelta(weeks=1)).isoformat()
    fresh = run_now(one_pair(), as_of=next_week, segmentation_max_age_days=7)
    assert fresh.snapshot["segmentation"] == "reused"
    stale = run_now(one_pair(), as_of=next_week, segmentation_max_age_days=6)
    assert stale.snapshot["segmentation"] == "computed"
    assert stale.snapshot["segmentation_as_of"] == next_week
    assert recommended(stale) == ("AX", "AX", 0.99)  # computed against the whole network again
