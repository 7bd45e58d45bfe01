"""The weight-name table covers every parameter of every head, both ways, and round-trips exactly."""
from __future__ import annotations

import numpy as np
import paddle
import pytest

from paddle_distilroberta import DistilRobertaConfig
from paddle_distilroberta.auto import TASKS, model_classes
from paddle_distilroberta.errors import WeightMappingError
from paddle_distilroberta.pretrained import mapping

HEAD_CLASSES = [model_classes(task)["roberta"] for task in TASKS]


def _shapes(cls, **overrides):
    with paddle.LazyGuard():
        model = cls(DistilRobertaConfig.from_pretrained("tiny-random", **{"num_labels": 3, **overrides}))
    return {k: tuple(v.shape) for k, v in model.named_parameters()}


def _random_hf_state(shapes):
    """A state dict in Hugging Face layout (Linear weights [out, in]) for the given paddle shapes."""
    rng = np.random.default_rng(0)
    hf = mapping.to_hf_state_dict({k: np.zeros(s, "float32") for k, s in shapes.items()})
    return {k: rng.standard_normal(v.shape).astype("float32") for k, v in hf.items()}


def test_rules_are_well_formed():
    assert all(rule.op in mapping.OPS for rule in mapping.RULES)
    assert all(rule.target for rule in mapping.RULES if rule.op == mapping.ALIAS)
    hf_names = [rule.hf for rule in mapping.RULES]
    assert len(hf_names) == len(set(hf_names)), "one rule per Hugging Face name"


@pytest.mark.parametrize("cls", HEAD_CLASSES, ids=lambda c: c.__name__)
def test_table_covers_every_parameter(cls):
    shapes = _shapes(cls)
    assert mapping.unmapped_parameters(shapes) == []


@pytest.mark.parametrize("cls", HEAD_CLASSES, ids=lambda c: c.__name__)
def test_hf_to_paddle_to_hf_round_trip(cls):
    shapes = _shapes(cls)
    hf = _random_hf_state(shapes)
    ours, unknown = mapping.to_paddle_state_dict(hf, shapes, "hf")
    assert unknown == [] and set(ours) == set(shapes)
    assert mapping.shape_mismatches(ours, shapes) == []
    back = mapping.to_hf_state_dict(ours)
    assert set(back) == set(hf)
    for key in hf:
        np.testing.assert_array_equal(back[key], hf[key], err_msg=key)


def test_linear_weights_are_transposed_and_embeddings_copied():
    shapes = _shapes(model_classes("base")["roberta"])
    hf = _random_hf_state(shapes)
    ours, _ = mapping.to_paddle_state_dict(hf, shapes, "hf")
    key = "encoder.layer.0.intermediate.dense.weight"
    assert hf[key].shape == (37, 32) and ours[key].shape == (32, 37)
    np.testing.assert_array_equal(ours[key], hf[key].T)
    np.testing.assert_array_equal(ours["embeddings.word_embeddings.weight"], hf["embeddings.word_embeddings.weight"])


def test_base_checkpoint_into_head_gets_prefix_and_head_checkpoint_into_base_drops_it():
    base_shapes = _shapes(model_classes("base")["roberta"])
    head_shapes = _shapes(model_classes("sequence_classification")["roberta"])
    base_ckpt = _random_hf_state(base_shapes)  # keys without "roberta."
    ours, _ = mapping.to_paddle_state_dict(base_ckpt, head_shapes, "hf")
    assert "roberta.encoder.layer.1.output.dense.weight" in ours
    head_ckpt = _random_hf_state(head_shapes)  # keys with "roberta."
    ours, _ = mapping.to_paddle_state_dict(head_ckpt, base_shapes, "hf")
    assert "encoder.layer.1.output.dense.weight" in ours
    assert "classifier.out_proj.weight" in ours  # reported as unused by the loader, not silently renamed


def test_tied_decoder_and_buffers_are_dropped_and_decoder_bias_is_an_alias():
    """HF .bin files store lm_head.decoder.weight (= word embeddings), lm_head.decoder.bias (= lm_head.bias)
    and sometimes embeddings.position_ids; none of them is a parameter of ours."""
    shapes = _shapes(model_classes("masked_lm")["roberta"])
    hf = _random_hf_state(shapes)
    hf["lm_head.decoder.weight"] = hf["roberta.embeddings.word_embeddings.weight"]
    hf["roberta.embeddings.position_ids"] = np.arange(20)[None]
    bias = hf.pop("lm_head.bias")
    hf["lm_head.decoder.bias"] = bias  # an old checkpoint that only has the alias
    ours, unknown = mapping.to_paddle_state_dict(hf, shapes, "hf")
    assert unknown == [] and set(ours) == set(shapes)
    np.testing.assert_array_equal(ours["lm_head.bias"], bias)


def test_untied_decoder_is_loaded_when_the_model_has_one():
    shapes = _shapes(model_classes("masked_lm")["roberta"], tie_word_embeddings=False)
    assert shapes["lm_head.decoder.weight"] == (32, 100)
    hf = _random_hf_state(shapes)
    ours, _ = mapping.to_paddle_state_dict(hf, shapes, "hf")
    np.testing.assert_array_equal(ours["lm_head.decoder.weight"], hf["lm_head.decoder.weight"].T)


def test_paddlenlp_names_map_and_qa_classifier_goes_to_qa_outputs():
    qa_shapes = _shapes(model_classes("question_answering")["roberta"])
    paddlenlp = {
        "roberta.encoder.layers.0.self_attn.q_proj.weight": np.ones((32, 32), "float32"),
        "roberta.embeddings.layer_norm.weight": np.ones(32, "float32"),
        "classifier.weight": np.ones((32, 2), "float32"),  # PaddleNLP's QA head is called classifier
    }
    assert mapping.detect_format(paddlenlp) == "paddlenlp"
    ours, unknown = mapping.to_paddle_state_dict(paddlenlp, qa_shapes, "paddlenlp")
    assert unknown == []
    assert set(ours) == {"roberta.encoder.layer.0.attention.self.query.weight",
                         "roberta.embeddings.LayerNorm.weight", "qa_outputs.weight"}


def test_format_detection():
    assert mapping.detect_format(["roberta.encoder.layer.0.attention.self.query.weight"]) == "hf"
    assert mapping.detect_format(["x"], {"format": "paddle", "library": "paddle_distilroberta"}) == "paddle"
    assert mapping.detect_format(["x"], {"format": "pt"}) == "hf"


def test_unknown_keys_and_shape_mismatches_are_all_reported():
    shapes = _shapes(model_classes("base")["roberta"])
    hf = _random_hf_state(shapes)
    hf["encoder.layer.0.attention.self.rotary.weight"] = np.zeros(3, "float32")
    hf["embeddings.word_embeddings.weight"] = np.zeros((101, 32), "float32")
    ours, unknown = mapping.to_paddle_state_dict(hf, shapes, "hf")
    assert unknown == ["encoder.layer.0.attention.self.rotary.weight"]
    bad = mapping.shape_mismatches(ours, shapes)
    assert bad == ["embeddings.word_embeddings.weight: checkpoint [101, 32] vs model [100, 32]"]


def test_export_refuses_parameters_without_a_rule():
    with pytest.raises(WeightMappingError, match="rotary"):
        mapping.to_hf_state_dict({"encoder.rotary.weight": np.zeros(3)})
