"""Paddle's high-level API, `paddle.Model(network).prepare/fit/evaluate/predict`, with this package's heads.

`paddle.Model` calls `network(*inputs)` positionally and hands `loss(*outputs, *labels)` a list of tensors, so
the two patterns the README documents are tested here:
* `return_dict=False` (config or argument): the head returns the logits tensor; `inputs=[input_ids]` only, as the
  second positional argument is `token_type_ids` (PaddleNLP's order): fine for unpadded, fixed-length batches.
* a 6-line keyword wrapper that passes `attention_mask` as well and returns the logits: padded batches.
Both reach >= 95% accuracy on a held-out split of a learnable synthetic task.
"""
from __future__ import annotations

import json
import logging

import numpy as np
import paddle
import pytest

from conftest import REPO_ROOT

pytestmark = [pytest.mark.slow]

SEQ = 12


def _config(**overrides):
    from paddle_distilroberta import DistilRobertaConfig

    values = json.loads((REPO_ROOT / "configs" / "tiny-random.json").read_text())
    values.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, num_labels=2, **overrides)
    return DistilRobertaConfig.from_dict(values)


def _data(n: int, seed: int, padded: bool):
    """Label 1: the body tokens come from ids 10..29, label 0: from 30..49 (pads: id 1, mask 0)."""
    rng = np.random.default_rng(seed)
    ids = np.full((n, SEQ), 1, dtype="int64")
    mask = np.zeros((n, SEQ), dtype="int64")
    labels = (np.arange(n) % 2).astype("int64")
    for i in range(n):
        length = int(rng.integers(4, SEQ + 1)) if padded else SEQ
        low = 10 if labels[i] else 30
        ids[i, :length] = np.concatenate([[0], rng.integers(low, low + 20, length - 2), [2]])
        mask[i, :length] = 1
    return ids, mask, labels[:, None]


class _Dataset(paddle.io.Dataset):
    def __init__(self, *arrays):
        self.arrays = arrays

    def __getitem__(self, i):
        return tuple(a[i] for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])


class KeywordNetwork(paddle.nn.Layer):
    """What the README shows: positional inputs from paddle.Model -> keyword call -> logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def _fit(network, inputs, train, dev, epochs):
    from paddle.static import InputSpec

    model = paddle.Model(network, inputs=inputs, labels=[InputSpec([None, 1], "int64", "labels")])
    model.prepare(paddle.optimizer.AdamW(learning_rate=3e-3, parameters=model.parameters()),
                  paddle.nn.CrossEntropyLoss(), paddle.metric.Accuracy())
    model.fit(train, dev, batch_size=16, epochs=epochs, shuffle=True, verbose=0)
    return model


def test_paddle_model_with_keyword_wrapper_on_padded_batches():
    from paddle.static import InputSpec

    from paddle_distilroberta import DistilRobertaForSequenceClassification

    paddle.seed(0)
    head = DistilRobertaForSequenceClassification(_config())
    train, dev = _Dataset(*_data(192, 0, padded=True)), _Dataset(*_data(64, 1, padded=True))
    spec = [InputSpec([None, None], "int64", "input_ids"), InputSpec([None, None], "int64", "attention_mask")]
    model = _fit(KeywordNetwork(head), spec, train, dev, epochs=4)
    result = model.evaluate(dev, batch_size=32, verbose=0)
    logging.getLogger(__name__).info("paddle.Model eval: %s", result)
    assert result["acc"] >= 0.95, result
    logits = model.predict(_Dataset(*_data(8, 2, padded=True)[:2]), batch_size=4, stack_outputs=True, verbose=0)[0]
    assert logits.shape == (8, 2)
    # the trained head is the package's model: save_pretrained / from_pretrained as usual
    ids, mask, _ = _data(8, 2, padded=True)
    head.eval()
    with paddle.no_grad():
        direct = head(input_ids=paddle.to_tensor(ids), attention_mask=paddle.to_tensor(mask)).logits.numpy()
    np.testing.assert_allclose(logits, direct, rtol=1e-5, atol=1e-6)


def test_paddle_model_with_return_dict_false_on_fixed_length_batches():
    from paddle.static import InputSpec

    from paddle_distilroberta import DistilRobertaForSequenceClassification

    paddle.seed(1)
    head = DistilRobertaForSequenceClassification(_config(return_dict=False))
    ids, _, labels = _data(192, 3, padded=False)
    dev_ids, _, dev_labels = _data(64, 4, padded=False)
    model = _fit(head, [InputSpec([None, SEQ], "int64", "input_ids")], _Dataset(ids, labels),
                 _Dataset(dev_ids, dev_labels), epochs=4)
    result = model.evaluate(_Dataset(dev_ids, dev_labels), batch_size=32, verbose=0)
    logging.getLogger(__name__).info("paddle.Model eval: %s", result)
    assert result["acc"] >= 0.95, result
    out = head(paddle.to_tensor(dev_ids[:2]))  # PaddleNLP's convention: a lone output comes back bare
    assert isinstance(out, paddle.Tensor) and out.shape == [2, 2]
