"""PaddleNLP integration: Auto-class registration, and parity with PaddleNLP's own RoBERTa.

Registration runs in fresh subprocesses (it edits PaddleNLP's module-level tables).

Parity: PaddleNLP's `RobertaModel` / `RobertaFor*` (3.0.0b4) are built with a tiny random config, saved in
PaddleNLP's format (`model_state.pdparams` + `config.json`), loaded with this package's classes and compared
in eval mode on a padded batch with explicit attention masks (PaddleNLP builds its default mask from pad ids,
Hugging Face uses all ones). Hugging Face transformers is the reference where the two disagree. The
differences that are PaddleNLP's, each asserted below so that a PaddleNLP fix shows up:

1. Regression loss (`num_labels == 1`): PaddleNLP computes `MSELoss()(logits, labels)` with logits `(B, 1)`
   and labels `(B,)`, which broadcasts to `(B, B)`; HF squeezes both first.
   -> `test_regression_loss_paddlenlp_broadcasts`
2. Mean cross-entropy with ignored labels (-100): `paddle.nn.CrossEntropyLoss(reduction="mean")` divides by
   *all* labels, ignored ones included, so PaddleNLP's token-classification, masked-LM and causal-LM losses are
   too small whenever labels hold -100; HF divides by the number of non-ignored labels.
   -> `test_ignored_labels_paddlenlp_divides_by_all`
3. PaddleNLP's conversion of HF checkpoints (`_get_name_mappings`, used by `from_hf_hub` /
   `convert_from_torch`): `lm_head.dense.weight` is copied without the transpose every other Linear weight
   gets; it is square, so nothing complains, but RobertaForMaskedLM's logits are wrong.
   -> `test_hf_conversion_paddlenlp_masked_lm_dense_not_transposed`
4. Same table: the pooler rows are `pooler.dense.*` without the `roberta.` prefix that head checkpoints use,
   so RobertaForMultipleChoice (the one head that uses the pooler) keeps a random pooler.
   -> `test_hf_conversion_paddlenlp_multiple_choice_pooler_not_loaded`
5. RobertaForCausalLM: the table has `lm_head.*` rows only when "RobertaForMaskedLM" is in `architectures`;
   the unmapped HF tensors are then loaded under their own names, so `lm_head.dense.weight` again arrives
   untransposed. And PaddleNLP's RobertaModel never builds a causal mask (`is_decoder` is ignored), so even
   with the right weights it attends to future tokens.
   -> `test_hf_conversion_paddlenlp_causal_lm`, `test_causal_lm_paddlenlp_ignores_is_decoder`
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest

from conftest import FIXTURES, REPO_ROOT, SHARED_DATA, require

pytestmark = pytest.mark.paddlenlp

TINY = dict(
    vocab_size=100,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=37,
    max_position_embeddings=20,
    type_vocab_size=1,
    pad_token_id=1,
    layer_norm_eps=1e-5,
)
ATOL = 1e-5
SUBPROCESS_TIMEOUT = 240


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def pnlp():
    """paddlenlp.transformers (skips locally / fails under CI=true when it is not importable)."""
    return require("paddlenlp.transformers")


def _paddle():
    import paddle

    return paddle


def _randomize(model, seed: int) -> None:
    """Redraw every parameter far from the default init, so that a wrong transpose or name shows."""
    paddle = _paddle()
    rng = np.random.default_rng(seed)
    for name, param in model.named_parameters():
        shape = tuple(param.shape)
        if "norm" in name and name.endswith("weight"):
            value = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name.endswith("bias"):
            value = 0.2 * rng.standard_normal(shape)
        else:
            value = 0.3 * rng.standard_normal(shape)
        if name.endswith("word_embeddings.weight"):
            value[TINY["pad_token_id"]] = 0.0  # as in every real checkpoint (HF's padding_idx row)
        param.set_value(paddle.to_tensor(value.astype("float32")))
    model.eval()


def _batch(seed: int = 0, batch: int = 3, width: int = 12) -> Dict[str, np.ndarray]:
    """<s> ids </s> rows of different lengths, right-padded with pad id 1, and their attention mask."""
    rng = np.random.default_rng(seed)
    ids = np.full((batch, width), TINY["pad_token_id"], dtype="int64")
    mask = np.zeros((batch, width), dtype="int64")
    for row, length in enumerate(np.linspace(width, 5, batch).astype(int)):
        ids[row, :length] = np.concatenate([[0], rng.integers(3, TINY["vocab_size"], length - 2), [2]])
        mask[row, :length] = 1
    return {"input_ids": ids, "attention_mask": mask}


def _to_paddle(arrays: Dict[str, Any]) -> Dict[str, Any]:
    paddle = _paddle()
    return {k: paddle.to_tensor(v) for k, v in arrays.items()}


def _run(model, inputs: Dict[str, np.ndarray], **kwargs):
    paddle = _paddle()
    with paddle.no_grad():
        return model(**_to_paddle(inputs), return_dict=True, **kwargs)


def _np(x) -> np.ndarray:
    """A paddle Tensor, numpy array or number as a float64 array."""
    return np.asarray(x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else x, dtype="float64")


def _close(a, b, atol: float = ATOL) -> float:
    diff = float(np.max(np.abs(_np(a) - _np(b))))
    assert diff <= atol, f"max abs difference {diff:.3g} > {atol}"
    return diff


def _ce_hf(logits: np.ndarray, labels: np.ndarray, ignore_index: int = -100) -> float:
    """transformers' CrossEntropyLoss(mean): the mean over labels != ignore_index (float64)."""
    x = np.asarray(logits, dtype="float64").reshape(-1, logits.shape[-1])
    y = np.asarray(labels).reshape(-1)
    keep = y != ignore_index
    top = x.max(axis=1, keepdims=True)
    lse = np.log(np.exp(x - top).sum(axis=1)) + top[:, 0]
    nll = lse - x[np.arange(len(y)), np.where(keep, y, 0)]
    return float(nll[keep].mean())


