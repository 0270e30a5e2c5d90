"""Fuzz the history database: arbitrary bytes opened as history.sqlite, listed, compared
and written to. Seeds: a real database with sessions. Allowed: HistoryError (one line).
"""

from __future__ import annotations

import _harness

targets = _harness.instrumented()

if __name__ == "__main__":
    _harness.run(targets.history_db)
