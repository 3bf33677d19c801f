from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DemandConfig(AppConfig):
    """Demand history and forecasts."""

    name = "demand"
    verbose_name = "Demand"

    def ready(self) -> None:
        from demand.runs.schedules import lost_batches_schedule_ensure

        # Forecast batches whose worker died are failed by a schedule, so their runs end.
        post_migrate.connect(
            lost_batches_schedule_ensure, sender=self, dispatch_uid="forecast_lost_batches"
        )
