"""DistilRoBERTa / RoBERTa in Paddle: embeddings, attention, encoder, pooler, base model and task heads.

The layer attributes carry the Hugging Face checkpoint names (`embeddings.word_embeddings`,
`encoder.layer.{i}.attention.self.query`, `lm_head.dense`, ...), so converting a checkpoint is a
rename-free transpose of the Linear weights (see `pretrained/mapping.py`). `LayerNorm` keeps HF's
capitalised name. This module knows nothing about files or downloads: `from_pretrained` and
`save_pretrained` live in `DistilRobertaPretrainedModel`, which hands over to `pretrained/loading.py`.

Inputs shared by every model (the "Inputs" section the heads refer to). Positional arguments follow PaddleNLP's
order, `model(input_ids, token_type_ids, position_ids, attention_mask)`; everything after them is keyword-only.
transformers' positional order differs (`(input_ids, attention_mask, ...)`): a mask passed second lands in
`token_type_ids`, whose values RoBERTa (type_vocab_size 1) allows only as zeros, so such a call is refused with an
error that says so, never silently misread. Keywords work the same in both worlds: prefer them.
    input_ids: int64 (B, T) token ids, or None when `inputs_embeds` is given.
    attention_mask: (B, T) 1 for tokens to attend to, 0 for padding. None attends to every token
        (as transformers does; PaddleNLP instead guessed the mask from pad ids: pass it explicitly).
    token_type_ids: (B, T) segment ids, all zeros for RoBERTa (type_vocab_size 1); None means zeros.
    position_ids: (B, T) explicit positions; None counts them from pad_token_id + 1, pads keep pad_token_id.
    inputs_embeds: float (B, T, H) instead of input_ids.
    output_attentions / output_hidden_states: also return every layer's attention maps / hidden states.
    return_dict: return an output object (default, `config.return_dict`) or a tuple in PaddleNLP's order.
"""
from __future__ import annotations

import logging
import math
import os
from typing import Any, Optional, Tuple, Union

import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from . import _ops, _runtime
from .pretrained import loading
from .configuration import DistilRobertaConfig
from .outputs import (
    BaseModelOutputWithPooling,
    CausalLMOutput,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)

__all__ = [
    "DistilRobertaPretrainedModel",
    "DistilRobertaModel",
    "DistilRobertaForMaskedLM",
    "DistilRobertaForCausalLM",
    "DistilRobertaForSequenceClassification",
    "DistilRobertaForTokenClassification",
    "DistilRobertaForQuestionAnswering",
    "DistilRobertaForMultipleChoice",
]

Tensor = paddle.Tensor
logger = logging.getLogger(__name__)
_runtime.apply_cpu_defaults()  # threads = usable cores; MKL's AVX2 path on AMD (see _runtime.py)

_ACTIVATIONS = {
    "gelu": lambda x: F.gelu(x, approximate=False),
    "gelu_new": lambda x: F.gelu(x, approximate=True),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate=True),
    "gelu_fast": lambda x: F.gelu(x, approximate=True),
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "tanh": paddle.tanh,
}


def create_position_ids_from_input_ids(input_ids: Tensor, padding_idx: int) -> Tensor:
    """RoBERTa/fairseq positions: real tokens count from padding_idx + 1, padding keeps padding_idx.

    Regression (transformers#10736, #19265): positions are NOT 0..T-1 as in BERT.
    """
    mask = (input_ids != padding_idx).astype("int64")
    return paddle.cumsum(mask, axis=1) * mask + padding_idx


def _linear(config: DistilRobertaConfig, in_features: int, out_features: int, bias: bool = True) -> nn.Linear:
    """A Linear initialised as transformers does: weight ~ N(0, initializer_range), bias 0."""
    weight_attr = paddle.ParamAttr(initializer=nn.initializer.Normal(std=config.initializer_range))
    bias_attr = paddle.ParamAttr(initializer=nn.initializer.Constant(0.0)) if bias else False
    return _ops.Linear(in_features, out_features, weight_attr=weight_attr, bias_attr=bias_attr)


def _embedding(config: DistilRobertaConfig, num: int, dim: int) -> nn.Embedding:
    weight_attr = paddle.ParamAttr(initializer=nn.initializer.Normal(std=config.initializer_range))
    return nn.Embedding(num, dim, weight_attr=weight_attr)


class _ZeroRowGrad:
    """Gradient hook: the row of the pad token never changes in training, as with torch's `padding_idx`.

    (Paddle's own `padding_idx` would also make the lookup of that id output zeros, which checkpoints
    trained in torch do not expect, so the word embedding has none and this hook instead.)
    """

    def __init__(self, row: int) -> None:
        self.row = row

    def __call__(self, grad: Tensor) -> Tensor:
        mask = paddle.ones([grad.shape[0], 1], dtype=grad.dtype)
        mask[self.row] = 0
        return grad * mask


def _word_embedding(config: DistilRobertaConfig, num: int) -> nn.Embedding:
    embedding = _embedding(config, num, config.hidden_size)
    if 0 <= config.pad_token_id < num:
        embedding.weight.register_hook(_ZeroRowGrad(config.pad_token_id))
    return embedding


def _layer_norm(config: DistilRobertaConfig) -> nn.LayerNorm:
    return nn.LayerNorm(config.hidden_size, epsilon=config.layer_norm_eps)


