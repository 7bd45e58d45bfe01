"""Output objects of the models: named fields, dict access and tuple access in one object.

They behave like `transformers.utils.ModelOutput` (and PaddleNLP's `model_outputs`): an
`OrderedDict` of the fields that are not None, so `out.logits`, `out["logits"]` and `out[0]`
all work, and PaddleNLP's Trainer (which reads `outputs["loss"]`) accepts them as they are.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import Any, Optional, Tuple

import paddle

Tensor = paddle.Tensor


class ModelOutput(OrderedDict):
    """Base class: a dataclass whose non-None fields also form an ordered dict."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                super().__setitem__(f.name, value)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(key)
        return self.to_tuple()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        super().__setattr__(key, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.keys() and value is not None:
            super().__setitem__(name, value)
        super().__setattr__(name, value)

    def __reduce__(self):  # pickling (e.g. by multiprocessing) keeps the dataclass fields
        return (self.__class__, tuple(getattr(self, f.name) for f in fields(self)))

    def to_tuple(self) -> Tuple[Any, ...]:
        """The non-None fields, in declaration order."""
        return tuple(self[k] for k in self.keys())


@dataclass(repr=False)
class BaseModelOutputWithPooling(ModelOutput):
    last_hidden_state: Optional[Tensor] = None
    pooler_output: Optional[Tensor] = None
    hidden_states: Optional[Tuple[Tensor, ...]] = None
    attentions: Optional[Tuple[Tensor, ...]] = None


@dataclass(repr=False)
class MaskedLMOutput(ModelOutput):
    loss: Optional[Tensor] = None
    logits: Optional[Tensor] = None
    hidden_states: Optional[Tuple[Tensor, ...]] = None
    attentions: Optional[Tuple[Tensor, ...]] = None


@dataclass(repr=False)
class CausalLMOutput(MaskedLMOutput):
    pass


@dataclass(repr=False)
class SequenceClassifierOutput(MaskedLMOutput):
    pass


@dataclass(repr=False)
class TokenClassifierOutput(MaskedLMOutput):
    pass


@dataclass(repr=False)
class MultipleChoiceModelOutput(MaskedLMOutput):
    pass


@dataclass(repr=False)
class QuestionAnsweringModelOutput(ModelOutput):
    loss: Optional[Tensor] = None
    start_logits: Optional[Tensor] = None
    end_logits: Optional[Tensor] = None
    hidden_states: Optional[Tuple[Tensor, ...]] = None
    attentions: Optional[Tuple[Tensor, ...]] = None
