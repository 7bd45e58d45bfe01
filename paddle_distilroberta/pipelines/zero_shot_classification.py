"""`zero-shot-classification`: any labels through an NLI model (transformers' `ZeroShotClassificationPipeline`).

Each (text, label) pair becomes the NLI pair `(text, hypothesis_template.format(label))`; the label's score
is the entailment logit, softmaxed over the labels (single label) or against contradiction for each label
on its own (`multi_label=True`, or a single candidate label).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Sequence, Union

import numpy as np

from .base import Pipeline, max_tokens

logger = logging.getLogger(__name__)


def parse_labels(labels: Union[str, Sequence[str]]) -> List[str]:
    """Candidate labels from a list, or a comma-separated str (as transformers)."""
    if isinstance(labels, str):
        labels = [label.strip() for label in labels.split(",") if label.strip()]
    labels = list(labels or [])
    if not labels:
        raise ValueError("zero-shot-classification needs at least one candidate label (candidate_labels=[...]).")
    return labels


class ZeroShotClassificationPipeline(Pipeline):
    """Scores candidate labels for each text with an MNLI-fine-tuned sequence classifier.

    Call: `pipe(texts, candidate_labels=[...], hypothesis_template="This example is {}.", multi_label=False)`.
    The entailment class is the label of `config.label2id` starting with "entail"; contradiction is class 0
    (or the last class when entailment is 0).

    Returns per text `{"sequence": text, "labels": [...], "scores": [...]}`, labels sorted by score.
    """

    task = "zero-shot-classification"
    output_names = ("logits",)
    token_level = False

    def __call__(self, inputs: Any, candidate_labels: Any = None, **kwargs: Any) -> Any:
        if candidate_labels is not None:
            kwargs["candidate_labels"] = candidate_labels
        return super().__call__(inputs, **kwargs)

    @property
    def entailment_id(self) -> int:
        for label, index in (self.config.label2id or {}).items():
            if str(label).lower().startswith("entail"):
                return int(index)
        return -1

    def _check_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        labels = params.pop("candidate_labels", None)
        template = params.pop("hypothesis_template", "This example is {}.")
        multi_label = bool(params.pop("multi_label", False))
        super()._check_params(params)
        if labels is None:  # allowed at construction; each call must then give them
            return {"candidate_labels": None, "hypothesis_template": template, "multi_label": multi_label}
        labels = parse_labels(labels)
        if template.format(labels[0]) == template:
            raise ValueError(f"hypothesis_template {template!r} has no '{{}}' for the label; e.g. 'This example is {{}}.'.")
        if self.entailment_id == -1:
            logger.warning("No label of config.label2id starts with 'entail'; using the last class as entailment. "
                           "Zero-shot classification needs an NLI (e.g. MNLI) checkpoint.")
        return {"candidate_labels": labels, "hypothesis_template": template, "multi_label": multi_label}

    def _preprocess(self, items: List[Any], params: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
        labels = params["candidate_labels"]
        if labels is None:
            raise ValueError("zero-shot-classification needs candidate_labels=[...].")
        hypotheses = [params["hypothesis_template"].format(label) for label in labels]
        firsts, seconds = [], []
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(f"zero-shot-classification input {i} is {type(text).__name__}, expected str.")
            firsts += [text] * len(labels)
            seconds += hypotheses
        enc = self.tokenizer(firsts, seconds, truncation="only_first", max_length=max_tokens(self.model, self.tokenizer))
        ids = enc["input_ids"]
        n = len(labels)
        return [[{"input_ids": ids[i * n + j]} for j in range(n)] for i in range(len(items))]

    def _postprocess(self, item: Any, rows: List[Dict[str, Any]], params: Dict[str, Any]) -> Any:
        labels = params["candidate_labels"]
        logits = np.stack([r["logits"] for r in rows]).astype(np.float64)  # (labels, classes)
        entail = self.entailment_id
        if params["multi_label"] or len(labels) == 1:
            contradiction = -1 if entail == 0 else 0
            pair = logits[:, [contradiction, entail]]
            e = np.exp(pair - pair.max(axis=-1, keepdims=True))
            scores = (e / e.sum(axis=-1, keepdims=True))[:, 1]
        else:
            entail_logits = logits[:, entail]
            e = np.exp(entail_logits - entail_logits.max())
            scores = e / e.sum()
        order = list(reversed(scores.argsort()))
        return {"sequence": item, "labels": [labels[i] for i in order], "scores": [float(scores[i]) for i in order]}
