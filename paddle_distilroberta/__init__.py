"""paddle_distilroberta: DistilRoBERTa and the RoBERTa family for PaddlePaddle, equal to Hugging Face.

    from paddle_distilroberta import AutoModel, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained("distilroberta-base")
    model = AutoModel.from_pretrained("distilroberta-base")
    outputs = model(**tokenizer("Hello world!", return_tensors="pd"))

Importing the package only registers: it creates no directories and opens no connection. If PaddleNLP
is installed, its Auto classes learn this package's classes when `paddlenlp.transformers` is imported.
"""
from __future__ import annotations

import logging

from .auto import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoModelForMultipleChoice,
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    register,
)
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
from .modeling import (
    DistilRobertaForCausalLM,
    DistilRobertaForMaskedLM,
    DistilRobertaForMultipleChoice,
    DistilRobertaForQuestionAnswering,
    DistilRobertaForSequenceClassification,
    DistilRobertaForTokenClassification,
    DistilRobertaModel,
    DistilRobertaPretrainedModel,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str):  # the tokenizer imports `tokenizers` lazily, on first use
    if name == "DistilRobertaTokenizer":
        from .tokenization import DistilRobertaTokenizer

        return DistilRobertaTokenizer
    if name == "pipeline":
        from .pipelines import pipeline

        return pipeline
    raise AttributeError(f"module 'paddle_distilroberta' has no attribute {name!r}")


def _install_paddlenlp_hook() -> None:
    try:
        from .integrations.paddlenlp import install_import_hook
    except ImportError:  # the integration module is optional
        return
    install_import_hook()


_install_paddlenlp_hook()

__all__ = [
    "AutoConfig", "AutoModel", "AutoModelForCausalLM", "AutoModelForMaskedLM", "AutoModelForMultipleChoice",
    "AutoModelForQuestionAnswering", "AutoModelForSequenceClassification", "AutoModelForTokenClassification",
    "AutoTokenizer", "register", "DistilRobertaConfig", "DistilRobertaTokenizer", "DistilRobertaPretrainedModel",
    "DistilRobertaModel", "DistilRobertaForMaskedLM", "DistilRobertaForCausalLM", "DistilRobertaForSequenceClassification",
    "DistilRobertaForTokenClassification", "DistilRobertaForQuestionAnswering", "DistilRobertaForMultipleChoice",
    "DistilRobertaError", "UnknownModelError", "WeightMappingError", "UnsafeCheckpointError", "CheckpointFormatError", "ChecksumError",
    "NotInCacheError", "DownloadError", "pipeline",
]
