"""The form a planner proposes a policy from a run's recommendation with (the Runs pages).

It only shapes input: the seven policy values, prefilled with the recommendation's, and a
justification. The rules (an override needs a justification, min ≤ reorder point ≤ max, the
MOQ and lot multiples, scopes) live in ``governance.proposals``, whose ``ValidationError`` is
put back on the field it names.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from inventory.choices import ServiceType
from inventory.models import PolicyRecommendation, PolicyValues

_QUANTITY_LABELS = {
    "safety_stock": "Safety stock",
    "reorder_point": "Reorder point",
    "min_level": "Min level",
    "max_level": "Max level",
    "order_quantity": "Order quantity",
}


class ProposeForm(forms.Form):
    """The policy values (the recommendation's unless the planner changes them) and a
    justification; ``overrides()`` gives the service's values."""

    safety_stock = forms.FloatField(label=_QUANTITY_LABELS["safety_stock"])
    reorder_point = forms.FloatField(label=_QUANTITY_LABELS["reorder_point"])
    min_level = forms.FloatField(label=_QUANTITY_LABELS["min_level"])
    max_level = forms.FloatField(label=_QUANTITY_LABELS["max_level"])
    order_quantity = forms.FloatField(label=_QUANTITY_LABELS["order_quantity"])
    service_target = forms.FloatField(
        label="Service target", help_text="A share between 0 and 1, e.g. 0.95."
    )
    service_type = forms.ChoiceField(label="Service type", choices=ServiceType.choices)
    justification = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required when you change any value: say why these values.",
    )

    def __init__(self, data=None, *, recommendation: PolicyRecommendation, **kwargs) -> None:
        initial = {name: getattr(recommendation, name) for name in PolicyValues.FIELDS}
        kwargs.setdefault("initial", initial)
        super().__init__(data, **kwargs)
        self.recommendation = recommendation

    def overrides(self) -> dict[str, Any]:
        """The policy values given (the service keeps those equal to the recommendation's as
        an acceptance)."""
        return {name: self.cleaned_data[name] for name in PolicyValues.FIELDS}

    def add_service_error(self, error: ValidationError) -> None:
        """Put the service's ``ValidationError`` on the fields it names (else on the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)
