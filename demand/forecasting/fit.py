"""What every method returns, and the per-row choice of its parameters from a grid."""

from dataclasses import dataclass
from itertools import product

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Fit:
    """One method fitted to rows: the chosen parameters (NaN where unused), the level at the
    origin (units per period), the one-step in-sample error sd ``sigma``, and ``forecast`` and
    its error sd ``sd`` per step ahead (rows × horizon)."""

    alpha: NDArray
    beta: NDArray
    gamma: NDArray
    level: NDArray
    sigma: NDArray
    forecast: NDArray
    sd: NDArray


def grid(*axes: tuple[float, ...]) -> tuple[NDArray, ...]:
    """Every combination of the axes' values, one flat array per axis."""
    return tuple(np.array(column, dtype=np.float64) for column in zip(*product(*axes), strict=True))


def best(sse: NDArray) -> NDArray:
    """Per row, the grid column with the least in-sample one-step SSE."""
    return np.argmin(sse, axis=1)


def take(values: NDArray, column: NDArray) -> NDArray:
    """values[row, column[row]] (further axes kept)."""
    return values[np.arange(len(column)), column]


def sigma(sse: NDArray, errors: NDArray) -> NDArray:
    """One-step error sd: √(SSE / number of errors)."""
    return np.sqrt(sse / np.maximum(errors, 1))


def steps(horizon: int) -> NDArray:
    """1, …, horizon as a row vector."""
    return np.arange(1, horizon + 1, dtype=np.float64)[None, :]
