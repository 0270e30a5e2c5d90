"""The accuracy corpus generator (tools/clipgen/corpus*.py).

The sampling tests are pure Python and run in the default test install. The tests that
pose or render a body need the synth extra (torch, anny, pyrender) and are skipped with a
reason where it is not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tools.clipgen import corpus_spec as cs
from tools.clipgen.scenarios import timeline

# Offscreen GL for the render tests; must be set before anything imports OpenGL.
os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
ROOT = Path(__file__).resolve().parents[1]
PHASES = {"setup", "hold", "fault", "contract", "relax", "rest"}


@pytest.fixture(scope="module")
def clips():
    return cs.corpus(cs.DEFAULT_SEED)


@pytest.fixture(scope="module")
def bodies():
    return cs.sample_bodies(cs.DEFAULT_SEED)


def test_importing_the_generator_needs_no_synth_extra():
    code = (
        "import sys, tools.clipgen.corpus, tools.clipgen.corpus_spec;"
        "bad = [m for m in ('torch', 'anny', 'pyrender', 'OpenGL') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_bodies_cover_the_shape_ranges(bodies):
    assert len(bodies) >= 60
    assert len({b.id for b in bodies}) == len(bodies)
    assert len({b.shape for b in bodies}) == len(bodies)
    for name, (lo, hi) in cs.SHAPE_RANGES.items():
        values = [getattr(b.shape, name) for b in bodies]
        assert all(lo <= v <= hi for v in values), name
        # Latin hypercube: one body per stratum, so both ends are reached.
        span = (hi - lo) / len(bodies)
        assert min(values) < lo + span and max(values) > hi - span, name
        strata = Counter(min(int((v - lo) / span), len(bodies) - 1) for v in values)
        assert max(strata.values()) == 1, name


def test_each_body_is_in_exactly_one_split(bodies, clips):
    counts = Counter(b.split for b in bodies)
    n = len(bodies)
    assert counts["train"] == round(0.6 * n) and counts["val"] == round(0.2 * n)
    assert counts["test"] == n - counts["train"] - counts["val"]
    split_of = {b.id: b.split for b in bodies}
    by_split = {}
    for clip in clips:
        if clip.split in cs.SWEEP_SPLITS:  # the test bodies' sweep and the val bodies'
            assert split_of[clip.body.id] == cs.SWEEP_SPLITS[clip.split][0]
            continue
        assert split_of[clip.body.id] == clip.split
        by_split.setdefault(clip.split, set()).add(clip.body.id)
    assert not by_split["train"] & by_split["val"]
    assert not by_split["train"] & by_split["test"]
    assert not by_split["val"] & by_split["test"]
    # Every body is used.
    assert set().union(*by_split.values()) == set(split_of)


def test_sampling_is_reproducible_and_seeded(clips):
    assert cs.corpus(cs.DEFAULT_SEED) == clips
    other = cs.corpus(cs.DEFAULT_SEED + 1)
    assert [c.camera for c in other] != [c.camera for c in clips]
    assert [b.shape for b in cs.sample_bodies(cs.DEFAULT_SEED + 1)] != [
        b.shape for b in cs.sample_bodies(cs.DEFAULT_SEED)
    ]
    # A split's clips do not depend on which other splits are selected.
    val = cs.corpus(cs.DEFAULT_SEED, ("val",))
    assert val == [c for c in clips if c.split == "val"]
    assert len({c.name for c in clips}) == len(clips)


def test_main_splits_respect_the_camera_and_duration_ranges(clips):
    main = [c for c in clips if c.split not in cs.SWEEP_SPLITS]
    assert 150 <= len(main) <= 260
    for c in main:
        assert abs(c.camera.yaw_deg) <= cs.YAW_MAX
        assert cs.CAMERA_HEIGHT[0] <= c.camera.height_m <= cs.CAMERA_HEIGHT[1]
        assert cs.FOV_RANGE[0] <= c.camera.fov_deg <= cs.FOV_RANGE[1]
        assert cs.DISTANCE_CLAMP[0] <= c.camera.distance_m <= cs.DISTANCE_CLAMP[1]
        assert cs.MIN_DURATION_S - 1e-6 <= c.duration_s <= cs.MAX_DURATION_S + 1e-6
        assert c.camera.side in (1, -1) and c.side in ("L", "R")
    for split in ("train", "val", "test"):
        members = [c for c in main if c.split == split]
        assert {c.klass for c in members} == set(cs.CLASS_WEIGHTS), split
        assert {(c.camera.side, c.near_leg) for c in members} == {
            (1, True),
            (1, False),
            (-1, True),
            (-1, False),
        }, split
    yaws = [c.camera.yaw_deg for c in main]
    assert min(yaws) < -15 and max(yaws) > 15
    assert {c.outfit.top for c in main} == set(cs.clothing.TOPS)
    assert {c.hands for c in main} == {"hips", "low_back", "front_knee", "overhead", "sides"}
    assert any(c.outfit.loose and c.outfit.hem_drop >= 0.1 for c in main)


def test_near_leg_follows_the_camera_side(clips):
    c = clips[0]
    # +x is the person's left, so a camera on +x sees the left leg near.
    assert c.near_leg == ((c.side == "L") == (c.camera.side > 0))


def test_fault_values_are_in_the_specified_ranges(clips):
    main = [c for c in clips if c.split not in cs.SWEEP_SPLITS]
    arches = [c for c in main if c.klass in ("kneel_arch", "kneel_start_arch")]
    assert arches
    for c in arches:
        fault = next(s for s in c.segments if s.phase == "fault")
        values = c.start if c.klass == "kneel_start_arch" else fault.values
        assert 5 <= values["tilt"] <= 20 and 5 <= values["lumbar"] <= 25, c.name
    eases = [next(s for s in c.segments if s.phase == "fault").ease_s for c in arches]
    assert min(eases) < 0.6 and max(eases) > 1.0  # varied speed
    for c in (c for c in main if c.klass == "kneel_tuck"):
        assert c.segments[-1].values["tilt"] <= -10


def test_timelines_use_the_phase_vocabulary(clips):
    for c in clips[::7]:
        frames = timeline(c.scenario(), 30.0)
        assert len(frames) == round(c.duration_s * 30)
        assert {f.phase for f in frames} <= PHASES
    start_arch = next(c for c in clips if c.klass == "kneel_start_arch")
    frames = timeline(start_arch.scenario(), 30.0)
    assert frames[0].phase == "fault" and frames[-1].phase == "hold"
    arch = next(c for c in clips if c.klass == "kneel_arch")
    phases = [f.phase for f in timeline(arch.scenario(), 30.0)]
    assert phases[0] == "hold" and "fault" in phases


@pytest.mark.parametrize("split", sorted(cs.SWEEP_SPLITS))
def test_sweep_covers_every_yaw_both_ways_near_and_far(clips, split):
    sweep = [c for c in clips if c.split == split]
    kneel = [c for c in sweep if c.kind == "kneeling"]
    bench = [c for c in sweep if c.surface == "bench"]
    want = {float(s * y) for y in cs.SWEEP_YAWS for s in (1, -1)}
    assert {c.camera.yaw_deg for c in kneel} == want
    assert {c.camera.yaw_deg for c in bench} == {
        float(s * y) for y in cs.SWEEP_BENCH_YAWS for s in (1, -1)
    }
    for yaw in want:
        legs = {c.near_leg for c in kneel if c.camera.yaw_deg == yaw}
        assert legs == {True, False}, yaw
    assert (
        max(c.camera.yaw_deg for c in kneel) == 60 and min(c.camera.yaw_deg for c in kneel) == -60
    )
    assert all(abs(c.duration_s - cs.SWEEP_DURATION_S) < 1e-6 for c in sweep)
    assert {c.camera.side for c in sweep} == {1, -1}
    assert {c.klass for c in kneel} == {"kneel_good", "kneel_arch"}


def test_the_two_sweeps_share_their_plan_but_no_body():
    val, test = (cs.corpus(cs.DEFAULT_SEED, (split,)) for split in ("valsweep", "sweep"))
    assert [(c.klass, c.camera.yaw_deg, c.near_leg) for c in val] == [
        (c.klass, c.camera.yaw_deg, c.near_leg) for c in test]
    assert not {c.body.id for c in val} & {c.body.id for c in test}


def test_metadata_records_what_the_accuracy_work_needs(clips):
    meta = clips[0].metadata()
    for key in ("split", "body_id", "scenario_class", "working_leg", "hands", "clothing"):
        assert key in meta
    for key in ("yaw_deg", "side", "height_m", "distance_m", "fov_vertical_deg"):
        assert key in meta["camera"]
    json.dumps(meta)  # serialisable
    row = clips[0].index_row()
    assert {"name", "split", "body_id", "class", "exercise", "side", "camera_yaw_deg"} <= set(row)
    assert row["working_leg"] in ("near", "far")


def test_limit_takes_the_first_clips_of_each_split():
    from tools.clipgen.corpus import select

    chosen = select(cs.DEFAULT_SEED, "all", 2)
    assert Counter(c.split for c in chosen) == {s: 2 for s in cs.SPLITS}
    assert [c.name for c in select(cs.DEFAULT_SEED, "val", 3)] == [
        c.name for c in cs.corpus(cs.DEFAULT_SEED, ("val",))[:3]
    ]



def test_worker_tasks_cap_each_workers_clips_and_keep_bodies_whole(clips):
    from tools.clipgen.corpus import worker_tasks

    tasks = worker_tasks(clips, max_clips=10)
    assert sorted(c.name for t in tasks for c in t) == sorted(c.name for c in clips)
    assert max(len(t) for t in tasks) <= 10
    per_body = Counter(c.body.id for c in clips)
    for body, count in per_body.items():
        holding = [t for t in tasks if any(c.body.id == body for c in t)]
        # a body is cut only when it has more clips than one task holds
        assert len(holding) == 1 or count > 10, (body, count, len(holding))


# ------------------------------------------------------------------- with the synth extra


@pytest.fixture(scope="module")
def synth():
    pytest.importorskip("anny", reason="synth extra not installed (pip install -e '.[synth]')")
    pytest.importorskip("pyrender", reason="synth extra not installed (pip install -e '.[synth]')")


def test_yaw_does_not_change_the_ground_truth(synth, clips):
    """The angles are measured on the skeleton in the body's sagittal plane: the same pose
    seen from two yaws has the same angles and different joint pixels."""
    import dataclasses

    from tools.clipgen import corpus
    from tools.clipgen.generate import truth_row
    from tools.clipgen.groundtruth import METRICS

    spec = next(c for c in clips if c.split == "sweep" and c.klass == "kneel_arch")
    cache = corpus.BodyCache()
    body, poser, _ = cache.get(spec)
    frames = timeline(spec.scenario(), 30.0)[::30]
    posed = list(corpus._poses(body, poser, spec, frames))
    rows = {}
    for yaw in (0.0, 40.0, -55.0):
        turned = dataclasses.replace(spec, camera=dataclasses.replace(spec.camera, yaw_deg=yaw))
        camera = corpus._camera(turned)
        rows[yaw] = [
            truth_row(body, turned.scenario(), f, poses, camera, i)
            for i, (f, (_, poses)) in enumerate(zip(frames, posed, strict=True))
        ]
    for yaw in (40.0, -55.0):
        for a, b in zip(rows[0.0], rows[yaw], strict=True):
            assert all(a[m] == b[m] for m in METRICS)
            assert a["l_hip_x"] != b["l_hip_x"]


def test_hands_reach_their_targets(synth, clips):
    from tools.clipgen import corpus
    from tools.clipgen.posing import HAND_PLACEMENTS, Kneeling, Trunk

    spec = next(c for c in clips if c.kind == "kneeling")
    body, poser, _ = corpus.BodyCache().get(spec)
    for placement in HAND_PLACEMENTS:
        rots, trans = poser.kneeling(
            Kneeling(side="R", back_thigh=14.0, trunk=Trunk(-6, -2, 5), hands=placement)
        )
        _, poses = body.pose_batch([rots], [trans])
        targets = poser.hand_targets(rots, placement, "L")
        for side, (target, _) in targets.items():
            wrist = poses[0, body.bone(f"wrist.{side}"), :3, 3] - trans
            assert float(((wrist - target) ** 2).sum() ** 0.5) < 0.01, (placement, side)


@pytest.mark.slow
def test_a_clip_renders_with_truth_and_resumes(synth, clips, tmp_path):
    from tools.clipgen import corpus
    from tools.clipgen.generate import csv_columns

    spec = next(c for c in clips if c.split == "sweep")
    assert corpus.render_group([spec], str(tmp_path))
    folder = tmp_path / "sweep"
    meta = json.loads((folder / f"{spec.name}.json").read_text())
    assert meta["frames"] == round(spec.duration_s * 30)
    assert meta["split"] == "sweep" and meta["body_id"] == spec.body.id
    assert meta["camera"]["yaw_deg"] == spec.camera.yaw_deg
    lines = (folder / f"{spec.name}.csv").read_text().splitlines()
    assert lines[0].split(",") == csv_columns() and len(lines) == meta["frames"] + 1
    assert (folder / f"{spec.name}.mp4").stat().st_size > 10_000
    assert corpus.render_group([spec], str(tmp_path)) == []  # already there: skipped
    assert corpus.write_index(tmp_path, [spec]) == 1


@pytest.mark.parametrize(("installed", "ok"), [("3.1.0", False), ("3.1.7", True), ("3.2.0", True)])
def test_renderer_refuses_an_opengl_binding_without_osmesa(monkeypatch, installed, ok):
    import importlib.metadata

    from tools.clipgen import render

    monkeypatch.setenv("PYOPENGL_PLATFORM", "osmesa")
    monkeypatch.setattr(importlib.metadata, "version", lambda name: installed)
    monkeypatch.setattr("ctypes.util.find_library", lambda name: "libOSMesa.so.8")
    if ok:
        render.require_osmesa_opengl()
    else:
        with pytest.raises(SystemExit, match="pip install 'PyOpenGL==3.1.7'"):
            render.require_osmesa_opengl()


def test_renderer_names_the_missing_osmesa_library(monkeypatch):
    from tools.clipgen import render

    monkeypatch.setenv("PYOPENGL_PLATFORM", "osmesa")
    monkeypatch.setattr("ctypes.util.find_library", lambda name: None)
    with pytest.raises(SystemExit, match="apt-get install libosmesa6"):
        render.require_osmesa_opengl()
