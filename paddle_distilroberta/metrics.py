"""Evaluation metrics for fine-tuning, in numpy, returning dicts shaped like Hugging Face ``evaluate``'s.

================================  ===============================================================
function                          result (the keys ``evaluate.load(name).compute`` returns)
================================  ===============================================================
``accuracy``                      ``{"accuracy"}``
``f1``                            ``{"f1"}`` (``average="binary"|"macro"|"micro"|"weighted"``)
``matthews_corrcoef``             ``{"matthews_correlation"}``
``pearsonr`` / ``spearmanr``      ``{"pearsonr"}`` / ``{"spearmanr"}``
``glue_compute(task, p, r)``      as ``evaluate.load("glue", task)``: cola -> matthews_correlation;
                                  stsb -> pearson, spearmanr; mrpc, qqp -> accuracy, f1; else accuracy
``seqeval_compute(p, r)``         as ``evaluate.load("seqeval")``: ``overall_precision/recall/f1/
                                  accuracy`` and ``{type: {precision, recall, f1, number}}``
``squad_compute(p, r)``           as ``evaluate.load("squad")``: ``{"exact_match", "f1"}`` (0-100)
``squad_v2_compute(p, r)``        as ``evaluate.load("squad_v2")`` without the threshold search:
                                  ``exact, f1, total, HasAns_*, NoAns_*`` (0-100)
================================  ===============================================================

Entity spans follow seqeval's default (conlleval) rules: an ``I-X`` after ``O`` or after another type starts a
new entity; IOB1, IOB2 and IOBES/BILOU prefixes are read. SQuAD normalisation is the official script's
(lower case, no punctuation, no articles a/an/the, single spaces).
"""
from __future__ import annotations

import collections
import re
import string
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "accuracy", "f1", "matthews_corrcoef", "pearsonr", "spearmanr", "glue_compute", "GLUE_TASKS",
    "get_entities", "seqeval_compute", "squad_compute", "squad_v2_compute", "normalize_answer",
]

#: GLUE task -> the metric names ``evaluate.load("glue", task)`` reports.
GLUE_TASKS = {
    "cola": ("matthews_correlation",), "sst2": ("accuracy",), "mrpc": ("accuracy", "f1"),
    "qqp": ("accuracy", "f1"), "stsb": ("pearson", "spearmanr"), "mnli": ("accuracy",),
    "mnli_mismatched": ("accuracy",), "mnli_matched": ("accuracy",), "qnli": ("accuracy",),
    "rte": ("accuracy",), "wnli": ("accuracy",), "hans": ("accuracy",),
}


def _pair(predictions: Any, references: Any) -> Tuple[np.ndarray, np.ndarray]:
    p, r = np.asarray(predictions), np.asarray(references)
    if p.shape != r.shape:
        raise ValueError(f"predictions {p.shape} and references {r.shape} differ in shape")
    if p.size == 0:
        raise ValueError("no predictions")
    return p, r


def accuracy(predictions: Any, references: Any, normalize: bool = True) -> Dict[str, float]:
    p, r = _pair(predictions, references)
    correct = float((p == r).sum())
    return {"accuracy": correct / p.size if normalize else correct}


def _prf(tp: float, fp: float, fn: float) -> Tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f


def f1(predictions: Any, references: Any, average: str = "binary", pos_label: Any = 1,
       labels: Optional[Sequence[Any]] = None) -> Dict[str, float]:
    """F1 as scikit-learn's ``f1_score`` (what ``evaluate``'s f1 calls); 0.0 where it is undefined."""
    p, r = _pair(predictions, references)
    if average == "binary":
        return {"f1": _prf(float(((p == pos_label) & (r == pos_label)).sum()), float(((p == pos_label) & (r != pos_label)).sum()),
                           float(((p != pos_label) & (r == pos_label)).sum()))[2]}
    classes = list(labels) if labels is not None else sorted(set(p.tolist()) | set(r.tolist()))
    stats = np.array([[((p == c) & (r == c)).sum(), ((p == c) & (r != c)).sum(), ((p != c) & (r == c)).sum()]
                      for c in classes], dtype="float64")
    if average == "micro":
        return {"f1": _prf(*stats.sum(axis=0))[2]}
    scores = np.array([_prf(*row)[2] for row in stats])
    if average == "macro":
        return {"f1": float(scores.mean())}
    if average == "weighted":
        support = stats[:, 0] + stats[:, 2]
        return {"f1": float((scores * support).sum() / support.sum()) if support.sum() else 0.0}
    raise ValueError(f"average must be binary, micro, macro or weighted, got {average!r}")


