"""Fit boosted trees for pelvic tilt and lumbar extension on a corpus's train split.

    python tools/calibrate/fit_pelvis_trees.py --corpus CORPUS --with-samples --write

Run after `calibrate_metrics.py --corpus CORPUS --write` (the landmark offsets it fits
feed the landmark features used here). What it does:
  1. builds the per-frame feature table of calibrate_metrics (back-contour features and
     their "rel_" forms, the back profile's levels, the calibrated landmark metrics) for
     the train split (plus the sample clips with --with-samples: a second renderer's
     bodies, more variety) and for the val split;
  2. fits scikit-learn's HistGradientBoostingRegressor per target for a few
     settings, and keeps the one with the lowest val RMSE (nothing is chosen on test);
     with --per-posture, candidate feature sets and settings per posture, kept by the
     arching rule's recall on val, or with --cv-folds K on the train split's
     out-of-fold predictions (K folds by body: three times the arching episodes val
     has, so a choice less at the mercy of a few clips; val is then printed as a check);
  3. converts the trees to posecoach.measure.trees.TreeEnsemble and checks that they
     predict what scikit-learn predicts on val;
  4. prints the val errors per clip class, and per class the estimate's 98.5th
     percentile over good-form frames: where an arching rule's threshold can sit
     without flagging more than about 1.5% of good form per condition;
  5. with --write, replaces the pelvic_tilt and lumbar_extension models in
     models/calibration.json (rmse_deg = val RMSE) and adds to its provenance.

scikit-learn is needed here only (pip install -e '.[fit]'); the runtime walks the trees
itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from posecoach.measure.calibration import (  # noqa: E402
    CALIBRATION_FILE,
    PelvisModel,
    load_calibration,
    save_calibration,
)
from posecoach.measure.trees import LEAF, TreeEnsemble  # noqa: E402
from posecoach.resources import data_dir  # noqa: E402
from tools.calibrate.calibrate_metrics import (  # noqa: E402
    FrameTable,
    _git_commit,
    facings,
    frame_table,
    side_on,
)
from tools.synth.gtclips import load_clips, load_corpus  # noqa: E402

TARGETS = {"pelvic_tilt": "pelvic_tilt_deg", "lumbar_extension": "lumbar_extension_deg"}
# Settings tried per target; frames of one clip are strongly correlated, so leaves
# must hold many frames and the ensemble stays small.
SETTINGS = [
    {"max_iter": it, "min_samples_leaf": leaf}
    for it in (100, 200)
    for leaf in (50, 200)
]
LEARNING_RATE = 0.05
MAX_LEAF_NODES = 15
SEED = 20260
GOOD_FORM = ("hold", "contract", "relax")
RULE_QUANTILE = 0.985
CLASSES = ("kneel", "bench", "lying", "constructive")


def clip_classes(table: FrameTable, clips) -> np.ndarray:
    names = [str(c.meta.get("scenario_class") or c.name) for c in clips]
    return np.array([names[k] for k in table.clip])


def to_ensemble(model, features: list[str]) -> TreeEnsemble:
    """scikit-learn's fitted HistGradientBoostingRegressor as flat node tables."""
    feature, threshold, missing, left, right, value, roots = [], [], [], [], [], [], []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        base = len(feature)
        roots.append(base)
        for node in nodes:
            leaf = bool(node["is_leaf"])
            feature.append(LEAF if leaf else int(node["feature_idx"]))
            threshold.append(0.0 if leaf else float(node["num_threshold"]))
            missing.append(bool(node["missing_go_to_left"]))
            left.append(0 if leaf else base + int(node["left"]))
            right.append(0 if leaf else base + int(node["right"]))
            value.append(float(node["value"]) if leaf else 0.0)
    baseline = float(np.ravel(model._baseline_prediction)[0])
    return TreeEnsemble(tuple(features), baseline, tuple(roots), tuple(feature),
                        tuple(threshold), tuple(missing), tuple(left), tuple(right),
                        tuple(value))


def fitted_features(table: FrameTable) -> list[str]:
    """The features the trees are fitted on: every column of the table except the
    relative profile levels ("rel_prof_NN"), which compare_pelvis_models.py did not show
    to help on val."""
    return sorted(name for name in table.feat if not name.startswith("rel_prof_"))


def matrix(table: FrameTable, features: list[str]) -> np.ndarray:
    return np.stack([table.feat[name] for name in features], axis=1)


