"""Render the seeded accuracy corpus: many short clips with exact ground truth.

    python -m tools.clipgen.corpus --out /work/corpus [--split train|val|test|sweep|valsweep|all]
        [--limit N] [--jobs 1] [--seed S]

What is in it and why: see corpus_spec.py (bodies, splits by body, cameras, clothing,
hands, rooms, scenario classes, the yaw sweep). Each clip OUT/SPLIT/NAME.mp4 (H.264,
960x540, 30 fps) gets NAME.csv with generate.py's per-frame ground truth columns
(truth_row/csv_columns: the same angles, phases and joint pixels) and NAME.json with
generate.py's metadata plus the corpus fields (body id, split, scenario class, camera
yaw/side/height/distance/field of view, clothing, hands, room and lights). OUT/index.json
and OUT/index.csv list every rendered clip; OUT/DONE is written when every selected clip
is there.

How: clips are grouped by body, so each body is built once per worker; each clip draws
the room once and the body per frame (composite.py); the ground truth comes from anny's
posed skeleton exactly as for the sample clips. A clip's files are written under
temporary names and renamed when complete, the JSON last, so an interrupted run resumes
where it stopped: clips whose JSON exists are skipped. Each worker renders on one thread
(torch, llvmpipe, x264), so --jobs N uses N cores; worker processes are replaced every
few bodies because the OSMesa stack does not give all its memory back.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from tools.clipgen import corpus_spec
from tools.clipgen.corpus_spec import SPLITS, ClipSpec

FPS = 30.0
BATCH = 48
# Clips one render worker renders before it is replaced: the OSMesa stack keeps the
# memory of every clip, so a worker's size grows with the clips it has rendered.
CLIPS_PER_WORKER = 10
REF_THIGH_M = 0.44  # thigh length of the sample clips' bodies, for scaling foot placement
INDEX_FIELDS = (
    "name",
    "split",
    "body_id",
    "class",
    "exercise",
    "side",
    "camera_yaw_deg",
    "camera_side",
    "working_leg",
    "duration_s",
    "frames",
    "clothing",
    "hands",
    "in_frame_fraction",
    "path",
)


def clip_dir(out: Path, spec: ClipSpec) -> Path:
    return out / spec.split


def is_done(out: Path, spec: ClipSpec) -> bool:
    return (clip_dir(out, spec) / f"{spec.name}.json").exists()


def select(seed: int, split: str, limit: int | None) -> list[ClipSpec]:
    """The clips of a split (or all), the first `limit` of each split when given."""
    splits = SPLITS if split == "all" else (split,)
    clips = []
    for name in splits:
        chosen = corpus_spec.corpus(seed, (name,))
        clips += chosen[:limit] if limit else chosen
    return clips


# --------------------------------------------------------------------------- rendering


def _camera(spec: ClipSpec):
    from tools.clipgen.render import Camera

    return Camera(
        spec.camera.position(), spec.camera.target, yfov_deg=spec.camera.fov_deg, size=(960, 540)
    )


def _boxes(spec: ClipSpec) -> list:
    from tools.clipgen.render import Box

    room = spec.room
    wall_x = -spec.camera.side * room.wall_distance_m
    boxes = [
        Box((0.0, 0.0, -0.05), (14.0, 14.0, 0.1), room.floor),
        Box((wall_x - spec.camera.side * 0.05, 0.0, 1.5), (0.1, 14.0, 3.2), room.wall),
    ]
    if spec.kind == "kneeling":
        boxes.append(Box((0.0, 0.02, 0.02), (0.34, 0.3, 0.04), room.prop))
    elif spec.surface == "bench":
        boxes.append(Box((0.0, 0.8, 0.3), (0.62, 1.6, 0.6), room.prop))
    elif spec.surface == "bench_long":
        boxes.append(Box((0.0, -0.1, 0.3), (0.62, 2.2, 0.6), room.prop))
    else:  # a mat on the floor
        boxes.append(Box((0.0, 0.25, 0.005), (0.7, 1.9, 0.01), room.prop))
    return boxes


def _lighting(spec: ClipSpec):
    from tools.clipgen.composite import Lighting

    room = spec.room
    return Lighting(
        ambient=room.ambient,
        key_intensity=room.key_intensity,
        key_offset=room.key_offset,
        key_colour=room.key_colour,
        fill_intensity=room.fill_intensity,
    )


class BodyCache:
    """The worker's current body, its poser and rest joints (one body at a time)."""

    def __init__(self):
        self.key = None

    def get(self, spec: ClipSpec):
        from tools.clipgen import clothing
        from tools.clipgen.body import Body
        from tools.clipgen.posing import Poser

        if self.key != spec.body.id:
            self.body = Body(spec.body.shape)
            self.poser = Poser(self.body)
            self.joints = clothing.rest_joints(self.body)
            self.key = spec.body.id
        return self.body, self.poser, self.joints


