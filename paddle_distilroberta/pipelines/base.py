"""The shared pipeline machinery: inputs in, bucketed batches through the model, results out in input order.

A task subclass says three things:

* `_preprocess(items, params)`: for each input item, the list of model rows it needs (a row is a dict with
  `input_ids` and whatever the task wants back later: offsets, windows, hypotheses...). One item may need
  several rows (QA and token-classification windows, one NLI pair per zero-shot label).
* `output_names`: which model outputs to keep (`logits`, `last_hidden_state`, `start_logits`...).
* `_postprocess(item, rows, params)`: the result of one item from its rows, each row carrying its outputs
  cut to the row's own length (padding removed).

`Pipeline.__call__` reads the inputs a chunk at a time, sorts the rows of a chunk by length into batches of
`batch_size` (little padding), runs the model under `no_grad` in eval mode (restoring the model's mode
afterwards), and answers the chunk's items in their input order. A generator input is answered by a
generator that reads the next chunk only when the previous results have been taken (bounded memory).
"""
from __future__ import annotations

import logging
import os
import sys
from itertools import islice
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

logger = logging.getLogger(__name__)

#: items read ahead per chunk, in batches: more gives better length bucketing, less gives earlier results
CHUNK_BATCHES = 32
#: inputs from which a progress bar is shown on a terminal (when `progress=None`)
PROGRESS_MIN_ITEMS = 256
_EAGER_PRECISIONS = ("float32", "fp32")


def _is_dataset(inputs: Any) -> bool:
    try:
        from paddle.io import Dataset, IterableDataset
    except ImportError:  # pragma: no cover - paddle is a dependency
        return False
    return isinstance(inputs, (Dataset, IterableDataset))


