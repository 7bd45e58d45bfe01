"""`text-classification`: labels and scores for texts or text pairs (transformers' `TextClassificationPipeline`)."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping

import numpy as np

from .base import Pipeline, check_top_k, max_tokens, sigmoid, softmax

#: accepted `function_to_apply` values
FUNCTIONS = ("softmax", "sigmoid", "none")
_LEGACY = object()  # top_k not given: transformers' one-best-dict answers


def scores_function(config: Any, function_to_apply: Any = None) -> str:
    """`softmax`, `sigmoid` or `none`, chosen from `problem_type` and `num_labels` as transformers does."""
    if function_to_apply is not None:
        name = str(getattr(function_to_apply, "value", function_to_apply)).lower()
        if name not in FUNCTIONS:
            raise ValueError(f"function_to_apply={function_to_apply!r} is not one of {FUNCTIONS}.")
        return name
    problem = getattr(config, "problem_type", None)
    if problem == "regression":
        return "none"
    if problem == "multi_label_classification" or config.num_labels == 1:
        return "sigmoid"
    return "softmax"


def apply_function(logits: np.ndarray, name: str) -> np.ndarray:
    if name == "softmax":
        return softmax(logits)
    if name == "sigmoid":
        return sigmoid(logits)
    return np.asarray(logits, dtype=np.float64)


class TextClassificationPipeline(Pipeline):
    """Labels (from `config.id2label`) with scores for each text.

    Inputs: a str, a pair as `{"text": a, "text_pair": b}` or a 2-tuple `(a, b)`, or a list of those.
    Call parameters: `top_k` (an int, or None for every label; not given: only the best label, as
    transformers' legacy answer), `function_to_apply` (`softmax`/`sigmoid`/`none`; default from
    `problem_type`), `truncation` (default True: texts longer than the model are cut).

    Returns (as transformers): without `top_k`, one `{"label", "score"}` per input (a one-element list
    for a single str input); with `top_k`, a list of them per input, best first.
    """

    task = "text-classification"
    output_names = ("logits",)
    token_level = False

    def _check_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        top_k = params.pop("top_k", _LEGACY)
        function = params.pop("function_to_apply", None)
        truncation = params.pop("truncation", True)
        if params.pop("return_all_scores", None):
            top_k = None
        super()._check_params(params)
        if top_k is not _LEGACY:
            check_top_k(top_k, allow_none=True)
        return {"top_k": top_k, "function_to_apply": scores_function(self.config, function), "truncation": truncation}

    def _is_single(self, inputs: Any) -> bool:
        return isinstance(inputs, (str, Mapping)) or (isinstance(inputs, tuple) and len(inputs) == 2 and all(isinstance(x, str) for x in inputs))

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        result = super().__call__(inputs, **kwargs)
        if isinstance(inputs, str) and "top_k" not in kwargs and "top_k" not in self._defaults:
            return [result]  # transformers: a single str without top_k answers a one-element list
        return result

    def _preprocess(self, items: List[Any], params: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
        firsts, seconds = [], []
        for i, item in enumerate(items):
            a, b = _pair(item, i)
            firsts.append(a)
            seconds.append(b)
        limit = max_tokens(self.model, self.tokenizer)
        kwargs = {"truncation": True, "max_length": limit} if params["truncation"] else {}
        singles = [i for i, b in enumerate(seconds) if b is None]
        pairs = [i for i, b in enumerate(seconds) if b is not None]
        ids: List[Any] = [None] * len(items)
        if singles:
            for i, row in zip(singles, self.tokenizer([firsts[i] for i in singles], **kwargs)["input_ids"]):
                ids[i] = row
        if pairs:
            enc = self.tokenizer([firsts[i] for i in pairs], [seconds[i] for i in pairs], **kwargs)
            for i, row in zip(pairs, enc["input_ids"]):
                ids[i] = row
        return [[{"input_ids": row}] for row in ids]

    def _postprocess(self, item: Any, rows: List[Dict[str, Any]], params: Dict[str, Any]) -> Any:
        scores = apply_function(rows[0]["logits"], params["function_to_apply"])
        id2label = self.config.id2label
        label = lambda i: id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))  # noqa: E731
        top_k = params["top_k"]
        if top_k is _LEGACY:
            best = int(scores.argmax())
            return {"label": label(best), "score": float(scores[best])}
        ranked = sorted(({"label": label(i), "score": float(s)} for i, s in enumerate(scores.tolist())),
                        key=lambda x: x["score"], reverse=True)
        return ranked if top_k is None else ranked[:top_k]


def _pair(item: Any, index: int):
    if isinstance(item, str):
        return item, None
    if isinstance(item, Mapping):
        if "text" not in item:
            raise ValueError(f"input {index} is a dict without 'text' (pairs are {{'text': a, 'text_pair': b}}): {item!r:.200}")
        return item["text"], item.get("text_pair")
    if isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(x, str) for x in item):
        return item[0], item[1]
    raise TypeError(f"input {index} is {type(item).__name__}; expected a str, (text, text_pair) or "
                    "{'text': ..., 'text_pair': ...}.")
