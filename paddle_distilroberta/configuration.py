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
import difflib
import inspect
import json
import logging
import math
import os
from pathlib import Path
from typing import Any, Dict, Optional, Union

from .errors import ConfigError

from .pretrained.files import CONFIG_NAME, atomic_write_text

logger = logging.getLogger(__name__)

#: model_type values whose checkpoints share RoBERTa's architecture (and weight names).
ROBERTA_FAMILY_MODEL_TYPES = ("distilroberta", "roberta", "xlm-roberta", "camembert")

SUPPORTED_ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh")

# Keys that describe the run, not the model; never written back.
_RUNTIME_KEYS = ("return_dict", "output_hidden_states", "output_attentions")

#: Largest value of each size field: about 10x roberta-large, far above any released RoBERTa-family checkpoint.
#: They stop a corrupt or hostile config.json from hanging the process or allocating without bound. Lift them
#: for research with `DistilRobertaConfig(..., unsafe_skip_limits=True)` (also a `from_pretrained` keyword
#: argument) or the environment variable PADDLE_DISTILROBERTA_UNSAFE_SKIP_LIMITS=1; a config file cannot lift them.
CONFIG_LIMITS = {
    "vocab_size": 2_000_000,
    "hidden_size": 10_240,
    "num_hidden_layers": 240,
    "num_attention_heads": 1_024,
    "intermediate_size": 40_960,
    "max_position_embeddings": 100_000,
    "type_vocab_size": 1_000,
    "num_labels": 100_000,
}
_MINIMUM = {"max_position_embeddings": 3}  # RoBERTa positions start at pad_token_id + 1; every other size: 1
UNSAFE_SKIP_LIMITS_ENV = "PADDLE_DISTILROBERTA_UNSAFE_SKIP_LIMITS"
#: PaddleNLP's names (its PretrainedConfig.attribute_map) -> ours.
CONFIG_ALIASES = {"num_classes": "num_labels", "dropout": "classifier_dropout"}
# Loading options that PaddleNLP's / transformers' AutoConfig may pass on to `from_dict`: not config fields, dropped.
_LOADING_KEYS = ("return_unused_kwargs", "cache_dir", "subfolder", "from_hf_hub", "from_aistudio", "force_download",
                 "local_files_only", "revision", "token", "use_auth_token", "proxies", "resume_download",
                 "trust_remote_code", "_from_auto", "_from_pipeline", "_commit_hash", "_configuration_file")