def _min_value(dtype: Any) -> float:
    """The additive-mask value: the most negative finite float32/float64 (as transformers), -1e4 in half precision.

    In float16, -65504 + a score below -16 rounds to -inf, and a fully masked row would turn to NaN;
    -1e4 (PaddleNLP's value) still gives masked keys exactly zero weight after the float32 softmax.
    """
    name = str(dtype).replace("paddle.", "")
    if name in ("float16", "bfloat16"):
        return -1e4
    return float(np.finfo(np.float64 if name == "float64" else np.float32).min)


# ----------------------------------------------------------------------------- layers
class DistilRobertaEmbeddings(nn.Layer):
    """Word + position + token-type embeddings, LayerNorm, dropout."""

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.word_embeddings = _word_embedding(config, config.vocab_size)
        self.position_embeddings = _embedding(config, config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = _embedding(config, config.type_vocab_size, config.hidden_size)
        self.LayerNorm = _layer_norm(config)
        self.dropout = _ops.Dropout(config.hidden_dropout_prob)
        self.padding_idx = config.pad_token_id

    def forward(
        self,
        input_ids: Optional[Tensor] = None,
        token_type_ids: Optional[Tensor] = None,
        position_ids: Optional[Tensor] = None,
        inputs_embeds: Optional[Tensor] = None,
    ) -> Tensor:
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)  # (B, T, H)
        if position_ids is None:
            if input_ids is not None:
                position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
            else:  # no ids, so no padding to see: sequential positions from padding_idx + 1 (transformers#19265)
                seq = paddle.arange(self.padding_idx + 1, inputs_embeds.shape[1] + self.padding_idx + 1, dtype="int64")
                position_ids = seq.unsqueeze(0).expand(inputs_embeds.shape[:2])
        if token_type_ids is None:
            token_type_ids = paddle.zeros(inputs_embeds.shape[:2], dtype="int64")
        embeddings = inputs_embeds + self.position_embeddings(position_ids) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(embeddings))


class DistilRobertaSelfAttention(nn.Layer):
    """Multi-head self-attention: Paddle's fused SDPA kernel on GPU, explicit softmax on CPU or when attention
    maps are asked for (both match transformers to 1e-5)."""

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.query = _linear(config, config.hidden_size, config.hidden_size)
        self.key = _linear(config, config.hidden_size, config.hidden_size)
        self.value = _linear(config, config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob
        self.dropout = _ops.Dropout(config.attention_probs_dropout_prob)

    def forward(
        self, hidden_states: Tensor, attn_bias: Optional[Tensor], output_attentions: bool = False
    ) -> Tuple[Tensor, Optional[Tensor]]:
        shape = [0, 0, self.num_heads, self.head_dim]  # 0 keeps B and T (shape-agnostic for export)
        if not output_attentions and _ops.use_fused_attention(hidden_states):
            q, k, v = (layer(hidden_states).reshape(shape) for layer in (self.query, self.key, self.value))
            context = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attn_bias, dropout_p=self.dropout_p if self.training else 0.0, training=self.training
            )  # (B, T, nh, hd)
            return context.reshape([0, 0, self.num_heads * self.head_dim]), None
        # explicit attention; the scale is folded into q (exact for head_dim 64: a power of two)
        q = self.query(hidden_states) * (1.0 / math.sqrt(self.head_dim))
        q, k, v = (_ops.swap_heads_and_tokens(x.reshape(shape)) for x in (q, self.key(hidden_states), self.value(hidden_states)))
        scores = paddle.matmul(q, k, transpose_y=True)  # (B, nh, T, T)
        if scores.dtype != paddle.float32:  # masked and softmaxed in float32: no overflow in half precision
            scores = scores.astype("float32")
        if attn_bias is not None:
            scores = _ops.add_bias(scores, attn_bias if attn_bias.dtype == paddle.float32 else attn_bias.astype("float32"))
        probs = _ops.softmax_last_axis(scores)
        if probs.dtype != q.dtype:
            probs = probs.astype(q.dtype)
        context = _ops.swap_heads_and_tokens(paddle.matmul(self.dropout(probs), v))  # (B, T, nh, hd)
        return context.reshape([0, 0, self.num_heads * self.head_dim]), probs if output_attentions else None


class DistilRobertaSelfOutput(nn.Layer):
    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.dense = _linear(config, config.hidden_size, config.hidden_size)
        self.LayerNorm = _layer_norm(config)
        self.dropout = _ops.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: Tensor, input_tensor: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class DistilRobertaAttention(nn.Layer):
    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.self = DistilRobertaSelfAttention(config)
        self.output = DistilRobertaSelfOutput(config)

    def forward(self, hidden_states: Tensor, attn_bias: Optional[Tensor], output_attentions: bool = False):
        context, probs = self.self(hidden_states, attn_bias, output_attentions)
        return self.output(context, hidden_states), probs


class DistilRobertaIntermediate(nn.Layer):
    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.dense = _linear(config, config.hidden_size, config.intermediate_size)
        self.act = _ACTIVATIONS[config.hidden_act]

    def forward(self, hidden_states: Tensor) -> Tensor:
        return self.act(self.dense(hidden_states))


class DistilRobertaOutput(DistilRobertaSelfOutput):
    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__(config)
        self.dense = _linear(config, config.intermediate_size, config.hidden_size)