def _poses(body, poser, spec: ClipSpec, frames):
    """(vertices, placed bone poses) per frame, as generate.pose_frames places them, with
    the clip's hand placement and the front foot scaled to the body's thigh length."""
    from tools.clipgen.generate import surface_height, torso_mask
    from tools.clipgen.posing import Kneeling, Supine, Trunk

    torso = torso_mask(body)
    scale = poser.rest[spec.side]["l1"] / REF_THIGH_M
    other = "L" if spec.side == "R" else "R"
    for start in range(0, len(frames), BATCH):
        chunk = frames[start : start + BATCH]
        rotations, translations = [], []
        for f in chunk:
            v = f.values
            if spec.kind == "kneeling":
                k = Kneeling(
                    side=f.side,
                    back_thigh=v["thigh"] + 0.6 * v["breath"],
                    front_ankle_y=v["ankle"] * scale,
                    trunk=Trunk(pelvis_tilt=v["tilt"], lumbar_ext=v["lumbar"], lean=v["lean"]),
                    hands=spec.hands,
                )
                rots, trans = poser.kneeling(k)
            else:
                s = Supine(
                    hip={f.side: v["hip_w"], other: v["hip_o"]},
                    knee={f.side: v["knee_w"], other: v["knee_o"]},
                    trunk=Trunk(pelvis_tilt=v["tilt"], lumbar_ext=v["lumbar"]),
                    breath=1.0 * v["breath"],
                    hands=spec.hands,
                    held_knee=spec.held_knee,
                )
                rots, trans = poser.supine(s), np.zeros(3)
            rotations.append(rots)
            translations.append(trans)
        vertices, poses = body.pose_batch(rotations, [np.zeros(3)] * len(chunk))
        scn = spec.scenario()
        for i, f in enumerate(chunk):
            shift = translations[i]
            if spec.kind == "supine":
                hip = poses[i, body.joint("hip", f.side), :3, 3]
                edge = 0.04 if spec.surface == "bench" else 0.0
                shift = np.array(
                    [0.0, edge - hip[1], surface_height(scn) - vertices[i][torso, 2].min()]
                )
            placed = poses[i].copy()
            placed[:, :3, 3] += shift
            yield vertices[i] + shift, placed


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def render_clip(spec: ClipSpec, out: Path, cache: BodyCache) -> dict:
    """Render one clip's mp4, csv and json; returns its index row."""
    import imageio_ffmpeg

    from tools.clipgen import clothing
    from tools.clipgen.composite import CompositeRenderer
    from tools.clipgen.generate import GENERATOR_VERSION, csv_columns, truth_row
    from tools.clipgen.render import vertex_normals
    from tools.clipgen.scenarios import timeline

    started, cpu0 = time.monotonic(), _cpu_seconds()
    body, poser, joints = cache.get(spec)
    scn = spec.scenario()
    frames = timeline(scn, FPS)
    camera = _camera(spec)
    regions = clothing.regions(body.rest_vertices, joints, spec.outfit)
    colours = clothing.colours(body.rest_vertices, regions, spec.outfit)
    renderer = CompositeRenderer(camera, body.faces, _boxes(spec), _lighting(spec))
    folder = clip_dir(out, spec)
    folder.mkdir(parents=True, exist_ok=True)
    tmp_mp4, tmp_csv = folder / f".{spec.name}.tmp.mp4", folder / f".{spec.name}.tmp.csv"
    writer = imageio_ffmpeg.write_frames(
        str(tmp_mp4),
        camera.size,
        fps=FPS,
        codec="libx264",
        quality=None,
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        output_params=["-crf", "30", "-preset", "medium", "-threads", "1"]
        + ["-movflags", "+faststart"],
    )
    writer.send(None)
    hip_l, hip_r = body.joint("hip", "L"), body.joint("hip", "R")
    sh_l, sh_r = body.joint("shoulder", "L"), body.joint("shoulder", "R")
    inside = 0
    with tmp_csv.open("w", newline="") as f:
        rows = csv.DictWriter(f, csv_columns())
        rows.writeheader()
        for index, (f_spec, (vertices, poses)) in enumerate(
            zip(frames, _poses(body, poser, spec, frames), strict=True)
        ):
            if spec.outfit.loose:
                joints_at = poses[:, :3, 3]
                vertices = clothing.drape(
                    vertices,
                    vertex_normals(vertices, body.faces),
                    regions,
                    spec.outfit,
                    (joints_at[hip_l] + joints_at[hip_r]) / 2,
                    (joints_at[sh_l] + joints_at[sh_r]) / 2,
                )
            writer.send(renderer.render(vertices, colours, bgr=False))
            row = truth_row(body, scn, f_spec, poses, camera, index)
            inside += row["in_frame"]
            rows.writerow(row)
    writer.close()
    renderer.close()
    tmp_mp4.replace(folder / f"{spec.name}.mp4")
    tmp_csv.replace(folder / f"{spec.name}.csv")
    rest = body.rest_vertices
    meta = {
        "name": spec.name,
        "exercise": spec.exercise,
        "side": spec.side,
        "description": f"corpus clip, class {spec.klass}",
        "fps": FPS,
        "size": list(camera.size),
        "frames": len(frames),
        "duration_s": round(len(frames) / FPS, 3),
        "camera_yaw_deg": spec.camera.yaw_deg,
        "camera_side": "left" if spec.camera.side > 0 else "right",
        "surface": spec.surface,
        "shape": spec.body.shape.kwargs(),
        "stature_m": round(float(rest[:, 2].max() - rest[:, 2].min()), 3),
        "seed": spec.seed,
        "generator_version": GENERATOR_VERSION,
        "in_frame_fraction": round(inside / max(len(frames), 1), 3),
        **spec.metadata(),
        "render_seconds": round(time.monotonic() - started, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu0, 2),
    }
    tmp_json = folder / f".{spec.name}.tmp.json"
    tmp_json.write_text(json.dumps(meta, indent=2) + "\n")
    tmp_json.replace(folder / f"{spec.name}.json")
    return meta


