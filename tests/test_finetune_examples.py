"""examples/run_{glue,ner,qa,mlm}.py end to end, offline, on a tiny random model and tiny hand-made data.

Each script runs in a fresh interpreter (as a user runs it) with PaddleNLP's Trainer on CPU; each run must
finish well under two minutes. The tiny model has the real roberta-base vocabulary (../shared/data/roberta-bpe)
and a 32-wide, 2-layer encoder, trained from scratch on tasks it can learn in a few dozen steps.
"""
from __future__ import annotations

import csv
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from conftest import REPO_ROOT, require, save_tiny_mlm

pytestmark = [pytest.mark.paddlenlp, pytest.mark.slow]

EXAMPLES = REPO_ROOT / "examples"
CONFIGS = REPO_ROOT / "configs" / "finetune"
TIME_LIMIT_S = 120
COMMON = ["--disable_tqdm", "true", "--logging_steps", "10", "--seed", "1", "--dataloader_num_workers", "0"]

POS = "sunny bright happy warm calm gentle lovely sweet kind brave".split()
NEG = "stormy dark angry cold harsh cruel grim bitter mean rude".split()
FILLER = "the a and of in on to with for it".split()
PEOPLE, CITIES = ["Alice", "Bob", "Carol", "Dave"], ["Paris", "Berlin", "Rome", "Oslo"]
WORDS = ["went", "to", "see", "met", "in", "the", "city", "yesterday"]


@pytest.fixture(scope="module")
def paddlenlp_trainer():
    return require("paddlenlp.trainer")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, roberta_bpe_dir, paddlenlp_trainer) -> Path:
    """A tiny random DistilRobertaForMaskedLM (no dropout) + the roberta-base tokenizer, saved as a folder."""
    return save_tiny_mlm(tmp_path_factory.mktemp("tiny-model"), roberta_bpe_dir)


def _run(script: str, args: List[str], cwd: Path) -> str:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args, *COMMON], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=TIME_LIMIT_S + 60)
    took = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert took < TIME_LIMIT_S, f"{script} took {took:.0f}s"
    return proc.stdout + proc.stderr


