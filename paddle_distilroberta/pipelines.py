"""Small task helpers on top of a model and a tokenizer (inference only, no training logic)."""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
import paddle


@paddle.no_grad()
def fill_mask(model: Any, tokenizer: Any, text: str, top_k: int = 5) -> List[Dict[str, Any]]:
    """Predict the `<mask>` token of `text` with a masked-LM model (RoBERTa semantics).

    Special tokens (and `<mask>` itself) are never proposed; `token_str` is the decoded text of the
    token, without the byte-level `Ġ` space marker; `sequence` is the text with the mask filled in.

    Returns:
        `top_k` dicts {"score", "token", "token_str", "sequence"}, best first.
    """
    mask = tokenizer.mask_token
    if text.count(mask) != 1:
        raise ValueError(f"fill_mask needs exactly one {mask!r} in the text, found {text.count(mask)}: {text!r}.")
    model.eval()
    enc = tokenizer(text, return_tensors="pd")
    ids = enc["input_ids"]
    position = ids[0].numpy().tolist().index(tokenizer.mask_token_id)
    logits = model(input_ids=ids, attention_mask=enc["attention_mask"]).logits[0, position].astype("float32").numpy()
    logits = logits.astype("float64")
    logits[[i for i in tokenizer.all_special_ids if i < logits.shape[0]]] = -np.inf
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    results = []
    for token in np.argsort(-probs)[:top_k].tolist():
        score = probs[token]
        filled = ids[0].numpy().copy()
        filled[position] = token
        results.append({
            "score": float(score),
            "token": int(token),
            "token_str": tokenizer.decode([token]).strip(),
            "sequence": tokenizer.decode(filled.tolist(), skip_special_tokens=True),
        })
    return results