def fit_target(train: FrameTable, val: FrameTable, target: str, features: list[str]):
    from sklearn.ensemble import HistGradientBoostingRegressor

    x_train, x_val = matrix(train, features), matrix(val, features)
    y_train, y_val = train.gt[target], val.gt[target]
    ok_train, ok_val = np.isfinite(y_train), np.isfinite(y_val)
    best = None
    for setting in SETTINGS:
        model = HistGradientBoostingRegressor(
            learning_rate=LEARNING_RATE, max_leaf_nodes=MAX_LEAF_NODES, random_state=SEED,
            early_stopping=False, **setting,
        ).fit(x_train[ok_train], y_train[ok_train])
        err = model.predict(x_val[ok_val]) - y_val[ok_val]
        rmse = float(np.sqrt(np.mean(err**2)))
        print(f"  {target:22s} {setting}: val MAE {np.mean(np.abs(err)):.2f} RMSE {rmse:.2f}")
        if best is None or rmse < best[0]:
            best = (rmse, setting, model)
    rmse, setting, model = best
    ensemble, ours, gap = checked_ensemble(model, features, x_val)
    print(f"  -> {target}: {setting}, val RMSE {rmse:.2f}; trees match scikit-learn ({gap:.1e})")
    return ensemble, rmse, ours


def checked_ensemble(model, features: list[str], x_val: np.ndarray):
    """(TreeEnsemble of `model`, its predictions on x_val, largest gap to scikit-learn's);
    stops when the converted trees do not predict what scikit-learn does."""
    ensemble = to_ensemble(model, features)
    ours = np.array([ensemble.predict(dict(zip(features, row, strict=True))) for row in x_val])
    gap = float(np.max(np.abs(ours - model.predict(x_val))))
    if gap > 1e-6:
        raise SystemExit(f"the converted trees differ from scikit-learn's by {gap}")
    return ensemble, ours, gap


# Per posture (--per-posture): the candidates tried, and the most false flags on good
# form a chosen model may give in any of the posture's classes at its thresholds.
POSTURE_SETS = ("all", "rel", "rel+relprof", "rel+relprof+lm", "rel+prof+lm")
POSTURE_MODELS = ("hgb(200,leaf200)", "hgb(100,leaf50)", "hgb(300,leaf800,l2=5,7 leaves)",
                  "hgb(200,leaf400,feat0.3)")
MAX_FALSE_FLAGS = 0.03


def class_arch_score(table: FrameTable, rows: np.ndarray, preds: dict[str, np.ndarray]
                     ) -> dict[str, float]:
    """Over `rows` (one clip class): each target's MAE, and the arching rule as the
    exercises run it, flagging a frame when either estimate is above its good-form
    RULE_QUANTILE among `rows`: "recall" over the arching frames, "false" over good
    form (NaN where there are none)."""
    good = rows & np.isin(table.gt["phase"], GOOD_FORM)
    arch = rows & (table.gt["arch_fault"] > 0.5)
    score = {}
    flag = np.zeros(table.clip.shape, bool)
    for target, pred in preds.items():
        score[target], threshold = error_and_threshold(table, rows, target, pred)
        if np.isfinite(threshold):
            flag |= np.nan_to_num(pred, nan=-np.inf) > threshold
    score["recall"] = float(flag[arch].mean()) if arch.any() else float("nan")
    score["false"] = float(flag[good].mean()) if good.any() else float("nan")
    return score


def arch_recall(val: FrameTable, classes: np.ndarray, preds: dict[str, np.ndarray],
                rows: np.ndarray) -> tuple[float, float, float]:
    """(mean arch recall, worst false-flag rate, mean MAE) over the classes with arching
    frames among `rows`, each scored by class_arch_score."""
    arch = val.gt["arch_fault"] > 0.5
    recalls, false, errors = [], [], []
    for klass in CLASSES:
        in_k = rows & in_class(classes, klass)
        if not (in_k & arch).any():
            continue
        score = class_arch_score(val, in_k, preds)
        errors += [score[target] for target in preds]
        recalls.append(score["recall"])
        false.append(score["false"] if np.isfinite(score["false"]) else 0.0)
    if not recalls:
        return float("nan"), float("nan"), float("nan")
    return float(np.mean(recalls)), float(max(false)), float(np.nanmean(errors))


def body_folds(train: FrameTable, bodies: list[str], folds: int) -> np.ndarray:
    """Per train row, its fold (0..folds-1): whole bodies to a fold, dealt in a seeded
    shuffle, so that no body is in the frames a fold's model is fitted on and scored on."""
    names = sorted(set(bodies))
    order = np.random.default_rng(SEED).permutation(len(names))
    fold_of = {names[i]: k % folds for k, i in enumerate(order)}
    return np.array([fold_of[bodies[c]] for c in train.clip])


