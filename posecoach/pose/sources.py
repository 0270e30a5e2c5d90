"""Frame sources: a video file, a webcam, or a folder of images -> Iterator[Frame].

Every source is a context manager that releases its device or file on exit, and every
frame carries a real timestamp:
- video files: the container's presentation time of each frame (variable frame rate and
  fractional rates like 29.97 are kept; nothing is derived from a rounded fps);
- webcams: a monotonic clock, relative to the first frame;
- image folders: a nominal rate chosen by the caller (images have no time).
Phone clips store their rotation as metadata; frames are rotated upright here, once, so
that nothing downstream ever sees a sideways person. A clip whose metadata is missing or
wrong can be turned further (`turn`, decided from the pose by posecoach.run.orientation),
in the same single rotation. Large pictures can be scaled down once, when decoded
(`limit`), before the rotation: a 4K frame is then held only while it is resized, and
`Frame.source_size` keeps the picture's size (poses stay in its pixels).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posecoach.pose.quiet import quiet_native_logs
from posecoach.types import Frame

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
# Camera device indices (/dev/video0-63 on Linux). OpenCV reads 100 and above as a capture
# backend plus an index, crashes on negative ones (a segmentation fault) and raises a
# TypeError beyond a C long, so nothing outside this range reaches it.
MAX_CAMERA_INDEX = 63


class SourceError(Exception):
    """A source that cannot be opened or read. The message is one line for the user."""


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source before reading it.

    fps: nominal frames per second (float, may be fractional; NaN when unknown).
    frame_count: frames the container announces (0 when unknown, e.g. cameras).
    size: (width, height) of the upright frames.
    rotation_deg: clockwise rotation the container's metadata asks for (0, 90, 180, 270).
    turned_deg: clockwise turn applied on top of it because the body was upside down or
        sideways in the picture (`turn`); 0 unless asked.
    max_side: longest side of the frames delivered (`limit`); None: the picture's size.
    """

    name: str
    fps: float
    frame_count: int
    size: tuple[int, int]
    rotation_deg: int = 0
    turned_deg: int = 0
    max_side: int | None = None

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the frames delivered: `size`, scaled down (shape kept) so
        that its longest side is at most `max_side`."""
        width, height = self.size
        if self.max_side is None or max(width, height) <= self.max_side:
            return self.size
        scale = self.max_side / max(width, height)
        return max(1, round(width * scale)), max(1, round(height * scale))

    def turned(self, degrees: int) -> SourceInfo:
        """The info of the same source with its frames turned `degrees` clockwise more."""
        turn = degrees % 360
        if turn not in (0, *_ROTATE):
            raise ValueError(f"a turn is 0, 90, 180 or 270 degrees, got {degrees}")
        width, height = self.size
        size = (height, width) if turn in (90, 270) else (width, height)
        return dataclasses.replace(self, size=size, turned_deg=(self.turned_deg + turn) % 360)

    @property
    def applied_deg(self) -> int:
        """The one rotation frames get: metadata and turn together."""
        return (self.rotation_deg + self.turned_deg) % 360

    @property
    def duration_s(self) -> float:
        if self.frame_count <= 0 or not self.fps > 0:
            return math.nan
        return self.frame_count / self.fps


_ROTATE = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


def _upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    code = _ROTATE.get(rotation_deg % 360)
    return image if code is None else cv2.rotate(image, code)


def _frame(index: int, time_s: float, image: np.ndarray, info: SourceInfo) -> Frame:
    """The decoded `image` upright at `info.frame_size`: scaled first (the rotation then
    moves the small image), then rotated."""
    width, height = info.frame_size
    rotation = info.applied_deg
    if (width, height) == info.size:  # not limited, or small enough already
        return Frame(index=index, time_s=time_s, image=_upright(image, rotation))
    stored = (height, width) if rotation in (90, 270) else (width, height)
    small = cv2.resize(image, stored, interpolation=cv2.INTER_AREA)
    return Frame(index=index, time_s=time_s, image=_upright(small, rotation),
                 source_size=info.size)


class Sampling:
    """Which frames a sparse look at a clip takes: the first, then each first frame at
    least `step_s` after the last one taken (1 us of slack for rounded times), until
    the first frame after `until_s`."""

    def __init__(self, step_s: float, until_s: float):
        self.step_s, self.until_s = step_s, until_s
        self._next_s = -math.inf

    def past(self, time_s: float) -> bool:
        return time_s > self.until_s

    def take(self, time_s: float) -> bool:
        """Whether the frame at `time_s` is taken (it is then the last one taken)."""
        if time_s + 1e-6 < self._next_s:
            return False
        self._next_s = time_s + self.step_s
        return True


class VideoFileSource:
    """Frames of a video file, upright, with container timestamps.

    After iteration, `frames_read` and `ended_early` tell whether the file held fewer
    frames than its header announced (a truncated upload, for instance).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._capture: cv2.VideoCapture | None = None
        self.frames_read = 0
        self.info = self._open()

    def _open(self) -> SourceInfo:
        if not self.path.exists():
            raise SourceError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise SourceError(f"{self.path}: is a folder, not a video file")
        if self.path.stat().st_size == 0:
            raise SourceError(f"{self.path}: file is empty")
        with quiet_native_logs():
            capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not capture.isOpened():
            raise SourceError(f"{self.path}: not a readable video")
        # We rotate ourselves so the applied rotation is known and reported.
        capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        rotation = int(round(capture.get(cv2.CAP_PROP_ORIENTATION_META))) % 360
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if width <= 0 or height <= 0:
            capture.release()
            raise SourceError(f"{self.path}: not a readable video (no picture size)")
        if rotation in (90, 270):
            width, height = height, width
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        count = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0)
        self._capture = capture
        return SourceInfo(
            name=self.path.name,
            fps=fps if fps > 0 else math.nan,
            frame_count=count,
            size=(width, height),
            rotation_deg=rotation if rotation in _ROTATE else 0,
        )

    @property
    def ended_early(self) -> bool:
        """True when fewer frames were read than the header announced (beyond 1 frame slack)."""
        return self.info.frame_count > 0 and self.frames_read < self.info.frame_count - 1

    def __iter__(self) -> Iterator[Frame]:
        return self.sampled(0.0, math.inf)

    def sampled(self, step_s: float, until_s: float) -> Iterator[Frame]:
        """The frames `step_s` or more apart (see `Sampling`) up to `until_s`; every frame
        with `step_s` 0. The frames in between are decoded (the decoder needs them) but
        not converted into pictures: about a third less CPU than reading them."""
        if self._capture is None:
            raise SourceError(f"{self.path}: source is closed")
        sampling = Sampling(step_s, until_s)
        last_time = -math.inf
        nominal_step = 1.0 / self.info.fps if self.info.fps > 0 else 1.0 / 30.0
        while self._capture.grab():  # read() is grab() then retrieve()
            time_s = self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            # Some containers report 0 or repeat a time; keep time strictly increasing
            # without inventing a rate when the container gives real times.
            if not math.isfinite(time_s) or time_s <= last_time:
                time_s = last_time + nominal_step if last_time > -math.inf else 0.0
            last_time = time_s
            if sampling.past(time_s):
                return
            if not sampling.take(time_s):
                self.frames_read += 1
                continue
            ok, image = self._capture.retrieve()
            if not ok or image is None:
                return
            index = self.frames_read
            self.frames_read += 1
            yield _frame(index, time_s, image, self.info)

    def turn(self, degrees: int) -> None:
        """Turn every frame `degrees` (90, 180, 270) clockwise more; before iterating."""
        self.info = self.info.turned(degrees)

    def limit(self, max_side: int | None) -> None:
        """Deliver frames scaled down to at most `max_side` px on their longest side."""
        self.info = dataclasses.replace(self.info, max_side=max_side)

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CameraSource:
    """Frames of a webcam, timestamped with a monotonic clock from the first frame.

    `disconnected` becomes True when the camera stops delivering frames mid-session.
    `clock` is injectable for tests.
    """

    def __init__(
        self,
        index: int = 0,
        size: tuple[int, int] | None = (1280, 720),
        clock=time.monotonic,
        max_failed_reads: int = 30,
    ):
        self.index = index
        self._clock = clock
        self._max_failed_reads = max_failed_reads
        self.disconnected = False
        if not 0 <= index <= MAX_CAMERA_INDEX:
            raise SourceError(f"camera {index}: no such camera index "
                              f"(0 to {MAX_CAMERA_INDEX})")
        with quiet_native_logs():
            capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            raise SourceError(f"camera {index}: not found or busy (try --camera N)")
        if size is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        self._capture = capture
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        self.info = SourceInfo(
            name=f"camera {index}",
            fps=fps if fps > 0 else math.nan,
            frame_count=0,
            size=(
                int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            ),
        )

    def __iter__(self) -> Iterator[Frame]:
        start: float | None = None
        failures = 0
        index = 0
        while self._capture is not None:
            ok, image = self._capture.read()
            if not ok or image is None:
                failures += 1
                if failures >= self._max_failed_reads:
                    self.disconnected = True
                    return
                continue
            failures = 0
            now = self._clock()
            start = now if start is None else start
            yield Frame(index=index, time_s=now - start, image=image)
            index += 1

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def folder_files(folder: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], int]:
    """The files of `folder` ending in one of `suffixes`, in name order, and how many such
    files were skipped as hidden: dot files, and the `._name` resource forks a Mac leaves
    beside every file it copies to a foreign disk (they are not media)."""
    matching = [p for p in folder.iterdir() if p.suffix.lower() in suffixes and p.is_file()]
    visible = sorted(p for p in matching if not p.name.startswith("."))
    return visible, len(matching) - len(visible)


