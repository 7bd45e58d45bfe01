"""The Auto classes and `register()`: which class a checkpoint builds, custom architectures, built-in configs."""
from __future__ import annotations

import json

import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta import auto
from paddle_distilroberta.errors import UnknownModelError

from conftest import REPO_ROOT
from test_loading import BASE, FOLDERS, MLM, MODELS, SEQ_CLS, assert_same_state, state


# ------------------------------------------------------------------ Auto classes
@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_auto_model_picks_the_class(folder):
    cls, auto_cls = FOLDERS[folder]
    model = auto_cls.from_pretrained(MODELS / folder)
    assert type(model) is cls
    assert_same_state(state(model), state(cls.from_pretrained(MODELS / folder)))


def test_auto_model_follows_the_task_not_architectures():
    assert type(pdr.AutoModel.from_pretrained(MLM)) is pdr.DistilRobertaModel
    assert type(pdr.AutoModelForSequenceClassification.from_pretrained(BASE)) is pdr.DistilRobertaForSequenceClassification


def test_auto_config_and_from_config():
    config = pdr.AutoConfig.from_pretrained(SEQ_CLS)
    assert type(config) is pdr.DistilRobertaConfig and config.num_labels == 3
    assert pdr.AutoConfig.from_pretrained(SEQ_CLS, num_labels=5).num_labels == 5
    assert type(pdr.AutoConfig.from_pretrained(REPO_ROOT / "configs" / "tiny-random.json")) is pdr.DistilRobertaConfig
    model = pdr.AutoModelForTokenClassification.from_config(config)
    assert type(model) is pdr.DistilRobertaForTokenClassification


def test_auto_unknown_model_type(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 32}))
    with pytest.raises(ValueError, match=r"model_type 'bert' is not registered.*register"):
        pdr.AutoModel.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="model_type 'bert' is not registered"):
        pdr.AutoConfig.from_pretrained(tmp_path)


@pytest.fixture
def clean_registry(monkeypatch):
    """register() changes module globals: give each test its own copies."""
    monkeypatch.setattr(auto, "_CONFIGS", dict(auto._CONFIGS))
    monkeypatch.setattr(auto, "_MODELS", {task: dict(classes) for task, classes in auto._MODELS.items()})
    monkeypatch.setattr(auto, "_TOKENIZERS", dict(auto._TOKENIZERS))


class MyConfig(pdr.DistilRobertaConfig):
    model_type = "my-roberta"

    @classmethod
    def from_dict(cls, config, **overrides):
        config = {k: v for k, v in dict(config).items() if k != "model_type"}
        return super().from_dict(config, **overrides)


class MyModel(pdr.DistilRobertaModel):
    config_class = MyConfig


class MyClassifier(pdr.DistilRobertaForSequenceClassification):
    config_class = MyConfig


def test_register_custom_class(clean_registry, tmp_path):
    auto.register("my-roberta", MyConfig, {"base": MyModel, "sequence_classification": MyClassifier})
    config = MyConfig.from_json_file(REPO_ROOT / "configs" / "tiny-random.json")
    model = pdr.AutoModel.from_config(config)
    assert type(model) is MyModel
    assert type(pdr.AutoModelForSequenceClassification.from_config(config)) is MyClassifier
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["model_type"] == "my-roberta"
    assert type(pdr.AutoConfig.from_pretrained(tmp_path)) is MyConfig
    with pytest.raises(ValueError, match=r"No ForMaskedLM model is registered for model_type 'my-roberta'"):
        pdr.AutoModelForMaskedLM.from_config(config)


def test_register_custom_class_from_pretrained(clean_registry, tmp_path):
    """A registered architecture loads through from_pretrained with its own config class.

    Found by this test: pretrained/loading.py `from_pretrained` reads the folder with
    `DistilRobertaConfig.from_json_file(...)` instead of `cls.config_class`, so model_type 'my-roberta' is refused.
    """
    auto.register("my-roberta", MyConfig, {"base": MyModel})
    MyModel(MyConfig.from_json_file(REPO_ROOT / "configs" / "tiny-random.json")).save_pretrained(tmp_path)
    model = pdr.AutoModel.from_pretrained(tmp_path)
    assert type(model) is MyModel and type(model.config) is MyConfig


