"""`posecoach live --record DIR`: the same files the offline analysis writes, written as
the session runs.

    annotated.mp4   what the window showed (video_writer: H.264, else mp4v with a warning)
    landmarks.csv   raw pose per processed frame (sinks.LandmarksCsvSink, flushed per row)
    frames.csv      metrics and session state per processed frame (sinks.FramesCsvSink)
    summary.json    written at the end, also when the camera is lost (summary.build_summary)

Live mode processes fewer frames than the camera delivers when the model is slower, so
the video is written on a fixed clock at the source's frame rate: each processed image is
repeated until the next one arrives, and the video plays back in real time.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.outputs.sinks import FramesCsvSink, LandmarksCsvSink
from posecoach.outputs.video_writer import VideoInfo, VideoWriter
from posecoach.types import FrameRecord

DEFAULT_FPS = 30.0


class LiveRecorder:
    def __init__(self, out_dir: Path, fps: float, warn=None):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.fps = fps if math.isfinite(fps) and fps > 0 else DEFAULT_FPS
        self._warn = warn
        self.landmarks = LandmarksCsvSink(self.out_dir / "landmarks.csv")
        self.rows = FramesCsvSink(self.out_dir / "frames.csv")
        self.video: VideoWriter | None = None
        self.video_info: VideoInfo | None = None
        self._t0: float | None = None
        self._last: np.ndarray | None = None

    @property
    def video_path(self) -> Path:
        return self.out_dir / "annotated.mp4"

    def write(self, record: FrameRecord, annotated: np.ndarray) -> None:
        self.landmarks.write(record)
        self.rows.write(record)
        if self.video is None:
            h, w = annotated.shape[:2]
            self.video = VideoWriter(self.video_path, self.fps, (w, h), preset="ultrafast",
                                     warn=self._warn)
            self._t0 = record.time_s
        # Frames due by this record's time on the video's clock; fill the gap with the
        # previous image (what the window was showing meanwhile).
        due = math.floor((record.time_s - self._t0) * self.fps + 1e-6) + 1
        while self.video.info.frames < due - 1 and self._last is not None:
            self.video.write(self._last)
        if self.video.info.frames < due:
            self.video.write(annotated)
        self._last = annotated

    def close(self, summary: dict[str, Any] | None) -> list[Path]:
        """Finish every file; returns the paths written."""
        self.landmarks.close()
        self.rows.close()
        files = [self.landmarks.path, self.rows.path]
        if self.video is not None:
            self.video_info = self.video.close()
            files.append(self.video_path)
        if summary is not None:
            path = self.out_dir / "summary.json"
            text = json.dumps(summary, indent=2, allow_nan=False)
            path.write_text(text + "\n", encoding="utf-8")
            files.append(path)
        return files