def _short(value: Any) -> str:
    """A short repr for messages (never the whole of a big value)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"<an int of {value.bit_length()} bits>"
    if isinstance(value, (dict, list, tuple, set)) and len(value) > 8:
        return f"<a {type(value).__name__} of {len(value)} items>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _limits_lifted(flag: Any) -> bool:
    env = os.environ.get(UNSAFE_SKIP_LIMITS_ENV, "").strip().lower()
    return flag is True or env not in ("", "0", "false", "no")


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
        classifier_dropout: Dropout of classification heads; None means `hidden_dropout_prob`. `dropout`
            (PaddleNLP's name, its `attribute_map`) is accepted as an alias.
        is_decoder: Use a causal attention mask (DistilRobertaForCausalLM).
        tie_word_embeddings: The MLM decoder shares the word-embedding matrix (True for every RoBERTa checkpoint).
        num_labels: Outputs of classification heads (at least 1); derived from `id2label` when that is given.
            `num_classes` (PaddleNLP's name) is accepted as an alias.
        id2label / label2id: Label names.
        problem_type: "regression", "single_label_classification" or "multi_label_classification";
            None lets DistilRobertaForSequenceClassification infer it from `num_labels` and the labels' dtype.
        architectures: Class names of the checkpoint (e.g. ["RobertaForMaskedLM"]).
        tokenizer_class: Tokenizer class name, when the checkpoint names one (PaddleNLP's AutoTokenizer reads it).
        return_dict: Default of the models' `return_dict` argument (True: output objects; False: tuples).
        output_hidden_states / output_attentions: Defaults of the models' arguments of those names.
        unsafe_skip_limits: Lift the upper limits of the size fields (`CONFIG_LIMITS`, about 10x roberta-large)
            for research on bigger models; types and lower bounds are still checked. Not saved, and ignored in
            a config file (only code, or PADDLE_DISTILROBERTA_UNSAFE_SKIP_LIMITS=1, can lift the limits).
        **kwargs: Any other key (e.g. `transformers_version`, `torch_dtype`); kept and written back.

    Every field is checked once, at construction (see `validate`): sizes are positive integers up to
    `CONFIG_LIMITS`, `num_attention_heads` divides `hidden_size`, dropouts are real numbers in [0, 1),
    `layer_norm_eps` is in (0, 1), token ids lie in the vocabulary, the activation is known. A bad field raises
    `ConfigError` (a ValueError and a TypeError) naming it, its value and what is allowed.
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
        unsafe_skip_limits: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(unsafe_skip_limits, bool):
            raise ConfigError(f"unsafe_skip_limits must be True or False, got {_short(unsafe_skip_limits)}.")
        self._unsafe_skip_limits = unsafe_skip_limits
        if "dropout" in kwargs:  # PaddleNLP's name for the classifier's dropout
            dropout = kwargs.pop("dropout")
            if classifier_dropout is not None and dropout is not None and dropout != classifier_dropout:
                raise ConfigError(
                    f"dropout={_short(dropout)} (PaddleNLP's name for classifier_dropout) disagrees with "
                    f"classifier_dropout={_short(classifier_dropout)}; pass one of them."
                )
            classifier_dropout = dropout if classifier_dropout is None else classifier_dropout
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
        if num_labels is not None:
            self._check_size("num_labels", num_labels)  # before anything is built from it
        if id2label:
            id2label = self._checked_id2label(id2label)
            if num_labels is not None and num_labels != len(id2label):
                raise ConfigError(
                    f"num_labels={num_labels} disagrees with id2label, which has {len(id2label)} entries "
                    f"({id2label}); pass one of them, or make them agree."
                )
            num_labels = len(id2label)
        if num_labels is None:
            num_labels = 2
        self.id2label = id2label or {i: f"LABEL_{i}" for i in range(num_labels)}
        derived = {v: k for k, v in self.id2label.items()}
        if label2id and not (isinstance(label2id, dict) and all(_is_int(v) or (isinstance(v, str) and v.isdigit())
                                                                 for v in label2id.values())):
            raise ConfigError(f"config.label2id must map label names to integer ids, got {_short(label2id)}.")
        label2id = {str(k): int(v) for k, v in label2id.items()} if label2id else derived
        # a label2id that names other labels than id2label is stale (e.g. id2label was overridden): rebuild it
        self.label2id = label2id if set(label2id) == set(derived) else derived

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, value: int) -> None:
        self._set_labels(value, None, None)

    num_classes = num_labels  # PaddleNLP alias

    @property
    def use_return_dict(self) -> bool:
        return bool(self.return_dict)

    # -------------------------------------------------------------- validation
    def _check_size(self, name: str, value: Any) -> None:
        low, high = _MINIMUM.get(name, 1), CONFIG_LIMITS[name]
        if not _is_int(value) or value < low:
            raise ConfigError(
                f"config.{name} must be a positive integer{f' >= {low}' if low > 1 else ''}, got {_short(value)} "
                f"(allowed: {low} to {high})."
            )
        if value > high and not _limits_lifted(self.__dict__.get("_unsafe_skip_limits")):
            raise ConfigError(
                f"config.{name}={value} is above its limit of {high} (about 10x roberta-large; no released "
                "checkpoint comes close): the config file is corrupt or crafted. To build such a model anyway, "
                f"pass unsafe_skip_limits=True or set {UNSAFE_SKIP_LIMITS_ENV}=1."
            )

    def _checked_id2label(self, id2label: Any) -> Dict[int, str]:
        if not isinstance(id2label, dict):
            raise ConfigError(f"config.id2label must map label ids to names, got {_short(id2label)}.")
        self._check_size("num_labels", len(id2label))
        result: Dict[int, str] = {}
        for key, name in id2label.items():
            if isinstance(key, str) and key.strip().isdigit() and len(key) < 12:
                key = int(key)
            if not _is_int(key) or not isinstance(name, (str, int, float)) or isinstance(name, bool):
                raise ConfigError(
                    f"config.id2label must map integer ids to label names, got {_short(key)}: {_short(name)}."
                )
            result[key] = str(name)
        if set(result) != set(range(len(result))):
            raise ConfigError(
                f"config.id2label ids must be 0 to {len(result) - 1} (one per output of the classifier), got "
                f"{_short(sorted(result))}."
            )
        return result

    def _check_real(self, name: str, low: float, high: float, high_open: bool = True, low_open: bool = False,
                    optional: bool = False) -> None:
        value = getattr(self, name)
        if optional and value is None:
            return
        inside = _is_real(value) and (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high)
        if not inside:
            interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
            raise ConfigError(
                f"config.{name} must be a real number in {interval}{' or None' if optional else ''}, "
                f"got {_short(value)}."
            )

    def _check_choice(self, name: str, allowed: tuple, what: str = "") -> None:
        value = getattr(self, name)
        if not isinstance(value, (str, type(None))) or value not in allowed:
            raise ConfigError(f"{name}={_short(value)} is not supported{what}; use one of {allowed}.")

    def validate(self) -> None:
        """Check every field's type and range; raise ConfigError (a ValueError and a TypeError) naming the first
        bad field, its value and what is allowed. Runs at construction; call it again after changing fields."""
        for name in CONFIG_LIMITS:
            if name != "num_labels":
                self._check_size(name, getattr(self, name))
        self._check_size("num_labels", self.num_labels)
        if self.hidden_size % self.num_attention_heads:
            raise ConfigError(
                f"hidden_size={self.hidden_size} is not a multiple of num_attention_heads={self.num_attention_heads}."
            )
        self._check_real("hidden_dropout_prob", 0, 1)
        self._check_real("attention_probs_dropout_prob", 0, 1)
        self._check_real("classifier_dropout", 0, 1, optional=True)
        self._check_real("layer_norm_eps", 0, 1, low_open=True)
        self._check_real("initializer_range", 0, 10, high_open=False)
        self._check_choice("hidden_act", SUPPORTED_ACTIVATIONS)
        if self.position_embedding_type != "absolute":
            raise ConfigError(
                f"position_embedding_type={_short(self.position_embedding_type)} is not supported (only 'absolute', "
                "which every RoBERTa checkpoint uses)."
            )
        for name in ("is_decoder", "add_cross_attention", "tie_word_embeddings", *_RUNTIME_KEYS):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"config.{name} must be true or false, got {_short(getattr(self, name))}.")
        if self.add_cross_attention:
            raise ConfigError("add_cross_attention=True (encoder-decoder RoBERTa) is not supported by this package.")
        if not _is_int(self.pad_token_id) or not 0 <= self.pad_token_id < self.vocab_size:
            raise ConfigError(
                f"config.pad_token_id must be an integer id in [0, vocab_size={self.vocab_size}), "
                f"got {_short(self.pad_token_id)}."
            )
        if not self.pad_token_id < self.max_position_embeddings - 1:
            raise ConfigError(
                f"pad_token_id={self.pad_token_id} leaves no room in max_position_embeddings="
                f"{self.max_position_embeddings}: RoBERTa positions start at pad_token_id + 1."
            )
        for name in ("bos_token_id", "eos_token_id"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or not 0 <= value < self.vocab_size):
                raise ConfigError(
                    f"config.{name} must be None or an integer id in [0, vocab_size={self.vocab_size}), "
                    f"got {_short(value)}."
                )
        self._check_choice("problem_type", (None, "regression", "single_label_classification",
                                            "multi_label_classification"), " (None infers it)")
        if self.architectures is not None and not all(isinstance(a, str) for a in self.architectures):
            raise ConfigError(f"config.architectures must be a list of class names, got {_short(self.architectures)}.")
        if self.tokenizer_class is not None and not isinstance(self.tokenizer_class, str):
            raise ConfigError(f"config.tokenizer_class must be a class name, got {_short(self.tokenizer_class)}.")

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
        config.pop("unsafe_skip_limits", None)  # only code (or the environment) may lift the limits, never a file
        overrides = {key: value for key, value in overrides.items() if key not in _LOADING_KEYS}
        cls._check_keywords(overrides, config)
        overrides = {CONFIG_ALIASES.get(key, key) if key == "num_classes" else key: value
                     for key, value in overrides.items()}
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

    @classmethod
    def _check_keywords(cls, overrides: Dict[str, Any], file_keys: Any) -> None:
        """Keyword arguments typed in code must be config fields, their aliases or keys of the file: a typo such as
        `num_lables=5` is a ConfigError (a TypeError) naming the close matches. The file's own keys are not checked."""
        known = {"model_type", *CONFIG_ALIASES}
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None and klass is not object:
                known |= {p.name for p in inspect.signature(init).parameters.values()
                          if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"}
        unknown = [key for key in overrides if key not in known and key not in file_keys]
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), sorted(known | set(file_keys)), n=3)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ConfigError(
                f"{cls.__name__} got an unexpected keyword argument {_short(unknown[0])}.{hint} It is neither a "
                "config field nor a key of the checkpoint's config file (nor a loading option such as cache_dir, "
                "revision, dtype or device)."
            )

    def to_dict(self, hf: bool = False) -> Dict[str, Any]:
        """The config as a JSON-able dict.

        Args:
            hf: Write `model_type: "roberta"` and `RobertaFor...` architectures, as transformers expects.
        """
        out: Dict[str, Any] = {}
        for key, value in vars(self).items():
            if key in ("extra", "id2label", "label2id") or key in _RUNTIME_KEYS or key.startswith("_"):
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
