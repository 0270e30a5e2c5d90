"""Compare candidate pelvis models on the corpus's val split: error and arch detection.

    python tools/calibrate/compare_pelvis_models.py --corpus CORPUS [--with-samples]

fit_pelvis_trees.py fits one family (boosted trees over every feature) and keeps the
setting with the lowest val RMSE. A low RMSE is not what the arching cue needs: it needs
the estimate to rise on arching frames of bodies it has never seen while staying low on
good form. This script fits each candidate on train only and scores it on val, per clip
class, by
  * MAE of pelvic_tilt_deg and lumbar_extension_deg,
  * the arching rule as the exercises run it, frame by frame: each estimate's threshold
    put at its 98.5th percentile over the class's good-form val frames (how
    fit_pelvis_trees.py suggests them), the flag on when either is above; recall over
    the arching frames and the false-flag rate over good form.
Nothing here looks at the test split. The feature tables are cached in
out/pelvis_tables/, keyed by the poses' cache tag and the calibration file.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from posecoach.measure.calibration import CALIBRATION_FILE, load_calibration  # noqa: E402
from posecoach.resources import data_dir  # noqa: E402
from tools.calibrate.calibrate_metrics import (  # noqa: E402
    FrameTable,
    facings,
    frame_table,
    side_on,
)
from tools.calibrate.fit_pelvis_trees import (  # noqa: E402
    CLASSES,
    TARGETS,
    class_arch_score,
    clip_classes,
    in_class,
    matrix,
)
from tools.calibrate.pelvis_candidates import (  # noqa: E402
    MODELS,
    POSTURES,
    feature_sets,
    posture_rows,
)
from tools.synth.gtclips import ESTIMATOR_TAG, load_clips, load_corpus  # noqa: E402

TABLES = ROOT / "out" / "pelvis_tables"


def tables(corpus: Path, with_samples: bool, jobs: int):
    TABLES.mkdir(parents=True, exist_ok=True)
    # Keyed by the poses (the estimator's cache tag) and the calibration the features are
    # measured with, so that neither changing leaves stale tables in use.
    calibration = (data_dir("models") / CALIBRATION_FILE).read_bytes()
    digest = hashlib.sha256(calibration).hexdigest()[:10]
    key = TABLES / (f"{corpus.name}{'_samples' if with_samples else ''}"
                    f"{ESTIMATOR_TAG}.{digest}.pkl")
    if key.exists():
        return pickle.loads(key.read_bytes())
    calib = load_calibration(data_dir("models") / CALIBRATION_FILE)
    train = load_corpus(corpus, ["train"], jobs=jobs)
    if with_samples:
        train += [c for c in load_clips(jobs=jobs) if side_on(c)]
    val = load_corpus(corpus, ["val"], jobs=jobs)
    facing = {c.name: facings(c) for c in train + val}
    train_table, val_table = frame_table(train, facing, calib), frame_table(val, facing, calib)
    out = (train_table, clip_classes(train_table, train), val_table,
           clip_classes(val_table, val))
    key.write_bytes(pickle.dumps(out))
    return out


def arch_scores(val: FrameTable, classes: np.ndarray, preds: dict[str, np.ndarray]) -> dict:
    """Per clip class present in val: fit_pelvis_trees.class_arch_score."""
    return {klass: class_arch_score(val, rows, preds) for klass in CLASSES
            if (rows := in_class(classes, klass)).any()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--with-samples", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--features", default=None, help="only these feature sets (comma)")
    parser.add_argument("--models", default=None,
                        help="only these models (separated by ';': their names hold commas)")
    parser.add_argument("--posture", choices=(*POSTURES, "all"), default="all",
                        help="fit on the train frames of this posture only and predict "
                        "only its val frames, as a posture's own model runs")
    args = parser.parse_args(argv)
    train, _, val, val_classes = tables(args.corpus, args.with_samples, args.jobs)
    sets = feature_sets(train)
    chosen_sets = args.features.split(",") if args.features else list(sets)
    chosen_models = args.models.split(";") if args.models else list(MODELS)
    unknown = [n for n in chosen_sets if n not in sets] + [n for n in chosen_models
                                                          if n not in MODELS]
    if unknown:
        parser.error(f"unknown feature set or model: {', '.join(unknown)} "
                     f"(feature sets: {', '.join(sets)}; models: {'; '.join(MODELS)})")
    print(f"train frames {train.clip.size}, val frames {val.clip.size}")
    print(f"{'features':14s} {'model':32s} " + " ".join(
        f"{k[:5]:>5s}:tilt lumb  rec  fls" for k in ("kneel", "bench")))
    fit_rows, predict_rows = posture_rows(train, args.posture), posture_rows(val, args.posture)
    for set_name in chosen_sets:
        features = sets[set_name]
        x_train, x_val = matrix(train, features), matrix(val, features)
        for model_name in chosen_models:
            preds = {}
            for target in TARGETS.values():
                y = train.gt[target]
                ok = np.isfinite(y) & fit_rows
                model = MODELS[model_name]().fit(x_train[ok], y[ok])
                preds[target] = np.where(predict_rows, model.predict(x_val), np.nan)
            scores = arch_scores(val, val_classes, preds)
            cells = []
            for klass in ("kneel", "bench"):
                s = scores.get(klass, {})
                cells.append(f"{s.get('pelvic_tilt_deg', np.nan):10.2f} "
                             f"{s.get('lumbar_extension_deg', np.nan):4.2f} "
                             f"{s.get('recall', np.nan):4.2f} {s.get('false', np.nan):4.2f}")
            print(f"{set_name:14s} {model_name:32s} " + " ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
