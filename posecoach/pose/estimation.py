"""Pose estimation. The only module that imports mediapipe.

`MediaPipePoseEstimator` runs the MediaPipe Tasks PoseLandmarker in VIDEO mode (so it
tracks between frames) with the frames' real timestamps, and turns its results into
`posecoach.types.Pose`; a skeleton found upside down is asked again
(posecoach.pose.upright). `ReplayEstimator` plays back recorded poses for tests and for
re-analysis without re-running the model.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib.util
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Protocol

import cv2
import numpy as np

from posecoach.landmarks import NUM_LANDMARKS
from posecoach.pose.quiet import quiet_native_logs
from posecoach.pose.upright import RETRY_TURNS_DEG, UprightGuard, upside_down
from posecoach.resources import data_dir
from posecoach.types import Frame, Pose

MODELS_DIR = data_dir("models")
DEFAULT_MODEL = MODELS_DIR / "pose_landmarker_full.task"
# The bundled variants by name: an exercise file may ask for one for recorded clips
# (`offline_model`); live always runs full, where latency rules.
BUNDLED_MODELS = {name: MODELS_DIR / f"pose_landmarker_{name}.task"
                  for name in ("lite", "full", "heavy")}
# Frames larger than this (longest side, pixels) are shrunk before inference: the model
# itself looks at 256x256 crops, so a 4K frame only costs memory (its segmentation mask
# alone is 33 MB). Landmarks are normalised, so they still land in original pixels.
MAX_INFERENCE_SIDE = 1280


# MediaPipe Tasks' native library posts usage statistics to a Google logging endpoint
# (libcurl, from a background thread; there is no documented switch). Its libcurl honours
# the proxy variables, so they are pointed at a closed port on this machine: the request is
# refused locally and no DNS lookup or connection leaves the computer. Video, images and
# landmarks were never part of it, but posecoach promises no network use at all.
_NO_EGRESS_PROXY = "http://127.0.0.1:9"


def block_native_telemetry() -> None:
    """Keep MediaPipe's native usage logging on this machine (see _NO_EGRESS_PROXY)."""
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy",
                 "ALL_PROXY"):
        os.environ[name] = _NO_EGRESS_PROXY
    # Local connections (a browser driven by tests, a local viewer) stay direct; a
    # user's own no_proxy list is replaced so it cannot let the logging out.
    for name in ("no_proxy", "NO_PROXY"):
        os.environ[name] = "localhost,127.0.0.1,::1"


# mediapipe's package __init__ files import every task it has and their dependencies:
# matplotlib (the drawing utilities) and sounddevice (audio), a second of start-up for
# nothing posecoach uses. So the packages above the pose landmarker are registered
# without running their __init__ and the landmarker's own modules imported from there.
# The first time anything asks one of them for a name it does not have, all four run
# their __init__ in place, innermost first (the order of a normal import, in which
# `mediapipe.tasks` ends up naming mediapipe.tasks.python), so other code that imports
# mediapipe in this process still gets the whole package.
_DEFERRED_PACKAGES = (
    "mediapipe", "mediapipe.tasks", "mediapipe.tasks.python", "mediapipe.tasks.python.vision"
)
_import_lock = threading.RLock()
_importing = False  # inside mediapipe's own imports: names resolve as mid-import


def _deferred_getattr(package: ModuleType, name: str):
    global _importing
    with _import_lock:
        if _importing:
            # A module being imported walks `import mediapipe.tasks.python.x as y` down
            # from the top: answer as the import system does while __init__ files run.
            submodule = sys.modules.get(f"{package.__name__}.{name}")
            if submodule is None:
                raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}")
            return submodule
        _importing = True
        try:
            for deferred in reversed(_DEFERRED_PACKAGES):
                module = sys.modules.get(deferred)
                if module is not None and "__getattr__" in vars(module):
                    del module.__getattr__
                    module.__spec__.loader.exec_module(module)
        finally:
            _importing = False
    return getattr(package, name)


