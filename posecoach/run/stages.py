"""The per-frame stages after the pose model, one code path for offline analysis and live
coaching:

    pose -> leg labels kept (pose.legs) -> metrics (measure.stream) -> session state
         (exercises) -> FrameRecord
         -> sinks: landmarks.csv, frames.csv, annotated.mp4            (RecordSinks)

The two modes differ only in their clocks, which are passed in:
- the session clock: offline it is the frame's own time; live it is the frame's time with
  paused spans taken out (`measure(..., session_time=...)`), and a paused session is not
  stepped at all (`step_session=False`);
- the video clock: offline every record is one video frame (`VideoClock.FRAMES`); live the
  model skips camera frames, so the video is written on a fixed clock at the source's rate,
  each image repeated until the next arrives (`VideoClock.FIXED`), and plays in real time.
"""

from __future__ import annotations

import dataclasses
import json
import math
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from posecoach import __version__
from posecoach.exercises import ExerciseSpec, Session
from posecoach.exercises.guidance import setup_message
from posecoach.measure.stream import MetricsTracker
from posecoach.outputs.sinks import FramesCsvSink, LandmarksCsvSink
from posecoach.outputs.video_writer import VideoInfo, VideoWriter
from posecoach.pose.legs import LegIdentity
from posecoach.results.summary import ClipStats, build_summary
from posecoach.schema import SessionResult
from posecoach.types import Frame, FrameMetrics, FrameRecord, Pose, SessionState

DEFAULT_FPS = 30.0


class FrameStages:
    """Metrics, session and statistics for one stream, one frame at a time (in order)."""

    def __init__(self, spec: ExerciseSpec | None):
        self.legs = LegIdentity()
        self.tracker = MetricsTracker()
        self.stats = ClipStats()
        self.spec: ExerciseSpec | None = None
        self.session: Session | None = None
        self.state: SessionState | None = None
        if spec is not None:
            self.start(spec)

    def start(self, spec: ExerciseSpec) -> None:
        """Coach `spec` from the next frame on (a new session; the metrics carry on)."""
        self.spec = spec
        self.session = Session(spec)
        self.state = None

    def forget_session(self) -> None:
        """No session and fresh statistics, the metrics' state kept: for a caller that
        coaches the frames measured so far again (offline, a guess the decision replaced)."""
        self.spec = self.session = self.state = None
        self.stats = ClipStats()

    def measure(
        self,
        frame: Frame,
        pose: Pose | None,
        session_time: float | None = None,
        step_session: bool = True,
    ) -> FrameRecord:
        """The frame's record. `session_time` replaces the frame's time for the session
        (live pauses); with `step_session` False the session keeps its last state. The
        record carries the pose with its legs' labels kept (what the metrics saw)."""
        pose, metrics = self.metrics_of(frame, pose)
        return self.record(frame, pose, metrics, session_time, step_session)

    def metrics_of(self, frame: Frame, pose: Pose | None) -> tuple[Pose | None, FrameMetrics]:
        """The frame's pose with its legs' labels kept, and its metrics: the first half
        of `measure`, for a caller that holds the record back (offline `--exercise auto`
        before the exercise is known)."""
        pose = self.legs.update(pose, frame.time_s)
        return pose, self.tracker.update(pose, frame.time_s)

    def record(
        self,
        frame: Frame,
        pose: Pose | None,
        metrics: FrameMetrics,
        session_time: float | None = None,
        step_session: bool = True,
    ) -> FrameRecord:
        """`measure` after the metrics: for a caller that looks at them first (live
        recognition starts a session on the frame that decided it)."""
        if step_session and self.session is not None:
            seen = metrics
            if session_time is not None:
                seen = dataclasses.replace(metrics, time_s=session_time)
            self.state = self.session.update(seen)
        record = FrameRecord(
            frame.index, frame.time_s, pose, metrics, self.state, setup_message(pose, metrics)
        )
        self.stats.add(record)
        return record

    def finish(self) -> SessionResult | None:
        """The current session's results (None when no session ran); safe to call twice."""
        if self.session is None or self.session.t_first is None:
            return None
        return self.session.finish()


class VideoClock(Enum):
    FRAMES = "frames"  # one video frame per record, at the source's rate
    FIXED = "fixed"  # frames due on a fixed clock from the records' times


