"""Annotators on blank images: the right pixels in the right places, text never mirrored."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from fixtures.poses import Figure, make_pose

from posecoach.exercises.cues import Cue
from posecoach.exercises.guidance import FEET_OUT, NO_PERSON, TURN, setup_message
from posecoach.exercises.session import SessionState
from posecoach.landmarks import Landmark, Side, sided
from posecoach.render import Overlay
from posecoach.render.angle import HipAngleAnnotator
from posecoach.render.banner import CueBannerAnnotator, MessageAnnotator
from posecoach.render.counters import CountersAnnotator, counter_lines
from posecoach.render.fps import FpsAnnotator
from posecoach.render.mirror import mirror_pose
from posecoach.render.skeleton import SkeletonAnnotator
from posecoach.render.style import FAULT, GOOD, HIGHLIGHT, HINT, WHITE, ascii_text
from posecoach.render.timer import CountdownAnnotator, HoldTimerAnnotator, whole_seconds
from posecoach.types import FrameMetrics, FrameRecord, HipGeometry, Pose

H, W = 720, 1280


def blank(h: int = H, w: int = W) -> np.ndarray:
    return np.zeros((h, w, 3), np.uint8)


def state(**changes) -> SessionState:
    base = SessionState(
        time_s=10.0, phase="hold", paused_phase=None, side=Side.LEFT, rep=1, reps_target=3,
        reps_done={Side.LEFT: 1, Side.RIGHT: 0}, hold_s=10.0, hold_target_s=30.0,
        seconds_left=20.0, cycle=None, cycles_target=0, in_position=True, good_form=True,
        cues=(), events=(), prompt="Hold it and breathe slowly.", camera_blind=False,
        camera_note="",
    )
    return dataclasses.replace(base, **changes)


def kneeling_record(side=Side.LEFT, hip_ext=20.0, view_ok=True, pose=None, st=None):
    pose = pose if pose is not None else make_pose(Figure(thigh_deg=20.0, side=side))
    pose = dataclasses.replace(pose, image_size=(W, H))
    metrics = FrameMetrics(time_s=0.0, pose_detected=True, side=side, facing=1, view_ok=view_ok,
                           view_angle_deg=5.0, values={"hip_extension_deg": hip_ext},
                           hip_geometry=landmark_hip_geometry(pose, side))
    return FrameRecord(0, 0.0, pose, metrics, st)


def landmark_hip_geometry(pose, side) -> HipGeometry:
    """The hip angle's lines straight from the landmarks (what the metrics would pass on)."""
    xy = pose.xy
    mid_shoulder = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2
    mid_hip = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2
    hip, knee = xy[sided("hip", side)], xy[sided("knee", side)]
    trunk, thigh = mid_hip - mid_shoulder, knee - hip
    return HipGeometry(hip, trunk / np.linalg.norm(trunk), thigh / np.linalg.norm(thigh))


def near(image: np.ndarray, xy, color, radius: int = 3, tol: int = 40) -> bool:
    """Some pixel within `radius` of xy is close to `color`."""
    x, y = round(float(xy[0])), round(float(xy[1]))
    patch = image[max(0, y - radius): y + radius + 1, max(0, x - radius): x + radius + 1]
    diff = np.abs(patch.astype(int) - np.array(color)).max(axis=2)
    return bool((diff <= tol).any())


def count_color(region: np.ndarray, color, tol: int = 40) -> int:
    return int((np.abs(region.astype(int) - np.array(color)).max(axis=2) <= tol).sum())


# ------------------------------------------------------------------ skeleton and angle


def test_skeleton_highlights_the_working_leg_only():
    record = kneeling_record(side=Side.LEFT)
    image = SkeletonAnnotator().annotate(blank(), record)
    p = record.pose.xy
    mid_left_thigh = (p[Landmark.LEFT_HIP] + p[Landmark.LEFT_KNEE]) / 2
    mid_right_thigh = (p[Landmark.RIGHT_HIP] + p[Landmark.RIGHT_KNEE]) / 2
    mid_trunk = (p[Landmark.LEFT_SHOULDER] + p[Landmark.LEFT_HIP]) / 2
    assert near(image, mid_left_thigh, HIGHLIGHT)
    assert near(image, mid_right_thigh, WHITE) and not near(image, mid_right_thigh, HIGHLIGHT)
    assert near(image, mid_trunk, WHITE)


