"""Checks 7–9, Supply Constraints: lead-time distributions per lane, order constraints in
the recommendations, supplier reliability in the buffers."""

from governance.sop.diagnostic.context import (
    LEAD_TIME_MAX_AGE_DAYS,
    Context,
    Finding,
    count_of,
    share,
)
from governance.sop.diagnostic.forecast import NO_RUN, run_label
from governance.sop.diagnostic.policy import PORTFOLIO_SHARE
from supply.selectors import lead_time_settings


def check_lead_time_distributions(ctx: Context) -> Finding:
    """Check 7: supplier lanes carry a lead-time mean and deviation measured from enough
    received lines, refreshed within a quarter."""
    counts = ctx.lane_counts
    total, part = counts["total"], counts["tracked"]
    if not total:
        return Finding(
            "No supplier lane is loaded, so no lead-time distribution is tracked.", False
        )
    lines = lead_time_settings().min_received_lines
    evidence = (
        f"{count_of(part, total, 'supplier lanes')} have a lead-time mean and deviation "
        f"measured from at least {lines} received lines, refreshed in the last "
        f"{LEAD_TIME_MAX_AGE_DAYS} days."
    )
    return Finding(evidence, share(part, total) >= PORTFOLIO_SHARE)


def check_order_constraints(ctx: Context) -> Finding:
    """Check 8: the last run's recommendations on lanes with an MOQ, lot size or case pack
    had their order quantities set against them. Without such lanes the system cannot tell
    whether the business has none or they are not loaded: a person answers."""
    if not ctx.lane_counts["constrained"]:
        evidence = (
            "No supplier lane carries an MOQ, a lot size or a case pack, so nothing shows "
            "whether recommendations respect them. Answer whether such constraints exist "
            "outside the system."
        )
        return Finding(evidence, None)
    run = ctx.last_run
    if run is None:
        return Finding(f"{NO_RUN}: no recommendation has applied the lanes' constraints.", False)
    counts = ctx.run_counts
    total, part = counts["constrained"], counts["constrained_checked"]
    if not total:
        evidence = f"The last {run_label(run)} planned no SKU-location on a constrained lane."
        return Finding(evidence, False)
    evidence = (
        f"The last {run_label(run)} set the order quantity against the lane's MOQ, lot size "
        f"and case pack for {count_of(part, total, 'recommendations on constrained lanes')}: "
        f"raised to the MOQ for {counts['moq']:,}, rounded to whole lots or cases for "
        f"{counts['multiple']:,}."
    )
    return Finding(evidence, share(part, total) >= PORTFOLIO_SHARE)


def check_supplier_reliability(ctx: Context) -> Finding:
    """Check 9: where measured lead times vary, the last run used the actual lead times and
    held lead-time safety stock. Without a lane whose lead times vary the system has nothing
    to show: a person answers."""
    if not ctx.lane_counts["varying"]:
        evidence = (
            "No supplier lane shows lead times that vary (measured from enough received "
            "lines), so nothing shows supplier reliability reaching the buffers. Answer how "
            "supplier risk is covered."
        )
        return Finding(evidence, None)
    run = ctx.last_run
    if run is None:
        return Finding(f"{NO_RUN}: no buffer reflects supplier reliability.", False)
    counts = ctx.run_counts
    total, part = counts["varying"], counts["varying_buffered"]
    if not total:
        evidence = (
            f"The last {run_label(run)} held no safety stock for a SKU-location with demand "
            "on a lane whose lead times vary."
        )
        return Finding(evidence, False)
    evidence = (
        f"The last {run_label(run)} used the actual lead times and held lead-time safety "
        f"stock for {count_of(part, total, 'recommendations on lanes whose lead times vary')}."
    )
    return Finding(evidence, share(part, total) >= PORTFOLIO_SHARE)
