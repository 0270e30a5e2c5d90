"""Face blurring: the head region changes beyond recognition, the rest is untouched."""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS, Landmark
from posecoach.render.privacy import blur_face, face_ellipse
from posecoach.types import Pose

SIZE = (320, 240)


def _pose(face_at=(160.0, 60.0)) -> Pose:
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    fx, fy = face_at
    for i in range(11):  # face points spread over about 24 px
        xy[i] = fx + (i % 4) * 6 - 9, fy + (i // 4) * 5 - 5
    xy[Landmark.LEFT_SHOULDER] = fx - 5, fy + 55
    xy[Landmark.RIGHT_SHOULDER] = fx + 5, fy + 55
    return Pose.from_pixels(xy, SIZE)


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)  # fine detail


def test_face_region_changes_rest_unchanged():
    image = _image()
    pose = _pose()
    out = blur_face(image, pose)
    assert out.shape == image.shape and out.dtype == image.dtype
    (cx, cy), (ax, ay) = face_ellipse(pose)
    assert ax >= 20 and ay >= 20  # padded to a head, not just the landmark spread
    # Inside: the detail is gone (the noise's variance collapses).
    inner = (slice(cy - ay // 2, cy + ay // 2), slice(cx - ax // 2, cx + ax // 2))
    assert out[inner].std() < 0.3 * image[inner].std()
    assert np.mean(out[inner] != image[inner]) > 0.9
    # Outside the ellipse's bounding box: byte for byte the same.
    outside = np.ones(image.shape[:2], bool)
    outside[max(cy - ay, 0): cy + ay + 1, max(cx - ax, 0): cx + ax + 1] = False
    assert np.array_equal(out[outside], image[outside])
    assert not np.array_equal(image, out)


def test_input_not_modified_and_no_face_no_change():
    image = _image()
    before = image.copy()
    blur_face(image, _pose())
    assert np.array_equal(image, before)
    assert np.array_equal(blur_face(image, None), image)
    no_face = Pose.from_pixels(np.full((NUM_LANDMARKS, 2), np.nan), SIZE)
    assert face_ellipse(no_face) is None
    assert np.array_equal(blur_face(image, no_face), image)


def test_face_at_the_image_edge():
    image = _image()
    out = blur_face(image, _pose(face_at=(3.0, 2.0)))
    assert out.shape == image.shape
    assert not np.array_equal(out[:10, :10], image[:10, :10])


def test_grey_image():
    grey = _image()[:, :, 0]
    out = blur_face(grey, _pose())
    assert out.shape == grey.shape and not np.array_equal(out, grey)
