"""The boosted-tree evaluator of the pelvis estimates, against hand-built trees."""

from __future__ import annotations

import json
import math

import pytest

from posecoach.measure.calibration import (
    PELVIS_MODELS,
    Calibration,
    PelvisModel,
    calibration_from_json,
    calibration_to_json,
)
from posecoach.measure.trees import LEAF, TreeEnsemble


def two_trees() -> TreeEnsemble:
    """Tree 1 splits on "a" at 1.0 (missing goes right): 10 or 20. Tree 2 splits on "b"
    at -2.0 (missing goes left), then its right child on "a" at 5.0: -1, 3 or 4."""
    return TreeEnsemble(
        features=("a", "b"),
        baseline=0.5,
        roots=(0, 3),
        #         tree 1         tree 2
        feature=(0, LEAF, LEAF, 1, LEAF, 0, LEAF, LEAF),
        threshold=(1.0, 0, 0, -2.0, 0, 5.0, 0, 0),
        missing_left=(False, False, False, True, False, True, False, False),
        left=(1, 0, 0, 4, 0, 6, 0, 0),
        right=(2, 0, 0, 5, 0, 7, 0, 0),
        value=(0, 10.0, 20.0, 0, -1.0, 0, 3.0, 4.0),
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"a": 0.0, "b": -5.0}, 0.5 + 10 - 1),
        ({"a": 1.0, "b": -2.0}, 0.5 + 10 - 1),  # at the threshold goes left
        ({"a": 2.0, "b": 0.0}, 0.5 + 20 + 3),
        ({"a": 6.0, "b": 0.0}, 0.5 + 20 + 4),
        ({"a": math.nan, "b": 0.0}, 0.5 + 20 + 3),  # tree 2's "a" missing goes left
        ({"b": math.nan}, 0.5 + 20 - 1),  # absent and NaN are both missing
        ({"a": "not a number", "b": None}, 0.5 + 20 - 1),
    ],
)
def test_predict_walks_each_tree_to_its_leaf(values, expected):
    assert two_trees().predict(values) == pytest.approx(expected)


def test_json_round_trip_predicts_the_same():
    trees = two_trees()
    again = TreeEnsemble.from_json(json.loads(json.dumps(trees.to_json())))
    assert again == trees
    assert again.predict({"a": 6.0, "b": 0.0}) == trees.predict({"a": 6.0, "b": 0.0})


def test_broken_tables_are_refused():
    d = two_trees().to_json()
    d["nodes"][0][0] = 7  # a feature index beyond the two names
    with pytest.raises(ValueError, match="feature"):
        TreeEnsemble.from_json(d)
    d = two_trees().to_json()
    d["nodes"][3][3] = 1  # a child before its parent: a loop or another tree
    with pytest.raises(ValueError, match="outside"):
        TreeEnsemble.from_json(d)


def test_calibration_carries_tree_models_through_json():
    calib = Calibration(lumbar_extension=PelvisModel(trees=two_trees(), rmse_deg=3.5))
    document = json.loads(json.dumps(calibration_to_json(calib)))
    assert document["lumbar_extension"]["trees"]["nodes"][0] == [0, 1.0, 0, 1, 2, 0]
    again = calibration_from_json(document)
    assert again.lumbar_extension.trees == two_trees()
    assert again.lumbar_extension.rmse_deg == 3.5
    assert again.pelvic_tilt is None


def test_lying_models_are_used_lying_only_and_kept_through_json():
    upright = PelvisModel(intercept=1.0)
    lying = PelvisModel(trees=two_trees(), rmse_deg=2.0)
    calib = Calibration(pelvic_tilt=upright, lumbar_extension=upright,
                        pelvic_tilt_lying=lying, lumbar_extension_lying=lying)
    assert calib.pelvis_models(lying=False) == (upright, upright)
    assert calib.pelvis_models(lying=True) == (lying, lying)
    again = calibration_from_json(json.loads(json.dumps(calibration_to_json(calib))))
    assert again.pelvis_models(lying=True)[1].trees == two_trees()
    alone = Calibration(pelvic_tilt=upright, lumbar_extension=upright)
    assert alone.pelvis_models(lying=True) == (upright, upright)  # none fitted lying


def _walk_one_by_one(trees: TreeEnsemble, values: dict) -> float:
    """The trees walked one at a time, node by node: the definition predict must match."""
    total = trees.baseline
    for node in trees.roots:
        while trees.feature[node] != LEAF:
            v = values.get(trees.features[trees.feature[node]], math.nan)
            left = trees.missing_left[node] if math.isnan(v) else v <= trees.threshold[node]
            node = trees.left[node] if left else trees.right[node]
        total += trees.value[node]
    return total


def test_the_shipped_pelvis_trees_predict_as_walked_one_by_one():
    import numpy as np

    from posecoach.measure.calibration import DEFAULT_CALIBRATION

    rng = np.random.default_rng(7)
    shipped = [getattr(DEFAULT_CALIBRATION, name) for name in PELVIS_MODELS]
    for model in (m for m in shipped if m is not None):
        trees = model.trees
        assert trees is not None and len(trees.roots) > 10
        pairs = zip(trees.threshold, trees.feature, strict=True)
        thresholds = np.array([t for t, f in pairs if f != LEAF])
        for _ in range(200):
            # values around the split points, a tenth of them missing
            values = {
                name: (math.nan if rng.random() < 0.1 else float(rng.choice(thresholds)
                                                                  + rng.normal(0, 0.5)))
                for name in trees.features
            }
            assert trees.predict(values) == pytest.approx(_walk_one_by_one(trees, values))
