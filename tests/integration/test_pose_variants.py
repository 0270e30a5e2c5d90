"""Every pose bundle in models/ (full, and lite/heavy when present): its checksum file
matches, posecoach's own loader takes it, and it finds the person in a sample clip where
the default (full) model does."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from posecoach.landmarks import Landmark
from posecoach.pose.estimation import DEFAULT_MODEL, MODELS_DIR, MediaPipePoseEstimator
from posecoach.pose.sources import VideoFileSource

pytestmark = pytest.mark.model

BUNDLES = sorted(MODELS_DIR.glob("pose_landmarker_*.task"))
CLIP = "kneeling_good_R.mp4"
FRAME_INDEX = 30
# Mean distance of the 33 landmarks to the full model's, as a share of the frame height.
# Measured on this clip: lite 0.6%, heavy 0.5% (tools/model/bench_variants.py).
MAX_MEAN_DISTANCE = 0.03
# Landmark i under a left/right-swapped labelling: in a side view the models sometimes
# disagree about which leg is which, which is not what this test is about.
SWAP = np.array([
    Landmark[m.name.replace("LEFT", "@").replace("RIGHT", "LEFT").replace("@", "RIGHT")]
    for m in Landmark
])


def _ids(paths):
    return [p.name for p in paths]


@pytest.fixture(scope="module")
def frame(sample_videos):
    with VideoFileSource(sample_videos / CLIP) as source:
        for frame in source:
            if frame.index == FRAME_INDEX:
                return frame
    pytest.fail(f"{CLIP} has fewer than {FRAME_INDEX + 1} frames")


@pytest.fixture(scope="module")
def full_pose(frame):
    with MediaPipePoseEstimator(DEFAULT_MODEL) as estimator:
        pose = estimator.estimate(frame)
    assert pose is not None
    return pose


def test_the_default_full_bundle_is_among_them():
    assert DEFAULT_MODEL in BUNDLES


@pytest.mark.parametrize("bundle", BUNDLES, ids=_ids(BUNDLES))
def test_checksum_file_matches(bundle):
    sidecar = bundle.with_name(bundle.name + ".sha256")
    assert sidecar.is_file(), f"{sidecar.name} is missing"
    digest, name = sidecar.read_text(encoding="utf-8").split()
    assert name == bundle.name
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("bundle", BUNDLES, ids=_ids(BUNDLES))
def test_loads_and_finds_the_person_where_full_does(bundle, frame, full_pose):
    with MediaPipePoseEstimator(bundle) as estimator:
        assert estimator.model_sha256 == bundle.with_name(bundle.name + ".sha256").read_text()[:64]
        pose = estimator.estimate(frame)
    assert pose is not None
    assert pose.image_size == frame.size
    assert np.all(np.isfinite(pose.xy))
    assert pose.mask is not None and pose.mask.shape == frame.image.shape[:2]
    hip = pose.xy[Landmark.LEFT_HIP].astype(int)
    assert pose.mask[hip[1], hip[0]] > 0.5  # the hip is inside the person's silhouette
    straight = np.linalg.norm(pose.xy - full_pose.xy, axis=1).mean()
    swapped = np.linalg.norm(pose.xy[SWAP] - full_pose.xy, axis=1).mean()
    height = frame.image.shape[0]
    assert min(straight, swapped) < MAX_MEAN_DISTANCE * height