def _paddlenlp_model(pnlp, class_name: str, seed: int, **config_kwargs):
    config = pnlp.RobertaConfig(**TINY, **config_kwargs)
    model = getattr(pnlp, class_name)(config)
    _randomize(model, seed)
    return model


def _ours(class_name: str):
    import paddle_distilroberta.modeling as modeling

    return getattr(modeling, class_name)


def _save_and_load(pnlp_model, class_name: str, tmp_path: Path, **kwargs):
    """Save in PaddleNLP's format, load with our class, check the files are the PaddleNLP ones."""
    folder = tmp_path / type(pnlp_model).__name__
    pnlp_model.save_pretrained(str(folder))
    assert (folder / "model_state.pdparams").is_file() and (folder / "config.json").is_file(), os.listdir(folder)
    assert json.loads((folder / "config.json").read_text())["model_type"] == "roberta"
    ours = _ours(class_name).from_pretrained(str(folder), **kwargs)
    ours.eval()
    return ours


# --------------------------------------------------------------------------- parity with PaddleNLP
def test_base_model_matches_paddlenlp(pnlp, tmp_path):
    theirs = _paddlenlp_model(pnlp, "RobertaModel", seed=1)
    ours = _save_and_load(theirs, "DistilRobertaModel", tmp_path)
    inputs = _batch()
    a, b = _run(ours, inputs), _run(theirs, inputs)
    _close(a.last_hidden_state, b.last_hidden_state)
    _close(a.pooler_output, b.pooler_output)
    # the tuple order of return_dict=False is PaddleNLP's: (sequence_output, pooled_output)
    paddle = _paddle()
    with paddle.no_grad():
        tup = ours(**_to_paddle(inputs), return_dict=False)
    _close(tup[0], b.last_hidden_state)
    _close(tup[1], b.pooler_output)


def test_base_model_default_mask_differs_from_paddlenlp(pnlp, tmp_path):
    """Without attention_mask, PaddleNLP masks pad ids (-1e4) while HF (and this package) attend to all tokens.

    That is a documented convention, not a bug of either; with the mask passed the two agree (test above).
    """
    theirs = _paddlenlp_model(pnlp, "RobertaModel", seed=1)
    ours = _save_and_load(theirs, "DistilRobertaModel", tmp_path)
    inputs = _batch()
    a = _run(ours, {"input_ids": inputs["input_ids"]})
    b = _run(theirs, {"input_ids": inputs["input_ids"]})
    full = _run(ours, {"input_ids": inputs["input_ids"], "attention_mask": np.ones_like(inputs["attention_mask"])})
    _close(a.last_hidden_state, full.last_hidden_state, atol=1e-6)  # ours: None == all ones (HF)
    assert float(np.abs(_np(a.last_hidden_state) - _np(b.last_hidden_state)).max()) > 1e-3