def render_group(specs: list[ClipSpec], out: str) -> list[dict]:
    """Worker task: its clips in order (one body or several); skips finished ones."""
    import torch

    torch.set_num_threads(1)
    cache = BodyCache()
    done = []
    for spec in specs:
        if is_done(Path(out), spec):
            continue
        meta = render_clip(spec, Path(out), cache)
        print(
            f"{spec.name}: {meta['frames']} frames, {meta['render_seconds']} s wall, "
            f"{meta['cpu_seconds']} s cpu, in frame {meta['in_frame_fraction']}",
            flush=True,
        )
        done.append(meta)
    return done


# ------------------------------------------------------------------------------- index


def write_index(out: Path, specs: list[ClipSpec]) -> int:
    """index.json / index.csv of every rendered clip of the whole corpus under `out`."""
    rows = []
    for spec in specs:
        path = clip_dir(out, spec) / f"{spec.name}.json"
        if not path.exists():
            continue
        meta = json.loads(path.read_text())
        row = spec.index_row()
        row["frames"] = meta["frames"]
        row["in_frame_fraction"] = meta.get("in_frame_fraction")
        row["path"] = f"{spec.split}/{spec.name}.mp4"
        rows.append(row)
    (out / "index.json").write_text(json.dumps(rows, indent=1) + "\n")
    with (out / "index.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, INDEX_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def groups_by_body(specs: list[ClipSpec]) -> list[list[ClipSpec]]:
    groups: dict[str, list[ClipSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.body.id, []).append(spec)
    return list(groups.values())


def worker_tasks(specs: list[ClipSpec], max_clips: int = CLIPS_PER_WORKER) -> list[list[ClipSpec]]:
    """The clips cut into tasks of at most `max_clips`, each one worker's whole life.
    A body's clips stay together where they fit (its mesh is built once per task);
    small bodies share a task, a body with more clips than fit is cut in pieces."""
    tasks: list[list[ClipSpec]] = []
    current: list[ClipSpec] = []
    for group in groups_by_body(specs):
        if current and len(current) + len(group) > max_clips:
            tasks.append(current)
            current = []
        for first in range(0, len(group), max_clips):
            piece = group[first:first + max_clips]
            if len(piece) == max_clips:
                tasks.append(piece)
            else:
                current.extend(piece)
    if current:
        tasks.append(current)
    return tasks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the seeded accuracy corpus.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="first N clips of each split")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=corpus_spec.DEFAULT_SEED)
    args = parser.parse_args(argv)
    # One thread per worker everywhere (set before any worker starts its GL or torch).
    for var in ("LP_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    args.out.mkdir(parents=True, exist_ok=True)
    specs = select(args.seed, args.split, args.limit)
    todo = [s for s in specs if not is_done(args.out, s)]
    print(f"{len(specs)} clips selected, {len(specs) - len(todo)} already rendered", flush=True)
    started, cpu0 = time.monotonic(), _cpu_seconds()
    context = multiprocessing.get_context("spawn")
    failures = 0
    tasks = worker_tasks(todo)
    jobs = max(1, args.jobs)
    # Each round is a fresh pool with one task per worker, so no worker outlives its
    # task's clips (max_tasks_per_child would do the same but hangs on Python 3.11).
    for first in range(0, len(tasks), jobs):
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            futures = [pool.submit(render_group, t, str(args.out))
                       for t in tasks[first:first + jobs]]
            for n, future in enumerate(futures, first + 1):
                try:
                    future.result()
                except Exception as exc:  # keep going: the clip stays missing, a rerun retries
                    failures += 1
                    print(f"task {n} failed: {exc!r}", file=sys.stderr, flush=True)
        write_index(args.out, corpus_spec.corpus(args.seed))
    listed = write_index(args.out, corpus_spec.corpus(args.seed))
    missing = [s.name for s in specs if not is_done(args.out, s)]
    elapsed, cpu = time.monotonic() - started, _cpu_seconds() - cpu0
    print(
        f"rendered {len(todo) - len(missing)} clips in {elapsed:.0f} s wall, {cpu:.0f} s cpu; "
        f"index lists {listed}; missing {len(missing)}",
        flush=True,
    )
    if missing:
        return 1
    (args.out / "DONE").write_text(
        json.dumps(
            {
                "split": args.split,
                "limit": args.limit,
                "seed": args.seed,
                "clips": len(specs),
                "indexed": listed,
                "last_run_wall_s": round(elapsed),
                "last_run_cpu_s": round(cpu),
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