def _defer_package_inits() -> None:
    parent = None
    for name in _DEFERRED_PACKAGES:
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.find_spec(name)
            if spec is None or spec.loader is None or spec.submodule_search_locations is None:
                return  # not the layout this was written for: plain imports still work
            module = importlib.util.module_from_spec(spec)
            module.__getattr__ = functools.partial(_deferred_getattr, module)
            sys.modules[name] = module
            if parent is not None and parent.__name__ != "mediapipe":
                # As an import binds a subpackage to its parent (not on the top package,
                # whose `tasks` a full import rebinds: that one stays deferred).
                setattr(parent, name.rpartition(".")[2], module)
        parent = module


@functools.cache
def _mediapipe() -> SimpleNamespace:
    """The parts of mediapipe posecoach uses, imported without the rest."""
    global _importing
    with _import_lock:
        _defer_package_inits()
        _importing = True
        try:
            from mediapipe.tasks.python.core.base_options import BaseOptions
            from mediapipe.tasks.python.vision.core.image import Image, ImageFormat
            from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
                VisionTaskRunningMode,
            )
            from mediapipe.tasks.python.vision.pose_landmarker import (
                PoseLandmarker,
                PoseLandmarkerOptions,
            )
        finally:
            _importing = False
    return SimpleNamespace(
        BaseOptions=BaseOptions, Image=Image, ImageFormat=ImageFormat,
        RunningMode=VisionTaskRunningMode, PoseLandmarker=PoseLandmarker,
        PoseLandmarkerOptions=PoseLandmarkerOptions,
    )


class ModelError(Exception):
    """The pose model cannot be used. The message is one line for the user."""


class PoseEstimator(Protocol):
    """Anything that turns frames into poses, in time order."""

    model_name: str

    def estimate(self, frame: Frame) -> Pose | None: ...

    def close(self) -> None: ...


def default_model_path() -> Path:
    """The bundled model, or the file named by $POSECOACH_MODEL (which must exist)."""
    override = os.environ.get("POSECOACH_MODEL")
    if override and not Path(override).expanduser().is_file():
        raise ModelError(f"$POSECOACH_MODEL names {override!r}, which is not a file "
                         "(unset it to use the bundled model)")
    return Path(override).expanduser() if override else DEFAULT_MODEL


def offline_model_path(name: str = "full") -> Path:
    """The model a recorded clip is analysed with when none is named: $POSECOACH_MODEL if
    set, else the bundled variant the exercise asks for (full when it is not installed)."""
    if os.environ.get("POSECOACH_MODEL"):
        return default_model_path()
    path = BUNDLED_MODELS.get(name, DEFAULT_MODEL)
    return path if path.is_file() else DEFAULT_MODEL


def expected_sha256(model_path: Path) -> str | None:
    """The checksum recorded beside a model (`NAME.sha256`), or None when there is none."""
    sidecar = model_path.with_name(model_path.name + ".sha256")
    if not sidecar.exists():
        return None
    return sidecar.read_text(encoding="utf-8").split()[0].strip().lower()


def verify_model(model_path: Path) -> str:
    """Check the file exists and matches its recorded checksum; return its sha256."""
    if not model_path.is_file():
        raise ModelError(
            f"{model_path}: pose model not found (rebuild it with tools/build_pose_bundle.sh "
            "or pass --model PATH)"
        )
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    expected = expected_sha256(model_path)
    if expected is not None and digest != expected:
        raise ModelError(
            f"{model_path}: checksum mismatch (sha256 {digest[:12]}..., expected "
            f"{expected[:12]}...): the file is corrupted or replaced"
        )
    return digest


def pose_from_landmarks(
    landmarks: Iterable,
    world_landmarks: Iterable | None,
    image_size: tuple[int, int],
    mask: np.ndarray | None = None,
) -> Pose:
    """Build a Pose from MediaPipe NormalizedLandmark / Landmark lists."""
    width, height = image_size
    points = list(landmarks)
    if len(points) != NUM_LANDMARKS:
        raise ValueError(f"expected {NUM_LANDMARKS} landmarks, got {len(points)}")
    norm = np.array([[p.x, p.y] for p in points], dtype=float)
    z = np.array([p.z for p in points], dtype=float)
    visibility = _units([p.visibility for p in points])
    presence = _units([p.presence for p in points])
    world = None
    if world_landmarks is not None:
        world = np.array([[p.x, p.y, p.z] for p in world_landmarks], dtype=float)
        if world.shape != (NUM_LANDMARKS, 3):
            world = None
    return Pose(
        xy=norm * np.array([width, height], dtype=float),
        z=z,
        visibility=visibility,
        presence=presence,
        image_size=image_size,
        world=world,
        mask=mask,
    )