class DistilRobertaLayer(nn.Layer):
    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.attention = DistilRobertaAttention(config)
        self.intermediate = DistilRobertaIntermediate(config)
        self.output = DistilRobertaOutput(config)

    def forward(self, hidden_states: Tensor, attn_bias: Optional[Tensor], output_attentions: bool = False):
        attention_output, probs = self.attention(hidden_states, attn_bias, output_attentions)
        return self.output(self.intermediate(attention_output), attention_output), probs


class DistilRobertaEncoder(nn.Layer):
    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.layer = nn.LayerList([DistilRobertaLayer(config) for _ in range(config.num_hidden_layers)])
        self.num_heads = config.num_attention_heads
        # Gradient checkpointing: each layer's activations are recomputed in backward instead of kept. The name is
        # PaddleNLP's: its Trainer(recompute=True) sets every `enable_recompute` it finds; or call the model's
        # gradient_checkpointing_enable().
        self.enable_recompute = False

    def forward(
        self, hidden_states: Tensor, attn_bias: Optional[Tensor], output_attentions: bool, output_hidden_states: bool
    ):
        all_hidden = (hidden_states,) if output_hidden_states else None
        all_attn = () if output_attentions else None
        if output_attentions or not _ops.use_fused_attention(hidden_states):
            attn_bias = _ops.tile_attention_bias(attn_bias, self.num_heads, hidden_states.shape[1])
        recompute = self.enable_recompute and self.training and not output_attentions and paddle.in_dynamic_mode()
        for layer in self.layer:
            if recompute and not hidden_states.stop_gradient:
                from paddle.distributed.fleet.utils import recompute as _recompute

                # dropout masks are replayed (preserve_rng_state), so gradients equal the stored-activation run
                hidden_states, probs = _recompute(lambda h, b, _layer=layer: _layer(h, b, False)[0],
                                                  hidden_states, attn_bias, preserve_rng_state=True), None
            else:
                hidden_states, probs = layer(hidden_states, attn_bias, output_attentions)
            if output_hidden_states:
                all_hidden += (hidden_states,)
            if output_attentions:
                all_attn += (probs,)
        return hidden_states, all_hidden, all_attn


class DistilRobertaPooler(nn.Layer):
    """tanh(dense(hidden state of <s>)). The official MLM checkpoints carry no weights for it."""

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.dense = _linear(config, config.hidden_size, config.hidden_size)

    def forward(self, hidden_states: Tensor) -> Tensor:
        return paddle.tanh(self.dense(hidden_states[:, 0]))


