"""Parallel pose inference: frames dealt out to several landmarkers, results in order."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from posecoach.pose.parallel import parallel_poses
from posecoach.pose.sources import open_source
from posecoach.pose.tracking import PersonTracker, tracked_estimator
from posecoach.types import Frame, Pose


def _frames(n: int) -> list[Frame]:
    return [Frame(i, i / 30.0, np.zeros((4, 4, 3), np.uint8)) for i in range(n)]


def _pose(tag: int) -> Pose:
    xy = np.stack([np.full(33, float(tag)), np.arange(33) * 3.0], axis=1)
    return Pose.from_pixels(xy, (640, 480))


class Scripted:
    """Answers each frame with a pose tagged by its index; records what it saw, where."""

    def __init__(self, name: str, delay_s: float = 0.0, fail_at: int | None = None):
        self.name = name
        self.delay_s = delay_s
        self.fail_at = fail_at
        self.seen: list[int] = []
        self.threads: set[str] = set()
        self.closed = False

    def estimate_all(self, frame: Frame) -> list[Pose]:
        if frame.index == self.fail_at:
            raise RuntimeError(f"model failed on frame {frame.index}")
        self.seen.append(frame.index)
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay_s * (1 + frame.index % 3))  # uneven: workers drift apart
        return [_pose(frame.index)]

    def close(self) -> None:
        self.closed = True


def _first(poses: list[Pose], time_s: float) -> Pose | None:
    return poses[0] if poses else None


def test_results_come_back_in_frame_order_with_their_own_pose():
    a, b = Scripted("a", delay_s=0.001), Scripted("b", delay_s=0.002)
    out = list(parallel_poses(_frames(40), [a, b], _first))
    assert [frame.index for frame, _ in out] == list(range(40))
    assert [int(pose.xy[0, 0]) for _, pose in out] == list(range(40))


@pytest.mark.parametrize("block", [1, 3])
def test_frames_are_dealt_in_blocks_and_each_landmarker_sees_time_order(block):
    a, b = Scripted("a"), Scripted("b")
    list(parallel_poses(_frames(13), [a, b], _first, block=block))
    assert a.seen == [i for i in range(13) if (i // block) % 2 == 0]
    assert b.seen == [i for i in range(13) if (i // block) % 2 == 1]
    assert a.threads.isdisjoint(b.threads)  # each runs in its own thread


def test_choose_runs_in_frame_order_on_the_callers_thread():
    calls = []

    def choose(poses, time_s):
        calls.append((time_s, threading.current_thread().name))
        return poses[0]

    list(parallel_poses(_frames(20), [Scripted("a", 0.002), Scripted("b")], choose))
    assert [t for t, _ in calls] == sorted(t for t, _ in calls)
    assert {name for _, name in calls} == {threading.current_thread().name}


def test_a_landmarker_error_is_raised_unchanged_in_its_turn():
    got = []
    with pytest.raises(RuntimeError, match="model failed on frame 8"):
        for frame, _ in parallel_poses(
            _frames(20), [Scripted("a", fail_at=8), Scripted("b")], _first, block=1
        ):
            got.append(frame.index)
    assert got == list(range(8))  # everything before the failing frame was delivered


def test_leaving_early_stops_the_threads_and_leaves_estimators_to_their_owner():
    a, b = Scripted("a"), Scripted("b")
    before = threading.active_count()
    stream = parallel_poses(_frames(1000), [a, b], _first)
    for frame, _ in stream:
        if frame.index == 5:
            break
    stream.close()
    assert threading.active_count() == before
    assert len(a.seen) + len(b.seen) < 20  # bounded look-ahead, not the whole clip
    assert not a.closed and not b.closed


def test_memory_is_bounded_by_the_frames_in_flight():
    a, b = Scripted("a"), Scripted("b")
    fed = []

    def source():
        for frame in _frames(200):
            fed.append(frame.index)
            yield frame

    for frame, _ in parallel_poses(source(), [a, b], _first, block=2):
        assert len(fed) - frame.index <= 2 * 2 * 2 + 1


def test_frames_in_flight_are_bounded_in_bytes_too():
    a, b = Scripted("a"), Scripted("b")
    fed = []

    def source():
        for frame in _frames(100):  # 4x4x3 = 48 bytes each
            fed.append(frame.index)
            yield frame

    for frame, _ in parallel_poses(source(), [a, b], _first, block=2, max_bytes=48 * 3):
        assert len(fed) - frame.index <= 3  # 3 frames' bytes, not 2 * 2 * 2 frames
    for frame, _ in parallel_poses(_frames(10), [a, b], _first, max_bytes=1):
        assert frame.index >= 0  # one frame per landmarker even when none fits


def test_real_model_two_landmarkers_agree_with_one(sample_videos):
    """The same clip through one landmarker and through two in turn: the poses differ
    only by the model's frame-to-frame noise (each landmarker tracks from two frames
    back instead of one)."""
    clip = sample_videos / "kneeling_arch.mp4"

    def run(workers: int) -> list[Pose | None]:
        tracker = tracked_estimator()
        twins = [tracker.estimator.twin() for _ in range(workers - 1)]
        try:
            with open_source(clip) as source:
                frames = (f for f in source if f.index < 120)
                if twins:
                    landmarkers = [tracker.estimator, *twins]
                    return [p for _, p in parallel_poses(frames, landmarkers, tracker.follow)]
                return [tracker.estimate(f) for f in frames]
        finally:
            for twin in twins:
                twin.close()
            tracker.close()

    one, two = run(1), run(2)
    assert len(one) == len(two) == 120
    assert all(p is not None for p in one + two)
    torso_len = np.linalg.norm(one[0].xy[11] - one[0].xy[23])
    gaps = [
        np.nanmedian(np.linalg.norm(p.xy - q.xy, axis=1)) for p, q in zip(one, two, strict=True)
    ]
    assert float(np.median(gaps)) < 0.02 * torso_len
    assert float(np.max(gaps)) < 0.08 * torso_len
    assert all(q.mask is not None and q.mask.flags.owndata for q in two)


def test_person_tracker_follow_is_what_estimate_uses():
    class One:
        def estimate_all(self, frame):
            return [_pose(frame.index)]

    tracker = PersonTracker(One())
    direct = PersonTracker(One())
    for frame in _frames(3):
        assert np.array_equal(
            tracker.estimate(frame).xy, direct.follow([_pose(frame.index)], frame.time_s).xy
        )
