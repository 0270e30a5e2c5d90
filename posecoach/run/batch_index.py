"""DIR/index.html: one plain, self-contained page linking every clip's report and the
batch summary (batch.json). Links are relative, so the folder can be moved or served."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from posecoach.run.batch_summary import BATCH_NAME, BatchEntry

INDEX_NAME = "index.html"
REPORT_NAME = "report.html"

_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; }
td.failed { color: #b00020; }
"""


def _row(out: Path, entry: BatchEntry) -> str:
    report = out / entry.out_dir / REPORT_NAME
    name = escape(Path(entry.clip).name)
    link = f'<a href="{escape(f"{entry.out_dir}/{REPORT_NAME}")}">{name}</a>'
    clip = link if entry.status in ("done", "skipped") and report.is_file() else name
    seconds = "" if entry.seconds is None else f"{entry.seconds:.1f}"
    cells = [clip, entry.status, escape(entry.exercise or ""), seconds,
             escape(_node(entry)), escape(entry.error or "")]
    tds = "".join(
        f'<td class="{escape(entry.status)}">{c}</td>' if i == 1 else f"<td>{c}</td>"
        for i, c in enumerate(cells)
    )
    return f"<tr>{tds}</tr>"


def _node(entry: BatchEntry) -> str:
    """The host name, and the start of the Ray node id (nodes may share a host)."""
    if entry.node_id:
        return f"{entry.node or '?'} (node {entry.node_id[:8]})"
    return entry.node or ""


def write_index(out: Path, entries: list[BatchEntry], title: str = "posecoach batch") -> Path:
    """Write DIR/index.html atomically; returns its path."""
    rows = "\n".join(_row(out, e) for e in entries)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p>{len(entries)} clips. Batch summary: <a href="{BATCH_NAME}">{BATCH_NAME}</a>.</p>
<table>
<tr><th>clip (report)</th><th>status</th><th>exercise</th><th>seconds</th><th>node</th>
<th>error</th></tr>
{rows}
</table>
</body></html>
"""
    path = out / INDEX_NAME
    tmp = out / f".{INDEX_NAME}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
