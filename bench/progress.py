"""A progress bar on the terminal (a line per 10 % when the output is not a terminal)."""

import sys
import time


class Progress:
    def __init__(self, total, label, unit, stream=None, width=28):
        self.total, self.label, self.unit, self.width = max(total, 1), label, unit, width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.perf_counter()
        self._drawn_at = 0.0
        self._tenths = -1

    def update(self, done, final=False):
        now = time.perf_counter()
        if self.tty:
            if final or now - self._drawn_at >= 0.1:
                self._drawn_at = now
                self.stream.write("\r" + self._line(done, now))
                self.stream.flush()
        elif final or done * 10 // self.total > self._tenths:
            self._tenths = done * 10 // self.total
            self.stream.write(self._line(done, now) + "\n")
            self.stream.flush()

    def close(self, done):
        if self.tty or self._tenths < 10:
            self.update(done, final=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, done, now):
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        filled = self.width * done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        eta = (self.total - done) / rate if rate else 0
        return (f"{self.label} [{bar}] {100 * done // self.total:3d}%  {done:,}/{self.total:,}"
                f" {self.unit}  {rate:,.0f}/s  {elapsed:.0f}s elapsed, ETA {eta:.0f}s ")
