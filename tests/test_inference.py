"""`to_predictor()` and `export()` (paddle_distilroberta/inference.py) on the tiny random model.

Parity is checked at shapes the export never saw (the export traces a 2x4 sample), with one padded row.
"""
from __future__ import annotations

import json

import numpy as np
import paddle
import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta import _runtime, inference
from conftest import require


HEADS = [pdr.DistilRobertaModel, pdr.DistilRobertaForSequenceClassification, pdr.DistilRobertaForMaskedLM,
         pdr.DistilRobertaForTokenClassification, pdr.DistilRobertaForQuestionAnswering,
         pdr.DistilRobertaForMultipleChoice, pdr.DistilRobertaForCausalLM]


def _model(cls=pdr.DistilRobertaModel):
    paddle.seed(0)
    config = pdr.DistilRobertaConfig.from_pretrained("tiny-random", num_labels=3)
    if cls is pdr.DistilRobertaForCausalLM:
        config.is_decoder = True
    model = cls(config)
    model.eval()
    return model


def _inputs(shape, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, 90, size=shape)
    ids[..., 0], ids[..., -1] = 0, 2
    mask = np.ones_like(ids)
    mask.reshape(-1, shape[-1])[0, shape[-1] // 2:] = 0  # one padded row
    ids[mask == 0] = 1
    return paddle.to_tensor(ids), paddle.to_tensor(mask)


def _shapes(cls):
    return [(3, 13), (1, 17)] if cls is not pdr.DistilRobertaForMultipleChoice else [(3, 2, 13), (1, 3, 7)]


def _compare_fields(model, predictor, shape, check):
    """Call both at `shape`: the same output class and fields; `check(got, want, name)` on each field's arrays."""
    ids, mask = _inputs(shape)
    want = model(input_ids=ids, attention_mask=mask)
    got = predictor(input_ids=ids, attention_mask=mask)
    assert type(got) is type(want) and list(got.keys()) == list(want.keys())
    for name in want.keys():
        check(got[name].numpy(), want[name].numpy(), name)
    return ids, mask


@pytest.mark.parametrize("cls", HEADS, ids=lambda c: c.__name__)
def test_inference_float32_equals_eager_at_unseen_shapes(cls, tmp_path):
    model = _model(cls)
    predictor = model.to_predictor(precision="float32", cache_dir=tmp_path)
    for shape in _shapes(cls):
        ids, mask = _compare_fields(model, predictor, shape, lambda got, want, name: np.testing.assert_allclose(
            got, want, rtol=0, atol=1e-5, err_msg=name))
        # return_dict=False: the model's own tuple layout (PaddleNLP order), or its single tensor
        want_t, got_t = model(input_ids=ids, attention_mask=mask, return_dict=False), predictor(
            input_ids=ids, attention_mask=mask, return_dict=False)
        if isinstance(want_t, tuple):
            assert len(got_t) == len(want_t)
            for w, g in zip(want_t, got_t):
                assert (w is None) == (g is None)
                if w is not None:
                    np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=0, atol=1e-5)
        else:
            np.testing.assert_allclose(got_t.numpy(), want_t.numpy(), rtol=0, atol=1e-5)


def test_inference_accepts_numpy_positional_and_no_mask(tmp_path):
    model = _model()
    predictor = pdr.to_predictor(model, cache_dir=tmp_path)
    ids, _ = _inputs((2, 9))
    want = model(input_ids=ids).last_hidden_state.numpy()
    np.testing.assert_allclose(predictor(ids.numpy()).last_hidden_state.numpy(), want, atol=1e-5)
    np.testing.assert_allclose(predictor(input_ids=ids, token_type_ids=paddle.zeros_like(ids))[0].numpy(), want, atol=1e-5)


def test_inference_second_call_hits_the_cache(tmp_path):
    model = _model()
    before = inference.EXPORT_COUNT
    first = model.to_predictor(cache_dir=tmp_path)
    assert inference.EXPORT_COUNT == before + 1 and not first.cache_hit
    mtime = (first.export_dir / "model.pdiparams").stat().st_mtime_ns
    second = model.to_predictor(cache_dir=tmp_path)
    assert second.cache_hit and second.export_dir == first.export_dir
    assert inference.EXPORT_COUNT == before + 1, "the second call traced the model again"
    assert (second.export_dir / "model.pdiparams").stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [first.export_dir.name]  # no temporary folders left behind


def test_inference_cache_key_follows_weights_and_precision(tmp_path):
    model = _model()
    key = inference._cache_key(model, "float32")
    assert inference._cache_key(model, "bfloat16") != key
    with paddle.no_grad():
        model.pooler.dense.bias.set_value(model.pooler.dense.bias + 1)
    assert inference._cache_key(model, "float32") != key


