"""Continue masked-language-model training of DistilRoBERTa on raw text (domain adaptation) with PaddleNLP's Trainer.

transformers' run_mlm.py flags; ``--config`` takes a YAML of defaults (configs/finetune/mlm.yaml):

    python examples/run_mlm.py --config configs/finetune/mlm.yaml --train_file corpus.txt \\
        --validation_file held_out.txt --output_dir out/mlm
    python examples/run_mlm.py --dataset_name wikitext --dataset_config_name wikitext-2-raw-v1 --output_dir out

Text comes from .txt (one document or sentence per line), .csv/.json/.jsonl (``--text_column_name``, default
``text``) or a ``datasets`` name. Lines are concatenated and cut into blocks of ``--max_seq_length`` tokens,
or kept one per example with ``--line_by_line``. Masking is dynamic (``DataCollatorForLanguageModeling``: a new
15% of tokens each time a batch is built, 80% ``<mask>`` / 10% random / 10% unchanged; ``--whole_word_mask``).
Reports ``perplexity = exp(eval_loss)`` in ``eval_results.json``; the model in --output_dir loads alone.
"""
from __future__ import annotations

import json
import logging
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from paddle_distilroberta import AutoModelForMaskedLM, AutoTokenizer
from paddle_distilroberta.data import DataCollatorForLanguageModeling, load_raw_datasets
from paddle_distilroberta.integrations.paddlenlp import (
    DatasetArguments, ModelArguments, finish_distributed, parse_finetune_args,
)

logger = logging.getLogger("run_mlm")


@dataclass
class DataArguments(DatasetArguments):
    text_column_name: str = field(default="text", metadata={"help": "column holding the text"})
    max_seq_length: int = field(default=512, metadata={"help": "block length in tokens"})
    line_by_line: bool = field(default=False, metadata={"help": "one example per line instead of packed blocks"})
    mlm_probability: float = field(default=0.15, metadata={"help": "share of tokens to predict"})
    whole_word_mask: bool = field(default=False, metadata={"help": "mask whole words"})
    validation_split_percentage: int = field(default=5, metadata={"help": "held out from train when no validation"})


def _blocks(tokenizer, texts: List[str], size: int, line_by_line: bool) -> List[Dict[str, Any]]:
    """Token blocks: each line with <s> ... </s> truncated (line_by_line), or all lines packed into full blocks."""
    if line_by_line:
        enc = tokenizer(texts, truncation=True, max_length=size)
        return [{"input_ids": list(ids)} for ids in enc["input_ids"]]
    enc = tokenizer(texts)  # each line keeps its <s> ... </s>, as transformers' group_texts
    stream = [i for ids in enc["input_ids"] for i in ids]
    usable = (len(stream) // size) * size
    if usable == 0:  # less text than one block: keep what there is
        return [{"input_ids": stream}] if stream else []
    return [{"input_ids": stream[i: i + size]} for i in range(0, usable, size)]


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
    texts = {s: [str(r[data.text_column_name]) for r in rows if str(r[data.text_column_name]).strip()]
             for s, rows in raw.items()}
    if "validation" not in texts and "train" in texts:
        cut = max(1, len(texts["train"]) * data.validation_split_percentage // 100)
        texts["validation"], texts["train"] = texts["train"][:cut], texts["train"][cut:]

    tokenizer = AutoTokenizer.from_pretrained(model_args.tokenizer_name or model_args.model_name_or_path,
                                              cache_dir=model_args.cache_dir)
    model = AutoModelForMaskedLM.from_pretrained(model_args.model_name_or_path, cache_dir=model_args.cache_dir)
    size = min(data.max_seq_length, model.config.max_position_embeddings - model.config.pad_token_id - 1)
    train_blocks = _blocks(tokenizer, texts.get("train", []), size, data.line_by_line)[: data.max_train_samples]
    eval_blocks = _blocks(tokenizer, texts.get("validation", []), size, data.line_by_line)[: data.max_eval_samples]
    logger.info("%d training and %d evaluation blocks of up to %d tokens", len(train_blocks), len(eval_blocks), size)

    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=data.mlm_probability,
                                               whole_word_mask=data.whole_word_mask, seed=training.seed)
    trainer = Trainer(model=model, args=training, train_dataset=MapDataset(train_blocks) if train_blocks else None,
                      eval_dataset=MapDataset(eval_blocks) if eval_blocks else None, tokenizer=tokenizer,
                      data_collator=collator)
    results: Dict[str, float] = {}
    if training.do_train:
        if not train_blocks:
            raise SystemExit("--do_train needs training text (--train_file or --dataset_name)")
        train_result = trainer.train(resume_from_checkpoint=training.resume_from_checkpoint)
        trainer.save_model()
        trainer.save_metrics("train", train_result.metrics)
        trainer.save_state()
    if training.do_eval and eval_blocks:
        # a fixed masking for evaluation, so that two evaluations of one model agree
        trainer.data_collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=data.mlm_probability,
                                                                whole_word_mask=data.whole_word_mask, seed=training.seed)
        results = trainer.evaluate()
        results["perplexity"] = math.exp(results["eval_loss"]) if results["eval_loss"] < 700 else float("inf")
        if training.should_save:
            with open(os.path.join(training.output_dir, "eval_results.json"), "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=2, sort_keys=True)
        logger.info("eval results: %s", results)
    finish_distributed(training)  # every rank finishes before the process group goes
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
