"""Batch throughput: 8 clips with the in-process executor and with Ray on this machine.

    .venv/bin/python tools/bench/bench_batch.py [--seconds 5] [--clips 8] [--rounds 1]
                                          [--address ADDRESS | --nodes N] [--workers N]

The first `--clips` sample clips, cut to `--seconds` each (ffmpeg, into out/bench/batch/),
are analysed by the real command, as a user runs it (full outputs, --no-history), once
per executor and round, the executors alternating:

  in-process  posecoach analyze CLIPS --out DIR
  ray         posecoach analyze CLIPS --out DIR --executor ray[=ADDRESS] --force

Timed: the whole command, Python start-up, model loading and (for ray) starting the
local cluster included. Printed per run: wall time and clips per minute; for ray, each
task's seconds and node from batch.json, the sum of task seconds over the wall time (how
many clips ran at once, on average; the rest is the cluster's start-up and scheduling)
and what one task slot delivers (clips per minute from the mean task time): a cluster
with N slots (CPUs / CPUs per task, over its nodes) delivers about N times that. Then,
per Ray node: tasks run, mean task seconds, the clips per minute that node added to the
batch (its tasks over the wall time; the nodes' figures add up to the batch's) and what
it would deliver kept busy (its slots over the mean task time).

`--nodes N` (default 1: a local cluster started by the command itself, as above) runs the
Ray side on an N-node cluster on this machine instead, started once by this script with
Ray's testing utility (ray.cluster_utils.Cluster): the machine's CPUs split evenly
between the nodes, every node on 127.0.0.1, no dashboard, its own Ray temporary folder.
The command is timed connecting to it (`--executor ray=ADDRESS`), so the cluster's
start-up is not in the wall time. `--workers` defaults to one node's CPUs, for both
executors, so that a task fits on a node. N nodes on one machine share its cores: this
shows the scheduling over nodes and the per-node accounting, not a speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "out" / "bench" / "batch"
POSECOACH = [sys.executable, "-m", "posecoach"]


def cut_clips(count: int, seconds: float) -> list[Path]:
    import imageio_ffmpeg

    sources = sorted((REPO / "sample_videos").glob("*.mp4"))[:count]
    if len(sources) < count:
        raise SystemExit(f"only {len(sources)} sample clips in sample_videos/")
    folder = WORK / f"clips_{seconds:g}s"
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for source in sources:
        clip = folder / source.name
        if not clip.exists():
            subprocess.run(
                [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source),
                 "-t", f"{seconds:g}", "-c:v", "libx264", "-preset", "veryfast", "-an",
                 str(clip)],
                check=True,
            )
        clips.append(clip)
    return clips


@contextmanager
def local_cluster(nodes: int, cpus: int) -> Iterator[object]:
    """A Ray cluster of `nodes` nodes with `cpus` CPUs each on this machine (a head and
    nodes - 1 worker nodes, ray.cluster_utils.Cluster), all on 127.0.0.1, no dashboard,
    no usage statistics. It gets a Ray temporary folder of its own (RAY_TMPDIR, also
    passed to the commands started meanwhile), so the address file Ray writes for
    `ray.init()` and `ray=auto` is not seen by other Ray users of this machine. Yields the
    Cluster (`.address`, `.head_node`, `.list_all_nodes()`); every node is stopped on
    leaving."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # 127.0.0.1 only
    from ray.cluster_utils import Cluster

    before = os.environ.get("RAY_TMPDIR")
    temp = tempfile.mkdtemp(prefix="pcray")  # short: Ray's socket paths live under it
    os.environ["RAY_TMPDIR"] = temp
    node = {"num_cpus": cpus, "node_ip_address": "127.0.0.1"}
    cluster = Cluster()
    try:
        cluster.add_node(**node, include_dashboard=False)
        for _ in range(nodes - 1):
            cluster.add_node(**node)
        cluster.wait_for_nodes()
        yield cluster
    finally:
        cluster.shutdown()
        if before is None:
            os.environ.pop("RAY_TMPDIR", None)
        else:
            os.environ["RAY_TMPDIR"] = before
        shutil.rmtree(temp, ignore_errors=True)


def node_names(cluster) -> dict[str, str]:
    """Ray node id -> "head", "node 2", ... in the order the nodes were added."""
    return {
        node.node_id: "head" if node is cluster.head_node else f"node {i + 1}"
        for i, node in enumerate(cluster.list_all_nodes())
    }


