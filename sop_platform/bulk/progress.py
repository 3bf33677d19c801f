"""A small progress bar for long loads: rows and bytes done, percent and rate, on one stream.

On a terminal the line is redrawn in place (``\\r``) at most every ``TTY_SECONDS``; elsewhere
(a log, a pipe, a test) a plain line is written at most every ``PLAIN_SECONDS`` and at the end.
"""

import time
from typing import TextIO

TTY_SECONDS = 0.2
PLAIN_SECONDS = 5.0
_BAR_WIDTH = 24


class ProgressBar:
    """Reports ``rows`` and ``done`` bytes of ``total`` bytes as a load goes on."""

    def __init__(self, stream: TextIO, total_bytes: int, label: str):
        self.stream, self.total, self.label = stream, max(total_bytes, 1), label
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.started = self.last = time.monotonic()
        self.rows = self.done = 0

    def update(self, *, rows: int, done: int) -> None:
        """Record the rows and bytes done so far; redraw when enough time has passed."""
        self.rows, self.done = rows, done
        now = time.monotonic()
        if now - self.last >= (TTY_SECONDS if self.tty else PLAIN_SECONDS):
            self.last = now
            self._draw(now)

    def close(self, stage: str = "done") -> None:
        """Draw the final figures and end the line."""
        self._draw(time.monotonic(), stage)
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A line of its own (a stage such as rebuilding indexes), below the bar."""
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"{self.label}: {text}\n")
        self.stream.flush()

    def _draw(self, now: float, stage: str = "") -> None:
        seconds = max(now - self.started, 1e-9)
        share = min(self.done / self.total, 1.0)
        filled = round(share * _BAR_WIDTH)
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        line = (
            f"{self.label} [{bar}] {share:4.0%} {self.rows:,} rows, "
            f"{self.done / 1e6:,.1f}/{self.total / 1e6:,.1f} MB, "
            f"{self.rows / seconds:,.0f} rows/s, {seconds:,.1f} s"
        )
        if stage:
            line += f" ({stage})"
        self.stream.write(f"\r{line}\x1b[K" if self.tty else f"{line}\n")
        self.stream.flush()
