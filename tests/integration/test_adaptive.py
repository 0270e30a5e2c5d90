"""Adaptive analysis: which frames the model runs on, and the interpolation maths."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posecoach.landmarks import NUM_LANDMARKS, Landmark
from posecoach.pose.adaptive import (
    AdaptiveParams,
    StrideScheduler,
    adaptive_parallel_poses,
    adaptive_poses,
    interpolate_pose,
    pose_speed,
    time_weight,
)
from posecoach.types import Frame, Pose

FPS = 30.0
HEIGHT_PX = 400.0


def standing_pose(dx: float = 0.0, knee_dx: float = 0.0, mask=None) -> Pose:
    """A side-on standing figure about HEIGHT_PX / 0.78 tall, shifted `dx` pixels; the
    left knee moved a further `knee_dx`."""
    xy = np.full((NUM_LANDMARKS, 2), 500.0)
    y = {"SHOULDER": 200.0, "HIP": 200.0 + HEIGHT_PX / 3, "KNEE": 200 + 2 * HEIGHT_PX / 3,
         "ANKLE": 200.0 + HEIGHT_PX}
    for joint, yy in y.items():
        for side in ("LEFT", "RIGHT"):
            xy[int(Landmark[f"{side}_{joint}"])] = (300.0 + dx, yy)
    xy[int(Landmark.LEFT_KNEE), 0] += knee_dx
    vis = np.ones(NUM_LANDMARKS)
    return Pose(xy=xy, z=np.zeros(NUM_LANDMARKS), visibility=vis, presence=vis.copy(),
                image_size=(960, 540), world=np.zeros((NUM_LANDMARKS, 3)), mask=mask)


def _frames(n: int):
    for i in range(n):
        yield Frame(i, i / FPS, np.zeros((2, 2, 3), np.uint8))


PARAMS = AdaptiveParams(still_speed=0.1, jitter=0.0, max_stride=4, settle_s=0.0)


def _run(positions, params=PARAMS):
    """Frames whose body is at x = positions[i] pixels; returns (analysed indices, poses)."""
    analysed = []

    def estimate(frame):
        analysed.append(frame.index)
        return standing_pose(positions[frame.index])

    out = list(adaptive_poses(_frames(len(positions)), estimate, params))
    assert [f.index for f, _, _ in out] == list(range(len(positions)))  # every frame, in order
    assert [f.index for f, _, a in out if a] == analysed
    return analysed, [p for _, p, _ in out]


def test_still_body_ramps_the_stride_up_to_max():
    analysed, _ = _run([0.0] * 30)
    # stride 1, then each still observation adds one: 1, 2, 3, 4, 4, ...
    assert analysed == [0, 1, 3, 6, 10, 14, 18, 22, 26, 29]


def test_movement_drops_back_to_every_frame_at_once():
    # still for 15 frames, then moving 10 px per frame (about 0.6 body heights/s)
    positions = [0.0] * 15 + [10.0 * k for k in range(1, 16)]
    analysed, _ = _run(positions)
    assert analysed[:5] == [0, 1, 3, 6, 10]
    # the movement starting after frame 14 is seen at the next analysed frame (18) ...
    assert 18 in analysed
    # ... and from there on every frame is analysed
    assert analysed[analysed.index(18):] == list(range(18, 30))


def test_one_leg_moving_counts_as_movement():
    leg = [0.0] * 10 + [8.0 * k for k in range(1, 11)]

    analysed = []

    def estimate(frame):
        analysed.append(frame.index)
        return standing_pose(knee_dx=leg[frame.index])

    list(adaptive_poses(_frames(20), estimate, PARAMS))
    assert analysed[-6:] == list(range(14, 20))


def test_lost_person_means_every_frame():
    analysed = []

    def estimate(frame):
        analysed.append(frame.index)
        return None

    list(adaptive_poses(_frames(12), estimate))
    assert analysed == list(range(12))


def test_skipped_frames_are_interpolated_linearly_in_time():
    # steady slow drift: 0.2 px per frame, well under the still threshold
    positions = [0.2 * i for i in range(12)]
    analysed, poses = _run(positions)
    hip = int(Landmark.LEFT_HIP)
    for i, pose in enumerate(poses):
        assert pose.xy[hip, 0] == pytest.approx(300.0 + positions[i])
    assert set(analysed) != set(range(12))


def test_clip_ending_inside_a_stride_analyses_the_last_frame():
    analysed, poses = _run([0.0] * 8)
    assert analysed[-1] == 7
    assert len(poses) == 8


def test_max_stride_one_is_full_rate():
    full_rate = AdaptiveParams(still_speed=0.1, jitter=0.0, max_stride=1, settle_s=0.0)
    analysed, _ = _run([0.0] * 10, full_rate)
    assert analysed == list(range(10))


class _ShiftingEstimator:
    """A landmarker for the parallel runs: the body at x = positions[frame.index]; it
    records the frames it saw and insists on increasing timestamps, as VIDEO mode does."""

    def __init__(self, positions, seen):
        self.positions, self.seen, self.last_t = positions, seen, -1.0

    def estimate_all(self, frame):
        assert frame.time_s > self.last_t, "timestamps must increase per landmarker"
        self.last_t = frame.time_s
        self.seen.append(frame.index)
        return [standing_pose(self.positions[frame.index])]


def _run_parallel(positions, workers, params=PARAMS):
    seen: list[list[int]] = [[] for _ in range(workers)]
    estimators = [_ShiftingEstimator(positions, seen[i]) for i in range(workers)]
    chosen = []

    def choose(poses, time_s):
        chosen.append(time_s)
        return poses[0]

    out = list(adaptive_parallel_poses(_frames(len(positions)), estimators, choose, params))
    assert [f.index for f, _, _ in out] == list(range(len(positions)))  # every frame, in order
    analysed = [f.index for f, _, a in out if a]
    assert sorted(sum(seen, [])) == analysed  # each analysed frame went to one landmarker
    assert chosen == sorted(chosen)  # the person is chosen in frame order
    return analysed, [p for _, p, _ in out], seen


def test_parallel_with_one_landmarker_is_the_serial_schedule():
    positions = [0.0] * 15 + [10.0 * k for k in range(1, 16)]
    assert _run_parallel(positions, 1)[0] == _run(positions)[0]


def test_parallel_landmarkers_take_the_analysed_frames_in_turn():
    analysed, poses, seen = _run_parallel([0.0] * 30, 2)
    assert seen[0] == analysed[0::2] and seen[1] == analysed[1::2]
    # the stride still ramps up to max_stride, one analysed frame later than serially
    assert analysed == [0, 1, 2, 4, 7, 11, 15, 19, 23, 27, 29]
    hip = int(Landmark.LEFT_HIP)
    assert all(p.xy[hip, 0] == pytest.approx(300.0) for p in poses)


def test_parallel_movement_goes_back_to_every_frame_one_analysed_frame_later():
    positions = [0.0] * 15 + [10.0 * k for k in range(1, 16)]
    analysed, poses, _ = _run_parallel(positions, 2)
    # The movement from frame 15 on is in analysed frame 15, but frame 19 was already
    # due when 15 came back (it was chosen knowing frames up to 11): one landmarker
    # would analyse 16 next; here 16-18 are interpolated and every frame from 19 on is
    # analysed.
    assert analysed[analysed.index(15):] == [15, *range(19, 30)]
    hip = int(Landmark.LEFT_HIP)
    for i in (16, 17, 18):  # between two real poses: interpolated, never extrapolated
        assert 300.0 + positions[15] <= poses[i].xy[hip, 0] <= 300.0 + positions[19]


def test_parallel_error_in_a_landmarker_reaches_the_caller():
    class Broken:
        def estimate_all(self, frame):
            raise RuntimeError("model failed")

    with pytest.raises(RuntimeError, match="model failed"):
        list(adaptive_parallel_poses(_frames(10), [Broken(), Broken()], lambda p, t: None))


def test_scheduler_sequence():
    s = StrideScheduler(AdaptiveParams(still_speed=0.1, jitter=0.0, max_stride=3, settle_s=0.0))
    speeds = (0.01, 0.02, 0.05, 0.5, 0.05, float("nan"), 0.0, 0.0)
    seen = [s.observe(v, 0.1) for v in speeds]
    assert seen == [2, 3, 3, 1, 2, 1, 2, 3]


def test_jitter_allowance_does_not_shrink_with_time():
    params = AdaptiveParams(still_speed=0.05, jitter=0.01, max_stride=4)
    # 0.3 body heights/s over one frame is 0.01 of a body height: landmark noise
    assert params.is_still(0.3 - 0.05, 1 / 30)
    # the same speed kept up for 4 frames is movement
    assert not params.is_still(0.3, 4 / 30)
    assert not params.is_still(float("nan"), 1 / 30)


def test_interpolation_maths():
    mask_a, mask_b = np.zeros((4, 4), np.float32), np.ones((4, 4), np.float32)
    a = standing_pose(0.0, mask=mask_a)
    b = standing_pose(40.0, mask=mask_b)
    mid = interpolate_pose(a, b, 0.25)
    np.testing.assert_allclose(mid.xy, 0.75 * a.xy + 0.25 * b.xy)
    np.testing.assert_allclose(mid.mask, 0.25)  # the masks are blended too
    np.testing.assert_allclose(interpolate_pose(a, b, 0.75).mask, 0.75)
    odd = standing_pose(40.0, mask=np.ones((2, 2), np.float32))
    assert interpolate_pose(a, odd, 0.25).mask is mask_a  # shapes differ: the nearer one
    assert interpolate_pose(a, None, 0.25) is a
    assert interpolate_pose(a, None, 0.75) is None
    with pytest.raises(ValueError):
        interpolate_pose(a, b, 1.5)


def test_blended_mask_edge_lies_between_the_two_edges():
    # A back edge at column 10 in one frame and column 14 in the next: a quarter of
    # the way along, the 0.5 edge of the blend is at column 11.
    def edge_mask(col: int) -> np.ndarray:
        m = np.zeros((8, 32), np.float32)
        m[:, :col] = 1.0
        return m

    a = standing_pose(0.0, mask=cv2.GaussianBlur(edge_mask(10), (0, 0), 2.0))
    b = standing_pose(0.0, mask=cv2.GaussianBlur(edge_mask(14), (0, 0), 2.0))
    row = interpolate_pose(a, b, 0.25).mask[4]
    assert int((row >= 0.5).sum()) == 11


def test_time_weight_uses_real_timestamps():
    assert time_weight(1.0, 1.1, 1.025) == pytest.approx(0.25)
    assert time_weight(1.0, 1.0, 1.0) == 1.0
    assert time_weight(0.0, 1.0, 2.0) == 1.0


def test_pose_speed_in_body_heights_per_second():
    a, b = standing_pose(0.0), standing_pose(HEIGHT_PX / 0.78 / 10)
    # the body height estimate is HEIGHT_PX / 0.78: moved a tenth of it in 0.5 s
    assert pose_speed(a, b, 0.5) == pytest.approx(0.2, rel=1e-6)
    assert np.isnan(pose_speed(a, None, 0.5))
    assert np.isnan(pose_speed(a, b, 0.0))


def test_frames_are_skipped_only_after_settling():
    params = AdaptiveParams(still_speed=0.1, jitter=0.0, max_stride=4, settle_s=0.2)
    analysed, _ = _run([0.0] * 20, params)
    # 6 still frame-to-frame observations (0.2 s at 30 fps) before the stride grows
    assert analysed[:8] == [0, 1, 2, 3, 4, 5, 6, 8]
    s = StrideScheduler(params)
    assert [s.observe(0.0, 0.1) for _ in range(3)] == [1, 2, 3]
    assert s.observe(1.0, 0.1) == 1
    assert s.still_s == 0.0  # movement restarts the settling time


def test_real_model_adaptive_on_two_landmarkers_follows_full_rate(sample_videos):
    """Four seconds of a held stretch through the real model: full rate with one
    landmarker, and adaptively with two. The model runs on well under half the frames,
    and every frame's pose stays within the model's own noise of the full-rate one."""
    from posecoach.pose.sources import open_source
    from posecoach.pose.tracking import tracked_estimator

    clip = sample_videos / "kneeling_good_R.mp4"
    held = range(150, 270)  # inside the right-side hold

    def frames(source):
        return (f for f in source if f.index in held)

    tracker = tracked_estimator()
    with open_source(clip) as source:
        full = [tracker.estimate(f) for f in frames(source)]
    tracker.close()

    tracker = tracked_estimator()
    twin = tracker.estimator.twin()
    try:
        with open_source(clip) as source:
            out = list(adaptive_parallel_poses(
                frames(source), [tracker.estimator, twin], tracker.follow, AdaptiveParams()
            ))
    finally:
        twin.close()
        tracker.close()

    assert [f.index for f, _, _ in out] == list(held)
    assert sum(a for _, _, a in out) < 0.5 * len(held)
    torso = np.linalg.norm(full[0].xy[11] - full[0].xy[23])
    gaps = [np.nanmedian(np.linalg.norm(p.xy - q.xy, axis=1))
            for p, (_, q, _) in zip(full, out, strict=True)]
    assert float(np.median(gaps)) < 0.02 * torso
    assert float(np.max(gaps)) < 0.08 * torso
    assert all(q.mask is not None for _, q, _ in out)