def run(name: str, clips: list[Path], args: argparse.Namespace) -> dict:
    out = WORK / f"out_{name}"
    command = [*POSECOACH, "analyze", *map(str, clips), "--out", str(out), "--no-history",
               "--quiet"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if name == "ray":
        command += ["--executor", f"ray={args.address}" if args.address else "ray", "--force"]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    result = {"executor": name, "wall_s": wall, "clips_per_min": 60 * len(clips) / wall}
    if name == "ray":
        tasks = json.loads((out / "batch.json").read_text())["clips"]
        result["tasks"] = [
            (Path(t["clip"]).name, t["seconds"], t["node"], t.get("node_id")) for t in tasks
        ]
    return result


def show(result: dict, count: int, names: dict[str, str], slots: int | None) -> None:
    print(f"{result['executor']:>10}: {result['wall_s']:6.1f} s wall, "
          f"{result['clips_per_min']:5.2f} clips/min")
    tasks = result.get("tasks")
    if not tasks:
        return
    seconds = [task[1] for task in tasks]
    busy = sum(seconds) / result["wall_s"]
    print(f"{'':>12}tasks: mean {statistics.mean(seconds):.1f} s, min {min(seconds):.1f}, "
          f"max {max(seconds):.1f}; {busy:.2f} tasks at once on average; one task slot "
          f"gives {60 / statistics.mean(seconds):.2f} clips/min, N slots about N times that")
    for clip, secs, node, node_id in tasks:
        where = f"{node} {names.get(node_id, '')} {(node_id or '')[:8]}".rstrip()
        print(f"{'':>14}{clip:<28} {secs:6.1f} s  {where}")
    show_nodes(tasks, result["wall_s"], names, slots)


def show_nodes(tasks: list, wall: float, names: dict[str, str], slots: int | None) -> None:
    """Per Ray node: tasks, mean task seconds, clips/min added to the batch (tasks over the
    wall time, adding up over the nodes to the batch's) and, with `slots` task slots per
    node, what the node gives kept busy."""
    by_node: dict[str, list[float]] = {}
    for _, secs, _, node_id in tasks:
        by_node.setdefault(node_id or "?", []).append(secs)
    order = [n for n in names if n in by_node] + sorted(set(by_node) - set(names))
    print(f"{'':>12}per node ({len(by_node)} of {max(len(names), len(by_node))} ran tasks):")
    for node_id in order:
        times = by_node[node_id]
        mean = statistics.mean(times)
        full = f"; kept busy {slots * 60 / mean:5.2f}" if slots else ""
        label = f"{names.get(node_id, 'node')} {node_id[:8]}"
        print(f"{'':>14}{label:<16} {len(times):2d} tasks, mean {mean:5.1f} s, "
              f"{60 * len(times) / wall:5.2f} clips/min of the batch{full}")
    idle = [n for n in names if n not in by_node]
    for node_id in idle:
        print(f"{'':>14}{names[node_id] + ' ' + node_id[:8]:<16}  0 tasks")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each clip")
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--address", help="a running Ray cluster (default: a local one)")
    parser.add_argument("--workers", type=int,
                        help="pose models per clip (default: analyze's; with --nodes > 1, "
                        "one node's CPUs)")
    parser.add_argument("--nodes", type=int, default=1,
                        help="Ray nodes of a cluster started here (default 1: the command's "
                        "own local cluster)")
    args = parser.parse_args()
    if args.nodes < 1:
        parser.error("--nodes must be at least 1")
    if args.nodes > 1 and args.address:
        parser.error("--nodes starts a cluster here; it cannot go with --address")
    clips = cut_clips(args.clips, args.seconds)
    print(f"{len(clips)} clips of {args.seconds:g} s, full outputs, --no-history")
    if args.nodes == 1:
        return compare(clips, args, {}, None)
    cpus = max(1, (os.cpu_count() or 1) // args.nodes)
    args.workers = args.workers or cpus
    if args.workers > cpus:
        parser.error(f"--workers {args.workers}: a node has {cpus} CPUs, no task would fit")
    with local_cluster(args.nodes, cpus) as cluster:
        args.address = cluster.address
        print(f"ray: {args.nodes} nodes of {cpus} CPU(s) on this machine's "
              f"{os.cpu_count()} cores, --workers {args.workers} for both executors "
              f"({cpus // args.workers} task slot(s) per node); the cluster started before "
              "the timed commands")
        return compare(clips, args, node_names(cluster), cpus // args.workers)


def compare(clips: list[Path], args: argparse.Namespace, names: dict[str, str],
            slots: int | None) -> int:
    results: dict[str, list[dict]] = {"in-process": [], "ray": []}
    for round_no in range(args.rounds):
        order = ["in-process", "ray"] if round_no % 2 == 0 else ["ray", "in-process"]
        for name in order:
            results[name].append(run(name, clips, args))
            show(results[name][-1], len(clips), names, slots)
    best = {name: min(r["wall_s"] for r in runs) for name, runs in results.items()}
    ratio = best["in-process"] / best["ray"]
    print(f"ray throughput / in-process throughput (best of {args.rounds}): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
