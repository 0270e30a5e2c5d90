"""Annotated video out: H.264 mp4 that browsers play, with a clearly reported fallback.

Frames are converted to yuv420p here (OpenCV, BT.601 limited range: what ffmpeg's own
conversion gives, at a third of its CPU cost) and piped raw to the ffmpeg binary shipped
by imageio-ffmpeg, which encodes them with libx264 (yuv420p is the only pixel format
every browser decodes) with the index at the front (+faststart). The frame rate is kept
exactly, as a fraction (30000/1001, not 30).
When ffmpeg is missing or cannot encode H.264, OpenCV's mp4v writer is used instead:
the file still plays in desktop players but not in most browsers, so a one-line warning
says so and `VideoInfo.codec` / `.warning` record it.

    with VideoWriter(path, fps=29.97, size=(1280, 720)) as video:
        video.write(image)
    print(video.info)

Closing (also on an exception inside the `with`) ends the stream properly, so a run cut
short by an error still leaves a playable file of the frames written so far.
"""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

H264 = "h264"
MP4V = "mp4v"


class VideoWriterError(Exception):
    """No writer could be opened. One line for the user."""


@dataclass
class VideoInfo:
    """What was written: codec "h264" (browser-playable) or "mp4v" (fallback)."""

    path: Path
    codec: str
    fps: float
    size: tuple[int, int]
    frames: int = 0
    warning: str | None = None

    @property
    def browser_playable(self) -> bool:
        return self.codec == H264


def fps_fraction(fps: float) -> Fraction:
    """The rate as a small exact fraction: 29.97... -> 30000/1001, 25.0 -> 25."""
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"frame rate must be a positive number, got {fps}")
    return Fraction(fps).limit_denominator(1001)


