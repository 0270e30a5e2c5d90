"""Stamps: a drawing recorded once and laid on again matches drawing it afresh."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.render.counters import CountersAnnotator
from posecoach.render.stamp import Stamp, StampCache
from posecoach.render.style import DARK, HIGHLIGHT, fill_rect, put_text

rng = np.random.default_rng(7)


def picture(h: int = 240, w: int = 320) -> np.ndarray:
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def panel(image: np.ndarray) -> None:
    """Translucent panel, outlined anti-aliased text and an opaque ring: the kinds of
    drawing the overlay's panels are made of."""
    fill_rect(image, (20, 30), (200, 110), DARK, 0.6)
    put_text(image, "Hold 2 of 3", (30, 80), 1.0, HIGHLIGHT, 2)
    cv2.circle(image, (260, 60), 30, (0, 0, 255), 5, cv2.LINE_AA)


def test_a_stamp_matches_the_drawing_on_any_picture_and_touches_nothing_else():
    stamp = Stamp.record(panel, (240, 320, 3))
    for _ in range(5):
        under = picture()
        drawn, stamped = under.copy(), under.copy()
        panel(drawn)
        stamp.apply(stamped)
        off = np.abs(drawn.astype(int) - stamped)
        # Rounding: twice per blend when drawn, once when stamped.
        assert off.max() <= 4 and (off > 1).mean() < 0.005
        assert (drawn != under).any()
        outside = np.ones(under.shape[:2], bool)
        outside[stamp.y0:stamp.y0 + stamp.add.shape[0],
                stamp.x0:stamp.x0 + stamp.add.shape[1]] = False
        assert np.array_equal(stamped[outside], under[outside])


def test_the_box_is_only_what_the_drawing_touched():
    stamp = Stamp.record(lambda im: fill_rect(im, (10, 20), (40, 30), DARK, 0.5), (100, 100, 3))
    assert (stamp.x0, stamp.y0, stamp.add.shape[:2]) == (10, 20, (10, 30))
    empty = Stamp.record(lambda im: None, (100, 100, 3))
    under = picture(100, 100)
    assert np.array_equal(empty.apply(under.copy()), under)


def test_the_cache_records_each_key_once_per_shape_and_forgets_the_oldest():
    calls = []

    def draw(image):
        calls.append(image.shape)
        fill_rect(image, (0, 0), (5, 5), DARK, 0.5)

    cache = StampCache(size=2)
    for _ in range(3):
        cache.apply(picture(), "a", draw)
    assert cache.recorded == 1 and len(calls) == 2  # over black and over white, once
    cache.apply(picture(120, 160), "a", draw)  # another size: another stamp
    cache.apply(picture(), "b", draw)  # three stamps: "a" at 240x320 is forgotten
    assert cache.recorded == 3
    cache.apply(picture(), "a", draw)
    assert cache.recorded == 4


def test_the_counters_panel_is_stamped_the_same_as_drawn():
    from posecoach.exercises.session import SessionState
    from posecoach.landmarks import Side

    state = SessionState(
        time_s=10.0, phase="hold", paused_phase=None, side=Side.LEFT, rep=1, reps_target=3,
        reps_done={Side.LEFT: 1, Side.RIGHT: 0}, hold_s=10.0, hold_target_s=30.0,
        seconds_left=20.0, cycle=None, cycles_target=0, in_position=True, good_form=True,
        cues=(), events=(), prompt="", camera_blind=False, camera_note="",
    )
    counters = CountersAnnotator()
    lines = ("Kneeling hip flexor", "LEFT LEG", "Hold 2 of 3", "Done: L 1/3   R 0/3")
    for _ in range(4):
        under = picture(540, 960)
        drawn = under.copy()
        counters._draw(drawn, lines)
        stamped = counters.annotate(under.copy(), state, title="Kneeling hip flexor")
        assert np.abs(drawn.astype(int) - stamped).max() <= 4
    assert counters._stamps.recorded == 1