class RecordSinks:
    """The files a stream of records goes to in `out_dir`: landmarks.csv and frames.csv
    (flushed per row) and, when `fps` is given, annotated.mp4 of the images passed in."""

    def __init__(
        self,
        out_dir: Path,
        fps: float | None = None,
        clock: VideoClock = VideoClock.FRAMES,
        preset: str | None = None,
        warn=None,
    ):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.landmarks = LandmarksCsvSink(self.out_dir / "landmarks.csv")
        self.rows = FramesCsvSink(self.out_dir / "frames.csv")
        self.video_enabled = fps is not None
        self.fps = fps if fps is not None and math.isfinite(fps) and fps > 0 else DEFAULT_FPS
        self.clock = clock
        self._preset, self._warn = preset, warn
        self.video: VideoWriter | None = None
        self.video_info: VideoInfo | None = None
        self._t0: float | None = None
        self._last: np.ndarray | None = None

    @property
    def video_path(self) -> Path:
        return self.out_dir / "annotated.mp4"

    def write(self, record: FrameRecord, image: np.ndarray | None = None,
              landmarks: bool = True) -> None:
        """The record's rows and its image; `landmarks` False: its landmarks.csv row was
        written already (`write_landmarks`, as soon as the pose was known)."""
        if landmarks:
            self.landmarks.write(record)
        self.rows.write(record)
        if image is None or not self.video_enabled:
            return
        if self.video is None:
            h, w = image.shape[:2]
            kwargs = {"preset": self._preset} if self._preset else {}
            self.video = VideoWriter(self.video_path, self.fps, (w, h), warn=self._warn,
                                     **kwargs)
            self._t0 = record.time_s
        if self.clock is VideoClock.FRAMES:
            self.video.write(image)
        else:
            self._write_on_clock(record.time_s, image)
        self._last = image

    def start_over(self) -> None:
        """frames.csv and the video begin again, empty (landmarks.csv carries on): the
        records so far are about to be written again, coached otherwise."""
        self.rows.close()
        self.rows = FramesCsvSink(self.out_dir / "frames.csv")
        if self.video is not None:
            self.video.close()
            self.video = None
            self.video_path.unlink(missing_ok=True)
        self._t0 = self._last = None

    def write_landmarks(self, record: FrameRecord) -> None:
        self.landmarks.write(record)

    def _write_on_clock(self, time_s: float, image: np.ndarray) -> None:
        # Frames due by this record's time; the gap is filled with the previous image
        # (what the window was showing meanwhile).
        due = math.floor((time_s - self._t0) * self.fps + 1e-6) + 1
        while self.video.info.frames < due - 1 and self._last is not None:
            self.video.write(self._last)
        if self.video.info.frames < due:
            self.video.write(image)

    @property
    def files(self) -> list[Path]:
        paths = [self.landmarks.path, self.rows.path]
        return paths + ([self.video_path] if self.video is not None else [])

    def close(self) -> list[Path]:
        """Finish every file; returns the paths written."""
        self.landmarks.close()
        self.rows.close()
        if self.video is not None:
            self.video_info = self.video.close()
        return self.files


def model_info(estimator: Any) -> dict[str, Any]:
    """What produced the numbers: the pose model's name and checksum, the versions."""
    return {
        "name": getattr(estimator, "model_name", None),
        "sha256": getattr(estimator, "model_sha256", None),
        "mediapipe_version": getattr(estimator, "mediapipe_version", None),
        "posecoach_version": __version__,
    }


def safety_info(spec: ExerciseSpec | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    return {"stop_when": list(spec.stop_when), "camera_note": spec.camera_note}


def clip_summary(
    stages: FrameStages,
    clip: dict[str, Any],
    estimator: Any,
    recognition: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The summary.json document of a stream, offline or live."""
    summary = build_summary(
        clip, model_info(estimator), stages.stats, stages.finish(), recognition,
        safety_info(stages.spec),
    )
    # How often the model's leg labels were corrected (posecoach.pose.legs).
    summary["leg_labels"] = {"swapped_frames": stages.legs.swapped_frames,
                             "hidden_leg_frames": stages.legs.hidden_frames}
    return summary


def write_json(path: Path, document: dict[str, Any]) -> Path:
    """A JSON document as UTF-8 text (NaN is refused: summaries hold None instead)."""
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path