# ----------------------------------------------------------------------------- base
class DistilRobertaPretrainedModel(nn.Layer):
    """Base of every model: config handling, weight loading and saving, input checks.

    `from_pretrained` / `save_pretrained` are documented in `pretrained/loading.py`.
    """

    config_class = DistilRobertaConfig
    base_model_prefix = "roberta"
    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        if not isinstance(config, DistilRobertaConfig):
            raise TypeError(
                f"{type(self).__name__} takes a DistilRobertaConfig, got {type(config).__name__}; "
                "build one with DistilRobertaConfig(...) or DistilRobertaConfig.from_pretrained(path)."
            )
        self.config = config

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Union[str, os.PathLike], *args: Any, **kwargs: Any):
        """Load a model: see `paddle_distilroberta.pretrained.loading.from_pretrained`."""
        model = loading.from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs)
        _runtime.release_free_memory()  # the loader's freed buffers go back to the kernel (see _runtime.py)
        return model

    def save_pretrained(self, save_directory: Union[str, os.PathLike], **kwargs: Any):
        """Save config + weights: see `paddle_distilroberta.pretrained.loading.save_pretrained`."""
        return loading.save_pretrained(self, save_directory, **kwargs)

    def to_predictor(self, **kwargs: Any):
        """This model as a Paddle Inference predictor called like it (precision="float32"|"bfloat16"|"int8",
        device=None, cache_dir=None): see `paddle_distilroberta.inference.to_predictor`."""
        from . import inference

        return inference.to_predictor(self, **kwargs)

    @classmethod
    def checkpoint_class(cls, config: DistilRobertaConfig) -> type:
        """The class of this file whose parameters a checkpoint with `config` holds, from the last entry of its
        `architectures` by task suffix (`RobertaForMaskedLM` -> DistilRobertaForMaskedLM); the base model if none
        matches. The loader converts a download with it, so that every tensor of the checkpoint is kept."""
        arch = (config.architectures or [""])[-1]
        for head in _CHECKPOINT_CLASSES:
            if arch.endswith(head.__name__[len("DistilRoberta"):]):
                return head
        return DistilRobertaModel

    @property
    def base_model(self) -> "DistilRobertaModel":
        return getattr(self, self.base_model_prefix, self)

    supports_gradient_checkpointing = True

    def gradient_checkpointing_enable(self, gradient_checkpointing_kwargs: Optional[dict] = None) -> None:
        """Recompute each encoder layer in backward (training only): less activation memory, one more forward.

        Same switch as PaddleNLP's `TrainingArguments(recompute=True)` (the encoder's `enable_recompute`).
        `gradient_checkpointing_kwargs` is accepted for transformers compatibility and must be empty.
        """
        if gradient_checkpointing_kwargs:
            raise ValueError(f"gradient_checkpointing_kwargs are not supported here: {sorted(gradient_checkpointing_kwargs)}")
        for layer in self.sublayers(include_self=True):
            if isinstance(layer, DistilRobertaEncoder):
                layer.enable_recompute = True

    def gradient_checkpointing_disable(self) -> None:
        """Keep the activations again (the default)."""
        for layer in self.sublayers(include_self=True):
            if isinstance(layer, DistilRobertaEncoder):
                layer.enable_recompute = False

    @property
    def is_gradient_checkpointing(self) -> bool:
        return any(getattr(layer, "enable_recompute", False) for layer in self.sublayers(include_self=True)
                   if isinstance(layer, DistilRobertaEncoder))

    def get_input_embeddings(self) -> nn.Embedding:
        return self.base_model.embeddings.word_embeddings

    def num_parameters(self, only_trainable: bool = False) -> int:
        params = self.parameters()
        return int(sum(int(np.prod(p.shape)) for p in params if not (only_trainable and p.stop_gradient)))

    def resize_token_embeddings(self, new_num_tokens: int) -> nn.Embedding:
        """Grow or shrink the word embeddings (after `tokenizer.add_tokens`); new rows ~ N(0, initializer_range)."""
        old = self.get_input_embeddings()
        old_num, dim = old.weight.shape
        if new_num_tokens < old_num:
            logger.warning(
                "resize_token_embeddings(%d) shrinks the word embeddings from %d rows: ids %d..%d will be out of "
                "range (RoBERTa's <mask> is id 50264). RoBERTa's vocabulary has id holes, so len(tokenizer) is smaller "
                "than the largest id: after tokenizer.add_tokens(...) pass tokenizer.max_token_id + 1 instead.",
                new_num_tokens, old_num, new_num_tokens, old_num - 1,
            )
        new = _word_embedding(self.config, new_num_tokens)
        keep = min(old_num, new_num_tokens)
        with paddle.no_grad():
            weight = new.weight.numpy()
            weight[:keep] = old.weight.numpy()[:keep]
            new.weight.set_value(weight.astype(weight.dtype))
        self.base_model.embeddings.word_embeddings = new
        self.config.vocab_size = new_num_tokens
        lm_head = getattr(self, "lm_head", None)
        if lm_head is not None:
            lm_head.resize(new_num_tokens)
        return new

    def _init_new_weights(self, names: Any) -> None:
        """(Re-)initialise the named parameters as a fresh model would (used for heads a checkpoint lacks)."""
        params = dict(self.named_parameters())
        std = self.config.initializer_range
        for name in names:
            param = params[name]
            shape = list(param.shape)
            if name.endswith("LayerNorm.weight") or name.endswith("layer_norm.weight"):
                value = paddle.ones(shape, "float32")
            elif name.endswith(".bias") or len(shape) == 1:
                value = paddle.zeros(shape, "float32")
            else:
                value = paddle.normal(0.0, std, shape)  # Paddle's RNG, so paddle.seed makes it reproducible
            param.set_value(value.astype(param.dtype))

    # ---------------------------------------------------------------- inputs
    def _output_flags(self, output_attentions, output_hidden_states, return_dict):
        cfg = self.config
        return (
            cfg.output_attentions if output_attentions is None else output_attentions,
            cfg.output_hidden_states if output_hidden_states is None else output_hidden_states,
            cfg.use_return_dict if return_dict is None else return_dict,
        )

    def _encode(self, input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                output_attentions, output_hidden_states, return_dict):
        """For the heads: run `self.roberta` on the shared inputs; return (its output object, resolved return_dict)."""
        output_attentions, output_hidden_states, return_dict = self._output_flags(
            output_attentions, output_hidden_states, return_dict
        )
        outputs = self.roberta(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                               position_ids=position_ids, inputs_embeds=inputs_embeds,
                               output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                               return_dict=True)
        return outputs, return_dict


def _as_tensor(value: Any) -> Any:
    """A numpy array of ids or mask values becomes a tensor (as `return_tensors="np"` gives them); else kept."""
    if isinstance(value, np.ndarray) and paddle.in_dynamic_mode():
        return paddle.to_tensor(value)
    return value


