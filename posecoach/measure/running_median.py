"""The median of the last `window` values, updated in O(log n) search + one memmove.

`np.median` over a deque copies and partitions the whole window on every call: with the
60 s windows of the pelvis reference (up to 1800 values, seven features) that grows with
the window. Here the window is also kept sorted, so each new value is one insertion and
one deletion in a list, and the median is read off the middle.
"""

from __future__ import annotations

import bisect
from collections import deque


class RunningMedian:
    """Median of the most recent `window` values added (the same number np.median gives:
    the mean of the two middle values when their count is even).

        med = RunningMedian(window=1800)
        med.add(3.0)
        med.median(), len(med)
    """

    def __init__(self, window: int):
        if window < 1:
            raise ValueError("window must be at least 1")
        self.window = window
        self._order: deque[float] = deque()
        self._sorted: list[float] = []

    def add(self, value: float) -> None:
        """Add a finite value; the oldest leaves once the window is full."""
        value = float(value)
        if len(self._order) == self.window:
            old = self._order.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]
        self._order.append(value)
        bisect.insort(self._sorted, value)

    def median(self) -> float:
        """The median of the values in the window; NaN when it is empty."""
        n = len(self._sorted)
        if n == 0:
            return float("nan")
        mid = n // 2
        if n % 2:
            return self._sorted[mid]
        return (self._sorted[mid - 1] + self._sorted[mid]) / 2.0

    def __len__(self) -> int:
        return len(self._order)
