"""Checks 10–12, Governance & Cadence: last month's cycle signed off, policy changes through
approvals by another person, every change audited."""

from django.utils import timezone

from governance.sop.diagnostic.context import AUDIT_WINDOW_DAYS, Context, Finding
from governance.sop.models import SopCycle
from governance.sop.selectors import previous_month

NO_CHANGE = f"No policy changed in the last {AUDIT_WINDOW_DAYS} days"


def check_review_cadence(ctx: Context) -> Finding:
    """Check 10: the previous month's S&OP cycle exists and was signed off (by ``as_of``)."""
    month = previous_month(ctx.cycle.month)
    previous = SopCycle.objects.select_related("signed_off_by").filter(month=month).first()
    label = f"{month:%B %Y}"
    if previous is None:
        return Finding(f"No S&OP cycle was held for {label}.", False)
    signed = previous.signed_off_at
    if signed is None or signed > ctx.as_of:
        return Finding(f"The S&OP cycle of {label} was not signed off.", False)
    who = previous.signed_off_by.get_username() if previous.signed_off_by else "someone"
    evidence = f"The S&OP cycle of {label} was signed off by {who} on {timezone.localdate(signed)}."
    return Finding(evidence, True)


def check_approval_workflow(ctx: Context) -> Finding:
    """Check 11: every policy change of the audit window came with an approved proposal, each
    decided by someone other than its proposer, and there was at least one. Every approval
    writes exactly one policy history row, so the counts compare one to one."""
    counts = ctx.change_counts
    changes, approved, by_other = counts["changes"], counts["approved"], counts["by_other"]
    if not changes:
        return Finding(f"{NO_CHANGE}: nothing shows the approval workflow at work.", False)
    evidence = (
        f"{changes:,} policy change(s) in the last {AUDIT_WINDOW_DAYS} days; {approved:,} "
        f"proposal(s) approved, {by_other:,} of them by a manager other than the proposer"
    )
    outside = max(changes - approved, 0)
    if outside:
        evidence += f"; {outside:,} change(s) came without an approved proposal"
    return Finding(evidence + ".", outside == 0 and by_other == approved)


def check_audit_trail(ctx: Context) -> Finding:
    """Check 12: every policy change of the audit window has a history row naming who and
    when, and no policy changed without one; at least one change."""
    counts = ctx.change_counts
    changes, unsigned, unrecorded = counts["changes"], counts["unsigned"], counts["unrecorded"]
    if not changes and not unrecorded:
        return Finding(f"{NO_CHANGE}: there is no change to audit.", False)
    gaps = []
    if unsigned:
        gaps.append(f"{unsigned:,} history row(s) name no user")
    if unrecorded:
        gaps.append(f"{unrecorded:,} polic(ies) changed without a history row")
    evidence = (
        f"{changes:,} policy change(s) in the last {AUDIT_WINDOW_DAYS} days have a history row "
        "with a timestamp (the audit page lists them)"
    )
    evidence += f"; {'; '.join(gaps)}." if gaps else ", each naming who made it."
    return Finding(evidence, changes > 0 and not gaps)
