from django.apps import AppConfig


class DemandConfig(AppConfig):
    """Demand history and forecasts."""

    name = "demand"
    verbose_name = "Demand"
