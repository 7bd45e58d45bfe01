"""Fine-tune DistilRoBERTa for token classification (NER, POS, ...) with PaddleNLP's Trainer.

transformers' run_ner.py flags; ``--config`` takes a YAML of defaults (configs/finetune/ner.yaml):

    python examples/run_ner.py --config configs/finetune/ner.yaml --dataset_name conll2003 --output_dir out/ner
    python examples/run_ner.py --model_name_or_path distilroberta-base --train_file train.jsonl \\
        --validation_file dev.jsonl --output_dir out --do_train --do_eval

Local .json/.jsonl rows hold ``tokens`` (a list of words) and ``ner_tags`` (one tag per word: strings such as
``B-PER``, or integers with ``--label_list``); other names with ``--text_column_name`` / ``--label_column_name``.
Word labels go to the first token of each word (``word_ids``), the other pieces get -100 (or the same label,
``--label_all_tokens``). Reports seqeval's entity-level precision / recall / F1 and token accuracy; writes
``eval_results.json`` and a model that ``from_pretrained(output_dir)`` loads alone.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from paddle_distilroberta import AutoModelForTokenClassification, AutoTokenizer
from paddle_distilroberta.data import DataCollatorForTokenClassification, load_raw_datasets
from paddle_distilroberta.integrations.paddlenlp import (
    DatasetArguments, ModelArguments, finish_distributed, group_by_length, parse_finetune_args,
)
from paddle_distilroberta.metrics import seqeval_compute

logger = logging.getLogger("run_ner")


@dataclass
class DataArguments(DatasetArguments):
    text_column_name: str = field(default="tokens", metadata={"help": "column with the list of words"})
    label_column_name: str = field(default="ner_tags", metadata={"help": "column with one tag per word"})
    label_list: Optional[str] = field(default=None, metadata={"help": "comma-separated names of integer tags"})
    max_seq_length: int = field(default=128, metadata={"help": "longer inputs are truncated"})
    label_all_tokens: bool = field(default=False, metadata={"help": "label every piece of a word, not the first"})
    group_by_length: bool = field(default=False, metadata={"help": "batch examples of similar length (less padding)"})


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    model_args, data, training = parse_finetune_args((ModelArguments, DataArguments), argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    import paddle
    from paddlenlp.datasets import MapDataset
    from paddlenlp.trainer import Trainer

    paddle.seed(training.seed)  # new heads start the same in every run (and on every rank)

    files = {"train": data.train_file, "validation": data.validation_file}
    raw = load_raw_datasets(data.dataset_name, data.dataset_config_name, data_files=files, cache_dir=model_args.cache_dir)
    names = raw.pop("__label_names__", {}).get(data.label_column_name)
    if data.label_list:
        names = [n.strip() for n in data.label_list.split(",")]
    splits = [s for s in ("train", "validation") if s in raw]
    tags = [t for s in splits for row in raw[s] for t in row[data.label_column_name]]
    if names is None:
        if any(not isinstance(t, str) for t in tags):
            raise SystemExit("integer tags need --label_list (comma-separated, in id order)")
        names = sorted(set(tags))
    label_to_id = {n: i for i, n in enumerate(names)}

    # byte-level BPE needs add_prefix_space=True for pre-split words (as RobertaTokenizerFast)
    tokenizer = AutoTokenizer.from_pretrained(model_args.tokenizer_name or model_args.model_name_or_path,
                                              cache_dir=model_args.cache_dir, add_prefix_space=True)
    model = AutoModelForTokenClassification.from_pretrained(
        model_args.model_name_or_path, cache_dir=model_args.cache_dir, num_labels=len(names),
        id2label=dict(enumerate(names)), label2id=label_to_id)

    def encode(rows: List[Dict[str, Any]], limit: Optional[int]) -> MapDataset:
        rows = rows[:limit] if limit else rows
        words = [list(r[data.text_column_name]) for r in rows]
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=data.max_seq_length)
        out = []
        for i, row in enumerate(rows):
            word_labels = [label_to_id[t] if isinstance(t, str) else int(t) for t in row[data.label_column_name]]
            labels, previous = [], None
            for word in enc.word_ids(i):
                if word is None:
                    labels.append(-100)
                elif word != previous:
                    labels.append(word_labels[word])
                else:
                    labels.append(word_labels[word] if data.label_all_tokens else -100)
                previous = word
            out.append({"input_ids": list(enc["input_ids"][i]), "attention_mask": list(enc["attention_mask"][i]),
                        "labels": labels})
        return MapDataset(out)

    train_ds = encode(raw["train"], data.max_train_samples) if "train" in raw else None
    eval_ds = encode(raw["validation"], data.max_eval_samples) if "validation" in raw else None

    def compute_metrics(pred) -> Dict[str, float]:
        logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
        predictions = np.argmax(logits, axis=-1)
        true_tags, pred_tags = [], []
        for p_row, l_row in zip(predictions, pred.label_ids):
            keep = l_row != -100
            true_tags.append([names[i] for i in l_row[keep]])
            pred_tags.append([names[i] for i in p_row[keep]])
        scores = seqeval_compute(pred_tags, true_tags)
        return {"precision": scores["overall_precision"], "recall": scores["overall_recall"],
                "f1": scores["overall_f1"], "accuracy": scores["overall_accuracy"]}

    trainer = Trainer(model=model, args=training, train_dataset=train_ds, eval_dataset=eval_ds, tokenizer=tokenizer,
                      data_collator=DataCollatorForTokenClassification(tokenizer), compute_metrics=compute_metrics)
    if data.group_by_length and train_ds is not None:
        group_by_length(trainer)
    results: Dict[str, float] = {}
    if training.do_train:
        if train_ds is None:
            raise SystemExit("--do_train needs a train split (--train_file)")
        train_result = trainer.train(resume_from_checkpoint=training.resume_from_checkpoint)
        trainer.save_model()  # config.json (id2label) + weights + tokenizer
        trainer.save_metrics("train", train_result.metrics)
        trainer.save_state()
    if training.do_eval and eval_ds is not None:
        results = trainer.evaluate()
        if training.should_save:
            with open(os.path.join(training.output_dir, "eval_results.json"), "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=2, sort_keys=True)
        logger.info("eval results: %s", results)
    finish_distributed(training)  # every rank finishes before the process group goes
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
