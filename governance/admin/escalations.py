"""Admin of the escalation rules: one per kind, seeded by migration 0008, edited (on/off,
threshold, periods in a row, ABC classes, owner) with their history; never added or deleted.
A change applies from the next evaluation (the weekly schedule, ``manage.py escalate`` or the
action here)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from governance.escalations.models import EscalationRule
from governance.escalations.services import escalations_evaluate
from governance.forms import exception_owner_candidates

CLASSES = "ABC"


class EscalationRuleForm(forms.ModelForm):
    """The owner is chosen among the people who may handle exceptions; the classes are ABC
    letters."""

    class Meta:
        model = EscalationRule
        fields = ["enabled", "threshold", "consecutive_periods", "segments", "owner"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = exception_owner_candidates()

    def clean_segments(self) -> str:
        letters = self.cleaned_data["segments"].replace(" ", "").replace(",", "").upper()
        wrong = sorted(set(letters) - set(CLASSES))
        if wrong:
            raise forms.ValidationError(
                f"{', '.join(wrong)}: not an ABC class; give letters among A, B and C, e.g. 'A' "
                "or 'AB' (blank: every class)."
            )
        return "".join(letter for letter in CLASSES if letter in letters)


@admin.register(EscalationRule)
class EscalationRuleAdmin(SimpleHistoryAdmin):
    form = EscalationRuleForm
    list_display = [
        "kind",
        "enabled",
        "threshold",
        "consecutive_periods",
        "segments",
        "owner",
        "updated_at",
    ]
    list_select_related = ["owner"]
    fields = ["kind", "enabled", "threshold", "consecutive_periods", "segments", "owner"]
    readonly_fields = ["kind"]
    actions = ["evaluate_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(
        description="Evaluate the selected rules now (as of today)", permissions=["change"]
    )
    def evaluate_now(self, request: HttpRequest, queryset: QuerySet[EscalationRule]) -> None:
        """Evaluate the selected rules at once instead of waiting for the weekly schedule."""
        kinds = list(queryset.values_list("kind", flat=True))
        try:
            summary = escalations_evaluate(user=request.user, kinds=kinds)
        except PermissionDenied as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return
        self.message_user(request, str(summary), messages.SUCCESS)
