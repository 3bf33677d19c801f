"""Timing and progress reports of the load's stages."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

TICK_SECONDS = 5.0
"""Least time between two in-progress reports of the same stage."""


@dataclass(frozen=True)
class StageReport:
    """Rows written and seconds spent by one stage; ``done`` is False for progress updates."""

    stage: str
    rows: int
    seconds: float
    done: bool = True

    @property
    def rows_per_second(self) -> float:
        """Throughput of the stage (0 when it took no measurable time)."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[StageReport], None]


@dataclass
class _Stage:
    rows: int = 0
    seconds: float = 0.0
    last_tick: float = field(default_factory=time.monotonic)


class StageClock:
    """Accumulates rows and time per stage, across interleaved chunks, and reports them."""

    def __init__(self, progress: Progress | None = None):
        self.progress = progress
        self.stages: dict[str, _Stage] = {}

    @contextmanager
    def stage(self, name: str, *, final: bool = True) -> Iterator[_Stage]:
        """Time a block of a stage; report the stage when the block ends if ``final``."""
        record = self.stages.setdefault(name, _Stage())
        start = time.perf_counter()
        try:
            yield record
        finally:
            record.seconds += time.perf_counter() - start
        if final:
            self.report(name)

    def report(self, name: str, *, done: bool = True) -> None:
        """Send the stage's figures to the progress callback."""
        record = self.stages[name]
        if self.progress is not None:
            self.progress(StageReport(name, record.rows, record.seconds, done))

    def tick(self, name: str) -> None:
        """In-progress report, at most every few seconds per stage."""
        record = self.stages[name]
        now = time.monotonic()
        if now - record.last_tick >= TICK_SECONDS:
            record.last_tick = now
            self.report(name, done=False)

    def discard(self, name: str) -> None:
        """Forget a stage that turned out to be a no-op."""
        del self.stages[name]

    def reports(self) -> tuple[StageReport, ...]:
        """Final figures of every stage, in the order the stages started."""
        return tuple(StageReport(n, s.rows, s.seconds) for n, s in self.stages.items())