def out_of_fold(make, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray,
                fold: np.ndarray) -> np.ndarray:
    """Each row's prediction by the model fitted on the other folds' rows (NaN outside
    `fit_rows`)."""
    pred = np.full(len(y), np.nan)
    for k in np.unique(fold):
        held = fold == k
        ok = np.isfinite(y) & fit_rows & ~held
        pred[held & fit_rows] = make().fit(x[ok], y[ok]).predict(x[held & fit_rows])
    return pred


def fit_per_posture(train: FrameTable, val: FrameTable, val_classes: np.ndarray,
                    cv: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Per posture: every candidate of POSTURE_SETS x POSTURE_MODELS fitted on that
    posture's train frames, scored on its val frames by arch recall (false flags at most
    MAX_FALSE_FLAGS, then the lower MAE); the best one's trees per target, checked against
    scikit-learn. With `cv` (each train row's fold and clip class) the choice is made
    instead on the train split's out-of-fold predictions, folds by body (val, with its
    few arching episodes, is then only printed beside it as a check). Returns {posture:
    (description, {target: (ensemble, rmse)}, preds)}."""
    from tools.calibrate.pelvis_candidates import MODELS, POSTURES, feature_sets, posture_rows

    sets = feature_sets(train)
    chosen = {}
    for posture in POSTURES:
        fit_rows, val_rows = posture_rows(train, posture), posture_rows(val, posture)
        best = None
        for set_name in POSTURE_SETS:
            features = sets[set_name]
            x_train, x_val = matrix(train, features), matrix(val, features)
            for model_name in POSTURE_MODELS:
                fitted, preds, oof = {}, {}, {}
                for target in TARGETS.values():
                    y = train.gt[target]
                    ok = np.isfinite(y) & fit_rows
                    fitted[target] = MODELS[model_name]().fit(x_train[ok], y[ok])
                    preds[target] = np.where(val_rows, fitted[target].predict(x_val), np.nan)
                    if cv is not None:
                        oof[target] = out_of_fold(MODELS[model_name], x_train, y, fit_rows,
                                                  cv[0])
                recall, false, mae = arch_recall(val, val_classes, preds, val_rows)
                line = (f"  {posture:8s} {set_name:16s} {model_name:32s} val recall "
                        f"{recall:.2f} false {false:.3f} MAE {mae:.2f}")
                if cv is not None:
                    recall, false, mae = arch_recall(train, cv[1], oof, fit_rows)
                    line += f" | train CV recall {recall:.2f} false {false:.3f} MAE {mae:.2f}"
                print(line, flush=True)
                key = (false <= MAX_FALSE_FLAGS, recall, -mae)
                if best is None or key > best[0]:
                    best = (key, set_name, model_name, features, fitted, x_val)
        _, set_name, model_name, features, fitted, x_val = best
        models, preds = {}, {}
        for target, model in fitted.items():
            ensemble, pred, gap = checked_ensemble(model, features, x_val)
            rows = val_rows & np.isfinite(val.gt[target])
            rmse = float(np.sqrt(np.mean((pred[rows] - val.gt[target][rows]) ** 2)))
            models[target] = (ensemble, rmse)
            preds[target] = np.where(val_rows, pred, np.nan)
        print(f"  -> {posture}: {set_name}, {model_name}; trees match scikit-learn")
        how = "" if cv is None else f", chosen by {len(np.unique(cv[0]))}-fold body CV on train"
        chosen[posture] = (f"{set_name} features, {model_name}{how}", models, preds)
    return chosen


def in_class(classes: np.ndarray, klass: str) -> np.ndarray:
    """Rows whose clip class starts with `klass` ("kneel" covers every kneeling class)."""
    return np.char.startswith(classes.astype(str), klass)


def error_and_threshold(
    table: FrameTable, rows: np.ndarray, target: str, pred: np.ndarray
) -> tuple[float, float]:
    """(MAE of `pred` against the truth over `rows`, the RULE_QUANTILE of `pred` over the
    good-form frames among `rows`: where an arching condition on it can sit); NaN where
    there is no such frame."""
    truth = table.gt[target]
    ok = rows & np.isfinite(truth) & np.isfinite(pred)
    error = float(np.mean(np.abs(pred[ok] - truth[ok]))) if ok.any() else float("nan")
    quiet = rows & np.isin(table.gt["phase"], GOOD_FORM) & np.isfinite(pred)
    threshold = float(np.quantile(pred[quiet], RULE_QUANTILE)) if quiet.any() else float("nan")
    return error, threshold


def report(val: FrameTable, classes: np.ndarray, preds: dict[str, np.ndarray]) -> dict:
    """Val MAE per class, and per class where an arching condition can sit."""
    suggested = {}
    for klass in CLASSES:
        rows = in_class(classes, klass)
        line = [f"  {klass:13s}"]
        for target, pred in preds.items():
            error, threshold = error_and_threshold(val, rows, target, pred)
            if not np.isfinite(error):
                continue
            line.append(f"{target} MAE {error:.2f}")
            if np.isfinite(threshold):
                suggested.setdefault(klass, {})[target] = round(threshold, 1)
                line.append(f"good-form P{RULE_QUANTILE * 100:g} {threshold:.1f}")
        print(", ".join(line))
    return suggested


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--with-samples", action="store_true",
                        help="add the side-on sample clips to the train split")
    parser.add_argument("--jobs", type=int, default=1, help="parallel pose extraction")
    parser.add_argument("--write", action="store_true",
                        help="store the trees in models/calibration.json")
    parser.add_argument("--per-posture", action="store_true",
                        help="one model pair upright and one lying, each chosen on val by "
                        "arch recall among candidate feature sets and settings")
    parser.add_argument("--cv-folds", type=int, default=0,
                        help="with --per-posture: choose each posture's candidate on the "
                        "train split's out-of-fold predictions, this many folds by body, "
                        "instead of on val")
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is needed to fit: pip install -e '.[fit]'", file=sys.stderr)
        return 2
    path = data_dir("models") / CALIBRATION_FILE
    calib = load_calibration(path)
    train = load_corpus(args.corpus, ["train"], jobs=args.jobs)
    samples = [c for c in load_clips(jobs=args.jobs) if side_on(c)] if args.with_samples else []
    val = load_corpus(args.corpus, ["val"], jobs=args.jobs)
    print(f"train: {len(train)} corpus clips + {len(samples)} sample clips; val: {len(val)}")
    facing = {c.name: facings(c) for c in train + samples + val}
    train_table = frame_table(train + samples, facing, calib)
    val_table = frame_table(val, facing, calib)
    models, preds, described = {}, {}, f"{LEARNING_RATE} learning rate, {MAX_LEAF_NODES} leaves"
    val_classes = clip_classes(val_table, val)
    if args.per_posture:
        cv = None
        if args.cv_folds > 1:
            clips = train + samples
            bodies = [str(c.meta.get("body_id") or "samples") for c in clips]
            cv = (body_folds(train_table, bodies, args.cv_folds),
                  clip_classes(train_table, clips))
        chosen = fit_per_posture(train_table, val_table, val_classes, cv)
        for posture, (_what, fitted, posture_preds) in chosen.items():
            suffix = "_lying" if posture == "lying" else ""
            for name, target in TARGETS.items():
                ensemble, rmse = fitted[target]
                models[name + suffix] = PelvisModel(trees=ensemble, rmse_deg=round(rmse, 2))
                pred = posture_preds[target]
                preds[target] = np.where(np.isfinite(pred), pred, preds.get(target, pred))
        described = "; ".join(f"{p}: {what}" for p, (what, _, _) in chosen.items())
    else:
        features = fitted_features(train_table)
        for name, target in TARGETS.items():
            ensemble, rmse, pred = fit_target(train_table, val_table, target, features)
            models[name] = PelvisModel(trees=ensemble, rmse_deg=round(rmse, 2))
            preds[target] = pred
        models.update(pelvic_tilt_lying=None, lumbar_extension_lying=None)
    print("\nval, per class:")
    suggested = report(val_table, val_classes, preds)
    print("\narching thresholds the val split allows (per class, per condition):")
    print(json.dumps(suggested, indent=2))
    if args.write:
        document = json.loads(path.read_text(encoding="utf-8"))
        provenance = dict(document.get("provenance") or {})
        provenance["pelvis_models"] = {
            "fitted_by": "python tools/calibrate/fit_pelvis_trees.py --corpus "
            f"{args.corpus.name}{' --with-samples' if args.with_samples else ''}"
            f"{' --per-posture' if args.per_posture else ''}"
            f"{f' --cv-folds {args.cv_folds}' if args.cv_folds > 1 else ''} --write",
            "data": f"corpus {args.corpus.name}: {len(train)} train clips"
            f"{f' + {len(samples)} sample clips' if samples else ''} (fitted), "
            f"{len(val)} val clips "
            f"({'checked' if args.cv_folds > 1 else 'settings chosen'})",
            "model": f"scikit-learn HistGradientBoostingRegressor, seed {SEED}; {described}",
            "date": date.today().isoformat(),
            "git_commit": _git_commit(),
        }
        calib = replace(calib, **models)
        save_calibration(calib, path, provenance)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
