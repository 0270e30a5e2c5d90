"""Review rendered ground-truth clips against their CSV contract (sample_videos/README.md).

    python -m tools.synth.check_clips sample_videos [--mediapipe MODEL.task]

Per clip: CSV columns exactly as specified, duration, size, per-phase medians [min, max] of
the key angles (to see that faults and episodes have the intended size), frames out of view,
the largest frame-to-frame jump; with --mediapipe, pose detection on 8 frames and the median
pixel distance between MediaPipe's landmarks and the GT joint pixels (catches projection or
left/right mistakes in the CSV). Prints; exit 1 when a clip breaks the CSV contract.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from posecoach.registry import METRIC_NAMES

JOINTS = ("l_shoulder", "r_shoulder", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle")
ANGLES = METRIC_NAMES  # the names and order every output uses
COLUMNS = ["frame", "time_s", "phase", "side", *ANGLES, "in_frame"]
COLUMNS += [f"{j}_{a}" for j in JOINTS for a in ("x", "y")]
SHOWN = ANGLES[:1] + ANGLES[2:4] + ANGLES[5:]
BLAZEPOSE = dict(zip(JOINTS, (11, 12, 23, 24, 25, 26, 27, 28), strict=True))


def summarise(csv_path: Path) -> tuple[bool, list[dict[str, str]]]:
    with csv_path.open(newline="") as f:
        reader = csv.DictReader(f)
        columns_ok = reader.fieldnames == COLUMNS
        rows = list(reader)
    values = {k: np.array([float(r[k]) for r in rows]) for k in (*ANGLES, "in_frame")}
    phases = [r["phase"] for r in rows]
    for phase in dict.fromkeys(phases):
        m = np.array([p == phase for p in phases])
        cells = " ".join(
            f"{k[:-4]}={np.median(values[k][m]):.0f}[{values[k][m].min():.0f},"
            f"{values[k][m].max():.0f}]"
            for k in SHOWN
        )
        print(f"  {phase:8s} n={int(m.sum()):4d} {cells}")
    jump = np.abs(np.diff(values["hip_extension_deg"])).max() if len(rows) > 1 else 0.0
    print(
        f"  out of view: {int((values['in_frame'] == 0).sum())} frames; max hip_ext jump {jump:.2f}"
    )
    return columns_ok, rows


def read_frames(mp4: Path) -> list[np.ndarray]:
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(mp4))
    width, height = next(reader)["size"]
    return [np.frombuffer(b, np.uint8).reshape(height, width, 3) for b in reader]


def mediapipe_check(mp4: Path, rows: list[dict[str, str]], model: Path) -> None:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model)))
    frames = read_frames(mp4)
    height, width = frames[0].shape[:2]
    picks = np.linspace(0, len(frames) - 1, 8).astype(int)
    found, errors = 0, {j: [] for j in JOINTS}
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        for i in picks:
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frames[i]))
            result = landmarker.detect(image)
            if not result.pose_landmarks:
                continue
            found += 1
            if rows[i]["in_frame"] != "1":
                continue
            marks = result.pose_landmarks[0]
            for joint, idx in BLAZEPOSE.items():
                gt = np.array([float(rows[i][f"{joint}_x"]), float(rows[i][f"{joint}_y"])])
                det = np.array([marks[idx].x * width, marks[idx].y * height])
                errors[joint].append(float(np.linalg.norm(det - gt)))
    medians = " ".join(f"{j}:{np.median(e):.0f}px" for j, e in errors.items() if e)
    print(f"  mediapipe: detected {found}/{len(picks)}; |landmark - GT| median {medians}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Review rendered ground-truth clips.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--mediapipe", type=Path, default=None, metavar="MODEL.task")
    args = parser.parse_args(argv)
    broken, total = [], 0
    for meta_path in sorted(args.folder.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        mp4 = meta_path.with_suffix(".mp4")
        size = mp4.stat().st_size if mp4.exists() else 0
        total += size
        print(
            f"== {meta_path.stem} ({meta.get('exercise')}, yaw {meta.get('camera_yaw_deg')}, "
            f"{size / 1e6:.2f} MB)"
        )
        columns_ok, rows = summarise(meta_path.with_suffix(".csv"))
        print(
            f"  {len(rows)} frames = {len(rows) / float(meta.get('fps', 30)):.1f} s; "
            f"columns {'ok' if columns_ok else 'WRONG'}"
        )
        if not columns_ok or not size:
            broken.append(meta_path.stem)
        if args.mediapipe and size:
            mediapipe_check(mp4, rows, args.mediapipe)
    print(f"total mp4 size {total / 1e6:.2f} MB; broken: {', '.join(broken) or 'none'}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
