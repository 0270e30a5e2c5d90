"""The overlapped analysis loop: reader and writer threads around the main loop."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from posecoach.outputs.video_writer import VideoWriterError
from posecoach.pose.sources import SourceError, SourceInfo
from posecoach.run.concurrency import Prefetch, Worker
from posecoach.run.offline import ClipResult, ClipStages, _analyze_frames
from posecoach.run.progress import Progress
from posecoach.types import Frame


def test_prefetch_keeps_order():
    with Prefetch(range(100), depth=2) as items:
        assert list(items) == list(range(100))


def test_prefetch_reads_at_most_depth_ahead():
    produced = []
    gate = threading.Event()

    def slow_source():
        for i in range(50):
            produced.append(i)
            yield i

    with Prefetch(slow_source(), depth=3) as items:
        it = iter(items)
        assert next(it) == 0
        gate.wait(0.3)  # let the reader run ahead as far as it can
        # one handed out, `depth` queued, one blocked in put
        assert len(produced) <= 1 + 3 + 1


def test_prefetch_holds_at_most_max_bytes_waiting():
    produced = []

    def source():
        for i in range(50):
            produced.append(i)
            yield np.zeros(10, np.uint8)  # 10 bytes each

    with Prefetch(source(), depth=10, max_bytes=25, weigh=lambda a: a.nbytes) as items:
        it = iter(items)
        next(it)
        time.sleep(0.3)  # let the reader run ahead as far as it can
        # one handed out, two waiting (20 of 25 bytes), one made and waiting for room
        assert len(produced) <= 1 + 2 + 1
        assert sum(1 for _ in it) == 49


def test_an_item_larger_than_max_bytes_still_passes_alone():
    with Prefetch([b"x" * 100, b"y"], depth=3, max_bytes=10, weigh=len) as items:
        assert list(items) == [b"x" * 100, b"y"]


def test_worker_queue_is_bounded_in_bytes():
    release = threading.Event()
    worker = Worker(lambda item: release.wait(5), depth=10, max_bytes=25, weigh=len)
    worker.put(b"a" * 10)  # taken by the thread, which then blocks (its bytes still count)
    time.sleep(0.05)
    worker.put(b"b" * 10)
    blocked = threading.Thread(target=worker.put, args=(b"c" * 10,))
    blocked.start()
    blocked.join(0.3)
    assert blocked.is_alive()  # 30 bytes would pass 25: the producer waits
    release.set()
    blocked.join(5)
    assert not blocked.is_alive()
    worker.close()


def test_prefetch_raises_source_error_after_earlier_items():
    def failing():
        yield 1
        yield 2
        raise SourceError("clip.mp4: not a readable video")

    seen = []
    with pytest.raises(SourceError, match="not a readable video"), Prefetch(failing()) as items:
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_prefetch_stops_when_consumer_leaves_early():
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    prefetch = Prefetch(endless(), depth=2)
    with prefetch as items:
        for item in items:
            if item == 5:
                break
    assert not prefetch._thread.is_alive()


def test_worker_handles_in_order_and_close_drains():
    handled = []

    def slow(item):
        time.sleep(0.001)
        handled.append(item)

    with Worker(slow, depth=2) as worker:
        for i in range(40):
            worker.put(i)
    assert handled == list(range(40))


def test_worker_queue_is_bounded():
    release = threading.Event()
    worker = Worker(lambda item: release.wait(5), depth=2)
    worker.put(0)  # taken by the thread, which then blocks
    time.sleep(0.05)
    worker.put(1)
    worker.put(2)
    assert worker._queue.qsize() == 2
    blocked = threading.Thread(target=worker.put, args=(3,))
    blocked.start()
    blocked.join(0.3)
    assert blocked.is_alive()  # back-pressure: a full queue blocks the producer
    release.set()
    blocked.join(5)
    worker.close()


def test_worker_error_reaches_put_unchanged():
    error = VideoWriterError("annotated.mp4: ffmpeg stopped (disk full)")

    def handle(item):
        if item == 3:
            raise error

    worker = Worker(handle, depth=2)
    with pytest.raises(VideoWriterError) as caught:
        for i in range(1000):
            worker.put(i)
    assert caught.value is error
    worker.close()  # already reported: close does not raise it twice


def test_worker_error_reaches_close():
    def handle(item):
        raise OSError(28, "No space left on device")

    worker = Worker(handle)
    worker.put(1)
    with pytest.raises(OSError, match="No space left"):
        worker.close()


def test_worker_first_error_wins_when_the_loop_fails_too():
    handled = []
    with pytest.raises(KeyboardInterrupt), Worker(handled.append) as worker:
        worker.put(1)
        worker.put(2)
        raise KeyboardInterrupt
    assert handled == [1, 2]  # what was measured before Ctrl-C is written


# --- the analysis loop with fake stages --------------------------------------------


class _Estimator:
    model_name = "fake"

    def estimate(self, frame):
        return None


def _frames(n, fail_at=None):
    for i in range(n):
        if i == fail_at:
            raise SourceError("clip.mp4: decoding failed")
        yield Frame(i, i / 30.0, np.zeros((8, 8, 3), np.uint8))


def _stages(tmp_path: Path) -> ClipStages:
    return ClipStages(tmp_path, None)


def _run(tmp_path, frames):
    stages = _stages(tmp_path)
    result = ClipResult(tmp_path, tmp_path, SourceInfo("x", 30.0, 0, (8, 8)))
    try:
        _analyze_frames(frames, _Estimator(), stages, result, Progress("x", 0, enabled=False))
    finally:
        stages.close()
    return result


def _csv_frames(path: Path) -> list[int]:
    lines = path.read_text().splitlines()[1:]
    return [int(line.split(",")[0]) for line in lines]


def test_analysis_writes_every_frame_in_order(tmp_path):
    result = _run(tmp_path, _frames(57))
    assert result.frames == 57
    assert _csv_frames(tmp_path / "frames.csv") == list(range(57))
    assert _csv_frames(tmp_path / "landmarks.csv") == list(range(57))


def test_truncated_clip_keeps_every_frame_before_the_cut(tmp_path):
    with pytest.raises(SourceError, match="decoding failed"):
        _run(tmp_path, _frames(100, fail_at=40))
    assert _csv_frames(tmp_path / "frames.csv") == list(range(40))


def test_writer_error_surfaces_with_its_message(tmp_path, monkeypatch):
    stages = _stages(tmp_path)

    def broken(record, image=None):
        if record.index == 5:
            raise VideoWriterError("annotated.mp4: ffmpeg stopped (broken pipe)")

    monkeypatch.setattr(stages.sinks, "write", broken)
    result = ClipResult(tmp_path, tmp_path, SourceInfo("x", 30.0, 0, (8, 8)))
    with pytest.raises(VideoWriterError, match="ffmpeg stopped"):
        _analyze_frames(
            _frames(500), _Estimator(), stages, result, Progress("x", 0, enabled=False)
        )
    stages.close()
    assert result.frames < 500  # the loop stopped soon after the writer failed


def test_interrupt_keeps_what_was_measured(tmp_path):
    class Interrupting(_Estimator):
        def estimate(self, frame):
            if frame.index == 30:
                raise KeyboardInterrupt
            return None

    stages = _stages(tmp_path)
    result = ClipResult(tmp_path, tmp_path, SourceInfo("x", 30.0, 0, (8, 8)))
    with pytest.raises(KeyboardInterrupt):
        _analyze_frames(_frames(100), Interrupting(), stages, result, Progress("x", 0, False))
    stages.close()
    assert _csv_frames(tmp_path / "frames.csv") == list(range(30))
