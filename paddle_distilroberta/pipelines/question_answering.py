"""`question-answering`: answer spans from a context, long contexts read in windows (transformers'
`QuestionAnsweringPipeline`). Windows and scoring live in `paddle_distilroberta.qa_utils`."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping

from ..qa_utils import postprocess_qa_predictions, prepare_qa_features
from .base import Pipeline, check_top_k, max_tokens


class QuestionAnsweringPipeline(Pipeline):
    """The best answer (or `top_k` answers) to a question about a context.

    Inputs: `pipe(question=q, context=c)`, `pipe({"question": q, "context": c})`, or lists of either
    (`question=[...]`, `context=[...]`, or a list of dicts).
    Call parameters (transformers' names and defaults): `top_k=1`, `doc_stride` (default
    min(max_seq_len // 2, 128)), `max_answer_len=15`, `max_seq_len` (default min(model limit, 384)),
    `handle_impossible_answer=False` (SQuAD v2: may answer `""`), `align_to_words=True`.

    Returns `{"score", "start", "end", "answer"}` (character offsets into the context), or a list of them,
    best first, when more than one answer was found (`top_k` > 1).
    """

    task = "question-answering"
    output_names = ("start_logits", "end_logits")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            inputs = args[0]
            if len(args) == 2:
                inputs = {"question": args[0], "context": args[1]}
            elif len(args) > 2:
                raise TypeError("question-answering takes (question, context), a dict or a list of dicts.")
        else:
            if "question" not in kwargs or "context" not in kwargs:
                raise TypeError("question-answering needs question= and context= (or a dict / list of dicts).")
            question, context = kwargs.pop("question"), kwargs.pop("context")
            if isinstance(question, str) and isinstance(context, str):
                inputs = {"question": question, "context": context}
            elif isinstance(question, str):
                inputs = [{"question": question, "context": c} for c in context]
            else:
                if isinstance(context, str):
                    context = [context] * len(question)
                if len(question) != len(context):
                    raise ValueError(f"{len(question)} questions but {len(context)} contexts.")
                inputs = [{"question": q, "context": c} for q, c in zip(question, context)]
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]  # as transformers: a one-element list answers like a single input
        return super().__call__(inputs, **kwargs)

    def _check_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        limit = max_tokens(self.model, self.tokenizer)
        max_seq_len = params.pop("max_seq_len", None) or min(limit, 384)
        doc_stride = params.pop("doc_stride", None)
        doc_stride = min(max_seq_len // 2, 128) if doc_stride is None else doc_stride
        out = {
            "top_k": params.pop("top_k", 1),
            "max_answer_len": params.pop("max_answer_len", 15),
            "handle_impossible_answer": bool(params.pop("handle_impossible_answer", False)),
            "align_to_words": bool(params.pop("align_to_words", True)),
            "max_seq_len": max_seq_len, "doc_stride": doc_stride,
        }
        params.pop("max_question_len", None)  # accepted for transformers compatibility (unused by fast tokenizers)
        super()._check_params(params)
        check_top_k(out["top_k"])
        if type(out["max_answer_len"]) is not int or out["max_answer_len"] < 1:
            raise ValueError(f"max_answer_len={out['max_answer_len']!r} must be a positive int.")
        if max_seq_len > limit:
            raise ValueError(f"max_seq_len={max_seq_len} is longer than the model's {limit} tokens.")
        if doc_stride > max_seq_len:
            raise ValueError(f"doc_stride={doc_stride} must not exceed max_seq_len={max_seq_len}.")
        return out

    def _preprocess(self, items: List[Any], params: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
        questions, contexts = [], []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping) or "question" not in item or "context" not in item:
                raise ValueError(f"question-answering input {i} must be a dict with 'question' and 'context', got {item!r:.200}.")
            question, context = item["question"], item["context"]
            if not isinstance(question, str) or not question.strip():
                raise ValueError(f"question-answering input {i}: the question is empty.")
            if not isinstance(context, str) or not context.strip():
                raise ValueError(f"question-answering input {i}: the context is empty.")
            questions.append(question)
            contexts.append(context)
        features = prepare_qa_features(self.tokenizer, questions, contexts, max_length=params["max_seq_len"],
                                       doc_stride=params["doc_stride"])
        rows: List[List[Dict[str, Any]]] = [[] for _ in items]
        for w, owner in enumerate(features["example_index"]):
            rows[owner].append({"input_ids": features["input_ids"][w], "offset_mapping": features["offset_mapping"][w],
                                "word_ids": features["word_ids"][w]})
        return rows

    def _postprocess(self, item: Any, rows: List[Dict[str, Any]], params: Dict[str, Any]) -> Any:
        features = {"offset_mapping": [r["offset_mapping"] for r in rows], "word_ids": [r["word_ids"] for r in rows],
                    "example_index": [0] * len(rows)}
        answers = postprocess_qa_predictions(
            features, [r["start_logits"] for r in rows], [r["end_logits"] for r in rows], [item["context"]],
            top_k=params["top_k"], max_answer_len=params["max_answer_len"],
            handle_impossible_answer=params["handle_impossible_answer"], align_to_words=params["align_to_words"])[0]
        return answers[0] if len(answers) == 1 else answers

