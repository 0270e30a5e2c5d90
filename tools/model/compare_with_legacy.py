"""Check that the rebuilt bundle gives the landmarks of mediapipe's legacy pose pipeline.

Run with a Python that has mediapipe 0.10.21 (legacy `mp.solutions.pose` with the same
BlazePose "full" model) and pass JSON landmarks written by posecoach for the same image:

    python tools/model/compare_with_legacy.py IMAGE TASKS_LANDMARKS.json

Prints the mean and max distance between the two sets of 33 landmarks, in pixels.
"""

from __future__ import annotations

import json
import sys

import cv2
import numpy as np


def legacy_landmarks(image_path: str) -> np.ndarray:
    import mediapipe as mp

    image = cv2.imread(image_path)
    h, w = image.shape[:2]
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        result = pose.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return np.array([[p.x * w, p.y * h] for p in result.pose_landmarks.landmark])


def main() -> int:
    image_path, tasks_json = sys.argv[1], sys.argv[2]
    legacy = legacy_landmarks(image_path)
    with open(tasks_json, encoding="utf-8") as f:
        tasks = np.array(json.load(f))
    dist = np.linalg.norm(legacy - tasks, axis=1)
    print(f"landmarks={len(dist)} mean_px={dist.mean():.2f} max_px={dist.max():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
