"""Parity with Hugging Face transformers (PyTorch) on golden fixtures.

The fixtures under tests/fixtures/models/ were written by `scripts/make_model_fixtures.py` with
torch + transformers (eager attention, fp32, eval mode): checkpoints in safetensors, `.bin` and sharded
form, plus the reference outputs. Running these tests needs neither torch nor transformers.
"""
from __future__ import annotations

import numpy as np
import paddle
import pytest

from conftest import FIXTURES
from paddle_distilroberta import _ops, modeling

TOL = 1e-5
CASES = ("single", "padded", "embeds", "full_length")
INPUTS = ("input_ids", "attention_mask", "inputs_embeds", "labels", "start_positions", "end_positions")
OUTPUTS = ("last_hidden_state", "pooler_output", "logits", "start_logits", "end_logits", "loss", "hidden_states", "attentions")
HEADS = {
    "RobertaModel": modeling.DistilRobertaModel,
    "RobertaForMaskedLM": modeling.DistilRobertaForMaskedLM,
    "RobertaForCausalLM": modeling.DistilRobertaForCausalLM,
    "RobertaForSequenceClassification-single_label_classification": modeling.DistilRobertaForSequenceClassification,
    "RobertaForSequenceClassification-regression": modeling.DistilRobertaForSequenceClassification,
    "RobertaForSequenceClassification-multi_label_classification": modeling.DistilRobertaForSequenceClassification,
    "RobertaForTokenClassification": modeling.DistilRobertaForTokenClassification,
    "RobertaForQuestionAnswering": modeling.DistilRobertaForQuestionAnswering,
    "RobertaForMultipleChoice": modeling.DistilRobertaForMultipleChoice,
}
# every checkpoint form of each fixture: safetensors, torch .bin, and sharded (MLM)
FOLDERS = [(name, name) for name in HEADS] + [(name, f"{name}-bin") for name in HEADS] + [
    ("RobertaForMaskedLM", "RobertaForMaskedLM-sharded"),
    ("RobertaForMaskedLM", "RobertaForMaskedLM-sharded-bin"),
]


def _as_numpy(value):
    if isinstance(value, tuple):  # hidden_states / attentions: one tensor per layer
        return np.stack([v.numpy() for v in value])
    return value.numpy()


@pytest.mark.parametrize("name,folder", FOLDERS, ids=[f for _, f in FOLDERS])
def test_matches_transformers(name, folder):
    expected = np.load(FIXTURES / "models" / name / "expected.npz")
    model = HEADS[name].from_pretrained(FIXTURES / "models" / folder)
    compared = 0
    for case in CASES:
        kwargs = {k: paddle.to_tensor(expected[f"{case}/{k}"]) for k in INPUTS if f"{case}/{k}" in expected}
        out = model(**kwargs, output_hidden_states=True, output_attentions=True)
        for key in OUTPUTS:
            if f"{case}/{key}" not in expected:
                continue
            want = expected[f"{case}/{key}"]
            got = _as_numpy(out[key]).reshape(want.shape)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL, err_msg=f"{folder} {case} {key}")
            compared += 1
    assert compared >= 12  # every case compared several outputs


def test_fused_attention_path_matches_transformers(monkeypatch):
    """Paddle's fused SDPA kernel (the GPU path, forced here on CPU) gives the same numbers as the explicit softmax."""
    expected = np.load(FIXTURES / "models" / "RobertaModel" / "expected.npz")
    model = modeling.DistilRobertaModel.from_pretrained(FIXTURES / "models" / "RobertaModel")
    ids, mask = (paddle.to_tensor(expected[f"padded/{k}"]) for k in ("input_ids", "attention_mask"))
    explicit = model(ids, attention_mask=mask).last_hidden_state.numpy()
    monkeypatch.setattr(_ops, "use_fused_attention", lambda hidden_states: True)
    fused = model(ids, attention_mask=mask).last_hidden_state.numpy()
    np.testing.assert_allclose(fused, expected["padded/last_hidden_state"], rtol=0, atol=TOL)
    np.testing.assert_allclose(fused, explicit, rtol=0, atol=5e-6)
