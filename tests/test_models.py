"""Every registered head on the tiny random config: shapes, losses, round trips, output API, masks.

Full numeric parity with Hugging Face lives in test_parity.py; this file checks behaviour that holds for
any weights (random ones here), so it never needs a fixture checkpoint.
"""
from __future__ import annotations


import numpy as np
import paddle
import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta.auto import TASKS, model_classes
from paddle_distilroberta.configuration import DistilRobertaConfig


B, T, C = 2, 7, 3  # batch, sequence length, choices (multiple choice)
NUM_LABELS = 3

#: Every head registered for this package's model_type: the one list the parametrized tests run over.
HEADS = {task: model_classes(task)["distilroberta"] for task in TASKS}


def tiny_config(**overrides) -> DistilRobertaConfig:
    return DistilRobertaConfig.from_pretrained("tiny-random", **overrides)


def build(task: str, **overrides) -> pdr.DistilRobertaPretrainedModel:
    paddle.seed(1234)
    overrides.setdefault("num_labels", NUM_LABELS)
    if task == "causal_lm":
        overrides.setdefault("is_decoder", True)
    model = HEADS[task](tiny_config(**overrides))
    model.eval()
    return model


def make_inputs(task: str, with_labels: bool) -> dict:
    """Token ids with one right-padded row (pad id 1, mask 0) and labels fitting the head."""
    rng = np.random.default_rng(0)
    ids = rng.integers(3, 100, size=(B, T))
    ids[:, 0], ids[:, -1] = 0, 2
    mask = np.ones((B, T), "int64")
    ids[1, 5:], mask[1, 5:] = 1, 0  # row 1: 5 real tokens, 2 pads
    if task == "multiple_choice":
        ids, mask = np.stack([ids] * C, axis=1), np.stack([mask] * C, axis=1)  # (B, C, T)
        ids[:, 1, 2] = 50  # make choices differ
    inputs = {"input_ids": paddle.to_tensor(ids, "int64"), "attention_mask": paddle.to_tensor(mask, "int64")}
    if not with_labels or task == "base":
        return inputs
    if task in ("masked_lm", "causal_lm", "token_classification"):
        high = 100 if task != "token_classification" else NUM_LABELS
        labels = rng.integers(0, high, size=(B, T))
        labels[1, 5:] = -100
        inputs["labels"] = paddle.to_tensor(labels, "int64")
    elif task == "sequence_classification":
        inputs["labels"] = paddle.to_tensor([0, 2], "int64")
    elif task == "multiple_choice":
        inputs["labels"] = paddle.to_tensor([1, 2], "int64")
    elif task == "question_answering":
        inputs["start_positions"] = paddle.to_tensor([1, 2], "int64")
        inputs["end_positions"] = paddle.to_tensor([3, 4], "int64")
    return inputs


def expected_fields(task: str) -> dict:
    """Output field -> shape, for the inputs of `make_inputs`."""
    V, H = 100, 32
    return {
        "base": {"last_hidden_state": [B, T, H], "pooler_output": [B, H]},
        "masked_lm": {"logits": [B, T, V]},
        "causal_lm": {"logits": [B, T, V]},
        "sequence_classification": {"logits": [B, NUM_LABELS]},
        "token_classification": {"logits": [B, T, NUM_LABELS]},
        "question_answering": {"start_logits": [B, T], "end_logits": [B, T]},
        "multiple_choice": {"logits": [B, C]},
    }[task]


def arrays(out) -> dict:
    return {k: v.numpy() for k, v in out.items() if isinstance(v, paddle.Tensor)}


def assert_finite(out) -> None:
    for name, value in arrays(out).items():
        assert np.isfinite(value).all(), f"{name} has NaN/inf"


def test_heads_are_registered():
    """The parametrized list is the registry's, and holds every task with a class of the expected name."""
    assert set(HEADS) == set(TASKS)
    for task, cls in HEADS.items():
        assert cls.__name__ == f"DistilRoberta{TASKS[task]}"
        assert getattr(pdr, cls.__name__) is cls


