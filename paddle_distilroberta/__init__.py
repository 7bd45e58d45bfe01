"""paddle_distilroberta: DistilRoBERTa and the RoBERTa family for PaddlePaddle, equal to Hugging Face.

    from paddle_distilroberta import AutoModel, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained("distilroberta-base")
    model = AutoModel.from_pretrained("distilroberta-base")
    outputs = model(**tokenizer("Hello world!", return_tensors="pd"))

Importing the package only registers: it creates no directories and opens no connection. If PaddleNLP
is installed, its Auto classes learn this package's classes when `paddlenlp.transformers` is imported.
"""
from __future__ import annotations

import importlib
import logging

# The model classes and Auto classes import paddle (~1 s): they load on first use, so that
# `import paddle_distilroberta` and the command line's --help stay fast.
_LAZY = {
    "AutoConfig": "auto",
    "AutoModel": "auto",
    "AutoModelForCausalLM": "auto",
    "AutoModelForMaskedLM": "auto",
    "AutoModelForMultipleChoice": "auto",
    "AutoModelForQuestionAnswering": "auto",
    "AutoModelForSequenceClassification": "auto",
    "AutoModelForTokenClassification": "auto",
    "AutoTokenizer": "auto",
    "register": "auto",
    "DistilRobertaForCausalLM": "modeling",
    "DistilRobertaForMaskedLM": "modeling",
    "DistilRobertaForMultipleChoice": "modeling",
    "DistilRobertaForQuestionAnswering": "modeling",
    "DistilRobertaForSequenceClassification": "modeling",
    "DistilRobertaForTokenClassification": "modeling",
    "DistilRobertaModel": "modeling",
    "DistilRobertaPretrainedModel": "modeling",
    "DistilRobertaTokenizer": "tokenization",
    "pipeline": "pipelines",
    "set_num_threads": "_runtime",
    "get_num_threads": "_runtime",
    "to_predictor": "inference",
    "export": "inference",
}
from .configuration import DistilRobertaConfig
from .errors import (
    CheckpointFormatError,
    ChecksumError,
    DistilRobertaError,
    DownloadError,
    NotInCacheError,
    UnknownModelError,
    UnsafeCheckpointError,
    WeightMappingError,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'paddle_distilroberta' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def _install_integration_hooks() -> None:
    """PaddleNLP's and PaddleFormers' Auto classes learn this package's classes when their `transformers`
    module is imported (neither library is imported here)."""
    for name in ("paddlenlp", "paddleformers"):
        try:
            module = importlib.import_module(f".integrations.{name}", __name__)
        except ImportError:  # an integration module is optional
            continue
        module.install_import_hook()


_install_integration_hooks()

__all__ = [
    "AutoConfig", "AutoModel", "AutoModelForCausalLM", "AutoModelForMaskedLM", "AutoModelForMultipleChoice",
    "AutoModelForQuestionAnswering", "AutoModelForSequenceClassification", "AutoModelForTokenClassification",
    "AutoTokenizer", "register", "DistilRobertaConfig", "DistilRobertaTokenizer", "DistilRobertaPretrainedModel",
    "DistilRobertaModel", "DistilRobertaForMaskedLM", "DistilRobertaForCausalLM", "DistilRobertaForSequenceClassification",
    "DistilRobertaForTokenClassification", "DistilRobertaForQuestionAnswering", "DistilRobertaForMultipleChoice",
    "DistilRobertaError", "UnknownModelError", "WeightMappingError", "UnsafeCheckpointError", "CheckpointFormatError", "ChecksumError",
    "NotInCacheError", "DownloadError", "pipeline",
]
