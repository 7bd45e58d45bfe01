"""Auto classes: pick the model class from a checkpoint's config (`architectures`, then `model_type`).

    from paddle_distilroberta import AutoModelForSequenceClassification
    model = AutoModelForSequenceClassification.from_pretrained("distilroberta-base", num_labels=3)

Each Auto class maps a task to a class per model type. `register()` plugs in another architecture
(or replaces one) without editing this file.
"""
from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any, Dict, Optional, Type, Union

from . import modeling
from .configuration import ROBERTA_FAMILY_MODEL_TYPES, DistilRobertaConfig
from .pretrained import convert
from .pretrained.resolve import HubOptions, registry_config, resolve_config_file

#: task -> class name suffix, as in transformers and PaddleNLP (whose Auto classes look classes up by suffix).
TASKS = {
    "base": "Model",
    "masked_lm": "ForMaskedLM",
    "causal_lm": "ForCausalLM",
    "sequence_classification": "ForSequenceClassification",
    "token_classification": "ForTokenClassification",
    "question_answering": "ForQuestionAnswering",
    "multiple_choice": "ForMultipleChoice",
}

_CONFIGS: Dict[str, type] = {}
_MODELS: Dict[str, Dict[str, type]] = {task: {} for task in TASKS}
_TOKENIZERS: Dict[str, Any] = {}  # model_type -> tokenizer class, or "module:Class" imported on first use


def register(
    model_type: str,
    config_class: Optional[type] = None,
    models: Optional[Dict[str, type]] = None,
    tokenizer_class: Any = None,
    exist_ok: bool = False,
) -> None:
    """Make the Auto classes know an architecture.

    Args:
        model_type: The `model_type` value of its config.json (e.g. "roberta").
        config_class: Its config class (`from_pretrained`, `from_dict`).
        models: task -> model class, tasks being the keys of `TASKS` ("base", "masked_lm", ...).
        tokenizer_class: Its tokenizer class (or "module:Class", imported when first used).
        exist_ok: Replace an existing registration instead of raising.
    """
    if not exist_ok and model_type in _CONFIGS and config_class is not None and _CONFIGS[model_type] is not config_class:
        raise ValueError(f"model_type {model_type!r} is already registered (to {_CONFIGS[model_type].__name__}); pass exist_ok=True.")
    if config_class is not None:
        _CONFIGS[model_type] = config_class
    for task, cls in (models or {}).items():
        if task not in TASKS:
            raise ValueError(f"Unknown task {task!r}; use one of {sorted(TASKS)}.")
        current = _MODELS[task].get(model_type)
        if current is not None and current is not cls and not exist_ok:
            raise ValueError(
                f"The {task!r} model of model_type {model_type!r} is already registered ({current.__name__}); "
                "pass exist_ok=True to replace it."
            )
        _MODELS[task][model_type] = cls
    if tokenizer_class is not None:
        _TOKENIZERS[model_type] = tokenizer_class


_ROBERTA_MODELS = {task: getattr(modeling, f"DistilRoberta{suffix}") for task, suffix in TASKS.items()}
for _model_type in ROBERTA_FAMILY_MODEL_TYPES:
    register(_model_type, DistilRobertaConfig, _ROBERTA_MODELS, "paddle_distilroberta.tokenization:DistilRobertaTokenizer")


def model_classes(task: Optional[str] = None) -> Dict[str, Any]:
    """The registered model classes: `{task: {model_type: class}}`, or `{model_type: class}` for one task.

    A copy: change the registrations with `register`, not through this.
    """
    if task is None:
        return {t: dict(classes) for t, classes in _MODELS.items()}
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; use one of {sorted(TASKS)}.")
    return dict(_MODELS[task])


def config_classes() -> Dict[str, type]:
    """The registered config classes: `{model_type: class}` (a copy)."""
    return dict(_CONFIGS)


def _read_config_dict(name_or_path: Union[str, os.PathLike], hub: HubOptions) -> Dict[str, Any]:
    built_in = registry_config(name_or_path)  # a config-only registry entry, e.g. "tiny-random"
    if built_in is not None:
        return built_in
    path = resolve_config_file(name_or_path, hub)
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}).") from err


def _model_type_of(config: Dict[str, Any]) -> str:
    model_type = config.get("model_type")
    if model_type is None:  # PaddleNLP's legacy files: infer from the class name
        arch = (config.get("architectures") or [config.get("init_class", "")])[-1]
        model_type = "roberta" if "Roberta" in arch else ""
    if model_type not in _CONFIGS:
        raise ValueError(
            f"model_type {model_type!r} is not registered with paddle_distilroberta (known: {sorted(_CONFIGS)}); "
            "register it with paddle_distilroberta.auto.register(...)."
        )
    return model_type


