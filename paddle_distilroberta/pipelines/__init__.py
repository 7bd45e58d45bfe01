"""`pipeline(task, model=...)`: the main jobs in one line, batched, streamed, in input order.

    from paddle_distilroberta import pipeline

    unmasker = pipeline("fill-mask", model="distilroberta-base")
    unmasker("The man worked as a <mask>.", top_k=3)

Tasks (with transformers' names, call parameters and result shapes): `fill-mask`, `text-classification`
(alias `sentiment-analysis`), `token-classification` (alias `ner`), `question-answering`,
`zero-shot-classification`, `feature-extraction`. See each pipeline class for its parameters.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional, Tuple, Type

from .base import Pipeline
from .feature_extraction import FeatureExtractionPipeline
from .fill_mask import FillMaskPipeline, fill_mask
from .question_answering import QuestionAnsweringPipeline
from .text_classification import TextClassificationPipeline
from .token_classification import TokenClassificationPipeline
from .zero_shot_classification import ZeroShotClassificationPipeline

__all__ = [
    "pipeline", "Pipeline", "TASKS", "FillMaskPipeline", "TextClassificationPipeline", "TokenClassificationPipeline",
    "QuestionAnsweringPipeline", "ZeroShotClassificationPipeline", "FeatureExtractionPipeline", "fill_mask",
]

logger = logging.getLogger(__name__)

#: task -> (pipeline class, Auto class name, default model or None)
TASKS: Dict[str, Tuple[Type[Pipeline], str, Optional[str]]] = {
    "fill-mask": (FillMaskPipeline, "AutoModelForMaskedLM", "distilroberta-base"),
    "text-classification": (TextClassificationPipeline, "AutoModelForSequenceClassification", None),
    "token-classification": (TokenClassificationPipeline, "AutoModelForTokenClassification", None),
    "question-answering": (QuestionAnsweringPipeline, "AutoModelForQuestionAnswering", None),
    "zero-shot-classification": (ZeroShotClassificationPipeline, "AutoModelForSequenceClassification", None),
    "feature-extraction": (FeatureExtractionPipeline, "AutoModel", "distilroberta-base"),
}
ALIASES = {"sentiment-analysis": "text-classification", "ner": "token-classification"}


def resolve_task(task: str) -> str:
    """The canonical task name for `task` or an alias; a clear error listing the tasks otherwise."""
    name = ALIASES.get(task, task)
    if name not in TASKS:
        known = sorted([*TASKS, *ALIASES])
        raise ValueError(f"Unknown task {task!r}; known tasks: {', '.join(known)}.")
    return name


def pipeline(
    task: str,
    model: Any = None,
    tokenizer: Any = None,
    device: Optional[str] = None,
    batch_size: int = 8,
    dtype: Any = None,
    precision: Optional[str] = None,
    progress: Optional[bool] = None,
    **kwargs: Any,
) -> Pipeline:
    """Build the pipeline of `task`.

    Args:
        task: `fill-mask`, `text-classification` (`sentiment-analysis`), `token-classification` (`ner`),
            `question-answering`, `zero-shot-classification` or `feature-extraction`.
        model: a pretrained name, hub repo id or local folder (loaded with the task's Auto class), or a
            model object. Default: `distilroberta-base` for fill-mask and feature-extraction.
        tokenizer: a name/folder or a tokenizer object (default: from `model` when it is a name or folder).
        device: `None` (Paddle's current device), `"cpu"`, `"gpu"` or `"gpu:N"` (when loading `model`).
        batch_size: rows per model call (inputs are sorted by length into batches, answered in input order).
        dtype: `None`/`"float32"`, `"float16"` or `"bfloat16"` weights (when loading `model`; half needs a GPU).
        precision: `None` runs the eager (dygraph) model. `"float32"` (within 1e-5 of eager, faster on CPU) or
            `"bfloat16"` run the model's Paddle Inference predictor (`model.to_predictor`: exported once and
            cached; the weights as they are when the pipeline is built); refused with a clear error where the
            model has no predictor.
        progress: `True`/`False` to force the progress bar; `None` shows it for long inputs on a terminal.
        **kwargs: default call parameters of the task (e.g. `top_k=3`, `aggregation_strategy="simple"`).

    Returns:
        A callable pipeline: `pipe(inputs, **call_parameters)`.
    """
    name = resolve_task(task)
    cls, auto_name, default_model = TASKS[name]
    if model is None:
        if default_model is None:
            raise ValueError(f"pipeline({task!r}) needs model=: a name, hub repo id, folder or model object "
                             f"(a {auto_name[len('AutoModel'):] or 'base'} checkpoint).")
        logger.info("No model given for %s; using %s.", name, default_model)
        model = default_model
    if isinstance(model, (str, os.PathLike)):
        from .. import auto

        source = model
        load = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        model = getattr(auto, auto_name).from_pretrained(source, **load)
        if tokenizer is None:
            tokenizer = source
    elif device is not None or dtype is not None:
        logger.warning("device= and dtype= apply when the pipeline loads the model by name; the model object given "
                       "is used as it is (move or cast it first).")
    if tokenizer is None:
        source = getattr(getattr(model, "config", None), "name_or_path", None) or getattr(getattr(model, "config", None), "_name_or_path", None)
        if not source:
            raise ValueError(f"pipeline({task!r}) was given a model object without tokenizer=; pass the tokenizer "
                             "(an object, name or folder).")
        tokenizer = source
    if isinstance(tokenizer, (str, os.PathLike)):
        from ..auto import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(tokenizer)
    return cls(model, tokenizer, batch_size=batch_size, progress=progress, precision=precision, **kwargs)
