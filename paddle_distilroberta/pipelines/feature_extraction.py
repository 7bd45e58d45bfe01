"""`feature-extraction`: token vectors (transformers' `FeatureExtractionPipeline`) or sentence embeddings."""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from .base import Pipeline, max_tokens

POOLINGS = ("none", "mean", "cls")


def pool(hidden: np.ndarray, pooling: str, normalize: bool) -> np.ndarray:
    """One text's `(T, H)` hidden states -> `(T, H)` (`none`) or a `(H,)` sentence vector (`mean`, `cls`)."""
    if pooling == "mean":
        vector = hidden.astype(np.float64).mean(axis=0).astype(np.float32)
    elif pooling == "cls":
        vector = hidden[0]
    else:
        vector = hidden
    if normalize:
        norm = np.linalg.norm(vector, axis=-1, keepdims=True)
        vector = vector / np.maximum(norm, 1e-12)
    return vector


class FeatureExtractionPipeline(Pipeline):
    """The last hidden states of each text.

    Call parameters: `pooling` (`"none"`, the default: token vectors shaped `[1, T, H]` as transformers
    returns them; `"mean"`: the mean over the text's tokens, `<s>` and `</s>` included; `"cls"`: the `<s>`
    vector), `normalize` (L2-normalise each vector), `return_tensors` (numpy arrays instead of nested
    lists), `truncation` (default True: cut texts longer than the model).
    """

    task = "feature-extraction"
    output_names = ("last_hidden_state",)

    def _check_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        pooling = params.pop("pooling", "none") or "none"
        out = {"pooling": pooling, "normalize": bool(params.pop("normalize", False)),
               "return_tensors": bool(params.pop("return_tensors", False)),
               "truncation": params.pop("truncation", True)}
        params.pop("tokenize_kwargs", None)
        super()._check_params(params)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling={pooling!r} is not one of {POOLINGS}.")
        return out

    def _preprocess(self, items: List[Any], params: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(f"feature-extraction input {i} is {type(text).__name__}, expected str.")
        kwargs = {"truncation": True, "max_length": max_tokens(self.model, self.tokenizer)} if params["truncation"] else {}
        return [[{"input_ids": ids}] for ids in self.tokenizer(list(items), **kwargs)["input_ids"]]

    def _postprocess(self, item: Any, rows: List[Dict[str, Any]], params: Dict[str, Any]) -> Any:
        vector = pool(rows[0]["last_hidden_state"], params["pooling"], params["normalize"])
        if params["pooling"] == "none":
            vector = vector[None]  # [1, T, H], as transformers
        return vector if params["return_tensors"] else vector.tolist()
