"""The real BlazePose model on real frames, checked against known joint positions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
from fixtures.paths import DATA

from posecoach.landmarks import Landmark
from posecoach.pose.estimation import (
    DEFAULT_MODEL,
    MediaPipePoseEstimator,
    ModelError,
    verify_model,
)
from posecoach.pose.sources import VideoFileSource
from posecoach.types import Frame, Pose

pytestmark = pytest.mark.model

POINTS = json.loads((DATA / "realmedia_points.json").read_text())


def _pair_error(found: np.ndarray, expected: list[list[float]]) -> float:
    """Largest distance after matching two unordered points (left/right is not tested)."""
    a, b = np.asarray(expected, float)
    straight = max(np.linalg.norm(found[0] - a), np.linalg.norm(found[1] - b))
    crossed = max(np.linalg.norm(found[0] - b), np.linalg.norm(found[1] - a))
    return float(min(straight, crossed))


def _check_against_annotation(pose: Pose, expected: dict, tolerance_px: float) -> None:
    L = Landmark
    knees = pose.xy[[L.LEFT_KNEE, L.RIGHT_KNEE]]
    ankles = pose.xy[[L.LEFT_ANKLE, L.RIGHT_ANKLE]]
    mid_hip = pose.xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)
    mid_shoulder = pose.xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(axis=0)
    assert _pair_error(knees, expected["knees"]) < tolerance_px
    assert _pair_error(ankles, expected["ankles"]) < tolerance_px
    assert np.linalg.norm(mid_hip - expected["mid_hip"]) < tolerance_px
    assert np.linalg.norm(mid_shoulder - expected["mid_shoulder"]) < tolerance_px


def _frame(image: np.ndarray, index: int = 0, time_s: float = 0.0) -> Frame:
    return Frame(index=index, time_s=time_s, image=image)


@pytest.mark.parametrize("name", ["Kneeling_Hip_Flexor_0.jpg", "One_Knee_To_Chest_0.jpg"])
def test_real_photos_match_annotated_joints(realmedia, name):
    image = cv2.imread(str(realmedia / name))
    with MediaPipePoseEstimator() as estimator:
        pose = estimator.estimate(_frame(image))
    assert pose is not None
    assert pose.image_size == (image.shape[1], image.shape[0])
    # 6% of the image height: the annotation itself is good to about 15 px.
    _check_against_annotation(pose, POINTS[name], tolerance_px=0.06 * image.shape[0])
    assert pose.mask is not None and pose.mask.shape == image.shape[:2]
    hip = pose.xy[Landmark.LEFT_HIP].astype(int)
    assert pose.mask[hip[1], hip[0]] > 0.5  # the hip is inside the person's silhouette
    assert pose.world is not None and np.all(np.isfinite(pose.world))


def test_real_video_tracks_the_lunge(realmedia):
    name = "nowva_reverse_lunge_side_CC0.mp4"
    expected = POINTS[name]
    detected = 0
    with VideoFileSource(realmedia / name) as source, MediaPipePoseEstimator() as estimator:
        for frame in source:
            pose = estimator.estimate(frame)
            detected += pose is not None
            if frame.index == expected["frame"]:
                assert pose is not None
                _check_against_annotation(pose, expected, tolerance_px=0.06 * 720)
                break
    assert detected == expected["frame"] + 1


def test_no_person_gives_no_pose():
    image = np.full((240, 320, 3), 90, np.uint8)
    with MediaPipePoseEstimator() as estimator:
        assert estimator.estimate(_frame(image)) is None


def test_timestamps_need_not_be_strictly_increasing_for_the_caller(realmedia):
    # Two frames with the same time (some containers do this) must not crash VIDEO mode.
    image = cv2.imread(str(realmedia / "Kneeling_Hip_Flexor_0.jpg"))
    with MediaPipePoseEstimator(segmentation=False) as estimator:
        first = estimator.estimate(_frame(image, 0, 1.0))
        second = estimator.estimate(_frame(image, 1, 1.0))
    assert first is not None and second is not None
    assert second.mask is None


def test_bundled_model_checksum_is_verified(tmp_path):
    digest = verify_model(DEFAULT_MODEL)
    assert digest == (DEFAULT_MODEL.parent / "pose_landmarker_full.task.sha256").read_text()[:64]
    copy = tmp_path / DEFAULT_MODEL.name
    shutil.copy(DEFAULT_MODEL, copy)
    shutil.copy(DEFAULT_MODEL.with_name(DEFAULT_MODEL.name + ".sha256"), tmp_path)
    with copy.open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelError, match="checksum mismatch"):
        MediaPipePoseEstimator(copy)


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    fake = tmp_path / "fake.task"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a usable pose model"):
        MediaPipePoseEstimator(fake)
    with pytest.raises(ModelError, match="not found"):
        MediaPipePoseEstimator(tmp_path / "missing.task")


def test_quiet_native_logs_from_two_threads_restores_stderr():
    """Two landmarkers warming up at once: whatever the interleaving, fd 2 is the real
    stderr again once both are done (it used to stay silenced for good)."""
    import os
    import threading

    from posecoach.pose.quiet import quiet_native_logs

    before = os.fstat(2)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first():  # in first, out first
        with quiet_native_logs():
            a_in.set()
            b_in.wait(timeout=5)
        a_out.set()

    def second():  # in while the first is inside, out last
        a_in.wait(timeout=5)
        with quiet_native_logs():
            b_in.set()
            a_out.wait(timeout=5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


_IMPORT_CHECK = """
import sys
from posecoach.pose.estimation import MediaPipePoseEstimator
with MediaPipePoseEstimator(segmentation=False) as estimator:
    version = estimator.mediapipe_version
    light = sorted({"matplotlib", "sounddevice"} & set(sys.modules))
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision
    print(light, version == mp.__version__, mp.tasks is sys.modules["mediapipe.tasks.python"],
          vision.PoseLandmarker is mp.tasks.vision.PoseLandmarker, mp.Image is not None,
          BaseOptions is mp.tasks.BaseOptions, callable(vision.drawing_utils.draw_landmarks))
"""


def test_landmarker_loads_without_the_rest_of_mediapipe():
    # Start-up: mediapipe's package __init__ files (matplotlib, sounddevice) are deferred,
    # and code that imports mediapipe afterwards still gets the whole package.
    done = subprocess.run([sys.executable, "-c", _IMPORT_CHECK], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stdout.split() == ["[]", "True", "True", "True", "True", "True", "True"], (
        done.stderr[-2000:]
    )
