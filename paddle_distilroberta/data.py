"""Batching for fine-tuning: data collators and a length-bucketing batch sampler.

Each collator is a callable ``features -> batch`` usable as PaddleNLP's ``Trainer(data_collator=...)``,
``paddle.io.DataLoader(collate_fn=...)`` or in a hand-written loop. ``features`` is a list of dicts whose
``input_ids`` (and ``attention_mask``, ``token_type_ids``, ``special_tokens_mask``, ``labels`` ...) are lists
or 1-D arrays of different lengths; the batch is a dict of ``paddle.Tensor`` (``return_tensors="pd"``, the
default) or of ``numpy`` arrays (``"np"``, what DataLoader worker processes should return).

* ``DataCollatorWithPadding``: pads to the longest sequence of the batch (dynamic padding), optionally to a
  multiple of N; scalar ``labels`` (classification / regression) are stacked.
* ``DataCollatorForTokenClassification``: the same, and pads per-token ``labels`` with ``-100`` (ignored by
  the loss).
* ``DataCollatorForLanguageModeling``: dynamic MLM masking, drawn anew for every batch: ``mlm_probability``
  of the non-special tokens become targets; of those 80% are replaced by ``<mask>``, 10% by a random token
  and 10% are left unchanged (BERT / RoBERTa); other positions get label ``-100``. ``whole_word_mask=True``
  masks every sub-token of the chosen words (a word starts at a token that begins with the byte-level BPE
  space marker ``Ġ`` or follows a special token, or is given by ``word_ids`` in the features).
* ``load_raw_datasets`` / ``read_data_file``: the splits of a ``datasets`` name, or of local CSV / JSON / JSONL
  files read with the standard library (no ``datasets`` needed), as lists of dicts.
* ``LengthGroupedBatchSampler`` / ``length_grouped_indices``: batches of similar lengths (shuffled mega-batches
  sorted by length, as transformers' ``group_by_length``), so dynamic padding pads less.

All randomness goes through a ``numpy.random.Generator`` (``seed=``), so a collator is reproducible.
"""
from __future__ import annotations

import csv
import json
import logging
import math
import os
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import numpy as np

logger = logging.getLogger(__name__)

__all__ = [
    "DataCollatorWithPadding",
    "DataCollatorForTokenClassification",
    "DataCollatorForLanguageModeling",
    "LengthGroupedBatchSampler",
    "length_grouped_indices",
    "default_data_collator",
    "load_raw_datasets",
    "read_data_file",
]

#: Keys padded with the tokenizer's pad id; every other sequence key is padded with 0 (masks, type ids).
_PAD_WITH_PAD_ID = ("input_ids",)
#: Per-token keys that are padded with 1 (special_tokens_mask: padding counts as special).
_PAD_WITH_ONE = ("special_tokens_mask",)
#: Keys that are never tensors (offset mappings, example ids, word ids) and are dropped from the batch.
_DROPPED = ("offset_mapping", "example_id", "word_ids", "overflow_to_sample_mapping")


def _pad_id(tokenizer: Any, pad_token_id: Optional[int]) -> int:
    if pad_token_id is not None:
        return int(pad_token_id)
    value = getattr(tokenizer, "pad_token_id", None)
    if value is None:
        raise ValueError("Padding needs a pad id: pass a tokenizer with a pad token or pad_token_id=...")
    return int(value)


def _to_tensors(batch: Dict[str, np.ndarray], return_tensors: str) -> Dict[str, Any]:
    if return_tensors == "np":
        return batch
    if return_tensors != "pd":
        raise ValueError(f"return_tensors must be 'pd' or 'np', got {return_tensors!r}")
    import paddle

    return {k: paddle.to_tensor(v) for k, v in batch.items()}


def _target_length(lengths: Sequence[int], max_length: Optional[int], pad_to_multiple_of: Optional[int], padding: Any) -> int:
    if padding == "max_length":
        if max_length is None:
            raise ValueError("padding='max_length' needs max_length")
        target = max_length
    else:
        target = max(lengths) if lengths else 0
        if max_length is not None and target > max_length:
            raise ValueError(f"a feature has {target} tokens, more than max_length={max_length}; truncate when tokenizing")
    if pad_to_multiple_of:
        target = int(math.ceil(target / pad_to_multiple_of) * pad_to_multiple_of)
    return target


