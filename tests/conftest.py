"""Shared test helpers.

`require(module)` imports an optional component. Locally a missing one skips the test;
under CI=true it fails, so CI never goes green by skipping what matters.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Real tokenizer files and corpora, read-only, beside the checkout (never copied into the repo).
SHARED_DATA = Path(os.environ.get("PADDLE_DISTILROBERTA_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(module: str):
    """Import `module`, or skip (locally) / fail (CI=true) with a message saying how to install it."""
    try:
        return importlib.import_module(module)
    except Exception as err:  # a broken install (e.g. paddlenlp's aistudio-sdk clash) counts as missing
        msg = f"optional component {module!r} is not importable ({err!r}); install it with: pip install -e '.[test,paddlenlp,onnx]' -c constraints.txt"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


def require_path(path: Path) -> Path:
    """Return `path` if it exists; skip locally / fail under CI=true otherwise."""
    if not path.exists():
        msg = f"test data {path} is missing (expected ../shared/data beside the checkout)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def roberta_bpe_dir() -> Path:
    """The real roberta-base vocab.json + merges.txt in ../shared/data/roberta-bpe."""
    return require_path(SHARED_DATA / "roberta-bpe")


@pytest.fixture(scope="session")
def text_dir() -> Path:
    """The real text corpora in ../shared/data/text."""
    return require_path(SHARED_DATA / "text")


def save_tiny_mlm(folder: Path, roberta_bpe_dir: Path) -> Path:
    """A tiny random DistilRobertaForMaskedLM (no dropout, the real 50,265-token vocabulary) + the roberta-base
    tokenizer, saved as one folder: what the fine-tuning scripts load by path."""
    import paddle

    from paddle_distilroberta import DistilRobertaConfig, DistilRobertaForMaskedLM, DistilRobertaTokenizer

    paddle.seed(0)
    config = DistilRobertaConfig(vocab_size=50265, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                 intermediate_size=37, max_position_embeddings=66, hidden_dropout_prob=0.0,
                                 attention_probs_dropout_prob=0.0)
    DistilRobertaForMaskedLM(config).save_pretrained(folder)
    DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir).save_pretrained(folder)
    return folder
