"""The golden fixture folders are complete and are what the package reads (no torch needed).

Each model folder under tests/fixtures/models/ holds config.json + weights (+ expected.npz for the
safetensors folders) of the built-in `tiny-random` architecture; the package finds their weight files, and a
sharded folder's index lists shards that exist. See tests/fixtures/README.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES
from paddle_distilroberta import AutoConfig
from paddle_distilroberta.pretrained.files import find_weight_files, read_shard_index

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
#: The architecture fields every fixture shares with the registry's `tiny-random` entry.
TINY_FIELDS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
               "max_position_embeddings", "type_vocab_size", "pad_token_id")


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


@pytest.mark.parametrize("name", HEADS)
def test_fixture_safetensors_folder_complete(name: str) -> None:
    folder = MODELS / name
    config = _config(folder)
    assert config["architectures"] == [name.split("-")[0]]
    tiny = AutoConfig.from_pretrained("tiny-random").to_dict(hf=True)
    assert {k: config[k] for k in TINY_FIELDS} == {k: tiny[k] for k in TINY_FIELDS}
    assert find_weight_files(folder) == [folder / "model.safetensors"]
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
    assert find_weight_files(folder) == [folder / "pytorch_model.bin"]


@pytest.mark.parametrize(
    "folder, index_name",
    [("RobertaForMaskedLM-sharded", "model.safetensors.index.json"),
     ("RobertaForMaskedLM-sharded-bin", "pytorch_model.bin.index.json")],
)
def test_fixture_sharded_index_lists_existing_shards(folder: str, index_name: str) -> None:
    shards = set(read_shard_index(MODELS / folder / index_name).values())
    assert len(shards) >= 2
    assert find_weight_files(MODELS / folder) == sorted(MODELS / folder / shard for shard in shards)
    assert _config(MODELS / folder) == _config(MODELS / "RobertaForMaskedLM")


def test_fixture_models_total_size_small() -> None:
    total = sum(p.stat().st_size for p in MODELS.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024
