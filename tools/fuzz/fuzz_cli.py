"""Fuzz the command line: bytes -> argv (NUL-separated) -> build_parser().parse_args and
main() in a sandbox folder. Allowed: SystemExit (argparse) and integer exit codes.
"""

from __future__ import annotations

import _harness

targets = _harness.instrumented()


def test_one_input(data: bytes) -> None:
    argv = data.decode("utf-8", errors="replace").split("\0")[:12]
    targets.cli_args(argv if argv != [""] else [])


if __name__ == "__main__":
    _harness.run(test_one_input)