def ffmpeg_exe() -> str | None:
    """The bundled ffmpeg binary, or None when imageio-ffmpeg cannot provide one."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError, OSError):
        return None


@lru_cache(maxsize=4)
def h264_works(exe: str) -> bool:
    """Whether this ffmpeg can encode H.264 (a two-frame trial, once per process)."""
    cmd = [exe, "-v", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", "16x16",
           "-r", "1", "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "null", "-"]
    try:
        done = subprocess.run(cmd, input=bytes(16 * 16 * 3 * 2), capture_output=True,
                              timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def even_size(size: tuple[int, int]) -> tuple[int, int]:
    """yuv420p halves both axes for colour: odd sizes are padded by one pixel."""
    return (size[0] + size[0] % 2, size[1] + size[1] % 2)


def to_yuv420p(image: np.ndarray) -> np.ndarray:
    """A BGR frame as planar yuv420p bytes (I420), padded with black to even sizes."""
    height, width = image.shape[:2]
    if width % 2 or height % 2:
        image = cv2.copyMakeBorder(image, 0, height % 2, 0, width % 2, cv2.BORDER_CONSTANT)
    return cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420)


def ffmpeg_command(exe: str, path: Path, fps: Fraction, size: tuple[int, int],
                   preset: str, crf: int) -> list[str]:
    """Encode raw yuv420p frames of `size` (even) from stdin to H.264 in `path`."""
    width, height = size
    return [
        exe, "-y", "-v", "error",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
        "-r", f"{fps.numerator}/{fps.denominator}", "-i", "-",
        # One encoder thread: x264's frame threads cost about a fifth more CPU for the
        # same frames, and the cores are already busy with the pose model.
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-threads", "1",
        "-pix_fmt", "yuv420p",
        "-movflags", "+faststart", "-an", str(path),
    ]


class VideoWriter:
    """Writes BGR frames of one fixed size to an mp4 file (H.264, else mp4v).

    preset: x264 speed/size trade-off ("superfast" offline: 0.7x the CPU of "veryfast"
    for the same quality, at about twice the file size; "ultrafast" live).
    warn: where the one-line fallback warning goes.
    """

    def __init__(
        self,
        path: str | Path,
        fps: float,
        size: tuple[int, int],
        *,
        preset: str = "superfast",
        crf: int = 23,
        prefer_h264: bool = True,
        warn=None,
    ):
        self.path = Path(path)
        self.size = (int(size[0]), int(size[1]))
        self.fraction = fps_fraction(fps)
        self._warn = warn if warn is not None else _stderr_line
        self._process: subprocess.Popen | None = None
        self._cv_writer: cv2.VideoWriter | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        reason = self._open_ffmpeg(preset, crf) if prefer_h264 else "H.264 not requested"
        codec = H264
        if reason is not None:
            codec = MP4V
            self._open_opencv()
            reason = f"{self.path.name}: {reason}; wrote mp4v instead (not playable in browsers)"
            if prefer_h264:
                self._warn(reason)
        # H.264 frames are padded to even sizes (yuv420p); report the size as written.
        written = self.size if codec == MP4V else even_size(self.size)
        self.info = VideoInfo(self.path, codec, float(self.fraction), written, warning=reason)

    def _open_ffmpeg(self, preset: str, crf: int) -> str | None:
        """Start ffmpeg; the reason it cannot be used, or None when it runs."""
        exe = ffmpeg_exe()
        if exe is None:
            return "ffmpeg (imageio-ffmpeg) is not available"
        if not h264_works(exe):
            return "ffmpeg cannot encode H.264 here"
        cmd = ffmpeg_command(exe, self.path, self.fraction, even_size(self.size), preset, crf)
        try:
            self._process = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as error:
            return f"ffmpeg could not start ({error.strerror or error})"
        return None

    def _open_opencv(self) -> None:
        fourcc = cv2.VideoWriter_fourcc(*"mp4v")
        writer = cv2.VideoWriter(str(self.path), fourcc, float(self.fraction), self.size)
        if not writer.isOpened():
            raise VideoWriterError(f"{self.path}: cannot write a video here")
        self._cv_writer = writer

    def write(self, image: np.ndarray) -> None:
        """Append one frame (BGR uint8, exactly `size`)."""
        if image.shape[:2] != (self.size[1], self.size[0]) or image.dtype != np.uint8:
            raise ValueError(
                f"frame must be uint8 {self.size[0]}x{self.size[1]}, got "
                f"{image.dtype} {image.shape[1]}x{image.shape[0]}"
            )
        if self._process is not None:
            try:
                # The array's own buffer: no bytes copy of every frame.
                self._process.stdin.write(memoryview(to_yuv420p(image)).cast("B"))
            except (BrokenPipeError, OSError) as error:
                raise VideoWriterError(f"{self.path}: ffmpeg stopped ({self._stderr()})") from error
        elif self._cv_writer is not None:
            self._cv_writer.write(image)
        else:
            raise VideoWriterError(f"{self.path}: writer is closed")
        self.info.frames += 1

    def _stderr(self) -> str:
        if self._process is None or self._process.stderr is None:
            return ""
        try:
            self._process.wait(timeout=5)
            text = self._process.stderr.read().decode("utf-8", "replace").strip()
        except (subprocess.TimeoutExpired, OSError, ValueError):
            return "no message"
        return text.splitlines()[-1] if text else f"exit code {self._process.returncode}"

    def close(self) -> VideoInfo:
        """Finish the file (safe to call more than once); returns what was written."""
        if self._process is not None:
            process, self._process = self._process, None
            # ffmpeg may already be gone; its exit code tells.
            with contextlib.suppress(OSError):
                process.stdin.close()
            try:
                code = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
            if process.stderr is not None:
                process.stderr.close()
            if code != 0 and self.info.warning is None:
                self.info.warning = f"{self.path.name}: ffmpeg exited with code {code}"
        if self._cv_writer is not None:
            self._cv_writer.release()
            self._cv_writer = None
        return self.info

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stderr_line(message: str) -> None:
    print(f"posecoach: warning: {message}", file=sys.stderr)
