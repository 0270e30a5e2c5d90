"""Stages that overlap: a reader thread ahead of the loop, a writer thread behind it.

Decoding (OpenCV), pose inference (MediaPipe), drawing (cv2) and encoding (the ffmpeg
pipe) all release the GIL, so on two cores they can run at the same time:

    reader thread      main thread       writer thread
    decode frame n+2 ->  pose of n   ->   metrics, session, CSV, overlay, encode of n-1

Frames stream through bounded queues (`maxsize` items each), so memory does not grow
with the clip. Order is kept: one producer, one consumer per queue.

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


class Prefetch(Generic[T]):
    """Iterates `items` in a background thread, up to `depth` items ahead.

        with Prefetch(source, depth=3) as frames:
            for frame in frames:
                ...

    An exception raised by `items` is raised again by the iteration, in order (after
    the items produced before it). Leaving the `with` early stops the thread.
    """

    def __init__(self, items: Iterable[T], depth: int = DEFAULT_DEPTH, name: str = "reader"):
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._items = items
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"posecoach-{name}", daemon=True)
        self._started = False

    def _run(self) -> None:
        end = _End()
        try:
            for item in self._items:
                if not self._offer(item):
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
            item = self._queue.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
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

    At most `depth` items wait; `put` blocks beyond that (back-pressure). When `handle`
    raises, the worker stops taking items and the exception is raised again by the next
    `put` or by `close`. `close` (also on leaving the `with`, whatever the reason) waits
    until every item put before it has been handled.
    """

    def __init__(self, handle: Callable[[T], None], depth: int = DEFAULT_DEPTH,
                 name: str = "writer"):
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._handle = handle
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._failed = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"posecoach-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, _End):
                return
            try:
                self._handle(item)
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
        while True:
            self._raise_if_failed()
            try:
                self._queue.put(item, timeout=_POLL_S)
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