def _check_inputs(
    config: DistilRobertaConfig,
    input_ids: Optional[Tensor],
    attention_mask: Optional[Tensor],
    token_type_ids: Optional[Tensor],
    position_ids: Optional[Tensor],
    inputs_embeds: Optional[Tensor],
) -> bool:
    """Turn the usual mistakes into clear errors instead of index crashes or silent garbage (dygraph only).

    Returns True when an attention_mask is given and masks nothing (the caller then skips the bias).
    """
    if (input_ids is None) == (inputs_embeds is None):
        raise ValueError(
            "Pass exactly one of input_ids and inputs_embeds (got "
            + ("both" if input_ids is not None else "neither")
            + ")."
        )
    if not paddle.in_dynamic_mode():
        return False  # static graph / export: no Python checks on tensor values
    ref = input_ids if input_ids is not None else inputs_embeds
    if not isinstance(ref, paddle.Tensor):
        raise TypeError(
            f"{'input_ids' if input_ids is not None else 'inputs_embeds'} must be a paddle.Tensor, got "
            f"{type(ref).__name__}; use tokenizer(..., return_tensors='pd' or 'np') or paddle.to_tensor(...)."
        )
    if input_ids is not None:
        if input_ids.dtype not in (paddle.int64, paddle.int32):
            raise TypeError(f"input_ids must hold integers (int64), got dtype {input_ids.dtype}.")
        if input_ids.ndim != 2:
            raise ValueError(f"input_ids must have shape (batch, seq_len), got {list(input_ids.shape)}.")
    elif inputs_embeds.ndim != 3 or inputs_embeds.shape[-1] != config.hidden_size:
        raise ValueError(
            f"inputs_embeds must have shape (batch, seq_len, {config.hidden_size}), got {list(inputs_embeds.shape)}."
        )
    batch, seq_len = ref.shape[0], ref.shape[1]
    if batch == 0 or seq_len == 0:
        raise ValueError(f"Empty input: batch size {batch}, sequence length {seq_len}.")
    if position_ids is None and seq_len > config.max_sequence_length:
        raise ValueError(
            f"Sequence length {seq_len} is longer than this model allows ({config.max_sequence_length} tokens: "
            f"max_position_embeddings={config.max_position_embeddings} and positions start after "
            f"pad_token_id={config.pad_token_id}). Truncate the input, e.g. tokenizer(..., truncation=True, "
            f"max_length={config.max_sequence_length})."
        )
    for name, tensor in (("attention_mask", attention_mask), ("token_type_ids", token_type_ids), ("position_ids", position_ids)):
        if tensor is not None and list(tensor.shape) != [batch, seq_len]:
            raise ValueError(f"{name} has shape {list(tensor.shape)} but the input has shape {[batch, seq_len]}.")
    # the value checks read back one small tensor: one host sync per forward (it stalls a GPU), not one per check
    ranged = [t for t in (input_ids, token_type_ids, position_ids) if t is not None]
    parts = [bound.astype("int64") for t in ranged for bound in (t.min(), t.max())]
    if attention_mask is not None:
        parts.append(attention_mask.astype("bool").all().astype("int64"))
    values = paddle.stack(parts).tolist() if parts else []
    ranges = {id(t): (values[2 * i], values[2 * i + 1]) for i, t in enumerate(ranged)}
    if input_ids is not None:
        lo, hi = ranges[id(input_ids)]
        if lo < 0 or hi >= config.vocab_size:
            bad = hi if hi >= config.vocab_size else lo
            raise ValueError(
                f"input_ids contains id {bad}, outside the vocabulary [0, {config.vocab_size}); "
                "check the tokenizer matches the model (or call model.resize_token_embeddings after add_tokens)."
            )
    if token_type_ids is not None:
        lo, hi = ranges[id(token_type_ids)]
        if lo < 0 or hi >= config.type_vocab_size:
            hint = ""
            if config.type_vocab_size == 1 and lo >= 0 and hi == 1:
                hint = (" A 0/1 tensor here is usually an attention mask passed positionally: positional arguments "
                        "follow PaddleNLP's order (input_ids, token_type_ids, position_ids, attention_mask); "
                        "pass attention_mask=... by keyword.")
            raise ValueError(
                f"token_type_ids contains {hi if hi >= config.type_vocab_size else lo}, but this model has "
                f"type_vocab_size={config.type_vocab_size} (RoBERTa has a single segment: use zeros or omit them).{hint}"
            )
    if position_ids is not None:
        lo, hi = ranges[id(position_ids)]
        if lo < 0 or hi >= config.max_position_embeddings:
            raise ValueError(
                f"position_ids contains {hi if hi >= config.max_position_embeddings else lo}, outside "
                f"[0, {config.max_position_embeddings})."
            )
    return attention_mask is not None and bool(values[-1])


def _attention_bias(
    attention_mask: Optional[Tensor], shape: Tuple[int, int], dtype: Any, causal: bool
) -> Optional[Tensor]:
    """Additive bias (B, 1, 1|T, T): 0 where attention is allowed, the dtype's most negative finite value elsewhere.

    A finite value (not -inf) keeps fully masked rows finite (uniform attention), also in float16.
    """
    if attention_mask is None and not causal:
        return None
    allowed = None
    if attention_mask is not None:
        allowed = attention_mask.astype("bool").unsqueeze([1, 2])  # (B, 1, 1, T)
    if causal:
        seq_len = shape[1]
        tril = paddle.tril(paddle.ones([seq_len, seq_len], dtype="bool")).unsqueeze([0, 1])  # (1, 1, T, T)
        allowed = tril if allowed is None else paddle.logical_and(allowed, tril)
    # built in float32 (Paddle's CPU `where` has no half kernels), then cast; the values are exact in every dtype
    work = "float64" if str(dtype).endswith("float64") else "float32"
    zero = paddle.zeros([1], dtype=work)
    neg = paddle.full([1], _min_value(dtype), dtype=work)
    return paddle.where(allowed, zero, neg).astype(dtype)


