"""DistilRobertaConfig: HF / PaddleNLP config files in and out, labels, validation, built-in architectures."""
from __future__ import annotations

import json

import paddle
import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta.configuration import DistilRobertaConfig

from conftest import FIXTURES, REPO_ROOT

MODELS = FIXTURES / "models"
SEQ_CLS = MODELS / "RobertaForSequenceClassification-single_label_classification"
TINY = {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 37, "max_position_embeddings": 20}


def write_json(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ------------------------------------------------------------------ HF config.json round trip
def test_hf_config_round_trip_keeps_unknown_keys(tmp_path):
    """Keys this package does not know (transformers_version, torch_dtype, future ones) are kept and written back."""
    data = json.loads((MODELS / "RobertaModel" / "config.json").read_text())
    data["some_future_key"] = {"nested": [1, 2]}
    config = DistilRobertaConfig.from_json_file(write_json(tmp_path / "in.json", data))
    assert config.transformers_version == "4.55.4"  # unknown keys read like fields
    assert config.torch_dtype == "float32"
    assert config.some_future_key == {"nested": [1, 2]}
    assert config.use_cache is True
    with pytest.raises(AttributeError, match="no_such_key"):
        config.no_such_key

    config.save_pretrained(tmp_path / "out")
    written = json.loads((tmp_path / "out" / "config.json").read_text())
    for key in ("transformers_version", "torch_dtype", "some_future_key", "use_cache"):
        assert written[key] == data[key], key
    for key in ("hidden_size", "num_hidden_layers", "vocab_size", "max_position_embeddings", "layer_norm_eps",
                "pad_token_id", "architectures"):
        assert written[key] == data[key], key
    assert written["model_type"] == "distilroberta"  # routes PaddleNLP's Auto classes to this package
    again = DistilRobertaConfig.from_pretrained(tmp_path / "out")
    assert again == config
    assert again.to_dict() == config.to_dict()
    # runtime-only keys are not written
    assert not {"return_dict", "output_hidden_states", "output_attentions"} & set(written)


def test_to_dict_hf_writes_roberta():
    """to_dict(hf=True): model_type "roberta" and Roberta* architectures, as transformers expects."""
    config = DistilRobertaConfig(architectures=["DistilRobertaForSequenceClassification"], **TINY)
    hf = config.to_dict(hf=True)
    assert hf["model_type"] == "roberta"
    assert hf["architectures"] == ["RobertaForSequenceClassification"]
    ours = config.to_dict()
    assert ours["model_type"] == "distilroberta"
    assert ours["architectures"] == ["DistilRobertaForSequenceClassification"]
    assert json.loads(config.to_json_string(hf=True)) == hf
    # the HF dict reads back into an equal config
    back = DistilRobertaConfig.from_dict(hf)
    assert back.hidden_size == 32 and back.architectures == ["RobertaForSequenceClassification"]


def test_save_pretrained_hf_flag(tmp_path):
    config = DistilRobertaConfig(architectures=["DistilRobertaForMaskedLM"], **TINY)
    config.save_pretrained(tmp_path, hf=True)
    written = json.loads((tmp_path / "config.json").read_text())
    assert written["model_type"] == "roberta" and written["architectures"] == ["RobertaForMaskedLM"]
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]  # no temp file left


@pytest.mark.parametrize("model_type", ["roberta", "distilroberta", "xlm-roberta", "camembert"])
def test_roberta_family_model_types_accepted(model_type):
    config = DistilRobertaConfig.from_dict({"model_type": model_type, **TINY})
    assert config.hidden_size == 32


# ------------------------------------------------------------------ PaddleNLP config files
def test_paddlenlp_legacy_model_config_json(tmp_path):
    """PaddleNLP < 2.5 model_config.json: base kwargs in init_args, head class in init_class, num_classes at top."""
    base = {**TINY, "hidden_act": "gelu", "hidden_dropout_prob": 0.2, "attention_probs_dropout_prob": 0.1,
            "type_vocab_size": 1, "initializer_range": 0.02, "pad_token_id": 1, "layer_norm_eps": 1e-5,
            "init_class": "RobertaModel"}
    legacy = {"init_args": [base], "init_class": "RobertaForSequenceClassification", "num_classes": 3}
    write_json(tmp_path / "model_config.json", legacy)
    config = DistilRobertaConfig.from_pretrained(tmp_path)
    assert config.num_labels == 3 and config.num_classes == 3
    assert config.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    assert config.architectures == ["RobertaForSequenceClassification"]
    assert config.hidden_size == 32 and config.num_hidden_layers == 2 and config.hidden_dropout_prob == 0.2
    assert "init_args" not in config.to_dict() and "init_class" not in config.to_dict()
    # config.json wins over model_config.json when both are there
    write_json(tmp_path / "config.json", {"model_type": "roberta", **TINY, "num_hidden_layers": 3})
    assert DistilRobertaConfig.from_pretrained(tmp_path).num_hidden_layers == 3


