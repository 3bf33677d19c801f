"""The engine's input and output records: equal-length numpy arrays, one row per SKU-location."""

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from inventory.engine.flags import Reason, reason_codes

FloatArray = NDArray[np.float64]


@dataclass
class PolicyInputs:
    """Everything the engine needs per SKU-location. Units: demand per period; lead times,
    review periods and shelf life in periods; money in currency; holding rate per year.

    ``demand_sd`` is the forecast-error RMSE when the caller has it, else the history sd.
    ``review_period`` 0 means continuous review (s, Q); > 0 periodic review (R, S).
    ``service_type`` holds 'cycle' or 'fill'; ``demand_distribution`` 'auto', 'normal',
    'poisson', 'negbin' or 'empirical' (the row's own history: ``compute_policies`` then needs
    its ``samples``). ``shelf_life`` and ``max_stock`` are inf when there is no limit.
    ``max_order`` is the most one order may be (units; a supplier lane's capacity per period,
    as at most one order goes out per period): inf when there is no limit.
    """

    demand_mean: FloatArray
    demand_sd: FloatArray
    lead_time_mean: FloatArray
    lead_time_sd: FloatArray
    review_period: FloatArray
    service_level: FloatArray
    service_type: NDArray[np.str_]
    unit_cost: FloatArray
    holding_rate: FloatArray
    order_cost: FloatArray
    periods_per_year: FloatArray
    moq: FloatArray
    lot_size: FloatArray
    case_pack: FloatArray
    shelf_life: FloatArray
    max_stock: FloatArray
    on_hand: FloatArray
    on_order: FloatArray
    allocated: FloatArray
    backordered: FloatArray
    demand_distribution: NDArray[np.str_] | None = None
    max_order: FloatArray | float = np.inf

    def __post_init__(self) -> None:
        """Coerce every field to a 1-D array and broadcast scalars to the common length."""
        numeric = [f.name for f in fields(self) if f.name not in _TEXT_FIELDS]
        arrays = {
            name: np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
            for name in numeric
        }
        texts = {
            name: np.atleast_1d(np.asarray(getattr(self, name), dtype=np.str_))
            for name in _TEXT_FIELDS
            if getattr(self, name) is not None
        }
        if "demand_distribution" not in texts:
            texts["demand_distribution"] = np.array(["auto"])
        lengths = {a.shape[0] for a in (*arrays.values(), *texts.values())}
        length = 0 if 0 in lengths else max(lengths)  # an empty batch stays empty
        for name, array in (*arrays.items(), *texts.items()):
            if array.ndim != 1 or array.shape[0] not in (1, length):
                raise ValueError(f"{name} has {array.shape[0]} rows; expected {length} or 1.")
            if array.shape[0] != length:
                array = np.full(length, array[0])
            setattr(self, name, array)

    def __len__(self) -> int:
        return self.demand_mean.shape[0]

    def take(self, rows: NDArray) -> "PolicyInputs":
        """The selected rows only."""
        return PolicyInputs(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


_TEXT_FIELDS = ("service_type", "demand_distribution")


@dataclass
class PolicyResult:
    """The policy of every row, with what explains it. Quantities in units; periods in
    planning periods; ``expected_service`` is the model's service for the final rounded policy.

    ``ss_demand`` + ``ss_lead_time`` = ``safety_stock`` (shares of the lead-time-demand
    variance from demand and from lead-time variability). Flags are bit masks of
    :class:`~inventory.engine.flags.Reason`; a non-zero mask means the flag is raised.
    """

    safety_stock: FloatArray
    reorder_point: FloatArray
    order_quantity: FloatArray
    order_up_to: FloatArray
    min_level: FloatArray
    max_level: FloatArray
    inventory_position: FloatArray
    recommended_qty: FloatArray
    periods_until_order: FloatArray
    expected_service: FloatArray
    safety_factor: FloatArray
    ltd_mean: FloatArray
    ltd_sd: FloatArray
    ss_demand: FloatArray
    ss_lead_time: FloatArray
    distribution: NDArray[np.str_]
    binding_constraint: NDArray[np.str_]
    stockout_reasons: NDArray[np.uint32]
    excess_reasons: NDArray[np.uint32]
    data_quality_reasons: NDArray[np.uint32]

    @property
    def stockout_risk(self) -> NDArray[np.bool_]:
        """Rows at risk of running out before the next replenishment."""
        return self.stockout_reasons != 0

    @property
    def excess_risk(self) -> NDArray[np.bool_]:
        """Rows holding more than the policy needs or can sell within shelf life."""
        return self.excess_reasons != 0

    @property
    def data_quality(self) -> NDArray[np.bool_]:
        """Rows whose inputs need attention (NaN outputs when a blocking reason is present)."""
        return self.data_quality_reasons != 0

    def reasons(self, row: int) -> dict[str, list[str]]:
        """The reason codes of one row, by flag, for display and exceptions."""
        return {
            "stockout_risk": reason_codes(self.stockout_reasons[row]),
            "excess_risk": reason_codes(self.excess_reasons[row]),
            "data_quality": reason_codes(self.data_quality_reasons[row]),
        }


def concatenated(results: list[PolicyResult]) -> PolicyResult:
    """One result of the rows of ``results``, in order."""
    if len(results) == 1:
        return results[0]
    columns = {
        f.name: np.concatenate([getattr(r, f.name) for r in results]) for f in fields(PolicyResult)
    }
    return PolicyResult(**columns)


__all__ = ["PolicyInputs", "PolicyResult", "Reason"]
