"""Gradient checkpointing: `gradient_checkpointing_enable()` / PaddleNLP's `recompute=True` recompute each encoder
layer in backward; loss and every gradient equal the normal run (dropout included) within 1e-6; peak memory drops.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import numpy as np
import paddle
import pytest

from conftest import REPO_ROOT, require

logger = logging.getLogger(__name__)


def _config(**overrides):
    from paddle_distilroberta import DistilRobertaConfig

    values = json.loads((REPO_ROOT / "configs" / "tiny-random.json").read_text())
    values.update({"num_labels": 3, **overrides})
    return DistilRobertaConfig.from_dict(values)


def _batch(seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, 100, (4, 16)).astype("int64")
    ids[:, 0], ids[:, -1] = 0, 2
    mask = np.ones_like(ids)
    ids[1, 10:], mask[1, 10:] = 1, 0  # one padded row
    return paddle.to_tensor(ids), paddle.to_tensor(mask), paddle.to_tensor(np.array([0, 1, 2, 1], "int64"))


def _loss_and_grads(model, checkpointing: bool):
    ids, mask, labels = _batch()
    if checkpointing:
        model.gradient_checkpointing_enable()
    else:
        model.gradient_checkpointing_disable()
    model.train()
    model.clear_gradients()
    paddle.seed(123)  # the same dropout masks for both runs
    loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
    loss.backward()
    grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters() if p.grad is not None}
    return float(loss), grads


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_gradient_checkpointing_equal_loss_and_gradients(dropout):
    from paddle_distilroberta import DistilRobertaForSequenceClassification

    paddle.seed(0)
    model = DistilRobertaForSequenceClassification(
        _config(hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout))
    assert not model.is_gradient_checkpointing
    calls = []
    model.roberta.encoder.layer[0].register_forward_post_hook(lambda layer, inputs, outputs: calls.append(1))
    loss_plain, grads_plain = _loss_and_grads(model, False)
    assert len(calls) == 1
    loss_ckpt, grads_ckpt = _loss_and_grads(model, True)
    assert len(calls) == 3, "with checkpointing the layer runs again in backward"
    assert model.is_gradient_checkpointing
    assert abs(loss_plain - loss_ckpt) <= 1e-6, (loss_plain, loss_ckpt)
    assert sorted(grads_plain) == sorted(grads_ckpt)
    assert any("encoder.layer.0" in n for n in grads_ckpt)  # the recomputed layers do get gradients
    worst = max(float(np.abs(grads_plain[n] - grads_ckpt[n]).max()) for n in grads_plain)
    assert worst <= 1e-6, worst
    model.gradient_checkpointing_disable()
    assert not model.is_gradient_checkpointing


def test_gradient_checkpointing_leaves_eval_and_attentions_alone():
    from paddle_distilroberta import DistilRobertaForMaskedLM

    paddle.seed(0)
    model = DistilRobertaForMaskedLM(_config())
    ids, mask, _ = _batch()
    model.eval()
    with paddle.no_grad():
        before = model(input_ids=ids, attention_mask=mask).logits.numpy()
    model.gradient_checkpointing_enable()
    with paddle.no_grad():
        after = model(input_ids=ids, attention_mask=mask).logits.numpy()
    np.testing.assert_array_equal(before, after)
    model.train()
    out = model(input_ids=ids, attention_mask=mask, output_attentions=True)  # attentions need the stored probs
    assert len(out.attentions) == model.config.num_hidden_layers
    with pytest.raises(ValueError, match="not supported"):
        model.gradient_checkpointing_enable({"use_reentrant": False})


def test_trainer_recompute_true_turns_it_on(tmp_path):
    trainer_mod = require("paddlenlp.trainer")
    from paddlenlp.datasets import MapDataset

    from paddle_distilroberta import DistilRobertaForSequenceClassification

    paddle.seed(0)
    model = DistilRobertaForSequenceClassification(_config(num_labels=2))
    ids, mask, _ = _batch()
    rows = [{"input_ids": ids[i].numpy(), "attention_mask": mask[i].numpy(), "labels": np.int64(i % 2)} for i in range(4)] * 4
    args = trainer_mod.TrainingArguments(output_dir=str(tmp_path), device="cpu", recompute=True, max_steps=3,
                                         per_device_train_batch_size=4, report_to=["none"], disable_tqdm=True,
                                         save_strategy="no", logging_steps=1)
    trainer = trainer_mod.Trainer(model=model, args=args, train_dataset=MapDataset(rows))
    assert model.is_gradient_checkpointing
    result = trainer.train()
    assert result.global_step == 3 and np.isfinite(result.training_loss)


_MEMORY_SCRIPT = r"""
import json, resource, sys
import numpy as np, paddle
from paddle_distilroberta import DistilRobertaConfig, DistilRobertaForSequenceClassification
paddle.seed(0)
cfg = DistilRobertaConfig(vocab_size=1000, hidden_size=256, num_hidden_layers=6, num_attention_heads=4,
                          intermediate_size=1024, max_position_embeddings=520, num_labels=2)
model = DistilRobertaForSequenceClassification(cfg)
if sys.argv[1] == "1":
    model.gradient_checkpointing_enable()
model.train()
ids = paddle.to_tensor(np.random.default_rng(0).integers(3, 1000, (8, 512)).astype("int64"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
loss = model(input_ids=ids, labels=paddle.to_tensor(np.zeros(8, "int64"))).loss
loss.backward()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_rss_mib": after / 1024, "step_mib": (after - before) / 1024}))
"""


@pytest.mark.slow
def test_gradient_checkpointing_lowers_peak_memory(tmp_path):
    """Peak RSS of one forward+backward (6 layers, hidden 256, batch 8 x 512 tokens), each in a fresh process."""
    script = tmp_path / "mem.py"
    script.write_text(textwrap.dedent(_MEMORY_SCRIPT), encoding="utf-8")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    peaks = {}
    for flag in ("0", "1"):
        proc = subprocess.run([sys.executable, str(script), flag], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-4000:]
        peaks[flag] = json.loads(proc.stdout.strip().splitlines()[-1])
    logger.info("gradient checkpointing memory: plain %s, recompute %s", peaks["0"], peaks["1"])
    plain, ckpt = peaks["0"]["step_mib"], peaks["1"]["step_mib"]
    assert ckpt < 0.6 * plain, peaks