def matthews_corrcoef(predictions: Any, references: Any) -> Dict[str, float]:
    """Multiclass MCC (Gorodkin), as scikit-learn; 0.0 when a marginal is constant."""
    p, r = _pair(predictions, references)
    classes = sorted(set(p.tolist()) | set(r.tolist()))
    index = {c: i for i, c in enumerate(classes)}
    cm = np.zeros((len(classes), len(classes)), dtype="float64")
    for a, b in zip(r.tolist(), p.tolist()):
        cm[index[a], index[b]] += 1
    t, pk = cm.sum(axis=1), cm.sum(axis=0)
    c, s = np.trace(cm), cm.sum()
    denom = np.sqrt((s * s - (pk * pk).sum()) * (s * s - (t * t).sum()))
    return {"matthews_correlation": float((c * s - (t * pk).sum()) / denom) if denom else 0.0}


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x.astype("float64") - x.mean(), y.astype("float64") - y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom else float("nan")


def _rank(x: np.ndarray) -> np.ndarray:
    """Average ranks for ties (scipy.stats.rankdata's default)."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype="float64")
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i: j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    return ranks


def pearsonr(predictions: Any, references: Any) -> Dict[str, float]:
    p, r = _pair(predictions, references)
    return {"pearsonr": _pearson(p.ravel(), r.ravel())}


def spearmanr(predictions: Any, references: Any) -> Dict[str, float]:
    p, r = _pair(predictions, references)
    return {"spearmanr": _pearson(_rank(p.ravel()), _rank(r.ravel()))}


def glue_compute(task: str, predictions: Any, references: Any) -> Dict[str, float]:
    """What ``evaluate.load("glue", task).compute(predictions=..., references=...)`` returns."""
    if task not in GLUE_TASKS:
        raise KeyError(f"unknown GLUE task {task!r}; one of {sorted(GLUE_TASKS)}")
    if task == "cola":
        return matthews_corrcoef(predictions, references)
    if task == "stsb":
        return {"pearson": pearsonr(predictions, references)["pearsonr"], "spearmanr": spearmanr(predictions, references)["spearmanr"]}
    out = accuracy(predictions, references)
    if task in ("mrpc", "qqp"):
        out.update(f1(predictions, references))
    return out


# ----------------------------------------------------------------------------- entities (seqeval)
def _split_tag(tag: str) -> Tuple[str, str]:
    if tag in ("O", "", None):
        return "O", ""
    for sep in ("-", "_"):
        if sep in tag:
            prefix, _, kind = tag.partition(sep)
            if prefix in ("B", "I", "E", "S", "L", "U"):
                return prefix, kind
    return "I", tag  # a bare type counts as inside (seqeval does the same)


def get_entities(tags: Sequence[str]) -> List[Tuple[str, int, int]]:
    """(type, start, end) inclusive spans of a tag sequence (or a list of sequences, joined with 'O'), as seqeval."""
    if tags and isinstance(tags[0], (list, tuple)):
        joined: List[str] = []
        for seq in tags:
            joined.extend(list(seq) + ["O"])
        tags = joined
    entities = []
    prev_prefix, prev_type, start = "O", "", 0
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = _split_tag(tag)
        # end of the running chunk?
        ends = (
            prev_prefix in ("E", "S", "L", "U")
            or (prev_prefix in ("B", "I") and prefix in ("B", "S", "O", "U"))
            or (prev_prefix != "O" and kind != prev_type)
        )
        if prev_prefix != "O" and ends:
            entities.append((prev_type, start, i - 1))
        begins = (
            prefix in ("B", "S", "U")
            or (prefix != "O" and prev_prefix in ("E", "S", "O", "L", "U"))
            or (prefix != "O" and kind != prev_type)
        )
        if begins:
            start = i
        prev_prefix, prev_type = prefix, kind
    return entities


def seqeval_compute(predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]]) -> Dict[str, Any]:
    """What ``evaluate.load("seqeval").compute(predictions=..., references=...)`` returns (default mode)."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predicted sequences but {len(references)} references")
    for p, r in zip(predictions, references):
        if len(p) != len(r):
            raise ValueError(f"a predicted sequence has {len(p)} tags, its reference {len(r)}")
    pred_entities, true_entities = set(), set()
    for n, (p, r) in enumerate(zip(predictions, references)):
        pred_entities.update((n,) + e for e in get_entities(list(p)))
        true_entities.update((n,) + e for e in get_entities(list(r)))
    types = sorted({e[1] for e in true_entities} | {e[1] for e in pred_entities})
    out: Dict[str, Any] = {}
    for kind in types:
        t = {e for e in true_entities if e[1] == kind}
        pr = {e for e in pred_entities if e[1] == kind}
        precision, recall, f = _prf(len(t & pr), len(pr - t), len(t - pr))
        out[kind] = {"precision": precision, "recall": recall, "f1": f, "number": len(t)}
    precision, recall, f = _prf(len(true_entities & pred_entities), len(pred_entities - true_entities),
                                len(true_entities - pred_entities))
    flat_p = [tag for seq in predictions for tag in seq]
    flat_r = [tag for seq in references for tag in seq]
    out.update(overall_precision=precision, overall_recall=recall, overall_f1=f,
               overall_accuracy=float(np.mean([a == b for a, b in zip(flat_p, flat_r)])) if flat_r else 0.0)
    return out


