"""The registry (configs/registry.json) loads, is consistent, and rejects malformed data with clear messages."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT, require_path
from paddle_distilroberta.errors import UnknownModelError
from paddle_distilroberta.pretrained import registry
from paddle_distilroberta.pretrained.registry import RegistryFormatError, load_registry

CONFIGS = REPO_ROOT / "configs"


def test_registry_every_entry_loads():
    reg = load_registry(CONFIGS / "registry.json")
    assert {"distilroberta-base", "roberta-base", "roberta-large", "tiny-random"} <= set(reg.entries)
    for spec in reg.entries.values():
        cfg = spec.config
        assert cfg["model_type"] == "roberta"
        assert cfg["hidden_size"] % cfg["num_attention_heads"] == 0
        assert spec.architecture.startswith("DistilRoberta")


def test_registry_revisions_pinned_explicitly():
    """Every hub source names its revision in the data (no implicit default)."""
    raw = json.loads((CONFIGS / "registry.json").read_text())
    for name, entry in raw["models"].items():
        for source in entry["sources"]:
            if source["type"] == "hf":
                assert source.get("revision"), name


def test_registry_aliases_unique_and_hub_ids_resolve():
    seen = {}
    for spec in registry.get_registry().entries.values():
        for key in (spec.name, *spec.aliases):
            assert key.lower() not in seen, (key, seen.get(key.lower()))
            seen[key.lower()] = spec.name
    assert registry.get_spec("distilbert/distilroberta-base").name == "distilroberta-base"
    assert registry.get_spec("FacebookAI/roberta-base").name == "roberta-base"
    assert registry.get_spec("facebookai/ROBERTA-large").name == "roberta-large"


def test_registry_real_architecture_values():
    d = registry.get_spec("distilroberta-base").config
    assert (d["num_hidden_layers"], d["hidden_size"], d["num_attention_heads"], d["intermediate_size"]) == (6, 768, 12, 3072)
    assert (d["vocab_size"], d["max_position_embeddings"], d["pad_token_id"], d["layer_norm_eps"]) == (50265, 514, 1, 1e-5)
    assert d["architectures"] == ["RobertaForMaskedLM"] and d["type_vocab_size"] == 1
    assert registry.get_spec("roberta-base").config["num_hidden_layers"] == 12
    large = registry.get_spec("roberta-large").config
    assert (large["num_hidden_layers"], large["hidden_size"], large["num_attention_heads"], large["intermediate_size"]) == (24, 1024, 16, 4096)
    tiny = registry.get_spec("tiny-random").config
    assert (tiny["vocab_size"], tiny["hidden_size"], tiny["num_hidden_layers"], tiny["num_attention_heads"]) == (100, 32, 2, 4)
    assert (tiny["intermediate_size"], tiny["max_position_embeddings"]) == (37, 20)


def test_registry_sources_in_order():
    spec = registry.get_spec("distilroberta-base")
    assert [s.type for s in spec.sources] == ["hf", "community"]
    assert spec.sources[0].repo_id == "distilbert/distilroberta-base"
    assert spec.sources[1].name == "distilroberta-base"
    assert registry.get_spec("roberta-base").hf_repo_id == "FacebookAI/roberta-base"
    assert spec.files.weights[0] == "model.safetensors"


def test_registry_tiny_config_matches_golden_fixture():
    fixture = REPO_ROOT / "tests" / "fixtures" / "models" / "RobertaForMaskedLM" / "config.json"
    require_path(fixture)
    golden = json.loads(fixture.read_text())
    tiny = registry.get_spec("tiny-random").config
    for key in registry.REQUIRED_CONFIG_KEYS:
        assert tiny[key] == golden[key], key


def test_registry_list_and_all_names():
    assert registry.list_pretrained() == ["distilroberta-base", "roberta-base", "roberta-large"]
    assert "tiny-random" in registry.list_pretrained(include_configs_only=True)
    assert "distilbert/distilroberta-base" in registry.all_names()


def test_registry_unknown_name_suggests_close_matches():
    with pytest.raises(UnknownModelError) as info:
        registry.get_spec("distilroberta-bse")
    msg = str(info.value)
    assert "'distilroberta-bse'" in msg and "Did you mean 'distilroberta-base'" in msg and "roberta-large" in msg
    assert isinstance(info.value, ValueError)


def test_registry_spec_is_frozen_and_config_is_a_copy():
    spec = registry.get_spec("distilroberta-base")
    with pytest.raises(Exception):
        spec.name = "x"  # type: ignore[misc]
    cfg = spec.config
    cfg["hidden_size"] = 1
    assert spec.config["hidden_size"] == 768


def _copy_registry(tmp_path: Path, edit) -> Path:
    for f in CONFIGS.glob("*.json"):
        shutil.copy(f, tmp_path / f.name)
    raw = json.loads((tmp_path / "registry.json").read_text())
    edit(raw)
    (tmp_path / "registry.json").write_text(json.dumps(raw))
    return tmp_path / "registry.json"


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda r: r["models"]["roberta-base"]["aliases"].append("distilbert/distilroberta-base"), "already used"),
        (lambda r: r["models"]["roberta-base"].update(config="missing.json"), "not a file"),
        (lambda r: r["models"]["roberta-base"].update(sources=[{"type": "ftp"}]), "'type'"),
        (lambda r: r["models"]["roberta-base"]["sources"][0].update(repo_id="../etc"), "repo_id"),
        (lambda r: r["models"]["roberta-base"]["sources"][0].pop("revision"), "revision"),
        (lambda r: r["models"]["roberta-base"].update(sha256={"model.safetensors": "abc"}), "sha256"),
        (lambda r: r["models"]["roberta-base"].update(colour="red"), "unknown keys"),
        (lambda r: r["models"].update({"Bad_Name": r["models"]["roberta-base"]}), "lowercase"),
        (lambda r: r.update(schema_version=2), "schema_version"),
    ],
)
def test_registry_rejects_malformed_data(tmp_path, edit, expected):
    path = _copy_registry(tmp_path, edit)
    with pytest.raises(RegistryFormatError, match=expected) as info:
        load_registry(path)
    assert str(path) in str(info.value)


def test_registry_rejects_bad_architecture_config(tmp_path):
    path = _copy_registry(tmp_path, lambda r: None)
    cfg = json.loads((tmp_path / "roberta-base.json").read_text())
    cfg["num_attention_heads"] = 7
    (tmp_path / "roberta-base.json").write_text(json.dumps(cfg))
    with pytest.raises(RegistryFormatError, match="multiple of num_attention_heads"):
        load_registry(path)


@pytest.mark.parametrize("name", ["tiny-random", "distilroberta-base"])
def test_registry_each_config_builds_a_model(name):
    import paddle_distilroberta as pdr
    cfg = registry.get_spec(name).config
    if name != "tiny-random":  # building the real size is slow: check the config only
        pdr.DistilRobertaConfig(**cfg)
        return
    model = pdr.DistilRobertaModel(pdr.DistilRobertaConfig(**cfg))
    assert sum(int(p.size) for p in model.parameters()) > 0
