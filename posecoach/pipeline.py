"""The short loop that wires the stages for one recorded clip.

frames (sources) -> pose (estimation) -> records -> sinks in DIR.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from posecoach import __version__
from posecoach.estimation import MediaPipePoseEstimator, PoseEstimator
from posecoach.measure import MetricsTracker
from posecoach.progress import Progress
from posecoach.sinks import FramesCsvSink, LandmarksCsvSink
from posecoach.sources import SourceInfo, open_source
from posecoach.types import FrameRecord


class AnalysisError(Exception):
    """A clip that could not be analysed meaningfully. One line for the user."""


@dataclass(frozen=True)
class AnalysisOptions:
    model_path: Path | None = None
    progress: bool = True


@dataclass
class ClipResult:
    """What one analysed clip produced."""

    source: Path
    out_dir: Path
    info: SourceInfo
    frames: int = 0
    detected: int = 0
    ended_early: bool = False
    files: list[Path] = field(default_factory=list)

    @property
    def detection_rate(self) -> float:
        return self.detected / self.frames if self.frames else 0.0


def analyze_clip(
    source_path: Path,
    out_dir: Path,
    options: AnalysisOptions = AnalysisOptions(),
    estimator: PoseEstimator | None = None,
) -> ClipResult:
    """Run every frame of a clip through the pose stage and write the records to out_dir.

    Rows are flushed as they are written, so a truncated clip keeps every frame before
    the cut. Raises SourceError / ModelError / AnalysisError with one-line messages.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    own_estimator = estimator is None
    with open_source(source_path) as source:
        result = ClipResult(source=source_path, out_dir=out_dir, info=source.info)
        if own_estimator:
            estimator = MediaPipePoseEstimator(options.model_path)
        progress = Progress(source.info.name, source.info.frame_count, enabled=options.progress)
        landmarks_path = out_dir / "landmarks.csv"
        frames_path = out_dir / "frames.csv"
        tracker = MetricsTracker()
        try:
            with LandmarksCsvSink(landmarks_path) as landmarks, FramesCsvSink(frames_path) as rows:
                for frame in source:
                    pose = estimator.estimate(frame)
                    metrics = tracker.update(pose, frame.time_s)
                    record = FrameRecord(frame.index, frame.time_s, pose, metrics)
                    landmarks.write(record)
                    rows.write(record)
                    result.frames += 1
                    result.detected += pose is not None
                    progress.update()
        finally:
            progress.close()
            if own_estimator:
                estimator.close()
        result.ended_early = source.ended_early
        result.files += [landmarks_path, frames_path]
    _write_run_info(result, estimator)
    if result.frames == 0:
        raise AnalysisError(f"{source_path}: no frames could be decoded")
    if result.detected == 0:
        raise AnalysisError(f"{source_path}: no person detected in {result.frames} frames")
    return result


def _write_run_info(result: ClipResult, estimator: PoseEstimator | None) -> None:
    info = {
        "source": str(result.source),
        "frames": result.frames,
        "pose_detected_frames": result.detected,
        "fps": result.info.fps,
        "size": list(result.info.size),
        "rotation_deg": result.info.rotation_deg,
        "ended_early": result.ended_early,
        "posecoach_version": __version__,
        "model": getattr(estimator, "model_name", None),
        "model_sha256": getattr(estimator, "model_sha256", None),
    }
    path = result.out_dir / "run.json"
    path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    result.files.append(path)
