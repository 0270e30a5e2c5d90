"""Fuzz the output-folder readers: bytes as frames.csv (+ summary.json after a
b"\\x00JSON\\x00" marker) -> read_frames, write_mot, load_clip.
Seeds: a real frames.csv and summary.json. Allowed: ResultsError, ExportError (one line).
"""

from __future__ import annotations

import _harness

targets = _harness.instrumented()

if __name__ == "__main__":
    _harness.run(targets.frames_csv)
