"""The examples run end to end: real tokenizer files, a small random model with RoBERTa's vocabulary."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import paddle
import pytest

from conftest import REPO_ROOT
from paddle_distilroberta import (
    DistilRobertaConfig,
    DistilRobertaForMaskedLM,
    DistilRobertaForQuestionAnswering,
    DistilRobertaForSequenceClassification,
    DistilRobertaTokenizer,
)
from paddle_distilroberta import pipeline
from paddle_distilroberta.pipelines import fill_mask

SMALL = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=4, intermediate_size=37)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, roberta_bpe_dir):
    """Random small models with the real 50265-row vocabulary, saved beside the real tokenizer files."""
    root = tmp_path_factory.mktemp("examples")
    out = {}
    paddle.seed(0)
    for name, cls, extra in (
        ("mlm", DistilRobertaForMaskedLM, {}),
        ("cls", DistilRobertaForSequenceClassification, {"id2label": {0: "neg", 1: "neu", 2: "pos"}}),
        ("qa", DistilRobertaForQuestionAnswering, {}),
    ):
        folder = root / name
        cls(DistilRobertaConfig(**SMALL, **extra)).save_pretrained(folder)
        for f in ("vocab.json", "merges.txt"):
            shutil.copy(roberta_bpe_dir / f, folder / f)
        out[name] = folder
    return out


def _run(script, *args):
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "examples" / script), *args], capture_output=True,
                          text=True, timeout=240, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_fill_mask_example(folders):
    out = _run("fill_mask.py", "--model", str(folders["mlm"]), "--top-k", "3", "The man worked as a <mask>.")
    lines = out.strip().splitlines()
    assert len(lines) == 3 and all("The man worked as a" in line for line in lines)


@pytest.mark.slow
def test_classify_example(folders):
    out = _run("classify.py", "--model", str(folders["cls"]), "I love it.", "I hate it.")
    lines = out.strip().splitlines()
    assert len(lines) == 2 and all(line.split()[0] in ("neg", "neu", "pos") for line in lines)


@pytest.mark.slow
def test_qa_example(folders):
    context = "The book was written by Jane Austen in 1813."
    out = _run("qa.py", "--model", str(folders["qa"]), "Who wrote it?", context)
    assert out.strip() and out.strip() in context


@pytest.mark.slow
def test_qa_example_reads_long_contexts_in_windows(folders, tmp_path):
    """Past 512 tokens: the pipeline reads the context in doc_stride windows instead of failing."""
    context = " ".join(f"Sentence {i} was written by Jane Austen in Bath." for i in range(120))
    path = tmp_path / "context.txt"
    path.write_text(context)
    out = _run("qa.py", "--model", str(folders["qa"]), "--context-file", str(path), "--top-k", "2", "Who wrote it?")
    lines = out.strip().splitlines()
    assert len(lines) == 2 and all(line.split("] ", 1)[1] in context for line in lines)


def test_fill_mask_never_proposes_special_tokens(folders):
    tokenizer = DistilRobertaTokenizer.from_pretrained(folders["mlm"])
    model = DistilRobertaForMaskedLM.from_pretrained(folders["mlm"])
    preds = pipeline("fill-mask", model=model, tokenizer=tokenizer)("Paris is the <mask> of France.", top_k=10)
    assert fill_mask(model, tokenizer, "Paris is the <mask> of France.", top_k=10) == preds  # the deprecated alias
    assert len(preds) == 10
    assert not {p["token"] for p in preds} & set(tokenizer.all_special_ids)
    assert all("Ġ" not in p["token_str"] for p in preds)
    assert abs(sum(p["score"] for p in preds)) <= 1.0 + 1e-6
    assert [p["score"] for p in preds] == sorted((p["score"] for p in preds), reverse=True)
    with pytest.raises(ValueError, match="exactly one"):
        fill_mask(model, tokenizer, "no mask here")
