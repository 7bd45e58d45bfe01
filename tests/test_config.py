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


# ------------------------------------------------------------------ issue 8: one validation of types and ranges
import time  # noqa: E402

from paddle_distilroberta.configuration import CONFIG_LIMITS, UNSAFE_SKIP_LIMITS_ENV  # noqa: E402
from paddle_distilroberta.errors import ConfigError  # noqa: E402


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"num_hidden_layers": 10**6}, r"num_hidden_layers=1000000 is above its limit of 240"),
        ({"num_hidden_layers": 1e6}, r"config\.num_hidden_layers must be a positive integer, got 1000000\.0"),
        ({"num_labels": 1e9}, r"config\.num_labels must be a positive integer, got 1000000000\.0"),
        ({"num_labels": 10**9}, r"num_labels=1000000000 is above its limit of 100000"),
        ({"num_labels": 0}, r"config\.num_labels must be a positive integer, got 0"),
        ({"num_labels": -3}, r"config\.num_labels must be a positive integer, got -3"),
        ({"vocab_size": 3_000_000}, r"vocab_size=3000000 is above its limit of 2000000"),
        ({"hidden_size": 20_480, "num_attention_heads": 4}, r"hidden_size=20480 is above its limit of 10240"),
        ({"max_position_embeddings": 200_000}, r"max_position_embeddings=200000 is above its limit"),
        ({"max_position_embeddings": 2, "pad_token_id": 0}, r"max_position_embeddings must be a positive integer >= 3"),
        ({"intermediate_size": "37"}, r"config\.intermediate_size must be a positive integer, got '37'"),
        ({"hidden_dropout_prob": 5}, r"config\.hidden_dropout_prob must be a real number in \[0, 1\), got 5"),
        ({"hidden_dropout_prob": "0.1"}, r"hidden_dropout_prob .* got '0\.1'"),
        ({"attention_probs_dropout_prob": 1.0}, r"attention_probs_dropout_prob .* \[0, 1\), got 1\.0"),
        ({"attention_probs_dropout_prob": float("nan")}, r"attention_probs_dropout_prob .* got nan"),
        ({"classifier_dropout": -0.1}, r"classifier_dropout must be a real number in \[0, 1\) or None, got -0\.1"),
        ({"layer_norm_eps": 0}, r"layer_norm_eps must be a real number in \(0, 1\), got 0"),
        ({"layer_norm_eps": True}, r"layer_norm_eps .* got True"),
        ({"initializer_range": -1.0}, r"initializer_range .* got -1\.0"),
        ({"hidden_act": 3}, r"hidden_act=3 is not supported"),
        ({"pad_token_id": 100}, r"pad_token_id must be an integer id in \[0, vocab_size=100\), got 100"),
        ({"pad_token_id": None}, r"pad_token_id must be an integer id"),
        ({"eos_token_id": 100}, r"eos_token_id must be None or an integer id in \[0, vocab_size=100\), got 100"),
        ({"bos_token_id": -1}, r"bos_token_id .* got -1"),
        ({"is_decoder": "yes"}, r"config\.is_decoder must be true or false, got 'yes'"),
        ({"id2label": {"0": "a", "2": "b"}}, r"id2label ids must be 0 to 1"),
        ({"id2label": {"x": "a"}}, r"id2label must map integer ids to label names, got 'x': 'a'"),
        ({"id2label": [1, 2]}, r"id2label must map label ids to names"),
        ({"architectures": [3]}, r"architectures must be a list of class names"),
        ({"unsafe_skip_limits": "yes"}, r"unsafe_skip_limits must be True or False"),
    ],
    ids=lambda v: "-".join(f"{k}={v[k]!r}"[:40] for k in v) if isinstance(v, dict) else "",
)
def test_config_validation_is_typed_and_bounded(kwargs, pattern):
    with pytest.raises(ConfigError, match=pattern) as info:
        DistilRobertaConfig(**{**TINY, **kwargs})
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


@pytest.mark.parametrize("field, value", [("num_hidden_layers", 1e6), ("num_hidden_layers", 10**6),
                                          ("num_labels", 1e9), ("num_labels", 10**9), ("vocab_size", 10**12)])
def test_huge_config_values_fail_instantly_from_a_file(tmp_path, field, value):
    """num_hidden_layers: 1e6 used to hang, num_labels: 1e9 took 30 s and 4 GB (issue 8)."""
    path = write_json(tmp_path / "config.json", {"model_type": "roberta", **TINY, field: value})
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=field):
        DistilRobertaConfig.from_pretrained(path)
    assert time.perf_counter() - started < 1.0


def test_huge_num_labels_through_model_from_pretrained_fails_before_building():
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="num_labels=1000000000 is above its limit"):
        pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS, num_labels=10**9)
    assert time.perf_counter() - started < 5.0


def test_num_labels_setter_is_validated():
    config = DistilRobertaConfig(**TINY)
    with pytest.raises(ConfigError, match="num_labels must be a positive integer, got 0"):
        config.num_labels = 0
    with pytest.raises(ConfigError, match="above its limit"):
        config.num_labels = 10**9
    assert config.num_labels == 2


