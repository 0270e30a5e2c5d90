"""The pelvis model candidates compared on validation (compare_pelvis_models.py) and
chosen from per posture (fit_pelvis_trees.py --per-posture): feature sets and models."""

from __future__ import annotations

import numpy as np

from posecoach.measure.frame import LYING_TRUNK_DEG
from tools.calibrate.calibrate_metrics import CONTOUR, PROFILE, FrameTable
from tools.calibrate.fit_pelvis_trees import LEARNING_RATE, MAX_LEAF_NODES, SEED, fitted_features

POSTURES = ("upright", "lying")  # as the runtime picks a posture's models


def posture_rows(table: FrameTable, posture: str) -> np.ndarray:
    """Rows of `table` in the posture ("all": every row), split as
    Calibration.pelvis_models is chosen: by the calibrated trunk inclination."""
    if posture == "all":
        return np.ones(table.clip.shape, bool)
    lying = np.abs(table.feat["trunk_inclination_deg"]) >= LYING_TRUNK_DEG
    return lying if posture == "lying" else ~lying


REL = tuple(f"rel_{n}" for n in CONTOUR) + ("rel_trunk_inclination_deg", "rel_hip_extension_deg")
REL_PROFILE = tuple(f"rel_{n}" for n in PROFILE)
LANDMARK = ("trunk_inclination_deg", "hip_extension_deg", "knee_flexion_deg",
            "thigh_to_vertical_deg")


def feature_sets(table: FrameTable) -> dict[str, list[str]]:
    return {
        "all": fitted_features(table),  # what fit_pelvis_trees.py fits on
        "all+relprof": sorted(table.feat),
        "rel+prof+lm": [*REL, *PROFILE, *LANDMARK],
        "rel+prof": [*REL, *PROFILE],
        "rel": list(REL),
        "prof+lm": [*PROFILE, *LANDMARK],
        "rel+relprof": [*REL, *REL_PROFILE],
        "rel+relprof+lm": [*REL, *REL_PROFILE, *LANDMARK],
        "rel+relprof+prof+lm": [*REL, *REL_PROFILE, *PROFILE, *LANDMARK],
    }


def hgb(**kw):
    from sklearn.ensemble import HistGradientBoostingRegressor

    params = dict(learning_rate=LEARNING_RATE, max_leaf_nodes=MAX_LEAF_NODES,
                  random_state=SEED, early_stopping=False, max_iter=200,
                  min_samples_leaf=200)
    params.update(kw)
    return lambda: HistGradientBoostingRegressor(**params)


def ridge(alpha: float):
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return lambda: make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                 StandardScaler(), Ridge(alpha=alpha))


MODELS = {
    "hgb(200,leaf200)": hgb(),
    "hgb(100,leaf50)": hgb(max_iter=100, min_samples_leaf=50),
    "hgb(300,leaf800,l2=5,7 leaves)": hgb(max_iter=300, min_samples_leaf=800,
                                          l2_regularization=5.0, max_leaf_nodes=7),
    "hgb(200,leaf400,feat0.3)": hgb(min_samples_leaf=400, max_features=0.3),
    "ridge(10)": ridge(10.0),
    "ridge(300)": ridge(300.0),
}
