"""Expected units short per replenishment cycle under normal demand, and the level that keeps
it within a fill-rate allowance.

One form covers both policies (backorders allowed):
    shortage(s) = E[(X_a − s)⁺] − E[(X_b − s − Δ)⁺]
- continuous review (s, Q): X_a = X_b = lead-time demand, Δ = Q
  (Silver, Pyke & Peterson, 3rd ed., eq. (7.19): σ[G(k) − G(k + Q/σ)]);
- periodic review (R, S): X_a = demand over L + R, X_b = demand over L, Δ = 0
  (shortage of a review cycle = what is short by its end minus what was short before the
  order placed at its start arrived; Silver, Pyke & Peterson, 3rd ed., §8.2).
Dropping the second term gives the familiar G(k) = (1 − β)·Q/σ, which slightly overstates the
shortage; the policies use the full form so a fill-rate target is met, not exceeded.
Units: demand, levels and shortages in units.
"""

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from inventory.engine.normal import normal_loss

_ITERATIONS = 40
_TOLERANCE = 1e-6


def expected_excess(level: NDArray, mean: NDArray, sd: NDArray) -> NDArray[np.float64]:
    """E[(X − level)⁺] for X ~ N(mean, sd²); (mean − level)⁺ when sd = 0."""
    has_sd = sd > 0
    k = (level - mean) / np.where(has_sd, sd, 1.0)
    return np.where(has_sd, sd * normal_loss(np.where(has_sd, k, 0.0)), np.maximum(mean - level, 0))


def _tail(level: NDArray, mean: NDArray, sd: NDArray) -> NDArray[np.float64]:
    """P(X > level), the slope of E[(X − level)⁺] with its sign flipped."""
    has_sd = sd > 0
    k = (level - mean) / np.where(has_sd, sd, 1.0)
    return np.where(has_sd, ndtr(-k), (level < mean).astype(np.float64))


def normal_shortage(level, mean_a, sd_a, mean_b, sd_b, delta) -> NDArray[np.float64]:
    """Expected units short per cycle at reorder level / order-up-to level ``level``."""
    return expected_excess(level, mean_a, sd_a) - expected_excess(level + delta, mean_b, sd_b)


def normal_fill_level(allowed, mean_a, sd_a, mean_b, sd_b, delta, start) -> NDArray[np.float64]:
    """Lowest level whose shortage per cycle is at most ``allowed`` = (1 − β)·Q.

    ``start`` is the one-term solution mean_a + k·sd_a, which is feasible and close. The
    shortage falls as the level rises, so a safeguarded Newton iteration (Newton steps kept
    inside a bracket that bisection shrinks) finishes in a few vectorized passes; each pass
    works only on the rows not yet settled.
    """
    args = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=np.float64)
            for a in (allowed, mean_a, sd_a, mean_b, sd_b, delta, start)
        )
    )
    allowed, mean_a, sd_a, mean_b, sd_b, delta, start = args
    high = np.maximum(start, mean_a + 8.0 * sd_a + 1.0)
    low = np.minimum(mean_a, mean_b) - delta - allowed - 8.0 * np.maximum(sd_a, sd_b) - 1.0
    level = np.clip(start, low, high)
    active = np.flatnonzero(np.isfinite(level))
    for _ in range(_ITERATIONS):
        if active.size == 0:
            break
        rows = (mean_a[active], sd_a[active], mean_b[active], sd_b[active], delta[active])
        following, gap, low[active], high[active] = _newton_step(
            level[active], allowed[active], low[active], high[active], *rows
        )
        # Settled: the shortage is within a millionth of the allowance (the fill rate is then
        # exact to 1e-6 of 1 − β), or the level no longer moves.
        settled = np.abs(gap) <= _TOLERANCE * allowed[active]
        moved = np.abs(following - level[active])
        level[active] = np.where(settled, level[active], following)
        active = active[~settled & (moved > 1e-12 * np.maximum(1.0, np.abs(following)))]
    return level


def _newton_step(level, allowed, low, high, mean_a, sd_a, mean_b, sd_b, delta):
    """One safeguarded Newton step: the next level, the gap at this one, the new bracket."""
    gap = normal_shortage(level, mean_a, sd_a, mean_b, sd_b, delta) - allowed
    low = np.where(gap > 0, level, low)
    high = np.where(gap > 0, high, level)
    slope = _tail(level + delta, mean_b, sd_b) - _tail(level, mean_a, sd_a)
    newton = level - gap / np.where(slope < 0, slope, -np.inf)
    inside = (newton > low) & (newton < high)
    return np.where(inside, newton, 0.5 * (low + high)), gap, low, high
