"""A one-slot mailbox between threads that always holds the newest item.

Live mode never queues frames: if the consumer is slower than the producer, older items
are replaced (and counted as dropped) so the consumer always works on the newest one and
no backlog (and so no growing delay) can build up.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Latest(Generic[T]):
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self.put_count = 0
        self.dropped = 0

    def put(self, item: T) -> None:
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self.put_count += 1
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> T | None:
        """The newest item not yet taken, waiting up to `timeout`; None if there is none."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is not None or self._closed, timeout)
            item, self._item = self._item, None
            return item

    def close(self) -> None:
        """No more items will come (the producer ended)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def finished(self) -> bool:
        """Closed and emptied: the consumer can stop."""
        with self._cond:
            return self._closed and self._item is None
