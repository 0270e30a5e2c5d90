"""Stages that overlap: a reader thread ahead of the loop, a writer thread behind it.

Decoding (OpenCV), pose inference (MediaPipe), drawing (cv2) and encoding (the ffmpeg
pipe) all release the GIL, so on two cores they can run at the same time:

    reader thread      main thread       writer thread
    decode frame n+2 ->  pose of n   ->   metrics, session, CSV, overlay, encode of n-1

Frames stream through bounded queues (`depth` items each, and with `max_bytes` at most
that many bytes of items waiting, as `weigh` counts them), so memory grows neither with
the clip nor, beyond one item, with the size of its frames. Order is kept: one
producer, one consumer per queue.

Errors keep their type and message: an exception raised in a worker thread is raised
again, as the same object, in the thread that uses the worker (at its next
`put` / next item, or at `close`). Closing the writer drains what was already handed
to it, so after an error, a truncated clip or Ctrl-C every frame measured before the
cut is still written.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_DEPTH = 3
# How often blocked threads look up to see whether the other side gave up (seconds).
_POLL_S = 0.1


class _End:
    """Marks the end of a queue; carries the producer's exception, if any."""

    def __init__(self, error: BaseException | None = None):
        self.error = error


class _Budget:
    """Bytes handed over and not yet taken back. A hand-over waits while its item would
    take the total past `limit`, except when nothing is waiting: one item always passes,
    whatever its size. `limit` None: no byte bound (the queue's depth alone)."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.used = 0
        self._changed = threading.Condition()

    def reserve(self, size: int, give_up: threading.Event) -> bool:
        """Wait for room for `size` bytes; False if `give_up` was set meanwhile."""
        if self.limit is None:
            return True
        with self._changed:
            while self.used and self.used + size > self.limit:
                if give_up.is_set():
                    return False
                self._changed.wait(_POLL_S)
            self.used += size
            return True

    def release(self, size: int) -> None:
        if self.limit is None:
            return
        with self._changed:
            self.used -= size
            self._changed.notify_all()


def _no_weight(item: object) -> int:
    return 0


class Prefetch(Generic[T]):
    """Iterates `items` in a background thread, up to `depth` items ahead.

        with Prefetch(source, depth=3) as frames:
            for frame in frames:
                ...

    An exception raised by `items` is raised again by the iteration, in order (after
    the items produced before it). Leaving the `with` early stops the thread.
    max_bytes: at most this many bytes of items (`weigh(item)`) wait, besides `depth`.
    """

    def __init__(self, items: Iterable[T], depth: int = DEFAULT_DEPTH, name: str = "reader",
                 *, max_bytes: int | None = None, weigh: Callable[[T], int] = _no_weight):
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._items = items
        self._budget = _Budget(max_bytes)
        self._weigh = weigh
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"posecoach-{name}", daemon=True)
        self._started = False

    def _run(self) -> None:
        end = _End()
        try:
            for item in self._items:
                size = self._weigh(item)
                if not self._budget.reserve(size, self._stop) or not self._offer((item, size)):
                    return
        except BaseException as error:  # handed to the consumer unchanged
            end = _End(error)
        self._offer(end)

    def _offer(self, item: object) -> bool:
        """Put unless the consumer has gone; False when it has."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        if not self._started:
            self._started = True
            self._thread.start()
        while True:
            got = self._queue.get()
            if isinstance(got, _End):
                if got.error is not None:
                    raise got.error
                return
            item, size = got
            self._budget.release(size)
            yield item

    def close(self) -> None:
        """Stop the thread (it finishes the item it is decoding) and wait for it."""
        self._stop.set()
        if self._started:
            self._thread.join()

    def __enter__(self) -> Prefetch[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Worker(Generic[T]):
    """Calls `handle(item)` for every `put` item, in order, in a background thread.

        with Worker(write_frame, depth=3) as writer:
            for item in items:
                writer.put(item)

    At most `depth` items wait, and with `max_bytes` at most that many bytes of them
    (`weigh(item)`); `put` blocks beyond that (back-pressure). When `handle` raises, the
    worker stops taking items and the exception is raised again by the next `put` or by
    `close`. `close` (also on leaving the `with`, whatever the reason) waits until every
    item put before it has been handled.
    """

    def __init__(self, handle: Callable[[T], None], depth: int = DEFAULT_DEPTH,
                 name: str = "writer", *, max_bytes: int | None = None,
                 weigh: Callable[[T], int] = _no_weight):
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._handle = handle
        self._budget = _Budget(max_bytes)
        self._weigh = weigh
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._failed = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"posecoach-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            got = self._queue.get()
            if isinstance(got, _End):
                return
            try:
                self._handle(got[0])
                self._budget.release(got[1])
                del got  # free the item now, not when the next one comes
            except BaseException as error:  # handed to the caller unchanged
                self._error = error
                self._failed.set()
                self._discard_rest()
                return

    def _discard_rest(self) -> None:
        """After a failure: empty the queue until the end marker so `put` never blocks."""
        while not isinstance(self._queue.get(), _End):
            pass

    def put(self, item: T) -> None:
        """Hand over one item; raises the worker's exception if it has failed."""
        if self._closed:
            raise RuntimeError("worker is closed")
        size = self._weigh(item)
        if not self._budget.reserve(size, self._failed):
            self._raise_if_failed()
        while True:
            self._raise_if_failed()
            try:
                self._queue.put((item, size), timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def _raise_if_failed(self) -> None:
        if self._failed.is_set() and self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self) -> None:
        """Handle everything put so far, stop the thread; raise its exception if any."""
        if not self._closed:
            self._closed = True
            self._queue.put(_End())  # the thread is taking items until it sees this
            self._thread.join()
        self._raise_if_failed()

    def __enter__(self) -> Worker[T]:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
            return
        # Already failing: drain and stop, but let the first error win.
        with contextlib.suppress(BaseException):
            self.close()


class Preload(Generic[T]):
    """`make()` started now in its own thread, so that something slow (loading a pose
    model) happens while the caller does other work (the orientation probe): start-up.

    `take()` waits for it and hands the result over (raising its error, if it failed);
    `discard()` waits and closes a result nobody took, so a loaded model is never left
    open. Use it as a context manager: leaving the block discards what was not taken.
    """

    def __init__(self, make: Callable[[], T], close: Callable[[T], None],
                 name: str = "preload"):
        self._close = close
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(make,), name=name, daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], T]) -> None:
        try:
            self._result = make()
        except BaseException as error:  # handed to take(), in the caller's thread
            self._error = error

    def take(self) -> T:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        result, self._result = self._result, None
        if result is None:
            raise RuntimeError("Preload.take() called twice")
        return result

    def discard(self) -> None:
        self._thread.join()
        self._error = None
        if self._result is not None:
            result, self._result = self._result, None
            self._close(result)

    def __enter__(self) -> Preload[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
