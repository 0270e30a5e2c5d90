"""Speed and landmark agreement of the lite / full / heavy pose bundles in models/.

    nice -n 10 .venv/bin/python tools/model/bench_variants.py \
        [--clip sample_videos/kneeling_good_R.mp4] [--frames 100] [--rounds 2] \
        [--photos ../shared/realmedia] [--without-masks]

Speed: the first --frames frames of the clip are decoded into memory first (decoding is
not timed), then each variant runs them through posecoach's own loader
(`MediaPipePoseEstimator`, VIDEO mode, segmentation masks on, as analyze creates it):
one landmarker at a time, in --rounds rounds (every other round in reverse order, so a
machine that other jobs load slows all variants alike). Timed: `estimate(frame)` on the
whole frame (colour conversion, inference, pose conversion, mask copy). The first frame
of each run (graph warm-up) is left out. Model loading is printed on its own. CPU is the
whole process's (time.process_time: MediaPipe's own threads included) per frame over the
run. --without-masks adds each variant with segmentation masks off, which is what the
mask costs (the pelvis and thigh-outline estimates read it; the plain loop of
tools/bench/bench_perf.py does not ask for it).

Agreement: every variant's 33 landmarks against the full model's on the same frame,
mean pixel distance, both as labelled and with the left/right labels matched (the
smaller of as-labelled and left/right-swapped), since the models sometimes disagree
on which leg is which in a side view. With --photos, the same on every *.jpg there,
each photo with a fresh landmarker (read in place, never copied).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from posecoach.landmarks import Landmark
from posecoach.pose.estimation import MODELS_DIR, MediaPipePoseEstimator
from posecoach.pose.sources import VideoFileSource
from posecoach.types import Frame

REPO = Path(__file__).resolve().parents[2]

VARIANTS = ("lite", "full", "heavy")
# Landmark i of a left/right-mirrored labelling.
SWAP = np.array([
    Landmark[m.name.replace("LEFT", "@").replace("RIGHT", "LEFT").replace("@", "RIGHT")]
    for m in Landmark
])


def model_path(variant: str) -> Path:
    return MODELS_DIR / f"pose_landmarker_{variant}.task"


def distances(xy: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Mean landmark distance (px): as labelled, and with left/right labels matched."""
    straight = float(np.linalg.norm(xy - reference, axis=1).mean())
    swapped = float(np.linalg.norm(xy[SWAP] - reference, axis=1).mean())
    return straight, min(straight, swapped)


def read_frames(clip: Path, count: int) -> list[Frame]:
    frames = []
    with VideoFileSource(clip) as source:
        for frame in source:
            frames.append(frame)
            if len(frames) == count:
                break
    return frames


NO_MASK = " no mask"


def run(variant: str, frames: list[Frame]) -> tuple[float, list[float], float, list]:
    """(load seconds, per-frame wall ms, CPU ms per frame, per-frame landmark arrays or
    None). A variant ending in NO_MASK runs without segmentation masks."""
    model, masks = variant.removesuffix(NO_MASK), not variant.endswith(NO_MASK)
    start = time.perf_counter()
    estimator = MediaPipePoseEstimator(model_path(model), segmentation=masks)
    load_s = time.perf_counter() - start
    times, poses = [], []
    with estimator:
        cpu_start = time.process_time()
        for frame in frames:
            start = time.perf_counter()
            pose = estimator.estimate(frame)
            times.append((time.perf_counter() - start) * 1000.0)
            poses.append(None if pose is None else pose.xy)
        cpu_ms = (time.process_time() - cpu_start) * 1000.0 / len(frames)
    return load_s, times[1:], cpu_ms, poses


def bench_clip(clip: Path, count: int, rounds: int, variants: list[str]) -> None:
    frames = read_frames(clip, count)
    width, height = frames[0].size
    print(f"clip {clip.name}: {len(frames)} frames {width}x{height}, {rounds} round(s)")
    times: dict[str, list[float]] = {v: [] for v in variants}
    loads: dict[str, list[float]] = {v: [] for v in variants}
    cpus: dict[str, list[float]] = {v: [] for v in variants}
    poses: dict[str, list] = {}
    for r in range(rounds):
        for variant in variants if r % 2 == 0 else variants[::-1]:
            load_s, ms, cpu_ms, found = run(variant, frames)
            times[variant] += ms
            cpus[variant].append(cpu_ms)
            loads[variant].append(load_s)
            poses.setdefault(variant, found)
    for variant in variants:
        ms = times[variant]
        detected = sum(p is not None for p in poses[variant])
        line = (
            f"{variant:13s} median {statistics.median(ms):6.1f} ms/frame  "
            f"mean {statistics.fmean(ms):6.1f}  CPU {statistics.median(cpus[variant]):6.1f} "
            f"ms/frame  (load {min(loads[variant]):.2f} s, "
            f"person in {detected}/{len(frames)} frames)"
        )
        if variant != "full" and "full" in poses and not variant.endswith(NO_MASK):
            pairs = [
                distances(p, q) for p, q in zip(poses[variant], poses["full"], strict=True)
                if p is not None and q is not None
            ]
            if pairs:
                raw, matched = np.array(pairs).T
                line += (
                    f"  vs full: mean {raw.mean():.1f} px (max frame {raw.max():.1f}), "
                    f"L/R-matched {matched.mean():.1f} px"
                )
        print(line, flush=True)


def compare_photos(folder: Path, variants: list[str]) -> None:
    import cv2

    others = [v for v in variants if v != "full"]
    print(f"photos in {folder}: mean px distance to the full model, as labelled "
          "(L/R-matched)")
    for path in sorted(folder.glob("*.jpg")):
        image = cv2.imread(str(path))
        found = {}
        for variant in ["full", *others]:
            with MediaPipePoseEstimator(model_path(variant), segmentation=False) as est:
                pose = est.estimate(Frame(index=0, time_s=0.0, image=image))
            found[variant] = None if pose is None else pose.xy
        cells = []
        for variant in others:
            if found["full"] is None or found[variant] is None:
                missed = "full" if found["full"] is None else variant
                cells.append(f"{variant}: no person found by {missed}")
                continue
            raw, matched = distances(found[variant], found["full"])
            cells.append(f"{variant} {raw:6.1f} ({matched:5.1f})")
        print(f"  {path.name:34s} h={image.shape[0]:4d}  " + "  ".join(cells), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=REPO / "sample_videos/kneeling_good_R.mp4")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--photos", type=Path, default=None, help="folder of *.jpg to compare")
    parser.add_argument("--without-masks", action="store_true",
                        help="also time each variant with segmentation masks off")
    args = parser.parse_args(argv)
    variants = [v for v in VARIANTS if model_path(v).is_file()]
    missing = sorted(set(VARIANTS) - set(variants))
    if missing:
        print(f"not in {MODELS_DIR}: {', '.join(missing)} (skipped)")
    timed = variants + [v + NO_MASK for v in variants] if args.without_masks else variants
    bench_clip(args.clip, args.frames, args.rounds, timed)
    if args.photos is not None:
        compare_photos(args.photos, variants)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
