"""The loop a user would write: landmarks drawn on every frame of a clip, saved as mp4.

    .venv/bin/python tools/bench/plain_loop.py CLIP OUT.mp4 [--model PATH]

OpenCV reads the clip, MediaPipe's PoseLandmarker runs in VIDEO mode (one pose, no
segmentation masks, no tracker of its own), cv2.line and cv2.circle draw the landmarks
and cv2.VideoWriter writes mp4v. Nothing from posecoach is imported: this is the
baseline tools/bench/bench_perf.py times posecoach against, as a whole process.
"""

import argparse
import sys
from pathlib import Path

import cv2
import mediapipe as mp
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

MODEL = Path(__file__).resolve().parents[2] / "models" / "pose_landmarker_full.task"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("out")
    parser.add_argument("--model", default=str(MODEL))
    args = parser.parse_args(argv)

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=args.model),
        running_mode=vision.RunningMode.VIDEO,
    )
    edges = [(c.start, c.end) for c in vision.PoseLandmarksConnections.POSE_LANDMARKS]
    capture = cv2.VideoCapture(args.clip)
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    frames = 0
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            stamp_ms = int(frames * 1000 / fps)
            result = landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), stamp_ms
            )
            for landmarks in result.pose_landmarks:
                points = [(int(p.x * size[0]), int(p.y * size[1])) for p in landmarks]
                for a, b in edges:
                    cv2.line(image, points[a], points[b], (0, 255, 0), 2)
                for point in points:
                    cv2.circle(image, point, 4, (0, 0, 255), -1)
            writer.write(image)
            frames += 1
    writer.release()
    capture.release()
    print(f"{frames} frames -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