class DistilRobertaModel(DistilRobertaPretrainedModel):
    """The bare encoder: embeddings, transformer layers and an optional pooler.

    `return_dict=False` returns `(sequence_output, pooled_output, hidden_states?, attentions?)` as
    PaddleNLP's RobertaModel does (pooled_output is None without a pooler).
    """

    def __init__(self, config: DistilRobertaConfig, add_pooling_layer: bool = True) -> None:
        super().__init__(config)
        self.embeddings = DistilRobertaEmbeddings(config)
        self.encoder = DistilRobertaEncoder(config)
        self.pooler = DistilRobertaPooler(config) if add_pooling_layer else None

    @property
    def base_model(self) -> "DistilRobertaModel":
        return self

    def forward(
        self,
        input_ids: Optional[Tensor] = None,
        token_type_ids: Optional[Tensor] = None,
        position_ids: Optional[Tensor] = None,
        attention_mask: Optional[Tensor] = None,
        *,
        inputs_embeds: Optional[Tensor] = None,
        output_attentions: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        return_dict: Optional[bool] = None,
    ):
        output_attentions, output_hidden_states, return_dict = self._output_flags(
            output_attentions, output_hidden_states, return_dict
        )
        # one call per input, not a generator: paddle.jit.to_static cannot convert a generator here (export breaks)
        input_ids, token_type_ids = _as_tensor(input_ids), _as_tensor(token_type_ids)
        position_ids, attention_mask = _as_tensor(position_ids), _as_tensor(attention_mask)
        if _check_inputs(self.config, input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds):
            attention_mask = None  # nothing is masked: skip the additive bias (same numbers, less work)
        hidden = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)  # (B, T, H)
        bias = _attention_bias(attention_mask, hidden.shape[:2], hidden.dtype, causal=self.config.is_decoder)
        sequence_output, all_hidden, all_attn = self.encoder(hidden, bias, output_attentions, output_hidden_states)
        pooled = self.pooler(sequence_output) if self.pooler is not None else None
        if not return_dict:
            extra = tuple(x for x in (all_hidden, all_attn) if x is not None)
            return (sequence_output, pooled) + extra
        return BaseModelOutputWithPooling(
            last_hidden_state=sequence_output, pooler_output=pooled, hidden_states=all_hidden, attentions=all_attn
        )


# ----------------------------------------------------------------------------- heads
def _head_output(return_dict: bool, output_cls: type, loss: Optional[Tensor], main: Tuple[Tensor, ...], outputs: Any, names: Tuple[str, ...]):
    """Pack a head's result: an output object, or PaddleNLP's tuple `(loss?, *main, hidden_states?, attentions?)`.

    As in PaddleNLP, a tuple of a single tensor is returned as that tensor.
    """
    hidden_states, attentions = outputs.hidden_states, outputs.attentions
    if return_dict:
        return output_cls(loss=loss, **dict(zip(names, main)), hidden_states=hidden_states, attentions=attentions)
    result = main + tuple(x for x in (hidden_states, attentions) if x is not None)
    if loss is not None:
        return (loss,) + result
    return result[0] if len(result) == 1 else result


class DistilRobertaLMHead(nn.Layer):
    """dense -> gelu -> LayerNorm -> decoder. The decoder weight is the word-embedding matrix (tied)."""

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        self.dense = _linear(config, config.hidden_size, config.hidden_size)
        self.layer_norm = _layer_norm(config)
        self.bias = self.create_parameter([config.vocab_size], default_initializer=nn.initializer.Constant(0.0), is_bias=True)
        self.decoder = None if config.tie_word_embeddings else _linear(config, config.hidden_size, config.vocab_size, bias=False)

    def forward(self, features: Tensor, word_embeddings: Tensor) -> Tensor:
        x = self.layer_norm(F.gelu(self.dense(features), approximate=False))
        if self.decoder is None:
            return paddle.matmul(x, word_embeddings, transpose_y=True) + self.bias  # (B, T, V)
        return self.decoder(x) + self.bias

    def resize(self, new_num_tokens: int) -> None:
        old = self.bias.numpy()
        bias = np.zeros([new_num_tokens], old.dtype)
        bias[: min(len(old), new_num_tokens)] = old[: min(len(old), new_num_tokens)]
        self.bias = self.create_parameter([new_num_tokens], is_bias=True)
        self.bias.set_value(bias)
        if self.decoder is not None:
            raise NotImplementedError("resize_token_embeddings with an untied decoder (tie_word_embeddings=False).")


def _cross_entropy(logits: Tensor, labels: Tensor, ignore_index: int = -100) -> Tensor:
    """Mean cross-entropy over the labels that are not `ignore_index` (torch's semantics), in float32.

    Paddle's own `reduction="mean"` with ignore_index does not divide by the count of kept labels.
    """
    num_classes = logits.shape[-1]
    if labels.dtype not in (paddle.int64, paddle.int32, paddle.int16, paddle.int8, paddle.uint8):
        raise ValueError(
            f"This loss needs integer class ids as labels, got dtype {labels.dtype} (casting would silently turn "
            "e.g. 0.9 into 0). Pass int64 labels; for float targets use problem_type='regression' or, for several "
            "labels per example, 'multi_label_classification' with labels shaped (batch, num_labels)."
        )
    labels = labels.reshape([-1]).astype("int64")
    keep = labels != ignore_index
    safe = paddle.where(keep, labels, paddle.zeros_like(labels))
    losses = F.cross_entropy(logits.reshape([-1, num_classes]).astype("float32"), safe, reduction="none").reshape([-1])
    keep = keep.astype("float32")
    return (losses * keep).sum() / keep.sum()


def _lm_loss(logits: Tensor, labels: Tensor, shift: bool) -> Tensor:
    if shift:  # causal LM: position t predicts token t + 1
        logits, labels = logits[:, :-1], labels[:, 1:]
    return _cross_entropy(logits, labels)


