"""Input checking and the input-side numerics: clear errors for bad inputs, masks, position ids, inputs_embeds."""
from __future__ import annotations

import numpy as np
import paddle
import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta import _ops, _runtime
from paddle_distilroberta.auto import TASKS, model_classes
from paddle_distilroberta.configuration import DistilRobertaConfig
from paddle_distilroberta.modeling import _attention_bias, _min_value, create_position_ids_from_input_ids




def tiny_config(**overrides) -> DistilRobertaConfig:
    return DistilRobertaConfig.from_pretrained("tiny-random", **overrides)


@pytest.fixture(scope="module")
def model() -> pdr.DistilRobertaModel:
    paddle.seed(7)
    model = pdr.DistilRobertaModel(tiny_config())
    with paddle.no_grad():  # large position embeddings: a wrong position id then changes the outputs a lot
        pos = model.embeddings.position_embeddings.weight
        pos.set_value(paddle.to_tensor(np.random.default_rng(0).standard_normal(pos.shape).astype("float32")))
    model.eval()
    return model


def ids(*rows, dtype="int64") -> paddle.Tensor:
    return paddle.to_tensor(np.array(rows), dtype)


def good_ids(batch: int = 2, length: int = 7) -> paddle.Tensor:
    rng = np.random.default_rng(1)
    x = rng.integers(3, 100, size=(batch, length))
    x[:, 0], x[:, -1] = 0, 2
    return paddle.to_tensor(x, "int64")


# ------------------------------------------------------------------ clear errors
@pytest.mark.parametrize("bad, shown", [(100, "100"), (12345, "12345"), (-1, "-1")])
def test_token_id_outside_vocab(model, bad, shown):
    x = good_ids().numpy()
    x[1, 3] = bad
    with pytest.raises(ValueError, match=rf"input_ids contains id {shown}, outside the vocabulary \[0, 100\)"):
        model(input_ids=paddle.to_tensor(x))


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_head_checks_its_inputs(task):
    """The checks run through every head (they live in the base model), not only the bare encoder."""
    head = model_classes(task)["distilroberta"](tiny_config())
    x = good_ids().numpy()
    x[0, 1] = 100
    x = paddle.to_tensor(x[:, None, :].repeat(2, axis=1) if task == "multiple_choice" else x)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        head(input_ids=x)


def test_sequence_too_long_tiny(model):
    """max_position_embeddings 20 - (pad_token_id 1 + 1) = 18 usable tokens: 18 runs, 19 is a clear error."""
    assert model(input_ids=good_ids(1, 18)).last_hidden_state.shape == [1, 18, 32]
    with pytest.raises(ValueError, match=r"Sequence length 19 is longer than this model allows \(18 tokens") as info:
        model(input_ids=good_ids(1, 19))
    assert "max_position_embeddings=20" in str(info.value) and "pad_token_id=1" in str(info.value)
    assert "truncation=True" in str(info.value)
    # the inputs_embeds path has the same limit
    with pytest.raises(ValueError, match="Sequence length 19"):
        model(inputs_embeds=paddle.zeros([1, 19, 32]))


def test_sequence_too_long_distilroberta_base():
    """Regression (transformers#2446 'index out of range in self'): 513 tokens on distilroberta-base says 512."""
    with paddle.LazyGuard():  # the check runs before any weight is read, so lazy (unallocated) weights suffice
        big = pdr.DistilRobertaModel(DistilRobertaConfig())
    with pytest.raises(ValueError, match=r"Sequence length 513 is longer than this model allows \(512 tokens") as info:
        big(input_ids=paddle.full([1, 513], 5, "int64"))
    assert "max_length=512" in str(info.value)


def test_token_type_ids_outside_type_vocab(model):
    """RoBERTa has one segment (type_vocab_size 1): BERT-style pair segment ids are refused (transformers#1538)."""
    x = good_ids()
    tt = np.zeros(x.shape, "int64")
    tt[0, 4:] = 1
    with pytest.raises(ValueError, match=r"token_type_ids contains 1, but this model has type_vocab_size=1"):
        model(input_ids=x, token_type_ids=paddle.to_tensor(tt))
    with pytest.raises(ValueError, match=r"token_type_ids contains -1"):
        model(input_ids=x, token_type_ids=paddle.full(x.shape, -1, "int64"))
    # zeros are the default
    zeros = model(input_ids=x, token_type_ids=paddle.zeros(x.shape, "int64")).last_hidden_state.numpy()
    np.testing.assert_array_equal(zeros, model(input_ids=x).last_hidden_state.numpy())


