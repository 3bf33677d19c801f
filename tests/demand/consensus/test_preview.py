"""The plan page's policy preview against a real run: higher levels for a plan ten times
higher, beside the recommendation's own."""

from demand.consensus.preview import plan_preview
from demand.consensus.selectors import consensus_plan


def test_a_higher_plan_raises_the_previewed_levels(planned):
    rec, baseline = planned
    plan = consensus_plan(item=rec.item, location=rec.location)
    same = plan_preview(recommendation=rec, plan=plan, typed={})
    typed = {period.start: baseline * 10 for period in plan.periods[:8]}
    higher = plan_preview(recommendation=rec, plan=plan, typed=typed)
    assert same["available"] and higher["available"]
    before = {row["field"]: row["preview"] for row in same["levels"]}
    after = {row["field"]: row["preview"] for row in higher["levels"]}
    assert after["reorder_point"] > before["reorder_point"] * 5  # lead-time demand ×10
    assert after["max_level"] > before["max_level"]
    assert [row["current"] for row in higher["levels"]] == [
        rec.safety_stock,
        rec.reorder_point,
        rec.max_level,
        rec.recommended_qty,
    ]


def test_without_a_recommendation_there_is_nothing_to_preview(sku):
    item, location = sku
    plan = consensus_plan(item=item, location=location)
    answer = plan_preview(recommendation=None, plan=plan, typed={})
    assert answer["available"] is False
