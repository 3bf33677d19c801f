from django.apps import AppConfig


class SupplyConfig(AppConfig):
    """Suppliers, lanes, open purchase orders and receipts."""

    name = "supply"
    verbose_name = "Supply"
