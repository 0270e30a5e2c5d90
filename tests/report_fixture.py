"""An analysed-clip output folder in the real formats, for report and history tests.

The per-frame metrics are scripted (known faults at known times), then go through the real
session engine (`posecoach.exercises.Session`) and the real frames.csv sink, so summary.json
and frames.csv have exactly the shapes the pipeline writes. annotated.mp4 is a small H.264
clip (what browsers play) of a stick figure, written with imageio-ffmpeg.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from posecoach.exercises import Session, load_exercise
from posecoach.landmarks import Side
from posecoach.outputs.sinks import FramesCsvSink
from posecoach.results.summary import ClipStats, build_summary
from posecoach.types import FrameMetrics, FrameRecord, Pose

FPS = 10.0
DURATION_S = 24.0
SIZE = (320, 240)
EXERCISE = "kneeling_hip_flexor"


@dataclass(frozen=True)
class Script:
    """What happens when (seconds)."""

    left: tuple[float, float] = (1.0, 10.0)
    arching: tuple[float, float] = (4.0, 6.5)  # left side, lumbar extension 12 deg
    right: tuple[float, float] = (14.0, 24.0)
    leaning: tuple[float, float] = (17.0, 19.5)  # right side, trunk -22 deg
    peak_left: float = 8.0  # hip extension bump on the left


def _within(t: float, span: tuple[float, float]) -> bool:
    return span[0] <= t < span[1]


def metrics_at(t: float, s: Script = Script()) -> FrameMetrics:
    side = Side.LEFT if t < 12.0 else Side.RIGHT
    in_pos = _within(t, s.left) or _within(t, s.right)
    hip = 16.0 + 2.0 * math.sin(t) if in_pos else -5.0  # knee forward: out of position
    if in_pos and abs(t - s.peak_left) < 0.5:
        hip += 6.0
    values = {
        "hip_extension_deg": hip,
        "thigh_to_vertical_deg": hip - 2.0,
        "thigh_to_horizontal_deg": -80.0,
        "knee_flexion_deg": 92.0,
        "other_knee_flexion_deg": 95.0,
        "trunk_inclination_deg": -22.0 if _within(t, s.leaning) else 2.0,
        "pelvic_tilt_deg": -3.0,
        "lumbar_extension_deg": 12.0 if _within(t, s.arching) else 2.0,
        "hip_extension_pelvis_deg": hip + 3.0,
    }
    return FrameMetrics(
        time_s=t, pose_detected=True, side=side, facing=1, view_ok=True, view_angle_deg=8.0,
        posture="kneeling", motion=0.01, values=values,
        confidence=dict.fromkeys(values, 0.9),
    )


def _draw(t: float, m: FrameMetrics) -> np.ndarray:
    w, h = SIZE
    img = np.full((h, w, 3), 235, np.uint8)
    hip = np.array([160.0, 150.0])
    trunk = math.radians(m.get("trunk_inclination_deg"))
    shoulder = hip + 70 * np.array([-math.sin(trunk), -math.cos(trunk)])
    thigh = math.radians(m.get("hip_extension_deg"))
    knee = hip + 55 * np.array([-math.sin(thigh), math.cos(thigh)])
    head = shoulder + np.array([0.0, -22.0])
    for a, b in ((hip, shoulder), (hip, knee), (knee, knee + [-50, 0])):
        cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), (60, 60, 60), 4)
    cv2.circle(img, tuple(int(v) for v in head), 14, (120, 150, 200), -1)
    cv2.putText(img, f"{t:5.1f}s", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
    return img


def _write_video(path: Path, images: list[np.ndarray]) -> None:
    writer = imageio_ffmpeg.write_frames(
        str(path), SIZE, fps=FPS, codec="libx264", pix_fmt_out="yuv420p", quality=6,
        macro_block_size=16, ffmpeg_log_level="error",
    )
    writer.send(None)
    for img in images:
        writer.send(np.ascontiguousarray(img[:, :, ::-1]))  # BGR -> RGB
    writer.close()


def make_output(out_dir: Path, client: str | None = "Test Client", video: bool = True) -> Path:
    """Write frames.csv, summary.json (and annotated.mp4) into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = load_exercise(EXERCISE)
    session = Session(spec)
    stats = ClipStats()
    images = []
    # frames.csv only records that a pose was there; its landmarks go to landmarks.csv.
    pose = Pose.from_pixels(np.full((33, 2), np.nan), SIZE)
    n = int(DURATION_S * FPS)
    with FramesCsvSink(out_dir / "frames.csv") as sink:
        for i in range(n):
            t = i / FPS
            m = metrics_at(t)
            state = session.update(m)
            record = FrameRecord(i, t, pose, m, state)
            sink.write(record)
            stats.add(record)
            if video:
                images.append(_draw(t, m))
    if video:
        _write_video(out_dir / "annotated.mp4", images)
    clip = {"source": str(out_dir / "clip.mp4"), "frames": n, "fps": FPS, "size": list(SIZE),
            "rotation_deg": 0, "frames_announced": n, "ended_early": False}
    model = {"name": "pose_landmarker_full", "sha256": "ab" * 32,
             "mediapipe_version": "0.10.21", "posecoach_version": "0.1.0"}
    safety = {"stop_when": list(spec.stop_when), "camera_note": spec.camera_note}
    # The same document the pipeline writes (posecoach.results.summary), plus the client's name.
    summary = build_summary(clip, model, stats, session.finish(), None, safety)
    summary["client"] = client
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return out_dir
