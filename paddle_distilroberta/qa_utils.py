"""Extractive question answering: windows over long contexts, and answer spans back to text.

Two functions shared by the `question-answering` pipeline and the fine-tuning example (`run_qa.py`):

* `prepare_qa_features(tokenizer, questions, contexts, ...)` cuts each question + context into windows of
  `max_length` tokens that overlap by `doc_stride` tokens (question first, only the context is cut) and
  records, per window, which example it came from, the character offsets of its context tokens and their
  word ids. With `answers` it also adds the `start_positions` / `end_positions` training labels.
* `postprocess_qa_predictions(features, start_logits, end_logits, contexts, ...)` turns the model's logits
  for every window into the best answers of every example, scored as transformers'
  `QuestionAnsweringPipeline` scores them (softmax over each window's context tokens, score = p(start) *
  p(end), spans aligned to whole words, SQuAD v2's empty answer when `handle_impossible_answer=True`).

Both take one example or a batch, and plain lists, so they also work on datasets-style batches:

    features = dataset.map(lambda batch: prepare_qa_features(tokenizer, batch, max_length=384),
                           batched=True, remove_columns=dataset.column_names)

Only numpy is needed here (no paddle import).
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ["prepare_qa_features", "postprocess_qa_predictions", "to_squad_predictions", "select_spans"]

#: Logit given to tokens that may not be part of an answer (as transformers' pipeline does).
_MASKED_LOGIT = -10000.0


def _as_list(value: Any, name: str) -> Tuple[List[Any], bool]:
    if isinstance(value, str):
        return [value], False
    if isinstance(value, (list, tuple)):
        return list(value), True
    raise TypeError(f"{name} must be a str or a list of str, got {type(value).__name__}.")


def prepare_qa_features(
    tokenizer: Any,
    questions: Union[str, Sequence[str], Mapping[str, Any]],
    contexts: Union[str, Sequence[str], None] = None,
    *,
    ids: Optional[Sequence[Any]] = None,
    answers: Optional[Sequence[Mapping[str, Any]]] = None,
    max_length: int = 384,
    doc_stride: Optional[int] = None,
    padding: Union[bool, str] = False,
    strip_questions: bool = False,
) -> Dict[str, List[Any]]:
    """Tokenize question/context pairs into overlapping windows of the context.

    Args:
        tokenizer: a fast RoBERTa tokenizer (`DistilRobertaTokenizer` or transformers' `RobertaTokenizerFast`).
        questions: one question, a list of questions, or a datasets-style batch (a mapping with `question`,
            `context` and optionally `id` and `answers` columns; then leave `contexts` None).
        contexts: one context or a list of contexts, one per question.
        ids: example ids copied into each window's `example_id` (default: the example's index).
        answers: SQuAD-style answers per example (`{"text": [...], "answer_start": [...]}`); when given, the
            first answer of each example becomes `start_positions`/`end_positions` token labels (the `<s>`
            position 0 when the answer is empty or not fully inside the window).
        max_length: tokens per window (question + context + 4 special tokens).
        doc_stride: tokens shared by consecutive windows of one context (transformers' `stride`); default
            min(max_length // 2, 128), as transformers' pipeline.
        padding: `False` (windows keep their own length) or `"max_length"` (for fixed-shape training).
        strip_questions: strip leading whitespace from questions (as the run_qa examples do; the pipeline
            does not, to match transformers' pipeline).

    Returns:
        A dict of lists, one entry per window: `input_ids`, `attention_mask`, `offset_mapping` (the
        `(start, end)` character span of each context token in its context, `None` for question,
        special and pad tokens), `word_ids` (word index of each context token, `None` elsewhere),
        `example_index` (position of the example in this call's input), `example_id`, and with
        `answers` also `start_positions` and `end_positions`.

    Raises:
        ValueError: questions and contexts of different lengths, or `doc_stride` too large for the room
            a window leaves for the context once the question is placed.
    """
    if isinstance(questions, Mapping):
        if contexts is not None:
            raise ValueError("Pass either a datasets-style batch (a mapping) or questions and contexts, not both.")
        batch = questions
        questions, contexts = batch["question"], batch["context"]
        ids = batch.get("id", ids) if ids is None else ids
        answers = batch.get("answers", answers) if answers is None else answers
    if contexts is None:
        raise ValueError("contexts is None; pass one context per question.")
    question_list, batched = _as_list(questions, "questions")
    context_list, _ = _as_list(contexts, "contexts")
    if len(question_list) != len(context_list):
        raise ValueError(f"{len(question_list)} questions but {len(context_list)} contexts; pass one context per question.")
    if answers is not None and not batched:
        answers = [answers] if isinstance(answers, Mapping) else answers
    if ids is not None and not batched and (isinstance(ids, (str, int)) or not isinstance(ids, Sequence)):
        ids = [ids]
    if ids is not None and len(ids) != len(question_list):
        raise ValueError(f"{len(ids)} ids for {len(question_list)} examples; pass one id per example.")
    if doc_stride is None:
        doc_stride = min(max_length // 2, 128)
    if strip_questions:
        question_list = [q.lstrip() for q in question_list]
    enc = tokenizer(
        question_list, context_list, truncation="only_second", max_length=max_length, stride=doc_stride,
        return_overflowing_tokens=True, return_offsets_mapping=True, padding=padding,
    )
    features: Dict[str, List[Any]] = {
        "input_ids": [list(row) for row in enc["input_ids"]],
        "attention_mask": [list(row) for row in enc["attention_mask"]],
        "offset_mapping": [], "word_ids": [], "example_index": [], "example_id": [],
    }
    if answers is not None:
        features["start_positions"], features["end_positions"] = [], []
    for window, example in enumerate(enc["overflow_to_sample_mapping"]):
        sequence_ids = enc.sequence_ids(window)
        offsets = [tuple(o) if s == 1 else None for o, s in zip(enc["offset_mapping"][window], sequence_ids)]
        features["offset_mapping"].append(offsets)
        features["word_ids"].append([w if s == 1 else None for w, s in zip(enc.word_ids(window), sequence_ids)])
        features["example_index"].append(int(example))
        features["example_id"].append(ids[example] if ids is not None else int(example))
        if answers is not None:
            start, end = _answer_positions(offsets, answers[example])
            features["start_positions"].append(start)
            features["end_positions"].append(end)
    return features


def _answer_positions(offsets: List[Optional[Tuple[int, int]]], answer: Mapping[str, Any]) -> Tuple[int, int]:
    """Token labels of the first answer in one window; (0, 0) when absent or not fully inside it."""
    texts, starts = list(answer.get("text", [])), list(answer.get("answer_start", []))
    if not texts or not starts:
        return 0, 0
    start_char = int(starts[0])
    end_char = start_char + len(texts[0])
    context = [i for i, o in enumerate(offsets) if o is not None]
    if not context or offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return 0, 0
    start_token = next(i for i in context if offsets[i][1] > start_char)
    end_token = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return start_token, end_token


def select_spans(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    candidates: np.ndarray,
    top_k: int = 1,
    max_answer_len: int = 15,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Best `(start, end)` token spans of one window, as transformers' `select_starts_ends` + `decode_spans`.

    Args:
        start_logits, end_logits: `(T,)` logits of one window (float).
        candidates: `(T,)` bool, True for tokens that may be part of an answer (the context tokens).
            Position 0 (`<s>`) stays in the softmax, as in transformers, and carries the null score.
        top_k: spans to return at most.
        max_answer_len: longest span in tokens.

    Returns:
        `(starts, ends, scores, null_score)`: token indices and scores (p(start) * p(end)) best first,
        and the window's null-answer score p(start=0) * p(end=0).
    """
    keep = candidates.astype(bool).copy()
    keep[0] = True
    start = np.where(keep, start_logits, _MASKED_LOGIT).astype(np.float64)
    end = np.where(keep, end_logits, _MASKED_LOGIT).astype(np.float64)
    start = np.exp(start - start.max())
    start /= start.sum()
    end = np.exp(end - end.max())
    end /= end.sum()
    null_score = float(start[0] * end[0])
    start[0] = end[0] = 0.0
    outer = np.triu(np.outer(start, end))
    outer = np.tril(outer, max_answer_len - 1)
    flat = outer.ravel()
    if top_k == 1:
        order = np.array([int(np.argmax(flat))])
    elif flat.size <= top_k:
        order = np.argsort(-flat, kind="stable")
    else:
        part = np.argpartition(-flat, top_k)[:top_k]
        order = part[np.argsort(-flat[part], kind="stable")]
    starts, ends = np.unravel_index(order, outer.shape)
    allowed = keep  # as transformers: <s> counts as allowed here, but its spans score 0 (after every real span)
    wanted = allowed[starts] & allowed[ends]
    starts, ends = starts[wanted], ends[wanted]
    return starts, ends, outer[starts, ends], null_score


def _span_chars(offsets: Sequence[Optional[Tuple[int, int]]], word_ids: Optional[Sequence[Optional[int]]],
                start: int, end: int, align_to_words: bool) -> Tuple[int, int]:
    """Character span of tokens start..end, widened to whole words (transformers' `get_indices`)."""
    offsets = [o if o is not None else (0, 0) for o in offsets]
    if align_to_words and word_ids is not None and word_ids[start] is not None and word_ids[end] is not None:
        first, last = word_ids[start], word_ids[end]
        start_tokens = [i for i, w in enumerate(word_ids) if w == first]
        end_tokens = [i for i, w in enumerate(word_ids) if w == last]
        return int(offsets[start_tokens[0]][0]), int(offsets[end_tokens[-1]][1])
    return int(offsets[start][0]), int(offsets[end][1])


def postprocess_qa_predictions(
    features: Mapping[str, Sequence[Any]],
    start_logits: Union[np.ndarray, Sequence[Sequence[float]]],
    end_logits: Union[np.ndarray, Sequence[Sequence[float]]],
    contexts: Union[str, Sequence[str]],
    *,
    example_ids: Optional[Sequence[Any]] = None,
    top_k: int = 1,
    max_answer_len: int = 15,
    handle_impossible_answer: bool = False,
    align_to_words: bool = True,
) -> List[List[Dict[str, Any]]]:
    """The best answers of every example from the logits of its windows.

    Args:
        features: what `prepare_qa_features` returned (at least `offset_mapping`, and `example_index` or,
            with `example_ids`, `example_id`; `word_ids` for word alignment; `attention_mask` if padded).
        start_logits, end_logits: one row of logits per window (rows may be padded longer than the window).
        contexts: the context of each example (one str for a single example).
        example_ids: ids of the examples, in the order of `contexts`; windows are then matched to
            examples by their `example_id` instead of `example_index` (for features built batch by batch).
        top_k: answers per example at most.
        max_answer_len: longest answer in tokens.
        handle_impossible_answer: also propose the empty answer `{"start": 0, "end": 0, "answer": ""}`
            scored by the lowest null score over the example's windows (SQuAD v2).
        align_to_words: widen spans to whole words, as transformers' pipeline does by default.

    Spans that give the same answer text (case-insensitive), within a window or across windows, are one
    answer whose score is the sum of theirs (as transformers 4.5x does).

    Returns:
        For each example, a list of at most `top_k` dicts `{"score": float, "start": int, "end": int,
        "answer": str}` (character offsets into the context), best first.
    """
    context_list, _ = _as_list(contexts, "contexts")
    if example_ids is not None:
        position = {example_id: i for i, example_id in enumerate(example_ids)}
        owners = [position.get(e) for e in features["example_id"]]
    else:
        owners = list(features["example_index"])
    answers: List[List[Dict[str, Any]]] = [[] for _ in context_list]
    null_scores = [1000000.0] * len(context_list)
    word_ids = features.get("word_ids")
    masks = features.get("attention_mask")
    for window, owner in enumerate(owners):
        if owner is None:
            continue
        offsets = features["offset_mapping"][window]
        length = len(offsets)
        candidates = np.array([o is not None for o in offsets], dtype=bool)
        if masks is not None:
            candidates &= np.asarray(masks[window][:length], dtype=bool)
        start = np.asarray(start_logits[window], dtype=np.float64)[:length]
        end = np.asarray(end_logits[window], dtype=np.float64)[:length]
        # as transformers 4.5x: more candidates when aligning to words, since spans inside one word merge
        pre_top_k = top_k * 2 + 10 if align_to_words else top_k
        starts, ends, scores, null = select_spans(start, end, candidates, pre_top_k, max_answer_len)
        null_scores[owner] = min(null_scores[owner], null)
        words = word_ids[window] if word_ids is not None else None
        for s, e, score in zip(starts.tolist(), ends.tolist(), scores.tolist()):
            a, b = _span_chars(offsets, words, s, e, align_to_words)
            text = context_list[owner][a:b]
            same = next((x for x in answers[owner] if x["answer"].lower() == text.lower()), None)
            if same is not None:  # one answer text (case-insensitive) found by several spans: scores add up
                same["score"] += float(score)
            else:
                answers[owner].append({"score": float(score), "start": a, "end": b, "answer": text})
    results = []
    for owner, found in enumerate(answers):
        if handle_impossible_answer:
            found.append({"score": null_scores[owner], "start": 0, "end": 0, "answer": ""})
        results.append(sorted(found, key=lambda x: x["score"], reverse=True)[:top_k])
    return results


def to_squad_predictions(example_ids: Sequence[Any], answers: Sequence[Sequence[Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    """`postprocess_qa_predictions` output in the format of the `squad`/`squad_v2` metrics.

    Returns:
        `[{"id": ..., "prediction_text": best answer or "", "no_answer_probability": 0.0}, ...]`.
    """
    return [{"id": i, "prediction_text": found[0]["answer"] if found else "", "no_answer_probability": 0.0}
            for i, found in zip(example_ids, answers)]
