"""paddle_distilroberta.metrics: hand-computed values, and (when installed) scikit-learn / scipy / seqeval agree."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require
from paddle_distilroberta import metrics


def test_metrics_accuracy_f1_mcc_by_hand():
    p, r = [1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]
    assert metrics.accuracy(p, r) == {"accuracy": 4 / 6}
    # tp=2 fp=1 fn=1 -> precision=recall=2/3 -> f1=2/3
    assert metrics.f1(p, r) == pytest.approx({"f1": 2 / 3})
    # tp=2 tn=2 fp=1 fn=1 -> (4-1)/sqrt(3*3*3*3) = 1/3
    assert metrics.matthews_corrcoef(p, r) == pytest.approx({"matthews_correlation": 1 / 3})
    assert metrics.matthews_corrcoef([1, 1], [0, 1]) == {"matthews_correlation": 0.0}
    with pytest.raises(ValueError, match="shape"):
        metrics.accuracy([1, 2], [1])


def test_metrics_correlations_by_hand():
    assert metrics.pearsonr([1, 2, 3], [2, 4, 6])["pearsonr"] == pytest.approx(1.0)
    assert metrics.spearmanr([1, 2, 3, 4], [1, 4, 9, 100])["spearmanr"] == pytest.approx(1.0)
    assert metrics.spearmanr([1, 2, 3], [3, 2, 1])["spearmanr"] == pytest.approx(-1.0)


def test_metrics_agree_with_sklearn_and_scipy():
    skm = require("sklearn.metrics")
    stats = require("scipy.stats")
    rng = np.random.default_rng(0)
    for classes in (2, 3):
        p, r = rng.integers(0, classes, 200), rng.integers(0, classes, 200)
        r[:80] = p[:80]
        assert metrics.accuracy(p, r)["accuracy"] == pytest.approx(skm.accuracy_score(r, p))
        assert metrics.matthews_corrcoef(p, r)["matthews_correlation"] == pytest.approx(skm.matthews_corrcoef(r, p))
        for average in (("binary",) if classes == 2 else ()) + ("macro", "micro", "weighted"):
            assert metrics.f1(p, r, average=average)["f1"] == pytest.approx(skm.f1_score(r, p, average=average)), average
    x, y = rng.normal(size=50), rng.normal(size=50)
    y[:30] = x[:30] + 0.1 * y[:30]
    x[::7] = x[0]  # ties
    assert metrics.pearsonr(x, y)["pearsonr"] == pytest.approx(stats.pearsonr(x, y)[0])
    assert metrics.spearmanr(x, y)["spearmanr"] == pytest.approx(stats.spearmanr(x, y)[0])


def test_metrics_glue_compute_keys():
    assert set(metrics.glue_compute("mrpc", [1, 0], [1, 1])) == {"accuracy", "f1"}
    assert set(metrics.glue_compute("stsb", [0.1, 0.5, 0.9], [0.0, 1.0, 2.0])) == {"pearson", "spearmanr"}
    assert set(metrics.glue_compute("cola", [1, 0], [1, 0])) == {"matthews_correlation"}
    assert metrics.glue_compute("sst2", [1, 0], [1, 1]) == {"accuracy": 0.5}
    with pytest.raises(KeyError):
        metrics.glue_compute("nope", [1], [1])


NER_TRUE = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "I-ORG", "O", "B-PER"]]
NER_PRED = [["B-PER", "I-PER", "O", "O"], ["O", "B-ORG", "I-LOC", "O", "I-PER"]]


def test_metrics_entities_by_hand():
    assert metrics.get_entities(["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC"]) == [
        ("PER", 0, 1), ("LOC", 3, 4), ("LOC", 5, 5)]
    assert metrics.get_entities(["S-PER", "B-LOC", "E-LOC", "O"]) == [("PER", 0, 0), ("LOC", 1, 2)]
    out = metrics.seqeval_compute(NER_PRED, NER_TRUE)
    # true: PER(0,0-1) LOC(0,3) ORG(1,1-2) PER(1,4); pred: PER(0,0-1) ORG(1,1) LOC(1,2) PER(1,4)
    assert out["overall_precision"] == pytest.approx(2 / 4) and out["overall_recall"] == pytest.approx(2 / 4)
    assert out["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "number": 2}
    assert out["ORG"]["number"] == 1 and out["ORG"]["f1"] == 0.0
    assert out["overall_accuracy"] == pytest.approx(6 / 9)


def test_metrics_seqeval_agrees_with_seqeval():
    sm = require("seqeval.metrics")
    rng = np.random.default_rng(1)
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
    true = [[tags[i] for i in rng.integers(0, len(tags), rng.integers(1, 12))] for _ in range(40)]
    pred = [[t if rng.random() < 0.7 else tags[rng.integers(0, len(tags))] for t in seq] for seq in true]
    out = metrics.seqeval_compute(pred, true)
    assert out["overall_f1"] == pytest.approx(sm.f1_score(true, pred))
    assert out["overall_precision"] == pytest.approx(sm.precision_score(true, pred))
    assert out["overall_recall"] == pytest.approx(sm.recall_score(true, pred))
    assert out["overall_accuracy"] == pytest.approx(sm.accuracy_score(true, pred))
    report = sm.classification_report(true, pred, output_dict=True)
    for kind in ("PER", "LOC", "ORG"):
        assert out[kind]["f1"] == pytest.approx(report[kind]["f1-score"]), kind
        assert out[kind]["number"] == report[kind]["support"]


def test_metrics_squad_v1_and_v2():
    refs = [{"id": "a", "answers": {"text": ["the Eiffel Tower", "Eiffel"], "answer_start": [0, 4]}},
            {"id": "b", "answers": {"text": ["in 1889"], "answer_start": [3]}}]
    preds = [{"id": "a", "prediction_text": "Eiffel tower!"}, {"id": "b", "prediction_text": "1889 exactly"}]
    out = metrics.squad_compute(preds, refs)
    assert out["exact_match"] == pytest.approx(50.0)
    # b: pred tokens [1889, exactly], gold [in, 1889]: p=r=1/2 -> f1 1/2
    assert out["f1"] == pytest.approx(75.0)
    assert metrics.normalize_answer("  The  Eiffel, Tower. ") == "eiffel tower"
    refs2 = refs + [{"id": "c", "answers": {"text": [], "answer_start": []}}]
    preds2 = preds + [{"id": "c", "prediction_text": "", "no_answer_probability": 0.0}]
    out2 = metrics.squad_v2_compute(preds2, refs2)
    assert out2["total"] == 3 and out2["HasAns_total"] == 2 and out2["NoAns_total"] == 1
    assert out2["NoAns_exact"] == 100.0 and out2["exact"] == pytest.approx(200 / 3)
    assert math.isclose(out2["HasAns_f1"], 75.0)
    with pytest.raises(ValueError, match="no prediction"):
        metrics.squad_compute(preds[:1], refs)
