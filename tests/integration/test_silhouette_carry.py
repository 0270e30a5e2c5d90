"""Masks from one landmarker of two: the mask's estimates carried to the frames between.

The real model on frames of a sample clip: a frame without a mask that carries the
Silhouette of the same pose measures exactly what the masked frame did; a stream with
every other mask missing stays close to the full one; nothing is carried too long, to
the other leg or across a relearned view; and analyze's default run on two landmarkers
stays within the adaptive targets of --mask-every-frame.
"""

from __future__ import annotations

import csv
import dataclasses
import math

import numpy as np
import pytest
from fixtures.cli import run_cli

from posecoach.landmarks import Side
from posecoach.measure.frame import compute_metrics
from posecoach.measure.silhouette import (
    MAX_AGE_S,
    Silhouette,
    SilhouetteCarry,
    thigh_turn_deg,
    turned_thigh,
)
from posecoach.measure.stream import MetricsTracker
from posecoach.pose.estimation import MediaPipePoseEstimator
from posecoach.pose.sources import VideoFileSource
from posecoach.registry import METRIC_NAMES

pytestmark = pytest.mark.model

PELVIS = ("pelvic_tilt_deg", "lumbar_extension_deg", "hip_extension_pelvis_deg")


def test_thigh_turn_round_trip():
    landmark = np.array([0.2, 1.0])
    outline = np.array([-0.1, 1.0]) * 3.0
    turn = thigh_turn_deg(landmark, outline)
    again = turned_thigh(landmark, turn)
    assert math.isclose(float(again[0] * outline[1] - again[1] * outline[0]), 0.0,
                        abs_tol=1e-9)
    assert float(np.dot(again, outline)) > 0
    assert thigh_turn_deg(landmark, None) is None
    assert thigh_turn_deg(np.zeros(2), outline) is None


def test_carry_keeps_to_its_age_and_key():
    carry = SilhouetteCarry()
    s = Silhouette(thigh_turn_deg=3.0, pelvic_tilt=(10.0, 0.4))
    assert carry.recent(0.0, "R") is None
    carry.remember(1.0, s, "R")
    assert carry.recent(1.0 + MAX_AGE_S, "R") is s
    assert carry.recent(1.0 + MAX_AGE_S + 0.01, "R") is None
    assert carry.recent(1.03, "L") is None  # another leg or facing
    assert carry.recent(0.99, "R") is None  # time went back: a new clip
    carry.reset()
    assert carry.recent(1.03, "R") is None


@pytest.fixture(scope="module")
def clip_poses(sample_videos):
    """(time, pose with mask) of 40 frames of a kneeling clip, mid-hold."""
    poses = []
    with VideoFileSource(sample_videos / "kneeling_arch.mp4") as source, \
            MediaPipePoseEstimator() as estimator:
        for frame in source:
            pose = estimator.estimate(frame)
            if frame.index >= 240 and pose is not None:
                poses.append((frame.time_s, pose))
            if len(poses) == 40:
                break
    assert len(poses) == 40 and all(p.mask is not None for _, p in poses)
    return poses


def test_the_same_pose_without_its_mask_measures_the_same_with_the_carry(clip_poses):
    _, pose = clip_poses[0]
    facing = -1 if pose.xy[0, 0] < pose.xy[23, 0] else 1
    for side in Side:
        masked = compute_metrics(pose, side, facing)
        assert masked.silhouette is not None
        bare = dataclasses.replace(pose, mask=None)
        carried = compute_metrics(bare, side, facing, carried=masked.silhouette)
        alone = compute_metrics(bare, side, facing)
        assert carried.silhouette is None
        for name in METRIC_NAMES:
            assert carried.values[name] == pytest.approx(masked.values[name], abs=1e-6,
                                                         nan_ok=True), name
        assert all(math.isnan(alone.values[n]) for n in PELVIS)


def _raw_stream(poses, drop_every_other: bool, gap_from: int | None = None):
    tracker = MetricsTracker()
    out = []
    for i, (t, pose) in enumerate(poses):
        if (drop_every_other and i % 2) or (gap_from is not None and i >= gap_from):
            pose = dataclasses.replace(pose, mask=None)
        tracker.update(pose, t)
        out.append(dict(tracker.last_raw.values))
    return out


def test_every_other_mask_missing_stays_close_and_stops_when_they_stop(clip_poses):
    full = _raw_stream(clip_poses, False)
    half = _raw_stream(clip_poses, True)
    settled = range(10, len(clip_poses))  # past the contour reference's first frames
    for name in ("pelvic_tilt_deg", "hip_extension_deg", "hip_extension_pelvis_deg"):
        a = np.array([full[i][name] for i in settled])
        b = np.array([half[i][name] for i in settled])
        assert np.isfinite(b).all(), name
        assert np.mean(np.abs(a - b)) < 1.0, name
    # A frame without a mask carries the frame before it exactly (the same leg).
    for i in range(11, len(clip_poses), 2):
        assert half[i]["pelvic_tilt_deg"] == half[i - 1]["pelvic_tilt_deg"]
    # Masks stop: carried for MAX_AGE_S, then no pelvis estimate at all.
    stopped = _raw_stream(clip_poses, False, gap_from=20)
    t0 = clip_poses[19][0]
    for i in range(20, len(clip_poses)):
        carried = clip_poses[i][0] - t0 <= MAX_AGE_S
        assert math.isfinite(stopped[i]["pelvic_tilt_deg"]) == carried, i


def test_twin_without_masks(sample_videos):
    with VideoFileSource(sample_videos / "kneeling_good_R.mp4") as source, \
            MediaPipePoseEstimator() as estimator:
        frame = next(iter(source))
        bare = estimator.twin(segmentation=False)
        try:
            assert estimator.estimate(frame).mask is not None
            assert bare.estimate(frame).mask is None
        finally:
            bare.close()


def _column(out, name: str) -> np.ndarray:
    with (out / "frames.csv").open(newline="", encoding="utf-8") as f:
        return np.array([float(r[name]) if r[name] else np.nan for r in csv.DictReader(f)])


def test_analyze_default_stays_within_the_targets_of_every_mask(tmp_path, sample_videos):
    clip = sample_videos / "kneeling_arch.mp4"
    common = ("--exercise", "kneeling_hip_flexor", "--workers", "2", "--no-video",
              "--no-report", "--no-history", "--quiet")
    for name, extra in (("default", ()), ("every", ("--mask-every-frame",))):
        done = run_cli("analyze", str(clip), "--out", str(tmp_path / name), *common, *extra)
        assert done.returncode == 0, done.stderr
    for name in METRIC_NAMES:
        a, b = _column(tmp_path / "every", name), _column(tmp_path / "default", name)
        both = np.isfinite(a) & np.isfinite(b)
        assert both.sum() > 0.9 * len(a), name
        assert np.mean(np.abs(a[both] - b[both])) <= 0.5, name