@pytest.mark.parametrize("name", ["attention_mask", "token_type_ids", "position_ids"])
@pytest.mark.parametrize("shape", [[2, 5], [1, 7], [2, 7, 1], [14]])
def test_side_input_shape_differs(model, name, shape):
    with pytest.raises(ValueError, match=rf"{name} has shape \[{', '.join(map(str, shape))}\] but the input has shape \[2, 7\]"):
        model(input_ids=good_ids(), **{name: paddle.zeros(shape, "int64") + (2 if name == "position_ids" else 0)})


def test_position_ids_outside_table(model):
    with pytest.raises(ValueError, match=r"position_ids contains 20, outside \[0, 20\)"):
        model(input_ids=good_ids(), position_ids=paddle.full([2, 7], 20, "int64"))


@pytest.mark.parametrize("dtype", ["float32", "float16", "bool"])
def test_non_integer_input_ids(model, dtype):
    with pytest.raises(TypeError, match=r"input_ids must hold integers \(int64\), got dtype"):
        model(input_ids=good_ids().astype(dtype))


def test_int32_input_ids_accepted(model):
    x = good_ids()
    np.testing.assert_array_equal(
        model(input_ids=x.astype("int32")).last_hidden_state.numpy(), model(input_ids=x).last_hidden_state.numpy()
    )


@pytest.mark.parametrize("shape", [[0, 5], [3, 0]])
def test_empty_input(model, shape):
    with pytest.raises(ValueError, match=rf"Empty input: batch size {shape[0]}, sequence length {shape[1]}"):
        model(input_ids=paddle.zeros(shape, "int64"))


def test_input_ids_wrong_rank(model):
    with pytest.raises(ValueError, match=r"input_ids must have shape \(batch, seq_len\), got \[7\]"):
        model(input_ids=good_ids()[0])
    with pytest.raises(ValueError, match=r"inputs_embeds must have shape \(batch, seq_len, 32\), got \[2, 7, 16\]"):
        model(inputs_embeds=paddle.zeros([2, 7, 16]))


def test_both_or_neither_ids_and_embeds(model):
    x = good_ids()
    with pytest.raises(ValueError, match=r"Pass exactly one of input_ids and inputs_embeds \(got both\)"):
        model(input_ids=x, inputs_embeds=model.embeddings.word_embeddings(x))
    with pytest.raises(ValueError, match=r"Pass exactly one of input_ids and inputs_embeds \(got neither\)"):
        model()
    with pytest.raises(ValueError, match=r"got neither"):
        model(attention_mask=paddle.ones([2, 7], "int64"))


def test_numpy_ids_and_masks_are_accepted_as_tensors(model):
    """Regression: `attention_mask` as numpy gave an AttributeError deep inside; numpy ids and masks now work."""
    ids = good_ids()
    mask = paddle.ones(ids.shape, "int64")
    mask[0, -2:] = 0
    want = model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()
    got = model(input_ids=ids.numpy(), attention_mask=mask.numpy()).last_hidden_state.numpy()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(model(input_ids=ids, attention_mask=mask.numpy()).last_hidden_state.numpy(), want)


def test_non_tensor_inputs_are_refused(model):
    with pytest.raises(TypeError, match=r"input_ids must be a paddle.Tensor, got list.*return_tensors='pd'"):
        model(input_ids=[[0, 5, 2]])
    with pytest.raises(TypeError, match=r"inputs_embeds must be a paddle.Tensor, got ndarray"):
        model(inputs_embeds=np.zeros([1, 3, 32], "float32"))


def test_multiple_choice_needs_choices_axis():
    head = pdr.DistilRobertaForMultipleChoice(tiny_config())
    with pytest.raises(ValueError, match=r"inputs shaped \(batch, num_choices, seq_len\), got \[2, 7\]"):
        head(input_ids=good_ids())


# ------------------------------------------------------------------ fully masked rows
def test_fully_masked_row_is_finite_float32(model):
    """A row whose attention mask is all zeros gives finite numbers (uniform attention), not NaN."""
    mask = paddle.to_tensor([[1] * 7, [0] * 7], "int64")
    out = model(input_ids=good_ids(), attention_mask=mask, output_attentions=True, output_hidden_states=True)
    for value in (out.last_hidden_state, out.pooler_output, *out.hidden_states, *out.attentions):
        assert np.isfinite(value.numpy()).all()
    fused = model(input_ids=good_ids(), attention_mask=mask)  # the SDPA path too
    assert np.isfinite(fused.last_hidden_state.numpy()).all()
    # row 0 is unaffected by row 1's mask
    alone = model(input_ids=good_ids()[:1], attention_mask=mask[:1]).last_hidden_state.numpy()
    np.testing.assert_allclose(fused.last_hidden_state.numpy()[:1], alone, rtol=1e-5, atol=1e-5)


