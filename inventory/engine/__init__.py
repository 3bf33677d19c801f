"""The policy engine: pure numpy/scipy, no Django. Arrays in, arrays out, one row per
SKU-location, vectorized over a whole batch. Formulas and sources: docs/engine.md.
"""

from inventory.engine.demand import DemandStatistics, abc_xyz, demand_statistics, lead_time_demand
from inventory.engine.flags import Reason, reason_codes
from inventory.engine.inputs import PolicyInputs, PolicyResult
from inventory.engine.lot_sizing import RoundedQuantity, eoq, round_order_quantity
from inventory.engine.normal import cycle_service_factor, fill_rate_factor, normal_loss
from inventory.engine.policies import compute_policies
from inventory.engine.simulation import SimulationResult, simulate_policies

__all__ = [
    "DemandStatistics",
    "PolicyInputs",
    "PolicyResult",
    "Reason",
    "RoundedQuantity",
    "SimulationResult",
    "abc_xyz",
    "compute_policies",
    "cycle_service_factor",
    "demand_statistics",
    "eoq",
    "fill_rate_factor",
    "lead_time_demand",
    "normal_loss",
    "reason_codes",
    "round_order_quantity",
    "simulate_policies",
]
