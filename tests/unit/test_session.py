"""The session state machine, fed scripted FrameMetrics at 30 fps, checked event by event.

The kneeling spec used here: enter_after 1.0 s, grace 0.75 s, leave_after 3.0 s, hold 30 s,
3 reps per side, rest 15 s, switch 10 s, cues shown after 0.5 s for at least 2.0 s.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable

import pytest

from posecoach.exercises.session import Session, SessionState
from posecoach.exercises.spec import ExerciseSpec, load_exercise
from posecoach.landmarks import Side
from posecoach.types import FrameMetrics

FPS = 30
L, R = Side.LEFT, Side.RIGHT


def kneel(
    t: float,
    side: Side = L,
    arch: bool = False,
    in_pos: bool = True,
    lean: bool = False,
    hip: float = 15.0,
) -> FrameMetrics:
    """A half-kneeling frame: good form is a tucked pelvis (-6) and a quiet back (0);
    an arch adds +16 tilt and +15 lumbar extension, as in the sample clips."""
    values = {
        # Out of position: the thigh in front of the vertical (sitting back, standing up).
        "hip_extension_deg": hip if in_pos else -20.0,
        "thigh_to_vertical_deg": hip if in_pos else -10.0,
        "trunk_inclination_deg": -25.0 if lean else 0.0,
        "pelvic_tilt_deg": 10.0 if arch else -6.0,
        "lumbar_extension_deg": 15.0 if arch else 0.0,
        "other_knee_flexion_deg": 90.0,
    }
    conf = dict.fromkeys(values, 0.8)
    return FrameMetrics(
        time_s=t, pose_detected=True, side=side, view_ok=True, facing=1,
        posture="kneeling", values=values, confidence=conf,
    )


def lost(t: float) -> FrameMetrics:
    return FrameMetrics(time_s=t, pose_detected=False)


def run(spec: ExerciseSpec, n: int, frame: Callable[[int, float], FrameMetrics]) -> tuple[
    Session, list[SessionState]
]:
    session = Session(spec)
    states = [session.update(frame(i, i / FPS)) for i in range(n)]
    return session, states


def events(states: Iterable[SessionState]) -> list[tuple[int, str]]:
    """(frame index, event) for every event, in order."""
    return [(round(s.time_s * FPS), e) for s in states for e in s.events]


@pytest.fixture(scope="module")
def kneeling() -> ExerciseSpec:
    return load_exercise("kneeling_hip_flexor")


def test_clean_hold_starts_after_entry_delay_and_completes(kneeling: ExerciseSpec) -> None:
    # Out of position for 2 s, then in position: the hold starts once the position has
    # lasted 1.0 s, and that confirming second counts; it completes 29 s later.
    session, states = run(kneeling, 40 * FPS, lambda i, t: kneel(t, in_pos=i >= 60))
    assert events(states) == [
        (0, "get_ready"), (60, "in_position"), (90, "hold_start"),
        (960, "hold_complete"), (960, "rest"),
    ]
    assert [s.phase for s in states[:61:30]] == ["get_ready", "get_ready", "get_ready"]
    assert states[89].phase == "get_ready" and states[90].phase == "hold"
    assert states[89].hold_s == 0.0
    assert states[90].hold_s == pytest.approx(1.0)
    assert states[390].hold_s == pytest.approx(11.0)
    assert states[959].hold_s == pytest.approx(30.0 - 1 / FPS)
    assert states[960].phase == "rest" and states[960].seconds_left == pytest.approx(15.0)
    hold = session.finish().to_json()["sides"]["L"]["holds"][0]
    assert hold["start_s"] == pytest.approx(2.0) and hold["end_s"] == pytest.approx(32.0)


def test_get_ready_counts_down_then_waits_in_position_phase(kneeling: ExerciseSpec) -> None:
    _, states = run(kneeling, 7 * FPS, lambda i, t: kneel(t, in_pos=False))
    assert states[0].seconds_left == pytest.approx(5.0)
    assert states[75].seconds_left == pytest.approx(2.5)
    assert states[149].phase == "get_ready" and states[150].phase == "position"
    assert states[150].seconds_left is None
    assert "hold_start" not in [e for _, e in events(states)]
    assert states[-1].hold_s == 0.0


def test_fault_beyond_grace_pauses_and_is_not_credited(kneeling: ExerciseSpec) -> None:
    # Hold confirmed at frame 30 (t = 1.0, credited from 0). Arching from t = 10.0 until
    # just before t = 13.0.
    def frame(i: int, t: float) -> FrameMetrics:
        return kneel(t, arch=300 <= i < 390)

    session, states = run(kneeling, 36 * FPS, frame)
    ev = events(states)
    # Last good frame 299 (t = 9.967); the fault is confirmed once 0.75 s have passed.
    assert ev[:5] == [
        (0, "get_ready"), (0, "in_position"), (30, "hold_start"),
        (322, "fault_start"), (390, "fault_end"),
    ]
    assert states[321].phase == "hold" and states[322].phase == "fault"
    assert states[322].paused_phase == "hold"
    assert states[322].hold_s == pytest.approx(299 / FPS)
    assert states[389].hold_s == pytest.approx(299 / FPS)  # paused, nothing credited
    assert states[390].hold_s == pytest.approx(300 / FPS)
    # 30 s of credit needs 90 more frames' worth of time than a clean hold: done at frame 990.
    assert (990, "hold_complete") in ev and states[989].phase == "hold"
    summary = session.finish().to_json()
    left = summary["sides"]["L"]
    assert left["holds"][0] == {
        "rep": 0, "start_s": 0.0, "end_s": 33.0, "good_s": 30.0, "target_s": 30.0,
        "complete": True,
    }
    assert left["faults"] == [
        {"cue": "back_arching", "severity": "fault", "start_s": 10.0, "end_s": 13.0,
         "duration_s": 3.0}
    ]
    assert left["fault_time_s"] == {"back_arching": 3.0}


def test_flicker_within_grace_neither_pauses_nor_loses_time(kneeling: ExerciseSpec) -> None:
    _, states = run(kneeling, 33 * FPS, lambda i, t: kneel(t, arch=300 <= i < 310))
    ev = [e for _, e in events(states)]
    assert "fault_start" not in ev
    assert (900, "hold_complete") in events(states)  # exactly as if there was no flicker
    holds = [s.hold_s for s in states if s.phase == "hold"]
    assert all(b >= a for a, b in zip(holds, holds[1:], strict=False))  # never runs back
    assert states[310].hold_s == pytest.approx(310 / FPS)  # blip credited on return


def test_brief_occlusion_is_bridged(kneeling: ExerciseSpec) -> None:
    def frame(i: int, t: float) -> FrameMetrics:
        return lost(t) if 300 <= i < 315 else kneel(t)

    _, states = run(kneeling, 33 * FPS, frame)
    assert "fault_start" not in [e for _, e in events(states)]
    assert (900, "hold_complete") in events(states)


def test_long_occlusion_pauses_with_lost_view_cue(kneeling: ExerciseSpec) -> None:
    def frame(i: int, t: float) -> FrameMetrics:
        return lost(t) if 300 <= i < 360 else kneel(t)

    _, states = run(kneeling, 35 * FPS, frame)
    assert (322, "fault_start") in events(states) and (360, "fault_end") in events(states)
    assert states[340].cue_ids == ("lost_view",)
    assert states[340].good_form is False
    assert (960, "hold_complete") in events(states)  # 2 s of occlusion not credited


def test_leaving_position_ends_a_partial_hold_and_restarts(kneeling: ExerciseSpec) -> None:
    # Good from 0 s (hold confirmed at 1.0), leaves at t = 20.0 for 5 s, comes back.
    session, states = run(kneeling, 60 * FPS, lambda i, t: kneel(t, in_pos=not 600 <= i < 750))
    ev = events(states)
    assert ev[:7] == [
        (0, "get_ready"), (0, "in_position"), (30, "hold_start"),
        (600, "out_of_position"), (622, "fault_start"),
        # last in position at frame 599; partial once more than 3.0 s have passed
        (690, "hold_partial"), (750, "in_position"),
    ]
    assert ev[7] == (780, "hold_start")
    assert states[700].phase == "position" and states[700].rep == 0
    first, second = session.finish().to_json()["sides"]["L"]["holds"]
    assert first == {
        "rep": 0, "start_s": 0.0, "end_s": pytest.approx(599 / FPS, abs=1e-3),
        "complete": False, "good_s": pytest.approx(599 / FPS, abs=1e-3), "target_s": 30.0,
    }
    assert second["start_s"] == pytest.approx(25.0)  # back in position at 25.0


def test_full_protocol_rest_switch_and_done(kneeling: ExerciseSpec) -> None:
    # Left until t = 130, out of position 130-135, then right side.
    def frame(i: int, t: float) -> FrameMetrics:
        return kneel(t, side=L if t < 130 else R, in_pos=not 130 <= t < 135)

    session, states = run(kneeling, 280 * FPS, frame)
    ev = [(f / FPS, e) for f, e in events(states)]
    expected = [
        # The confirming second counts for the first hold; after a rest the person is
        # already in position, so the next hold starts at once with nothing credited back.
        (0.0, "get_ready"), (0.0, "in_position"), (1.0, "hold_start"),
        (30.0, "hold_complete"), (30.0, "rest"), (45.0, "hold_start"),
        (75.0, "hold_complete"), (75.0, "rest"), (90.0, "hold_start"),
        (120.0, "hold_complete"), (120.0, "side_switch"),
        (130.0, "out_of_position"), (135.0, "in_position"), (136.0, "hold_start"),
        (165.0, "hold_complete"), (165.0, "rest"), (180.0, "hold_start"),
        (210.0, "hold_complete"), (210.0, "rest"), (225.0, "hold_start"),
        (255.0, "hold_complete"), (255.0, "done"),
    ]
    assert ev == [(pytest.approx(t), e) for t, e in expected]
    at = {round(s.time_s * FPS): s for s in states}
    assert at[120 * FPS].side == R and at[120 * FPS].phase == "switch_sides"
    assert at[136 * FPS].side == R and at[136 * FPS].rep == 0
    assert at[136 * FPS].hold_s == pytest.approx(1.0)
    assert at[180 * FPS].rep == 1 and at[180 * FPS].reps_done == {L: 3, R: 1}
    assert at[180 * FPS].hold_s == 0.0
    assert states[-1].phase == "done" and states[-1].events == ()
    summary = session.finish().to_json()
    assert summary["completed"] is True
    assert [h["good_s"] for h in summary["sides"]["R"]["holds"]] == [30.0, 30.0, 30.0]
    json.dumps(summary, allow_nan=False)


def test_finished_side_is_not_counted_again(kneeling: ExerciseSpec) -> None:
    # The person keeps stretching the left leg after its three holds.
    _, states = run(kneeling, 140 * FPS, lambda i, t: kneel(t, side=L))
    after = [s for s in states if s.time_s > 131.5]
    assert all(s.phase == "position" for s in after)
    assert after[-1].cue_ids == ("other_side",)
    assert [e for _, e in events(states)].count("hold_start") == 3


def test_cue_waits_then_stays_for_minimum_time(kneeling: ExerciseSpec) -> None:
    # Arch for 0.6 s (frames 300-317): longer than the cue delay, shorter than the grace.
    _, states = run(kneeling, 15 * FPS, lambda i, t: kneel(t, arch=300 <= i < 318))
    shown = [i for i, s in enumerate(states) if "back_arching" in s.cue_ids]
    assert shown == list(range(305, 365))  # appears after 0.15 s, stays exactly 2.0 s
    assert "fault_start" not in [e for _, e in events(states)]
    assert states[299].cue_ids == ("good_form",) and states[365].cue_ids == ("good_form",)
    assert states[304].cue_ids == ()  # no praise while the back arches, no banner yet


def test_cues_are_ordered_by_priority(kneeling: ExerciseSpec) -> None:
    _, states = run(kneeling, 12 * FPS, lambda i, t: kneel(t, arch=i >= 300, lean=i >= 300))
    assert states[-1].cue_ids == ("back_arching", "leaning_forward")
    assert states[-1].cues[0].text.startswith("Tuck your tailbone")
    assert states[-1].cues[0].severity == "fault"


def test_hint_does_not_pause_the_timer(kneeling: ExerciseSpec) -> None:
    # hip_extension 7 deg: in position (> 5) but "go deeper" (< 8) is only a hint.
    session, states = run(kneeling, 32 * FPS, lambda i, t: kneel(t, hip=7.0))
    assert (900, "hold_complete") in events(states)
    assert states[100].cue_ids == ("go_deeper",)
    hints = session.finish().to_json()["sides"]["L"]["hint_time_s"]
    # The hint held from before the hold began, so it covers the whole 30 s hold,
    # including the credited-back second before the position was confirmed.
    assert hints == {"go_deeper": pytest.approx(30.0)}


def test_hint_starting_within_the_hold_is_timed_from_its_start(kneeling: ExerciseSpec) -> None:
    # Deep enough for 10 s, then 7 deg ("go deeper", a hint) to the end: the hint's time
    # starts where its condition does, not at the hold's credited start.
    session, _ = run(kneeling, 32 * FPS, lambda i, t: kneel(t, hip=15.0 if t < 10 else 7.0))
    hints = session.finish().to_json()["sides"]["L"]["hint_time_s"]
    assert hints["go_deeper"] == pytest.approx(30.0 - 10.0, abs=2 / FPS)


def test_session_never_reads_the_clock(
    kneeling: ExerciseSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom() -> float:
        raise AssertionError("the session read the clock")

    for name in ("time", "monotonic", "perf_counter"):
        monkeypatch.setattr(time, name, boom)
    _, states = run(kneeling, 3 * FPS, lambda i, t: kneel(t))
    assert states[-1].phase == "hold"


def test_finish_records_an_open_hold_as_partial(kneeling: ExerciseSpec) -> None:
    session, _ = run(kneeling, 11 * FPS, lambda i, t: kneel(t))
    summary = session.finish().to_json()
    assert summary["completed"] is False
    assert summary["sides"]["L"]["holds"] == [
        {"rep": 0, "start_s": 0.0, "end_s": pytest.approx(11 - 1 / FPS, abs=1e-3),
         "complete": False, "good_s": pytest.approx(11 - 1 / FPS, abs=1e-3), "target_s": 30.0}
    ]
    assert session.finish().to_json() == summary  # idempotent
    assert summary["sides"]["R"]["holds"] == []


# ---------------------------------------------------------------------- contract-relax


def test_pnf_prompts_contract_relax_and_records_gains() -> None:
    spec = load_exercise("kneeling_hip_flexor_pnf")  # settle 10, contract 6, relax 10, x3

    def hip(t: float) -> float:
        # Hold confirmed at 1.0, credited from 0: settle to 10, contract 10-16, relax
        # 16-26, contract 26-32, relax 32-42, contract 42-48, relax 48-58. Each relax sinks
        # 3 deg deeper.
        return 10.0 + 3.0 * sum(t >= start for start in (16.0, 32.0, 48.0))

    session, states = run(spec, 62 * FPS, lambda i, t: kneel(t, hip=hip(t)))
    ev = [(f / FPS, e) for f, e in events(states)]
    assert ev == [
        (pytest.approx(t), e)
        for t, e in [
            (0.0, "get_ready"), (0.0, "in_position"), (1.0, "hold_start"),
            (10.0, "contract"), (16.0, "relax"), (26.0, "contract"), (32.0, "relax"),
            (42.0, "contract"), (48.0, "relax"), (58.0, "hold_complete"),
            (58.0, "side_switch"),
        ]
    ]
    mid_contract = states[13 * FPS]
    assert mid_contract.phase == "contract" and mid_contract.cycle == 1
    assert mid_contract.prompt.startswith("Squeeze")
    assert mid_contract.hold_s == pytest.approx(3.0) and mid_contract.hold_target_s == 6.0
    assert states[19 * FPS].prompt.startswith("Let go")
    assert states[27 * FPS].last_gain_deg == pytest.approx(3.0)
    summary = session.finish().to_json()
    gains = summary["sides"]["L"]["contract_relax"]
    assert [g["cycle"] for g in gains] == [1, 2, 3]
    assert [g["hip_extension_deg"] for g in gains] == [13.0, 16.0, 19.0]
    assert [g["gain_deg"] for g in gains] == [3.0, 3.0, 3.0]
    assert [g["total_gain_deg"] for g in gains] == [3.0, 6.0, 9.0]
    assert summary["sides"]["L"]["holds"][0]["baseline_hip_extension_deg"] == 10.0
    assert summary["sides"]["L"]["holds"][0]["good_s"] == 58.0


def test_pnf_fault_pauses_the_contract_phase() -> None:
    spec = load_exercise("kneeling_hip_flexor_pnf")
    _, states = run(spec, 25 * FPS, lambda i, t: kneel(t, arch=12 * FPS <= i < 14 * FPS))
    s = states[13 * FPS]
    assert s.phase == "fault" and s.paused_phase == "contract"
    # contract started at 10.0; 2.0 s credited before the arch; 2 s paused; relax at 18.0
    assert s.hold_s == pytest.approx(2.0 - 1 / FPS)
    assert (18 * FPS, "relax") in events(states)


# ---------------------------------------------------------------------- camera-blind


def lying(t: float, posture: str = "supine", motion: float = 0.01) -> FrameMetrics:
    return FrameMetrics(time_s=t, pose_detected=True, posture=posture, motion=motion,
                        values={"knee_flexion_deg": 90.0, "other_knee_flexion_deg": 90.0})


def test_constructive_rest_counts_only_still_time() -> None:
    spec = load_exercise("constructive_rest")  # enter 2 s, grace 2 s, hold 300 s, still < 0.03
    fidget = 60 * FPS, 65 * FPS  # 5 s of moving at 0.2 body heights per second

    def frame(i: int, t: float) -> FrameMetrics:
        return lying(t, motion=0.2 if fidget[0] <= i < fidget[1] else 0.01)

    session, states = run(spec, 310 * FPS, frame)
    ev = events(states)
    assert ev[:3] == [(0, "get_ready"), (0, "in_position"), (60, "hold_start")]
    assert (60 * FPS - 1 + 60, "fault_start") in ev  # 2.0 s after the last still frame
    assert states[62 * FPS].cue_ids == ("settle",)
    assert (65 * FPS, "fault_end") in ev
    # the 2 s of lying still that confirm the position count: 300 s done at 305 s
    assert (305 * FPS, "hold_complete") in ev and (305 * FPS, "done") in ev
    assert states[10 * FPS].camera_blind and "cannot" in states[10 * FPS].camera_note
    summary = session.finish().to_json()["sides"]["both"]
    assert summary["holds"][0]["good_s"] == 300.0
    assert summary["fault_time_s"] == {"settle": 5.0}


def test_camera_blind_checks_posture() -> None:
    spec = load_exercise("constructive_rest")
    _, states = run(spec, 20 * FPS, lambda i, t: lying(t, posture="standing"))
    assert all(s.phase in ("get_ready", "position") for s in states)
    assert states[-1].cue_ids == ("get_in_position",)


def test_ball_release_movement_is_only_a_hint() -> None:
    spec = load_exercise("ball_release")  # prone, hold 45 s, stillness is a hint

    def frame(i: int, t: float) -> FrameMetrics:
        return lying(t, posture="prone", motion=0.3 if 10 * FPS <= i < 20 * FPS else 0.01)

    _, states = run(spec, 50 * FPS, frame)
    assert "fault_start" not in [e for _, e in events(states)]
    assert (45 * FPS, "hold_complete") in events(states)
    assert states[15 * FPS].cue_ids == ("sink",)
    assert states[45 * FPS].side == R  # side unknown: left first, then the other one


def test_summary_has_no_nan(kneeling: ExerciseSpec) -> None:
    session, _ = run(kneeling, 5 * FPS, lambda i, t: kneel(t))
    text = json.dumps(session.finish().to_json(), allow_nan=False)
    assert "NaN" not in text and not math.isnan(session.summary().start_s)


# ---------------------------------------------------------------------- build-up trimming


def test_drift_counts_the_seconds_since_the_value_left_its_usual_band() -> None:
    from posecoach.exercises.session import MAX_TRIM_S, drift_s

    steady = [(i / FPS, 12.0) for i in range(300)]
    falling = [(10 + i / FPS, 12.0 - 0.5 * i) for i in range(1, 21)]  # 0.5 deg a frame
    # within 1.5 deg of 12 until the 3rd falling frame: the 17 frames after it drifted
    assert drift_s(steady + falling, "<", 1.5) == pytest.approx(17 / FPS)
    assert drift_s(steady, "<", 1.5) == 0.0
    assert drift_s(steady + falling, ">", 1.5) == 0.0  # it fell, it did not rise
    long_fall = [(10 + i / FPS, 12.0 - 0.05 * i) for i in range(1, 201)]
    assert drift_s(steady + long_fall, "<", 1.5) == MAX_TRIM_S
    noisy = [(i / FPS, 12.0 + (3.0 if i % 2 else -3.0)) for i in range(300)]
    assert drift_s(noisy + [(10.0, 8.0)], "<", 1.5) == 0.0  # within its own noise


def test_drift_with_an_onset_rate_goes_back_to_where_the_move_began() -> None:
    from posecoach.exercises.session import drift_s

    # Held at 12, then easing in: 0.02, 0.04, ... deg a frame (0.6, 1.2, ... deg/s).
    steady = [(i / FPS, 12.0) for i in range(300)]
    value, easing = 12.0, []
    for k in range(1, 31):
        value -= 0.02 * k
        easing.append((10 + k / FPS, value))
    band_only = drift_s(steady + easing, "<", 1.5)
    with_rate = drift_s(steady + easing, "<", 1.5, onset_rate=1.5)
    # Without a rate: from the last frame within 1.5 deg (k = 11, 10.68 deg).
    assert band_only == pytest.approx((30 - 11) / FPS)
    # With 1.5 deg/s: back to k = 2, the last frame before one that fell 0.06 deg
    # (1.8 deg/s); the first steps (0.6 and 1.2 deg/s) are a held hip's drift.
    assert with_rate == pytest.approx((30 - 2) / FPS)
    # A hold that drifts slowly throughout is not taken back beyond the band.
    drifting = [(i / FPS, 12.0 - 0.03 * i) for i in range(60)]
    assert drift_s(drifting, "<", 1.5, onset_rate=1.5) == drift_s(drifting, "<", 1.5)


def test_coming_out_slowly_is_not_credited(kneeling: ExerciseSpec) -> None:
    # Steady at 15 deg until t = 20, then the hip comes forward 0.5 deg a frame: the
    # position check (exit below 0) sees it only 30 frames later.
    def frame(i: int, t: float) -> FrameMetrics:
        hip = 15.0 if i < 600 else 15.0 - 0.5 * (i - 599)
        return kneel(t, hip=hip, in_pos=hip > -1.0)

    session, states = run(kneeling, 30 * FPS, frame)
    hold = session.finish().to_json()["sides"]["L"]["holds"][0]
    # The last frame within 1.5 deg of the usual 15 is frame 602 (14.0 deg); it had been
    # falling since frame 599, the last one at 15.
    assert hold["good_s"] == pytest.approx(599 / FPS, abs=1e-3)
    before = [s.hold_s for s in states if s.phase == "hold"][-1]
    assert before > hold["good_s"]  # the timer ran on until the check saw it


def test_an_arch_that_builds_up_is_taken_back_from_its_start(kneeling: ExerciseSpec) -> None:
    # Lumbar extension rises 1 deg a frame from frame 300 (fault at > 5 from frame 305).
    def frame(i: int, t: float) -> FrameMetrics:
        m = kneel(t)
        m.values["lumbar_extension_deg"] = float(min(max(i - 299, 0), 15))
        return m

    session, states = run(kneeling, 14 * FPS, frame)
    confirmed = next(i for i, s in enumerate(states) if "fault_start" in s.events)
    # Frames 300-301 (1 and 2 deg) are within 2.5 deg of a quiet back; from 302 it was
    # arching: the three good frames 302-304 before the threshold are taken back.
    assert states[confirmed].hold_s == pytest.approx(301 / FPS, abs=1e-3)
    assert states[confirmed - 1].hold_s > states[confirmed].hold_s
