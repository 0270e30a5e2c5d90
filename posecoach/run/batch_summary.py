"""batch.json: one entry per clip of a batch (clip, status, error, seconds, node, node_id),
rewritten after every clip so an interrupted batch still says how far it got.

status: "done" (analysed in this run), "skipped" (complete from an earlier run, its
seconds and node are that run's), "failed" (error says why, in one line). node is the
host name of the worker that ran the clip, node_id its Ray node id (null when the task
never came back, or for a clip completed before node ids were recorded).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BATCH_NAME = "batch.json"


@dataclass
class BatchEntry:
    clip: str
    out_dir: str  # relative to the batch folder
    status: str = "waiting"
    error: str | None = None
    seconds: float | None = None
    node: str | None = None
    exercise: str | None = None
    node_id: str | None = None


def write_batch_json(out: Path, meta: dict[str, Any], entries: list[BatchEntry]) -> Path:
    """Write DIR/batch.json atomically (a temporary file renamed into place)."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    document = {
        **meta,
        "counts": counts,
        "clips": [
            {**asdict(e), "seconds": None if e.seconds is None else round(e.seconds, 2)}
            for e in entries
        ],
    }
    path = out / BATCH_NAME
    tmp = out / f".{BATCH_NAME}.tmp"
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
