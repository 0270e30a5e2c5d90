"""The Ray executor of a batch: one Ray task per clip, outcomes back as they finish.

`--executor ray` starts a local Ray cluster on this machine (every core, no dashboard,
every Ray server bound to localhost only, usage statistics off); `--executor ray=ADDRESS`
connects to a running cluster (`auto`, `HOST:6379`, or `ray://HOST:10001`). When Ray is
already initialised in this process (a test, a notebook), that cluster is used as it is.

Each task asks for as many CPUs as the analysis runs pose models side by side
(`workers`), so Ray places as many clips on a node as it has cores for. At most as many
tasks as the cluster's nodes have room for are in flight (counted node by node: two
3-CPU nodes hold one 2-CPU task each, not three), so "running" means running; the cluster
is asked again as tasks finish (an autoscaled cluster may grow). Each outcome carries
the Ray node id of the node that ran it besides its host name, since several nodes can
share one host (containers, a test cluster on one machine). A worker process that
dies mid-clip is retried by Ray (MAX_RETRIES); a clip that fails on its own (a broken
file) comes back as a failed outcome and is not retried.

Ray is imported here only, and only when a batch runs (the `cluster` extra).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from posecoach.run.batch_task import TaskOutcome, run_clip
from posecoach.run.offline import AnalysisOptions

MAX_RETRIES = 2  # attempts after a worker process died (not after a clip's own error)
_POLL_S = 0.5
EXTRA_HINT = "pip install 'posecoach[cluster]'"


class ExecutorError(Exception):
    """The executor cannot be used (Ray missing, cluster unreachable). One line."""


@dataclass(frozen=True)
class Executor:
    """`--executor` parsed: kind "in-process" or "ray", and a Ray cluster address or None."""

    kind: str = "in-process"
    address: str | None = None

    @property
    def label(self) -> str:
        return self.kind if self.address is None else f"{self.kind}={self.address}"


def parse_executor(text: str) -> Executor:
    """argparse type for `--executor in-process|ray|ray=ADDRESS`."""
    import argparse

    kind, _, address = text.partition("=")
    if kind == "in-process" and not address:
        return Executor()
    if kind == "ray" and (address or "=" not in text):
        return Executor("ray", address or None)
    raise argparse.ArgumentTypeError(
        f"expected in-process, ray or ray=ADDRESS, got {text!r}"
    )


@dataclass(frozen=True)
class ClipTask:
    """One clip to analyse: the input, the partial folder it is written to, the fault hook."""

    clip: Path
    partial: Path
    kill_once: bool = False


def _import_ray():
    try:
        import ray
    except ImportError as error:
        raise ExecutorError(f"--executor ray needs Ray: {EXTRA_HINT}") from error
    return ray


@contextmanager
def ray_cluster(address: str | None) -> Iterator[object]:
    """Ray, initialised: a new local cluster, a connection to `address`, or the one this
    process already has. Whatever this opened is closed on leaving."""
    if address is None:
        _local_only_environment()  # read when Ray is first imported
    ray = _import_ray()
    if ray.is_initialized():
        yield ray
        return
    common = {"log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if address is None:
            # "local": a new cluster even when RAY_ADDRESS or a `ray start` here names one
            ray.init(address="local", num_cpus=os.cpu_count() or 1, include_dashboard=False,
                     **common)
        else:
            ray.init(address=address, **common)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
        raise ExecutorError(f"cannot start or reach {where}: {_one_line(error)}") from error
    try:
        yield ray
    finally:
        ray.shutdown()


def _local_only_environment() -> None:
    """Before Ray starts a local cluster: no usage statistics sent, and every Ray server
    bound to 127.0.0.1 (Ray's single-machine mode, the default on macOS and Windows)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def run_on_ray(
    ray,
    tasks: Sequence[ClipTask],
    options: AnalysisOptions,
    cpus: int,
    on_start: Callable[[ClipTask], None] = lambda task: None,
) -> Iterator[tuple[ClipTask, TaskOutcome]]:
    """Run every task on the cluster; yield (task, outcome) in the order they finish.

    A task whose worker died more than MAX_RETRIES times comes back as a failed outcome.
    """
    remote = ray.remote(num_cpus=cpus, max_retries=MAX_RETRIES)(run_clip_on_node)
    waiting = list(reversed(tasks))
    running: dict[object, ClipTask] = {}
    started: dict[object, float] = {}
    while waiting or running:
        while waiting and len(running) < _slots(ray, cpus):
            task = waiting.pop()
            ref = remote.remote(task.clip, task.partial, options, task.kill_once)
            running[ref], started[ref] = task, time.monotonic()
            on_start(task)
        ready, _ = ray.wait(list(running), num_returns=1, timeout=_POLL_S)
        for ref in ready:
            task = running.pop(ref)
            yield task, _outcome(ray, ref, task, time.monotonic() - started.pop(ref))


def run_clip_on_node(
    clip: Path, partial: Path, options: AnalysisOptions, kill_once: bool = False
) -> TaskOutcome:
    """The Ray task: `run_clip`, its outcome stamped with the id of the node it ran on."""
    import ray

    outcome = run_clip(clip, partial, options, kill_once)
    return replace(outcome, node_id=ray.get_runtime_context().get_node_id())


def too_small(ray, cpus: int) -> str | None:
    """A warning when no alive node has `cpus` CPUs: Ray keeps such tasks waiting for a
    node that could run them (one an autoscaler adds), which on a fixed cluster is never."""
    largest = max(
        (node.get("Resources", {}).get("CPU", 0.0) for node in ray.nodes() if node.get("Alive")),
        default=0.0,
    )
    if largest >= cpus:
        return None
    return (
        f"posecoach: warning: each task asks for {cpus} CPUs (--workers) but the largest node "
        f"of the cluster has {largest:g}; the tasks wait until a node with {cpus} joins "
        f"(give --workers {max(1, int(largest))} to run them now)"
    )


def _slots(ray, cpus: int) -> int:
    """How many tasks the cluster's alive nodes can run at once now (at least one: a
    task no node has room for yet waits, as on an autoscaled cluster)."""
    room = sum(
        int(node.get("Resources", {}).get("CPU", 0.0) // cpus)
        for node in ray.nodes()
        if node.get("Alive")
    )
    return max(1, room)


def _outcome(ray, ref, task: ClipTask, seconds: float) -> TaskOutcome:
    try:
        return ray.get(ref)
    except Exception as error:  # noqa: BLE001 - worker died past its retries, node lost, ...
        message = f"{task.clip}: the Ray task failed ({_one_line(error).split('.')[0]})"
        return TaskOutcome(str(task.clip), "failed", seconds, "-", message)
