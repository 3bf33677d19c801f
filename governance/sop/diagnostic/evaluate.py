"""The 15-check inventory optimization diagnostic (seed 000 §2–5): each check evaluated from
evidence in the system where it can be, else answered by a person; scores per area with the
seed's traffic-light rule, and the maturity level with its recommended actions.

Which evidence each check reads, and why its thresholds: docs/sop.md, "Diagnostic".
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import caches
from django.utils import timezone

from governance.choices import DiagnosticArea
from governance.selectors import LocationScope
from governance.sop.diagnostic import cadence, forecast, outcomes, policy, supply
from governance.sop.diagnostic.context import Context, Finding, diagnostic_as_of
from governance.sop.models import DiagnosticAnswer, SopCycle

Area = DiagnosticArea


@dataclass(frozen=True)
class CheckSpec:
    """One check: its number, area, the seed's wording, and how evidence answers it."""

    number: int
    area: str
    text: str
    evaluate: Callable[[Context], Finding]


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(1, Area.POLICY_LOGIC, "Safety stock is recalculated using demand and lead-time "
              "variability (not static constants).", policy.check_variability),
    CheckSpec(2, Area.POLICY_LOGIC, "Reorder points are dynamically updated on a recurring "
              "cadence.", policy.check_cadence),
    CheckSpec(3, Area.POLICY_LOGIC, "Service level targets are segmented (e.g., A/B/C, "
              "strategic vs non-strategic items).", policy.check_segmentation),
    CheckSpec(4, Area.FORECAST, "Forecast error (bias/variance/MAPE) is used in policy "
              "calculation.", forecast.check_forecast_error),
    CheckSpec(5, Area.FORECAST, "Promotions/seasonality are reflected in policy updates.",
              forecast.check_seasonality),
    CheckSpec(6, Area.FORECAST, "Consensus/approved demand plan feeds inventory policy (not "
              "only historical averages).", forecast.check_consensus),
    CheckSpec(7, Area.SUPPLY, "Lead-time distributions are tracked by supplier/lane (not only "
              "single values).", supply.check_lead_time_distributions),
    CheckSpec(8, Area.SUPPLY, "MOQ, lot size, case-pack, and similar constraints are built "
              "into recommendations.", supply.check_order_constraints),
    CheckSpec(9, Area.SUPPLY, "Supplier reliability/risk is reflected in buffers or "
              "replenishment logic.", supply.check_supplier_reliability),
    CheckSpec(10, Area.GOVERNANCE, "Inventory policy is reviewed in a fixed cadence (e.g., "
              "monthly S&OP/IBP cycle).", cadence.check_review_cadence),
    CheckSpec(11, Area.GOVERNANCE, "Policy changes follow approval workflow (planner → "
              "manager/lead).", cadence.check_approval_workflow),
    CheckSpec(12, Area.GOVERNANCE, "Policy changes are auditable with ownership and "
              "timestamps.", cadence.check_audit_trail),
    CheckSpec(13, Area.OUTCOMES, "Service level/fill rate improves while turns are stable or "
              "improving.", outcomes.check_service_and_turns),
    CheckSpec(14, Area.OUTCOMES, "Stockouts/backorders/expedites trend downward.",
              outcomes.check_shortages),
    CheckSpec(15, Area.OUTCOMES, "Excess/obsolete inventory and cash tied in inventory trend "
              "downward.", outcomes.check_excess_and_cash),
)  # fmt: skip
CHECK_BY_NUMBER = {spec.number: spec for spec in CHECKS}

EVIDENCE_MAX_AGE = 600
"""Seconds a page may reuse evidence read by an earlier evaluation (``max_age``): at a million
SKU-locations the evidence takes seconds to read, and it moves with runs, approvals and KPI
refreshes, not by the minute. Manual answers are always read afresh."""

# The seed's RAG rule on the share of an area's checks answered yes.
GREEN_FROM = 0.8
AMBER_FROM = 0.4

