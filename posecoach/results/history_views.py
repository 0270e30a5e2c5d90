"""The history and a comparison as a table with the key numbers, as JSON and as CSV.

Text only: the rows come from posecoach.results.history (read, never written here).
Times: `recorded` is the clip's date; `analysed` is when the session was recorded in the
history, in local time (the time of day of a live session, or of its analysis).
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from posecoach.results.history import (
    Change,
    SessionRow,
    connect,
    default_db_path,
    format_table,
    format_value,
    session_results,
)
from posecoach.results.reading import KEY_METRICS, metric_label, side_done
from posecoach.schema import clean_json

SIDE_ORDER = ("L", "R", "both")
# The numbers the history table shows per side (all of them go to --json and --csv).
TABLE_METRICS = ("good_form_hold_s", "peak_hip_extension_deg")


def local_time(created: str) -> str:
    """An ISO UTC timestamp as local "YYYY-MM-DD HH:MM" (the text itself if unreadable)."""
    try:
        moment = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return str(created)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def session_records(db_path: Path | None, sessions: list[SessionRow]) -> list[dict[str, Any]]:
    """One JSON-ready record per session: its facts and per side every stored number."""
    if not sessions:
        return []
    path = Path(db_path) if db_path is not None else default_db_path()
    with connect(path, create=False) as conn:
        numbers = {s.id: session_results(conn, s.id) for s in sessions}
    return [_record(s, numbers[s.id]) for s in sessions]


def _record(s: SessionRow, numbers: dict[tuple[str, str], float]) -> dict[str, Any]:
    """Per side "done" (False: not done, every number null) and the stored numbers."""
    sides: dict[str, dict[str, Any]] = {}
    for (side, metric), value in sorted(numbers.items()):
        sides.setdefault(side, {"done": side_done(numbers, side)})[metric] = value
    return {
        "id": s.id, "recorded": s.recorded, "analysed": local_time(s.created),
        "client": s.client, "exercise": s.exercise, "exercise_name": s.exercise_name,
        "clip": s.clip_path, "out_dir": s.out_dir,
        "sides": {k: sides[k] for k in sorted(sides, key=_side_rank)},
    }


def _side_rank(side: str) -> int:
    return SIDE_ORDER.index(side) if side in SIDE_ORDER else len(SIDE_ORDER)


def _per_side(record: dict[str, Any], metric: str) -> str:
    _, unit, _ = metric_label(metric)
    cells = []
    for side, values in record["sides"].items():
        text = format_value(values.get(metric, math.nan), unit, values["done"])
        cells.append(text if side == "both" else f"{side} {text}")
    return ", ".join(cells) or "-"


def history_table(records: list[dict[str, Any]]) -> str:
    """The sessions with the time of day and the key numbers per side."""
    header = ["id", "recorded", "analysed", "client", "exercise", "good form",
              "peak hip ext.", "clip"]
    rows = [
        [str(r["id"]), r["recorded"], r["analysed"][-5:], r["client"] or "-", r["exercise"],
         *(_per_side(r, m) for m in TABLE_METRICS), Path(r["clip"] or "-").name]
        for r in records
    ]
    return format_table(header, rows)


def to_json(document: Any) -> str:
    return json.dumps(clean_json(document), indent=2, ensure_ascii=False)


HISTORY_CSV_COLUMNS = ("id", "recorded", "analysed", "client", "exercise", "clip", "side",
                       "done", *KEY_METRICS)


def history_csv(records: list[dict[str, Any]]) -> str:
    """One row per session and side, the key numbers as columns (empty = not measured);
    done is 1, or 0 for a side not done (every number empty)."""
    rows = []
    for r in records:
        for side, values in r["sides"].items():
            facts = [r["id"], r["recorded"], r["analysed"], r["client"] or "", r["exercise"],
                     r["clip"] or "", side, int(values["done"])]
            rows.append(facts + [_cell(values.get(m, math.nan)) for m in KEY_METRICS])
    return _csv(HISTORY_CSV_COLUMNS, rows)


def compare_document(sa: SessionRow, sb: SessionRow, changes: list[Change]) -> dict[str, Any]:
    """A comparison as JSON: both sessions and, per side and metric, A, B and the verdict."""
    return {
        "a": _record(sa, {}) | {"sides": None},
        "b": _record(sb, {}) | {"sides": None},
        "same_exercise": sa.exercise == sb.exercise,
        "changes": [_change(c) for c in changes],
    }


def _change(c: Change) -> dict[str, Any]:
    label, unit, higher_better = metric_label(c.metric)
    return {"side": c.side, "metric": c.metric, "label": label, "unit": unit,
            "higher_is_better": higher_better, "a": c.a, "b": c.b, "change": c.delta,
            "a_done": c.a_done, "b_done": c.b_done, "verdict": c.verdict}


COMPARE_CSV_COLUMNS = ("side", "metric", "label", "unit", "a", "b", "change", "verdict")


def compare_csv(changes: list[Change]) -> str:
    rows = []
    for c in changes:
        d = _change(c)
        rows.append([d["side"], d["metric"], d["label"], d["unit"], _cell(c.a), _cell(c.b),
                     _cell(c.delta), d["verdict"]])
    return _csv(COMPARE_CSV_COLUMNS, rows)


def _cell(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if math.isfinite(value) else ""


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")
