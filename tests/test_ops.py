"""The CPU speed workarounds of `_ops.py` compute exactly what the plain Paddle ops compute.

In particular the inference-only in-place paths (`add_bias`, `softmax_last_axis` split over threads) must give
the same bits as the plain ops, never touch a tensor autograd needs, fall back when a view would not share
memory, and keep working in a forked child (whose parent's worker threads do not exist).
"""
from __future__ import annotations

import multiprocessing
import os
import sys

import numpy as np
import paddle
import paddle.nn.functional as F
import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta import _ops, _runtime


def _scores(shape, seed=0) -> paddle.Tensor:
    return paddle.to_tensor(np.random.default_rng(seed).standard_normal(shape).astype("float32") * 4)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("shape", [(8, 12, 128, 128), (1, 12, 129, 129), (3, 5, 61, 67)])
def test_split_softmax_is_bitwise_the_plain_softmax(shape, threads, monkeypatch):
    monkeypatch.setattr(_runtime, "op_threads", lambda: threads)
    monkeypatch.setattr(_ops, "_SPLIT_MIN_ELEMENTS", 0)
    want = F.softmax(_scores(shape), axis=-1).numpy()
    with paddle.no_grad():
        scores = _scores(shape)
        got = _ops.softmax_last_axis(scores)
    assert got.data_ptr() == scores.data_ptr(), "the inference path should work in place"
    np.testing.assert_array_equal(got.numpy(), want)


def test_split_softmax_falls_back_when_views_would_copy(monkeypatch):
    """With Paddle's stride kernels off a slice is a copy: softmax in place on it would be lost. Never silently."""
    monkeypatch.setattr(_runtime, "op_threads", lambda: 2)
    monkeypatch.setattr(_ops, "_SPLIT_MIN_ELEMENTS", 0)
    monkeypatch.setattr(_ops, "_shares_memory", lambda *args: False)
    with paddle.no_grad():
        scores = _scores((2, 3, 9, 9))
        got = _ops.softmax_last_axis(scores)
    np.testing.assert_array_equal(got.numpy(), F.softmax(_scores((2, 3, 9, 9)), axis=-1).numpy())


def test_training_path_keeps_its_inputs_and_gradients(monkeypatch):
    monkeypatch.setattr(_runtime, "op_threads", lambda: 2)
    monkeypatch.setattr(_ops, "_SPLIT_MIN_ELEMENTS", 0)
    leaf = _scores((2, 3, 9, 9))
    leaf.stop_gradient = False
    scores = leaf * 1.0
    bias = _scores((2, 3, 9, 9), seed=1)
    before = scores.numpy().copy()
    probs = _ops.softmax_last_axis(_ops.add_bias(scores, bias))
    np.testing.assert_array_equal(scores.numpy(), before)  # not modified in place
    (probs * _scores((2, 3, 9, 9), seed=2)).sum().backward()
    reference = paddle.to_tensor(before, stop_gradient=False)
    (F.softmax(reference + bias, axis=-1) * _scores((2, 3, 9, 9), seed=2)).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), reference.grad.numpy(), rtol=0, atol=1e-6)


def test_add_bias_in_place_only_without_gradients():
    with paddle.no_grad():
        scores, bias = _scores((2, 2, 4, 4)), _scores((2, 1, 1, 4), seed=1)
        want = (scores + bias).numpy()
        got = _ops.add_bias(scores, bias)
        assert got.data_ptr() == scores.data_ptr()
        np.testing.assert_array_equal(got.numpy(), want)
        assert _ops.add_bias(scores, None) is scores


def test_model_no_grad_forward_equals_the_plain_path(monkeypatch):
    """The whole model, inference paths forced on at a small shape, against the same model with them off."""
    paddle.seed(0)
    model = pdr.DistilRobertaModel(pdr.DistilRobertaConfig.from_pretrained("tiny-random"))
    model.eval()
    ids = paddle.to_tensor(np.random.default_rng(0).integers(3, 90, size=(5, 16)))
    mask = paddle.ones_like(ids)
    mask[1, 9:] = 0
    monkeypatch.setattr(_runtime, "op_threads", lambda: 1)
    plain = model(input_ids=ids, attention_mask=mask, output_attentions=True)
    monkeypatch.setattr(_runtime, "op_threads", lambda: 2)
    monkeypatch.setattr(_ops, "_SPLIT_MIN_ELEMENTS", 0)
    with paddle.no_grad():
        fast = model(input_ids=ids, attention_mask=mask, output_attentions=True)
    np.testing.assert_array_equal(fast.last_hidden_state.numpy(), plain.last_hidden_state.numpy())
    for a, b in zip(fast.attentions, plain.attentions):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def _child_forward(queue) -> None:
    with paddle.no_grad():
        out = _ops.softmax_last_axis(_scores((4, 4, 16, 16)))
    queue.put(float(out.sum()))


@pytest.mark.skipif(not sys.platform.startswith("linux") and os.environ.get("CI") != "true",
                    reason="fork start method is Linux-only")
def test_split_softmax_works_in_a_forked_child(monkeypatch):
    """A DataLoader worker or gunicorn child is forked after the parent started the pool's threads."""
    monkeypatch.setattr(_runtime, "op_threads", lambda: 2)
    monkeypatch.setattr(_ops, "_SPLIT_MIN_ELEMENTS", 0)
    with paddle.no_grad():
        _ops.softmax_last_axis(_scores((4, 4, 16, 16)))  # the parent's pool now has a live thread
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_forward, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung in softmax_last_axis")
    assert child.exitcode == 0
    assert abs(queue.get(timeout=5) - 4 * 4 * 16) < 1e-3  # every row sums to 1
