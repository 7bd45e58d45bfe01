"""Fine-tune DistilRoBERTa for extractive question answering (SQuAD v1 / v2 style) with PaddleNLP's Trainer.

transformers' run_qa.py flags; ``--config`` takes a YAML of defaults (configs/finetune/qa.yaml):

    python examples/run_qa.py --config configs/finetune/qa.yaml --dataset_name squad --output_dir out/squad
    python examples/run_qa.py --config configs/finetune/qa.yaml --dataset_name squad_v2 \\
        --version_2_with_negative --output_dir out/squad_v2
    python examples/run_qa.py --model_name_or_path distilroberta-base --train_file train.json \\
        --validation_file dev.json --output_dir out --do_train --do_eval

Local files: SQuAD's own JSON (``data`` -> ``paragraphs`` -> ``qas``) or flat .json/.jsonl rows with ``id``,
``question``, ``context`` and ``answers`` ({"text": [...], "answer_start": [...]}; empty lists: unanswerable).
Long contexts are cut into windows of ``--max_seq_length`` tokens overlapping by ``--doc_stride``
(``paddle_distilroberta.qa_utils.prepare_qa_features``); the windows' logits go back to answer text with
``postprocess_qa_predictions``. Writes ``eval_predictions.json``, ``eval_results.json`` (exact_match / f1, or
SQuAD v2's exact / f1 / HasAns / NoAns) and a model that ``from_pretrained(output_dir)`` loads alone.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from paddle_distilroberta import AutoModelForQuestionAnswering, AutoTokenizer
from paddle_distilroberta.data import DataCollatorWithPadding, load_raw_datasets
from paddle_distilroberta.integrations.paddlenlp import (
    DatasetArguments, ModelArguments, finish_distributed, group_by_length, parse_finetune_args,
)
from paddle_distilroberta.metrics import squad_compute, squad_v2_compute
from paddle_distilroberta.qa_utils import postprocess_qa_predictions, prepare_qa_features, to_squad_predictions

logger = logging.getLogger("run_qa")

MODEL_INPUTS = ("input_ids", "attention_mask", "start_positions", "end_positions")


@dataclass
class DataArguments(DatasetArguments):
    max_seq_length: int = field(default=384, metadata={"help": "tokens per window"})
    doc_stride: int = field(default=128, metadata={"help": "tokens shared by consecutive windows"})
    max_answer_length: int = field(default=30, metadata={"help": "longest answer in tokens"})
    n_best_size: int = field(default=20, metadata={"help": "answers kept per example"})
    version_2_with_negative: bool = field(default=False, metadata={"help": "some questions have no answer (v2)"})
    group_by_length: bool = field(default=False, metadata={"help": "batch examples of similar length (less padding)"})


def flatten_squad(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """SQuAD's nested articles (title, paragraphs, qas) as flat rows; flat rows pass through."""
    if not rows or "paragraphs" not in rows[0]:
        return rows
    out = []
    for article in rows:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else qa.get("answers", [])
                out.append({"id": qa["id"], "title": article.get("title", ""), "context": paragraph["context"],
                            "question": qa["question"],
                            "answers": {"text": [a["text"] for a in answers],
                                        "answer_start": [int(a["answer_start"]) for a in answers]}})
    return out


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    model_args, data, training = parse_finetune_args((ModelArguments, DataArguments), argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    import paddle
    from paddlenlp.datasets import MapDataset
    from paddlenlp.trainer import Trainer

    paddle.seed(training.seed)  # new heads start the same in every run (and on every rank)

    files = {"train": data.train_file, "validation": data.validation_file}
    raw = load_raw_datasets(data.dataset_name, data.dataset_config_name, data_files=files, cache_dir=model_args.cache_dir)
    raw.pop("__label_names__", None)
    raw = {split: flatten_squad(rows) for split, rows in raw.items()}

    tokenizer = AutoTokenizer.from_pretrained(model_args.tokenizer_name or model_args.model_name_or_path,
                                              cache_dir=model_args.cache_dir)
    model = AutoModelForQuestionAnswering.from_pretrained(model_args.model_name_or_path, cache_dir=model_args.cache_dir)
    # the QA default of PaddleNLP 3.0.0b4 is dead code (see tests/test_trainer.py): name the labels
    training.label_names = ["start_positions", "end_positions"]

    def features_of(rows: List[Dict[str, Any]], with_answers: bool) -> Dict[str, List[Any]]:
        return prepare_qa_features(
            tokenizer, [r["question"] for r in rows], [r["context"] for r in rows], ids=[r["id"] for r in rows],
            answers=[r["answers"] for r in rows] if with_answers else None,
            max_length=data.max_seq_length, doc_stride=data.doc_stride, strip_questions=True)

    def as_dataset(features: Dict[str, List[Any]]) -> MapDataset:
        keys = [k for k in MODEL_INPUTS if k in features]
        return MapDataset([{k: features[k][i] for k in keys} for i in range(len(features["input_ids"]))])

    train_rows = raw.get("train", [])[: data.max_train_samples]
    eval_rows = raw.get("validation", [])[: data.max_eval_samples]
    train_ds = as_dataset(features_of(train_rows, True)) if train_rows else None
    # eval windows carry the answers' token positions too, so evaluation also reports eval_loss
    eval_features = features_of(eval_rows, True) if eval_rows else None
    eval_ds = as_dataset(eval_features) if eval_features else None
    logger.info("%d training windows; %d evaluation windows for %d questions",
                len(train_ds) if train_ds else 0, len(eval_features["input_ids"]) if eval_features else 0, len(eval_rows))

    last: Dict[str, Any] = {}  # the latest evaluation's answers, for eval_predictions.json

    def compute_metrics(pred) -> Dict[str, float]:
        """Window logits -> best answer text per question -> SQuAD EM / F1 (v2: exact / f1 / HasAns / NoAns)."""
        start_logits, end_logits = pred.predictions[:2]
        answers = postprocess_qa_predictions(
            eval_features, np.asarray(start_logits), np.asarray(end_logits), [r["context"] for r in eval_rows],
            example_ids=[r["id"] for r in eval_rows], top_k=data.n_best_size, max_answer_len=data.max_answer_length,
            handle_impossible_answer=data.version_2_with_negative)
        last["predictions"] = to_squad_predictions([r["id"] for r in eval_rows], answers)
        references = [{"id": r["id"], "answers": r["answers"]} for r in eval_rows]
        compute = squad_v2_compute if data.version_2_with_negative else squad_compute
        return dict(compute(last["predictions"], references))

    trainer = Trainer(model=model, args=training, train_dataset=train_ds, eval_dataset=eval_ds, tokenizer=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer),
                      compute_metrics=compute_metrics if eval_ds is not None else None)
    if data.group_by_length and train_ds is not None:
        group_by_length(trainer)
    results: Dict[str, float] = {}
    if training.do_train:
        if train_ds is None:
            raise SystemExit("--do_train needs a train split (--train_file)")
        train_result = trainer.train(resume_from_checkpoint=training.resume_from_checkpoint)
        trainer.save_model()
        trainer.save_metrics("train", train_result.metrics)
        trainer.save_state()
    if training.do_eval and eval_ds is not None:
        results = trainer.evaluate()
        if training.should_save:
            os.makedirs(training.output_dir, exist_ok=True)
            with open(os.path.join(training.output_dir, "eval_predictions.json"), "w", encoding="utf-8") as fh:
                json.dump({p["id"]: p["prediction_text"] for p in last["predictions"]}, fh, indent=2, ensure_ascii=False)
            with open(os.path.join(training.output_dir, "eval_results.json"), "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=2, sort_keys=True)
        logger.info("eval results: %s", results)
    finish_distributed(training)  # every rank finishes before the process group goes
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
