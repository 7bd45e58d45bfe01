"""DistilRobertaConfig: the hyper-parameters of a RoBERTa-family model.

Reads and writes Hugging Face `config.json` (model_type "roberta", "xlm-roberta", "camembert", ...)
and PaddleNLP's `config.json` / legacy `model_config.json`. Keys it does not know are kept and
written back unchanged, so a round trip loses nothing.

`model_type` is "distilroberta" in folders this package saves, so that PaddleNLP's Auto classes
route them to this package and never to PaddleNLP's own RobertaModel; `to_dict(hf=True)` writes
"roberta" and `RobertaFor...` architectures again for transformers.
"""
from __future__ import annotations

import copy
import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Optional, Union

from .pretrained.files import CONFIG_NAME, atomic_write_text

logger = logging.getLogger(__name__)

#: model_type values whose checkpoints share RoBERTa's architecture (and weight names).
ROBERTA_FAMILY_MODEL_TYPES = ("distilroberta", "roberta", "xlm-roberta", "camembert")

SUPPORTED_ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh")

# Keys that describe the run, not the model; never written back.
_RUNTIME_KEYS = ("return_dict", "output_hidden_states", "output_attentions")


class DistilRobertaConfig:
    """Configuration of a DistilRoBERTa / RoBERTa model. Defaults equal `distilroberta-base`.

    Args:
        vocab_size: Rows of the word-embedding table (50265 for RoBERTa's BPE; the tokenizer file has 50262 entries).
        hidden_size: Width of every hidden state.
        num_hidden_layers: Transformer layers (6 for DistilRoBERTa, 12 for roberta-base, 24 for roberta-large).
        num_attention_heads: Attention heads; must divide `hidden_size`.
        intermediate_size: Width of the feed-forward layer.
        hidden_act: Feed-forward activation: "gelu" (exact erf form), "gelu_new" (tanh form), "relu", "silu", ...
        hidden_dropout_prob: Dropout on embeddings and sub-layer outputs (train mode only).
        attention_probs_dropout_prob: Dropout on attention probabilities (train mode only).
        max_position_embeddings: Rows of the position table. RoBERTa counts positions from `pad_token_id + 1`,
            so 514 rows give 512 usable tokens.
        type_vocab_size: Segment ids allowed (RoBERTa has 1: token_type_ids must be all zeros).
        initializer_range: Std of the normal init of new weights (e.g. a task head).
        layer_norm_eps: LayerNorm epsilon.
        pad_token_id / bos_token_id / eos_token_id: Special ids (1 / 0 / 2 for RoBERTa).
        position_embedding_type: Only "absolute" is supported.
        classifier_dropout: Dropout of classification heads; None means `hidden_dropout_prob`.
        is_decoder: Use a causal attention mask (DistilRobertaForCausalLM).
        tie_word_embeddings: The MLM decoder shares the word-embedding matrix (True for every RoBERTa checkpoint).
        num_labels: Outputs of classification heads; derived from `id2label` when that is given.
            `num_classes` (PaddleNLP's name) is accepted as an alias.
        id2label / label2id: Label names.
        problem_type: "regression", "single_label_classification" or "multi_label_classification";
            None lets DistilRobertaForSequenceClassification infer it from `num_labels` and the labels' dtype.
        architectures: Class names of the checkpoint (e.g. ["RobertaForMaskedLM"]).
        tokenizer_class: Tokenizer class name, when the checkpoint names one (PaddleNLP's AutoTokenizer reads it).
        return_dict: Default of the models' `return_dict` argument (True: output objects; False: tuples).
        output_hidden_states / output_attentions: Defaults of the models' arguments of those names.
        **kwargs: Any other key (e.g. `transformers_version`, `torch_dtype`); kept and written back.
    """

    model_type = "distilroberta"

    def __init__(
        self,
        vocab_size: int = 50265,
        hidden_size: int = 768,
        num_hidden_layers: int = 6,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.1,
        max_position_embeddings: int = 514,
        type_vocab_size: int = 1,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-5,
        pad_token_id: int = 1,
        bos_token_id: int = 0,
        eos_token_id: int = 2,
        position_embedding_type: str = "absolute",
        classifier_dropout: Optional[float] = None,
        is_decoder: bool = False,
        add_cross_attention: bool = False,
        tie_word_embeddings: bool = True,
        num_labels: Optional[int] = None,
        id2label: Optional[Dict[Any, str]] = None,
        label2id: Optional[Dict[str, Any]] = None,
        problem_type: Optional[str] = None,
        architectures: Optional[list] = None,
        tokenizer_class: Optional[str] = None,
        return_dict: bool = True,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
        **kwargs: Any,
    ) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.position_embedding_type = position_embedding_type
        self.classifier_dropout = classifier_dropout
        self.is_decoder = is_decoder
        self.add_cross_attention = add_cross_attention
        self.tie_word_embeddings = tie_word_embeddings
        self.problem_type = problem_type
        self.architectures = list(architectures) if architectures else None
        self.tokenizer_class = tokenizer_class
        self.return_dict = return_dict
        self.output_hidden_states = output_hidden_states
        self.output_attentions = output_attentions
        if "num_classes" in kwargs:  # PaddleNLP's name for num_labels
            num_classes = kwargs.pop("num_classes")
            num_labels = num_labels if num_labels is not None else num_classes
        kwargs.pop("model_type", None)  # a class attribute; the file's value was checked by from_dict
        self._set_labels(num_labels, id2label, label2id)
        self.extra: Dict[str, Any] = dict(kwargs)  # unknown keys, written back as they came
        self.validate()

    # ------------------------------------------------------------------ labels
    def _set_labels(self, num_labels: Optional[int], id2label: Optional[dict], label2id: Optional[dict]) -> None:
        if id2label:
            id2label = {int(k): str(v) for k, v in id2label.items()}
            if num_labels is not None and num_labels != len(id2label):
                raise ValueError(
                    f"num_labels={num_labels} disagrees with id2label, which has {len(id2label)} entries "
                    f"({id2label}); pass one of them, or make them agree."
                )
            num_labels = len(id2label)
        if num_labels is None:
            num_labels = 2
        self.id2label = id2label or {i: f"LABEL_{i}" for i in range(num_labels)}
        derived = {v: k for k, v in self.id2label.items()}
        label2id = {str(k): int(v) for k, v in label2id.items()} if label2id else derived
        # a label2id that names other labels than id2label is stale (e.g. id2label was overridden): rebuild it
        self.label2id = label2id if set(label2id) == set(derived) else derived

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, value: int) -> None:
        self._set_labels(int(value), None, None)

    num_classes = num_labels  # PaddleNLP alias

    @property
    def use_return_dict(self) -> bool:
        return bool(self.return_dict)

    # -------------------------------------------------------------- validation
    def validate(self) -> None:
        """Raise ValueError naming the first field whose value cannot build a model."""
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                     "max_position_embeddings", "type_vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"config.{name} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size={self.hidden_size} is not a multiple of num_attention_heads={self.num_attention_heads}."
            )
        if self.hidden_act not in SUPPORTED_ACTIVATIONS:
            raise ValueError(f"hidden_act={self.hidden_act!r} is not supported; use one of {SUPPORTED_ACTIVATIONS}.")
        if self.position_embedding_type != "absolute":
            raise ValueError(
                f"position_embedding_type={self.position_embedding_type!r} is not supported (only 'absolute', "
                "which every RoBERTa checkpoint uses)."
            )
        if self.add_cross_attention:
            raise ValueError("add_cross_attention=True (encoder-decoder RoBERTa) is not supported by this package.")
        if not 0 <= self.pad_token_id < self.max_position_embeddings - 1:
            raise ValueError(
                f"pad_token_id={self.pad_token_id} leaves no room in max_position_embeddings="
                f"{self.max_position_embeddings}: RoBERTa positions start at pad_token_id + 1."
            )
        if self.problem_type not in (None, "regression", "single_label_classification", "multi_label_classification"):
            raise ValueError(
                f"problem_type={self.problem_type!r} is not one of 'regression', 'single_label_classification', "
                "'multi_label_classification' (or None to infer it)."
            )

    @property
    def max_sequence_length(self) -> int:
        """Longest input the position table allows (512 for RoBERTa's 514 rows with pad_token_id 1)."""
        return self.max_position_embeddings - self.pad_token_id - 1

    # ---------------------------------------------------------------- dict I/O
    @classmethod
    def from_dict(cls, config: Dict[str, Any], **overrides: Any) -> "DistilRobertaConfig":
        """Build from a Hugging Face or PaddleNLP config dict; `overrides` replace its values."""
        config = copy.deepcopy(dict(config))
        if "init_args" in config:  # PaddleNLP < 2.5: {"init_args": [{...base kwargs...}], "init_class": ..., ...}
            base = next((a for a in config.pop("init_args") if isinstance(a, dict)), {})
            base.pop("init_class", None)
            config = {**base, **config}
        if "init_class" in config and not config.get("architectures"):
            config["architectures"] = [config.pop("init_class")]
        model_type = config.get("model_type")
        if model_type is not None and model_type not in ROBERTA_FAMILY_MODEL_TYPES:
            raise ValueError(
                f"model_type={model_type!r} is not a RoBERTa-family architecture; this package loads "
                f"{ROBERTA_FAMILY_MODEL_TYPES}. Use the library of that architecture instead."
            )
        if ("num_labels" in overrides or "num_classes" in overrides) and "id2label" not in overrides:
            config.pop("id2label", None)  # a new number of labels replaces the file's label names
            config.pop("label2id", None)
        if "id2label" in overrides and "label2id" not in overrides:
            config.pop("label2id", None)
            config.pop("num_labels", None)
        config.update(overrides)
        for key in ("_name_or_path", "paddlenlp_version"):
            config.pop(key, None)
        return cls(**config)

    def to_dict(self, hf: bool = False) -> Dict[str, Any]:
        """The config as a JSON-able dict.

        Args:
            hf: Write `model_type: "roberta"` and `RobertaFor...` architectures, as transformers expects.
        """
        out: Dict[str, Any] = {}
        for key, value in vars(self).items():
            if key in ("extra", "id2label", "label2id") or key in _RUNTIME_KEYS:
                continue
            out[key] = value
        out["num_labels"] = self.num_labels
        out["id2label"] = {str(k): v for k, v in self.id2label.items()}
        out["label2id"] = dict(self.label2id)
        out.update(self.extra)
        if hf:
            out["model_type"] = "roberta" if self.model_type == "distilroberta" else self.model_type
            if self.architectures:
                out["architectures"] = [a.replace("DistilRoberta", "Roberta") for a in self.architectures]
        else:
            out["model_type"] = self.model_type
        return dict(sorted(out.items()))

    def to_json_string(self, hf: bool = False) -> str:
        return json.dumps(self.to_dict(hf=hf), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    # --------------------------------------------------------------- file I/O
    @classmethod
    def from_json_file(cls, path: Union[str, os.PathLike], **overrides: Any) -> "DistilRobertaConfig":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON ({err}); re-download it or fix the file.") from err
        if not isinstance(data, dict):
            raise ValueError(f"{path} must hold a JSON object, found {type(data).__name__}.")
        return cls.from_dict(data, **overrides)

    @classmethod
    def from_pretrained(cls, name_or_path: Union[str, os.PathLike], **kwargs: Any) -> "DistilRobertaConfig":
        """Read the config of a local folder, a config file, a built-in name or a hub repo id.

        Keyword arguments that are config fields override the file's values; hub arguments
        (`cache_dir`, `revision`, `local_files_only`, `token`, ...) are passed to the resolver.
        """
        from .pretrained.resolve import HubOptions, registry_config, resolve_config_file

        hub = HubOptions.pop_from(kwargs)
        built_in = registry_config(name_or_path)  # a config-only registry entry, e.g. "tiny-random"
        if built_in is not None:
            return cls.from_dict(built_in, **kwargs)
        return cls.from_json_file(resolve_config_file(name_or_path, hub), **kwargs)

    def save_pretrained(self, save_directory: Union[str, os.PathLike], hf: bool = False) -> Path:
        """Write `config.json` into `save_directory` (atomically)."""
        save_directory = Path(save_directory)
        save_directory.mkdir(parents=True, exist_ok=True)
        target = save_directory / CONFIG_NAME
        atomic_write_text(target, self.to_json_string(hf=hf))
        return target

    # ------------------------------------------------------------------ misc
    def __getattr__(self, name: str) -> Any:  # unknown keys read like fields, as in transformers
        extra = self.__dict__.get("extra")
        if extra is not None and name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DistilRobertaConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.to_json_string()}"