def test_register_exist_ok(clean_registry):
    class OtherConfig(MyConfig):
        pass

    auto.register("roberta", pdr.DistilRobertaConfig)  # the same class again: idempotent
    with pytest.raises(ValueError, match=r"model_type 'roberta' is already registered .*exist_ok=True"):
        auto.register("roberta", OtherConfig)
    assert auto.config_classes()["roberta"] is pdr.DistilRobertaConfig
    auto.register("roberta", OtherConfig, exist_ok=True)
    assert auto.config_classes()["roberta"] is OtherConfig
    with pytest.raises(ValueError, match=r"Unknown task 'summarization'"):
        auto.register("my-roberta", MyConfig, {"summarization": MyModel})
    # adding a task to a registered type is fine; replacing with exist_ok too
    auto.register("my-roberta", MyConfig, {"base": MyModel})
    auto.register("my-roberta", models={"sequence_classification": MyClassifier})
    assert auto.model_classes("sequence_classification")["my-roberta"] is MyClassifier
    auto.register("roberta", models={"base": MyModel}, exist_ok=True)
    assert auto.model_classes("base")["roberta"] is MyModel


def test_register_refuses_replacing_a_model_class_without_exist_ok(clean_registry):
    """exist_ok protects model classes too, not only config classes.

    Found by this test: `register("roberta", models={"base": X})` silently replaces DistilRobertaModel for every
    roberta checkpoint; the exist_ok check only looks at config_class.
    """
    with pytest.raises(ValueError, match="already registered"):
        auto.register("roberta", models={"base": MyModel})
    assert auto.model_classes("base")["roberta"] is pdr.DistilRobertaModel


# ------------------------------------------------------------------ public views of the registrations
def test_model_classes_lists_every_task_and_is_a_copy():
    classes = auto.model_classes()
    assert set(classes) == set(auto.TASKS)
    assert classes["masked_lm"]["roberta"] is pdr.DistilRobertaForMaskedLM
    classes["base"]["roberta"] = object  # a copy: the registrations are unchanged
    assert auto.model_classes("base")["roberta"] is pdr.DistilRobertaModel
    assert auto.config_classes()["distilroberta"] is pdr.DistilRobertaConfig
    with pytest.raises(ValueError, match="Unknown task 'summarization'"):
        auto.model_classes("summarization")


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_checkpoint_class_follows_architectures(folder):
    """The loader converts a download with the checkpoint's own head (so no tensor is dropped), chosen by the
    model file from `architectures`, not from the mutable Auto registry."""
    cls, _ = FOLDERS[folder]
    config = pdr.AutoConfig.from_pretrained(MODELS / folder)
    assert pdr.DistilRobertaModel.checkpoint_class(config) is cls


def test_register_exist_ok_does_not_change_what_conversion_builds(clean_registry, tmp_path):
    auto.register("roberta", models={"masked_lm": MyModel}, exist_ok=True)
    config = pdr.AutoConfig.from_pretrained(MLM)
    assert pdr.DistilRobertaForSequenceClassification.checkpoint_class(config) is pdr.DistilRobertaForMaskedLM


# ------------------------------------------------------------------ config-only registry entries
def test_tiny_random_is_a_builtin_config():
    """`tiny-random` is data in configs/registry.json: configs and from_config work by name, offline."""
    config = pdr.AutoConfig.from_pretrained("tiny-random")
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (32, 2, 100)
    assert pdr.DistilRobertaConfig.from_pretrained("tiny-random", num_labels=4).num_labels == 4
    model = pdr.AutoModelForSequenceClassification.from_config(pdr.AutoConfig.from_pretrained("tiny-random", num_labels=3))
    assert type(model) is pdr.DistilRobertaForSequenceClassification and model.config.num_labels == 3
    on_disk = json.loads((REPO_ROOT / "configs" / "tiny-random.json").read_text())
    assert config.to_dict(hf=True)["intermediate_size"] == on_disk["intermediate_size"]


def test_tiny_random_has_no_weights_and_says_what_to_do():
    with pytest.raises(UnknownModelError, match=r"without weights.*from_config"):
        pdr.AutoModel.from_pretrained("tiny-random")