def test_causal_left_padding_is_finite_float32():
    """Causal mask + left padding: the first query rows see only masked keys; still finite."""
    paddle.seed(3)
    head = pdr.DistilRobertaForCausalLM(tiny_config(is_decoder=True))
    head.eval()
    x = ids([1, 1, 1, 0, 7, 8, 2], [0, 5, 6, 7, 8, 9, 2])
    mask = paddle.to_tensor((x.numpy() != 1).astype("int64"))
    labels = paddle.to_tensor(np.where(x.numpy() == 1, -100, x.numpy()))
    for flag in (False, True):
        out = head(input_ids=x, attention_mask=mask, labels=labels, output_attentions=flag)
        assert np.isfinite(out.logits.numpy()).all() and np.isfinite(float(out.loss))


def _fp16_bias_from_float32(mask: paddle.Tensor) -> np.ndarray:
    """The float16 bias `_attention_bias` is meant to build: 0 where allowed, -1e4 (PaddleNLP's value) elsewhere."""
    bias32 = _attention_bias(mask, tuple(mask.shape), paddle.float32, causal=False).numpy()
    return np.where(bias32 == 0, np.float16(0), np.float16(_min_value(paddle.float16))).astype(np.float16)


def _softmax_like_attention(scores16: np.ndarray, bias16: np.ndarray) -> np.ndarray:
    """What DistilRobertaSelfAttention's explicit path (output_attentions=True) does: scores and bias cast to
    float32, added, softmax in float32. Paddle CPU has no float16 add/matmul kernels, so numpy stands in for the
    GPU here; if modeling.py changes that arithmetic, change this function to match."""
    x = scores16.astype(np.float32) + bias16.astype(np.float32)
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_attention_bias_half_precision_finite(dtype):
    """In half precision the additive mask is finite (-1e4, not -inf, not float32's min which overflows).

    Only the bias and a numpy emulation are checked: Paddle CPU has no float16/bfloat16 matmul kernels,
    so a half-precision forward pass cannot run in this (CPU) test suite.
    """
    mask = paddle.to_tensor([[1, 1, 1, 0], [0, 0, 0, 0]], "int64")
    bias = _attention_bias(mask, (2, 4), getattr(paddle, dtype), causal=False)
    assert bias.dtype == getattr(paddle, dtype)
    assert list(bias.shape) == [2, 1, 1, 4]
    values = bias.astype("float32").numpy()
    assert np.isfinite(values).all()
    assert (values[0, 0, 0, :3] == 0).all() and (values[1] < -9e3).all() and values[0, 0, 0, 3] < -9e3
    if dtype == "float16":
        assert values.min() == -10000.0
        scores = (np.random.default_rng(0).standard_normal((2, 4, 4, 4)) * 3).astype(np.float16)
        assert not np.isnan(_softmax_like_attention(scores, bias.numpy())).any()


def test_attention_bias_float16_softmax_typical_scores():
    """float16 scores + the float16 bias, softmax as the model does: no NaN, fully masked row uniform-ish, masked keys ~0."""
    mask = paddle.to_tensor([[1, 1, 1, 0], [0, 0, 0, 0]], "int64")
    bias16 = _fp16_bias_from_float32(mask)
    assert np.isfinite(bias16).all() and bias16.min() == np.float16(-1e4)
    scores = (np.random.default_rng(0).standard_normal((2, 4, 4, 4)) * 3).astype(np.float16)
    probs = _softmax_like_attention(scores, bias16)
    assert not np.isnan(probs).any()
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
    assert probs[0, :, :, 3].max() < 1e-6  # masked key of row 0


def test_attention_bias_float16_softmax_negative_scores():
    """A fully masked row whose float16 scores are strongly negative must not turn into NaN."""
    mask = paddle.to_tensor([[1, 1, 1, 0], [0, 0, 0, 0]], "int64")
    bias16 = _fp16_bias_from_float32(mask)
    scores = np.full((2, 4, 4, 4), -30.0, np.float16)
    with np.errstate(over="ignore", invalid="ignore"):
        probs = _softmax_like_attention(scores, bias16)
    assert not np.isnan(probs).any()


