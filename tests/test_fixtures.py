"""The golden fixture folders are complete (no torch needed).

Each model folder under tests/fixtures/models/ holds config.json + weights (+ expected.npz for the
safetensors folders); a sharded folder's index lists shards that exist. See tests/fixtures/README.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES

MODELS = FIXTURES / "models"
HEADS = [
    "RobertaModel",
    "RobertaForMaskedLM",
    "RobertaForSequenceClassification-single_label_classification",
    "RobertaForSequenceClassification-regression",
    "RobertaForSequenceClassification-multi_label_classification",
    "RobertaForTokenClassification",
    "RobertaForQuestionAnswering",
    "RobertaForMultipleChoice",
    "RobertaForCausalLM",
]
CASES = ("single", "padded", "embeds", "full_length")
TINY = {
    "vocab_size": 100,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 37,
    "max_position_embeddings": 20,
    "type_vocab_size": 1,
    "pad_token_id": 1,
}


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


@pytest.mark.parametrize("name", HEADS)
def test_fixture_safetensors_folder_complete(name: str) -> None:
    folder = MODELS / name
    config = _config(folder)
    assert config["architectures"] == [name.split("-")[0]]
    assert {k: config[k] for k in TINY} == TINY
    assert (folder / "model.safetensors").stat().st_size > 0
    with np.load(folder / "expected.npz") as expected:
        keys = set(expected.files)
    for case in CASES:
        assert f"{case}/attention_mask" in keys
        assert f"{case}/hidden_states" in keys and f"{case}/attentions" in keys
        if case != "embeds":
            assert f"{case}/input_ids" in keys
    if name == "RobertaModel":
        assert "single/last_hidden_state" in keys and "single/pooler_output" in keys
        assert not any(k.endswith("/loss") for k in keys)
    else:
        assert "single/loss" in keys and "embeds/loss" not in keys


@pytest.mark.parametrize("name", HEADS)
def test_fixture_bin_folder_complete(name: str) -> None:
    folder = MODELS / f"{name}-bin"
    assert _config(folder) == _config(MODELS / name)
    assert (folder / "pytorch_model.bin").stat().st_size > 0


@pytest.mark.parametrize(
    "folder, index_name",
    [("RobertaForMaskedLM-sharded", "model.safetensors.index.json"),
     ("RobertaForMaskedLM-sharded-bin", "pytorch_model.bin.index.json")],
)
def test_fixture_sharded_index_lists_existing_shards(folder: str, index_name: str) -> None:
    index = json.loads((MODELS / folder / index_name).read_text())
    shards = set(index["weight_map"].values())
    assert len(shards) >= 2
    for shard in shards:
        assert "/" not in shard and (MODELS / folder / shard).is_file()
    assert _config(MODELS / folder) == _config(MODELS / "RobertaForMaskedLM")


def test_fixture_models_total_size_small() -> None:
    total = sum(p.stat().st_size for p in MODELS.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024