class AutoConfig:
    """`AutoConfig.from_pretrained(name_or_path)` -> the registered config class for its model_type."""

    @classmethod
    def from_pretrained(cls, name_or_path: Union[str, os.PathLike], **kwargs: Any):
        hub = HubOptions.pop_from(kwargs)
        data = _read_config_dict(name_or_path, hub)
        return _CONFIGS[_model_type_of(data)].from_dict(data, **kwargs)


class _AutoModel:
    task = "base"

    @classmethod
    def model_class(cls, config: Union[Dict[str, Any], DistilRobertaConfig]) -> Type[Any]:
        """The class this Auto class builds for a config (dict or object)."""
        data = config.to_dict() if hasattr(config, "to_dict") else dict(config)
        classes = _MODELS[cls.task]
        model_type = _model_type_of(data)
        if model_type not in classes:
            raise ValueError(f"No {TASKS[cls.task]} model is registered for model_type {model_type!r}.")
        return classes[model_type]

    @classmethod
    def from_pretrained(cls, name_or_path: Union[str, os.PathLike], *args: Any, **kwargs: Any):
        """Read the config, pick the class, and load the weights (see `pretrained.loading.from_pretrained`)."""
        config = kwargs.get("config")
        if config is None:
            config = _read_config_dict(name_or_path, HubOptions.peek(kwargs))
        return cls.model_class(config).from_pretrained(name_or_path, *args, **kwargs)

    @classmethod
    def from_config(cls, config: DistilRobertaConfig):
        """A randomly initialised model for `config`."""
        return cls.model_class(config)(config)


def _auto(task: str) -> type:
    name = "AutoModel" if task == "base" else f"AutoModel{TASKS[task]}"
    doc = f"Builds the registered `{TASKS[task]}` class for a checkpoint's model_type."
    return type(name, (_AutoModel,), {"task": task, "__doc__": doc, "__module__": __name__})


AutoModel = _auto("base")
AutoModelForMaskedLM = _auto("masked_lm")
AutoModelForCausalLM = _auto("causal_lm")
AutoModelForSequenceClassification = _auto("sequence_classification")
AutoModelForTokenClassification = _auto("token_classification")
AutoModelForQuestionAnswering = _auto("question_answering")
AutoModelForMultipleChoice = _auto("multiple_choice")


class AutoTokenizer:
    """`AutoTokenizer.from_pretrained(name_or_path)` -> the registered tokenizer (DistilRobertaTokenizer for RoBERTa)."""

    @classmethod
    def tokenizer_class(cls, model_type: str = "roberta") -> type:
        entry = _TOKENIZERS.get(model_type)
        if entry is None:
            raise ValueError(f"No tokenizer is registered for model_type {model_type!r} (known: {sorted(_TOKENIZERS)}).")
        if isinstance(entry, str):
            module, _, name = entry.partition(":")
            entry = getattr(importlib.import_module(module), name)
        return entry

    @classmethod
    def from_pretrained(cls, name_or_path: Union[str, os.PathLike], *args: Any, **kwargs: Any):
        return cls.tokenizer_class("roberta").from_pretrained(name_or_path, *args, **kwargs)


def convert_checkpoint(src_dir: Union[str, os.PathLike], dst_dir: Union[str, os.PathLike], *, to: str = "paddle") -> Path:
    """Convert a checkpoint folder between layouts: Hugging Face / PaddleNLP -> this package's Paddle layout
    (`to="paddle"`), or back to transformers' layout (`to="hf"`). The model class comes from the folder's config
    (its model_type, then the head named in `architectures`); see `pretrained.convert.convert_checkpoint`.
    Tokenizer files, when the folder has some, are rewritten so that transformers' and PaddleNLP's
    AutoTokenizer both read them."""
    config = AutoConfig.from_pretrained(os.fspath(src_dir))
    model_class = AutoModel.model_class(config)
    pick = getattr(model_class, "checkpoint_class", None)
    dst = convert.convert_checkpoint(src_dir, dst_dir, pick(config) if pick else model_class, to=to)
    try:  # tokenizer files as both transformers and PaddleNLP read them (whoever wrote the source's)
        tokenizer = AutoTokenizer.from_pretrained(os.fspath(src_dir))
    except FileNotFoundError:
        return dst  # a weights-only folder
    tokenizer.save_pretrained(dst)
    return dst