# ------------------------------------------------------------------ position ids
def test_position_ids_count_from_pad_plus_one():
    """Regression (transformers#10736, #19265): RoBERTa positions start at pad_token_id + 1, pads keep pad_token_id.

    Positions are a cumsum over non-pad tokens, so the real tokens get 2, 3, ... whether the row is unpadded,
    right-padded or left-padded (BERT-style 0..T-1 positions would be wrong in every case).
    """
    x = ids([0, 5, 6, 2, 1, 1], [1, 1, 0, 5, 6, 2], [0, 5, 6, 7, 8, 2])
    pos = create_position_ids_from_input_ids(x, padding_idx=1).numpy()
    np.testing.assert_array_equal(pos, [[2, 3, 4, 5, 1, 1], [1, 1, 2, 3, 4, 5], [2, 3, 4, 5, 6, 7]])
    assert pos.dtype == np.int64
    # another pad id (transformers#34528): positions start after it
    pos = create_position_ids_from_input_ids(ids([0, 5, 3, 3]), padding_idx=3).numpy()
    np.testing.assert_array_equal(pos, [[4, 5, 3, 3]])


def test_left_and_right_padding_give_the_unpadded_hidden_states(model):
    """Regression (transformers#10736): the real tokens' hidden states do not depend on where the padding is."""
    real = [0, 11, 12, 13, 14, 2]
    unpadded = model(input_ids=ids(real)).last_hidden_state.numpy()[0]
    right = ids(real + [1, 1, 1], [1, 1, 1] + real)
    mask = paddle.to_tensor((right.numpy() != 1).astype("int64"))
    out = model(input_ids=right, attention_mask=mask).last_hidden_state.numpy()
    np.testing.assert_allclose(out[0, :6], unpadded, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out[1, 3:], unpadded, rtol=1e-5, atol=1e-5)
    # BERT-style positions (0..T-1) would give other numbers: the test can see a wrong position id
    bert_style = model(input_ids=ids(real), position_ids=paddle.arange(6, dtype="int64").unsqueeze(0))
    assert np.abs(bert_style.last_hidden_state.numpy()[0] - unpadded).max() > 1e-2


@pytest.mark.parametrize("dtype", ["int32", "float32", "bool"])
def test_attention_mask_dtypes(model, dtype):
    """int64, int32, float and bool masks mean the same thing."""
    x = ids([0, 11, 12, 2, 1, 1], [0, 11, 12, 13, 14, 2])
    mask = (x.numpy() != 1).astype("int64")
    expected = model(input_ids=x, attention_mask=paddle.to_tensor(mask)).last_hidden_state.numpy()
    got = model(input_ids=x, attention_mask=paddle.to_tensor(mask.astype(dtype))).last_hidden_state.numpy()
    np.testing.assert_array_equal(got, expected)


def test_default_mask_attends_to_everything(model):
    """attention_mask=None attends to every token, pads included (transformers; PaddleNLP guessed from pad ids)."""
    x = ids([0, 11, 12, 2, 1, 1])
    none = model(input_ids=x).last_hidden_state.numpy()
    ones = model(input_ids=x, attention_mask=paddle.ones([1, 6], "int64")).last_hidden_state.numpy()
    np.testing.assert_allclose(none, ones, rtol=1e-6, atol=1e-6)


