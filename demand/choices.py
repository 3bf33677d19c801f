"""Statuses and kinds of the demand app."""

from django.db import models


class ForecastKind(models.TextChoices):
    """Where a forecast figure came from."""

    STATISTICAL = "statistical", "Statistical"
    CONSENSUS = "consensus", "Consensus (approved demand plan)"
