"""Ground-truth clips and cached raw poses, shared by calibrate_metrics and bench_accuracy.

A clip is sample_videos/NAME.mp4 with NAME.csv (per-frame ground truth: frame,
time_s, phase, side, every metric name, in_frame, <l|r>_<joint>_x/_y) and
NAME.json (metadata, e.g. the camera yaw). Running BlazePose over a clip takes a
while, so the raw poses (landmarks, world landmarks, and the segmentation mask
thresholded at 0.5 and bit-packed) are cached in out/metrics_cache/NAME.npz,
keyed by the video's size and mtime; delete the folder to recompute.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from posecoach.landmarks import NUM_LANDMARKS  # noqa: E402
from posecoach.types import Pose  # noqa: E402

VIDEOS = ROOT / "sample_videos"
CACHE = ROOT / "out" / "metrics_cache"
JOINTS = ("shoulder", "hip", "knee", "ankle")


@dataclass
class Clip:
    """One ground-truth clip and its cached raw poses."""

    name: str
    meta: dict
    gt: dict[str, np.ndarray]  # column -> per-frame values (strings kept for phase/side)
    raw: dict[str, np.ndarray]  # cached estimator output, see extract_clip

    @property
    def n(self) -> int:
        return len(self.raw["time_s"])

    @property
    def yaw_deg(self) -> float:
        for key in ("camera_yaw_deg", "yaw_deg", "camera_yaw", "yaw"):
            if key in self.meta:
                return float(self.meta[key])
            cam = self.meta.get("camera", {})
            if isinstance(cam, dict) and key in cam:
                return float(cam[key])
        return 0.0

    def pose(self, i: int, with_mask: bool = True) -> Pose | None:
        r = self.raw
        if not r["detected"][i]:
            return None
        mask = None
        if with_mask and r["mask_bits"].size:
            h, w = (int(v) for v in r["mask_shape"])
            mask = np.unpackbits(r["mask_bits"][i])[: h * w].reshape(h, w).astype(np.float32)
        world = r["world"][i] if np.isfinite(r["world"][i]).any() else None
        return Pose(
            xy=r["xy"][i],
            z=r["z"][i],
            visibility=r["visibility"][i],
            presence=r["presence"][i],
            image_size=(int(r["image_size"][0]), int(r["image_size"][1])),
            world=world,
            mask=mask,
        )

    def gt_joint(self, joint: str, side: str) -> np.ndarray:
        """(n, 2) ground-truth pixel positions of e.g. ("hip", "l")."""
        return np.stack([self.gt[f"{side}_{joint}_x"], self.gt[f"{side}_{joint}_y"]], axis=1)

    def gt_rows(self) -> np.ndarray:
        """For each cached frame, its row in the ground truth (by frame index)."""
        frames = self.gt["frame"].astype(int)
        lookup = {f: k for k, f in enumerate(frames)}
        return np.array([lookup.get(int(i), -1) for i in self.raw["index"]])


def read_gt(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, np.ndarray] = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        try:
            out[key] = np.array([float(v) if v != "" else np.nan for v in values])
        except ValueError:
            out[key] = np.array(values)
    return out


def _first(poses: list[Pose], _time_s: float) -> Pose | None:
    """The model's first pose, as one landmarker's `estimate` returns it (no tracker)."""
    return poses[0] if poses else None


def _poses(video: Path, workers: int, model: Path | None = None):
    """(frame, pose) over the clip: one landmarker, or `workers` dealt frames in turn
    exactly as `posecoach analyze` does on a machine with that many cores."""
    from posecoach.pose.estimation import MediaPipePoseEstimator
    from posecoach.pose.parallel import parallel_poses
    from posecoach.pose.sources import open_source

    landmarkers = [MediaPipePoseEstimator(model) for _ in range(workers)]
    try:
        with open_source(video) as source:
            if workers == 1:
                for frame in source:
                    yield frame, landmarkers[0].estimate(frame)
            else:
                yield from parallel_poses(source, landmarkers, _first)
    finally:
        for landmarker in landmarkers:
            landmarker.close()


def extract_clip(video: Path, workers: int = 1, model: Path | None = None) -> dict[str, np.ndarray]:
    """Run the estimator over one video and return the arrays to cache."""
    n = NUM_LANDMARKS
    rec: dict[str, list] = {k: [] for k in ("index", "time_s", "detected", "xy", "z")}
    rec.update({k: [] for k in ("visibility", "presence", "world", "mask_bits")})
    mask_shape = np.zeros(2, int)
    size = np.zeros(2, int)
    for frame, pose in _poses(video, workers, model):
        size = np.array(frame.size)
        rec["index"].append(frame.index)
        rec["time_s"].append(frame.time_s)
        rec["detected"].append(pose is not None)
        if pose is None:
            pose = Pose.from_pixels(np.full((n, 2), np.nan), frame.size)
        rec["xy"].append(pose.xy)
        rec["z"].append(pose.z)
        rec["visibility"].append(pose.visibility)
        rec["presence"].append(pose.presence)
        rec["world"].append(pose.world if pose.world is not None else np.full((n, 3), np.nan))
        if pose.mask is not None:
            mask_shape = np.array(pose.mask.shape)
            rec["mask_bits"].append(np.packbits(pose.mask >= 0.5))
        else:
            rec["mask_bits"].append(None)
    bits_len = int(np.ceil(mask_shape.prod() / 8))
    bits = np.zeros((len(rec["index"]), bits_len), np.uint8)
    for k, b in enumerate(rec["mask_bits"]):
        if b is not None and b.size == bits_len:
            bits[k] = b
    out = {k: np.asarray(v) for k, v in rec.items() if k != "mask_bits"}
    out.update(mask_bits=bits, mask_shape=mask_shape, image_size=size)
    return out


# Bumped when the estimator's output changes for the same frames, so that poses cached
# by an older one are not scored as this one's (u1: the upright guard, pose.upright).
ESTIMATOR_TAG = ".u1"


def _cache_path(video: Path, workers: int = 1, model: Path | None = None) -> Path:
    st = video.stat()
    tag = ESTIMATOR_TAG + ("" if workers == 1 else f".w{workers}")
    from posecoach.pose.estimation import DEFAULT_MODEL

    if model is not None and Path(model).resolve() != DEFAULT_MODEL.resolve():  # full: untagged
        tag += "." + Path(model).stem.removeprefix("pose_landmarker_")
    return CACHE / f"{video.stem}.{st.st_size}.{int(st.st_mtime)}{tag}.npz"


def _extract_to_cache(video: Path, workers: int = 1, model: Path | None = None) -> Path:
    path = _cache_path(video, workers, model)
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **extract_clip(video, workers, model))
        tmp.replace(path)
    return path


def clip_names(videos: Path = VIDEOS) -> list[str]:
    """Complete clips: NAME.mp4 with NAME.csv and NAME.json (the generator writes the json
    last, so a clip still being rendered is left out)."""
    return sorted(
        p.stem
        for p in videos.glob("*.mp4")
        if p.with_suffix(".csv").exists() and p.with_suffix(".json").exists()
    )


def load_clips(
    videos: Path = VIDEOS,
    names: list[str] | None = None,
    jobs: int = 2,
    workers: int = 1,
    model: Path | None = None,
) -> list[Clip]:
    """Every ground-truth clip with its raw poses (extracting missing caches in parallel).

    workers: landmarkers per clip, frames dealt out in turn (posecoach.pose.parallel), as
    `posecoach analyze` runs on a machine with that many cores; cached separately, and so
    is each pose `model` (None: each clip with the model the app runs on it)."""
    names = names or clip_names(videos)
    return _load([videos / f"{n}.mp4" for n in names], jobs, workers, model)


def load_corpus(
    root: Path,
    splits: list[str],
    jobs: int = 2,
    workers: int = 1,
    model: Path | None = None,
) -> list[Clip]:
    """The clips of a rendered corpus (tools/clipgen/corpus.py: ROOT/SPLIT/NAME.mp4 with
    its .csv and .json) in the given splits, complete ones only."""
    paths = []
    for split in splits:
        folder = Path(root) / split
        paths += [folder / f"{n}.mp4" for n in clip_names(folder)] if folder.is_dir() else []
    return _load(paths, jobs, workers, model)


def app_model(video: Path) -> Path | None:
    """The pose model `posecoach analyze` runs on this clip: its exercise's offline_model
    (content/*.toml), None for the bundled full one (the cache's untagged entries)."""
    from posecoach.exercises.spec import SpecError, load_exercise
    from posecoach.pose.estimation import DEFAULT_MODEL, offline_model_path

    meta_path = video.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    try:
        spec = load_exercise(str(meta.get("exercise", "")))
    except SpecError:
        return None
    path = offline_model_path(spec.offline_model)
    return None if path == DEFAULT_MODEL else path


def _load(paths: list[Path], jobs: int, workers: int, model: Path | None) -> list[Clip]:
    """model None: each clip with the model the app runs on it (app_model)."""
    models = [model if model is not None else app_model(p) for p in paths]
    todo = [(p, m) for p, m in zip(paths, models, strict=True)
            if not _cache_path(p, workers, m).exists()]
    if todo:
        print(f"running BlazePose over {len(todo)} clip(s) (cached in {CACHE})", file=sys.stderr)
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(_extract_to_cache, [p for p, _ in todo], [workers] * len(todo),
                          [m for _, m in todo]))
    clips = []
    for video, clip_model in zip(paths, models, strict=True):
        meta_path = video.with_suffix(".json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        with np.load(_cache_path(video, workers, clip_model)) as data:
            raw = {k: data[k] for k in data.files}
        clips.append(Clip(video.stem, meta, read_gt(video.with_suffix(".csv")), raw))
    return clips


def iter_frames(clip: Clip, with_mask: bool = True) -> Iterator[tuple[int, int, Pose | None]]:
    """(cached frame position, ground-truth row or -1, pose) for each frame."""
    rows = clip.gt_rows()
    for i in range(clip.n):
        yield i, int(rows[i]), clip.pose(i, with_mask)