def test_inputs_embeds_path_matches_input_ids(model):
    """inputs_embeds = word_embeddings(input_ids) gives the input_ids outputs when there is no padding."""
    x = good_ids()
    embeds = model.embeddings.word_embeddings(x)
    a = model(input_ids=x, attention_mask=paddle.ones([2, 7], "int64"))
    b = model(inputs_embeds=embeds, attention_mask=paddle.ones([2, 7], "int64"))
    np.testing.assert_allclose(a.last_hidden_state.numpy(), b.last_hidden_state.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(a.pooler_output.numpy(), b.pooler_output.numpy(), rtol=1e-6, atol=1e-6)


def test_inputs_embeds_positions_are_sequential_from_pad_plus_one(model):
    """Regression (transformers#19265): with inputs_embeds there are no ids to see pads in, so positions are
    pad_token_id + 1, + 2, ... for every row, whatever the attention mask."""
    x = ids([0, 11, 12, 2, 1, 1])
    mask = paddle.to_tensor([[1, 1, 1, 1, 0, 0]], "int64")
    from_embeds = model(inputs_embeds=model.embeddings.word_embeddings(x), attention_mask=mask)
    sequential = paddle.arange(2, 8, dtype="int64").unsqueeze(0)
    explicit = model(input_ids=x, attention_mask=mask, position_ids=sequential)
    np.testing.assert_allclose(from_embeds.last_hidden_state.numpy(), explicit.last_hidden_state.numpy(),
                               rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------ positional order
def test_positional_arguments_follow_paddlenlp_order(model):
    """PaddleNLP's idiom `model(input_ids, token_type_ids)` gives the right result (it used to read the all-zero
    segment ids as an all-zero attention mask and return garbage without an error)."""
    ids = paddle.to_tensor([[0, 5, 6, 7, 2], [0, 8, 2, 1, 1]])
    mask = paddle.to_tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    want = model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()
    got = model(ids, paddle.zeros_like(ids), None, mask).last_hidden_state.numpy()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(model(ids, paddle.zeros_like(ids)).last_hidden_state.numpy(),
                                  model(input_ids=ids).last_hidden_state.numpy())


def test_transformers_positional_mask_is_refused_not_misread(model):
    """transformers' `model(input_ids, attention_mask)` lands the mask in token_type_ids: a clear error."""
    ids = paddle.to_tensor([[0, 5, 6, 7, 2], [0, 8, 2, 1, 1]])
    mask = paddle.to_tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    with pytest.raises(ValueError, match=r"attention mask passed positionally.*attention_mask=\.\.\. by keyword"):
        model(ids, mask)


def test_arguments_after_attention_mask_are_keyword_only(model):
    ids = paddle.to_tensor([[0, 5, 2]])
    with pytest.raises(TypeError):
        model(ids, None, None, None, None)
    head = pdr.DistilRobertaForSequenceClassification(tiny_config(num_labels=2))
    with pytest.raises(TypeError):
        head(ids, None, None, None, None, paddle.to_tensor([1]))


def test_float_labels_for_single_label_classification_are_refused():
    """Regression: float labels [0.9, 1.9] silently gave the loss of [0, 1] (transformers raises)."""
    head = pdr.DistilRobertaForSequenceClassification(tiny_config(num_labels=3, problem_type="single_label_classification"))
    with pytest.raises(ValueError, match=r"integer class ids.*float32"):
        head(input_ids=good_ids(), labels=paddle.to_tensor([0.9, 1.9]))
    assert head(input_ids=good_ids(), labels=paddle.to_tensor([0, 1])).loss is not None


def test_resize_below_the_ids_in_use_warns(caplog):
    """Regression: resize_token_embeddings(len(tokenizer)) after add_tokens shrank the embedding below <mask>
    (RoBERTa's vocabulary has id holes, so len(tokenizer) < max id + 1) without a word."""
    head = pdr.DistilRobertaForMaskedLM(tiny_config())
    with caplog.at_level("WARNING", logger="paddle_distilroberta"):
        head.resize_token_embeddings(head.config.vocab_size + 2)
    assert not caplog.records
    with caplog.at_level("WARNING", logger="paddle_distilroberta"):
        head.resize_token_embeddings(50)
    assert any("shrinks the word embeddings from 102 rows" in r.getMessage() and "max_token_id + 1" in r.getMessage()
               for r in caplog.records)


def test_input_checks_read_back_to_the_host_once_per_forward(model, monkeypatch):
    """Every value check (ids, token types, positions in range; is anything masked) costs one host read in all,
    not one per check: each read waits for the device, which stalls a GPU pipeline."""
    reads, depth = [], [0]
    for name in ("numpy", "tolist", "item", "__bool__", "__int__", "__float__", "__index__"):
        original = getattr(paddle.Tensor, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            if not depth[0]:  # outermost call only (tolist() reads through numpy())
                reads.append(_name)
            depth[0] += 1
            try:
                return _original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(paddle.Tensor, name, spy)
    x = good_ids()
    mask = paddle.to_tensor([[1] * 7, [1] * 5 + [0] * 2], "int64")
    positions = paddle.arange(2, 9, dtype="int64").unsqueeze(0).expand([2, 7])
    monkeypatch.setattr(_ops, "_SPLIT_MIN_ELEMENTS", 0)  # the inference-only attention path runs here too
    monkeypatch.setattr(_runtime, "op_threads", lambda: 2)
    for kwargs in ({}, {"attention_mask": mask}, {"attention_mask": paddle.ones_like(x)},
                   {"attention_mask": mask, "token_type_ids": paddle.zeros_like(x), "position_ids": positions}):
        for grad in (True, False):
            reads.clear()
            with paddle.set_grad_enabled(grad):
                model(input_ids=x, **kwargs)
            assert len(reads) == 1, (sorted(kwargs), grad, reads)
    monkeypatch.undo()
    # and the checks still see every value: an all-ones mask gives the same states as no mask
    np.testing.assert_array_equal(model(input_ids=x, attention_mask=paddle.ones_like(x))[0].numpy(),
                                  model(input_ids=x)[0].numpy())