def test_limits_are_far_above_roberta_large():
    large = DistilRobertaConfig.from_pretrained(REPO_ROOT / "configs" / "roberta-large.json")
    for field in ("vocab_size", "hidden_size", "num_hidden_layers", "intermediate_size", "max_position_embeddings"):
        assert CONFIG_LIMITS[field] >= 9 * getattr(large, field), field


def test_unsafe_skip_limits_keyword_lifts_upper_limits_only():
    config = DistilRobertaConfig(**{**TINY, "num_hidden_layers": 1000}, unsafe_skip_limits=True)
    assert config.num_hidden_layers == 1000
    assert "unsafe_skip_limits" not in config.to_dict() and "_unsafe_skip_limits" not in config.to_dict()
    with pytest.raises(ConfigError, match="positive integer"):  # types and lower bounds still hold
        DistilRobertaConfig(**{**TINY, "num_hidden_layers": 0}, unsafe_skip_limits=True)
    with pytest.raises(ConfigError, match="hidden_dropout_prob"):
        DistilRobertaConfig(**{**TINY, "hidden_dropout_prob": 5}, unsafe_skip_limits=True)


def test_unsafe_skip_limits_from_pretrained_keyword_and_env(tmp_path, monkeypatch):
    path = write_json(tmp_path / "config.json", {"model_type": "roberta", **TINY, "num_hidden_layers": 500})
    with pytest.raises(ConfigError, match="above its limit"):
        DistilRobertaConfig.from_pretrained(path)
    assert DistilRobertaConfig.from_pretrained(path, unsafe_skip_limits=True).num_hidden_layers == 500
    monkeypatch.setenv(UNSAFE_SKIP_LIMITS_ENV, "1")
    assert DistilRobertaConfig.from_pretrained(path).num_hidden_layers == 500


def test_config_file_cannot_lift_the_limits(tmp_path):
    path = write_json(tmp_path / "config.json",
                      {"model_type": "roberta", **TINY, "num_hidden_layers": 500, "unsafe_skip_limits": True})
    with pytest.raises(ConfigError, match="above its limit"):
        DistilRobertaConfig.from_pretrained(path)


def test_unknown_keyword_names_close_matches(tmp_path):
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'num_lables'.*Did you mean 'num_labels'"):
        DistilRobertaConfig.from_pretrained(SEQ_CLS, num_lables=5)
    with pytest.raises(ConfigError, match=r"'hiden_dropout_prob'.*'hidden_dropout_prob'"):
        DistilRobertaConfig.from_dict(TINY, hiden_dropout_prob=0.2)
    with pytest.raises(TypeError, match="num_lables"):
        pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS, num_lables=5)


def test_hub_config_keys_still_load(tmp_path):
    """config.json files from the hub carry many keys that are not fields: they load and are kept."""
    data = {"model_type": "roberta", **TINY, "transformers_version": "4.55.4", "architectures": ["RobertaForMaskedLM"],
            "torch_dtype": "float32", "finetuning_task": "sst2", "gradient_checkpointing": False, "use_cache": True,
            "classifier_dropout": None, "output_past": True, "_name_or_path": "roberta-base", "bos_token_id": 0}
    config = DistilRobertaConfig.from_pretrained(write_json(tmp_path / "config.json", data))
    assert config.finetuning_task == "sst2" and config.output_past is True
    # a key the file has may be overridden from code
    assert DistilRobertaConfig.from_pretrained(tmp_path, finetuning_task="mnli").finetuning_task == "mnli"


def test_paddlenlp_dropout_alias_is_classifier_dropout():
    """PaddleNLP's attribute_map: dropout -> classifier_dropout (num_classes -> num_labels)."""
    assert DistilRobertaConfig(**TINY, dropout=0.3).classifier_dropout == 0.3
    assert DistilRobertaConfig.from_dict(TINY, dropout=0.2, num_classes=3).classifier_dropout == 0.2
    with pytest.raises(ConfigError, match="dropout=0.3 .* disagrees with classifier_dropout=0.2"):
        DistilRobertaConfig(**TINY, dropout=0.3, classifier_dropout=0.2)
    with pytest.raises(ConfigError, match="classifier_dropout must be a real number"):
        DistilRobertaConfig(**TINY, dropout=5)


def test_num_classes_override_beats_file_num_labels(tmp_path):
    path = write_json(tmp_path / "config.json", {"model_type": "roberta", **TINY, "num_labels": 3})
    assert DistilRobertaConfig.from_pretrained(path, num_classes=5).num_labels == 5


def test_error_messages_stay_short_for_huge_values():
    with pytest.raises(ConfigError) as info:
        DistilRobertaConfig(**{**TINY, "hidden_act": "x" * 10**6})
    assert len(str(info.value)) < 500
    with pytest.raises(ConfigError) as info:
        DistilRobertaConfig(**{**TINY, "vocab_size": list(range(10**5))})
    assert len(str(info.value)) < 500