@pytest.mark.parametrize("problem", ["single_label_classification", "multi_label_classification"])
def test_sequence_classification_matches_paddlenlp(pnlp, tmp_path, problem):
    num_labels = 3 if problem == "single_label_classification" else 4
    theirs = _paddlenlp_model(pnlp, "RobertaForSequenceClassification", seed=2, num_labels=num_labels)
    ours = _save_and_load(theirs, "DistilRobertaForSequenceClassification", tmp_path)
    assert ours.config.num_labels == num_labels
    inputs = _batch()
    rng = np.random.default_rng(3)
    if problem == "single_label_classification":
        labels = rng.integers(0, num_labels, size=3).astype("int64")
    else:
        labels = rng.integers(0, 2, size=(3, num_labels)).astype("float32")
    a, b = _run(ours, {**inputs, "labels": labels}), _run(theirs, {**inputs, "labels": labels})
    _close(a.logits, b.logits)
    _close(a.loss, b.loss)
    assert list(a.keys())[0] == "loss"


def test_regression_loss_paddlenlp_broadcasts(pnlp, tmp_path):
    """PaddleNLP bug: MSELoss on logits (B, 1) vs labels (B,) broadcasts to (B, B); HF squeezes both.

    Logits agree; our loss equals HF's formula mean((logits.squeeze() - labels) ** 2); PaddleNLP's equals the
    mean over the broadcast (B, B) matrix, and agrees with ours only when labels are shaped (B, 1).
    """
    theirs = _paddlenlp_model(pnlp, "RobertaForSequenceClassification", seed=4, num_labels=1)
    ours = _save_and_load(theirs, "DistilRobertaForSequenceClassification", tmp_path)
    inputs = _batch()
    labels = np.random.default_rng(5).standard_normal(3).astype("float32")
    a, b = _run(ours, {**inputs, "labels": labels}), _run(theirs, {**inputs, "labels": labels})
    _close(a.logits, b.logits)
    logits = _np(a.logits)
    hf_loss = float(np.mean((logits.squeeze(-1) - labels) ** 2))
    _close(a.loss, np.float64(hf_loss))
    broadcast_loss = float(np.mean((logits - labels[None, :]) ** 2))
    _close(b.loss, np.float64(broadcast_loss))
    assert abs(float(b.loss) - hf_loss) > 1e-3, "PaddleNLP's regression loss now matches HF: update this test"
    b2 = _run(theirs, {**inputs, "labels": labels[:, None]})
    _close(a.loss, b2.loss)


def test_token_classification_matches_paddlenlp(pnlp, tmp_path):
    theirs = _paddlenlp_model(pnlp, "RobertaForTokenClassification", seed=6, num_labels=5)
    ours = _save_and_load(theirs, "DistilRobertaForTokenClassification", tmp_path)
    inputs = _batch()
    labels = np.random.default_rng(7).integers(0, 5, size=inputs["input_ids"].shape).astype("int64")
    a, b = _run(ours, {**inputs, "labels": labels}), _run(theirs, {**inputs, "labels": labels})
    _close(a.logits, b.logits)
    _close(a.loss, b.loss)  # no ignored labels: the two losses agree


def test_ignored_labels_paddlenlp_divides_by_all(pnlp, tmp_path):
    """Paddle/PaddleNLP difference: mean cross-entropy with labels == -100.

    `paddle.nn.CrossEntropyLoss()` (used by PaddleNLP's RobertaForTokenClassification, ForMaskedLM and
    ForCausalLM) divides the summed loss by *every* label, ignored ones included; HF divides by the number of
    labels != -100. Our loss equals the HF formula; PaddleNLP's equals HF's times (#kept / #all).
    """
    theirs = _paddlenlp_model(pnlp, "RobertaForTokenClassification", seed=6, num_labels=5)
    ours = _save_and_load(theirs, "DistilRobertaForTokenClassification", tmp_path)
    inputs = _batch()
    labels = np.random.default_rng(7).integers(0, 5, size=inputs["input_ids"].shape).astype("int64")
    labels[inputs["attention_mask"] == 0] = -100
    a, b = _run(ours, {**inputs, "labels": labels}), _run(theirs, {**inputs, "labels": labels})
    hf_loss = _ce_hf(_np(a.logits), labels)
    _close(a.loss, np.float64(hf_loss))
    kept = float((labels != -100).sum()) / labels.size
    _close(b.loss, np.float64(hf_loss * kept))
    assert abs(float(b.loss) - hf_loss) > 1e-3, "PaddleNLP's ignored-label loss now matches HF: update this test"


def test_question_answering_matches_paddlenlp(pnlp, tmp_path):
    """PaddleNLP names the span head `classifier`; HF (and this package) `qa_outputs`."""
    theirs = _paddlenlp_model(pnlp, "RobertaForQuestionAnswering", seed=8)
    ours = _save_and_load(theirs, "DistilRobertaForQuestionAnswering", tmp_path)
    inputs = _batch()
    positions = {"start_positions": np.array([1, 3, 0], "int64"), "end_positions": np.array([4, 5, 2], "int64")}
    a, b = _run(ours, {**inputs, **positions}), _run(theirs, {**inputs, **positions})
    _close(a.start_logits, b.start_logits)
    _close(a.end_logits, b.end_logits)
    _close(a.loss, b.loss)
    paddle = _paddle()
    with paddle.no_grad():
        tup = ours(**_to_paddle({**inputs, **positions}), return_dict=False)
    _close(tup[0], b.loss)
    _close(tup[1], b.start_logits)
    _close(tup[2], b.end_logits)