def test_skeleton_leaves_out_missing_and_unseen_landmarks():
    pose = make_pose(Figure(), drop=(Landmark.LEFT_KNEE,))
    record = kneeling_record(pose=pose)
    image = SkeletonAnnotator().annotate(blank(), record)
    p = make_pose(Figure()).xy
    assert not near(image, (p[Landmark.LEFT_HIP] + p[Landmark.LEFT_KNEE]) / 2, HIGHLIGHT, tol=80)
    assert SkeletonAnnotator().annotate(blank(), FrameRecord(0, 0.0, None)).max() == 0


def test_hip_angle_arc_sits_at_the_hip_between_trunk_line_and_thigh_with_its_value():
    record = kneeling_record(hip_ext=20.0)
    annotator = HipAngleAnnotator()
    image = annotator.annotate(blank(), record)
    p = record.pose.xy
    hip = p[Landmark.LEFT_HIP]
    r = annotator.radius  # 720p: one unit is one pixel
    down = np.array([0.0, 1.0])  # trunk line carried on past the hip (upright trunk)
    thigh = (p[Landmark.LEFT_KNEE] - hip) / np.linalg.norm(p[Landmark.LEFT_KNEE] - hip)
    bisector = (down + thigh) / np.linalg.norm(down + thigh)
    assert near(image, hip + bisector * r, HIGHLIGHT)
    # Nothing on the far side of the trunk line (the arc takes the short way round).
    far = np.array([-bisector[0], bisector[1]])
    assert not near(image, hip + far * r, HIGHLIGHT, tol=60)
    # The value is printed beside the hip: highlighted text pixels away from the arc.
    text_box = image[int(hip[1] - r): int(hip[1]), :]
    assert count_color(text_box, HIGHLIGHT) > 200


def test_hip_angle_needs_a_side_and_the_landmarks():
    record = kneeling_record()
    no_side = dataclasses.replace(record, metrics=dataclasses.replace(record.metrics, side=None))
    assert HipAngleAnnotator().annotate(blank(), no_side).max() == 0


# ------------------------------------------------------------------ clocks and counters


def test_hold_timer_ring_fills_with_credited_seconds_and_shows_seconds_left():
    annotator = HoldTimerAnnotator()
    image = annotator.annotate(blank(), state(hold_s=15.0, hold_target_s=30.0, seconds_left=15))
    cx, cy = annotator.center(image)
    r = annotator.radius
    assert near(image, (cx + r, cy), GOOD)  # quarter past: filled
    assert near(image, (cx, cy + r), GOOD)  # half: filled (just)
    assert not near(image, (cx - r, cy), GOOD)  # three quarters: not yet
    assert count_color(image[cy - 40: cy + 20, cx - 40: cx + 40], WHITE) > 100  # the "15"


def test_hold_timer_turns_red_and_says_paused_in_a_fault():
    annotator = HoldTimerAnnotator()
    image = annotator.annotate(blank(), state(phase="fault", hold_s=20.0))
    cx, cy = annotator.center(image)
    assert near(image, (cx + annotator.radius, cy), FAULT)
    assert HoldTimerAnnotator().annotate(blank(), state(phase="position")).max() == 0