class Pipeline:
    """A model, its tokenizer, and the batching around them (see the module docstring).

    Args:
        model: a loaded model of the task's class.
        tokenizer: its tokenizer (a fast RoBERTa tokenizer).
        batch_size: rows per model call.
        progress: `True` / `False` to force the progress bar on or off; `None` shows it on a terminal for
            long inputs (`PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS=1` turns it off).
        precision: `None`: the eager model (exact, always the current weights). `"float32"` / `"bfloat16"` /
            `"int8"`: the model's predictor (`model.to_predictor`: Paddle Inference, ONNX Runtime for int8;
            weights as they are now); refused with a clear error for models without one (other than
            `"float32"`, which then runs eagerly).
    """

    task = ""
    output_names: Tuple[str, ...] = ("logits",)
    #: outputs have one entry per token (cut to each row's length) rather than one per row
    token_level = True

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 8, progress: Optional[bool] = None,
                 precision: Optional[str] = None, **defaults: Any):
        if type(batch_size) is not int or batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be a positive int.")
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.progress = progress
        self.precision = precision
        self._predictor = self._make_predictor(precision)
        self._defaults = dict(defaults)  # call parameters given at construction, checked now and on each call
        self._check_params(dict(defaults))

    # ------------------------------------------------------------------ set-up

    def _make_predictor(self, precision: Optional[str]) -> Any:
        """None: the eager model. A precision: the model's Paddle Inference predictor (`model.to_predictor`),
        which snapshots the weights now (build the pipeline again after changing them)."""
        if precision is None:
            return None
        if hasattr(self.model, "to_predictor"):
            return self.model.to_predictor(precision=precision)
        if precision in _EAGER_PRECISIONS:
            return None
        raise ValueError(
            f"precision={precision!r} needs the Paddle Inference predictor path (model.to_predictor), which is not "
            f"available for {type(self.model).__name__}; use precision=None or 'float32' (the eager model, exact).")

    def _check_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        """Validate and complete call parameters (subclasses check their own names)."""
        if params:
            raise TypeError(f"{self.task} got unknown arguments {sorted(params)}.")
        return params

    @property
    def config(self) -> Any:
        return self.model.config

    # ------------------------------------------------------------------ calling

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        """Answer one input (returns its result) or many (a list, or a generator for a generator input)."""
        params = self._check_params({**self._defaults, **kwargs})
        single, items, total = self._as_items(inputs)
        if single:
            return next(self._stream(iter([items]), params, 1))
        results = self._stream(iter(items), params, total)
        return results if total is None else list(results)

    def _as_items(self, inputs: Any) -> Tuple[bool, Any, Optional[int]]:
        """(single?, the item or an iterable of items, number of items or None when unknown)."""
        if self._is_single(inputs):
            return True, inputs, 1
        if _is_dataset(inputs):
            if hasattr(inputs, "__len__") and hasattr(inputs, "__getitem__"):
                return False, (inputs[i] for i in range(len(inputs))), len(inputs)
            return False, iter(inputs), None
        if isinstance(inputs, (list, tuple)):
            return False, inputs, len(inputs)
        if isinstance(inputs, Iterable):
            return False, iter(inputs), None
        raise TypeError(f"{self.task} takes a str, a list of inputs, a generator or a paddle.io.Dataset; "
                        f"got {type(inputs).__name__}.")

    def _is_single(self, inputs: Any) -> bool:
        return isinstance(inputs, (str, Mapping))

    def _stream(self, items: Iterator[Any], params: Dict[str, Any], total: Optional[int]) -> Iterator[Any]:
        chunk_size = self.batch_size * CHUNK_BATCHES
        bar = self._progress_bar(total)
        model = self.model
        was_training = bool(getattr(model, "training", False))
        try:
            while True:
                chunk = list(islice(items, chunk_size))
                if not chunk:
                    break
                if hasattr(model, "eval"):
                    model.eval()
                try:
                    results = self._run_chunk(chunk, params)
                finally:
                    if was_training:
                        model.train()
                for result in results:
                    yield result
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()

    def _progress_bar(self, total: Optional[int]) -> Any:
        show = self.progress
        if show is None:
            disabled = os.environ.get("PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS", "").lower() in ("1", "true", "yes")
            show = not disabled and (total is None or total >= PROGRESS_MIN_ITEMS) and sys.stderr.isatty()
        if not show:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=self.task, unit="input")

    def _run_chunk(self, chunk: List[Any], params: Dict[str, Any]) -> List[Any]:
        per_item = self._preprocess(chunk, params)
        rows = [row for item_rows in per_item for row in item_rows]
        order = sorted(range(len(rows)), key=lambda r: len(rows[r]["input_ids"]))
        for start in range(0, len(order), self.batch_size):
            batch = [rows[r] for r in order[start:start + self.batch_size]]
            arrays = self._collate(batch)
            for row, outputs in zip(batch, self._split(self._forward(arrays), arrays)):
                row.update(outputs)
        return [self._postprocess(item, item_rows, params) for item, item_rows in zip(chunk, per_item)]

    def _collate(self, batch: Sequence[Mapping[str, Any]]) -> Dict[str, np.ndarray]:
        width = max(len(row["input_ids"]) for row in batch)
        pad = self.tokenizer.pad_token_id
        ids = np.full((len(batch), width), pad, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for j, row in enumerate(batch):
            n = len(row["input_ids"])
            ids[j, :n] = row["input_ids"]
            mask[j, :n] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def _forward(self, arrays: Dict[str, np.ndarray]) -> Dict[str, Any]:
        """Model outputs named in `output_names` for one padded batch (paddle tensors or numpy arrays)."""
        if self._predictor is not None:
            out = self._predictor(**arrays)
            return {name: _pick(out, name) for name in self.output_names}
        import paddle

        place = _model_place(self.model)
        with paddle.no_grad():
            tensors = {k: paddle.to_tensor(v, place=place) for k, v in arrays.items()}
            out = self.model(**tensors)
        return {name: _pick(out, name) for name in self.output_names}

    def _split(self, outputs: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> List[Dict[str, np.ndarray]]:
        """Per-row float32 numpy outputs, token-level ones cut to each row's length."""
        lengths = arrays["attention_mask"].sum(axis=1).tolist()
        values = {name: _numpy(value) for name, value in outputs.items()}
        if self.token_level:
            return [{name: v[j, :n] for name, v in values.items()} for j, n in enumerate(lengths)]
        return [{name: v[j] for name, v in values.items()} for j in range(len(lengths))]

    # ------------------------------------------------------------------ task hooks

    def _preprocess(self, items: List[Any], params: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
        raise NotImplementedError

    def _postprocess(self, item: Any, rows: List[Dict[str, Any]], params: Dict[str, Any]) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(task={self.task!r}, model={type(self.model).__name__}, batch_size={self.batch_size})"


def _pick(out: Any, name: str) -> Any:
    if isinstance(out, Mapping) or hasattr(out, "keys"):
        try:
            return out[name]
        except (KeyError, TypeError):
            pass
    if hasattr(out, name):
        return getattr(out, name)
    if isinstance(out, (list, tuple)):
        return out[0]
    return out


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        if str(getattr(value, "dtype", "")).endswith("float32"):
            return value.numpy()
        return value.astype("float32").numpy()
    return np.asarray(value, dtype=np.float32)


def _model_place(model: Any) -> Any:
    for param in model.parameters():
        return param.place
    return None


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax in float64 (as transformers' pipelines compute on numpy)."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def check_top_k(top_k: Any, allow_none: bool = False) -> None:
    if top_k is None and allow_none:
        return
    if type(top_k) is not int or top_k < 1:
        raise ValueError(f"top_k={top_k!r} must be a positive int{' or None' if allow_none else ''}.")


def max_tokens(model: Any, tokenizer: Any) -> int:
    """Tokens a row may hold: the tokenizer's limit, capped by the model's position table."""
    limit = int(getattr(tokenizer, "model_max_length", 512) or 512)
    positions = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    pad = getattr(getattr(model, "config", None), "pad_token_id", 1) or 0
    if positions:
        limit = min(limit, int(positions) - int(pad) - 1)
    return limit