def test_inference_eager_model_still_works_after_export(tmp_path):
    """Regression: paddle.jit.to_static(model) converts the model in place; the export converts a wrapper."""
    model = _model(pdr.DistilRobertaForSequenceClassification)
    forward = model.forward
    ids, mask = _inputs((2, 7))
    before = model(input_ids=ids, attention_mask=mask).logits.numpy()
    model.train()
    model.to_predictor(cache_dir=tmp_path)
    assert model.training, "exporting changed the model's train/eval mode"
    model.eval()
    assert model.forward == forward and paddle.in_dynamic_mode()
    np.testing.assert_array_equal(model(input_ids=ids, attention_mask=mask).logits.numpy(), before)
    # eager-only features still work
    out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True, output_attentions=True)
    assert len(out.hidden_states) == model.config.num_hidden_layers + 1


def test_inference_refuses_what_the_program_does_not_compute(tmp_path):
    model = _model(pdr.DistilRobertaForSequenceClassification)
    predictor = model.to_predictor(cache_dir=tmp_path)
    ids, mask = _inputs((2, 7))
    with pytest.raises(ValueError, match="eager model"):
        predictor(input_ids=ids, labels=paddle.to_tensor([0, 1]))
    with pytest.raises(ValueError, match="eager model"):
        predictor(input_ids=ids, output_hidden_states=True)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        predictor(input_ids=ids + 10_000)
    with pytest.raises(ValueError, match="longer than this model allows"):
        predictor(input_ids=paddle.zeros([1, 40], "int64"))
    with pytest.raises(ValueError, match="single segment"):
        predictor(input_ids=ids, token_type_ids=paddle.ones_like(ids))


