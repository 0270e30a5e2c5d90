"""The command line: argparse and one-line error printing only; the work is elsewhere."""

from posecoach.cli.app import main

__all__ = ["main"]
