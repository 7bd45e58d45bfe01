"""THE weight-name table: Hugging Face <-> this package <-> PaddleNLP, and the pure functions that apply it.

This package names its parameters exactly as Hugging Face checkpoints do, so one column serves both.
Each rule is `(hf, paddlenlp, op)`; names are relative to the base model (`embeddings.*`,
`encoder.layer.{layer}.*`, `pooler.*`) or to a head (`lm_head.*`, `classifier.*`, `qa_outputs.*`).
The `roberta.` prefix of head checkpoints is handled around the table, not in it.

`op` says how a Hugging Face (PyTorch) tensor becomes ours; PaddleNLP tensors are always copied, since
PaddleNLP stores Linear weights as Paddle does, `[in, out]`:
    copy       same tensor.
    transpose  a Linear weight: PyTorch `[out, in]` -> Paddle `[in, out]`.
    tied       the MLM decoder weight: it IS the word-embedding matrix, so it is dropped when the model ties
               them (every RoBERTa checkpoint), and transposed into `lm_head.decoder.weight` otherwise.
    alias      another name of the tensor named in the rule's `target` (HF's lm_head.decoder.bias is lm_head.bias):
               used only when the checkpoint lacks the target.
    drop       a buffer, not a weight (`position_ids`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from ..errors import WeightMappingError

COPY, TRANSPOSE, TIED, ALIAS, DROP = "copy", "transpose", "tied", "alias", "drop"
OPS = (COPY, TRANSPOSE, TIED, ALIAS, DROP)

BASE_PREFIX = "roberta."
BASE_MODULES = ("embeddings.", "encoder.", "pooler.")


@dataclass(frozen=True)
class Rule:
    hf: str  # also this package's name
    paddlenlp: Optional[str]  # None: PaddleNLP has no such tensor
    op: str
    target: Optional[str] = None  # for ALIAS: the name this one stands for


_L = "encoder.layer.{layer}."
_P = "encoder.layers.{layer}."

RULES: Tuple[Rule, ...] = (
    # embeddings
    Rule("embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight", COPY),
    Rule("embeddings.position_embeddings.weight", "embeddings.position_embeddings.weight", COPY),
    Rule("embeddings.token_type_embeddings.weight", "embeddings.token_type_embeddings.weight", COPY),
    Rule("embeddings.LayerNorm.weight", "embeddings.layer_norm.weight", COPY),
    Rule("embeddings.LayerNorm.bias", "embeddings.layer_norm.bias", COPY),
    Rule("embeddings.position_ids", None, DROP),
    Rule("embeddings.token_type_ids", None, DROP),
    # one transformer layer
    Rule(_L + "attention.self.query.weight", _P + "self_attn.q_proj.weight", TRANSPOSE),
    Rule(_L + "attention.self.query.bias", _P + "self_attn.q_proj.bias", COPY),
    Rule(_L + "attention.self.key.weight", _P + "self_attn.k_proj.weight", TRANSPOSE),
    Rule(_L + "attention.self.key.bias", _P + "self_attn.k_proj.bias", COPY),
    Rule(_L + "attention.self.value.weight", _P + "self_attn.v_proj.weight", TRANSPOSE),
    Rule(_L + "attention.self.value.bias", _P + "self_attn.v_proj.bias", COPY),
    Rule(_L + "attention.output.dense.weight", _P + "self_attn.out_proj.weight", TRANSPOSE),
    Rule(_L + "attention.output.dense.bias", _P + "self_attn.out_proj.bias", COPY),
    Rule(_L + "attention.output.LayerNorm.weight", _P + "norm1.weight", COPY),
    Rule(_L + "attention.output.LayerNorm.bias", _P + "norm1.bias", COPY),
    Rule(_L + "intermediate.dense.weight", _P + "linear1.weight", TRANSPOSE),
    Rule(_L + "intermediate.dense.bias", _P + "linear1.bias", COPY),
    Rule(_L + "output.dense.weight", _P + "linear2.weight", TRANSPOSE),
    Rule(_L + "output.dense.bias", _P + "linear2.bias", COPY),
    Rule(_L + "output.LayerNorm.weight", _P + "norm2.weight", COPY),
    Rule(_L + "output.LayerNorm.bias", _P + "norm2.bias", COPY),
    # pooler
    Rule("pooler.dense.weight", "pooler.dense.weight", TRANSPOSE),
    Rule("pooler.dense.bias", "pooler.dense.bias", COPY),
    # masked / causal LM head
    Rule("lm_head.dense.weight", "lm_head.dense.weight", TRANSPOSE),
    Rule("lm_head.dense.bias", "lm_head.dense.bias", COPY),
    Rule("lm_head.layer_norm.weight", "lm_head.layer_norm.weight", COPY),
    Rule("lm_head.layer_norm.bias", "lm_head.layer_norm.bias", COPY),
    Rule("lm_head.bias", "lm_head.bias", COPY),
    Rule("lm_head.decoder.weight", "lm_head.decoder.weight", TIED),
    Rule("lm_head.decoder.bias", "lm_head.decoder.bias", ALIAS, target="lm_head.bias"),
    # sequence classification head
    Rule("classifier.dense.weight", "classifier.dense.weight", TRANSPOSE),
    Rule("classifier.dense.bias", "classifier.dense.bias", COPY),
    Rule("classifier.out_proj.weight", "classifier.out_proj.weight", TRANSPOSE),
    Rule("classifier.out_proj.bias", "classifier.out_proj.bias", COPY),
    # token classification and multiple choice heads (a single Linear)
    Rule("classifier.weight", "classifier.weight", TRANSPOSE),
    Rule("classifier.bias", "classifier.bias", COPY),
    # question answering head (PaddleNLP calls it `classifier`)
    Rule("qa_outputs.weight", "classifier.weight", TRANSPOSE),
    Rule("qa_outputs.bias", "classifier.bias", COPY),
)

SOURCE_FORMATS = ("hf", "paddlenlp", "paddle")


def _compile(pattern: str) -> "re.Pattern[str]":
    return re.compile("^" + re.escape(pattern).replace(re.escape("{layer}"), r"(?P<layer>\d+)") + "$")


_HF_INDEX = [(_compile(r.hf), r) for r in RULES]
_PADDLENLP_INDEX = [(_compile(r.paddlenlp), r) for r in RULES if r.paddlenlp is not None]


def _split_prefix(key: str) -> Tuple[str, str]:
    return (BASE_PREFIX, key[len(BASE_PREFIX):]) if key.startswith(BASE_PREFIX) else ("", key)


def _matches(key: str, source_format: str) -> List[Tuple[Rule, str]]:
    """Every (rule, our local name) whose source pattern matches `key` (local, no prefix)."""
    index = _PADDLENLP_INDEX if source_format == "paddlenlp" else _HF_INDEX
    found = []
    for regex, rule in index:
        m = regex.match(key)
        if m:
            ours = rule.hf.replace("{layer}", m.group("layer")) if "layer" in regex.groupindex else rule.hf
            found.append((rule, ours))
    return found


def _transpose(tensor: Any) -> Any:
    return tensor.T if hasattr(tensor, "T") else tensor.transpose([1, 0])


def _with_prefix(local: str, expects_prefix: bool) -> str:
    if expects_prefix and local.startswith(BASE_MODULES):
        return BASE_PREFIX + local
    return local


def detect_format(keys: Iterable[str], metadata: Optional[Mapping[str, str]] = None) -> str:
    """'paddle' (saved by this package), 'paddlenlp' (PaddleNLP names) or 'hf' (PyTorch layout)."""
    keys = list(keys)
    if metadata and metadata.get("format") == "paddle" and metadata.get("library") == "paddle_distilroberta":
        return "paddle"
    if any(".self_attn." in k or ".linear1." in k or k.endswith("embeddings.layer_norm.weight") for k in keys):
        return "paddlenlp"
    return "hf"


def apply_table(
    tensors: Iterable[Tuple[str, Any]],
    expected: Mapping[str, Tuple[int, ...]],
    source_format: str,
    unknown: Optional[List[str]] = None,
) -> Iterator[Tuple[str, Any]]:
    """THE applier of the table: rename and transpose a checkpoint's tensors into this package's names.

    A generator, so a caller can stream a checkpoint tensor by tensor (peak memory ~ one tensor); conversion
    and loading both go through it. An `alias` tensor (HF's `lm_head.decoder.bias`) is held back and yielded
    at the end only if its target never came: the same result in any tensor order.

    Args:
        tensors: (name in the file, tensor) pairs: numpy arrays or paddle Tensors.
        expected: the target model's parameter names -> shapes (`{k: v.shape for k, v in model.named_parameters()}`).
        source_format: 'hf', 'paddlenlp' or 'paddle' (see `detect_format`).
        unknown: if given, source keys that no rule knows are appended to it.

    Yields:
        (our name, tensor). Names a rule knows but the model lacks (another head's weights) are yielded too;
        the caller reports them, and checks shapes (`shape_mismatches`).
    """
    if source_format not in SOURCE_FORMATS:
        raise ValueError(f"source_format must be one of {SOURCE_FORMATS}, got {source_format!r}.")
    expects_prefix = any(k.startswith(BASE_PREFIX) for k in expected)
    aliases: Dict[str, Any] = {}
    seen = set()
    for key, tensor in tensors:
        _, local = _split_prefix(key)
        if source_format == "paddle":
            name = _with_prefix(local, expects_prefix)
            seen.add(name)
            yield name, tensor
            continue
        matches = _matches(local, source_format)
        if not matches:
            if unknown is not None:
                unknown.append(key)
            continue
        # one source name can fit several heads (PaddleNLP's `classifier.weight`): take the one the model has
        rule, ours = next(((r, o) for r, o in matches if _with_prefix(o, expects_prefix) in expected), matches[0])
        name = _with_prefix(ours, expects_prefix)
        op = rule.op if source_format == "hf" else (rule.op if rule.op in (DROP, ALIAS, TIED) else COPY)
        if op == DROP or (op == TIED and name not in expected):
            continue
        if op == ALIAS:
            aliases[_with_prefix(rule.target, expects_prefix)] = tensor
            continue
        seen.add(name)
        yield name, (_transpose(tensor) if op in (TRANSPOSE, TIED) and source_format == "hf" else tensor)
    for name, tensor in aliases.items():
        if name not in seen:
            yield name, tensor


def to_paddle_state_dict(
    source: Mapping[str, Any], expected: Mapping[str, Tuple[int, ...]], source_format: str
) -> Tuple[Dict[str, Any], List[str]]:
    """`apply_table` over a whole dict: (state dict under our names, source keys that no rule knows)."""
    unknown: List[str] = []
    return dict(apply_table(source.items(), expected, source_format, unknown)), unknown


def shape_mismatches(state: Mapping[str, Any], expected: Mapping[str, Tuple[int, ...]]) -> List[str]:
    """'name: checkpoint [..] vs model [..]' for every tensor whose shape differs from the model's."""
    return [
        f"{k}: checkpoint {list(v.shape)} vs model {list(expected[k])}"
        for k, v in state.items()
        if k in expected and list(v.shape) != list(expected[k])
    ]


def to_hf_state_dict(state: Mapping[str, Any]) -> Dict[str, Any]:
    """This package's state dict -> Hugging Face (PyTorch layout) names and shapes: the table's reverse."""
    out: Dict[str, Any] = {}
    unknown = []
    for key, tensor in state.items():
        prefix, local = _split_prefix(key)
        matches = _matches(local, "hf")
        if not matches:
            unknown.append(key)
            continue
        rule = matches[0][0]
        out[key] = _transpose(tensor) if rule.op in (TRANSPOSE, TIED) else tensor
    if unknown:
        raise WeightMappingError(f"No mapping rule for parameter(s) {unknown}; add a Rule to pretrained/mapping.py.")
    return out


def unmapped_parameters(names: Iterable[str]) -> List[str]:
    """Parameter names (ours) that no rule covers: the completeness check used by the tests."""
    return [n for n in names if not _matches(_split_prefix(n)[1], "hf")]