@pytest.mark.parametrize("task", sorted(HEADS))
def test_head(task, tmp_path):
    """Shapes and fields, loss with labels, no NaN, eval determinism, dropout only in train mode, bit-exact round trip."""
    model = build(task)
    fields = expected_fields(task)

    out = model(**make_inputs(task, with_labels=False))
    assert type(out).__name__.endswith("Output") or type(out).__name__.endswith("OutputWithPooling")
    assert list(out.keys()) == list(fields), "fields present without labels / hidden states / attentions"
    for name, shape in fields.items():
        assert list(getattr(out, name).shape) == shape, name
        assert getattr(out, name).dtype == paddle.float32
    assert_finite(out)

    # eval mode: identical outputs run to run
    again = model(**make_inputs(task, with_labels=False))
    for name, value in arrays(out).items():
        np.testing.assert_array_equal(value, arrays(again)[name], err_msg=name)

    # loss with labels: a finite float32 scalar, and the other fields unchanged
    if task != "base":
        labelled = model(**make_inputs(task, with_labels=True))
        assert list(labelled.keys()) == ["loss"] + list(fields)
        assert labelled.loss.shape == [] or list(labelled.loss.shape) == [1]
        assert labelled.loss.dtype == paddle.float32
        assert np.isfinite(float(labelled.loss)) and float(labelled.loss) > 0
        for name in fields:
            np.testing.assert_array_equal(labelled[name].numpy(), out[name].numpy(), err_msg=name)

    # train mode: dropout makes two runs differ; back in eval, the outputs are the eval ones again
    model.train()
    first, second = (arrays(model(**make_inputs(task, with_labels=False))) for _ in range(2))
    main = next(iter(fields))
    assert not np.array_equal(first[main], second[main]), "train mode should apply dropout"
    assert all(np.isfinite(v).all() for v in first.values())
    model.eval()
    np.testing.assert_array_equal(arrays(model(**make_inputs(task, with_labels=False)))[main], arrays(out)[main])

    # save_pretrained / from_pretrained: config.json + model.safetensors only, weights and outputs bit-exact
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    loaded = type(model).from_pretrained(tmp_path)
    assert type(loaded) is type(model)
    assert not loaded.training, "from_pretrained returns a model in eval mode"
    before, after = model.state_dict(), loaded.state_dict()
    assert sorted(before) == sorted(after)
    for name in before:
        assert before[name].dtype == after[name].dtype, name
        np.testing.assert_array_equal(before[name].numpy(), after[name].numpy(), err_msg=name)
    reloaded = arrays(loaded(**make_inputs(task, with_labels=False)))
    for name, value in arrays(out).items():
        np.testing.assert_array_equal(reloaded[name], value, err_msg=name)
    assert loaded.config.num_labels == model.config.num_labels
    assert loaded.config.architectures == [type(model).__name__]


@pytest.mark.parametrize("hf_format", [False, True], ids=["paddle-layout", "hf-layout"])
def test_untied_decoder_round_trip(tmp_path, hf_format):
    """tie_word_embeddings=False: the decoder is its own (V, H) matrix and survives both save layouts bit-exactly."""
    model = build("masked_lm", tie_word_embeddings=False)
    with paddle.no_grad():  # make the decoder differ from the word embeddings
        model.lm_head.decoder.weight.set_value(model.lm_head.decoder.weight * 3.0)
    model.save_pretrained(tmp_path, hf_format=hf_format)
    loaded = pdr.DistilRobertaForMaskedLM.from_pretrained(tmp_path)
    assert loaded.config.tie_word_embeddings is False
    np.testing.assert_array_equal(loaded.lm_head.decoder.weight.numpy(), model.lm_head.decoder.weight.numpy())
    inputs = make_inputs("masked_lm", with_labels=False)
    np.testing.assert_array_equal(loaded(**inputs).logits.numpy(), model(**inputs).logits.numpy())