def test_multiple_choice_matches_paddlenlp(pnlp, tmp_path):
    theirs = _paddlenlp_model(pnlp, "RobertaForMultipleChoice", seed=9)
    ours = _save_and_load(theirs, "DistilRobertaForMultipleChoice", tmp_path)
    flat = _batch(seed=10, batch=6, width=10)
    inputs = {k: v.reshape(2, 3, 10) for k, v in flat.items()}
    labels = np.array([2, 0], "int64")
    a, b = _run(ours, {**inputs, "labels": labels}), _run(theirs, {**inputs, "labels": labels})
    assert list(a.logits.shape) == [2, 3]
    _close(a.logits, b.logits)
    _close(a.loss, b.loss)


def test_masked_lm_matches_paddlenlp(pnlp, tmp_path):
    """PaddleNLP's decoder is a TransposedLinear tied to the word embeddings, its bias saved as `lm_head.bias`."""
    theirs = _paddlenlp_model(pnlp, "RobertaForMaskedLM", seed=11)
    ours = _save_and_load(theirs, "DistilRobertaForMaskedLM", tmp_path)
    inputs = _batch()
    labels = np.random.default_rng(12).integers(0, TINY["vocab_size"], size=inputs["input_ids"].shape).astype("int64")
    a, b = _run(ours, {**inputs, "labels": labels}), _run(theirs, {**inputs, "labels": labels})
    _close(a.logits, b.logits)
    _close(a.loss, b.loss)  # no ignored labels here (see test_ignored_labels_paddlenlp_divides_by_all)
    labels[:, ::2] = -100
    a = _run(ours, {**inputs, "labels": labels})
    _close(a.loss, np.float64(_ce_hf(_np(a.logits), labels)))


def test_causal_lm_paddlenlp_ignores_is_decoder(pnlp, tmp_path):
    """PaddleNLP bug: RobertaForCausalLM never builds a causal mask (HF does when config.is_decoder).

    Ours (always causal, as HF with is_decoder=True) differs from PaddleNLP's default, and equals PaddleNLP's
    when PaddleNLP is handed an explicit 4-D causal mask: logits, and the shifted loss without ignored labels.
    """
    theirs = _paddlenlp_model(pnlp, "RobertaForCausalLM", seed=13)
    ours = _save_and_load(theirs, "DistilRobertaForCausalLM", tmp_path)
    assert ours.config.is_decoder
    inputs = _batch()
    labels = inputs["input_ids"].copy()
    a, b = _run(ours, {**inputs, "labels": labels}), _run(theirs, inputs)
    keep = inputs["attention_mask"].astype(bool)
    off = float(np.abs(_np(a.logits)[keep] - _np(b.logits)[keep]).max())
    assert off > 1e-3, "PaddleNLP's causal LM now builds a causal mask: update this test"
    width = inputs["input_ids"].shape[1]
    allowed = np.tril(np.ones((width, width), "float32"))[None, None] * inputs["attention_mask"][:, None, None, :]
    paddle = _paddle()
    with paddle.no_grad():
        c = theirs(
            input_ids=paddle.to_tensor(inputs["input_ids"]),
            attention_mask=paddle.to_tensor((1.0 - allowed) * -1e4),
            labels=paddle.to_tensor(labels),
            return_dict=True,
        )
    _close(_np(a.logits)[keep], _np(c.logits)[keep])
    _close(a.loss, c.loss)


# --------------------------------------------------------------------------- PaddleNLP's HF conversion vs HF
def _hf_fixture(name: str) -> Path:
    folder = FIXTURES / "models" / name
    if not (folder / "config.json").is_file():
        pytest.fail(f"golden fixture {folder} is missing; see tests/fixtures/README.md")
    return folder


def _paddlenlp_converted(pnlp, name: str, class_name: str, tmp_path: Path):
    """PaddleNLP's own HF -> Paddle conversion path: from_pretrained(<folder with pytorch_model.bin>, convert_from_torch=True)."""
    work = tmp_path / f"{name}-pnlp"
    shutil.copytree(_hf_fixture(name + "-bin"), work)  # PaddleNLP writes model_state.pdparams next to the .bin
    model = getattr(pnlp, class_name).from_pretrained(str(work), convert_from_torch=True)
    model.eval()
    return model


