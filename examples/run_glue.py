"""Fine-tune DistilRoBERTa for text classification / regression (GLUE or your own files) with PaddleNLP's Trainer.

transformers' run_glue.py flags; ``--config`` takes a YAML of defaults (configs/finetune/glue.yaml):

    python examples/run_glue.py --config configs/finetune/glue.yaml --task_name mrpc --output_dir out/mrpc
    python examples/run_glue.py --model_name_or_path distilroberta-base --train_file train.csv \\
        --validation_file dev.csv --output_dir out --do_train --do_eval --max_seq_length 128 \\
        --num_train_epochs 3 --learning_rate 2e-5 --per_device_train_batch_size 32
    python -m paddle.distributed.launch --nproc_per_node 2 examples/run_glue.py ...   # data parallel

Local files (.csv/.tsv/.json/.jsonl) hold ``sentence`` (or ``sentence1``,``sentence2``, or any one/two text
columns) and ``label``: integer or string labels make a classifier (string labels become ``id2label``), float
labels a regressor. ``--group_by_length`` batches similar lengths (less padding); ``--recompute true`` turns on
gradient checkpointing. Writes ``eval_results.json`` (and ``train_results.json``, ``predict_results.txt``) and a model
that ``from_pretrained(output_dir)`` loads alone (as is every ``checkpoint-N``).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from paddle_distilroberta import AutoModelForSequenceClassification, AutoTokenizer
from paddle_distilroberta.data import DataCollatorWithPadding, load_raw_datasets
from paddle_distilroberta.integrations.paddlenlp import (
    DatasetArguments, ModelArguments, finish_distributed, group_by_length, parse_finetune_args,
)
from paddle_distilroberta.metrics import accuracy, glue_compute

logger = logging.getLogger("run_glue")

TASK_TO_KEYS = {
    "cola": ("sentence", None), "mnli": ("premise", "hypothesis"), "mrpc": ("sentence1", "sentence2"),
    "qnli": ("question", "sentence"), "qqp": ("question1", "question2"), "rte": ("sentence1", "sentence2"),
    "sst2": ("sentence", None), "stsb": ("sentence1", "sentence2"), "wnli": ("sentence1", "sentence2"),
}


@dataclass
class GlueModelArguments(ModelArguments):
    config_name: Optional[str] = field(default=None, metadata={"help": "config, if not the model's"})


@dataclass
class DataArguments(DatasetArguments):
    task_name: Optional[str] = field(default=None, metadata={"help": f"GLUE task: {', '.join(TASK_TO_KEYS)}"})
    dataset_name: Optional[str] = field(default=None, metadata={"help": "datasets name (default 'glue' with --task_name)"})
    test_file: Optional[str] = field(default=None, metadata={"help": "csv/tsv/json/jsonl (labels optional)"})
    max_seq_length: int = field(default=128, metadata={"help": "longer inputs are truncated"})
    pad_to_max_length: bool = field(default=False, metadata={"help": "pad to max_seq_length, not per batch"})
    group_by_length: bool = field(default=False, metadata={"help": "batch examples of similar length (less padding)"})


def _label_kind(values: List[Any]) -> str:
    """'int', 'float' or 'str' for a column of labels (CSV values arrive as strings)."""
    kinds = set()
    for v in values:
        if isinstance(v, bool) or isinstance(v, (int, np.integer)):
            kinds.add("int")
        elif isinstance(v, float):
            kinds.add("float")
        else:
            text = str(v).strip()
            try:
                int(text)
                kinds.add("int")
            except ValueError:
                try:
                    float(text)
                    kinds.add("float")
                except ValueError:
                    kinds.add("str")
    return "str" if "str" in kinds else "float" if "float" in kinds else "int"


def _text_keys(data: DataArguments, columns: List[str]):
    if data.task_name is not None:
        return TASK_TO_KEYS[data.task_name]
    text = [c for c in columns if c not in ("label", "idx", "id")]
    if "sentence1" in text and "sentence2" in text:
        return "sentence1", "sentence2"
    if not text:
        raise SystemExit(f"no text column among {columns}")
    return text[0], (text[1] if len(text) > 1 else None)


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    model_args, data, training = parse_finetune_args((GlueModelArguments, DataArguments), argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    if data.task_name is not None:
        data.task_name = data.task_name.lower()
        if data.task_name not in TASK_TO_KEYS:
            raise SystemExit(f"unknown --task_name {data.task_name}; one of {sorted(TASK_TO_KEYS)}")
    import paddle
    from paddlenlp.datasets import MapDataset
    from paddlenlp.trainer import Trainer

    paddle.seed(training.seed)  # new heads start the same in every run (and on every rank)

    files = {"train": data.train_file, "validation": data.validation_file, "test": data.test_file}
    if any(files.values()):
        raw = load_raw_datasets(data_files=files)
    else:
        if data.dataset_name:
            name, config_name = data.dataset_name, data.dataset_config_name
        elif data.task_name:
            name, config_name = "glue", data.task_name  # the hub's GLUE: one config per task
        else:
            raise SystemExit("give --task_name, --dataset_name or --train_file/--validation_file")
        raw = load_raw_datasets(name, config_name, cache_dir=model_args.cache_dir)
    label_names = raw.pop("__label_names__", {}).get("label")
    eval_splits = [s for s in ("validation", "validation_matched", "validation_mismatched") if s in raw]
    first = raw.get("train") or raw[eval_splits[0]]
    key1, key2 = _text_keys(data, list(first[0]))

    # labels: regression for stsb / float labels; otherwise classes, named by the dataset or the file's strings
    all_labels = [row["label"] for split in ("train", *eval_splits) if split in raw for row in raw[split]]
    is_regression = data.task_name == "stsb" or (data.task_name is None and _label_kind(all_labels) == "float")
    to_id = None  # file label (canonical form) -> class index; None: the labels already are indices
    canon = str
    if is_regression:
        label_list, num_labels = None, 1
    elif label_names:
        label_list, num_labels = label_names, len(label_names)
    else:
        if _label_kind(all_labels) == "int":
            canon = lambda v: int(str(v).strip())  # noqa: E731
        label_list = sorted({canon(v) for v in all_labels})
        num_labels = len(label_list)
        to_id = {v: i for i, v in enumerate(label_list)}

    tokenizer = AutoTokenizer.from_pretrained(model_args.tokenizer_name or model_args.model_name_or_path,
                                              cache_dir=model_args.cache_dir)
    overrides: Dict[str, Any] = {"num_labels": num_labels}
    if label_list is not None:
        overrides["id2label"] = {i: str(v) for i, v in enumerate(label_list)}
        overrides["label2id"] = {str(v): i for i, v in enumerate(label_list)}
    overrides["problem_type"] = "regression" if is_regression else "single_label_classification"
    if model_args.config_name:
        from paddle_distilroberta import AutoConfig

        overrides = {"config": AutoConfig.from_pretrained(model_args.config_name, **overrides)}
    model = AutoModelForSequenceClassification.from_pretrained(model_args.model_name_or_path,
                                                               cache_dir=model_args.cache_dir, **overrides)

    def encode(rows: List[Dict[str, Any]], limit: Optional[int]) -> MapDataset:
        rows = rows[:limit] if limit else rows
        first_texts = [str(r[key1]) for r in rows]
        second = [str(r[key2]) for r in rows] if key2 else None
        enc = tokenizer(first_texts, second, truncation=True, max_length=data.max_seq_length,
                        padding="max_length" if data.pad_to_max_length else False)
        out = []
        for i, row in enumerate(rows):
            item = {"input_ids": list(enc["input_ids"][i]), "attention_mask": list(enc["attention_mask"][i])}
            label = row.get("label")
            if label is not None and str(label) != "" and not (isinstance(label, (int, np.integer)) and label < 0):
                if is_regression:
                    item["labels"] = float(label)
                else:
                    item["labels"] = to_id[canon(label)] if to_id is not None else int(label)
            out.append(item)
        return MapDataset(out)

    train_ds = encode(raw["train"], data.max_train_samples) if "train" in raw else None
    eval_sets = {s: encode(raw[s], data.max_eval_samples) for s in eval_splits}

    def compute_metrics(pred) -> Dict[str, float]:
        logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
        preds = np.squeeze(logits) if is_regression else np.argmax(logits, axis=-1)
        if data.task_name is not None:
            return glue_compute(data.task_name, preds, pred.label_ids)
        if is_regression:
            return {"mse": float(((preds - pred.label_ids) ** 2).mean())}
        return accuracy(preds, pred.label_ids)

    trainer = Trainer(
        model=model, args=training, train_dataset=train_ds,
        eval_dataset=eval_sets[eval_splits[0]] if eval_splits else None,
        tokenizer=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
    )
    if data.group_by_length and train_ds is not None:
        group_by_length(trainer)
    results: Dict[str, float] = {}
    if training.do_train:
        if train_ds is None:
            raise SystemExit("--do_train needs a train split (--train_file)")
        checkpoint = training.resume_from_checkpoint
        train_result = trainer.train(resume_from_checkpoint=checkpoint)
        trainer.save_model()  # config.json (id2label) + weights + tokenizer: from_pretrained(output_dir) loads it
        # data parallel: every rank must end with the same weights; each rank logs a digest to compare
        digest = hashlib.sha256()
        for key, value in sorted(model.state_dict().items()):
            digest.update(key.encode() + value.numpy().tobytes())
        logger.info("rank %d of %d: trained weights sha256 %s", training.process_index, training.world_size,
                    digest.hexdigest())
        trainer.save_metrics("train", train_result.metrics)
        trainer.save_state()
    if training.do_eval:
        for split in eval_splits:
            metrics = trainer.evaluate(eval_dataset=eval_sets[split])
            suffix = "" if split == eval_splits[0] else "_" + split.split("_")[-1]
            results.update({f"{k}{suffix}": v for k, v in metrics.items()})
        if training.should_save:
            with open(os.path.join(training.output_dir, "eval_results.json"), "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=2, sort_keys=True)
        logger.info("eval results: %s", results)
    if training.do_predict and "test" in raw:
        test_ds = encode(raw["test"], None)
        output = trainer.predict(test_ds)
        logits = output.predictions[0] if isinstance(output.predictions, tuple) else output.predictions
        preds = np.squeeze(logits) if is_regression else np.argmax(logits, axis=-1)
        if training.should_save:
            with open(os.path.join(training.output_dir, "predict_results.txt"), "w", encoding="utf-8") as fh:
                fh.write("index\tprediction\n")
                for i, p in enumerate(preds.reshape(-1)):
                    fh.write(f"{i}\t{p:.6f}\n" if is_regression else f"{i}\t{model.config.id2label[int(p)]}\n")
    finish_distributed(training)  # every rank finishes before the process group goes
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
