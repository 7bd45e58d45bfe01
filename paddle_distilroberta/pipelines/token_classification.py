"""`token-classification` (NER): a label per token, grouped into entities (transformers' `TokenClassificationPipeline`).

The grouping functions are module-level and pure (`gather_pre_entities`, `aggregate`,
`aggregate_overlapping_entities`), so they can be checked on hand-made token scores.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np

from .base import Pipeline, max_tokens, softmax

STRATEGIES = ("none", "simple", "first", "average", "max")


def gather_pre_entities(sentence: str, input_ids: Sequence[int], scores: np.ndarray, offsets: Sequence[Sequence[int]],
                        special_tokens_mask: Sequence[int], tokens: Sequence[str], unk_token_id: Optional[int] = None
                        ) -> List[Dict[str, Any]]:
    """One dict per non-special token: `word` (the BPE token), `scores`, `start`, `end`, `index`, `is_subword`.

    RoBERTa's byte-level BPE has no continuing-subword prefix, so (as transformers) a token is a subword when
    it does not start the text and neither it nor the character before it is a space.
    """
    entities = []
    for idx, token_scores in enumerate(scores):
        if special_tokens_mask[idx]:
            continue
        start, end = int(offsets[idx][0]), int(offsets[idx][1])
        word = tokens[idx]
        is_subword = start > 0 and " " not in sentence[start - 1:start + 1]
        if unk_token_id is not None and int(input_ids[idx]) == unk_token_id:
            word, is_subword = sentence[start:end], False
        entities.append({"word": word, "scores": token_scores, "start": start, "end": end, "index": idx,
                         "is_subword": is_subword})
    return entities


def _label(id2label: Mapping[Any, str], idx: int) -> str:
    return id2label.get(idx, id2label.get(str(idx), f"LABEL_{idx}"))


def _aggregate_word(entities: List[Dict[str, Any]], strategy: str, id2label: Mapping[Any, str],
                    to_string: Callable[[List[str]], str]) -> Dict[str, Any]:
    word = to_string([e["word"] for e in entities])
    if strategy == "first":
        scores = entities[0]["scores"]
        idx = int(scores.argmax())
        score = scores[idx]
    elif strategy == "max":
        best = max(entities, key=lambda e: e["scores"].max())
        idx = int(best["scores"].argmax())
        score = best["scores"][idx]
    elif strategy == "average":
        average = np.nanmean(np.stack([e["scores"] for e in entities]), axis=0)
        idx = int(average.argmax())
        score = average[idx]
    else:
        raise ValueError(f"{strategy!r} is not a word aggregation strategy (first, average, max).")
    return {"entity": _label(id2label, idx), "score": score, "word": word, "start": entities[0]["start"],
            "end": entities[-1]["end"]}


def _aggregate_words(entities: List[Dict[str, Any]], strategy: str, id2label: Mapping[Any, str],
                     to_string: Callable[[List[str]], str]) -> List[Dict[str, Any]]:
    words, group = [], None
    for entity in entities:
        if group is None:
            group = [entity]
        elif entity["is_subword"]:
            group.append(entity)
        else:
            words.append(_aggregate_word(group, strategy, id2label, to_string))
            group = [entity]
    if group is not None:
        words.append(_aggregate_word(group, strategy, id2label, to_string))
    return words


def _tag(name: str):
    if name.startswith("B-"):
        return "B", name[2:]
    if name.startswith("I-"):
        return "I", name[2:]
    return "I", name  # not in B-/I- format: a continuation


def _group_sub_entities(entities: List[Dict[str, Any]], to_string: Callable[[List[str]], str]) -> Dict[str, Any]:
    return {"entity_group": entities[0]["entity"].split("-", 1)[-1],
            "score": np.nanmean([e["score"] for e in entities]),
            "word": to_string([e["word"] for e in entities]),
            "start": entities[0]["start"], "end": entities[-1]["end"]}


def group_entities(entities: List[Dict[str, Any]], to_string: Callable[[List[str]], str]) -> List[Dict[str, Any]]:
    """Merge adjacent tokens/words of the same tag (a `B-` starts a new group), as transformers."""
    groups, current = [], []
    for entity in entities:
        if not current:
            current.append(entity)
            continue
        bi, tag = _tag(entity["entity"])
        _, last_tag = _tag(current[-1]["entity"])
        if tag == last_tag and bi != "B":
            current.append(entity)
        else:
            groups.append(_group_sub_entities(current, to_string))
            current = [entity]
    if current:
        groups.append(_group_sub_entities(current, to_string))
    return groups


def aggregate(pre_entities: List[Dict[str, Any]], strategy: str, id2label: Mapping[Any, str],
              to_string: Callable[[List[str]], str]) -> List[Dict[str, Any]]:
    """Entities under one of `none|simple|first|average|max` (transformers' `AggregationStrategy`)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"aggregation_strategy={strategy!r} is not one of {STRATEGIES}.")
    if strategy in ("none", "simple"):
        entities = []
        for pre in pre_entities:
            idx = int(pre["scores"].argmax())
            entities.append({"entity": _label(id2label, idx), "score": pre["scores"][idx], "index": pre["index"],
                             "word": pre["word"], "start": pre["start"], "end": pre["end"]})
    else:
        entities = _aggregate_words(pre_entities, strategy, id2label, to_string)
    if strategy == "none":
        return entities
    return group_entities(entities, to_string)


def aggregate_overlapping_entities(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Entities found twice in overlapping windows: keep the longer, then the higher-scored (as transformers)."""
    if not entities:
        return entities
    entities = sorted(entities, key=lambda x: x["start"])
    kept, previous = [], entities[0]
    for entity in entities:
        if previous["start"] <= entity["start"] < previous["end"]:
            length, previous_length = entity["end"] - entity["start"], previous["end"] - previous["start"]
            if length > previous_length or (length == previous_length and entity["score"] > previous["score"]):
                previous = entity
        else:
            kept.append(previous)
            previous = entity
    kept.append(previous)
    return kept


def _plain(entity: Dict[str, Any]) -> Dict[str, Any]:
    return {k: (float(v) if k == "score" else int(v) if k in ("index", "start", "end") else v) for k, v in entity.items()}


class TokenClassificationPipeline(Pipeline):
    """Entities of each text: `{"entity", "score", "index", "word", "start", "end"}` per token with
    `aggregation_strategy="none"` (the default), else `{"entity_group", "score", "word", "start", "end"}`.

    Call parameters: `aggregation_strategy` (`none|simple|first|average|max`), `ignore_labels` (default
    `["O"]`), `stride` (tokens shared by consecutive windows: texts longer than the model are read in
    windows and entities found twice are merged; without it long texts are truncated). `start`/`end` are
    character offsets into the input text.
    """

    task = "token-classification"
    output_names = ("logits",)

    def _check_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        strategy = params.pop("aggregation_strategy", "none")
        strategy = str(getattr(strategy, "value", strategy) or "none").lower()
        ignore = params.pop("ignore_labels", None)
        stride = params.pop("stride", None)
        super()._check_params(params)
        if strategy not in STRATEGIES:
            raise ValueError(f"aggregation_strategy={strategy!r} is not one of {STRATEGIES}.")
        if stride is not None:
            if type(stride) is not int or stride < 0 or stride >= max_tokens(self.model, self.tokenizer) - 2:
                raise ValueError(f"stride={stride!r} must be a non-negative int smaller than the window "
                                 f"({max_tokens(self.model, self.tokenizer)} tokens minus 2 special tokens).")
            if strategy == "none":
                raise ValueError('`stride` reads the text in overlapping windows, which needs an aggregation_strategy '
                                 'other than "none" (entities are merged across windows): pass "simple", "first", '
                                 '"average" or "max".')
        return {"aggregation_strategy": strategy, "ignore_labels": ["O"] if ignore is None else list(ignore), "stride": stride}

    def _preprocess(self, items: List[Any], params: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise TypeError(f"token-classification input {i} is {type(text).__name__}, expected str.")
        kwargs: Dict[str, Any] = {"truncation": True, "max_length": max_tokens(self.model, self.tokenizer),
                                  "return_offsets_mapping": True, "return_special_tokens_mask": True,
                                  "return_overflowing_tokens": True}
        if params["stride"] is not None:
            kwargs["stride"] = params["stride"]
        enc = self.tokenizer(list(items), **kwargs)
        rows: List[List[Dict[str, Any]]] = [[] for _ in items]
        windows = enc["overflow_to_sample_mapping"]
        for w, owner in enumerate(windows):
            if params["stride"] is None and rows[owner]:
                continue  # no stride: only the first window (the text truncated), as transformers
            rows[owner].append({"input_ids": enc["input_ids"][w], "offsets": enc["offset_mapping"][w],
                                "special": enc["special_tokens_mask"][w]})
        return rows

    def _postprocess(self, item: Any, rows: List[Dict[str, Any]], params: Dict[str, Any]) -> Any:
        strategy, ignore = params["aggregation_strategy"], params["ignore_labels"]
        to_string = self.tokenizer.convert_tokens_to_string
        found = []
        for row in rows:
            scores = softmax(row["logits"]).astype(np.float32)
            tokens = self.tokenizer.convert_ids_to_tokens(list(row["input_ids"]))
            pre = gather_pre_entities(item, row["input_ids"], scores, row["offsets"], row["special"], tokens,
                                      self.tokenizer.unk_token_id)
            for entity in aggregate(pre, strategy, self.config.id2label, to_string):
                if entity.get("entity") not in ignore and entity.get("entity_group") not in ignore:
                    found.append(entity)
        if len(rows) > 1:
            found = aggregate_overlapping_entities(found)
        return [_plain(e) for e in found]