def _hf_case(name: str, case: str = "padded"):
    expected = np.load(_hf_fixture(name) / "expected.npz")
    inputs = {k: expected[f"{case}/{k}"] for k in ("input_ids", "attention_mask")}
    return inputs, expected


def _ours_from_hf(name: str, class_name: str):
    model = _ours(class_name).from_pretrained(str(_hf_fixture(name)))
    model.eval()
    return model


def test_hf_conversion_paddlenlp_masked_lm_dense_not_transposed(pnlp, tmp_path):
    """PaddleNLP bug: its HF name table copies `lm_head.dense.weight` without transposing it.

    PaddleNLP's logits are far from HF's golden outputs; transposing that one matrix makes them agree; ours agree.
    """
    inputs, expected = _hf_case("RobertaForMaskedLM")
    theirs = _paddlenlp_converted(pnlp, "RobertaForMaskedLM", "RobertaForMaskedLM", tmp_path)
    off = float(np.abs(_np(_run(theirs, inputs).logits) - expected["padded/logits"]).max())
    assert off > 0.1, f"PaddleNLP's masked-LM conversion now matches HF ({off:.3g}): update this test"
    mapping = {m.source_name: m.action for m in theirs._get_name_mappings(theirs.config)}
    assert mapping.get("lm_head.dense.weight") is None and mapping.get("lm_head.layer_norm.weight") is None
    dense = theirs.lm_head.dense.weight
    dense.set_value(dense.numpy().T)  # the missing transpose
    _close(_run(theirs, inputs).logits, expected["padded/logits"])
    ours = _ours_from_hf("RobertaForMaskedLM", "DistilRobertaForMaskedLM")
    out = _run(ours, {**inputs, "labels": expected["padded/labels"]})
    _close(out.logits, expected["padded/logits"])
    _close(out.loss, expected["padded/loss"])


def test_hf_conversion_paddlenlp_multiple_choice_pooler_not_loaded(pnlp, tmp_path):
    """PaddleNLP bug: its HF name table looks for `pooler.dense.*`, head checkpoints hold `roberta.pooler.dense.*`.

    RobertaForMultipleChoice keeps a random pooler; copying the HF pooler in makes it agree with HF; ours agree.
    """
    from safetensors.numpy import load_file

    name = "RobertaForMultipleChoice"
    inputs, expected = _hf_case(name)
    theirs = _paddlenlp_converted(pnlp, name, name, tmp_path)
    off = float(np.abs(_np(_run(theirs, inputs).logits) - expected["padded/logits"]).max())
    assert off > 1e-3, f"PaddleNLP's multiple-choice conversion now matches HF ({off:.3g}): update this test"
    hf = load_file(str(_hf_fixture(name) / "model.safetensors"))
    theirs.roberta.pooler.dense.weight.set_value(hf["roberta.pooler.dense.weight"].T)
    theirs.roberta.pooler.dense.bias.set_value(hf["roberta.pooler.dense.bias"])
    _close(_run(theirs, inputs).logits, expected["padded/logits"])
    ours = _ours_from_hf(name, "DistilRobertaForMultipleChoice")
    out = _run(ours, {**inputs, "labels": expected["padded/labels"]})
    _close(out.logits, expected["padded/logits"])
    _close(out.loss, expected["padded/loss"])


def test_hf_conversion_paddlenlp_causal_lm(pnlp, tmp_path):
    """PaddleNLP bugs: `lm_head.dense.weight` arrives untransposed (the table has no row for a causal-LM head, and
    the unmapped HF tensors are loaded under their own names), and no causal mask is built.

    With the transpose fixed PaddleNLP still differs from HF; with an explicit causal mask as well it agrees.
    """
    from safetensors.numpy import load_file

    name = "RobertaForCausalLM"
    inputs, expected = _hf_case(name)
    keep = inputs["attention_mask"].astype(bool)  # HF's left-padding rows are not comparable (fixtures README)
    theirs = _paddlenlp_converted(pnlp, name, name, tmp_path)
    hf = load_file(str(_hf_fixture(name) / "model.safetensors"))
    dense = theirs.lm_head.dense.weight
    assert np.array_equal(dense.numpy(), hf["lm_head.dense.weight"]), "PaddleNLP now transposes lm_head.dense.weight"
    dense.set_value(hf["lm_head.dense.weight"].T)
    off = float(np.abs(_np(_run(theirs, inputs).logits)[keep] - expected["padded/logits"][keep]).max())
    assert off > 1e-3, "PaddleNLP's causal LM now builds a causal mask: update this test"
    width = inputs["input_ids"].shape[1]
    allowed = np.tril(np.ones((width, width), "float32"))[None, None] * inputs["attention_mask"][:, None, None, :]
    paddle = _paddle()
    with paddle.no_grad():
        masked = theirs(
            input_ids=paddle.to_tensor(inputs["input_ids"]),
            attention_mask=paddle.to_tensor((1.0 - allowed) * -1e4),
            return_dict=True,
        )
    _close(_np(masked.logits)[keep], expected["padded/logits"][keep])
    ours = _ours_from_hf(name, "DistilRobertaForCausalLM")
    out = _run(ours, {**inputs, "labels": expected["padded/labels"]})
    _close(_np(out.logits)[keep], expected["padded/logits"][keep])
    _close(out.loss, expected["padded/loss"])


