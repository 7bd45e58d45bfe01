"""Static-graph export: `paddle.jit.to_static` + `paddle.jit.save`, reloaded with `paddle.jit.load`, equals dygraph.

The forward has no Python branching on tensor values in static mode (input checks and the CPU fast paths
are dygraph-only), so one export serves any batch size and sequence length.
"""
from __future__ import annotations

import numpy as np
import paddle
import pytest
from paddle.static import InputSpec

import paddle_distilroberta as pdr
from conftest import require

# positional order (input_ids, token_type_ids, position_ids, attention_mask): None skips the two unused inputs
SPEC = [InputSpec([None, None], "int64", "input_ids"), None, None, InputSpec([None, None], "int64", "attention_mask")]


def _inputs(batch: int, length: int):
    rng = np.random.default_rng(batch * 100 + length)
    ids = rng.integers(3, 100, size=(batch, length))
    ids[:, 0], ids[:, -1] = 0, 2
    ids[0, length // 2:] = 1  # one padded row
    return paddle.to_tensor(ids), paddle.to_tensor((ids != 1).astype("int64"))


def _first(out):
    if isinstance(out, dict):
        return next(iter(out.values()))
    return out[0] if isinstance(out, (list, tuple)) else out


@pytest.mark.slow
@pytest.mark.parametrize("cls", [pdr.DistilRobertaModel, pdr.DistilRobertaForSequenceClassification,
                                 pdr.DistilRobertaForMaskedLM], ids=lambda c: c.__name__)
def test_exported_model_equals_dygraph_for_any_shape(cls, tmp_path):
    paddle.seed(0)
    model = cls(pdr.DistilRobertaConfig.from_pretrained("tiny-random", num_labels=3))
    model.eval()
    cases = [_inputs(batch, length) for batch, length in ((2, 7), (3, 12))]  # shapes the export never saw
    wanted = [_first(model(input_ids=ids, attention_mask=mask)).numpy() for ids, mask in cases]
    static = paddle.jit.to_static(model, input_spec=SPEC, full_graph=True)  # converts `model` in place
    paddle.jit.save(static, str(tmp_path / "model"))
    loaded = paddle.jit.load(str(tmp_path / "model"))
    for (ids, mask), want in zip(cases, wanted):
        np.testing.assert_allclose(_first(loaded(ids, mask)).numpy(), want, rtol=0, atol=1e-5)


@pytest.mark.parametrize("cls", [pdr.DistilRobertaModel, pdr.DistilRobertaForTokenClassification],
                         ids=lambda c: c.__name__)
def test_onnx_export_equals_dygraph_in_onnxruntime(cls, tmp_path):
    """paddle2onnx (2.x reads Paddle 3's PIR programs) + onnxruntime, at shapes the export never saw."""
    require("paddle2onnx")
    ort = require("onnxruntime")
    paddle.seed(0)
    model = cls(pdr.DistilRobertaConfig.from_pretrained("tiny-random", num_labels=3))
    model.eval()
    path = pdr.export(model, tmp_path / "model.onnx", format="onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    for batch, length in ((2, 7), (3, 12), (1, 17)):
        ids, mask = _inputs(batch, length)
        want = model(input_ids=ids, attention_mask=mask)
        got = dict(zip([o.name for o in session.get_outputs()],
                       session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})))
        assert list(got) == list(want.keys())
        for name in want.keys():
            np.testing.assert_allclose(got[name], want[name].numpy(), rtol=0, atol=1e-4, err_msg=name)