class DistilRobertaForMaskedLM(DistilRobertaPretrainedModel):
    """Masked-LM head (the architecture of the official distilroberta-base checkpoint).

    Args (beyond the shared Inputs): labels: int64 (B, T) token ids to predict, -100 where ignored.
    Returns: MaskedLMOutput(loss?, logits (B, T, V), hidden_states?, attentions?).
    """

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__(config)
        self.roberta = DistilRobertaModel(config, add_pooling_layer=False)
        self.lm_head = DistilRobertaLMHead(config)

    _shift_labels = False
    _output_cls = MaskedLMOutput

    def forward(
        self,
        input_ids: Optional[Tensor] = None,
        token_type_ids: Optional[Tensor] = None,
        position_ids: Optional[Tensor] = None,
        attention_mask: Optional[Tensor] = None,
        *,
        inputs_embeds: Optional[Tensor] = None,
        labels: Optional[Tensor] = None,
        output_attentions: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        return_dict: Optional[bool] = None,
    ):
        outputs, return_dict = self._encode(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                            output_attentions, output_hidden_states, return_dict)
        logits = self.lm_head(outputs.last_hidden_state, self.roberta.embeddings.word_embeddings.weight)
        loss = _lm_loss(logits, labels, self._shift_labels) if labels is not None else None
        return _head_output(return_dict, self._output_cls, loss, (logits,), outputs, ("logits",))


class DistilRobertaForCausalLM(DistilRobertaForMaskedLM):
    """Left-to-right LM head: a causal attention mask (config.is_decoder) and labels shifted by one.

    Args (beyond the shared Inputs): labels: int64 (B, T), usually input_ids; -100 where ignored.
    Returns: CausalLMOutput(loss?, logits (B, T, V), hidden_states?, attentions?). No KV cache.
    """

    _shift_labels = True
    _output_cls = CausalLMOutput

    def __init__(self, config: DistilRobertaConfig) -> None:
        if not config.is_decoder:
            logger.warning(
                "DistilRobertaForCausalLM needs config.is_decoder=True for a causal mask; setting it."
            )
            config.is_decoder = True
        super().__init__(config)


class DistilRobertaClassificationHead(nn.Layer):
    """RoBERTa's sentence head on <s>: dropout -> dense -> tanh -> dropout -> out_proj."""

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__()
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dense = _linear(config, config.hidden_size, config.hidden_size)
        self.dropout = _ops.Dropout(p)
        self.out_proj = _linear(config, config.hidden_size, config.num_labels)

    def forward(self, features: Tensor) -> Tensor:
        x = self.dropout(features[:, 0])  # (B, H), the <s> token
        x = self.dropout(paddle.tanh(self.dense(x)))
        return self.out_proj(x)


def _sequence_classification_loss(config: DistilRobertaConfig, logits: Tensor, labels: Tensor) -> Tensor:
    """Loss chosen by `config.problem_type` as transformers does (inferred once from the first labels)."""
    num_labels = config.num_labels
    problem_type = config.problem_type
    if problem_type is None:
        if num_labels == 1:
            problem_type = "regression"
        elif labels.dtype in (paddle.int64, paddle.int32):
            problem_type = "single_label_classification"
        else:
            problem_type = "multi_label_classification"
        config.problem_type = problem_type
    if problem_type == "regression":
        if num_labels == 1:
            return F.mse_loss(logits.squeeze().astype("float32"), labels.squeeze().astype("float32"))
        return F.mse_loss(logits.astype("float32"), labels.astype("float32"))
    if problem_type == "single_label_classification":
        return _cross_entropy(logits, labels)
    return F.binary_cross_entropy_with_logits(logits.astype("float32"), labels.astype("float32"))


class DistilRobertaForSequenceClassification(DistilRobertaPretrainedModel):
    """Sentence classification / regression head on the <s> token.

    Args (beyond the shared Inputs): labels: (B,) int64 class ids, (B,) or (B, 1) floats for regression,
        or (B, num_labels) multi-hot floats; the loss follows `config.problem_type`.
    Returns: SequenceClassifierOutput(loss?, logits (B, num_labels), hidden_states?, attentions?).
    """

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__(config)
        self.roberta = DistilRobertaModel(config, add_pooling_layer=False)
        self.classifier = DistilRobertaClassificationHead(config)

    def forward(
        self,
        input_ids: Optional[Tensor] = None,
        token_type_ids: Optional[Tensor] = None,
        position_ids: Optional[Tensor] = None,
        attention_mask: Optional[Tensor] = None,
        *,
        inputs_embeds: Optional[Tensor] = None,
        labels: Optional[Tensor] = None,
        output_attentions: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        return_dict: Optional[bool] = None,
    ):
        outputs, return_dict = self._encode(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                            output_attentions, output_hidden_states, return_dict)
        logits = self.classifier(outputs.last_hidden_state)
        loss = _sequence_classification_loss(self.config, logits, labels) if labels is not None else None
        return _head_output(return_dict, SequenceClassifierOutput, loss, (logits,), outputs, ("logits",))