def inference_image(image: np.ndarray, max_side: int = MAX_INFERENCE_SIDE) -> np.ndarray:
    """`image` shrunk (aspect kept) so its longest side is at most `max_side`."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _units(values: list[float | None]) -> np.ndarray:
    """Scores clipped to [0, 1], None as 0 (one numpy call, not one per landmark)."""
    scores = np.array([0.0 if v is None else v for v in values], dtype=float)
    return np.clip(scores, 0.0, 1.0)


class MediaPipePoseEstimator:
    """MediaPipe Tasks PoseLandmarker in VIDEO mode with real timestamps.

    Use as a context manager (or call close()): the landmarker holds a native graph.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        segmentation: bool = True,
        num_poses: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        verified_sha256: str | None = None,
        upright_guard: bool = True,
    ):
        """verified_sha256: the model file's checksum when the caller has just verified
        it (a twin of a landmarker of the same file), so it is not read and hashed again.
        upright_guard: ask again when a skeleton comes out upside down (pose.upright)."""
        path = Path(model_path) if model_path is not None else default_model_path()
        self.model_path = path
        self.model_sha256 = verified_sha256 or verify_model(path)
        self.model_name = path.name
        self.segmentation = segmentation
        self._last_timestamp_ms = -1
        self._warmed_up = False
        self._options = {
            "segmentation": segmentation,
            "num_poses": num_poses,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
            "upright_guard": upright_guard,
        }
        self._guard = UprightGuard() if upright_guard else None
        self._still = None  # an IMAGE-mode landmarker, made when first needed
        self.upright_retries = 0  # frames asked again, and of those fixed (for tests)
        self.upright_fixes = 0
        with quiet_native_logs():
            self._landmarker = self._create(video=True)

    def _create(self, video: bool):
        options = self._options
        return self._create_landmarker(
            self.model_path, options["segmentation"], options["num_poses"],
            options["min_detection_confidence"], options["min_tracking_confidence"], video)

    @staticmethod
    def _create_landmarker(path: Path, segmentation: bool, num_poses: int, det: float,
                           track: float, video: bool):
        block_native_telemetry()
        mp = _mediapipe()
        options = mp.PoseLandmarkerOptions(
            base_options=mp.BaseOptions(model_asset_path=str(path)),
            running_mode=mp.RunningMode.VIDEO if video else mp.RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=det,
            min_pose_presence_confidence=det,
            min_tracking_confidence=track,
            output_segmentation_masks=segmentation,
        )
        try:
            return mp.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        # The half-made landmarker's call dispatcher (a thread) sits in a reference cycle:
        # collect it now rather than at some later garbage collection.
        gc.collect()
        raise ModelError(f"{path}: not a usable pose model bundle ({first_line})")

    def twin(self, segmentation: bool | None = None) -> MediaPipePoseEstimator:
        """A second, independent landmarker with the same model and options (and with
        `segmentation`, that choice of masks instead)."""
        options = dict(self._options)
        if segmentation is not None:
            options["segmentation"] = segmentation
        return MediaPipePoseEstimator(
            self.model_path, verified_sha256=self.model_sha256, **options
        )

    @property
    def mediapipe_version(self) -> str:
        # From the installed distribution: the deferred package would run its __init__
        # to answer (see _DEFERRED_PACKAGES). The same string as mediapipe.__version__.
        import importlib.metadata  # 20 ms of imports, for the summary only

        try:
            return importlib.metadata.version("mediapipe")
        except importlib.metadata.PackageNotFoundError:  # not installed as a distribution
            return str(sys.modules["mediapipe"].__version__)

    def _timestamp_ms(self, time_s: float) -> int:
        # VIDEO mode demands strictly increasing integer milliseconds.
        stamp = max(int(round(time_s * 1000.0)), self._last_timestamp_ms + 1)
        self._last_timestamp_ms = stamp
        return stamp

    def estimate_all(self, frame: Frame) -> list[Pose]:
        """Every pose the model found in `frame` (at most num_poses)."""
        mp = _mediapipe()
        if self._landmarker is None:
            raise ModelError("pose estimator is closed")
        rgb = cv2.cvtColor(inference_image(frame.image), cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        stamp = self._timestamp_ms(frame.time_s)
        if self._warmed_up:
            result = self._landmarker.detect_for_video(image, stamp)
        else:
            # The first inference prints more native start-up notes.
            with quiet_native_logs():
                result = self._landmarker.detect_for_video(image, stamp)
            self._warmed_up = True
        poses = self._poses(result, frame.picture_size)
        if self._guard is not None and poses:
            poses[0] = self._upright(poses[0], rgb, frame)
        return poses

    @staticmethod
    def _poses(result, picture_size: tuple[int, int]) -> list[Pose]:
        poses = []
        for i, landmarks in enumerate(result.pose_landmarks):
            world = result.pose_world_landmarks[i] if result.pose_world_landmarks else None
            mask = None
            if result.segmentation_masks:
                # numpy_view() points into the native image and keeps no reference to
                # it: copy before `result` (and the memory) goes away.
                view = result.segmentation_masks[i].numpy_view()
                mask = np.array(view.reshape(view.shape[:2]), dtype=np.float32, copy=True)
            poses.append(pose_from_landmarks(landmarks, world, picture_size, mask))
        return poses

    def _upright(self, pose: Pose, rgb: np.ndarray, frame: Frame) -> Pose:
        """`pose`, or when it is upside down an upright answer to the frame asked again
        as a turned still image (posecoach.pose.upright)."""
        guard = self._guard
        if not upside_down(pose):
            guard.upright_seen()
            return pose
        if not guard.should_retry(frame.time_s):
            return pose
        self.upright_retries += 1
        fixed = self._ask_turned(rgb, frame.picture_size)
        if guard.retried(fixed is not None, frame.time_s):
            self._restart_tracking()
        if fixed is None:
            return pose
        self.upright_fixes += 1
        return fixed

    def _ask_turned(self, rgb: np.ndarray, picture_size: tuple[int, int]) -> Pose | None:
        """The frame as a still image turned each of RETRY_TURNS_DEG: the first upright
        skeleton, turned back into the frame's pixels, or None."""
        from posecoach.measure.orientation import turn_pose  # only on this rare path

        mp = _mediapipe()
        if self._still is None:
            with quiet_native_logs():
                self._still = self._create(video=False)
        width, height = picture_size
        for turn in RETRY_TURNS_DEG:
            turned = np.ascontiguousarray(np.rot90(rgb, -turn // 90))
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=turned)
            poses = self._poses(self._still.detect(image), (height, width))
            if poses:
                back = turn_pose(poses[0], 360 - turn)
                if not upside_down(back):
                    return back
        return None

    def _restart_tracking(self) -> None:
        """A fresh VIDEO-mode landmarker: the next frame is found afresh instead of
        tracked from the upside-down skeleton."""
        old = self._landmarker
        with quiet_native_logs():
            self._landmarker = self._create(video=True)
        self._warmed_up = False
        old.close()

    def estimate(self, frame: Frame) -> Pose | None:
        poses = self.estimate_all(frame)
        return poses[0] if poses else None

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None
        if self._still is not None:
            self._still.close()
            self._still = None

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ReplayEstimator:
    """Plays back poses recorded earlier, keyed by frame index (for tests and re-analysis)."""

    model_name = "replay"

    def __init__(self, poses: Mapping[int, Pose | None]):
        self._poses = dict(poses)

    def estimate(self, frame: Frame) -> Pose | None:
        return self._poses.get(frame.index)

    def close(self) -> None:
        self._poses = {}
