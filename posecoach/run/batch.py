"""A batch of clips on an executor (Ray): plan, run, finish each clip, keep the record.

The driver (this process) decides which clips still need work (posecoach.run.batch_state:
complete ones are skipped unless `force`), hands the others to the executor
(posecoach.run.batch_ray) and, as each comes back, finishes it here: the partial folder is
renamed to its final name, the session is recorded in the history (one transaction; the
driver is the only writer, and a clip redone replaces its earlier row instead of adding
one), then the completion marker is written. batch.json and index.html are rewritten
after every clip. A crash at any point leaves a clip either complete or analysed again
by the next run; never half-counted.

Every clip goes to `DIR/<clip name>` (with one clip too: batch.json and index.html sit
in DIR). Paths are made absolute, since workers may run in another folder or on another
machine (where DIR and the clips must be on shared storage, at the same path).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from posecoach.pose.parallel import default_workers
from posecoach.results.history import record_session
from posecoach.run.batch_index import write_index
from posecoach.run.batch_progress import BatchProgress
from posecoach.run.batch_ray import ClipTask, Executor, ray_cluster, run_on_ray, too_small
from posecoach.run.batch_state import (
    SUMMARY_NAME,
    clear_partial,
    completed,
    input_sha256,
    partial_dir,
    promote,
    write_marker,
)
from posecoach.run.batch_summary import BatchEntry, write_batch_json
from posecoach.run.batch_task import KILL_ONCE_ENV, TaskOutcome
from posecoach.run.offline import AnalysisOptions


class BatchError(Exception):
    """The batch as a whole cannot run (its clips are fine or not on their own). One line."""


@dataclasses.dataclass
class Batch:
    """The driver's view of one batch run."""

    out: Path
    options: AnalysisOptions
    executor: Executor
    entries: dict[Path, BatchEntry]
    hashes: dict[Path, str]
    progress: BatchProgress
    started: str

    def save(self) -> None:
        meta = {
            "executor": self.executor.label,
            "started": self.started,
            "updated": _now(),
            "settings": settings_of(self.options),
        }
        entries = list(self.entries.values())
        write_batch_json(self.out, meta, entries)
        write_index(self.out, entries)


def run_batch(
    clips: list[Path],
    out: Path,
    options: AnalysisOptions,
    executor: Executor,
    force: bool = False,
) -> int:
    """Analyse `clips` under `out` on `executor`; returns how many clips failed."""
    out = out.resolve()
    clips = [clip.resolve() for clip in clips]
    finals = _final_dirs(clips, out)
    options = _absolute(options)
    out.mkdir(parents=True, exist_ok=True)
    entries = {clip: BatchEntry(str(clip), finals[clip].name) for clip in clips}
    progress = BatchProgress(len(clips), enabled=options.progress)
    batch = Batch(out, options, executor, entries, {}, progress, _now())
    tasks = _plan(batch, finals, force)
    batch.save()
    if tasks:
        _run(batch, tasks, finals)
    progress.close()
    return _report_end(batch)


def settings_of(options: AnalysisOptions) -> dict[str, Any]:
    """The analysis settings a finished clip was made with (a change means: redo it)."""
    keep = ("model_path", "exercise", "video", "report", "mot", "blur_faces", "adaptive",
            "workers")
    values = {name: getattr(options, name) for name in keep}
    values["model_path"] = str(values["model_path"]) if values["model_path"] else None
    if values["adaptive"] is not None:
        values["adaptive"] = dataclasses.asdict(values["adaptive"])
    return json.loads(json.dumps(values))


def _final_dirs(clips: list[Path], out: Path) -> dict[Path, Path]:
    finals: dict[Path, Path] = {}
    by_name: dict[str, Path] = {}
    for clip in clips:
        other = by_name.setdefault(clip.stem, clip)
        if other != clip:
            raise BatchError(f"{other} and {clip} would both write to {out / clip.stem}")
        finals[clip] = out / clip.stem
    return finals


def _absolute(options: AnalysisOptions) -> AnalysisOptions:
    """Options a worker elsewhere can use: absolute paths, the pose model count fixed."""
    exercise = options.exercise
    if exercise.endswith(".toml") and Path(exercise).exists():
        exercise = str(Path(exercise).resolve())
    return dataclasses.replace(
        options,
        model_path=options.model_path.resolve() if options.model_path else None,
        db_path=options.db_path.resolve() if options.db_path else None,
        exercise=exercise,
        workers=options.workers or default_workers(),
    )


