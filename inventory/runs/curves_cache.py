"""Pass 1's curves kept on the worker's local disk until pass 2 of the same slice reads them
(optimized service levels, ``runs.portfolio``), so pass 2 does not compute them again: the
curves are most of an optimized batch's compute.

- **Never wrong**: a file is keyed by everything its curves are a function of (the batch's
  input hash, the run's parameters and calibration, see :func:`curves_key`) and read only
  under the same key, so a batch can never get curves of other inputs. A miss (another
  machine took the batch, a restarted container, inputs changed between the passes, the
  cache switched off with ``RUNS_CURVES_CACHE``) only means computing them again.
- **Bounded**: 48 levels × 4 float64 + the demand, about 1.5 kB per SKU-location (15 MB a
  batch of 10,000, 1.5 GB for a run of a million), and only between a run's two passes:
  pass 2 deletes its file once it has read it, the run's end deletes what is left on its
  machine, and every save sweeps files older than a day (runs that ended on another machine).

Files go to ``RUNS_CURVES_DIR`` (``var/run-curves`` by default), one per run and slice, named
after the database too so that runs of several databases on one machine keep apart.
"""

import hashlib
import json
import os
import time
import uuid
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from inventory.engine.portfolio import PortfolioCurves
from inventory.runs.log import logger

MAX_AGE_SECONDS = 86_400
FIELDS = ("model_fill", "short", "value", "demand", "level")


def curves_key(input_hash: str, parameters: dict, calibration: dict | None) -> str:
    """The key of a batch's curves: its inputs, the run's parameters and calibration."""
    text = json.dumps([input_hash, parameters, calibration], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def curves_save(run_id: int, slice_number: int, key: str, curves: PortfolioCurves | None) -> None:
    """Keep ``curves`` for pass 2 of slice ``slice_number`` (best effort: a failure is only
    logged)."""
    directory = _directory()
    if directory is None or curves is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _sweep(directory)
        temporary = directory / f".{uuid.uuid4().hex}.npz"
        with open(temporary, "wb") as stream:
            np.savez(stream, key=np.array(key), **{n: getattr(curves, n) for n in FIELDS})
        os.replace(temporary, _path(directory, run_id, slice_number))
    except OSError as error:
        logger.warning("run=%s curves of slice %s not kept: %r", run_id, slice_number, error)


def curves_load(run_id: int, slice_number: int, key: str) -> PortfolioCurves | None:
    """The curves pass 1 kept for slice ``slice_number`` under ``key``, or None."""
    directory = _directory()
    if directory is None:
        return None
    try:
        with np.load(_path(directory, run_id, slice_number), allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            return PortfolioCurves(*(stored[name] for name in FIELDS))
    except (OSError, ValueError, KeyError):
        return None


def curves_drop(run_id: int, slice_number: int | None = None) -> None:
    """Delete the kept curves of one slice, or of every slice of the run."""
    directory = _directory()
    if directory is None:
        return
    if slice_number is not None:
        paths = [directory / _name(run_id, str(slice_number))]
    else:
        paths = directory.glob(_name(run_id, "*"))
    for path in paths:
        path.unlink(missing_ok=True)


def _directory() -> Path | None:
    if not settings.RUNS_CURVES_CACHE:
        return None
    return Path(settings.RUNS_CURVES_DIR)


def _path(directory: Path, run_id: int, slice_number: int) -> Path:
    return directory / _name(run_id, str(slice_number))


def _name(run_id: int, slice_part: str) -> str:
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:8]
    return f"{database}-run{run_id}-{slice_part}.npz"


def _sweep(directory: Path) -> None:
    """Delete the files older than ``MAX_AGE_SECONDS``."""
    oldest = time.time() - MAX_AGE_SECONDS
    for path in directory.glob("*.npz"):
        try:
            if path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
        except OSError:  # another worker swept it first
            continue
