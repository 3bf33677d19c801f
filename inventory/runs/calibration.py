"""The run's calibration (history model): one pass before the batches, on a sample of the
run's SKU-locations, whose correction factors every batch applies.

``engine.calibration.calibrate`` replays rolling origins inside the history and scales the
allowed shortfall of each (demand pattern × service type) group until the promise is kept.
The factors belong to the population, not to a batch, so they are measured once here:

- on at most :data:`CALIBRATION_SAMPLE` SKU-locations of the run: whole items drawn at random
  (seeded by the run id), every SKU-location of the run of each, read with the batches' own
  input code (``inputs.batch_inputs`` over a scope of those pairs) and planned by the batches'
  pipeline up to the engine (``pipeline.calibration_rows``). Whole items keep the read as
  cheap as one batch of that size: single SKU-locations drawn at random would touch nearly
  every item, and reading by item would then read most of the network;
- a scoped run that reuses the network's stored segmentation also reuses the calibration of
  the whole-network run that stored it, so a SKU-location gets the same corrected target
  whatever the scope (a one-pair run would otherwise calibrate on its one row).

The snapshot keeps the evidence (:meth:`Calibration.evidence`: pattern, service type, rows,
promised, achieved before and after, factor) with the window and origins; the batches rebuild
the :class:`Calibration` from it (:func:`calibration_from_snapshot`).
"""

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from inventory.choices import SegmentationSource
from inventory.engine.calibration import Calibration, CalibrationGroup, calibrate
from inventory.runs.inputs import ALL_ITEMS, batch_inputs, stored_segments
from inventory.runs.parameters import RunParameters
from inventory.runs.pipeline import calibration_rows
from inventory.runs.scope import RunScope
from inventory.runs.selectors import segmentation_calibration

if TYPE_CHECKING:  # planning imports this module
    from inventory.runs.planning import SegmentationPlan

CALIBRATION_SAMPLE = 20_000


def calibration_plan(
    scope: RunScope,
    params: RunParameters,
    keys: np.ndarray,
    segmentation: "SegmentationPlan",
    seed: int,
) -> dict | None:
    """The run's calibration as its snapshot keeps it; None when the run does not calibrate.
    ``keys``: the run's SKU-locations (sorted pair keys)."""
    if params.demand_model != "history" or not params.calibrate:
        return None
    if segmentation.source == SegmentationSource.REUSED:
        reused = segmentation_calibration(segmentation_id=segmentation.stored_id)
        if reused is not None:
            return {**reused, "source": "reused"}
    sample = calibration_sample(keys, CALIBRATION_SAMPLE, seed)
    read = scope if len(sample) == len(keys) else _scope_of(scope, sample)
    # The calibration measures the model on past demand: no forward forecast to read.
    inputs = batch_inputs(read, replace(params, use_forecasts=False), *ALL_ITEMS)
    stored = None
    if segmentation.source == SegmentationSource.REUSED:
        stored = stored_segments(segmentation.stored_id, *ALL_ITEMS, inputs)
    history, x = calibration_rows(inputs, params, segmentation.cutoffs, scope.segments, stored)
    calibration = calibrate(history, x, seed=seed)
    return {
        "source": "computed",
        "sku_locations": len(x),
        "window": calibration.window,
        "origins": calibration.origins,
        "groups": calibration.evidence(),
    }


def calibration_sample(keys: np.ndarray, size: int, seed: int) -> np.ndarray:
    """At most ``size`` of the sorted pair ``keys``: whole items drawn at random with ``seed``
    (all ``keys`` when they are no more than ``size``)."""
    if len(keys) <= size:
        return keys
    items, count = np.unique(keys >> 32, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(items))
    taken = order[np.cumsum(count[order]) <= size]
    chosen = keys[np.isin(keys >> 32, items[taken if len(taken) else order[:1]])]
    return chosen[:size]  # one item with more SKU-locations than the sample: cut


def _scope_of(scope: RunScope, keys: np.ndarray) -> RunScope:
    """``scope`` narrowed to the pairs of ``keys``."""
    pairs = np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1).tolist()
    return replace(scope, pairs=tuple(tuple(pair) for pair in pairs))


def calibration_from_snapshot(snapshot: dict) -> Calibration | None:
    """The run's :class:`Calibration`, rebuilt from its snapshot (None without one)."""
    stored = snapshot.get("calibration")
    if not stored:
        return None
    groups = tuple(CalibrationGroup(**group) for group in stored["groups"])
    return Calibration(groups=groups, window=stored["window"], origins=stored["origins"])


def calibration_text(stored: dict) -> str:
    """One log line about the run's calibration."""
    if stored["source"] == "reused":
        return f"Calibration of run #{stored['run_id']} reused (the stored segmentation's)."
    groups = stored["groups"]
    if not groups:
        return "Not calibrated: the history is too short for a rolling origin."
    shift = ", ".join(
        f"{g['pattern']} {g['service_type']} {g['achieved_before']:.1%} → {g['achieved_after']:.1%}"
        for g in groups
    )
    return (
        f"Calibrated on {stored['sku_locations']:,} SKU-locations ({origins_text(stored)}); "
        f"achieved before → after: {shift}."
    )


def origins_text(stored: dict) -> str:
    """'3 rolling origins of 26 periods' ('1 rolling origin of …')."""
    count = stored["origins"]
    return f"{count} rolling origin{'s' if count != 1 else ''} of {stored['window']} periods"