def pad_features(
    features: Sequence[Mapping[str, Any]],
    pad_token_id: int,
    padding: Union[bool, str] = True,
    max_length: Optional[int] = None,
    pad_to_multiple_of: Optional[int] = None,
    label_pad_token_id: Optional[int] = None,
    padding_side: str = "right",
) -> Dict[str, np.ndarray]:
    """Pad every sequence key of `features` to one length and stack each key into an int64/float array.

    ``attention_mask`` is created (1 for real tokens) when missing. ``labels`` that are sequences are padded with
    `label_pad_token_id` (required then); scalar labels are stacked (int64 for ints, float32 for floats).
    Keys in ``_DROPPED`` are left out.
    """
    if not features:
        raise ValueError("cannot collate an empty list of features")
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'right' or 'left', got {padding_side!r}")
    if not padding:
        padding = "longest"
    lengths = [len(f["input_ids"]) for f in features]
    target = _target_length(lengths, max_length, pad_to_multiple_of, padding)
    keys = [k for k in features[0] if k not in _DROPPED]
    out: Dict[str, np.ndarray] = {}
    for key in keys:
        values = [f[key] for f in features]
        first = np.asarray(values[0])
        if key in ("labels", "label") and first.ndim == 0:
            arr = np.asarray(values)
            out["labels"] = arr.astype("float32") if np.issubdtype(arr.dtype, np.floating) else arr.astype("int64")
            continue
        if first.ndim == 0:  # start_positions, end_positions, any other per-example scalar
            arr = np.asarray(values)
            out[key] = arr.astype("float32") if np.issubdtype(arr.dtype, np.floating) else arr.astype("int64")
            continue
        if key in _PAD_WITH_PAD_ID:
            fill = pad_token_id
        elif key in ("labels", "label"):
            if label_pad_token_id is None:
                raise ValueError("per-token labels need label_pad_token_id (use DataCollatorForTokenClassification)")
            fill = label_pad_token_id
        elif key in _PAD_WITH_ONE:
            fill = 1
        else:
            fill = 0
        arr = np.full((len(values), target), fill, dtype="int64")
        for row, value in enumerate(values):
            value = np.asarray(value, dtype="int64")[:target]
            if padding_side == "right":
                arr[row, : len(value)] = value
            else:
                arr[row, target - len(value):] = value
        out["labels" if key == "label" else key] = arr
    if "attention_mask" not in out:
        mask = np.zeros((len(features), target), dtype="int64")
        for row, n in enumerate(lengths):
            if padding_side == "right":
                mask[row, : min(n, target)] = 1
            else:
                mask[row, target - min(n, target):] = 1
        out["attention_mask"] = mask
    return out


class DataCollatorWithPadding:
    """Dynamic padding: pad each batch to its longest sequence (or `max_length` with ``padding="max_length"``).

    Args:
        tokenizer: gives ``pad_token_id`` (or pass `pad_token_id`).
        padding: True / "longest" (dynamic) or "max_length".
        max_length: the length for ``padding="max_length"``; otherwise a ceiling that raises when exceeded.
        pad_to_multiple_of: round the padded length up (8 helps tensor cores).
        return_tensors: "pd" (paddle.Tensor) or "np".
    """

    def __init__(self, tokenizer: Any = None, padding: Union[bool, str] = True, max_length: Optional[int] = None,
                 pad_to_multiple_of: Optional[int] = None, return_tensors: str = "pd", pad_token_id: Optional[int] = None) -> None:
        self.tokenizer = tokenizer
        self.pad_token_id = _pad_id(tokenizer, pad_token_id)
        self.padding = padding
        self.max_length = max_length
        self.pad_to_multiple_of = pad_to_multiple_of
        self.return_tensors = return_tensors

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
        batch = pad_features(features, self.pad_token_id, self.padding, self.max_length, self.pad_to_multiple_of)
        return _to_tensors(batch, self.return_tensors)


class DataCollatorForTokenClassification(DataCollatorWithPadding):
    """Dynamic padding for token classification: per-token ``labels`` are padded with `label_pad_token_id` (-100)."""

    def __init__(self, tokenizer: Any = None, padding: Union[bool, str] = True, max_length: Optional[int] = None,
                 pad_to_multiple_of: Optional[int] = None, label_pad_token_id: int = -100, return_tensors: str = "pd",
                 pad_token_id: Optional[int] = None) -> None:
        super().__init__(tokenizer, padding, max_length, pad_to_multiple_of, return_tensors, pad_token_id)
        self.label_pad_token_id = label_pad_token_id

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
        batch = pad_features(features, self.pad_token_id, self.padding, self.max_length, self.pad_to_multiple_of,
                             label_pad_token_id=self.label_pad_token_id)
        return _to_tensors(batch, self.return_tensors)