@pytest.mark.parametrize("task", sorted(HEADS))
def test_backward_reaches_every_parameter(task):
    """In train mode the loss (or the outputs' sum for the base model) gives a finite gradient to every weight."""
    model = build(task)
    model.train()
    out = model(**make_inputs(task, with_labels=True))
    loss = out.loss if task != "base" else out.last_hidden_state.sum() + out.pooler_output.sum()
    loss.backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, f"{name} gets no gradient"
        assert np.isfinite(param.grad.numpy()).all(), name
    grad = model.get_input_embeddings().weight.grad.numpy()
    assert np.abs(grad).sum() > 0


def test_train_mode_dropout_follows_paddle_seed():
    """The same paddle.seed gives the same dropout masks (reproducible fine-tuning)."""
    model = build("sequence_classification")
    model.train()
    runs = []
    for _ in range(2):
        paddle.seed(99)
        runs.append(model(**make_inputs("sequence_classification", with_labels=False)).logits.numpy())
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("task", sorted(HEADS))
def test_output_object_access(task):
    """`out.x`, `out["x"]`, `out[0]` and `to_tuple()` give the same tensors (HF and PaddleNLP habits)."""
    model = build(task)
    out = model(**make_inputs(task, with_labels=task != "base"))
    names = (["loss"] if task != "base" else []) + list(expected_fields(task))
    as_tuple = out.to_tuple()
    assert len(as_tuple) == len(names)
    for i, name in enumerate(names):
        assert out[name] is getattr(out, name)
        assert out[i] is getattr(out, name)
        assert as_tuple[i] is getattr(out, name)
    assert "hidden_states" not in out and out.hidden_states is None
    with pytest.raises(KeyError):
        out["hidden_states"]


@pytest.mark.parametrize("task", sorted(HEADS))
def test_return_dict_false_order(task):
    """return_dict=False gives PaddleNLP's tuples: (loss?, logits..., hidden_states?, attentions?); a lone tensor alone.

    The order must never change (PaddlePaddle/PaddleNLP#2583 broke users and was reverted in #2647).
    """
    model = build(task)
    ref = model(**make_inputs(task, with_labels=True), output_hidden_states=True, output_attentions=True)
    main = list(expected_fields(task))

    plain = model(**make_inputs(task, with_labels=False), return_dict=False)
    if task == "base":  # RobertaModel: (sequence_output, pooled_output)
        assert isinstance(plain, tuple) and len(plain) == 2
    elif len(main) == 1:  # a single tensor, not a 1-tuple, as PaddleNLP's heads return
        assert isinstance(plain, paddle.Tensor)
        plain = (plain,)
    else:  # QA: (start_logits, end_logits)
        assert isinstance(plain, tuple) and len(plain) == 2
    for value, name in zip(plain, main):
        np.testing.assert_array_equal(value.numpy(), ref[name].numpy(), err_msg=name)

    full = model(**make_inputs(task, with_labels=True), output_hidden_states=True, output_attentions=True,
                 return_dict=False)
    names = (["loss"] if task != "base" else []) + main + ["hidden_states", "attentions"]
    assert isinstance(full, tuple) and len(full) == len(names)
    for value, name in zip(full, names):
        if name in ("hidden_states", "attentions"):
            assert len(value) == len(ref[name])
            for a, b in zip(value, ref[name]):
                np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
        else:
            np.testing.assert_array_equal(value.numpy(), ref[name].numpy(), err_msg=name)


def test_return_dict_default_from_config():
    """config.return_dict=False (PaddleNLP's default) makes tuples the default; the argument still wins."""
    model = build("sequence_classification", return_dict=False)
    inputs = make_inputs("sequence_classification", with_labels=False)
    assert isinstance(model(**inputs), paddle.Tensor)
    assert isinstance(model(**inputs, return_dict=True), pdr.modeling.SequenceClassifierOutput)


