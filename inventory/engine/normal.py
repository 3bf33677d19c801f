"""Standard normal building blocks of safety stock: the loss function and safety factors.

Units: safety factors are in standard deviations of lead-time demand (dimensionless);
``order_qty`` and ``sigma`` are in units of demand.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

_SQRT_2PI = np.sqrt(2.0 * np.pi)
_NEWTON_ITERATIONS = 60
_NEWTON_TOLERANCE = 1e-12


def _pdf(k: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.exp(-0.5 * k * k) / _SQRT_2PI


def normal_loss(k: ArrayLike) -> NDArray[np.float64]:
    """Standard normal loss G(k) = φ(k) − k·(1 − Φ(k)) = E[(Z − k)⁺].

    Expected units short per unit of σ when stock covers the mean plus k·σ.
    Source: Silver, Pyke & Peterson, *Inventory Management and Production Planning and
    Scheduling*, 3rd ed., §B.4 (tabulated there as G_u(k)).
    """
    k = np.asarray(k, dtype=np.float64)
    return _pdf(k) - k * ndtr(-k)


def cycle_service_factor(service_level: ArrayLike) -> NDArray[np.float64]:
    """Safety factor z = Φ⁻¹(α) for a cycle service level α (probability of no stock-out
    per replenishment cycle). NaN where α is outside (0, 1).

    Source: Chopra & Meindl, *Supply Chain Management*, ch. 12 (SS = NORMSINV(CSL)·σ_L).
    """
    alpha = np.asarray(service_level, dtype=np.float64)
    valid = (alpha > 0) & (alpha < 1)
    return np.where(valid, ndtri(np.where(valid, alpha, 0.5)), np.nan)


def fill_rate_factor(fill_rate: ArrayLike, order_qty: ArrayLike, sigma: ArrayLike) -> NDArray:
    """Safety factor k solving G(k) = (1 − β)·Q / σ for a fill rate β (share of demand
    served from stock) with order quantity Q and lead-time-demand deviation σ.

    k may be negative (a large Q alone nearly meets the target); 0 where σ = 0; NaN where β is
    outside (0, 1) or Q ≤ 0.
    Source: Silver, Pyke & Peterson, 3rd ed., eq. (7.21) (the "P2" service measure).
    """
    beta, q, s = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (fill_rate, order_qty, sigma))
    )
    valid = (beta > 0) & (beta < 1) & (q > 0) & (s > 0)
    target = np.where(valid, (1.0 - beta) * q / np.where(valid, s, 1.0), 1.0)
    k = _solve_loss(target)
    k = np.where(valid, k, np.nan)
    zero_sigma = (s == 0) & (beta > 0) & (beta < 1) & (q > 0)
    return np.where(zero_sigma, 0.0, k)


# Inverse of G tabulated on a grid, for starting points: ln G(k) falls smoothly on [−10, 12].
_GRID_K = np.linspace(12.0, -10.0, 4401)
_GRID_LOG_G = np.log(normal_loss(_GRID_K))


def _solve_loss(target: NDArray[np.float64]) -> NDArray[np.float64]:
    """k with G(k) = target for target > 0.

    Starts from the tabulated inverse (within 0.005 of the root), then runs Newton's method on
    ln G(k) − ln target, whose slope −(1 − Φ(k)) / G(k) keeps steps sound far into the tail:
    two or three vectorized passes reach machine precision. Beyond the table, G(k) ≈ −k.
    """
    shape, log_target = np.shape(target), np.log(np.ravel(target))
    k = np.interp(log_target, _GRID_LOG_G, _GRID_K)
    k = np.where(log_target > _GRID_LOG_G[-1], -np.exp(log_target), k)
    active = np.flatnonzero(np.isfinite(k))
    for _ in range(_NEWTON_ITERATIONS):
        ka = k[active]
        loss = np.maximum(normal_loss(ka), 1e-300)
        step = (np.log(loss) - log_target[active]) * loss / np.maximum(ndtr(-ka), 1e-300)
        k[active] = ka + step
        active = active[np.abs(step) > _NEWTON_TOLERANCE * np.maximum(1.0, np.abs(ka))]
        if active.size == 0:
            break
    return k.reshape(shape)