LEVELS: tuple[tuple[int, int, str, list[str]], ...] = (
    (5, 1, "Transactional / static settings", [
        "Implement baseline safety stock + reorder point logic by SKU-location.",
        "Establish segmentation (service level by item class/criticality).",
        "Set monthly policy review and KPI baseline (service, turns, stockout, excess).",
    ]),
    (11, 2, "Partial optimization", [
        "Add lead-time variability and supplier risk into policy calculations.",
        "Enforce constraint-aware recommendations (MOQ/lot/capacity aware).",
        "Standardize exception management for stockout risk and excess risk.",
    ]),
    (15, 3, "Mature optimization foundation", [
        "Expand to scenario-based optimization for service/cash/cost trade-offs.",
        "Introduce AI-assisted policy tuning and continuous learning loops.",
        "Track financial outcomes in S&OP (working capital, obsolescence, expedite cost).",
    ]),
)  # fmt: skip
"""(highest score of the level, level, label, the seed's priority actions)."""


@dataclass(frozen=True)
class CheckResult:
    """One check as evaluated: the evidence found, the manual answer, the answer that counts
    (evidence first; a manual answer only where the system holds no evidence)."""

    number: int
    area: str
    text: str
    evidence: str
    evidence_answer: bool | None
    manual: DiagnosticAnswer | None
    answer: bool | None
    source: str  # "evidence" | "manual" | "unanswered"

    def as_json(self) -> dict[str, Any]:
        """The check as stored in a signed-off summary."""
        manual = None
        if self.manual is not None:
            manual = {
                "answer": self.manual.answer,
                "note": self.manual.note,
                "by": self.manual.answered_by.get_username(),
                "at": self.manual.answered_at.isoformat(),
            }
        return {
            "number": self.number,
            "area": self.area,
            "text": self.text,
            "evidence": self.evidence,
            "evidence_answer": self.evidence_answer,
            "manual": manual,
            "answer": self.answer,
            "source": self.source,
        }


@dataclass(frozen=True)
class AreaResult:
    """One area of the scorecard: its score 0–3, share of yes and traffic light."""

    area: str
    label: str
    score: int
    share: float
    rag: str
    checks: list[CheckResult]


@dataclass(frozen=True)
class Diagnostic:
    """The whole diagnostic of a cycle, evidence as of ``as_of``."""

    checks: list[CheckResult]
    areas: list[AreaResult]
    score: int
    level: int
    level_label: str
    actions: list[str]
    unanswered: list[int]
    as_of: datetime
    evaluated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """Scores, levels and every check, as JSON (what a sign-off stores)."""
        return {
            "as_of": self.as_of.isoformat(),
            "evaluated_at": self.evaluated_at.isoformat(),
            "score": self.score,
            "level": self.level,
            "level_label": self.level_label,
            "actions": self.actions,
            "unanswered": self.unanswered,
            "areas": [
                {"area": a.area, "label": a.label, "score": a.score, "share": a.share, "rag": a.rag}
                for a in self.areas
            ],
            "checks": [check.as_json() for check in self.checks],
        }


def rag_for(share: float) -> str:
    """The seed's traffic light for the share of an area's checks answered yes: green from
    80 %, amber from 40 %, red below."""
    if share >= GREEN_FROM:
        return "green"
    return "amber" if share >= AMBER_FROM else "red"


def maturity_level(score: int) -> tuple[int, str, list[str]]:
    """Level, label and the seed's priority actions for a score: 0–5 level 1, 6–11 level 2,
    12–15 level 3."""
    if not 0 <= score <= len(CHECKS):
        raise ValueError(f"A diagnostic score is 0 to {len(CHECKS)}, not {score}.")
    for highest, level, label, actions in LEVELS:
        if score <= highest:
            return level, label, list(actions)
    raise AssertionError("unreachable: the last level ends at the highest score")


def _result(spec: CheckSpec, finding: Finding, manual: DiagnosticAnswer | None) -> CheckResult:
    if finding.answer is not None:
        answer, source = finding.answer, "evidence"
    elif manual is not None:
        answer, source = manual.answer, "manual"
    else:
        answer, source = None, "unanswered"
    return CheckResult(
        number=spec.number,
        area=str(spec.area),
        text=spec.text,
        evidence=finding.evidence,
        evidence_answer=finding.answer,
        manual=manual,
        answer=answer,
        source=source,
    )