def _plan(batch: Batch, finals: dict[Path, Path], force: bool) -> list[ClipTask]:
    """The clips that need work; complete ones are entered as skipped."""
    kill_once = os.environ.get(KILL_ONCE_ENV)  # test-only fault hook
    settings = settings_of(batch.options)
    tasks = []
    for clip, final in finals.items():
        entry = batch.entries[clip]
        try:
            batch.hashes[clip] = input_sha256(clip)
        except OSError as error:
            _fail(batch, entry, f"{clip}: {error.strerror or error}")
            continue
        marker = None if force else completed(final, batch.hashes[clip], settings)
        if marker is not None:
            entry.status, entry.seconds = "skipped", marker.get("seconds")
            entry.node, entry.exercise = marker.get("node"), marker.get("exercise")
            entry.node_id = marker.get("node_id")
            batch.progress.skip()
            continue
        tasks.append(ClipTask(clip, partial_dir(final), kill_once == clip.name))
    return tasks


def _run(batch: Batch, tasks: list[ClipTask], finals: dict[Path, Path]) -> None:
    def started(task: ClipTask) -> None:
        batch.entries[task.clip].status = "running"
        batch.progress.started()

    cpus = batch.options.workers or 1
    with ray_cluster(batch.executor.address) as ray:
        warning = too_small(ray, cpus)
        if warning:
            batch.progress.write(warning)
        for task, outcome in run_on_ray(ray, tasks, batch.options, cpus, started):
            _finish(batch, task, outcome, finals[task.clip])
            batch.save()


def _finish(batch: Batch, task: ClipTask, outcome: TaskOutcome, final: Path) -> None:
    entry = batch.entries[task.clip]
    entry.seconds, entry.node, entry.exercise = outcome.seconds, outcome.node, outcome.exercise
    entry.node_id = outcome.node_id
    if outcome.status != "done":
        clear_partial(task.partial)
        _fail(batch, entry, outcome.error or f"{task.clip}: failed")
        return
    try:
        promote(task.partial, final)
        summary = json.loads((final / SUMMARY_NAME).read_text(encoding="utf-8"))
        if batch.options.history:
            record_session(
                batch.options.db_path, summary, final, client=batch.options.client,
                clip_path=task.clip, executor=batch.executor.kind, node=outcome.node,
                node_id=outcome.node_id, replace=True,
            )
        write_marker(final, _marker(batch, task.clip, outcome))
    except FileNotFoundError as error:
        _fail(batch, entry, f"{task.clip}: outputs not found at {error.filename}: is {batch.out} "
              "on storage every node shares?")
        return
    except Exception as error:  # noqa: BLE001 - HistoryError, a full disk: this clip only
        _fail(batch, entry, f"{task.clip}: finishing failed: {error}")
        return
    entry.status = "done"
    batch.progress.write(_clip_line(task.clip, outcome, final), sys.stdout)
    batch.progress.finished(ok=True)


def _fail(batch: Batch, entry: BatchEntry, message: str) -> None:
    entry.status, entry.error = "failed", message
    batch.progress.write(f"posecoach: error: {message}")
    batch.progress.finished(ok=False)


def _marker(batch: Batch, clip: Path, outcome: TaskOutcome) -> dict[str, Any]:
    return {
        "input": str(clip),
        "sha256": batch.hashes[clip],
        "settings": settings_of(batch.options),
        "finished": _now(),
        "executor": batch.executor.label,
        "node": outcome.node,
        "node_id": outcome.node_id,
        "seconds": round(outcome.seconds, 2),
        "exercise": outcome.exercise,
    }


def _clip_line(clip: Path, outcome: TaskOutcome, final: Path) -> str:
    note = " (clip ended early: truncated?)" if outcome.ended_early else ""
    exercise = outcome.exercise or "no exercise recognised"
    return (
        f"{clip}: {outcome.frames} frames, person in {outcome.detection_rate:.0%}, "
        f"{exercise}, results in {final} ({outcome.seconds:.1f} s on {outcome.node}){note}"
    )


def _report_end(batch: Batch) -> int:
    entries = list(batch.entries.values())
    counts = {s: sum(e.status == s for e in entries) for s in ("done", "skipped", "failed")}
    print(
        f"{len(entries)} clips: {counts['done']} analysed, {counts['skipped']} already "
        f"complete, {counts['failed']} failed; {batch.out / 'index.html'}",
        file=sys.stderr,
    )
    return counts["failed"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

