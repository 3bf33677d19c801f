"""Which exceptions a run raises: the rules per kind (``ExceptionRule``, edited in the admin),
copied once when a run is planned and applied by its batches.

Without thresholds, a run flags most SKU-locations (every first run against legacy policies
changes most safety stocks by more than the tolerance), and an inbox that lists everything
helps with nothing. A rule keeps the exceptions of its kind that put enough money at stake.
"""

import math
from dataclasses import dataclass

from governance.choices import ExceptionKind
from governance.models import ExceptionRule


@dataclass(frozen=True)
class Rule:
    """One kind's rule: ``min_change`` (a share) only for large policy changes."""

    enabled: bool = True
    min_money: float = 0.0
    min_change: float | None = None


@dataclass(frozen=True)
class ExceptionRules:
    """The rules of a run by kind; a kind without a rule raises every exception found."""

    by_kind: dict[str, Rule]

    def admits(self, kind: str, *, money: float, change: float, blocking: bool = False) -> bool:
        """Whether an exception of ``kind`` with this money at risk (and relative change of
        safety stock, NaN or infinite from zero) is raised. A blocking one always is."""
        if blocking:
            return True
        rule = self.by_kind.get(kind, Rule())
        if not rule.enabled or money < rule.min_money:
            return False
        if rule.min_change is None or not math.isfinite(change):
            return True
        return abs(change) >= rule.min_change

    def as_json(self) -> dict:
        """The form a run's snapshot keeps."""
        return {
            kind: {
                "enabled": rule.enabled,
                "min_money_at_risk": rule.min_money,
                "min_relative_change": rule.min_change,
            }
            for kind, rule in sorted(self.by_kind.items())
        }

    @classmethod
    def from_json(cls, data: dict) -> "ExceptionRules":
        """The rules a run's snapshot kept."""
        return cls(
            {
                kind: Rule(
                    enabled=values["enabled"],
                    min_money=values["min_money_at_risk"],
                    min_change=values["min_relative_change"],
                )
                for kind, values in data.items()
            }
        )


def exception_rules_current() -> ExceptionRules:
    """The rules as stored now (one query)."""
    rows = ExceptionRule.objects.values_list(
        "kind", "enabled", "min_money_at_risk", "min_relative_change"
    )
    return ExceptionRules(
        {
            kind: Rule(
                enabled=enabled,
                min_money=float(money),
                min_change=None if change is None else float(change),
            )
            for kind, enabled, money, change in rows
            if kind in ExceptionKind.values
        }
    )
