"""The angles on real people: posecoach and raw landmarks against hand-marked joints.

    python tools/bench/bench_realmedia.py [--media DIR]

The only real bodies we have are the photos and the video in ../shared/realmedia/, with
joints marked by eye in tests/data/realmedia_points.json (about 15 px uncertain; knees
and ankles as unordered pairs, the working knee and the facing named by eye). For each
marked item it runs the app's measurement (LegIdentity, MetricsTracker) on the picture as
it would on a video: a photo is a still held for one second, a video frame is reached by analysing
the clip from its start. Then it prints, per angle, the value from the marked joints
(plain 2-D geometry: what a single camera can give), posecoach's value, and the same
geometry on BlazePose's raw landmarks:

    knee flexion of the working leg and of the other leg (unsigned, no convention);
    hip extension of the working leg and trunk inclination (upright pictures only: lying,
    the marked mid-hip is too rough for a signed hip angle).

Three items carry no statistics: read them as a check that nothing is grossly wrong on
real bodies, not as an accuracy figure. Nothing here is fitted or tuned on them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from posecoach.landmarks import Side, sided  # noqa: E402
from posecoach.measure import geometry as geo  # noqa: E402
from posecoach.measure.stream import MetricsTracker  # noqa: E402
from posecoach.pose.estimation import MediaPipePoseEstimator  # noqa: E402
from posecoach.pose.legs import LegIdentity  # noqa: E402
from posecoach.pose.sources import open_source  # noqa: E402
from posecoach.types import Frame, FrameMetrics, Pose  # noqa: E402

POINTS = REPO / "tests" / "data" / "realmedia_points.json"
MEDIA = REPO.parent / "shared" / "realmedia"
STILL_FRAMES = 30  # a photo is analysed as a one-second still at 30 fps
ANGLES = ("knee_flexion_deg", "other_knee_flexion_deg", "hip_extension_deg",
          "trunk_inclination_deg")
UPRIGHT_ONLY = ("hip_extension_deg", "trunk_inclination_deg")


def legs_of(marked: dict) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((knee, ankle) of the working leg, (knee, ankle) of the other): each knee takes the
    ankle that makes the shorter pair of shanks."""
    knees = [np.asarray(k, float) for k in marked["knees"]]
    ankles = [np.asarray(a, float) for a in marked["ankles"]]
    straight = geo.norm(knees[0] - ankles[0]) + geo.norm(knees[1] - ankles[1])
    crossed = geo.norm(knees[0] - ankles[1]) + geo.norm(knees[1] - ankles[0])
    if crossed < straight:
        ankles.reverse()
    w = int(marked["working_knee"])
    return (knees[w], ankles[w]), (knees[1 - w], ankles[1 - w])


def angles_from_points(hip: np.ndarray, shoulder: np.ndarray,
                       working: tuple[np.ndarray, np.ndarray],
                       other: tuple[np.ndarray, np.ndarray], facing: int) -> dict[str, float]:
    """The compared angles from one set of joints (plain 2-D geometry)."""
    return {
        "knee_flexion_deg": float(geo.joint_flexion(hip, *working)),
        "other_knee_flexion_deg": float(geo.joint_flexion(hip, *other)),
        "hip_extension_deg": float(geo.extension_from_line(hip - shoulder,
                                                           working[0] - hip, facing)),
        "trunk_inclination_deg": float(geo.inclination_from_up(shoulder - hip, facing)),
    }


def raw_angles(pose: Pose, working_knee: np.ndarray, facing: int) -> dict[str, float]:
    """The same geometry on the raw landmarks; the working leg is the one whose knee
    lies nearer the marked working knee (raw landmarks know no working leg)."""
    xy = pose.xy

    def mid(joint: str) -> np.ndarray:
        return (xy[int(sided(joint, Side.LEFT))] + xy[int(sided(joint, Side.RIGHT))]) / 2

    def leg(side: Side) -> tuple[np.ndarray, np.ndarray]:
        return xy[int(sided("knee", side))], xy[int(sided("ankle", side))]

    left, right = leg(Side.LEFT), leg(Side.RIGHT)
    if geo.norm(right[0] - working_knee) < geo.norm(left[0] - working_knee):
        left, right = right, left
    return angles_from_points(mid("hip"), mid("shoulder"), left, right, facing)


def _still(image: np.ndarray):
    for k in range(STILL_FRAMES):
        yield Frame(index=k, time_s=k / 30.0, image=image)


def measure_item(path: Path, frame_index: int | None) -> tuple[Pose | None, FrameMetrics | None]:
    """The pose and posecoach's metrics at the marked picture."""
    tracker, legs = MetricsTracker(), LegIdentity()  # as analyze runs them
    pose = metrics = None
    with contextlib.ExitStack() as stack:
        estimator = stack.enter_context(MediaPipePoseEstimator())
        if frame_index is None:
            frames = _still(cv2.imread(str(path)))
        else:
            frames = stack.enter_context(open_source(path))
        for frame in frames:
            pose = estimator.estimate(frame)
            metrics = tracker.update(legs.update(pose, frame.time_s), frame.time_s)
            if frame_index is not None and frame.index >= frame_index:
                break
    return pose, metrics


def score(name: str, marked: dict, media: Path) -> list[tuple[str, float, float, float]]:
    """(angle, marked, posecoach, raw landmarks) rows of one item."""
    facing = int(marked["facing"])
    working, other = legs_of(marked)
    hip, shoulder = np.asarray(marked["mid_hip"], float), np.asarray(marked["mid_shoulder"], float)
    truth = angles_from_points(hip, shoulder, working, other, facing)
    pose, metrics = measure_item(media / name, marked.get("frame"))
    raw = raw_angles(pose, working[0], facing) if pose is not None else {}
    rows = []
    for angle in ANGLES:
        if angle in UPRIGHT_ONLY and not marked.get("upright", False):
            continue
        ours = metrics.get(angle) if metrics is not None else float("nan")
        rows.append((angle, truth[angle], ours, raw.get(angle, float("nan"))))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=MEDIA, help="the realmedia folder")
    args = parser.parse_args(argv)
    if not args.media.is_dir():
        print(f"bench_realmedia: {args.media} not found (the real media are not in the "
              "repository; see ../shared/realmedia/README.md)", file=sys.stderr)
        return 1
    points = {k: v for k, v in json.loads(POINTS.read_text()).items() if not k.startswith("_")}
    errors: dict[str, list[tuple[float, float]]] = {}
    print(f"{'item':34s} {'angle':24s} {'marked':>7s} {'posecoach':>9s} {'raw':>7s}")
    for name, marked in points.items():
        for angle, truth, ours, raw in score(name, marked, args.media):
            print(f"{name:34s} {angle:24s} {truth:7.1f} {ours:9.1f} {raw:7.1f}")
            errors.setdefault(angle, []).append((abs(ours - truth), abs(raw - truth)))
    print("mean absolute difference from the marked joints (deg; marks ~15 px uncertain):")
    for angle, pairs in errors.items():
        a = np.array(pairs)
        print(f"  {angle:24s} posecoach {np.nanmean(a[:, 0]):5.1f}  raw landmarks "
              f"{np.nanmean(a[:, 1]):5.1f}  ({len(a)} item(s); NaN: no value)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
