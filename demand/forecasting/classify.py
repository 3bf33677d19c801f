"""Syntetos–Boylan–Croston demand classes (pure numpy).

Syntetos, Boylan & Croston (2005), "On the categorization of demand patterns", *JORS* 56(5):
ADI, the average inter-demand interval (periods per period with demand), cut at 1.32, and CV²,
the squared coefficient of variation of the non-zero demand sizes, cut at 0.49, give smooth
(both below), erratic (low ADI, high CV²), intermittent (high ADI, low CV²) and lumpy (high, high).
Rows with fewer than ``NEW_PERIODS`` periods since their first record (``prepare``) are
``new``; rows without any positive demand ``no_demand``.
"""

import numpy as np
from numpy.typing import NDArray

ADI_CUT = 1.32
CV2_CUT = 0.49
NEW_PERIODS = 8
"""Periods since the first record below which a row is too young to classify or fit."""

SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NEW, NO_DEMAND = (
    "smooth",
    "erratic",
    "intermittent",
    "lumpy",
    "new",
    "no_demand",
)  # demand.choices.DemandClass values (that module imports Django)


def sbc_statistics(values: NDArray, periods: NDArray) -> tuple[NDArray, NDArray]:
    """(ADI, CV²) per row of left-packed ``values`` over each row's first ``periods`` columns:
    ADI = periods / periods with demand; CV² = population variance / mean² of the non-zero
    sizes. NaN where the row has no demand."""
    inside = np.arange(values.shape[1]) < periods[:, None]
    y = np.where(inside, np.nan_to_num(values, nan=0.0), 0.0)
    positive = y > 0
    count = positive.sum(axis=1)
    safe = np.maximum(count, 1)
    mean = y.sum(axis=1) / safe
    var = (np.where(positive, y - mean[:, None], 0.0) ** 2).sum(axis=1) / safe
    none = count == 0
    adi = np.where(none, np.nan, periods / safe)
    cv2 = np.where(none | (mean == 0), np.nan, var / np.where(mean > 0, mean, 1.0) ** 2)
    return adi, cv2


def classify(values: NDArray, periods: NDArray, new_periods: int = NEW_PERIODS) -> NDArray:
    """Demand class per row (``DemandClass`` values) of left-packed ``values`` (see
    ``prepare.pack``) with ``periods`` periods since the first record."""
    adi, cv2 = sbc_statistics(values, periods)
    frequent, steady = adi < ADI_CUT, cv2 < CV2_CUT
    classes = np.where(
        frequent, np.where(steady, SMOOTH, ERRATIC), np.where(steady, INTERMITTENT, LUMPY)
    ).astype(object)
    classes[periods < new_periods] = NEW
    classes[np.isnan(adi)] = NO_DEMAND
    return classes
