"""Key frames for the report: grab one image at a time from a video, as inline JPEG.

Images come from the annotated video when there is one (it already shows the skeleton and
angles); otherwise from the source clip. With `blur_faces`, each image is blurred using the
pose recorded for that frame in landmarks.csv; an image whose face cannot be located is
left out rather than shown unblurred.
"""

from __future__ import annotations

import base64
import csv
import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posecoach.landmarks import Landmark
from posecoach.render.privacy import blur_face, face_ellipse
from posecoach.types import Pose

MAX_WIDTH = 640  # px: enough to see the posture, small enough to keep report.html light
JPEG_QUALITY = 82


@dataclass(frozen=True)
class KeyFrame:
    title: str
    time_s: float
    caption: str
    jpeg_b64: str | None  # None: could not be extracted (reason in `note`)
    note: str = ""


class FrameReads:
    """Images of videos at given moments, read ahead on `workers` threads (decoding
    releases the GIL) and each moment read once: a report's key frames and poster seek
    the same video at a few moments, and each seek decodes from the keyframe before it."""

    def __init__(self, workers: int = 2):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="keyframe")
        self._reads: dict[tuple[str, float], Future] = {}

    def want(self, video: Path | None, time_s: float) -> None:
        """Start reading this moment (nothing for no video or a NaN time)."""
        if video is None or not math.isfinite(time_s):
            return
        key = (str(video), float(time_s))
        if key not in self._reads:
            self._reads[key] = self._pool.submit(grab, video, time_s)

    def get(self, video: Path, time_s: float) -> tuple[int, np.ndarray] | None:
        """grab(video, time_s), from the read started by `want` when there is one; the
        image is the caller's own copy."""
        self.want(video, time_s)
        got = self._reads[(str(video), float(time_s))].result()
        return None if got is None else (got[0], got[1].copy())

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> FrameReads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def grab(video: Path, time_s: float) -> tuple[int, np.ndarray] | None:
    """(frame index, BGR image) at `time_s` seconds, or None if the video cannot give it."""
    cap = cv2.VideoCapture(str(video))
    try:
        if not cap.isOpened():
            return None
        cap.set(cv2.CAP_PROP_POS_MSEC, max(time_s, 0.0) * 1000.0)
        index = int(cap.get(cv2.CAP_PROP_POS_FRAMES))
        ok, image = cap.read()
        return (index, image) if ok and image is not None else None
    finally:
        cap.release()


def pose_at(landmarks_csv: Path, frame_index: int, size: tuple[int, int]) -> Pose | None:
    """The pose recorded in landmarks.csv for one frame (None when none was detected)."""
    if not landmarks_csv.is_file():
        return None
    with landmarks_csv.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("frame") != str(frame_index):
                continue
            if row.get("pose_detected") != "1":
                return None
            return _pose_from_row(row, size)
    return None


def _pose_from_row(row: dict[str, str], size: tuple[int, int]) -> Pose:
    xy = np.full((len(Landmark), 2), np.nan)
    vis = np.zeros(len(Landmark))
    for lm in Landmark:
        name = lm.name.lower()
        try:
            xy[lm] = float(row[f"{name}_x"]), float(row[f"{name}_y"])
            vis[lm] = float(row.get(f"{name}_visibility") or 0.0)
        except (KeyError, ValueError):
            continue
    return Pose.from_pixels(xy, size, visibility=vis)


def encode_jpeg(image: np.ndarray) -> str:
    h, w = image.shape[:2]
    if w > MAX_WIDTH:
        image = cv2.resize(image, (MAX_WIDTH, round(h * MAX_WIDTH / w)), cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return base64.b64encode(data.tobytes()).decode("ascii")


_TURN = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
         270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def key_frame(
    video: Path | None,
    title: str,
    time_s: float,
    caption: str,
    blur_with: Path | None = None,
    turn_deg: int = 0,
    reads: FrameReads | None = None,
) -> KeyFrame:
    """The image at `time_s`; `blur_with` = landmarks.csv to blur the face from.
    turn_deg: clockwise turn the analysis gave the source clip's frames (the body was
    upside down or sideways in them), applied here too so the landmarks fit.
    reads: where the image is read (read ahead, shared), else read here."""
    if video is None or not video.is_file():
        return KeyFrame(title, time_s, caption, None, "no video in the output folder")
    got = reads.get(video, time_s) if reads is not None else grab(video, time_s)
    if got is None:
        return KeyFrame(title, time_s, caption, None, "this moment could not be read back")
    index, image = got
    if turn_deg % 360 in _TURN:
        image = cv2.rotate(image, _TURN[turn_deg % 360])
    if blur_with is not None:
        pose = pose_at(blur_with, index, (image.shape[1], image.shape[0]))
        if pose is None or face_ellipse(pose) is None:
            return KeyFrame(title, time_s, caption, None, "left out: face could not be blurred")
        image = blur_face(image, pose)
    return KeyFrame(title, time_s, caption, encode_jpeg(image))