def test_paddlenlp_legacy_init_class_only(tmp_path):
    """A legacy base-model file: init_class becomes architectures."""
    config = DistilRobertaConfig.from_dict({"init_args": [{**TINY, "init_class": "RobertaModel"}], "init_class": "RobertaModel"})
    assert config.architectures == ["RobertaModel"]
    assert config.num_labels == 2


def test_paddlenlp3_config_json_with_num_classes(tmp_path):
    """PaddleNLP 3 writes config.json with `num_classes` (its name for num_labels) and paddlenlp_version."""
    data = {"model_type": "roberta", **TINY, "num_classes": 4, "architectures": ["RobertaForSequenceClassification"],
            "paddlenlp_version": "3.0.0", "dtype": "float32"}
    config = DistilRobertaConfig.from_pretrained(write_json(tmp_path / "config.json", data))
    assert config.num_labels == 4 and config.num_classes == 4
    assert sorted(config.id2label) == [0, 1, 2, 3]
    assert config.dtype == "float32"  # unknown key kept
    assert "paddlenlp_version" not in config.to_dict()


def test_num_classes_keyword_alias():
    assert DistilRobertaConfig(num_classes=5, **TINY).num_labels == 5
    assert DistilRobertaConfig.from_dict(TINY, num_classes=6).num_labels == 6


# ------------------------------------------------------------------ labels
def test_id2label_string_keys_become_ints():
    config = DistilRobertaConfig.from_json_file(SEQ_CLS / "config.json")
    assert config.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    assert config.label2id == {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2}
    assert config.num_labels == 3
    assert config.problem_type == "single_label_classification"
    written = config.to_dict()
    assert written["id2label"] == {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}  # JSON keys are strings
    assert written["num_labels"] == 3


def test_custom_label_names_round_trip(tmp_path):
    config = DistilRobertaConfig(id2label={"0": "neg", "1": "neu", "2": "pos"}, **TINY)
    assert config.num_labels == 3
    assert config.label2id == {"neg": 0, "neu": 1, "pos": 2}
    config.save_pretrained(tmp_path)
    back = DistilRobertaConfig.from_pretrained(tmp_path)
    assert back.id2label == {0: "neg", 1: "neu", 2: "pos"} and back.label2id == {"neg": 0, "neu": 1, "pos": 2}


def test_num_labels_default_and_setter():
    config = DistilRobertaConfig(**TINY)
    assert config.num_labels == 2 and config.id2label == {0: "LABEL_0", 1: "LABEL_1"}
    config.num_labels = 4
    assert config.id2label == {i: f"LABEL_{i}" for i in range(4)}
    assert config.label2id == {f"LABEL_{i}": i for i in range(4)}


def test_num_labels_disagreeing_with_id2label():
    with pytest.raises(ValueError, match=r"num_labels=3 disagrees with id2label, which has 2 entries"):
        DistilRobertaConfig(num_labels=3, id2label={0: "a", 1: "b"}, **TINY)


def test_num_labels_override_replaces_id2label():
    """num_labels at from_pretrained replaces the file's label names (which no longer fit)."""
    config = DistilRobertaConfig.from_pretrained(SEQ_CLS, num_labels=5)
    assert config.num_labels == 5
    assert config.id2label == {i: f"LABEL_{i}" for i in range(5)}
    assert config.label2id == {f"LABEL_{i}": i for i in range(5)}
    config = DistilRobertaConfig.from_pretrained(SEQ_CLS, num_classes=2)
    assert config.num_labels == 2 and config.label2id == {"LABEL_0": 0, "LABEL_1": 1}


def test_id2label_override_replaces_label2id():
    """Regression: an id2label override at from_pretrained must not keep the file's (now stale) label2id.

    Found by this test: `from_dict` drops the file's label2id only when num_labels/num_classes is overridden,
    so `from_pretrained(3-label folder, id2label={0: "x", 1: "y"})` gave num_labels 2 with a 3-entry label2id.
    """
    config = DistilRobertaConfig.from_pretrained(SEQ_CLS, id2label={0: "x", 1: "y"})
    assert config.num_labels == 2
    assert config.label2id == {"x": 0, "y": 1}
    config = DistilRobertaConfig.from_pretrained(SEQ_CLS, num_labels=2, id2label={0: "x", 1: "y"})
    assert config.label2id == {"x": 0, "y": 1}