# --------------------------------------------------------------------------- registration (subprocesses)
def _python(code: str, tmp_path: Path, env_extra: Dict[str, str] | None = None) -> str:
    """Run `code` in a fresh interpreter (repository on sys.path); return its stdout, fail with its output."""
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])})
    env.update(env_extra or {})
    script = tmp_path / "snippet.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT
    )
    if proc.returncode != 0:
        pytest.fail(f"subprocess failed (rc={proc.returncode})\n--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-8000:]}")
    return proc.stdout


_REGISTRATION = r"""
import json, logging, sys
import numpy as np

import paddle_distilroberta
assert "paddlenlp" not in sys.modules, "import paddle_distilroberta imported paddlenlp"
from paddle_distilroberta.integrations import paddlenlp as integration
from paddle_distilroberta.configuration import DistilRobertaConfig
import paddle_distilroberta.modeling as ours

import paddlenlp.transformers as pt
assert integration.is_registered(), "register() did not run when paddlenlp.transformers was imported"
assert not any(type(f).__name__ == "_PaddleNLPImportHook" for f in sys.meta_path), "hook left on sys.meta_path"
assert pt.__spec__.loader.__class__.__name__ != "_RegisteringLoader", "paddlenlp.transformers kept the wrapper loader"
from paddlenlp.transformers.auto import modeling as auto_modeling
assert next(iter(auto_modeling.MAPPING_NAMES)) == "DistilRoberta"

tiny = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=20, type_vocab_size=1, pad_token_id=1, layer_norm_eps=1e-5)
HEADS = {
    "AutoModel": "DistilRobertaModel",
    "AutoModelForMaskedLM": "DistilRobertaForMaskedLM",
    "AutoModelForCausalLM": "DistilRobertaForCausalLM",
    "AutoModelForSequenceClassification": "DistilRobertaForSequenceClassification",
    "AutoModelForTokenClassification": "DistilRobertaForTokenClassification",
    "AutoModelForQuestionAnswering": "DistilRobertaForQuestionAnswering",
    "AutoModelForMultipleChoice": "DistilRobertaForMultipleChoice",
}
ids = np.array([[0, 5, 6, 7, 2]], "int64")
import paddle
for auto_name, cls_name in HEADS.items():
    folder = f"saved-{cls_name}"
    model = getattr(ours, cls_name)(DistilRobertaConfig(**tiny))
    model.eval()
    model.save_pretrained(folder)
    saved = json.load(open(f"{folder}/config.json"))
    assert saved["architectures"] == [cls_name] and saved["model_type"] == "distilroberta", saved
    loaded = getattr(pt, auto_name).from_pretrained(folder)
    assert type(loaded) is getattr(ours, cls_name), (auto_name, type(loaded))
    # every head Auto class loads a folder saved with another of our heads as its own head
    other = pt.AutoModelForSequenceClassification.from_pretrained(folder)
    assert type(other) is ours.DistilRobertaForSequenceClassification, type(other)
    loaded.eval()
    x = paddle.to_tensor(ids[None] if "MultipleChoice" in cls_name else ids)
    with paddle.no_grad():
        a = model(input_ids=x, return_dict=True)
        b = loaded(input_ids=x, return_dict=True)
    first = list(a.keys())[0]
    assert np.abs(a[first].numpy() - b[first].numpy()).max() == 0.0, cls_name
config = pt.AutoConfig.from_pretrained("saved-DistilRobertaModel")
assert type(config) is DistilRobertaConfig, type(config)

# built-in names: routed to our classes (the download itself is stubbed out: the test runs offline)
calls = []
def fake(cls, name, *args, **kwargs):
    calls.append((cls.__name__, name))
    return cls.__name__
originals = {}
for base in (ours.DistilRobertaPretrainedModel, DistilRobertaConfig):
    originals[base] = base.__dict__["from_pretrained"]
    base.from_pretrained = classmethod(fake)
from paddle_distilroberta.pretrained.registry import all_names
names = all_names()
assert "distilroberta-base" in names and "distilbert/distilroberta-base" in names, names
for name in ("distilroberta-base", "distilbert/distilroberta-base"):
    assert pt.AutoModel.from_pretrained(name) == "DistilRobertaModel"
    assert pt.AutoModelForSequenceClassification.from_pretrained(name) == "DistilRobertaForSequenceClassification"
    assert pt.AutoModelForQuestionAnswering.from_pretrained(name) == "DistilRobertaForQuestionAnswering"
    assert pt.AutoConfig.from_pretrained(name) == "DistilRobertaConfig"
for base, original in originals.items():
    base.from_pretrained = original

# PaddleNLP's own models are unaffected
rob = pt.RobertaModel(pt.RobertaConfig(**tiny))
rob.save_pretrained("pnlp-roberta")
assert type(pt.AutoModel.from_pretrained("pnlp-roberta")) is pt.RobertaModel
assert type(pt.AutoModelForSequenceClassification.from_pretrained("pnlp-roberta")) is pt.RobertaForSequenceClassification
assert type(pt.AutoConfig.from_pretrained("pnlp-roberta")) is pt.RobertaConfig
bert = pt.BertModel(pt.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                  intermediate_size=37, max_position_embeddings=20))
bert.save_pretrained("pnlp-bert")
assert type(pt.AutoModel.from_pretrained("pnlp-bert")) is pt.BertModel
xlmr = pt.AutoModel._get_model_class_from_config("x", None, {"architectures": ["XLMRobertaModel"]})
assert xlmr.__name__ == "XLMRobertaModel", xlmr
builtin = {n: v for k, v in pt.AutoModel._pretrained_model_dict.items() for n in k}
assert builtin["hfl/roberta-wwm-ext"] == "RobertaModel" and builtin["bert-base-uncased"] == "BertModel"
tok_builtin = {n: v for k, v in pt.AutoTokenizer._tokenizer_mapping.items() for n in k}
assert tok_builtin["roberta-base"].__name__ == "RobertaBPETokenizer", "a name PaddleNLP ships was taken over"
assert "roberta-base" not in {n for k, v in pt.AutoModel._pretrained_model_dict.items() if v.startswith("DistilRoberta") for n in k}

# idempotent: registering again changes nothing
from paddlenlp.transformers.auto.tokenizer import TOKENIZER_MAPPING
from paddlenlp.transformers.auto.configuration import CONFIG_MAPPING
def snapshot():
    autos = [getattr(pt, n) for n in auto_modeling.__all__ if getattr(getattr(pt, n, None), "_name_mapping", None) is not None]
    return (list(auto_modeling.MAPPING_NAMES.items()),
            [(list(a._name_mapping.items()), list(a._pretrained_model_dict.items())) for a in autos],
            list(pt.AutoTokenizer._tokenizer_mapping.items()), dict(TOKENIZER_MAPPING._extra_content),
            dict(CONFIG_MAPPING._extra_content), dict(pt.AutoConfig.name2class), len(sys.meta_path),
            sys.modules["paddlenlp.transformers.distilroberta"])
before = snapshot()
assert integration.register() is True and integration.register() is True
integration.install_import_hook()
assert snapshot() == before, "register() is not idempotent"
# last: task= persistently rebuilds AutoModel._name_mapping from MAPPING_NAMES (a PaddleNLP side effect)
assert type(pt.AutoModel.from_pretrained("saved-DistilRobertaModel", task="ForMaskedLM")) is ours.DistilRobertaForMaskedLM
print("REGISTRATION-OK")
"""


