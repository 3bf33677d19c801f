from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    """What-if scenarios; its models arrive with the scenarios issue."""

    name = "scenarios"
    verbose_name = "Scenarios"
