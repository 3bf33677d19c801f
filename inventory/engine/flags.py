"""Reason codes behind the risk and data-quality flags, stored per row as bit masks."""

import enum

import numpy as np
from numpy.typing import NDArray


class Reason(enum.IntFlag):
    """Why a row carries a flag. Several reasons combine into one integer per row."""

    # data quality: the row's outputs are NaN unless noted
    DEMAND_MISSING = enum.auto()
    DEMAND_NEGATIVE = enum.auto()
    DEMAND_SD_INVALID = enum.auto()
    LEAD_TIME_INVALID = enum.auto()
    LEAD_TIME_SD_INVALID = enum.auto()
    REVIEW_PERIOD_INVALID = enum.auto()
    SERVICE_LEVEL_INVALID = enum.auto()
    SERVICE_TYPE_INVALID = enum.auto()
    DISTRIBUTION_INVALID = enum.auto()
    COST_INVALID = enum.auto()
    CONSTRAINT_INVALID = enum.auto()
    POSITION_INVALID = enum.auto()
    NEGATIVE_ON_HAND = enum.auto()  # policy still computed; the stock record needs checking
    ORDER_CONSTRAINTS_CONFLICT = enum.auto()  # MOQ/multiple cannot fit shelf life or capacity
    # stock-out risk
    POSITION_BELOW_SAFETY_STOCK = enum.auto()
    ON_HAND_BELOW_LEAD_TIME_DEMAND = enum.auto()
    # excess risk
    ON_HAND_ABOVE_MAX_PLUS_COVER = enum.auto()
    ON_HAND_BEYOND_SHELF_LIFE = enum.auto()
    # data quality, policy computed (appended: stored masks keep their bits)
    RETURNS_IN_HISTORY = enum.auto()  # negative periods (returns) left out of the demand


# Reasons that make a row's policy unusable (outputs NaN); the others only flag it. A bad
# stock record (POSITION_INVALID) keeps the policy but blanks the recommended order.
BLOCKING = (
    Reason.DEMAND_MISSING
    | Reason.DEMAND_NEGATIVE
    | Reason.DEMAND_SD_INVALID
    | Reason.LEAD_TIME_INVALID
    | Reason.LEAD_TIME_SD_INVALID
    | Reason.REVIEW_PERIOD_INVALID
    | Reason.SERVICE_LEVEL_INVALID
    | Reason.SERVICE_TYPE_INVALID
    | Reason.DISTRIBUTION_INVALID
    | Reason.COST_INVALID
    | Reason.CONSTRAINT_INVALID
)


def flag(condition: NDArray[np.bool_], reason: Reason) -> NDArray[np.uint32]:
    """The reason's bit where ``condition`` holds, 0 elsewhere."""
    return np.where(condition, np.uint32(reason), np.uint32(0)).astype(np.uint32)


def reason_codes(mask: int) -> list[str]:
    """Names of the reasons in one row's mask, e.g. ['DEMAND_MISSING', 'COST_INVALID']."""
    return [reason.name for reason in Reason if int(mask) & reason]