# ----------------------------------------------------------------------------- SQuAD
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """The official SQuAD normalisation: lower case, drop punctuation and articles, collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _exact(prediction: str, truth: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(truth))


def _token_f1(prediction: str, truth: str) -> float:
    p, t = normalize_answer(prediction).split(), normalize_answer(truth).split()
    if not p or not t:  # SQuAD v2: both empty is a match
        return float(p == t)
    common = collections.Counter(p) & collections.Counter(t)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(t)
    return 2 * precision * recall / (precision + recall)


def _by_id(predictions: Iterable[Mapping[str, Any]], references: Iterable[Mapping[str, Any]]):
    preds = {p["id"]: p for p in predictions}
    refs = list(references)
    missing = [r["id"] for r in refs if r["id"] not in preds]
    if missing:
        raise ValueError(f"no prediction for {len(missing)} reference id(s), e.g. {missing[:3]}")
    return preds, refs


def squad_compute(predictions: Sequence[Mapping[str, Any]], references: Sequence[Mapping[str, Any]]) -> Dict[str, float]:
    """``evaluate.load("squad")``: predictions ``[{"id", "prediction_text"}]``, references ``[{"id", "answers":
    {"text": [...], "answer_start": [...]}}]`` -> ``{"exact_match", "f1"}`` in percent (max over gold answers)."""
    preds, refs = _by_id(predictions, references)
    em = f = 0.0
    for ref in refs:
        text = preds[ref["id"]]["prediction_text"]
        golds = list(ref["answers"]["text"]) or [""]
        em += max(_exact(text, g) for g in golds)
        f += max(_token_f1(text, g) for g in golds)
    n = max(1, len(refs))
    return {"exact_match": 100.0 * em / n, "f1": 100.0 * f / n}


def squad_v2_compute(predictions: Sequence[Mapping[str, Any]], references: Sequence[Mapping[str, Any]],
                     no_answer_threshold: float = 1.0) -> Dict[str, float]:
    """``evaluate.load("squad_v2")`` without the best-threshold search: a prediction whose
    ``no_answer_probability`` exceeds `no_answer_threshold` counts as the empty answer; references with no
    answer text are unanswerable. Returns ``exact, f1, total`` and ``HasAns_*`` / ``NoAns_*`` (percent)."""
    preds, refs = _by_id(predictions, references)
    exact, f, has = [], [], []
    for ref in refs:
        pred = preds[ref["id"]]
        text = pred["prediction_text"]
        if float(pred.get("no_answer_probability", 0.0)) > no_answer_threshold:
            text = ""
        golds = [g for g in ref["answers"]["text"] if normalize_answer(g)] or [""]
        exact.append(max(_exact(text, g) for g in golds))
        f.append(max(_token_f1(text, g) for g in golds))
        has.append(golds != [""])
    exact_arr, f_arr, has_arr = np.array(exact), np.array(f), np.array(has, dtype=bool)
    out = {"exact": 100.0 * exact_arr.mean(), "f1": 100.0 * f_arr.mean(), "total": len(refs)}
    if has_arr.any():
        out.update(HasAns_exact=100.0 * exact_arr[has_arr].mean(), HasAns_f1=100.0 * f_arr[has_arr].mean(),
                   HasAns_total=int(has_arr.sum()))
    if (~has_arr).any():
        out.update(NoAns_exact=100.0 * exact_arr[~has_arr].mean(), NoAns_f1=100.0 * f_arr[~has_arr].mean(),
                   NoAns_total=int((~has_arr).sum()))
    return out
