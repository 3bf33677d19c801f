"""Statuses and kinds of the demand app."""

from django.db import models


class ForecastKind(models.TextChoices):
    """Where a forecast figure came from (its version in the consensus plan)."""

    STATISTICAL = "statistical", "Statistical"
    SALES = "sales", "Sales input"
    CONSENSUS = "consensus", "Consensus (approved demand plan)"


class DemandClass(models.TextChoices):
    """Syntetos–Boylan class of a history (ADI 1.32, CV² 0.49), plus the rows too young or
    empty to classify."""

    SMOOTH = "smooth", "Smooth"
    ERRATIC = "erratic", "Erratic"
    INTERMITTENT = "intermittent", "Intermittent"
    LUMPY = "lumpy", "Lumpy"
    NEW = "new", "New (too little history)"
    NO_DEMAND = "no_demand", "No demand"


class ForecastMethod(models.TextChoices):
    """The statistical method a baseline forecast came from."""

    SES = "ses", "Simple exponential smoothing"
    HOLT = "holt", "Holt (damped trend)"
    HOLT_WINTERS = "holt_winters", "Holt-Winters (additive seasonal)"
    CROSTON = "croston", "Croston"
    SBA = "sba", "Syntetos–Boylan approximation"
    TSB = "tsb", "Teunter–Syntetos–Babai"
    CATEGORY_PROFILE = "category_profile", "Category profile (new item)"
    ZERO = "zero", "Zero (no demand)"


class OverrideStatus(models.TextChoices):
    """Life of a planner's override of one forecast period."""

    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"
