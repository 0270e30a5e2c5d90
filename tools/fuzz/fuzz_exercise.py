"""Fuzz exercise definitions: TOML text -> parse_exercise, raw bytes -> load_exercise.

Seeds: the real content/*.toml (see run_all.py). Allowed: SpecError (one line).
"""

from __future__ import annotations

import _harness

targets = _harness.instrumented()


def test_one_input(data: bytes) -> None:
    if data[:1] == b"\x01":  # a file in any encoding, read from disk
        targets.exercise_file(data[1:])
    else:
        targets.exercise_text(data.decode("utf-8", errors="replace"))


if __name__ == "__main__":
    _harness.run(test_one_input)
