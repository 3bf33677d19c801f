"""The monthly S&OP cycle, its scorecard rows (one per diagnostic area) and the manual answers
of the diagnostic checks that no evidence in the system can settle."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from governance.choices import DiagnosticArea, SopCycleStatus


class SopCycle(models.Model):
    """One monthly S&OP cycle (governance.sop.services). It closes only once every policy
    change proposed during it is approved or rejected and an executive has signed off; the
    sign-off stores the summary the executive saw (scores, RAG, KPIs, decisions)."""

    month = models.DateField(unique=True, help_text="First day of the cycle's month.")
    status = models.CharField(
        max_length=10, choices=SopCycleStatus.choices, default=SopCycleStatus.OPEN
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.TextField(blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="What was signed off: scores, RAG, KPIs, decisions."
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised at every change; a change based on an older one is refused."
    )
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["-month"]
        verbose_name = "S&OP cycle"
        permissions = [
            ("sign_off_sopcycle", "Can sign off an S&OP cycle"),
            ("close_sopcycle", "Can close an S&OP cycle"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(signed_off_at__isnull=False),
                name="sopcycle_closed_only_signed_off",
            )
        ]

    def __str__(self) -> str:
        return f"S&OP {self.month:%B %Y}"


class ScorecardArea(models.Model):
    """One row of a cycle's executive scorecard: an area of the diagnostic with what the
    executives note and decide on it. Score and RAG are computed from the checks; the rest is
    edited by executives and audited."""

    cycle = models.ForeignKey(SopCycle, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=12, choices=DiagnosticArea.choices)
    observation = models.TextField(blank=True, help_text="Key observation.")
    decision_needed = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised at every change; a change based on an older one is refused."
    )
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["cycle", "area"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "area"], name="scorecardarea_one_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.get_area_display()} ({self.cycle})"


class DiagnosticAnswer(models.Model):
    """A person's yes/no with a note for one diagnostic check in one cycle, where the system
    holds no evidence either way (governance.sop.diagnostic)."""

    cycle = models.ForeignKey(SopCycle, on_delete=models.CASCADE, related_name="answers")
    check_number = models.PositiveSmallIntegerField(help_text="1 to 15, as in the diagnostic.")
    answer = models.BooleanField()
    note = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["cycle", "check_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "check_number"], name="diagnosticanswer_one_per_check"
            ),
            models.CheckConstraint(
                condition=models.Q(check_number__gte=1) & models.Q(check_number__lte=15),
                name="diagnosticanswer_check_1_to_15",
            ),
        ]

    def __str__(self) -> str:
        return f"Check {self.check_number}: {'yes' if self.answer else 'no'} ({self.cycle})"
