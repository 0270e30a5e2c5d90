"""How often the orientation check picks the wrong turn, on corpus and sample clips.

Every clip is decoded upright. Each is scored as it is and with its cached poses turned
a quarter, a half and three quarters (posecoach.measure.orientation.turn_pose: the model
finds a turned body about as well as an upright one), and analyze's own check
(OrientationWatch: one pose a second over the first 20 s) must undo the turn. Printed
per clip class and turn: wrong choices without the exercise (as `analyze` with
`--exercise auto`) and with it given.

    python tools/bench/bench_orientation.py --corpus CORPUS [--splits train,val,test]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from posecoach.measure.orientation import TURNS_DEG, turn_pose  # noqa: E402
from posecoach.run.offline import ORIENTATION_SECONDS, ORIENTATION_STEP_S  # noqa: E402
from posecoach.run.orientation import OrientationWatch  # noqa: E402
from tools.bench.bench_accuracy import clip_class  # noqa: E402
from tools.synth.gtclips import VIDEOS, Clip, load_clips, load_corpus  # noqa: E402


def watched_turn(clip: Clip, turn: int, exercise_id: str | None) -> int:
    """The turn analyze's own check (OrientationWatch) chooses for the clip's poses
    turned `turn` degrees clockwise."""
    watch = OrientationWatch(ORIENTATION_SECONDS, ORIENTATION_STEP_S, exercise_id)
    for i in range(clip.n):
        pose = clip.pose(i, with_mask=False)
        check = watch.add(float(clip.raw["time_s"][i]),
                          None if pose is None else turn_pose(pose, turn))
        if check is not None:
            return check.turn_deg
    return watch.finish().turn_deg


def score(clips: list[Clip]) -> dict[tuple[str, int], list[int]]:
    """(class, turn) -> [wrong without the exercise, wrong with it, clips]."""
    tally: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for clip in clips:
        exercise = str(clip.meta.get("exercise") or "") or None
        for turn in TURNS_DEG:
            undo = (360 - turn) % 360
            row = tally[(clip_class(clip), turn)]
            row[0] += watched_turn(clip, turn, None) != undo
            row[1] += watched_turn(clip, turn, exercise) != undo
            row[2] += 1
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="a rendered corpus")
    parser.add_argument("--splits", default="train,val,test")
    parser.add_argument("--jobs", type=int, default=2, help="parallel pose extraction")
    args = parser.parse_args(argv)
    groups: dict[str, list[Clip]] = {"sample": load_clips(VIDEOS, jobs=args.jobs)}
    if args.corpus is not None:
        for split in (s for s in args.splits.split(",") if s):
            groups[split] = load_corpus(args.corpus, [split], jobs=args.jobs)
    print("wrong turn chosen, of clips (picture turned clockwise; 0 = as recorded)")
    print(f"  {'group':8s} {'class':9s} {'turn':>4s}  {'auto':>9s}  {'exercise given':>14s}")
    for name, clips in groups.items():
        for (klass, turn), (auto, given, n) in sorted(score(clips).items()):
            print(f"  {name:8s} {klass:9s} {turn:4d}  {auto:4d}/{n:<4d}  {given:9d}/{n:<4d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