def test_countdown_shows_whole_seconds_in_the_middle():
    assert whole_seconds(3.2) == 4 and whole_seconds(0.0) == 0 and whole_seconds(None) is None
    image = CountdownAnnotator().annotate(blank(), state(phase="get_ready", seconds_left=3.2))
    middle = image[int(H * 0.45): int(H * 0.7), W // 2 - 100: W // 2 + 100]
    assert count_color(middle, WHITE) > 500
    assert CountdownAnnotator().annotate(blank(), state()).max() == 0


def test_counters_say_side_and_hold_number():
    lines = counter_lines(state(), title="Kneeling")
    assert lines[:3] == ["Kneeling", "LEFT LEG", "Hold 2 of 3"]
    assert lines[-1] == "Done: L 1/3   R 0/3"
    image = CountersAnnotator().annotate(blank(), state())
    assert count_color(image[20:120, 20:400], HIGHLIGHT) > 100  # "LEFT LEG"


# ------------------------------------------------------------------ banners


@pytest.mark.parametrize(
    "severity, color", [("fault", FAULT), ("hint", HINT), ("good", GOOD)]
)
def test_cue_banner_is_coloured_by_severity(severity, color):
    cue = Cue("x", "Tuck your tailbone under", severity, 1)
    image = CueBannerAnnotator().annotate(blank(), state(cues=(cue,)))
    band = image[H - 90:, :]
    assert count_color(band, color, tol=30) > 0.5 * band.shape[0] * band.shape[1]
    assert count_color(band, WHITE) > 300  # the text
    assert image[: H - 200].max() == 0


def test_long_cues_are_shrunk_to_fit_the_width():
    cue = Cue("x", "word " * 40, "fault", 1)
    image = CueBannerAnnotator().annotate(blank(), state(cues=(cue,)))
    band = image[H - 90:, :]
    assert count_color(band[:, :10], WHITE) == 0 and count_color(band[:, -10:], WHITE) == 0


def test_setup_guidance_messages():
    record = kneeling_record(view_ok=False)
    assert setup_message(record.pose, record.metrics) == TURN
    assert setup_message(None, dataclasses.replace(record.metrics, pose_detected=False)) == (
        NO_PERSON
    )
    feet_out = make_pose(Figure(hip_at=(640.0, 600.0)))  # ankles below a 720-high image
    feet_out = dataclasses.replace(feet_out, image_size=(W, H))
    assert setup_message(feet_out, record.metrics) == FEET_OUT
    ok = kneeling_record(view_ok=True)
    assert setup_message(ok.pose, ok.metrics) is None
    image = MessageAnnotator().annotate(blank(), TURN)
    assert image[int(H * 0.25): int(H * 0.25) + 60].max() > 0


def test_fps_readout_top_right():
    image = FpsAnnotator().annotate(blank(), 29.97, latency_ms=48)
    assert image[:40, W - 250:].max() > 0 and image[:, : W // 2].max() == 0


def test_text_is_ascii_for_hershey_fonts():
    assert ascii_text("Don\u2019t lean back \u2013 tall") == "Don't lean back - tall"


# ------------------------------------------------------------------ the composed overlay


def test_overlay_does_not_modify_its_input_and_scales_with_height():
    image = blank()
    record = kneeling_record(st=state(cues=(Cue("x", "Lift your chest", "hint", 1),)))
    out = Overlay().annotate(image, record, 30.0)
    assert image.max() == 0 and out.max() > 0
    big = Overlay().annotate(blank(1080, 1920), dataclasses.replace(
        record, pose=None, metrics=None), None)
    # The banner is 1.5x taller at 1080p than at 720p.
    assert count_color(big[1080 - 135:, :], HINT, tol=30) > 0.5 * 135 * 1920


def test_mirrored_overlay_keeps_text_readable_and_flips_the_pose():
    cue = Cue("x", "Tuck your tailbone under", "fault", 1)
    record = kneeling_record(st=state(cues=(cue,)))
    plain = Overlay(mirror=False).annotate(blank(), record, 30.0)
    mirrored = Overlay(mirror=True).annotate(blank(), record, 30.0)
    # Banner, counters and timer: identical pixels to the unmirrored rendering (readable),
    # and different from a flipped copy of it (which would read backwards).
    for crop in (np.s_[H - 90:, :], np.s_[20:200, 20:420], np.s_[30:260, W - 260:]):
        assert np.array_equal(mirrored[crop], plain[crop])
        assert not np.array_equal(mirrored[crop], plain[:, ::-1][crop])
    # The working thigh moved to the mirrored position.
    p = record.pose.xy
    thigh = (p[Landmark.LEFT_HIP] + p[Landmark.LEFT_KNEE]) / 2
    assert near(mirrored, (W - thigh[0], thigh[1]), HIGHLIGHT)


def test_mirror_pose_flips_x_only():
    pose = Pose.from_pixels(np.full((33, 2), [100.0, 50.0]), (640, 480))
    flipped = mirror_pose(pose)
    assert np.allclose(flipped.xy, [540.0, 50.0])


def test_fill_rect_blends_only_its_own_pixels():
    import numpy as np

    from posecoach.render.style import fill_rect

    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    before = image.copy()
    fill_rect(image, (10, 5), (50, 40), (200, 100, 0), alpha=0.75)
    expected = before[5:40, 10:50] * 0.25 + np.array([200, 100, 0]) * 0.75
    assert np.abs(image[5:40, 10:50] - expected).max() <= 1.0
    outside = np.ones(image.shape[:2], bool)
    outside[5:40, 10:50] = False
    assert (image[outside] == before[outside]).all()
    fill_rect(image, (-5, -5), (3, 3), (0, 0, 255))  # clipped at the edge, opaque
    assert (image[0:3, 0:3] == (0, 0, 255)).all()


def test_opaque_bands_are_drawn_once_and_copied_exactly():
    from posecoach.render import banner
    from posecoach.render.style import fill_rect

    banner._opaque_band.cache_clear()
    text, style = "Avoid arching the lower back", banner.CUE_TEXT
    drawn = np.full((360, 640, 3), 90, np.uint8)
    # What the band was before it was cached: fill and text drawn on the picture itself.
    fill_rect(drawn, (0, 300), (640, 346), FAULT, 1.0)
    banner._band_text(drawn, text, (320, 323), 640, WHITE, style, 0.5)
    for _ in range(3):
        image = np.full((360, 640, 3), 90, np.uint8)
        banner._band(image, text, 300, 46, FAULT, WHITE, style, alpha=1.0)
        assert np.array_equal(image, drawn)
    assert banner._opaque_band.cache_info().hits == 2
    # Part of a band below the picture is clipped, not an error; the rest is the same.
    tall = np.full((400, 640, 3), 90, np.uint8)
    fill_rect(tall, (0, 340), (640, 386), FAULT, 1.0)
    banner._band_text(tall, text, (320, 363), 640, WHITE, style, 0.5)
    clipped = np.full((360, 640, 3), 90, np.uint8)
    banner._band(clipped, text, 340, 46, FAULT, WHITE, style, alpha=1.0)
    assert np.array_equal(clipped, tall[:360])


# ------------------------------------------------------------------ window size, 3 m text


def test_overlay_is_drawn_at_the_window_size_with_the_pose_moved_along():
    from posecoach.render.scale import move_record, unfit

    big = kneeling_record(st=state())  # pose in a 1280x720 picture
    small = move_record(big, (0, 0, 960, 540), (960, 540))  # the same, 960x540
    image = Overlay().annotate(blank(540, 960), small, 30.0, size=(1280, 800))
    assert image.shape == (800, 1280, 3)  # the window's size: 1280x720 picture, bars 40 px
    base = Overlay().annotate(blank(), big, 30.0)

    def leg(img, top):  # centre of the highlighted (working) leg below the panels
        ys, xs = np.nonzero(np.abs(img[top + 250: top + 600].astype(int) - HIGHLIGHT)
                             .max(axis=2) <= 25)
        return xs.mean(), ys.mean()

    assert np.allclose(leg(image, 40), leg(base, 0), atol=16)  # text sizes differ a little
    assert unfit(image, (960, 540)).shape == (540, 960, 3)


def test_fps_text_keeps_clear_of_the_timer_ring():
    image = Overlay().annotate(blank(), kneeling_record(st=state()), 29.97, latency_ms=48)
    x0, y0, x1, y1 = (round(v) for v in HoldTimerAnnotator().bounds(image))
    ring_only = Overlay().annotate(blank(), kneeling_record(st=state()))
    text = (image != ring_only).any(axis=2)
    ys, xs = np.nonzero(text)
    assert len(xs) and xs.max() < x0 - 10  # the readout ends 10+ px left of the ring


def test_ring_number_has_a_unit_and_long_cues_wrap_instead_of_shrinking(monkeypatch):
    import posecoach.render.timer as timer

    drawn = []
    monkeypatch.setattr(timer, "put_text", lambda img, text, *a, **k: drawn.append(text))
    HoldTimerAnnotator().annotate(blank(), state(seconds_left=12.0))
    assert drawn == ["12", " s"]
    long = Cue("x", "Ease your hips a little further forward until you feel the front of the hip",
               "fault", 1)
    short = Cue("x", "Tuck your tailbone under", "fault", 1)
    rows = [(CueBannerAnnotator().annotate(blank(), state(cues=(c,)))[..., 2] > 200).any(axis=1)
            for c in (long, short)]
    assert rows[0].sum() > 1.5 * rows[1].sum()  # two lines of full-size text


def test_cue_text_is_large_enough_for_3_m():
    cue = Cue("x", "Tuck your tailbone under", "fault", 1)
    image = CueBannerAnnotator().annotate(blank(800, 1280), state(cues=(cue,)))
    white = count_color(image, WHITE, tol=30) > 0
    rows = np.nonzero((np.abs(image.astype(int) - WHITE).max(axis=2) <= 30).any(axis=1))[0]
    assert white and rows.max() - rows.min() >= 55  # capitals + descenders, px at 800 high
