"""`posecoach analyze --executor ray` on a local Ray cluster started here (2 CPUs).

Four short clips, one of them broken (a text file named .mp4): the statuses in batch.json,
outputs identical to the in-process executor's (frames.csv bytes, summary.json), the
index page, the history written once per clip by the driver; the resume (a rerun skips,
a deleted summary is redone, --force redoes all, nothing counted twice); a worker killed
mid-clip (the test-only fault hook POSECOACH_TEST_KILL_ONCE, posecoach.run.batch_task)
retried by Ray with nothing partial left behind. And a real two-node cluster (Ray's own
ray.cluster_utils.Cluster, two 1-CPU nodes on this machine) driven by the command as a
user runs it, `--executor ray=ADDRESS`: every clip done, on one of the two nodes, the
node (host name and Ray node id) in batch.json, complete.json and the history.

Clips are cut to 2 s and analysed without annotated.mp4 to keep the wall time short.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# Before Ray is first imported: a cluster bound to localhost, no usage statistics (what
# posecoach.run.batch_ray sets for the local clusters it starts itself).
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray", reason="cluster extra not installed (pip install -e '.[cluster]')")

from fixtures.clips import ffmpeg  # noqa: E402
from fixtures.paths import SAMPLE_VIDEOS  # noqa: E402

from posecoach.cli.app import main  # noqa: E402
from posecoach.run.batch_task import KILL_ONCE_ENV  # noqa: E402
from tools.bench.bench_batch import local_cluster  # noqa: E402

pytestmark = [pytest.mark.model, pytest.mark.slow]

GOOD = ("kneeling_good_L", "kneeling_arch", "bench_good_R")
FAST = ["--no-video", "--quiet"]
POSECOACH = [sys.executable, "-m", "posecoach"]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    import logging

    # "local": this test's own cluster, whatever RAY_ADDRESS or a `ray start` here says
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level=logging.ERROR)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    for name in GOOD:
        ffmpeg("-i", str(SAMPLE_VIDEOS / f"{name}.mp4"), "-t", "2", "-c:v", "libx264",
               "-preset", "ultrafast", "-an", str(folder / f"{name}.mp4"))
    (folder / "broken.mp4").write_text("this is not a video\n")
    return folder


@pytest.fixture(scope="module")
def reference(clips, tmp_path_factory) -> Path:
    """The in-process executor's outputs of the good clips."""
    out = tmp_path_factory.mktemp("inprocess")
    good = [str(clips / f"{name}.mp4") for name in GOOD]
    assert main(["analyze", *good, "--out", str(out), "--no-history", *FAST]) == 0
    return out


@pytest.fixture(scope="module")
def reference_one_worker(clips, tmp_path_factory) -> Path:
    """The in-process executor's outputs of the good clips with one pose model (--workers 1:
    frames.csv depends on how many models share a clip)."""
    out = tmp_path_factory.mktemp("inprocess_w1")
    good = [str(clips / f"{name}.mp4") for name in GOOD]
    assert main(["analyze", *good, "--out", str(out), "--no-history", "--workers", "1",
                 *FAST]) == 0
    return out


@pytest.fixture
def two_nodes():
    """A head and one worker node, 1 CPU each, on 127.0.0.1, no dashboard, in a Ray temporary
    folder of their own (tools/bench/bench_batch.py's local_cluster, Ray's Cluster)."""
    with local_cluster(nodes=2, cpus=1) as two:
        yield two


