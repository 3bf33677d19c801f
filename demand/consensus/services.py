"""The consensus plan's writes, called alike by the plan page, the approvals page, the admin
and the API: a planner overrides forecast periods with a rationale, a manager approves or
rejects the overrides beyond the tolerance.

Rules, on every path:
- overriding needs ``demand.add_forecastoverride`` and deciding
  ``demand.approve_forecastoverride``, each inside the user's location scope (fail closed);
- an override needs a rationale, a quantity of at least 0 and a period from the current one
  on; a rejection needs a comment; nobody decides their own override;
- an override within the tolerance of the period's statistical baseline
  (``|q − b| ≤ tolerance · b``) is approved at once; beyond it (or without a baseline, or
  with a baseline of 0, for any quantity above 0) it waits for a manager;
- an approved override is the period's consensus ``Forecast`` made today (one row per
  period and day: a later approval the same day replaces it);
- a later override of a period supersedes the one awaiting approval;
- decisions lock the override: a decision on a version other than the one stored, or on an
  override decided meanwhile, is refused with :class:`OverrideConflict` (HTTP 409);
- every write is audited by django-simple-history with who and why.
"""

import math
from collections.abc import Mapping
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from demand.choices import ForecastKind, OverrideStatus
from demand.consensus.selectors import forecast_settings, latest_statistical, plan_start
from demand.models import Forecast, ForecastOverride
from governance.proposals import audited, require_permission
from governance.selectors import location_scope
from inventory.models import Item, Location

SUBMIT = "demand.add_forecastoverride"
DECIDE = "demand.approve_forecastoverride"
CONSENSUS_SOURCE = "consensus"
_SLACK = 1e-9  # relative rounding slack of the tolerance test


class OverrideConflict(Exception):
    """The override changed since the caller read it, or was decided meanwhile (HTTP 409)."""


def override_submit(
    *,
    user: AbstractBaseUser,
    item: Item,
    location: Location,
    period_start: date,
    quantity: float,
    rationale: str,
    base_version: int | None = None,
) -> ForecastOverride:
    """Override one period; ``base_version`` is the version of the period's pending override
    the caller read (a change since is refused), None to replace whatever waits."""
    bases = {period_start: base_version} if base_version is not None else None
    return overrides_submit(
        user=user,
        item=item,
        location=location,
        quantities={period_start: quantity},
        rationale=rationale,
        base_versions=bases,
    )[0]


@transaction.atomic
def overrides_submit(
    *,
    user: AbstractBaseUser,
    item: Item,
    location: Location,
    quantities: Mapping[date, float],
    rationale: str,
    base_versions: Mapping[date, int] | None = None,
) -> list[ForecastOverride]:
    """Override several periods of one SKU-location with one rationale, all or none; the
    overrides in period order."""
    require_permission(user, SUBMIT, "Overriding forecasts needs the planner or manager role.")
    _require_scope(user, location, "override forecasts")
    rationale = _checked(quantities, rationale)
    baselines = latest_statistical(item=item, location=location, periods=list(quantities))
    tolerance = forecast_settings().override_tolerance
    created = []
    for period in sorted(quantities):
        _supersede_pending(item, location, period, user, (base_versions or {}).get(period))
        override = ForecastOverride(
            item=item,
            location=location,
            period_start=period,
            quantity=float(quantities[period]),
            baseline=baselines.get(period),
            rationale=rationale,
            created_by=user,
        )
        override.needs_approval = beyond_tolerance(override.quantity, override.baseline, tolerance)
        if override.needs_approval:
            audited(override, user, f"Submitted for approval: {rationale}").save()
        else:
            _approve(override, user, f"Within the tolerance, approved at once: {rationale}")
        created.append(override)
    return created


def beyond_tolerance(quantity: float, baseline: float | None, tolerance: float) -> bool:
    """Whether ``quantity`` is further than ``tolerance`` (a share) from the baseline; with no
    baseline (or 0) any quantity above 0 is."""
    base = baseline or 0.0
    return abs(quantity - base) > tolerance * base + _SLACK * max(base, 1.0)