class DataCollatorForLanguageModeling:
    """Pads, then masks for MLM anew at every call (dynamic masking): 80% ``<mask>``, 10% random, 10% unchanged.

    Args:
        tokenizer: needs ``pad_token_id``, ``mask_token_id``, ``all_special_ids``, ``len(tokenizer)`` and, for
            `whole_word_mask`, ``convert_ids_to_tokens``.
        mlm_probability: share of the non-special, non-padding tokens that become targets.
        whole_word_mask: choose words, not tokens: all tokens of a chosen word are targets. Words come from a
            ``word_ids`` feature when present, else from the ``Ġ`` (space) marker of byte-level BPE tokens.
        seed: seeds the collator's own ``numpy.random.Generator``.
        mlm: False gives causal-LM batches (labels = input_ids, -100 on padding), as in transformers.

    ``labels`` holds the original id at target positions and -100 elsewhere.
    """

    def __init__(self, tokenizer: Any, mlm: bool = True, mlm_probability: float = 0.15, whole_word_mask: bool = False,
                 pad_to_multiple_of: Optional[int] = None, return_tensors: str = "pd", seed: Optional[int] = None) -> None:
        if mlm and getattr(tokenizer, "mask_token_id", None) is None:
            raise ValueError("MLM masking needs a tokenizer with a mask token")
        if not 0.0 < mlm_probability < 1.0:
            raise ValueError(f"mlm_probability must be in (0, 1), got {mlm_probability}")
        self.tokenizer = tokenizer
        self.mlm = mlm
        self.mlm_probability = float(mlm_probability)
        self.whole_word_mask = whole_word_mask
        self.pad_to_multiple_of = pad_to_multiple_of
        self.return_tensors = return_tensors
        self.pad_token_id = _pad_id(tokenizer, None)
        self.special_ids = np.asarray(sorted(set(int(i) for i in tokenizer.all_special_ids)), dtype="int64")
        self.vocab_size = len(tokenizer)
        self.rng = np.random.default_rng(seed)

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
        features = [{k: v for k, v in f.items() if k not in ("labels", "label")} for f in features]
        word_ids = [f.get("word_ids") for f in features]
        batch = pad_features(features, self.pad_token_id, True, None, self.pad_to_multiple_of)
        batch.pop("special_tokens_mask", None)
        ids = batch["input_ids"]
        if not self.mlm:
            labels = ids.copy()
            labels[batch["attention_mask"] == 0] = -100
            batch["labels"] = labels
            return _to_tensors(batch, self.return_tensors)
        candidates = (batch["attention_mask"] == 1) & ~np.isin(ids, self.special_ids)
        if self.whole_word_mask:
            targets = self._whole_word_targets(ids, candidates, word_ids)
        else:
            targets = candidates & (self.rng.random(ids.shape) < self.mlm_probability)
        batch["input_ids"], batch["labels"] = self.mask_tokens(ids, targets)
        return _to_tensors(batch, self.return_tensors)

    def mask_tokens(self, ids: np.ndarray, targets: np.ndarray):
        """Apply 80/10/10 to the `targets` positions of `ids`; return (masked ids, labels)."""
        labels = np.where(targets, ids, -100).astype("int64")
        ids = ids.copy()
        draw = self.rng.random(ids.shape)
        to_mask = targets & (draw < 0.8)
        to_random = targets & (draw >= 0.8) & (draw < 0.9)
        ids[to_mask] = self.tokenizer.mask_token_id
        ids[to_random] = self._random_tokens(int(to_random.sum()))
        return ids, labels

    def _random_tokens(self, n: int) -> np.ndarray:
        """`n` random ids that are not special tokens (transformers draws from the whole vocabulary)."""
        out = self.rng.integers(0, self.vocab_size, n)
        bad = np.isin(out, self.special_ids)
        while bad.any():
            out[bad] = self.rng.integers(0, self.vocab_size, int(bad.sum()))
            bad = np.isin(out, self.special_ids)
        return out.astype("int64")

    def _words(self, row_ids: np.ndarray, row_candidates: np.ndarray, row_word_ids: Optional[Sequence[Any]]) -> List[List[int]]:
        """Token positions grouped into words (only candidate positions)."""
        words: List[List[int]] = []
        if row_word_ids is not None:
            by_word: Dict[Any, List[int]] = {}
            for pos, wid in enumerate(list(row_word_ids)[: len(row_ids)]):
                if wid is not None and row_candidates[pos]:
                    by_word.setdefault(wid, []).append(pos)
            return list(by_word.values())
        tokens = self.tokenizer.convert_ids_to_tokens([int(i) for i in row_ids])
        for pos, token in enumerate(tokens):
            if not row_candidates[pos]:
                continue
            starts_word = token.startswith("Ġ") or not words or not row_candidates[pos - 1] or words[-1][-1] != pos - 1
            if starts_word:
                words.append([pos])
            else:
                words[-1].append(pos)
        return words

    def _whole_word_targets(self, ids: np.ndarray, candidates: np.ndarray, word_ids: Sequence[Any]) -> np.ndarray:
        """For each row: shuffle its words, take whole words while they fit in round(n_tokens * p) (at least one)."""
        targets = np.zeros_like(candidates)
        for row in range(ids.shape[0]):
            words = self._words(ids[row], candidates[row], word_ids[row])
            if not words:
                continue
            budget = max(1, int(round(int(candidates[row].sum()) * self.mlm_probability)))
            covered = 0
            for index in self.rng.permutation(len(words)):
                word = words[index]
                if covered >= budget:
                    break
                if covered + len(word) > budget and covered > 0:
                    continue
                targets[row, word] = True
                covered += len(word)
        return targets


