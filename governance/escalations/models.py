"""Escalation rules: thresholds on what happened that raise exceptions with an owner."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from governance.choices import EscalationKind


class EscalationRule(models.Model):
    """One configurable escalation (governance.escalations.rules): when ``kind``'s measure is
    beyond ``threshold`` for ``consecutive_periods`` weeks in a row, raise an exception of the
    same kind owned by ``owner``. Edited in the admin, audited."""

    kind = models.CharField(max_length=20, choices=EscalationKind.choices, unique=True)
    enabled = models.BooleanField(default=True)
    threshold = models.FloatField(
        help_text="Days on hand: share above target (0.15); forecast bias: absolute share "
        "(0.08); service: shortfall below target (0); receipts: share of the promised lead "
        "time (0.10)."
    )
    consecutive_periods = models.PositiveSmallIntegerField(
        default=1, help_text="Weeks in a row the threshold must be crossed."
    )
    segments = models.CharField(
        max_length=40,
        blank=True,
        help_text="ABC classes it applies to, e.g. 'A' or 'AB'; blank: all.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who the raised exceptions are assigned to.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gte=0), name="escalationrule_threshold_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(consecutive_periods__gte=1),
                name="escalationrule_consecutive_at_least_one",
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation: {self.get_kind_display().lower()}"
