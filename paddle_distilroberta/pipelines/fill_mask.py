"""`fill-mask`: the most likely tokens for each `<mask>` of a text (transformers' `FillMaskPipeline`)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Sequence, Union

import numpy as np

from .base import Pipeline, _numpy, check_top_k, max_tokens, softmax

logger = logging.getLogger(__name__)


class FillMaskPipeline(Pipeline):
    """Top-k tokens with their probabilities for every `<mask>` of each text.

    Call parameters: `top_k` (default 5) and `targets` (words or token ids to score instead of the whole
    vocabulary). Scores are transformers' (softmax over the whole vocabulary); special tokens (`<s>`,
    `</s>`, `<pad>`, `<unk>`, `<mask>`) are never proposed, and `token_str` is the decoded token (a
    leading space, never the byte-level `Ġ` marker).

    Returns, per text, `[{"score", "token", "token_str", "sequence"}, ...]` best first; a text with several
    masks gets one such list per mask (then `sequence` keeps the special tokens, as in transformers).
    """

    task = "fill-mask"
    output_names = ("logits",)

    def _check_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        top_k = params.pop("top_k", 5)
        targets = params.pop("targets", None)
        super()._check_params(params)
        check_top_k(top_k)
        target_ids = self._target_ids(targets) if targets is not None else None
        if target_ids is not None and len(target_ids) < top_k:
            top_k = len(target_ids)
        return {"top_k": top_k, "target_ids": target_ids}

    def _target_ids(self, targets: Union[str, int, Sequence[Union[str, int]]]) -> List[int]:
        """Token ids of `targets` as transformers resolves them (a word not in the vocabulary: its first token)."""
        if isinstance(targets, (str, int)):
            targets = [targets]
        vocab = self.tokenizer.get_vocab()
        ids = []
        for target in targets:
            if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
                if not 0 <= int(target) < self.config.vocab_size:
                    raise ValueError(f"target id {target} is outside the vocabulary (0..{self.config.vocab_size - 1}).")
                ids.append(int(target))
                continue
            if not isinstance(target, str):
                raise TypeError(f"targets must be str or int, got {type(target).__name__} ({target!r}).")
            id_ = vocab.get(target)
            if id_ is None:
                pieces = self.tokenizer(target, add_special_tokens=False)["input_ids"]
                if not pieces:
                    logger.warning("The specified target token %r does not exist in the vocabulary and tokenizes to nothing; skipped.", target)
                    continue
                id_ = pieces[0]
                logger.warning("The specified target token %r does not exist in the model vocabulary. Replacing with %r.",
                               target, self.tokenizer.convert_ids_to_tokens(id_))
            ids.append(int(id_))
        ids = sorted(set(ids))
        if not ids:
            raise ValueError(f"None of the targets {targets!r} maps to a token; pass words or token ids.")
        return ids

    def _preprocess(self, items: List[Any], params: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
        mask = self.tokenizer.mask_token
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(f"fill-mask input {i} is {type(text).__name__}, expected str.")
            if mask not in text:
                raise ValueError(f"No mask_token ({mask}) found in the input: {text!r:.200}.")
        enc = self.tokenizer(list(items), truncation=True, max_length=max_tokens(self.model, self.tokenizer))
        mask_id = self.tokenizer.mask_token_id
        rows = []
        for text, ids in zip(items, enc["input_ids"]):
            positions = [p for p, t in enumerate(ids) if t == mask_id]
            if not positions:
                raise ValueError(f"The {mask} of {text!r:.200} is past the {len(ids)}-token limit (truncated away).")
            rows.append([{"input_ids": ids, "positions": positions}])
        return rows

    def _split(self, outputs: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> List[Dict[str, np.ndarray]]:
        """Keep only the logits at `<mask>` positions (the full (T, V) logits would not fit a chunk)."""
        logits = outputs["logits"]
        ids = arrays["input_ids"]
        rows, cols = np.nonzero(ids == self.tokenizer.mask_token_id)
        if hasattr(logits, "gather_nd"):
            import paddle

            picked = _numpy(paddle.gather_nd(logits, paddle.to_tensor(np.stack([rows, cols], axis=1))))
        else:
            picked = np.asarray(logits)[rows, cols]
        return [{"mask_logits": picked[rows == j]} for j in range(ids.shape[0])]

    def _postprocess(self, item: Any, rows: List[Dict[str, Any]], params: Dict[str, Any]) -> Any:
        row = rows[0]
        ids = np.asarray(row["input_ids"])
        positions = row["positions"]
        top_k, target_ids = params["top_k"], params["target_ids"]
        special = [i for i in self.tokenizer.all_special_ids if i < row["mask_logits"].shape[-1]]
        single = len(positions) == 1
        result = []
        for position, logits in zip(positions, row["mask_logits"]):
            probs = softmax(logits)
            if target_ids is not None:
                candidates = np.asarray(target_ids)
            else:
                probs = probs.copy()
                probs[special] = -1.0  # never proposed; the others keep transformers' probabilities
                candidates = None
            scores = probs[candidates] if candidates is not None else probs
            best = np.argsort(-scores, kind="stable")[:top_k]
            proposals = []
            for b in best.tolist():
                token = int(candidates[b]) if candidates is not None else int(b)
                filled = ids.copy()
                filled[position] = token
                proposals.append({
                    "score": float(scores[b]),
                    "token": token,
                    "token_str": self.tokenizer.decode([token]),
                    "sequence": self.tokenizer.decode(filled.tolist(), skip_special_tokens=single),
                })
            result.append(proposals)
        return result[0] if single else result


def fill_mask(model: Any, tokenizer: Any, text: str, top_k: int = 5) -> List[Dict[str, Any]]:
    """Deprecated: use `pipeline("fill-mask", model=model, tokenizer=tokenizer)(text, top_k=top_k)`.

    Kept for old code: one text with exactly one `<mask>`; the model's train/eval mode is left as it was.
    """
    import warnings

    warnings.warn("paddle_distilroberta.pipelines.fill_mask is deprecated; use "
                  "pipeline('fill-mask', model=model, tokenizer=tokenizer)(text).", DeprecationWarning, stacklevel=2)
    mask = tokenizer.mask_token
    if text.count(mask) != 1:
        raise ValueError(f"fill_mask needs exactly one {mask!r} in the text, found {text.count(mask)}: {text!r}.")
    return FillMaskPipeline(model, tokenizer)(text, top_k=top_k)