def test_inference_bad_precision_device_and_engine(tmp_path, monkeypatch):
    model = _model()
    with pytest.raises(ValueError, match="Unknown precision"):
        model.to_predictor(precision="fp8", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="engine='onednn' cannot run precision='int8'.*onnxruntime.*PIR"):
        model.to_predictor(precision="int8", engine="onednn", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="engine='onnxruntime' cannot run precision='bfloat16'"):
        model.to_predictor(precision="bfloat16", engine="onnxruntime", cache_dir=tmp_path)
    if not paddle.is_compiled_with_cuda():
        with pytest.raises(RuntimeError, match="no CUDA"):
            model.to_predictor(device="gpu", cache_dir=tmp_path)
    monkeypatch.setattr(paddle, "is_compiled_with_cuda", lambda: True)
    with pytest.raises(ValueError, match="runs on the CPU only.*device='gpu'"):
        model.to_predictor(precision="int8", device="gpu", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # refused before anything was exported


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.reshape(-1).astype("float64"), b.reshape(-1).astype("float64")
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("cls", [pdr.DistilRobertaModel, pdr.DistilRobertaForSequenceClassification],
                         ids=lambda c: c.__name__)
def test_inference_int8_runs_onnxruntime_dynamic_quantisation(cls, tmp_path):
    """precision="int8": ONNX Runtime on the package's own export, int8 weights; called like the model, close to
    float32 at unseen shapes, cached like the others."""
    require("paddle2onnx")
    require("onnxruntime")
    model = _model(cls)
    predictor = model.to_predictor(precision="int8", cache_dir=tmp_path)
    assert predictor.engine == "onnxruntime" and not predictor.cache_hit
    assert (predictor.export_dir / "model.int8.onnx").is_file()
    assert not (predictor.export_dir / "model.onnx").exists()
    import onnx

    ops = {node.op_type for node in onnx.load(str(predictor.export_dir / "model.int8.onnx")).graph.node}
    assert {"MatMulInteger", "DynamicQuantizeLinear"} <= ops, sorted(ops)  # really quantised
    def close(got, want, name):
        assert got.shape == want.shape and _cosine(got, want) >= 0.99, name

    for shape in _shapes(cls):
        ids, mask = _compare_fields(model, predictor, shape, close)
        got_t = predictor(ids, None, None, mask, return_dict=False)  # positional, PaddleNLP order
        want_t = model(input_ids=ids, attention_mask=mask, return_dict=False)
        assert type(got_t) is type(want_t)
    again = model.to_predictor(precision="int8", cache_dir=tmp_path)
    assert again.cache_hit and again.export_dir == predictor.export_dir


def test_inference_onnxruntime_engine_float32_equals_eager(tmp_path):
    require("paddle2onnx")
    require("onnxruntime")
    model = _model(pdr.DistilRobertaForMaskedLM)
    predictor = model.to_predictor(precision="float32", engine="onnxruntime", cache_dir=tmp_path)
    assert predictor.export_dir != model.to_predictor(precision="float32", cache_dir=tmp_path).export_dir
    ids, mask = _inputs((3, 15))
    np.testing.assert_allclose(predictor(input_ids=ids, attention_mask=mask).logits.numpy(),
                               model(input_ids=ids, attention_mask=mask).logits.numpy(), rtol=0, atol=1e-4)


def test_inference_int8_without_onnxruntime_names_the_extra(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(ImportError, match=r"onnxruntime.*pip install paddle_distilroberta\[onnx\]"):
        _model().to_predictor(precision="int8", cache_dir=tmp_path)
    with pytest.raises(ImportError, match="onnxruntime"):
        pdr.export(_model(), tmp_path / "m.onnx", format="onnx", precision="int8")


def test_inference_export_int8_onnx_and_refusals(tmp_path):
    require("paddle2onnx")
    ort = require("onnxruntime")
    model = _model(pdr.DistilRobertaForTokenClassification)
    with pytest.raises(ValueError, match="format='onnx'"):
        pdr.export(model, tmp_path / "static", format="paddle", precision="int8")
    with pytest.raises(ValueError, match="runtime setting"):
        pdr.export(model, tmp_path / "m.onnx", format="onnx", precision="bfloat16")
    path = pdr.export(model, tmp_path / "m.onnx", format="onnx", precision="int8")
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # nothing else left beside it
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ids, mask = _inputs((2, 17))
    got = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    assert _cosine(got, model(input_ids=ids, attention_mask=mask).logits.numpy()) >= 0.99


def test_inference_bfloat16_error_names_the_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(paddle.base.core, "supports_bfloat16", lambda: False)
    with pytest.raises(RuntimeError, match="AVX512-BF16 or AMX-BF16") as info:
        _model().to_predictor(precision="bfloat16", cache_dir=tmp_path)
    assert _runtime.cpu_capabilities()["model"] in str(info.value)


def test_inference_bfloat16_stays_close_to_float32(tmp_path):
    model = _model()
    if not paddle.base.core.supports_bfloat16():  # this CPU: the precision is refused, clearly
        with pytest.raises(RuntimeError, match="AVX512-BF16 or AMX-BF16"):
            model.to_predictor(precision="bfloat16", cache_dir=tmp_path)
        return
    predictor = model.to_predictor(precision="bfloat16", cache_dir=tmp_path)
    ids, mask = _inputs((4, 15))
    want = model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy().reshape(-1)
    got = predictor(input_ids=ids, attention_mask=mask).last_hidden_state.numpy().reshape(-1)
    cosine = float(want @ got / (np.linalg.norm(want) * np.linalg.norm(got)))
    assert cosine >= 0.99, cosine


def test_inference_export_paddle_format_reloads(tmp_path):
    model = _model(pdr.DistilRobertaForMaskedLM)
    folder = pdr.export(model, tmp_path / "static", format="paddle")
    assert {"model.json", "model.pdiparams", "meta.json", "config.json"} <= {p.name for p in folder.iterdir()}
    loaded = paddle.jit.load(str(folder / "model"))
    ids, mask = _inputs((2, 17))
    want = model(input_ids=ids, attention_mask=mask).logits.numpy()
    got = loaded(ids, mask)
    got = got[0] if isinstance(got, (list, tuple)) else got
    np.testing.assert_allclose(got.numpy(), want, rtol=0, atol=1e-5)


@pytest.mark.parametrize("fmt", ["paddle", "onnx"])
def test_inference_cli_export(fmt, tmp_path):
    """`paddle-distilroberta export NAME_OR_PATH OUT --format paddle|onnx` (the head comes from the checkpoint)."""
    if fmt == "onnx":
        require("paddle2onnx")
    from paddle_distilroberta import cli

    model = _model(pdr.DistilRobertaForSequenceClassification)
    model.save_pretrained(tmp_path / "ckpt")
    out = tmp_path / ("static" if fmt == "paddle" else "model.onnx")
    assert cli.main(["export", str(tmp_path / "ckpt"), str(out), "--format", fmt]) == 0
    assert out.exists()
    if fmt == "paddle":
        assert json.loads((out / "meta.json").read_text())["fields"] == ["logits"]
    else:
        require("onnxruntime")
        small = tmp_path / "model-int8.onnx"
        assert cli.main(["export", str(tmp_path / "ckpt"), str(small), "--format", "onnx", "--precision", "int8"]) == 0
        import onnx

        assert "MatMulInteger" in {node.op_type for node in onnx.load(str(small)).graph.node}


def test_inference_gpu_config_path_with_cuda_simulated(tmp_path, monkeypatch):
    """The GPU branch builds a GPU config (device id, precision); no GPU build here, so CUDA's presence is simulated
    and the predictor itself is not created."""
    model = _model()
    folder = pdr.export(model, tmp_path / "static")
    monkeypatch.setattr(paddle, "is_compiled_with_cuda", lambda: True)
    assert inference._resolve_device(model, "gpu:1") == "gpu:1"
    assert inference._resolve_device(model, "cuda") == "gpu"
    assert inference._resolve_device(model, None) == "cpu"  # parameters on the CPU
    calls = []

    class FakeConfig:  # the CPU build's Config ignores enable_use_gpu, so record the calls instead
        def __init__(self, *paths):
            calls.append(("init", paths))

        def __getattr__(self, name):
            return lambda *args: calls.append((name, args))

    monkeypatch.setattr(paddle.inference, "Config", FakeConfig)
    inference._config(folder, "bfloat16", "gpu:1", "onednn", 2)
    gpu = [args for name, args in calls if name == "enable_use_gpu"]
    assert gpu and gpu[0][1] == 1 and gpu[0][2] == paddle.inference.PrecisionType.Bfloat16
    assert not [name for name, _ in calls if name in ("disable_gpu", "enable_mkldnn")]
    with pytest.raises(ValueError, match="Unknown device"):
        inference._resolve_device(model, "tpu")
