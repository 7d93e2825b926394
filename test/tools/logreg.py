# /usr/bin/python3 test/tools/logreg.py [--honest] <out-folder>...: the reference the training
# defaults are measured against (a measurement tool, never part of the
# product; Debian's python3-sklearn). On the vectors test/tools/embed-dataset.ts wrote: scikit-learn's
# logistic regression on L2-normalised embeddings, trained on the plain and
# mirrored view of each training image, predicting the mean of both views'
# probabilities, with C chosen after the fact (the best on the test images
# themselves, so an optimistic reference). Measured on the val folder and by
# 5-fold cross-validation over the train folder, with the folds of
# test/tools/kfold-heads.ts (by content hash). The "C by inner CV" figures choose C
# honestly instead, by 5-fold cross-validation within the training images
# alone, as a product would have to.
import hashlib
import json
import os
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

FOLDS = 5
CS = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]
PLAIN, FLIP = 0, 1


def fold_of(sha):
    h = hashlib.sha256(("fold:" + sha).encode()).digest()
    return int.from_bytes(h[:4], "big") * FOLDS // 2**32


def predict_right(x, y, train, test, c, views):
    xt = np.concatenate([x[train, v] for v in views])
    yt = np.concatenate([y[train] for _ in views])
    model = LogisticRegression(C=c, max_iter=5000).fit(xt, yt)
    p = (model.predict_proba(x[test, PLAIN]) + model.predict_proba(x[test, FLIP])) / 2
    return int((model.classes_[p.argmax(1)] == y[test]).sum()), len(test)


def inner_cv_c(x, y, train, views):
    """The C that 5-fold cross-validation within `train` alone prefers (folds by position in a fixed shuffle)."""
    order = np.random.RandomState(0).permutation(len(train))
    inner = np.empty(len(train), dtype=int)
    inner[order] = np.arange(len(train)) % FOLDS
    scores = [(sum(predict_right(x, y, train[inner != k], train[inner == k], c, views)[0] for k in range(FOLDS)), -c) for c in CS]
    return -max(scores)[1]


def honest(x, y, train, test, views):
    return predict_right(x, y, train, test, inner_cv_c(x, y, train, views), views)[0]


flags = [a for a in sys.argv[1:] if a.startswith("--")]
for folder in [a for a in sys.argv[1:] if not a.startswith("--")]:
    meta = json.load(open(os.path.join(folder, "meta.json")))
    x = np.fromfile(os.path.join(folder, "vectors.f32"), dtype="<f4").reshape(len(meta["images"]), meta["views"], meta["dim"])
    x = x / np.linalg.norm(x, axis=2, keepdims=True)
    y = np.array([i["className"] for i in meta["images"]])
    split = np.array([i["split"] for i in meta["images"]])
    train_folder = np.where(split == "train")[0]
    val_folder = np.where(split == "validation")[0]
    folds = np.array([fold_of(meta["images"][i]["sha256"]) for i in train_folder])
    name = os.path.basename(os.path.normpath(folder))
    for label, views in [("plain+mirror", [PLAIN, FLIP]), ("all six", list(range(meta["views"])))]:
        best_val = max((predict_right(x, y, train_folder, val_folder, c, views)[0], c) for c in CS)
        best_kfold = (0, None)
        for c in CS:
            right = sum(predict_right(x, y, train_folder[folds != k], train_folder[folds == k], c, views)[0] for k in range(FOLDS))
            best_kfold = max(best_kfold, (right, c))
        print(f"{name}\tlogreg {label}\tval folder {best_val[0] / len(val_folder):.3f} (C={best_val[1]})\t{FOLDS}-fold {best_kfold[0] / len(train_folder):.3f} (C={best_kfold[1]})")
        if "--honest" in flags:
            on_val = honest(x, y, train_folder, val_folder, views)
            kfold = sum(honest(x, y, train_folder[folds != k], train_folder[folds == k], views) for k in range(FOLDS))
            print(f"{name}\tlogreg {label}, C by inner CV\tval folder {on_val / len(val_folder):.3f}\t{FOLDS}-fold {kfold / len(train_folder):.3f}")
