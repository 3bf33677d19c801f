"""A builder of engine inputs for tests: sensible defaults, any field overridden."""

from dataclasses import fields

import numpy as np

from inventory.engine import PolicyInputs
from inventory.engine.inputs import PolicyResult

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


def assert_same_policy(found: PolicyResult, given: PolicyResult) -> None:
    """``given`` (the policy at the level ``found`` has) equals ``found`` in every output.
    The one exception is the safety factor where ``found``'s target lay below the mean
    demand: ``compute_policies`` keeps the negative factor solving the target, the level
    being raised to the mean (safety stock 0); at that level the factor is 0."""
    for f in fields(PolicyResult):
        a, b = getattr(found, f.name), getattr(given, f.name)
        if a.dtype.kind == "f":
            if f.name == "safety_factor":
                raised = a < 0
                assert np.all(b[raised] == 0.0)
                a, b = a[~raised], b[~raised]
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=f.name)
        else:
            np.testing.assert_array_equal(b, a, err_msg=f.name)


def policy_rows(result: PolicyResult, rows: np.ndarray) -> PolicyResult:
    """The selected rows of ``result``."""
    return PolicyResult(**{f.name: getattr(result, f.name)[rows] for f in fields(PolicyResult)})