@pytest.mark.parametrize("task", sorted(HEADS))
def test_hidden_states_and_attentions(task):
    """output_hidden_states: embeddings + one per layer (layers + 1); output_attentions: one per layer."""
    model = build(task)
    out = model(**make_inputs(task, with_labels=False), output_hidden_states=True, output_attentions=True)
    layers, heads, rows = model.config.num_hidden_layers, model.config.num_attention_heads, B * (C if task == "multiple_choice" else 1)
    assert len(out.hidden_states) == layers + 1
    assert len(out.attentions) == layers
    for h in out.hidden_states:
        assert list(h.shape) == [rows, T, model.config.hidden_size]
        assert np.isfinite(h.numpy()).all()
    for a in out.attentions:
        probs = a.numpy()
        assert list(probs.shape) == [rows, heads, T, T]
        np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=0, atol=1e-5)
    # the explicit-softmax path (output_attentions) gives the fused path's numbers
    fused = model(**make_inputs(task, with_labels=False))
    main = list(expected_fields(task))[0]
    np.testing.assert_allclose(out[main].numpy(), fused[main].numpy(), rtol=1e-5, atol=1e-5)
    # the last hidden state is the encoder output the head reads
    if task == "base":
        np.testing.assert_array_equal(out.hidden_states[-1].numpy(), out.last_hidden_state.numpy())


def test_padding_keys_get_no_attention():
    """A masked key gets (numerically) zero attention probability (additive bias with the dtype's min value).

    Not exactly 0: Paddle's CPU softmax clamps `x - max` at -64, so a masked key gets about exp(-64) / Z.
    """
    model = build("base")
    out = model(**make_inputs("base", with_labels=False), output_attentions=True)
    for probs in out.attentions:
        assert probs.numpy()[1, :, :, 5:].max() < 1e-20


# ------------------------------------------------------------------ sequence classification losses
def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


@pytest.mark.parametrize(
    "num_labels, labels, problem_type",
    [
        (1, np.array([0.5, -1.25], "float32"), "regression"),
        (1, np.array([[0.5], [-1.25]], "float32"), "regression"),
        (3, np.array([2, 0], "int64"), "single_label_classification"),
        (3, np.array([[1, 0, 1], [0, 0, 1]], "float32"), "multi_label_classification"),
    ],
    ids=["regression", "regression-2d", "single_label", "multi_label"],
)
def test_sequence_classification_problem_type(num_labels, labels, problem_type):
    """problem_type=None is inferred as transformers does, and the loss equals a numpy reference."""
    model = build("sequence_classification", num_labels=num_labels)
    assert model.config.problem_type is None
    inputs = make_inputs("sequence_classification", with_labels=False)
    out = model(**inputs, labels=paddle.to_tensor(labels))
    assert model.config.problem_type == problem_type
    logits = out.logits.numpy().astype(np.float64)
    if problem_type == "regression":
        expected = np.mean((logits.reshape(-1) - labels.reshape(-1)) ** 2)
    elif problem_type == "single_label_classification":
        expected = -np.mean(_log_softmax(logits)[np.arange(len(labels)), labels])
    else:
        log_p, log_not_p = -np.logaddexp(0, -logits), -np.logaddexp(0, logits)
        expected = -np.mean(labels * log_p + (1 - labels) * log_not_p)
    np.testing.assert_allclose(float(out.loss), expected, rtol=1e-5, atol=1e-6)


