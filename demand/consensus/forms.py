"""Forms of the consensus pages: the plan's editable consensus cells with one rationale, and
the approvals page's decisions. They only type the input; the rules are the services'."""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from demand.consensus.selectors import ConsensusPlan, PlanPeriod

CELL_PREFIX = "q-"


def cell_name(start: date) -> str:
    """The input name of a period's consensus cell, e.g. ``q-2026-11-30``."""
    return f"{CELL_PREFIX}{start:%Y-%m-%d}"


def shown(value: float | None) -> float | None:
    """A plan value as its cell shows it (one decimal)."""
    return None if value is None else round(value, 1)


class PlanForm(forms.Form):
    """One consensus cell per period of the plan, filled with the plan in force, and the
    rationale every change needs."""

    rationale = forms.CharField(
        required=False,  # the service refuses a blank one, naming the field
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why these quantities: the approver and the audit trail read it.",
    )

    def __init__(self, *args, plan: ConsensusPlan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        for period in plan.periods:
            self.fields[cell_name(period.start)] = forms.FloatField(
                required=False,
                min_value=0,
                initial=shown(period.plan),
                label=f"Consensus for the period of {period.start:%d %b %Y}",
                widget=forms.NumberInput(attrs={"step": "any", "min": "0", "class": "cell"}),
            )

    def rows(self) -> list[tuple[PlanPeriod, forms.BoundField]]:
        """Each period with its cell."""
        return [(p, self[cell_name(p.start)]) for p in self.plan.periods]

    def typed(self) -> dict[date, float]:
        """The valid cells whose quantity differs from the plan in force (call after
        ``is_valid``)."""
        cleaned = getattr(self, "cleaned_data", {})
        typed = {}
        for period in self.plan.periods:
            value = cleaned.get(cell_name(period.start))
            if value is not None and value != shown(period.plan):
                typed[period.start] = value
        return typed

    def service_errors(self, error: ValidationError) -> None:
        """The service's refusal on the form: the rationale's on its field, the rest above."""
        for name, messages in error.message_dict.items():
            self.add_error("rationale" if name == "rationale" else None, messages)


@dataclass(frozen=True)
class Decision:
    """What the approvals form asks: approve or reject these overrides, each with the
    version read and a comment."""

    approve: bool
    ids: list[int]
    versions: dict[int, int | None]
    comments: dict[int, str]
    bulk: bool


def decision_of(data: QueryDict) -> Decision | None:
    """The decision posted: ``decide`` = ``approve-<id>``, ``reject-<id>``, or
    ``approve-selected`` / ``reject-selected`` for the ticked rows (one comment for all);
    None when it cannot be read."""
    verb, _, target = data.get("decide", "").partition("-")
    if verb not in ("approve", "reject"):
        return None
    bulk = target == "selected"
    chosen = data.getlist("selected") if bulk else [target]
    if not chosen or not all(_whole(v) for v in chosen):
        return None
    ids = [int(v) for v in chosen]
    versions = {pk: _version(data.get(f"version-{pk}", "")) for pk in ids}
    comments = {pk: data.get("comment" if bulk else f"comment-{pk}", "") for pk in ids}
    return Decision(verb == "approve", ids, versions, comments, bulk)


def _whole(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18


def _version(text: str) -> int | None:
    return int(text) if _whole(text) and len(text) <= 9 else None