def test_registration_after_import(pnlp, tmp_path):
    """`import paddle_distilroberta; import paddlenlp.transformers`: Auto classes return ours for folders and names."""
    assert "REGISTRATION-OK" in _python(_REGISTRATION, tmp_path)


_TOKENIZER = r"""
import sys
import paddle_distilroberta
from paddle_distilroberta.tokenization import DistilRobertaTokenizer
import paddlenlp.transformers as pt

tok = DistilRobertaTokenizer.from_pretrained(sys.argv[1] if len(sys.argv) > 1 else BPE_DIR)
tok.save_pretrained("saved-tokenizer")
loaded = pt.AutoTokenizer.from_pretrained("saved-tokenizer")
assert type(loaded) is DistilRobertaTokenizer, type(loaded)
assert loaded("Hello world")["input_ids"] == tok("Hello world")["input_ids"]

calls = []
DistilRobertaTokenizer.from_pretrained = classmethod(lambda cls, name, *a, **k: calls.append(name) or "ours")
for name in ("distilroberta-base", "distilbert/distilroberta-base"):
    assert pt.AutoTokenizer.from_pretrained(name) == "ours", name
print("TOKENIZER-OK")
"""


def test_registration_tokenizer(pnlp, tmp_path):
    """AutoTokenizer returns our tokenizer for a folder it saved and for the registry's names."""
    bpe = SHARED_DATA / "roberta-bpe"
    if not bpe.is_dir():
        require("__missing_roberta_bpe_data__")  # skips locally, fails under CI=true
    code = _TOKENIZER.replace("BPE_DIR", repr(str(bpe)))
    assert "TOKENIZER-OK" in _python(code, tmp_path)