def test_sequence_classification_explicit_problem_type_wins():
    """A configured problem_type is kept even when the labels' dtype would suggest another one."""
    model = build("sequence_classification", problem_type="multi_label_classification")
    inputs = make_inputs("sequence_classification", with_labels=False)
    labels = np.array([[1, 0, 0], [0, 1, 1]], "int64")
    out = model(**inputs, labels=paddle.to_tensor(labels))
    assert model.config.problem_type == "multi_label_classification"
    logits = out.logits.numpy().astype(np.float64)
    expected = np.mean(np.logaddexp(0, logits) - labels * logits)
    np.testing.assert_allclose(float(out.loss), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("task", ["masked_lm", "token_classification"])
def test_token_loss_ignores_minus_100(task):
    """Mean cross-entropy over labels != -100 only (torch semantics, not Paddle's sum / batch)."""
    model = build(task)
    inputs = make_inputs(task, with_labels=True)
    out = model(**inputs)
    labels = inputs["labels"].numpy()
    log_p = _log_softmax(out.logits.numpy())
    keep = labels != -100
    expected = -np.mean(log_p[keep, labels[keep]])
    np.testing.assert_allclose(float(out.loss), expected, rtol=1e-5, atol=1e-6)


def test_causal_lm_loss_is_shifted():
    """Causal LM: the logits at position t are scored against the label at t + 1."""
    model = build("causal_lm")
    inputs = make_inputs("causal_lm", with_labels=True)
    out = model(**inputs)
    labels = inputs["labels"].numpy()[:, 1:]
    log_p = _log_softmax(out.logits.numpy()[:, :-1])
    keep = labels != -100
    np.testing.assert_allclose(float(out.loss), -np.mean(log_p[keep, labels[keep]]), rtol=1e-5, atol=1e-6)


def test_question_answering_out_of_range_positions_ignored():
    """Positions beyond the sequence are clamped to seq_len and ignored; negative ones clamp to 0 (transformers)."""
    model = build("question_answering")
    inputs = make_inputs("question_answering", with_labels=False)
    out = model(**inputs)
    start, end = _log_softmax(out.start_logits.numpy()), _log_softmax(out.end_logits.numpy())

    def loss(s, e):
        return float(model(**inputs, start_positions=paddle.to_tensor(s, "int64"),
                           end_positions=paddle.to_tensor(e, "int64")).loss)

    # row 1 out of range for both: only row 0 counts
    expected = (-start[0, 1] - end[0, 3]) / 2
    np.testing.assert_allclose(loss([1, 100], [3, T]), expected, rtol=1e-5, atol=1e-6)
    # start of row 1 out of range, its end in range
    expected = (-start[0, 1] + (-end[0, 3] - end[1, 4]) / 2) / 2
    np.testing.assert_allclose(loss([1, T + 5], [3, 4]), expected, rtol=1e-5, atol=1e-6)
    # negative positions are clamped to 0, i.e. they count as position 0
    np.testing.assert_allclose(loss([-3, 2], [3, -1]), loss([0, 2], [3, 0]), rtol=1e-6)


# ------------------------------------------------------------------ causal mask
def test_causal_lm_future_tokens_do_not_change_the_past():
    """DistilRobertaForCausalLM: changing token 5 leaves logits 0..4 unchanged and changes logits 5.."""
    model = build("causal_lm")
    assert model.config.is_decoder
    ids = make_inputs("causal_lm", with_labels=False)["input_ids"][:1]
    changed = ids.numpy().copy()
    changed[0, 5] = 77 if changed[0, 5] != 77 else 78
    a = model(input_ids=ids).logits.numpy()
    b = model(input_ids=paddle.to_tensor(changed)).logits.numpy()
    np.testing.assert_allclose(a[:, :5], b[:, :5], rtol=0, atol=1e-6)
    assert np.abs(a[:, 5:] - b[:, 5:]).max() > 1e-3
    # the encoder (no causal mask) does see the future
    mlm = build("masked_lm")
    a = mlm(input_ids=ids).logits.numpy()
    b = mlm(input_ids=paddle.to_tensor(changed)).logits.numpy()
    assert np.abs(a[:, :5] - b[:, :5]).max() > 1e-5


def test_causal_lm_sets_is_decoder(caplog):
    """A config without is_decoder still gets a causal mask in DistilRobertaForCausalLM, with a warning."""
    with caplog.at_level("WARNING", logger="paddle_distilroberta"):
        model = pdr.DistilRobertaForCausalLM(tiny_config())
    assert model.config.is_decoder
    assert any("is_decoder" in r.getMessage() for r in caplog.records)


def test_causal_lm_attention_is_lower_triangular():
    model = build("causal_lm")
    out = model(input_ids=make_inputs("causal_lm", with_labels=False)["input_ids"], output_attentions=True)
    for probs in out.attentions:
        upper = np.triu(np.ones((T, T), bool), k=1)
        assert probs.numpy()[..., upper].max() < 1e-20  # see test_padding_keys_get_no_attention


# ------------------------------------------------------------------ parameter counts
def _lazy(cls, config, **kwargs):
    with paddle.LazyGuard():  # no memory, no random init: fast even at distilroberta-base size
        return cls(config, **kwargs)


def test_parameter_count_distilroberta_base():
    """DistilRobertaConfig() (distilroberta-base) builds exactly 82,118,400 parameters with the pooler."""
    config = DistilRobertaConfig()
    H, V = config.hidden_size, config.vocab_size
    assert _lazy(pdr.DistilRobertaModel, config).num_parameters() == 82_118_400
    encoder = _lazy(pdr.DistilRobertaModel, config, add_pooling_layer=False).num_parameters()
    assert encoder == 82_118_400 - (H * H + H)  # the pooler is one dense layer

    # MLM: encoder without pooler + lm_head dense, LayerNorm and bias; the decoder is tied (no extra V x H matrix)
    mlm = _lazy(pdr.DistilRobertaForMaskedLM, config)
    assert mlm.num_parameters() == encoder + (H * H + H) + 2 * H + V == 82_170_201
    assert mlm.roberta.pooler is None
    assert not any(name.startswith("lm_head.decoder") for name, _ in mlm.named_parameters())
    causal = _lazy(pdr.DistilRobertaForCausalLM, DistilRobertaConfig(is_decoder=True))
    assert causal.num_parameters() == mlm.num_parameters()
    # untied decoder: exactly one extra V x H matrix
    untied = _lazy(pdr.DistilRobertaForMaskedLM, DistilRobertaConfig(tie_word_embeddings=False))
    assert untied.num_parameters() == mlm.num_parameters() + V * H

    labels = config.num_labels  # 2 by default
    assert labels == 2
    seq = _lazy(pdr.DistilRobertaForSequenceClassification, config)
    assert seq.roberta.pooler is None
    assert seq.num_parameters() == encoder + (H * H + H) + (H * labels + labels)
    assert _lazy(pdr.DistilRobertaForTokenClassification, config).num_parameters() == encoder + H * labels + labels
    assert _lazy(pdr.DistilRobertaForQuestionAnswering, config).num_parameters() == encoder + H * 2 + 2
    # multiple choice keeps the pooler (as transformers' RobertaForMultipleChoice does) + a (H, 1) classifier
    assert _lazy(pdr.DistilRobertaForMultipleChoice, config).num_parameters() == 82_118_400 + H + 1


def test_mlm_decoder_is_tied_to_word_embeddings():
    """Tied decoder: changing the word embeddings changes the MLM logits through the decoder (no copy)."""
    model = build("masked_lm")
    ids = make_inputs("masked_lm", with_labels=False)["input_ids"]
    hidden = model.roberta(input_ids=ids).last_hidden_state
    emb = model.roberta.embeddings.word_embeddings.weight
    expected = model.lm_head(hidden, emb).numpy()
    np.testing.assert_array_equal(model(input_ids=ids).logits.numpy(), expected)
    lm = model.lm_head
    x = lm.layer_norm(paddle.nn.functional.gelu(lm.dense(hidden), approximate=False))
    np.testing.assert_allclose(expected, (x @ emb.T + lm.bias).numpy(), rtol=1e-5, atol=1e-5)


def test_pad_token_row_gets_no_gradient():
    """Regression: as with torch's `padding_idx`, training never changes the pad token's embedding row,
    also after resize_token_embeddings; the lookup of the pad id still returns the (loaded) row, not zeros."""
    model = build("masked_lm")
    model.train()
    pad = model.config.pad_token_id
    ids = paddle.to_tensor([[0, 5, pad, pad], [0, 6, 7, 2]])
    model(input_ids=ids, labels=ids).loss.backward()
    grad = model.get_input_embeddings().weight.grad.numpy()
    assert not grad[pad].any() and grad[5].any()
    model.clear_gradients()
    model.resize_token_embeddings(model.config.vocab_size + 3)
    model(input_ids=ids, labels=ids).loss.backward()
    assert not model.get_input_embeddings().weight.grad.numpy()[pad].any()
    model.eval()
    row = model.get_input_embeddings()(paddle.to_tensor([[pad]])).numpy()[0, 0]
    np.testing.assert_array_equal(row, model.get_input_embeddings().weight.numpy()[pad])
    assert row.any()
