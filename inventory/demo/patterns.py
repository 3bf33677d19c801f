"""Demand pattern of each SKU-location in the Syntetos-Boylan sense.

Syntetos, Boylan & Croston (2005), "On the categorization of demand patterns", JORS 56:
ADI (average inter-demand interval, periods per non-zero period) cut-off 1.32 and CV^2 of the
non-zero demand sizes cut-off 0.49 split demand into smooth (low ADI, low CV^2), erratic (low
ADI, high CV^2), intermittent (high ADI, low CV^2) and lumpy (high ADI, high CV^2).

The generator draws demand occurrence (Bernoulli per week) and size (level x drivers x gamma
noise) with parameters kept well inside each class, so a classification computed from the
generated history agrees with the intended class for the large majority of SKU-locations.
"""

from dataclasses import dataclass

import numpy as np

SMOOTH, ERRATIC, INTERMITTENT, LUMPY = 0, 1, 2, 3
CLASS_NAMES = ("smooth", "erratic", "intermittent", "lumpy")
CLASS_SHARES = (0.40, 0.20, 0.25, 0.15)
ADI_CUTOFF, CV2_CUTOFF = 1.32, 0.49

# Per class: range of the weekly probability of any demand, range of the CV^2 of the size noise,
# how strongly seasonality and promotions act on size (exponent; < 1 keeps low-CV^2 classes
# below the cut-off), and the smallest mean size (rounding to whole units flattens small sizes).
OCCURRENCE = ((0.96, 1.0), (0.93, 1.0), (0.2, 0.5), (0.18, 0.45))
SIZE_CV2 = ((0.02, 0.10), (0.9, 1.6), (0.02, 0.10), (1.1, 1.9))
DRIVER_EXPONENT = np.array([0.45, 1.0, 0.45, 1.0])
MIN_LEVEL = np.array([2.0, 6.0, 3.0, 8.0])


@dataclass(frozen=True)
class Patterns:
    """Pattern parameters of a block of SKU-locations (arrays of equal length)."""

    pattern: np.ndarray  # SMOOTH, ERRATIC, INTERMITTENT or LUMPY
    occurrence: np.ndarray  # probability of a non-zero week
    size_cv2: np.ndarray  # CV^2 of the gamma size noise
    level: np.ndarray  # mean non-zero size, before drivers

    @property
    def driver_exponent(self) -> np.ndarray:
        """Exponent applied to seasonal and promotion multipliers."""
        return DRIVER_EXPONENT[self.pattern]


def _uniform_by_class(
    rng: np.random.Generator, pattern: np.ndarray, ranges: tuple[tuple[float, float], ...]
) -> np.ndarray:
    low = np.array([r[0] for r in ranges])[pattern]
    high = np.array([r[1] for r in ranges])[pattern]
    return rng.uniform(low, high)


def patterns_draw(rng: np.random.Generator, base_level: np.ndarray) -> Patterns:
    """Draw a pattern class and its parameters for SKU-locations with ``base_level`` demand."""
    pattern = rng.choice(len(CLASS_SHARES), len(base_level), p=CLASS_SHARES)
    level = base_level * rng.lognormal(0, 0.3, len(base_level))
    return Patterns(
        pattern=pattern.astype(np.int8),
        occurrence=_uniform_by_class(rng, pattern, OCCURRENCE),
        size_cv2=_uniform_by_class(rng, pattern, SIZE_CV2),
        level=np.maximum(level, MIN_LEVEL[pattern]),
    )


def classify(quantity: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Syntetos-Boylan class of each row of ``quantity`` (rows x weeks) over its present weeks.

    ADI = present weeks / non-zero weeks; CV^2 = population variance / mean^2 of the non-zero
    sizes. Rows with fewer than two non-zero weeks are lumpy if they have any weeks, by
    convention (their CV^2 is undefined and their ADI high).
    """
    nonzero = (quantity > 0) & present
    count = nonzero.sum(axis=1)
    adi = present.sum(axis=1) / np.maximum(count, 1)
    sizes = np.where(nonzero, quantity, 0.0)
    mean = sizes.sum(axis=1) / np.maximum(count, 1)
    variance = (np.where(nonzero, (quantity - mean[:, None]) ** 2, 0)).sum(axis=1) / np.maximum(
        count, 1
    )
    cv2 = np.where(count >= 2, variance / np.maximum(mean, 1e-12) ** 2, np.inf)
    high_adi = (adi > ADI_CUTOFF) | (count < 2)
    high_cv2 = cv2 > CV2_CUTOFF
    return np.where(
        high_adi, np.where(high_cv2, LUMPY, INTERMITTENT), np.where(high_cv2, ERRATIC, SMOOTH)
    )