_TOKENIZER_BY_MODEL_TYPE = r"""
import json, shutil, sys
import paddle_distilroberta
from paddle_distilroberta import DistilRobertaConfig, DistilRobertaModel
from paddle_distilroberta.tokenization import DistilRobertaTokenizer
import paddlenlp.transformers as pt

# a folder like the official one: vocab + merges, a tokenizer_config.json without tokenizer_class, and a
# config.json saved by this package (model_type "distilroberta"): PaddleNLP 3.x then asks AutoConfig, reads
# config.tokenizer_class (None) and falls back to the tokenizer registered for the config class.
DistilRobertaModel(DistilRobertaConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                                       intermediate_size=37, max_position_embeddings=20)).save_pretrained("folder")
for name in ("vocab.json", "merges.txt"):
    shutil.copy(BPE_DIR + "/" + name, "folder")
json.dump({"model_max_length": 512}, open("folder/tokenizer_config.json", "w"))
loaded = pt.AutoTokenizer.from_pretrained("folder")
assert type(loaded) is DistilRobertaTokenizer, type(loaded)
print("MODEL-TYPE-OK")
"""


def test_registration_tokenizer_from_model_type(pnlp, tmp_path):
    """AutoTokenizer falls back to config.json's model_type when tokenizer_config.json names no class.

    Needs `DistilRobertaConfig.tokenizer_class` (None by default), which PaddleNLP reads unconditionally.
    """
    bpe = SHARED_DATA / "roberta-bpe"
    if not bpe.is_dir():
        require("__missing_roberta_bpe_data__")
    code = _TOKENIZER_BY_MODEL_TYPE.replace("BPE_DIR", repr(str(bpe)))
    assert "MODEL-TYPE-OK" in _python(code, tmp_path)


def test_registration_when_paddlenlp_imported_first(pnlp, tmp_path):
    code = """
    import paddlenlp.transformers as pt
    import paddle_distilroberta
    from paddle_distilroberta.integrations import paddlenlp as integration
    assert integration.is_registered()
    assert pt.AutoModel._get_model_class_from_config("x", None, {"architectures": ["DistilRobertaForMaskedLM"]}).__name__ == "DistilRobertaModel"
    print("FIRST-OK")
    """
    assert "FIRST-OK" in _python(code, tmp_path)


def test_registration_opt_out(pnlp, tmp_path):
    code = """
    import paddle_distilroberta, paddlenlp.transformers as pt
    from paddle_distilroberta.integrations import paddlenlp as integration
    assert not integration.is_registered() and not hasattr(pt, "DistilRobertaModel")
    print("OPTOUT-OK")
    """
    assert "OPTOUT-OK" in _python(code, tmp_path, {"PADDLE_DISTILROBERTA_NO_PADDLENLP": "1"})


def test_broken_paddlenlp_never_breaks_import(tmp_path):
    """A paddlenlp whose import fails inside (aistudio-sdk clash, P0-7): our package imports and works; a warning."""
    fake = tmp_path / "fake" / "paddlenlp"
    (fake / "transformers").mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '3.0.0b4'\nfrom . import transformers\n")
    (fake / "transformers" / "__init__.py").write_text(
        "raise ImportError(\"cannot import name 'download' from 'aistudio_sdk.hub'\")\n"
    )
    code = """
    import logging, sys
    records = []
    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)
    logging.getLogger("paddle_distilroberta").addHandler(Keep())
    import paddle_distilroberta
    from paddle_distilroberta.integrations import paddlenlp as integration
    from paddle_distilroberta.modeling import DistilRobertaModel
    try:
        import paddlenlp.transformers
    except ImportError as err:
        assert "aistudio_sdk" in str(err), err  # PaddleNLP's own error, untouched
    else:
        raise AssertionError("the fake paddlenlp imported")
    assert integration.register() is False
    assert any(r.levelno == logging.WARNING and "not importable" in r.getMessage() for r in records), records
    print("BROKEN-OK")
    """
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path / "fake"), str(REPO_ROOT)])}
    assert "BROKEN-OK" in _python(code, tmp_path, env)