class DistilRobertaForTokenClassification(DistilRobertaPretrainedModel):
    """Per-token classification (NER, POS).

    Args (beyond the shared Inputs): labels: int64 (B, T) class ids, -100 where ignored.
    Returns: TokenClassifierOutput(loss?, logits (B, T, num_labels), hidden_states?, attentions?).
    """

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.roberta = DistilRobertaModel(config, add_pooling_layer=False)
        self.dropout = _ops.Dropout(p)
        self.classifier = _linear(config, config.hidden_size, config.num_labels)

    def forward(
        self,
        input_ids: Optional[Tensor] = None,
        token_type_ids: Optional[Tensor] = None,
        position_ids: Optional[Tensor] = None,
        attention_mask: Optional[Tensor] = None,
        *,
        inputs_embeds: Optional[Tensor] = None,
        labels: Optional[Tensor] = None,
        output_attentions: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        return_dict: Optional[bool] = None,
    ):
        outputs, return_dict = self._encode(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                            output_attentions, output_hidden_states, return_dict)
        logits = self.classifier(self.dropout(outputs.last_hidden_state))
        loss = None
        if labels is not None:
            loss = _cross_entropy(logits, labels)
        return _head_output(return_dict, TokenClassifierOutput, loss, (logits,), outputs, ("logits",))


class DistilRobertaForQuestionAnswering(DistilRobertaPretrainedModel):
    """Extractive QA: start and end logits over the tokens.

    Args (beyond the shared Inputs): start_positions / end_positions: int64 (B,) token indices; indices
        outside the sequence are clamped and ignored, as transformers does.
    Returns: QuestionAnsweringModelOutput(loss?, start_logits (B, T), end_logits (B, T), hidden_states?, attentions?).
    With PaddleNLP's Trainer pass `label_names=["start_positions", "end_positions"]`.
    """

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__(config)
        self.roberta = DistilRobertaModel(config, add_pooling_layer=False)
        self.qa_outputs = _linear(config, config.hidden_size, 2)

    def forward(
        self,
        input_ids: Optional[Tensor] = None,
        token_type_ids: Optional[Tensor] = None,
        position_ids: Optional[Tensor] = None,
        attention_mask: Optional[Tensor] = None,
        *,
        inputs_embeds: Optional[Tensor] = None,
        start_positions: Optional[Tensor] = None,
        end_positions: Optional[Tensor] = None,
        output_attentions: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        return_dict: Optional[bool] = None,
    ):
        outputs, return_dict = self._encode(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                            output_attentions, output_hidden_states, return_dict)
        logits = self.qa_outputs(outputs.last_hidden_state)  # (B, T, 2)
        start_logits, end_logits = logits[..., 0], logits[..., 1]
        loss = None
        if start_positions is not None and end_positions is not None:
            seq_len = start_logits.shape[1]
            losses = []
            for logit, pos in ((start_logits, start_positions), (end_logits, end_positions)):
                pos = pos.reshape([-1]).astype("int64").clip(0, seq_len)  # out of range -> seq_len -> ignored
                losses.append(_cross_entropy(logit, pos, ignore_index=seq_len))
            loss = (losses[0] + losses[1]) / 2
        return _head_output(return_dict, QuestionAnsweringModelOutput, loss, (start_logits, end_logits), outputs,
                            ("start_logits", "end_logits"))


class DistilRobertaForMultipleChoice(DistilRobertaPretrainedModel):
    """Multiple choice (SWAG, RACE): one score per choice from the pooled <s> state.

    Inputs are shaped (B, num_choices, T) (inputs_embeds: (B, num_choices, T, H)).
    Args (beyond the shared Inputs): labels: int64 (B,) index of the right choice.
    Returns: MultipleChoiceModelOutput(loss?, logits (B, num_choices), hidden_states?, attentions?).
    """

    def __init__(self, config: DistilRobertaConfig) -> None:
        super().__init__(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.roberta = DistilRobertaModel(config, add_pooling_layer=True)
        self.dropout = _ops.Dropout(p)
        self.classifier = _linear(config, config.hidden_size, 1)

    def forward(
        self,
        input_ids: Optional[Tensor] = None,
        token_type_ids: Optional[Tensor] = None,
        position_ids: Optional[Tensor] = None,
        attention_mask: Optional[Tensor] = None,
        *,
        inputs_embeds: Optional[Tensor] = None,
        labels: Optional[Tensor] = None,
        output_attentions: Optional[bool] = None,
        output_hidden_states: Optional[bool] = None,
        return_dict: Optional[bool] = None,
    ):
        ref = input_ids if input_ids is not None else inputs_embeds
        if ref is not None and ref.ndim < (3 if input_ids is not None else 4):
            raise ValueError(
                f"DistilRobertaForMultipleChoice takes inputs shaped (batch, num_choices, seq_len), got {list(ref.shape)}."
            )
        num_choices = ref.shape[1] if ref is not None else None

        def flat(x: Optional[Tensor]) -> Optional[Tensor]:
            return None if x is None else x.reshape([-1] + list(x.shape[2:]))

        outputs, return_dict = self._encode(flat(input_ids), flat(attention_mask), flat(token_type_ids),
                                            flat(position_ids), flat(inputs_embeds), output_attentions,
                                            output_hidden_states, return_dict)
        logits = self.classifier(self.dropout(outputs.pooler_output)).reshape([-1, num_choices])  # (B, C)
        loss = None
        if labels is not None:
            loss = _cross_entropy(logits, labels)
        return _head_output(return_dict, MultipleChoiceModelOutput, loss, (logits,), outputs, ("logits",))


#: The heads `checkpoint_class` chooses from (the base model is the fallback).
_CHECKPOINT_CLASSES = (
    DistilRobertaForMaskedLM,
    DistilRobertaForCausalLM,
    DistilRobertaForSequenceClassification,
    DistilRobertaForTokenClassification,
    DistilRobertaForQuestionAnswering,
    DistilRobertaForMultipleChoice,
)
