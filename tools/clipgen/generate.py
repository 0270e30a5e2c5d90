"""Render the synthetic ground-truth clips into sample_videos/.

    python -m tools.clipgen.generate --out sample_videos [--only NAME ...] [--fast]

Each clip NAME.mp4 (H.264, 960x540, 30 fps) gets NAME.csv (per-frame ground truth: phase,
working side, every angle of DOMAIN.md measured on the posed skeleton, and the joints'
pixel positions) and NAME.json (scenario, camera, body shape, versions).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from tools.clipgen import groundtruth
from tools.clipgen.appearance import vertex_colours
from tools.clipgen.body import PELVIS, UPPER_LUMBAR, Body
from tools.clipgen.posing import Poser
from tools.clipgen.render import Box, Camera, Renderer
from tools.clipgen.scenarios import (
    FrameSpec,
    Scenario,
    by_name,
    kneeling_pose,
    supine_pose,
    timeline,
)

GENERATOR_VERSION = "1"
FPS = 30.0
SIZE = (960, 540)
JOINTS = ("shoulder", "hip", "knee", "ankle")
BATCH = 48


def camera_for(scn: Scenario, pan_y: float) -> Camera:
    if scn.kind == "kneeling":
        target, distance, height = np.array([0.0, -0.15, 0.55]), 2.7, 0.75
    elif scn.surface == "bench":
        target, distance, height = np.array([0.0, 0.35, 0.62]), 3.0, 0.95
    else:
        target, distance, height = np.array([0.0, -0.1, 0.45]), 2.9, 1.0
    yaw = math.radians(scn.camera_yaw_deg)
    target = target + [0.0, pan_y, 0.0]
    position = target + [scn.camera_side * distance * math.cos(yaw), -distance * math.sin(yaw), 0.0]
    position[2] = height
    return Camera(tuple(position), tuple(target), size=SIZE)


def scene_boxes(scn: Scenario, rng: np.random.Generator) -> list[Box]:
    floor = tuple(int(c) for c in rng.integers(90, 200, 3))
    wall = tuple(int(c) for c in rng.integers(170, 235, 3))
    boxes = [
        Box((0.0, 0.0, -0.05), (10.0, 12.0, 0.1), floor),
        Box((-scn.camera_side * 2.2, 0.0, 1.5), (0.1, 12.0, 3.2), wall),
    ]
    if scn.kind == "kneeling":
        boxes.append(Box((0.0, 0.02, 0.02), (0.34, 0.3, 0.04), (70, 70, 150)))
    elif scn.surface == "bench":
        boxes.append(Box((0.0, 0.8, 0.3), (0.62, 1.6, 0.6), (112, 72, 52)))
    elif scn.surface == "bench_long":
        boxes.append(Box((0.0, -0.1, 0.3), (0.62, 2.2, 0.6), (112, 72, 52)))
    return boxes


def surface_height(scn: Scenario) -> float:
    return 0.6 if scn.surface.startswith("bench") else 0.0


def pan_offset(scn: Scenario, t: float) -> float:
    if not scn.pan:
        return 0.0
    times, values = zip(*scn.pan, strict=True)
    return float(np.interp(t, times, values))


def torso_mask(body: Body) -> np.ndarray:
    v = body.rest_vertices
    return (np.abs(v[:, 0]) < 0.18) & (v[:, 2] > -0.05) & (v[:, 2] < 0.45)


def pose_frames(body: Body, scn: Scenario, frames: list[FrameSpec]):
    """Yield (vertices, bone poses) per frame, placed in the scene."""
    poser = Poser(body)
    torso = torso_mask(body)
    for start in range(0, len(frames), BATCH):
        chunk = frames[start : start + BATCH]
        rotations, translations = [], []
        for f in chunk:
            if scn.kind == "kneeling":
                rots, trans = poser.kneeling(kneeling_pose(f.side, f.values))
            else:
                rots, trans = poser.supine(supine_pose(f.side, f.values)), np.zeros(3)
            rotations.append(rots)
            translations.append(trans)
        vertices, poses = body.pose_batch(rotations, [np.zeros(3)] * len(chunk))
        for i, f in enumerate(chunk):
            shift = translations[i]
            if scn.kind == "supine":
                hip = poses[i, body.joint("hip", f.side), :3, 3]
                edge = 0.04 if scn.surface == "bench" else 0.0
                shift = np.array(
                    [0.0, edge - hip[1], surface_height(scn) - vertices[i][torso, 2].min()]
                )
            placed = poses[i].copy()
            placed[:, :3, 3] += shift
            yield vertices[i] + shift, placed


def truth_row(
    body: Body, scn: Scenario, f: FrameSpec, poses: np.ndarray, camera: Camera, index: int
):
    joints = {}
    for joint in JOINTS:
        for side in ("L", "R"):
            joints[f"{joint}_{side}"] = poses[body.joint(joint, side), :3, 3]
    rot = poses[:, :3, :3]
    thigh = body.joint("hip", f.side)
    bones = groundtruth.Bones(
        pelvis=rot[body.bone(PELVIS)],
        pelvis_rest=body.rest_rotations[body.bone(PELVIS)],
        upper_lumbar=rot[body.bone(UPPER_LUMBAR)],
        upper_lumbar_rest=body.rest_rotations[body.bone(UPPER_LUMBAR)],
        thigh=rot[thigh],
        thigh_rest=body.rest_rotations[thigh],
    )
    pitch = 0.0 if scn.kind == "kneeling" else -90.0
    values = groundtruth.angles(joints, f.side, bones, pitch)
    names = [f"{j}_{s}" for j in JOINTS for s in ("L", "R")]
    pixels = camera.project(np.array([joints[n] for n in names]))
    width, height = camera.size
    inside = bool(np.all((pixels >= 0) & (pixels < [width, height])))
    row = {"frame": index, "time_s": f"{f.time_s:.4f}", "phase": f.phase, "side": f.side}
    row.update({k: f"{v:.3f}" for k, v in values.items()})
    row["in_frame"] = int(inside)
    for name, (x, y) in zip(names, pixels, strict=True):
        short = f"{name[-1].lower()}_{name[:-2]}"
        row[f"{short}_x"], row[f"{short}_y"] = f"{x:.2f}", f"{y:.2f}"
    return row


def csv_columns() -> list[str]:
    cols = ["frame", "time_s", "phase", "side", *groundtruth.METRICS, "in_frame"]
    for joint in JOINTS:
        for s in ("l", "r"):
            cols += [f"{s}_{joint}_x", f"{s}_{joint}_y"]
    return cols


# Frames per worker process. pyrender's OSMesa renderer leaks a few MB natively on every
# frame; a fresh process per chunk keeps memory bounded.
CHUNK = 150


def clip_frames(scn: Scenario, fast: bool) -> list[FrameSpec]:
    frames = timeline(scn, FPS)
    return frames[::10] if fast else frames


def render_chunk(name: str, start: int, end: int, fast: bool) -> tuple[np.ndarray, list[dict]]:
    """Images (N, H, W, 3) and ground-truth rows of frames [start, end) of one clip.

    Runs in a worker process; everything random is re-seeded from the scenario, so
    every chunk sees the same body, outfit and room.
    """
    scn = by_name()[name]
    frames = clip_frames(scn, fast)[start:end]
    body = Body(scn.shape)
    rng = np.random.default_rng(scn.seed)
    colours = vertex_colours(body.rest_vertices, rng)
    renderer = Renderer(camera_for(scn, 0.0), body.faces, scene_boxes(scn, rng), scn.seed)
    images, rows = [], []
    for offset, (f_spec, (vertices, poses)) in enumerate(
        zip(frames, pose_frames(body, scn, frames), strict=True)
    ):
        camera = camera_for(scn, pan_offset(scn, f_spec.time_s))
        renderer.move_camera(camera)
        images.append(renderer.render(vertices, colours))
        rows.append(truth_row(body, scn, f_spec, poses, camera, start + offset))
    renderer.close()
    return np.stack(images), rows


def render_clip(scn: Scenario, out: Path, fast: bool = False) -> dict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import imageio_ffmpeg

    frames = clip_frames(scn, fast)
    writer = imageio_ffmpeg.write_frames(
        str(out / f"{scn.name}.mp4"),
        SIZE,
        fps=FPS,
        codec="libx264",
        quality=None,
        pix_fmt_in="bgr24",
        pix_fmt_out="yuv420p",
        # Never let the writer resize: the ground-truth pixels refer to this exact size.
        macro_block_size=1,
        output_params=["-crf", "30", "-preset", "slow", "-movflags", "+faststart"],
    )
    writer.send(None)
    started = time.monotonic()
    context = multiprocessing.get_context("spawn")
    with (
        (out / f"{scn.name}.csv").open("w", newline="") as f,
        ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=1) as pool,
    ):
        rows = csv.DictWriter(f, csv_columns())
        rows.writeheader()
        for start in range(0, len(frames), CHUNK):
            images, truth = pool.submit(render_chunk, scn.name, start, start + CHUNK, fast).result()
            for image in images:
                writer.send(image)
            rows.writerows(truth)
    writer.close()
    meta = {
        "name": scn.name,
        "exercise": scn.exercise,
        "side": scn.side,
        "description": scn.description,
        "fps": FPS,
        "size": list(SIZE),
        "frames": len(frames),
        "duration_s": round(len(frames) / FPS, 3),
        "camera_yaw_deg": scn.camera_yaw_deg,
        "camera_side": "left" if scn.camera_side > 0 else "right",
        "surface": scn.surface,
        "shape": scn.shape.kwargs(),
        "seed": scn.seed,
        "generator_version": GENERATOR_VERSION,
        "render_seconds": round(time.monotonic() - started, 1),
    }
    (out / f"{scn.name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the synthetic ground-truth clips.")
    parser.add_argument("--out", type=Path, default=Path("sample_videos"))
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME")
    parser.add_argument("--fast", action="store_true", help="every 10th frame (for checks)")
    args = parser.parse_args(argv)
    scenarios = by_name()
    names = args.only or list(scenarios)
    unknown = [n for n in names if n not in scenarios]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for name in names:
        meta = render_clip(scenarios[name], args.out, fast=args.fast)
        print(f"{name}: {meta['frames']} frames in {meta['render_seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