def test_num_labels_override_through_model_from_pretrained():
    model = pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS, num_labels=5, ignore_mismatched_sizes=True)
    assert model.config.num_labels == 5 and len(model.config.id2label) == 5
    assert list(model.classifier.out_proj.weight.shape) == [32, 5]


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"hidden_size": 30}, r"hidden_size=30 is not a multiple of num_attention_heads=4"),
        ({"vocab_size": -5}, r"config\.vocab_size must be a positive integer, got -5"),
        ({"num_hidden_layers": 0}, r"config\.num_hidden_layers must be a positive integer, got 0"),
        ({"intermediate_size": -1}, r"config\.intermediate_size .* got -1"),
        ({"num_attention_heads": -4}, r"config\.num_attention_heads .* got -4"),
        ({"max_position_embeddings": 0}, r"config\.max_position_embeddings .* got 0"),
        ({"type_vocab_size": 0}, r"config\.type_vocab_size .* got 0"),
        ({"hidden_size": 32.0}, r"config\.hidden_size must be a positive integer, got 32\.0"),
        ({"vocab_size": True}, r"config\.vocab_size must be a positive integer, got True"),
        ({"hidden_act": "mish_v2"}, r"hidden_act='mish_v2' is not supported"),
        ({"position_embedding_type": "relative_key"}, r"position_embedding_type='relative_key' is not supported"),
        ({"add_cross_attention": True}, r"add_cross_attention"),
        ({"pad_token_id": 19}, r"pad_token_id=19 leaves no room in max_position_embeddings=20"),
        ({"problem_type": "ranking"}, r"problem_type='ranking'"),
    ],
    ids=lambda v: "-".join(f"{k}={v[k]}" for k in v) if isinstance(v, dict) else "",
)
def test_validation_names_field_and_value(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        DistilRobertaConfig(**{**TINY, **kwargs})


def test_model_type_bert_refused(tmp_path):
    with pytest.raises(ValueError, match=r"model_type='bert' is not a RoBERTa-family architecture"):
        DistilRobertaConfig.from_dict({"model_type": "bert", **TINY})
    write_json(tmp_path / "config.json", {"model_type": "bert", **TINY})
    with pytest.raises(ValueError, match="model_type='bert'"):
        DistilRobertaConfig.from_pretrained(tmp_path)


def test_invalid_json_names_the_file(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="is not valid JSON") as info:
        DistilRobertaConfig.from_json_file(bad)
    assert str(bad) in str(info.value)
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="must hold a JSON object"):
        DistilRobertaConfig.from_json_file(bad)


def test_max_sequence_length():
    """514 rows with pad_token_id 1 give 512 usable tokens; the tiny config's 20 rows give 18."""
    assert DistilRobertaConfig().max_sequence_length == 512
    assert DistilRobertaConfig(**TINY).max_sequence_length == 18


def test_model_takes_a_config_object():
    with pytest.raises(TypeError, match="takes a DistilRobertaConfig, got dict"):
        pdr.DistilRobertaModel(dict(TINY))


# ------------------------------------------------------------------ built-in architecture configs
BUILTIN = {
    "distilroberta-base": {"num_hidden_layers": 6, "hidden_size": 768, "num_attention_heads": 12},
    "roberta-base": {"num_hidden_layers": 12, "hidden_size": 768, "num_attention_heads": 12},
    "roberta-large": {"num_hidden_layers": 24, "hidden_size": 1024, "num_attention_heads": 16},
    "tiny-random": {"num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 4},
}


def test_every_architecture_config_is_tested():
    on_disk = {p.stem for p in (REPO_ROOT / "configs").glob("*.json")} - {"registry"}
    assert on_disk == set(BUILTIN)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_config_loads(name):
    config = DistilRobertaConfig.from_pretrained(REPO_ROOT / "configs" / f"{name}.json")
    for key, value in BUILTIN[name].items():
        assert getattr(config, key) == value, key
    assert config.pad_token_id == 1 and config.type_vocab_size == 1
    assert config.max_sequence_length == (512 if name != "tiny-random" else 18)
    with paddle.LazyGuard():  # builds at full size without allocating
        model = pdr.DistilRobertaForMaskedLM(config)
    assert len(model.roberta.encoder.layer) == config.num_hidden_layers


def test_defaults_equal_distilroberta_base():
    """DistilRobertaConfig() is distilroberta-base (STYLE: defaults equal distilroberta-base)."""
    data = json.loads((REPO_ROOT / "configs" / "distilroberta-base.json").read_text())
    defaults = DistilRobertaConfig().to_dict()
    for key, value in data.items():
        if key in ("architectures", "model_type", "use_cache"):
            continue
        assert defaults[key] == value, key
