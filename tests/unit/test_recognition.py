"""`--exercise auto` on the analysis' own poses: when the watch decides, and the frames
held back until it does are written exactly as if the exercise had been known."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
from fixtures.poses import Figure, make_pose

from posecoach.exercises import load_exercise
from posecoach.measure.orientation import turn_pose
from posecoach.measure.stream import MetricsTracker
from posecoach.run.offline import (
    ClipStages,
    Rerun,
    VideoSettings,
    _decided,
    _pictures_of,
    release_held,
)
from posecoach.run.orientation import choose_turn
from posecoach.run.recognition import (
    EARLY_MIN_SAMPLES,
    EARLY_SHARE,
    GUESS_SAMPLES,
    ExerciseWatch,
)
from posecoach.types import Frame

FPS = 30.0
KNEELING = Figure()
STANDING = Figure(thigh_deg=0.0, knee_flex=0.0, other_thigh_deg=0.0, other_knee_flex=0.0)


def _stream(*parts: tuple[Figure | None, float], turn: int = 0):
    """(time_s, pose) at 30 fps: each part is a figure (None: nobody) held for seconds."""
    t, out = 0, []
    for figure, seconds in parts:
        pose = None if figure is None else turn_pose(make_pose(figure), turn)
        for _ in range(round(seconds * FPS)):
            out.append((t / FPS, pose))
            t += 1
    return out


def _answers(watch: ExerciseWatch, stream):
    return [(t, d) for t, p in stream if (d := watch.add(t, p)) is not None]


def _decisions(watch: ExerciseWatch, stream):
    return [(t, d) for t, d in _answers(watch, stream) if not d.guess]


def test_standing_is_not_kneeling_here():
    # The setup figure below must be something no signature matches.
    tracker = MetricsTracker()
    metrics = [tracker.update(make_pose(STANDING), i / FPS) for i in range(30)]
    assert metrics[-1].posture == "standing"


def test_a_plain_kneeling_clip_is_decided_early_once():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    decided = _decisions(watch, _stream((KNEELING, 30.0)))
    assert len(decided) == 1
    time_s, decision = decided[0]
    # The EARLY_MIN_SAMPLES-th sample, one about every 0.33 s from 0 s.
    assert time_s == pytest.approx((EARLY_MIN_SAMPLES - 1) * 0.3333, abs=0.05)
    assert decision.early and decision.spec.id == "kneeling_hip_flexor"
    assert decision.orientation.turn_deg == 0
    assert decision.found["decided_early"] is True
    assert decision.found["sampled_frames"] == EARLY_MIN_SAMPLES
    assert watch.finish() is decision


def test_a_plain_clip_is_guessed_once_two_seconds_in_before_the_decision():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    answers = _answers(watch, _stream((KNEELING, 30.0)))
    assert [d.guess for _, d in answers] == [True, False]
    (guessed_at, guess), (decided_at, decision) = answers
    assert guessed_at == pytest.approx((GUESS_SAMPLES - 1) * 0.3333, abs=0.05)
    assert guessed_at < decided_at
    assert guess.spec.id == decision.spec.id and decision.confirms(guess)
    assert watch.guessed is guess and watch.finish() is decision


def test_setting_up_first_is_guessed_once_the_exercise_begins():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    guesses = [(t, d) for t, d in _answers(watch, _stream((STANDING, 10.0), (KNEELING, 50.0)))
               if d.guess]
    assert len(guesses) == 1
    time_s, guess = guesses[0]
    assert guess.spec.id == "kneeling_hip_flexor"
    assert 10.0 < time_s < 10.0 + (GUESS_SAMPLES + 1) * 0.34


@pytest.mark.parametrize("turn", [90, 180])
def test_a_turned_clip_is_not_guessed(turn):
    watch = ExerciseWatch(seconds=20.0, step_s=0.33)
    assert all(not d.guess for _, d in _answers(watch, _stream((KNEELING, 25.0), turn=turn)))


def test_nobody_or_no_exercise_is_not_guessed():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    assert _answers(watch, _stream((None, 5.0), (STANDING, 10.0))) == []


def test_setting_up_first_is_decided_once_the_exercise_dominates():
    # 10 s standing then kneeling: not decided while the kneeling is new, but once it is
    # most of what was sampled (EARLY_SHARE), long before the minute is over.
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    decided = _decisions(watch, _stream((STANDING, 10.0), (KNEELING, 50.0)))
    assert len(decided) == 1
    time_s, decision = decided[0]
    assert decision.early and decision.spec.id == "kneeling_hip_flexor"
    standing_samples = 31  # 0 s to 9.9 s
    kneeling_samples = decision.found["sampled_frames"] - standing_samples
    assert kneeling_samples / decision.found["sampled_frames"] >= EARLY_SHARE
    assert 25.0 < time_s < 40.0


def test_what_is_decided_early_is_what_the_whole_window_decides():
    stream = _stream((STANDING, 5.0), (KNEELING, 70.0))
    early = ExerciseWatch(seconds=60.0, step_s=0.33)
    decision = _decisions(early, stream)[0][1]
    samples = [(t, p) for t, p in stream[::10] if t <= 60.0]  # what a late decision sees
    whole = choose_turn(samples)
    assert whole.turn_deg == decision.orientation.turn_deg == 0
    assert decision.spec.id == "kneeling_hip_flexor"


@pytest.mark.parametrize("turn", [90, 180])
def test_a_turned_clip_waits_for_the_window_and_names_the_turn(turn):
    watch = ExerciseWatch(seconds=20.0, step_s=0.33)
    decided = _decisions(watch, _stream((KNEELING, 25.0), turn=turn))
    assert len(decided) == 1
    time_s, decision = decided[0]
    assert 20.0 < time_s <= 20.0 + 1 / FPS + 1e-9  # the first frame past the window
    assert not decision.early
    assert decision.orientation.turn_deg == (360 - turn) % 360
    assert decision.spec.id == "kneeling_hip_flexor"  # recognised under the turn


def test_a_short_clip_is_decided_when_it_ends():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    assert _decisions(watch, _stream((KNEELING, 5.0))) == []
    decision = watch.finish()
    assert not decision.early and decision.spec.id == "kneeling_hip_flexor"
    assert watch.finish() is decision


def test_nobody_in_the_picture_recognises_nothing():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    assert _decisions(watch, _stream((None, 10.0))) == []
    assert watch.finish().spec is None


def test_samples_keep_no_mask():
    pose = make_pose(KNEELING)
    masked = pose.__class__(**{**pose.__dict__, "mask": np.ones((960, 1280), np.float32)})
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    watch.add(0.0, masked)
    assert all(p.mask is None for _, p in watch._samples)


# --- frames held back, then written ---------------------------------------------------

SIZE = (160, 120)


def _frames(n: int) -> list[Frame]:
    rng = np.random.default_rng(7)
    return [Frame(i, i / FPS, rng.integers(0, 255, (SIZE[1], SIZE[0], 3), np.uint8))
            for i in range(n)]


def _poses(n: int):
    still = make_pose(KNEELING)
    moved = make_pose(Figure(thigh_deg=25.0))  # the hip extending halfway through
    return [still if i < n // 2 else moved for i in range(n)]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _video_frames(path: Path) -> list[np.ndarray]:
    capture, out = cv2.VideoCapture(str(path)), []
    while True:
        ok, image = capture.read()
        if not ok:
            return out
        out.append(image)


def _replay(frames):
    return lambda: contextlib.nullcontext(list(frames))


@pytest.mark.parametrize("video", [True, False])
def test_held_frames_are_written_as_if_the_exercise_was_known(tmp_path, video):
    n, decided_at = 90, 40
    frames, poses = _frames(n), _poses(n)
    spec = load_exercise("kneeling_hip_flexor")
    settings = VideoSettings(FPS, SIZE) if video else None

    known = ClipStages(tmp_path / "known", spec, settings)
    for frame, pose in zip(frames, poses, strict=True):
        known.process(frame, pose)
    known.close()

    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    held = ClipStages(tmp_path / "held", None, settings, replay=_replay(frames))
    for frame, pose in zip(frames, poses, strict=True):
        assert held.process(frame, pose) is None or frame.index >= decided_at
        if frame.index == decided_at - 1:
            assert _rows(tmp_path / "held" / "frames.csv")[1:] == []  # still held back
            assert len(_rows(tmp_path / "held" / "landmarks.csv")) == decided_at + 1
            for t, p in zip([f.time_s for f in frames[:decided_at]], poses, strict=False):
                watch.add(t, p)
            held.recognised(watch.finish())
    held.close()

    assert held.recognition.spec.id == spec.id
    for name in ("frames.csv", "landmarks.csv"):
        assert _rows(tmp_path / "held" / name) == _rows(tmp_path / "known" / name)
    assert any(row[-1] for row in _rows(tmp_path / "held" / "frames.csv")[1:])  # sessions ran
    if video:
        ours = _video_frames(tmp_path / "held" / "annotated.mp4")
        theirs = _video_frames(tmp_path / "known" / "annotated.mp4")
        assert len(ours) == len(theirs) == n
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


def _watch_answers(frames, poses):
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    answers = {f.index: d for f, p in zip(frames, poses, strict=True)
               if (d := watch.add(f.time_s, p)) is not None}
    return answers, watch


def _write_all(stages: ClipStages, frames, poses, answers) -> None:
    for frame, pose in zip(frames, poses, strict=True):
        stages.process(frame, pose)
        answer = answers.get(frame.index)
        if answer is not None:
            (stages.guessed if answer.guess else stages.recognised)(answer)
    stages.close()


def _same_outputs(ours: Path, theirs: Path, video: bool) -> None:
    for name in ("frames.csv", "landmarks.csv"):
        assert _rows(ours / name) == _rows(theirs / name), name
    if video:
        a, b = _video_frames(ours / "annotated.mp4"), _video_frames(theirs / "annotated.mp4")
        assert len(a) == len(b)
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("guess_id", ["kneeling_hip_flexor", "edge_of_bench_psoas"])
@pytest.mark.parametrize("video", [True, False])
def test_a_guess_confirmed_or_replaced_writes_what_the_decision_would(tmp_path, video,
                                                                      guess_id):
    # Guessed about two seconds in, decided about ten seconds in: whether the decision
    # confirms the guess or names another exercise, every output is the named run's.
    n = 360
    frames, poses = _frames(n), [make_pose(KNEELING)] * n
    spec = load_exercise("kneeling_hip_flexor")
    settings = VideoSettings(FPS, SIZE) if video else None
    _write_all(ClipStages(tmp_path / "known", spec, settings), frames, poses, {})

    answers, watch = _watch_answers(frames, poses)
    (guessed_at, guess), (decided_at, decision) = sorted(answers.items())
    assert guess.guess and not decision.guess and guessed_at < 90 < decided_at < n
    answers[guessed_at] = dataclasses.replace(guess, spec=load_exercise(guess_id))
    stages = ClipStages(tmp_path / "ours", None, settings, replay=_replay(frames))
    _write_all(stages, frames, poses, answers)

    assert stages.recognition is decision and not stages.undecided
    _same_outputs(tmp_path / "ours", tmp_path / "known", video)
    assert any(row[-1] for row in _rows(tmp_path / "ours" / "frames.csv")[1:])


def test_a_clip_cut_off_after_the_guess_writes_every_row_as_decided(tmp_path):
    frames, poses = _frames(120), [make_pose(KNEELING)] * 120
    spec = load_exercise("kneeling_hip_flexor")
    settings = VideoSettings(FPS, SIZE)
    _write_all(ClipStages(tmp_path / "known", spec, settings), frames, poses, {})

    answers, watch = _watch_answers(frames, poses)
    assert [a.guess for a in answers.values()] == [True]  # cut off before the decision
    stages = ClipStages(tmp_path / "ours", None, settings, replay=_replay(frames))
    for frame, pose in zip(frames, poses, strict=True):
        stages.process(frame, pose)
        if frame.index in answers:
            stages.guessed(answers[frame.index])
    assert stages.undecided
    release_held(stages, watch, failed=False)
    stages.close()
    assert stages.recognition.spec.id == spec.id and not stages.recognition.early
    _same_outputs(tmp_path / "ours", tmp_path / "known", video=True)


def test_a_clip_cut_off_before_the_decision_still_writes_every_row(tmp_path):
    frames, poses = _frames(30), _poses(30)
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    stages = ClipStages(tmp_path, None, VideoSettings(FPS, SIZE), replay=_replay(frames[:10]))
    for frame, pose in zip(frames, poses, strict=True):
        stages.process(frame, pose)
        watch.add(frame.time_s, pose)
    release_held(stages, watch, failed=True)  # the replay now ends early too
    stages.close()
    assert [int(r[0]) for r in _rows(tmp_path / "frames.csv")[1:]] == list(range(30))
    assert len(_video_frames(tmp_path / "annotated.mp4")) == 30


def test_a_frame_that_does_not_decode_again_repeats_the_one_before():
    class Item:
        def __init__(self, index):
            self.index = index

    frames = [f for f in _frames(6) if f.index != 3]
    pictures = list(_pictures_of([Item(i) for i in range(6)], frames))
    assert pictures[3] is frames[2].image and pictures[4] is frames[3].image
    assert list(_pictures_of([Item(0)], [])) == [None]


class _Writer:
    def __init__(self):
        self.items = []

    def put(self, item):
        self.items.append(item)


def _kneeling_decision():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    decided = _decisions(watch, _stream((KNEELING, 30.0)))
    assert decided and decided[0][1].spec is not None
    return decided[0][1]


def test_a_decision_for_the_loaded_model_goes_to_the_writer():
    decision, writer = _kneeling_decision(), _Writer()
    _decided(decision, writer, lambda spec: False)
    assert writer.items == [decision]


def test_a_guess_goes_to_the_writer_unless_it_would_need_a_rerun():
    watch = ExerciseWatch(seconds=60.0, step_s=0.33)
    guess = _answers(watch, _stream((KNEELING, 3.0)))[0][1]
    writer = _Writer()
    _decided(guess, writer, lambda spec: False)
    _decided(guess, writer, lambda spec: True)  # another model: wait for the decision
    assert writer.items == [guess]


def test_a_decision_for_another_model_reruns_knowing_the_exercise():
    decision, writer = _kneeling_decision(), _Writer()
    with pytest.raises(Rerun) as rerun:
        _decided(decision, writer, lambda spec: spec.id == decision.spec.id)
    assert rerun.value.recognised is decision and writer.items == []