class ImageFolderSource:
    """Images of a folder in name order, as frames `1/fps` seconds apart."""

    def __init__(self, folder: str | Path, fps: float = 30.0):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise SourceError(f"{self.folder}: not a folder")
        self.paths, _ = folder_files(self.folder, IMAGE_SUFFIXES)
        if not self.paths:
            raise SourceError(f"{self.folder}: no images ({', '.join(IMAGE_SUFFIXES)})")
        first = cv2.imread(str(self.paths[0]))
        if first is None:
            raise SourceError(f"{self.paths[0]}: not a readable image")
        self.fps = fps
        self.info = SourceInfo(
            name=self.folder.name,
            fps=fps,
            frame_count=len(self.paths),
            size=(first.shape[1], first.shape[0]),
        )
        self.frames_read = 0

    def __iter__(self) -> Iterator[Frame]:
        return self.sampled(0.0, math.inf)

    def sampled(self, step_s: float, until_s: float) -> Iterator[Frame]:
        """The images `step_s` or more apart (see `Sampling`) up to `until_s`; the ones
        in between are not read."""
        sampling = Sampling(step_s, until_s)
        for index, path in enumerate(self.paths):
            time_s = index / self.fps
            if sampling.past(time_s):
                return
            if not sampling.take(time_s):
                continue
            image = cv2.imread(str(path))
            if image is None:
                raise SourceError(f"{path}: not a readable image")
            self.frames_read += 1
            yield _frame(index, time_s, image, self.info)

    def turn(self, degrees: int) -> None:
        """Turn every image `degrees` (90, 180, 270) clockwise; before iterating."""
        self.info = self.info.turned(degrees)

    def limit(self, max_side: int | None) -> None:
        """Deliver images scaled down to at most `max_side` px on their longest side."""
        self.info = dataclasses.replace(self.info, max_side=max_side)

    @property
    def ended_early(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def __enter__(self) -> ImageFolderSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(spec: str | Path) -> VideoFileSource | ImageFolderSource:
    """A file source for a video path or an image folder."""
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise SourceError(f"{path}: is a still image; give a video or a folder of images")
    return VideoFileSource(path)