@transaction.atomic
def override_decide(
    *,
    user: AbstractBaseUser,
    override: ForecastOverride,
    approve: bool,
    comment: str = "",
    version: int | None = None,
) -> ForecastOverride:
    """Approve (the period's consensus forecast takes the quantity) or reject (with a
    comment) an override awaiting approval; the override as decided."""
    require_permission(user, DECIDE, "Approving or rejecting overrides needs the manager role.")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say why the override is rejected."})
    locked = ForecastOverride.objects.select_for_update().get(pk=override.pk)
    _require_scope(user, locked.location, "decide overrides")
    if locked.created_by_id == user.pk:
        raise PermissionDenied("You cannot decide your own override: another manager must.")
    _require_current(locked, version)
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.decision_comment = comment
    if approve:
        _approve(locked, user, f"Approved: {comment}" if comment else "Approved.")
    else:
        locked.status = OverrideStatus.REJECTED
        locked.version += 1
        audited(locked, user, f"Rejected: {comment}").save()
    return locked


def _checked(quantities: Mapping[date, float], rationale: str) -> str:
    """The rationale, stripped, once every period and quantity is acceptable; else a
    ``ValidationError`` naming each field."""
    errors: dict[str, list[str]] = {}
    rationale = (rationale or "").strip()
    if not rationale:
        errors["rationale"] = ["Say why: an override needs a rationale."]
    if not quantities:
        errors["quantity"] = ["Give the quantity of at least one period."]
    first = plan_start()
    for period, quantity in sorted(quantities.items()):
        if period < first:
            errors.setdefault("period_start", []).append(
                f"{period:%Y-%m-%d} is past: override periods from {first:%Y-%m-%d} on."
            )
        if not _is_number(quantity):
            errors.setdefault("quantity", []).append(f"{period:%Y-%m-%d}: not a number.")
        elif quantity < 0:
            errors.setdefault("quantity", []).append(
                f"{period:%Y-%m-%d}: {quantity:g} is negative."
            )
    if errors:
        raise ValidationError(errors)
    return rationale


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _require_scope(user: AbstractBaseUser, location: Location, action: str) -> None:
    if not location_scope(user=user).covers([location.pk]):
        raise PermissionDenied(f"{location.code} is not in your scope: you cannot {action} here.")


def _require_current(override: ForecastOverride, version: int | None) -> None:
    if override.status != OverrideStatus.PENDING:
        who = f" by {override.decided_by}" if override.decided_by_id else ""
        raise OverrideConflict(
            f"Override #{override.pk} is already {override.get_status_display().lower()}{who}; "
            "nothing was changed."
        )
    if version is not None and version != override.version:
        raise OverrideConflict(
            f"Override #{override.pk} changed since you read it (version {override.version} "
            f"now, {version} read); look at it again."
        )


def _supersede_pending(
    item: Item, location: Location, period: date, user: AbstractBaseUser, base_version: int | None
) -> None:
    """Mark the period's override awaiting approval (locked first) superseded; refuse when
    it is not the version the caller read."""
    pending = ForecastOverride.objects.select_for_update().filter(
        item=item, location=location, period_start=period, status=OverrideStatus.PENDING
    )
    waiting = list(pending)
    if base_version is not None and [o.version for o in waiting] != [base_version]:
        raise OverrideConflict(
            f"The pending override of {period:%Y-%m-%d} changed since you read it; "
            "look at the plan again."
        )
    for override in waiting:
        override.status = OverrideStatus.SUPERSEDED
        override.version += 1
        audited(override, user, "Superseded by a later override.").save()


def _approve(override: ForecastOverride, user: AbstractBaseUser, reason: str) -> None:
    """Save ``override`` approved and write it as the period's consensus forecast of today."""
    if override.pk is not None:
        override.version += 1
    override.status = OverrideStatus.APPROVED
    audited(override, user, reason).save()
    Forecast.objects.update_or_create(
        item_id=override.item_id,
        location_id=override.location_id,
        period_start=override.period_start,
        kind=ForecastKind.CONSENSUS,
        as_of=timezone.localdate(),
        defaults={
            "quantity": override.quantity,
            "source": CONSENSUS_SOURCE,
            "version": f"override #{override.pk}",
        },
    )