def _write_csv(path: Path, rows: List[Dict[str, object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _write_jsonl(path: Path, rows: List[Dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _sentiment_rows(n: int, seed: int) -> List[Dict[str, str]]:
    """A learnable synthetic task: the mood words of a sentence come from one of two disjoint word lists."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        words = [rng.choice(POS if label else NEG) for _ in range(rng.randint(2, 4))]
        words += [rng.choice(FILLER) for _ in range(rng.randint(1, 3))]
        rng.shuffle(words)
        rows.append({"sentence": " ".join(words), "label": "positive" if label else "negative"})
    return rows


def _logits(model, tokenizer, texts: List[str]) -> np.ndarray:
    import paddle

    enc = tokenizer(texts, padding=True, return_tensors="pd")
    with paddle.no_grad():
        return model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits.numpy()


# ----------------------------------------------------------------------------- run_glue.py
def test_run_glue_learns_csv_task_and_saves_reloadable_model(tiny_dir, tmp_path):
    """>= 95% eval accuracy on local CSVs; output_dir and checkpoint-N reload alone with identical logits, id2label."""
    from paddle_distilroberta import AutoModelForSequenceClassification, AutoTokenizer, DistilRobertaForSequenceClassification

    train = _write_csv(tmp_path / "train.csv", _sentiment_rows(256, 0))
    dev_rows = _sentiment_rows(64, 1)
    dev = _write_csv(tmp_path / "dev.csv", dev_rows)
    out = tmp_path / "out"
    _run("run_glue.py", ["--config", str(CONFIGS / "glue.yaml"), "--model_name_or_path", str(tiny_dir),
                         "--train_file", str(train), "--validation_file", str(dev), "--output_dir", str(out),
                         "--max_seq_length", "32", "--num_train_epochs", "3", "--learning_rate", "3e-3",
                         "--per_device_train_batch_size", "16", "--warmup_ratio", "0"], tmp_path)
    results = json.loads((out / "eval_results.json").read_text())
    assert results["eval_accuracy"] >= 0.95, results
    # glue.yaml saves every epoch (16 steps): checkpoint-48 holds the final weights
    assert {"checkpoint-32", "checkpoint-48"} <= {p.name for p in out.glob("checkpoint-*")}
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    texts = [r["sentence"] for r in dev_rows]
    logits = {}
    for folder in (out, out / "checkpoint-48", out / "checkpoint-32"):
        model = AutoModelForSequenceClassification.from_pretrained(str(folder))
        assert type(model) is DistilRobertaForSequenceClassification
        assert model.config.id2label == {0: "negative", 1: "positive"}, model.config.id2label
        logits[folder.name] = _logits(model, tokenizer, texts)
    np.testing.assert_array_equal(logits["out"], logits["checkpoint-48"])
    assert not np.array_equal(logits["out"], logits["checkpoint-32"])
    predicted = [model.config.id2label[int(i)] for i in logits["out"].argmax(-1)]
    assert np.mean([p == r["label"] for p, r in zip(predicted, dev_rows)]) == pytest.approx(results["eval_accuracy"])


def test_run_glue_sentence_pairs_regression_and_predict(tiny_dir, tmp_path):
    """Float labels make a regressor (MSE, num_labels=1); sentence1/sentence2 pairs; --do_predict writes predictions;
    --group_by_length batches by length."""
    from paddle_distilroberta import AutoModelForSequenceClassification

    rng = random.Random(3)
    rows = []
    for _ in range(48):
        a, b = rng.sample(POS + NEG, 2)
        rows.append({"sentence1": f"it was {a}", "sentence2": f"so {b}", "label": f"{float((a in POS) + (b in POS)):.1f}"})
    train = _write_csv(tmp_path / "train.csv", rows[:32])
    dev = _write_csv(tmp_path / "dev.csv", rows[32:])
    test = _write_csv(tmp_path / "test.csv", [{k: v for k, v in r.items() if k != "label"} for r in rows[32:40]])
    out = tmp_path / "out"
    _run("run_glue.py", ["--model_name_or_path", str(tiny_dir), "--train_file", str(train), "--validation_file", str(dev),
                         "--test_file", str(test), "--output_dir", str(out), "--do_train", "--do_eval", "--do_predict",
                         "--max_seq_length", "32", "--num_train_epochs", "2", "--learning_rate", "3e-3",
                         "--per_device_train_batch_size", "8", "--save_steps", "1000", "--group_by_length"], tmp_path)
    results = json.loads((out / "eval_results.json").read_text())
    assert math.isfinite(results["eval_mse"]) and math.isfinite(results["eval_loss"]), results
    model = AutoModelForSequenceClassification.from_pretrained(str(out))
    assert model.config.num_labels == 1 and model.config.problem_type == "regression"
    lines = (out / "predict_results.txt").read_text().splitlines()
    assert lines[0] == "index\tprediction" and len(lines) == 9
    assert all(math.isfinite(float(line.split("\t")[1])) for line in lines[1:])


# ----------------------------------------------------------------------------- run_ner.py
def _ner_rows(n: int, seed: int) -> List[Dict[str, list]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        tokens, tags = [], []
        for _ in range(rng.randint(3, 7)):
            draw = rng.random()
            if draw < 0.25:
                tokens += [rng.choice(PEOPLE), "Smith"]
                tags += ["B-PER", "I-PER"]
            elif draw < 0.45:
                tokens.append(rng.choice(CITIES))
                tags.append("B-LOC")
            else:
                tokens.append(rng.choice(WORDS))
                tags.append("O")
        rows.append({"tokens": tokens, "ner_tags": tags})
    return rows


def test_run_ner_word_labels_seqeval_f1(tiny_dir, tmp_path):
    from paddle_distilroberta import AutoModelForTokenClassification, DistilRobertaForTokenClassification

    train = _write_jsonl(tmp_path / "train.jsonl", _ner_rows(64, 0))
    dev = _write_jsonl(tmp_path / "dev.jsonl", _ner_rows(16, 1))
    out = tmp_path / "out"
    _run("run_ner.py", ["--config", str(CONFIGS / "ner.yaml"), "--model_name_or_path", str(tiny_dir),
                        "--train_file", str(train), "--validation_file", str(dev), "--output_dir", str(out),
                        "--max_seq_length", "32", "--num_train_epochs", "10", "--learning_rate", "3e-3",
                        "--per_device_train_batch_size", "16", "--warmup_ratio", "0", "--save_strategy", "no",
                        "--evaluation_strategy", "no"], tmp_path)
    results = json.loads((out / "eval_results.json").read_text())
    assert {"eval_precision", "eval_recall", "eval_f1", "eval_accuracy"} <= set(results)
    assert results["eval_f1"] >= 0.9, results
    model = AutoModelForTokenClassification.from_pretrained(str(out))
    assert type(model) is DistilRobertaForTokenClassification
    assert sorted(model.config.id2label.values()) == ["B-LOC", "B-PER", "I-PER", "O"]


# ----------------------------------------------------------------------------- run_qa.py
def _qa_rows(n: int, prefix: str, seed: int) -> List[Dict[str, object]]:
    """Long filler contexts (several windows each at 48 tokens) with one 'X lives in CITY' sentence."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        name, city = rng.choice(PEOPLE), rng.choice(CITIES)
        filler = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30)))
        context = f"{filler}. {name} lives in {city}. {filler}."
        start = context.index(f"lives in {city}") + len("lives in ")
        rows.append({"id": f"{prefix}{i}", "question": f"Where does {name} live?", "context": context,
                     "answers": {"text": [city], "answer_start": [start]}})
    return rows


def test_run_qa_windows_postprocessing_em_f1(tiny_dir, tmp_path, roberta_bpe_dir):
    from paddle_distilroberta import AutoModelForQuestionAnswering, DistilRobertaTokenizer
    from paddle_distilroberta.qa_utils import prepare_qa_features

    train_rows, dev_rows = _qa_rows(64, "t", 0), _qa_rows(16, "d", 1)
    squad = {"version": "1.1", "data": [{"title": "t", "paragraphs": [
        {"context": r["context"], "qas": [{"id": r["id"], "question": r["question"],
                                           "answers": [{"text": r["answers"]["text"][0],
                                                        "answer_start": r["answers"]["answer_start"][0]}]}]}
        for r in train_rows]}]}
    train = tmp_path / "train.json"
    train.write_text(json.dumps(squad), encoding="utf-8")  # SQuAD's nested format
    dev = _write_jsonl(tmp_path / "dev.jsonl", dev_rows)  # flat rows
    tok = DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir)
    windows = prepare_qa_features(tok, [r["question"] for r in dev_rows], [r["context"] for r in dev_rows],
                                  max_length=48, doc_stride=16)
    per_example = np.bincount(windows["example_index"])
    assert len(per_example) == len(dev_rows) and per_example.max() >= 3, "the dev contexts should need several windows"
    out = tmp_path / "out"
    log = _run("run_qa.py", ["--config", str(CONFIGS / "qa.yaml"), "--model_name_or_path", str(tiny_dir),
                             "--train_file", str(train), "--validation_file", str(dev), "--output_dir", str(out),
                             "--max_seq_length", "48", "--doc_stride", "16", "--num_train_epochs", "6",
                             "--learning_rate", "3e-3", "--per_device_train_batch_size", "16", "--warmup_ratio", "0",
                             "--save_strategy", "no"], tmp_path)
    assert f"{len(windows['input_ids'])} evaluation windows for 16 questions" in log
    results = json.loads((out / "eval_results.json").read_text())
    assert results["eval_exact_match"] >= 80.0 and results["eval_f1"] >= results["eval_exact_match"], results
    assert math.isfinite(results["eval_loss"])
    predictions = json.loads((out / "eval_predictions.json").read_text())
    assert set(predictions) == {r["id"] for r in dev_rows}
    right = sum(predictions[r["id"]] == r["answers"]["text"][0] for r in dev_rows)
    assert 100.0 * right / len(dev_rows) == pytest.approx(results["eval_exact_match"])
    assert type(AutoModelForQuestionAnswering.from_pretrained(str(out))).__name__ == "DistilRobertaForQuestionAnswering"


# ----------------------------------------------------------------------------- run_mlm.py
def test_run_mlm_dynamic_masking_perplexity(tiny_dir, tmp_path):
    from paddle_distilroberta import AutoModelForMaskedLM

    rng = random.Random(0)
    lines = [" ".join(rng.choice(WORDS + PEOPLE + CITIES) for _ in range(rng.randint(5, 15))) for _ in range(80)]
    (tmp_path / "train.txt").write_text("\n".join(lines[:64]) + "\n", encoding="utf-8")
    (tmp_path / "dev.txt").write_text("\n".join(lines[64:]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    _run("run_mlm.py", ["--config", str(CONFIGS / "mlm.yaml"), "--model_name_or_path", str(tiny_dir),
                        "--train_file", str(tmp_path / "train.txt"), "--validation_file", str(tmp_path / "dev.txt"),
                        "--output_dir", str(out), "--max_seq_length", "32", "--num_train_epochs", "6", "--line_by_line",
                        "--learning_rate", "1e-2", "--per_device_train_batch_size", "8", "--warmup_ratio", "0",
                        "--save_strategy", "no"], tmp_path)
    results = json.loads((out / "eval_results.json").read_text())
    assert results["perplexity"] == pytest.approx(math.exp(results["eval_loss"]))
    # from a random start (perplexity ~ the vocabulary size, 50265) it has learnt much of the 16-word language
    assert results["perplexity"] < 1000, results
    model = AutoModelForMaskedLM.from_pretrained(str(out))
    assert type(model).__name__ == "DistilRobertaForMaskedLM"


# ----------------------------------------------------------------------------- YAML + flags
def test_finetune_yaml_defaults_and_flag_overrides(paddlenlp_trainer, tmp_path):
    sys.path.insert(0, str(EXAMPLES))
    try:
        import run_glue
    finally:
        sys.path.remove(str(EXAMPLES))
    from paddle_distilroberta.integrations.paddlenlp import parse_finetune_args

    model, data, training = parse_finetune_args(
        (run_glue.ModelArguments, run_glue.DataArguments),
        ["--config", str(CONFIGS / "glue.yaml"), "--task_name", "rte", "--output_dir", str(tmp_path), "--learning_rate", "1e-5"])
    assert model.model_name_or_path == "distilroberta-base" and data.task_name == "rte" and data.max_seq_length == 128
    assert training.learning_rate == 1e-5 and training.per_device_train_batch_size == 32 and training.do_train
    assert training.device == "cpu" or training.device.startswith("gpu")
    bad = tmp_path / "bad.yaml"
    bad.write_text("learning_rate: 1.0e-5\nnot_a_flag: 3\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not_a_flag"):
        parse_finetune_args((run_glue.ModelArguments, run_glue.DataArguments), ["--config", str(bad), "--output_dir", "x"])
    for name in ("glue", "ner", "qa", "mlm"):  # every shipped YAML parses against its script
        script = {"glue": "run_glue", "ner": "run_ner", "qa": "run_qa", "mlm": "run_mlm"}[name]
        sys.path.insert(0, str(EXAMPLES))
        try:
            module = __import__(script)
        finally:
            sys.path.remove(str(EXAMPLES))
        parsed = parse_finetune_args((module.ModelArguments, module.DataArguments),
                                     ["--config", str(CONFIGS / f"{name}.yaml"), "--output_dir", str(tmp_path)])
        assert parsed[0].model_name_or_path == "distilroberta-base"


def test_run_glue_task_name_with_a_datasets_dataset(tiny_dir, tmp_path):
    """--task_name sst2 --dataset_name DIR: the `datasets` path (a local parquet folder, offline), GLUE's column
    names and metric, and id2label from the dataset's ClassLabel names."""
    datasets = require("datasets")
    from paddle_distilroberta import AutoModelForSequenceClassification

    features = datasets.Features({"sentence": datasets.Value("string"), "idx": datasets.Value("int32"),
                                  "label": datasets.ClassLabel(names=["negative", "positive"])})
    folder = tmp_path / "sst2-like"
    folder.mkdir()
    for split, n, seed in (("train", 128, 0), ("validation", 32, 1)):
        rows = _sentiment_rows(n, seed)
        datasets.Dataset.from_dict({"sentence": [r["sentence"] for r in rows], "idx": list(range(n)),
                                    "label": [int(r["label"] == "positive") for r in rows]},
                                   features=features).to_parquet(str(folder / f"{split}.parquet"))
    out = tmp_path / "out"
    _run("run_glue.py", ["--task_name", "sst2", "--dataset_name", str(folder), "--cache_dir", str(tmp_path / "cache"),
                         "--model_name_or_path", str(tiny_dir), "--output_dir", str(out), "--do_train", "--do_eval",
                         "--max_seq_length", "32", "--num_train_epochs", "1", "--learning_rate", "3e-3",
                         "--per_device_train_batch_size", "16", "--save_strategy", "no"], tmp_path)
    results = json.loads((out / "eval_results.json").read_text())
    assert set(results) >= {"eval_accuracy", "eval_loss"}, results
    model = AutoModelForSequenceClassification.from_pretrained(str(out))
    assert model.config.id2label == {0: "negative", 1: "positive"}


def test_run_qa_squad_v2_reports_has_and_no_answer(tiny_dir, tmp_path):
    """--version_2_with_negative: unanswerable questions (empty answers) train the <s> span and are scored apart."""
    rows = _qa_rows(24, "q", 2)
    for i, row in enumerate(rows):
        if i % 3 == 2:  # ask about someone the context does not mention
            missing = next(p for p in PEOPLE if p not in row["context"])
            row.update(question=f"Where does {missing} live?", answers={"text": [], "answer_start": []})
    train = _write_jsonl(tmp_path / "train.jsonl", rows[:18])
    dev = _write_jsonl(tmp_path / "dev.jsonl", rows[18:])
    out = tmp_path / "out"
    _run("run_qa.py", ["--model_name_or_path", str(tiny_dir), "--train_file", str(train), "--validation_file", str(dev),
                       "--output_dir", str(out), "--do_train", "--do_eval", "--version_2_with_negative",
                       "--max_seq_length", "48", "--doc_stride", "16", "--num_train_epochs", "2",
                       "--learning_rate", "3e-3", "--per_device_train_batch_size", "16", "--save_strategy", "no"], tmp_path)
    results = json.loads((out / "eval_results.json").read_text())
    assert results["eval_total"] == 6 and results["eval_HasAns_total"] == 4 and results["eval_NoAns_total"] == 2, results
    assert all(math.isfinite(results[k]) for k in ("eval_exact", "eval_f1", "eval_loss"))
    predictions = json.loads((out / "eval_predictions.json").read_text())
    assert set(predictions) == {r["id"] for r in rows[18:]}