@pytest.fixture(scope="module")
def first_run(cluster, clips, tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("ray") / "batch"
    db = out.parent / "history.sqlite"
    code = _ray_batch(clips, out, db)
    assert code == 1  # the broken clip
    return out, db


def _ray_batch(clips: Path, out: Path, db: Path, *extra: str) -> int:
    return main(["analyze", str(clips), "--out", str(out), "--db", str(db),
                 "--executor", "ray", *FAST, *extra])


def _statuses(out: Path) -> dict[str, str]:
    batch = json.loads((out / "batch.json").read_text())
    return {Path(c["clip"]).stem: c["status"] for c in batch["clips"]}


def _sessions(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT out_dir, executor, node FROM sessions").fetchall()


def _same_outputs(a: Path, b: Path) -> None:
    assert (a / "frames.csv").read_bytes() == (b / "frames.csv").read_bytes()
    assert json.loads((a / "summary.json").read_text()) == json.loads(
        (b / "summary.json").read_text()
    )


# First in the module, before `cluster` initialises Ray in this process (Cluster.shutdown
# resets Ray's process-wide state); the batch's driver is a process of its own anyway.
def test_two_node_cluster(clips, reference_one_worker, two_nodes, tmp_path):
    """Three clips, one CPU each (--workers 1), on a cluster of two 1-CPU nodes: two are in
    flight at once, which only fit on two nodes, but where each clip went is Ray's choice, so
    it is asserted to be one of the two nodes (never flaky) and recorded alike everywhere."""
    out, db = tmp_path / "batch", tmp_path / "history.sqlite"
    address = two_nodes.address
    command = [*POSECOACH, "analyze", *(str(clips / f"{n}.mp4") for n in GOOD),
               "--out", str(out), "--db", str(db), "--workers", "1",
               "--executor", f"ray={address}", *FAST]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    nodes = {node.node_id for node in two_nodes.list_all_nodes()}
    assert len(nodes) == 2
    two_nodes.wait_for_nodes(timeout=10)  # both still alive (raises otherwise)
    batch = json.loads((out / "batch.json").read_text())
    assert batch["executor"] == f"ray={address}"
    assert _statuses(out) == dict.fromkeys(GOOD, "done")
    ran_on = {Path(c["clip"]).stem: c["node_id"] for c in batch["clips"]}
    assert set(ran_on.values()) <= nodes
    assert {c["node"] for c in batch["clips"]} == {socket.gethostname()}
    for name in GOOD:
        _same_outputs(out / name, reference_one_worker / name)
        marker = json.loads((out / name / "complete.json").read_text())
        assert (marker["node"], marker["node_id"]) == (socket.gethostname(), ran_on[name])
    index = (out / "index.html").read_text()
    assert all(f"(node {node_id[:8]})" in index for node_id in ran_on.values())
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT out_dir, executor, node, node_id FROM sessions").fetchall()
    assert sorted((Path(r[0]).name, r[1], r[2], r[3]) for r in rows) == sorted(
        (name, "ray", socket.gethostname(), ran_on[name]) for name in GOOD
    )
    per_node = {node_id[:8]: list(ran_on.values()).count(node_id) for node_id in nodes}
    print(f"clips per node: {per_node}")  # seen with -s


def test_batch_statuses_outputs_index_and_history(first_run, reference):
    out, db = first_run
    assert _statuses(out) == {**dict.fromkeys(GOOD, "done"), "broken": "failed"}
    batch = json.loads((out / "batch.json").read_text())
    broken = next(c for c in batch["clips"] if c["status"] == "failed")
    assert "broken.mp4" in broken["error"] and "\n" not in broken["error"]
    assert all(c["node"] and c["seconds"] is not None for c in batch["clips"])
    for name in GOOD:
        _same_outputs(out / name, reference / name)
        assert (out / name / "complete.json").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no partial folder
    index = (out / "index.html").read_text()
    assert 'href="batch.json"' in index
    assert all(f'href="{name}/report.html"' in index for name in GOOD)
    sessions = _sessions(db)
    assert sorted(Path(s[0]).name for s in sessions) == sorted(GOOD)
    assert {s[1] for s in sessions} == {"ray"}


def test_resume_skips_redoes_and_counts_once(first_run, clips, reference):
    out, db = first_run
    assert _ray_batch(clips, out, db) == 1
    assert _statuses(out) == {**dict.fromkeys(GOOD, "skipped"), "broken": "failed"}

    (out / GOOD[0] / "summary.json").unlink()
    assert _ray_batch(clips, out, db) == 1
    assert _statuses(out)[GOOD[0]] == "done"
    assert _statuses(out)[GOOD[1]] == "skipped"
    _same_outputs(out / GOOD[0], reference / GOOD[0])

    assert _ray_batch(clips, out, db, "--force") == 1
    assert _statuses(out) == {**dict.fromkeys(GOOD, "done"), "broken": "failed"}
    assert len(_sessions(db)) == len(GOOD)  # redone clips replace their rows


def test_killed_worker_is_retried(cluster, clips, reference, tmp_path, monkeypatch):
    name = GOOD[1]
    monkeypatch.setenv(KILL_ONCE_ENV, f"{name}.mp4")
    out = tmp_path / "batch"
    clip = str(clips / f"{name}.mp4")
    assert main(["analyze", clip, "--out", str(out), "--no-history", "--executor", "ray",
                 *FAST]) == 0
    killed = out / f".{name}.partial.killed"  # the first attempt died with frames written
    assert int(killed.read_text()) >= 10
    assert _statuses(out) == {name: "done"}
    _same_outputs(out / name, reference / name)
    assert not (out / f".{name}.partial").exists()
