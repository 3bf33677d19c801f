"""A builder of engine inputs for tests: sensible defaults, any field overridden."""

import numpy as np

from inventory.engine import PolicyInputs

DEFAULTS = {
    "demand_mean": 100.0,
    "demand_sd": 20.0,
    "lead_time_mean": 4.0,
    "lead_time_sd": 0.0,
    "review_period": 0.0,
    "service_level": 0.95,
    "service_type": "cycle",
    "unit_cost": 10.0,
    "holding_rate": 0.25,
    "order_cost": 50.0,
    "periods_per_year": 52.0,
    "moq": 0.0,
    "lot_size": 1.0,
    "case_pack": 1.0,
    "shelf_life": np.inf,
    "max_stock": np.inf,
    "on_hand": 500.0,
    "on_order": 0.0,
    "allocated": 0.0,
    "backordered": 0.0,
}


def policy_inputs(**overrides) -> PolicyInputs:
    """PolicyInputs of the defaults above, broadcast to the longest overridden field."""
    return PolicyInputs(**{**DEFAULTS, **overrides})
