"""Shared start-up of the atheris harnesses: instrument posecoach, seed, run."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def run(test_one_input: Callable[[bytes], None]) -> None:
    """libFuzzer's main loop over `test_one_input` (argv: libFuzzer flags and corpus dirs)."""
    import atheris

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


def instrumented():
    """Import the targets with posecoach's modules instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["posecoach"]):
        import targets
    return targets