def _area(area: DiagnosticArea, checks: list[CheckResult]) -> AreaResult:
    mine = [check for check in checks if check.area == area]
    score = sum(check.answer is True for check in mine)
    share = score / len(mine)
    return AreaResult(area.value, area.label, score, share, rag_for(share), mine)


@dataclass(frozen=True)
class Evidence:
    """What one evaluation read: when, as of when, and each check's finding in order."""

    evaluated_at: datetime
    as_of: datetime
    findings: tuple[Finding, ...]


def _evidence_key(cycle: SopCycle, scope: LocationScope) -> str:
    where = "all"
    if not scope.whole_network:
        ids = ",".join(str(pk) for pk in sorted(scope.location_ids))
        where = hashlib.sha256(ids.encode()).hexdigest()[:20]
    return f"diagnostic-evidence:{cycle.pk}:{cycle.status}:{where}"


def _kept(key: str, max_age: int) -> Evidence | None:
    """The evidence kept under ``key`` when it is at most ``max_age`` seconds old."""
    if max_age <= 0:
        return None
    kept = caches["shared"].get(key)
    if kept is None or (timezone.now() - kept.evaluated_at).total_seconds() > max_age:
        return None
    return kept


def diagnostic_evidence(*, cycle: SopCycle, scope: LocationScope, max_age: int = 0) -> Evidence:
    """The findings of every check in ``scope``: those of an evaluation at most ``max_age``
    seconds old when there is one (0: read now). Each reading is kept for later callers."""
    key = _evidence_key(cycle, scope)
    kept = _kept(key, max_age)
    if kept is not None:
        return kept
    context = Context(cycle=cycle, scope=scope, as_of=diagnostic_as_of(cycle))
    findings = tuple(spec.evaluate(context) for spec in CHECKS)
    evidence = Evidence(timezone.now(), context.as_of, findings)
    caches["shared"].set(key, evidence, EVIDENCE_MAX_AGE)
    return evidence


def diagnostic_evaluate(
    *, cycle: SopCycle, scope: LocationScope | None = None, max_age: int = 0
) -> Diagnostic:
    """Every check of ``cycle`` from the evidence in ``scope`` (the whole network by default)
    as of :func:`diagnostic_as_of`, with the cycle's manual answers; a bounded number of
    queries whatever the data's size. ``max_age``: see :func:`diagnostic_evidence` (pages
    pass ``EVIDENCE_MAX_AGE``; a sign-off reads afresh)."""
    scope = LocationScope(whole_network=True) if scope is None else scope
    evidence = diagnostic_evidence(cycle=cycle, scope=scope, max_age=max_age)
    answers = {
        answer.check_number: answer
        for answer in DiagnosticAnswer.objects.filter(cycle=cycle).select_related("answered_by")
    }
    checks = [
        _result(spec, finding, answers.get(spec.number))
        for spec, finding in zip(CHECKS, evidence.findings, strict=True)
    ]
    areas = [_area(area, checks) for area in DiagnosticArea]
    score = sum(area.score for area in areas)
    level, label, actions = maturity_level(score)
    return Diagnostic(
        checks=checks,
        areas=areas,
        score=score,
        level=level,
        level_label=label,
        actions=actions,
        unanswered=[check.number for check in checks if check.answer is None],
        as_of=evidence.as_of,
        evaluated_at=evidence.evaluated_at,
    )


def check_evidence(
    *, cycle: SopCycle, number: int, scope: LocationScope | None = None, max_age: int = 0
) -> Finding:
    """What the evidence in ``scope`` (the whole network by default) says about one check of
    ``cycle``: from a whole evaluation at most ``max_age`` seconds old when one was kept,
    else read now for this check alone."""
    scope = LocationScope(whole_network=True) if scope is None else scope
    kept = _kept(_evidence_key(cycle, scope), max_age)
    if kept is not None:
        return kept.findings[number - 1]
    context = Context(cycle=cycle, scope=scope, as_of=diagnostic_as_of(cycle))
    return CHECK_BY_NUMBER[number].evaluate(context)