def default_data_collator(features: Sequence[Mapping[str, Any]], return_tensors: str = "pd") -> Dict[str, Any]:
    """Stack already-padded features (every sequence the same length) into a batch."""
    lengths = {len(f["input_ids"]) for f in features}
    if len(lengths) > 1:
        raise ValueError(f"default_data_collator needs equal lengths, got {sorted(lengths)}; use DataCollatorWithPadding")
    return _to_tensors(pad_features(features, 0, True, label_pad_token_id=-100), return_tensors)


# ----------------------------------------------------------------------------- length bucketing
def length_grouped_indices(lengths: Sequence[int], batch_size: int, mega_batch_mult: int = 50,
                           seed: Optional[int] = None) -> List[int]:
    """A permutation of ``range(len(lengths))`` in which each run of `batch_size` has similar lengths.

    The indices are shuffled, cut into mega-batches of ``batch_size * mega_batch_mult``, each sorted by length
    (longest first); the mega-batch holding the longest example goes first so an out-of-memory shows at once.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    size = max(1, batch_size * mega_batch_mult)
    megas = [sorted(order[i: i + size].tolist(), key=lambda j: -lengths[j]) for i in range(0, len(order), size)]
    if megas:
        first = int(np.argmax([lengths[m[0]] for m in megas]))
        megas[0], megas[first] = megas[first], megas[0]
    return [i for mega in megas for i in mega]


class LengthGroupedBatchSampler:
    """A ``paddle.io.DataLoader(batch_sampler=...)`` that yields batches of similar length, reshuffled each epoch.

    Args:
        lengths: the length (number of tokens) of each example, or a dataset whose items have ``input_ids``.
        batch_size, drop_last: as ``paddle.io.BatchSampler``.
        shuffle: False keeps one fixed grouping (evaluation); True draws a new one per epoch (``set_epoch``).
        seed: base seed; epoch ``e`` uses ``seed + e``.
        num_replicas, rank: shard the batches for data parallel (defaults: paddle.distributed world size/rank);
            the first batches are repeated so that every rank gets the same number.
    """

    def __init__(self, lengths: Union[Sequence[int], Any], batch_size: int, shuffle: bool = True, drop_last: bool = False,
                 mega_batch_mult: int = 50, seed: int = 0, num_replicas: Optional[int] = None, rank: Optional[int] = None) -> None:
        if len(lengths) and not isinstance(lengths[0], (int, np.integer)):
            lengths = [len(item["input_ids"]) for item in lengths]
        self.lengths = [int(n) for n in lengths]
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.mega_batch_mult = mega_batch_mult
        self.seed = int(seed)
        self.epoch = 0
        if num_replicas is None or rank is None:
            try:
                import paddle.distributed as dist

                num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
                rank = dist.get_rank() if rank is None else rank
            except Exception:  # noqa: BLE001 - no distributed environment
                num_replicas, rank = 1, 0
        self.num_replicas, self.rank = max(1, int(num_replicas)), int(rank)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _batches(self) -> List[List[int]]:
        if self.shuffle:
            order = length_grouped_indices(self.lengths, self.batch_size, self.mega_batch_mult, self.seed + self.epoch)
        else:
            order = sorted(range(len(self.lengths)), key=lambda i: -self.lengths[i])
        batches = [order[i: i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        if self.shuffle and len(batches) > 1:  # keep the longest batch first, shuffle the rest
            rng = np.random.default_rng(self.seed + self.epoch + 10_000)
            rest = [batches[i] for i in rng.permutation(np.arange(1, len(batches)))]
            batches = [batches[0]] + rest
        if self.num_replicas > 1:  # every rank must get as many batches (data parallel steps in lockstep)
            total = math.ceil(len(batches) / self.num_replicas) * self.num_replicas
            batches = (batches + batches[: total - len(batches)])[self.rank:: self.num_replicas]
        return batches

    def __iter__(self) -> Iterator[List[int]]:
        batches = self._batches()
        if self.shuffle:
            self.epoch += 1
        return iter(batches)

    def __len__(self) -> int:
        n = len(self.lengths) // self.batch_size if self.drop_last else math.ceil(len(self.lengths) / self.batch_size)
        return math.ceil(n / self.num_replicas) if self.num_replicas > 1 else n


# ----------------------------------------------------------------------------- raw data
def read_data_file(path: Union[str, os.PathLike]) -> List[Dict[str, Any]]:
    """Rows of a local ``.csv`` / ``.tsv`` (header line), ``.jsonl`` / ``.json`` or ``.txt`` file as dicts.

    A ``.txt`` file gives one row ``{"text": line}`` per non-empty line.
    ``.json`` may hold JSON lines, a list of rows, or ``{"data": [...]}`` (as SQuAD's files; nested
    ``paragraphs`` are left for the caller). CSV values stay strings.
    """
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    with open(path, encoding="utf-8", newline="" if suffix in (".csv", ".tsv") else None) as fh:
        if suffix in (".csv", ".tsv"):
            return [dict(row) for row in csv.DictReader(fh, delimiter="\t" if suffix == ".tsv" else ",")]
        if suffix == ".txt":
            return [{"text": line.rstrip("\n")} for line in fh if line.strip()]
        if suffix not in (".json", ".jsonl"):
            raise ValueError(f"{path}: expected a .csv, .tsv, .txt, .json or .jsonl file")
        text = fh.read()
    if suffix == ".json":
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, list):
            return whole
        if isinstance(whole, dict) and isinstance(whole.get("data"), list):
            return whole["data"]
        if isinstance(whole, dict):
            return [whole]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_raw_datasets(dataset_name: Optional[str] = None, dataset_config_name: Optional[str] = None,
                      data_files: Optional[Mapping[str, Optional[str]]] = None, cache_dir: Optional[str] = None,
                      ) -> Dict[str, List[Dict[str, Any]]]:
    """Split name -> list of row dicts, from a ``datasets`` hub name or from local files.

    Args:
        dataset_name: e.g. ``"glue"`` / ``"nyu-mll/glue"``, ``"conll2003"``, ``"squad"``; loaded with
            ``datasets.load_dataset`` (needs ``datasets`` and, the first time, the network).
        dataset_config_name: e.g. ``"sst2"``.
        data_files: ``{"train": path, "validation": path, "test": path}``; None entries are skipped.
    Exactly one of `dataset_name` and `data_files` must be given. Hub datasets keep their ``ClassLabel`` names
    under the key ``"__label_names__"`` of the returned dict (a dict column -> names).

    Once PaddleNLP is imported, ``datasets.load_dataset`` is PaddleNLP's wrapper: a name whose last path part
    is one of its mirrored scripts (``glue``, ``squad``, ``squad_v2``, ``imdb``, ...) loads PaddleNLP's copy of
    that Hugging Face script (same columns and labels, files from Baidu's mirror), any other name loads as usual.
    """
    files = {k: v for k, v in (data_files or {}).items() if v}
    if bool(dataset_name) == bool(files):
        raise ValueError("give either a dataset name or local files (--train_file/--validation_file), not both or neither")
    if files:
        return {split: read_data_file(path) for split, path in files.items()}
    import datasets  # optional: only for hub datasets

    loaded = datasets.load_dataset(dataset_name, dataset_config_name, cache_dir=cache_dir)
    out: Dict[str, Any] = {split: loaded[split].to_list() for split in loaded}
    names: Dict[str, List[str]] = {}
    first = next(iter(loaded.values()))
    for column, feature in first.features.items():
        if hasattr(feature, "names"):
            names[column] = list(feature.names)
        elif hasattr(getattr(feature, "feature", None), "names"):  # Sequence(ClassLabel), e.g. ner_tags
            names[column] = list(feature.feature.names)
    out["__label_names__"] = names
    return out
