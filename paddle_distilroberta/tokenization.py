"""DistilRoBERTa / RoBERTa byte-level BPE tokenizer over the Rust `tokenizers` library.

`DistilRobertaTokenizer` gives the same ids, masks, offsets, overflow windows and decoded text as
transformers' `RobertaTokenizerFast` built from the same files (checked against golden fixtures in
`tests/fixtures/tokenizer/`), with the call API users know from transformers and PaddleNLP.

The pipeline is the one `RobertaTokenizerFast` builds: no normalizer, a `ByteLevel` pre-tokenizer
(GPT-2 regex and byte-to-unicode table, `add_prefix_space`), a BPE model read from `vocab.json` +
`merges.txt` (or `tokenizer.json`), a `RobertaProcessing` post-processor
(`<s> A </s>` and `<s> A </s></s> B </s>`, trimmed offsets) and a `ByteLevel` decoder. `<mask>` is
registered with `lstrip=True`, so `"is <mask>"` encodes to `Ġis <mask>` and decodes to `"is<mask>"`.

Decisions that differ from, or make explicit, what transformers does:

* **Ids absent from the vocabulary.** roberta-base's `vocab.json` has 50,262 entries with ids
  0..50260 and 50264 (`<mask>`); 50261..50263 (fairseq's `madeupword0000..0002`) are holes, while the
  model's embedding has 50,265 rows. `RobertaTokenizerFast` silently drops such ids when decoding and
  `convert_ids_to_tokens` returns `None` for them; the slow `RobertaTokenizer` crashes. Here a hole id
  is read as `unk_token` (`"<unk>"`): `convert_ids_to_tokens` returns `"<unk>"` and `decode` writes
  `"<unk>"` (dropped with `skip_special_tokens=True`). Ids below 0 or above the largest known id raise
  `ValueError`. The encoder never produces hole ids, so encoding parity is unaffected.
* **Sizes.** As in transformers, `vocab_size` is the number of entries of the BPE vocabulary
  (50,262 for roberta-base) and `len(tokenizer)` adds the added tokens that are not in it (also
  50,262, because the special tokens are in `vocab.json`). Neither is the number of embedding rows
  (50,265): never resize a model's embeddings to `len(tokenizer)`; use `max_token_id + 1` as a lower
  bound instead. Tokens added with `add_tokens` get ids from 50,265 on, as in transformers.
* **Lone surrogates.** A Python `str` may hold lone surrogates (`"\\ud800"`), which have no UTF-8 form;
  `RobertaTokenizerFast` raises `TypeError` on them. Here each one is encoded as U+FFFD (one code point
  for one code point, so offsets still index the original string) and therefore decodes as U+FFFD.
  For every string without lone surrogates, `decode(encode(s, add_special_tokens=False)) == s`, with the
  two exceptions RoBERTa's special tokens make (as in transformers): a literal `<s>`, `</s>`, `<pad>`,
  `<unk>` or `<mask>` in the text is read as that special token, and whitespace right before `<mask>`
  is dropped (lstrip).
* **Fast, not slow, where the two transformers tokenizers differ**: with `add_prefix_space=True` the
  slow `RobertaTokenizer` adds no space before a text that starts with other whitespace (`"\t"`,
  `"\r"`) or after special tokens; an empty single `text_pair` means "no pair" (fast behaviour).
* **`clean_up_tokenization_spaces` defaults to `False`** (as in transformers 4.45+); `True` applies
  transformers' BERT-era clean-up (`" ." -> "."`, `" n't" -> "n't"`, ...), which breaks exact round trips.
* **Split words need `add_prefix_space=True`** (`is_split_into_words=True` otherwise raises, as in
  transformers): each word is encoded as if a space preceded it.
* **Bad input raises** where transformers would silently do something else: `max_length` smaller than
  the special tokens need (transformers returns the untruncated ids), `None` or non-string items
  (transformers raises an opaque `TypeError`), pair batches of different lengths.
* **Saved folders** hold `vocab.json`, `merges.txt`, `tokenizer.json`, `special_tokens_map.json` and
  `tokenizer_config.json` with `"tokenizer_class": "DistilRobertaTokenizer"` (so PaddleNLP's
  `AutoTokenizer` picks this class). transformers' `RobertaTokenizerFast.from_pretrained(folder)` and
  `RobertaTokenizer.from_pretrained(folder)` read them (they only log that the class name differs);
  transformers' `AutoTokenizer` does not know the class name and raises `ValueError`, so with transformers use
  `RobertaTokenizerFast` directly or `AutoTokenizer.from_pretrained(folder, tokenizer_type="roberta")`.
  PaddleNLP's `RobertaBPETokenizer.from_pretrained(folder)` reads them too (ids checked in the tests).
* `errors` (the byte-decoding error mode of the slow tokenizer) is accepted for compatibility; decoding
  always replaces invalid UTF-8 with U+FFFD, as `RobertaTokenizerFast` does.

Example:
    >>> tok = DistilRobertaTokenizer.from_pretrained("../shared/data/roberta-bpe")  # doctest: +SKIP
    >>> tok("Hello world!")["input_ids"]  # doctest: +SKIP
    [0, 31414, 232, 328, 2]
"""
from __future__ import annotations

import difflib
import gc
import inspect
import logging
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from tokenizers import AddedToken, Encoding, Tokenizer, decoders, pre_tokenizers, processors
from tokenizers.models import BPE

from . import tokenizer_files
from .pretrained.resolve import HubOptions, resolve
from .tokenizer_files import MERGES_FILE, SPECIAL_TOKENS_ATTRIBUTES, TOKENIZER_FILE, VOCAB_FILE

__all__ = ["AddedToken", "BatchEncoding", "DistilRobertaTokenizer"]

logger = logging.getLogger(__name__)

_DEFAULT_SPECIAL_TOKENS = {
    "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
    "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>",
}
# from_pretrained keywords of PaddleNLP / transformers call sites that only concern where files come from.
_IGNORED_LOAD_KWARGS = frozenset({  # (hub arguments and refused values are HubOptions' job)
    "tokenizer_type", "config", "local_dir",
})
_TRUNCATION_STRATEGIES = ("longest_first", "only_first", "only_second")
_SURROGATES = re.compile("[\ud800-\udfff]")
_VERY_LARGE = int(1e20)
#: The longest row padding="max_length" may build (the Rust library aborts the process on huge allocations).
MAX_PADDED_LENGTH = 1_000_000

TextInput = str
PreTokenizedInput = List[str]
TokenLike = Union[str, AddedToken]


class BatchEncoding(dict):
    """The output of `DistilRobertaTokenizer.__call__`: a dict of model inputs plus the Rust encodings.

    Keys are also attributes (`enc.input_ids`). `word_ids`, `sequence_ids` and `tokens` read the
    underlying `tokenizers.Encoding` objects (one per returned row, overflow windows included).
    """

    def __init__(self, data: Optional[Mapping[str, Any]] = None, encodings: Optional[List[Encoding]] = None):
        super().__init__(data or {})
        self._encodings = encodings

    def __getattr__(self, item: str) -> Any:
        try:
            return self[item]
        except KeyError as err:
            raise AttributeError(f"BatchEncoding has no key {item!r}; keys: {sorted(self)}") from err

    def __getstate__(self) -> Dict[str, Any]:
        return {"data": dict(self), "encodings": self._encodings}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.update(state["data"])
        self._encodings = state["encodings"]

    @property
    def encodings(self) -> Optional[List[Encoding]]:
        """The `tokenizers.Encoding` of each returned row (None for outputs of `pad`)."""
        return self._encodings

    def _encoding(self, batch_index: int) -> Encoding:
        if not self._encodings:
            raise ValueError("This BatchEncoding has no token-level information (it did not come from __call__).")
        if not -len(self._encodings) <= batch_index < len(self._encodings):
            raise IndexError(f"batch_index={batch_index} is out of range for {len(self._encodings)} encoded rows.")
        return self._encodings[batch_index]

    def word_ids(self, batch_index: int = 0) -> List[Optional[int]]:
        """Index of the word (with `is_split_into_words`) or pre-token each token comes from; None for special tokens."""
        return self._encoding(batch_index).word_ids

    def sequence_ids(self, batch_index: int = 0) -> List[Optional[int]]:
        """0 for tokens of the first text, 1 for the pair text, None for special and padding tokens."""
        return self._encoding(batch_index).sequence_ids

    def tokens(self, batch_index: int = 0) -> List[str]:
        """The token strings of row `batch_index`."""
        return self._encoding(batch_index).tokens

    def char_to_token(self, batch_index: int, char_index: int, sequence_index: int = 0) -> Optional[int]:
        """Index of the token of row `batch_index` that covers character `char_index` of text `sequence_index`."""
        return self._encoding(batch_index).char_to_token(char_index, sequence_index)

    def token_to_chars(self, batch_index: int, token_index: int) -> Optional[Tuple[int, int]]:
        """(start, end) characters of token `token_index` of row `batch_index`; None for special tokens."""
        return self._encoding(batch_index).token_to_chars(token_index)


def _as_added_token(value: Any, name: str, normalized: bool = True) -> AddedToken:
    """A special-token value from kwargs or a config file (str, AddedToken, HF or PaddleNLP dict).

    Flags follow transformers: the constructor's str tokens are `normalized=True` (as the slow
    tokenizer's defaults), tokens added later with `add_special_tokens` are `normalized=False`.
    """
    if isinstance(value, AddedToken):
        return value
    if isinstance(value, str):
        if name == "mask_token":  # RoBERTa's mask eats the space before it
            return AddedToken(value, lstrip=True, rstrip=False, normalized=False, special=True)
        return AddedToken(value, lstrip=False, rstrip=False, normalized=normalized, special=True)
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        flags = {k: bool(value[k]) for k in ("lstrip", "rstrip", "single_word", "normalized") if k in value}
        return AddedToken(value["content"], special=True, **flags)
    raise TypeError(f"{name} must be a str, an AddedToken or a dict with 'content', got {value!r}.")


def _clean_up_tokenization(text: str) -> str:
    """transformers' `clean_up_tokenization` (removes spaces before punctuation and contractions)."""
    for old, new in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                     (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(old, new)
    return text


def _parse_padding(padding: Any, side: str) -> Tuple[Optional[str], str]:
    """The one reading of transformers' padding arguments: ('longest' | 'max_length' | None, 'right' | 'left')."""
    if padding is True or padding == "longest":
        strategy = "longest"
    elif padding is False or padding is None or padding == "do_not_pad":
        strategy = None
    elif padding == "max_length":
        strategy = "max_length"
    else:
        raise ValueError(f"padding={padding!r} is not supported; use True/'longest', 'max_length' or False.")
    if side not in ("right", "left"):
        raise ValueError(f"padding_side={side!r} is not supported; use 'right' or 'left'.")
    return strategy, side


def _to_id_list(token_ids: Any, what: str = "token_ids") -> List[int]:
    if hasattr(token_ids, "tolist"):  # numpy arrays, numpy scalars, paddle tensors
        token_ids = token_ids.tolist()
    if isinstance(token_ids, int) and not isinstance(token_ids, bool):
        return [token_ids]
    if not isinstance(token_ids, (list, tuple)):
        raise TypeError(f"{what} must be an int or a sequence of ints, got {type(token_ids).__name__} ({token_ids!r:.80}).")
    for i, value in enumerate(token_ids):
        if type(value) is not int:
            hint = "; use batch_decode for a batch" if isinstance(value, (list, tuple)) else ""
            raise TypeError(f"{what}[{i}] is {type(value).__name__} ({value!r:.80}), expected an int{hint}.")
    return list(token_ids)


class DistilRobertaTokenizer:
    """Byte-level BPE tokenizer of RoBERTa and DistilRoBERTa, equal to transformers' `RobertaTokenizerFast`.

    Args:
        vocab_file: `vocab.json` ({token: id}). Needed with `merges_file` unless `tokenizer_file` is given.
        merges_file: `merges.txt` (GPT-2 merge list, optional `#version` header).
        tokenizer_file: a `tokenizer.json` with a BPE model; used instead of the two files above.
        errors: accepted for compatibility with the slow tokenizers; decoding always replaces bad bytes.
        bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token: the special tokens
            (str, `tokenizers.AddedToken`, or a `{"content": ...}` dict). A str `mask_token` gets `lstrip=True`.
        additional_special_tokens: more special tokens (never split, skipped by `skip_special_tokens`).
        add_prefix_space: add a space before the first word, so `"Hello"` encodes like `" Hello"`.
            Required for `is_split_into_words=True`.
        trim_offsets: leave the leading space out of the offsets (`"Ġworld"` maps to `world` only).
        model_max_length: default `max_length` for truncation and `padding="max_length"` (512).
        clean_up_tokenization_spaces: default of `decode`'s argument (False keeps decoding exact).
        padding_side, truncation_side: `"right"` or `"left"`.
        name_or_path: where the files came from (informational).

    A call sets truncation and padding on the shared Rust tokenizer before encoding (as transformers does),
    so one instance must not be called from several threads at once with different settings; use one
    instance per thread (instances and their outputs pickle, for DataLoader workers).
    """

    vocab_files_names = {"vocab_file": VOCAB_FILE, "merges_file": MERGES_FILE, "tokenizer_file": TOKENIZER_FILE}
    model_input_names = ["input_ids", "attention_mask"]
    is_fast = True

    def __init__(
        self,
        vocab_file: Optional[Union[str, os.PathLike]] = None,
        merges_file: Optional[Union[str, os.PathLike]] = None,
        tokenizer_file: Optional[Union[str, os.PathLike]] = None,
        *,
        errors: str = "replace",
        bos_token: Any = "<s>",
        eos_token: Any = "</s>",
        unk_token: Any = "<unk>",
        sep_token: Any = "</s>",
        pad_token: Any = "<pad>",
        cls_token: Any = "<s>",
        mask_token: Any = "<mask>",
        additional_special_tokens: Optional[Sequence[Any]] = None,
        add_prefix_space: bool = False,
        trim_offsets: bool = True,
        model_max_length: int = 512,
        clean_up_tokenization_spaces: bool = False,
        padding_side: str = "right",
        truncation_side: str = "right",
        name_or_path: str = "",
        **kwargs: Any,
    ) -> None:
        saved_added = dict(kwargs.pop("_added_tokens", None) or [])  # from from_pretrained: {id: token dict}
        if kwargs:
            name = sorted(kwargs)[0]
            known = [p for p in inspect.signature(DistilRobertaTokenizer.__init__).parameters if p not in ("self", "kwargs")]
            close = difflib.get_close_matches(name, known, n=2)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise TypeError(f"DistilRobertaTokenizer got an unexpected keyword argument {name!r}.{hint} "
                            f"Its options: {', '.join(known)}.")
        for name, side in (("padding_side", padding_side), ("truncation_side", truncation_side)):
            if side not in ("right", "left"):
                raise ValueError(f"{name}={side!r} is not supported; use 'right' or 'left'.")
        if isinstance(model_max_length, float) and model_max_length.is_integer():  # "1e+30" in some saved configs
            model_max_length = int(model_max_length)
        if not isinstance(model_max_length, int) or model_max_length < 1:
            raise ValueError(f"model_max_length={model_max_length!r} must be a positive int (512 for RoBERTa models).")
        self.errors = errors
        self.add_prefix_space = bool(add_prefix_space)
        self.trim_offsets = bool(trim_offsets)
        self.model_max_length = model_max_length
        self.clean_up_tokenization_spaces = bool(clean_up_tokenization_spaces)
        self.padding_side = padding_side
        self.truncation_side = truncation_side
        self.name_or_path = str(name_or_path)
        self._vocab, self._merges, file_added = tokenizer_files.load_model_files(vocab_file, merges_file, tokenizer_file)
        self._backend = self._build_backend()
        self._special: Dict[str, AddedToken] = {}
        self._additional: List[AddedToken] = []
        specials = dict(bos_token=bos_token, eos_token=eos_token, unk_token=unk_token, sep_token=sep_token,
                        pad_token=pad_token, cls_token=cls_token, mask_token=mask_token)
        for name, value in specials.items():
            if value is not None:
                self._special[name] = _as_added_token(value, name)
        for value in additional_special_tokens or ():
            self._additional.append(_as_added_token(value, "additional_special_tokens", normalized=False))
        self._register_tokens({**file_added, **saved_added})
        self._update_post_processor()
        self._state: Optional[Tuple[Any, Any]] = None  # (truncation, padding) set on the backend; None: unknown

    # ------------------------------------------------------------------ construction

    def _build_backend(self) -> Tokenizer:
        try:
            model = BPE(self._vocab, self._merges, dropout=None, continuing_subword_prefix="",
                        end_of_word_suffix="", fuse_unk=False)
        except Exception as err:
            raise ValueError(f"vocab and merges of {self.name_or_path or 'this tokenizer'!r} do not fit together ({err}); "
                             "the files are corrupt or come from different tokenizers.") from err
        backend = Tokenizer(model)
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=self.add_prefix_space, use_regex=True)
        backend.decoder = decoders.ByteLevel()
        return backend

    def _register_tokens(self, saved: Mapping[int, Mapping[str, Any]]) -> None:
        """Register the special tokens and the saved added tokens, each at the id it was saved with.

        The Rust library gives a new added token the id after the largest one so far (or the vocabulary size), so
        adding the tokens in ascending order of their saved ids reproduces the ids of a saved folder, holes of
        RoBERTa's vocabulary included (transformers puts a token added to roberta-base at 50262 or 50265
        depending on the writer). A token that still lands elsewhere is reported.
        """
        target_of = {entry["content"]: token_id for token_id, entry in saved.items()}
        entries: List[Tuple[Optional[int], AddedToken, bool]] = []
        seen = set()
        for token in list(self._special.values()) + self._additional:
            if token.content not in seen:
                seen.add(token.content)
                entries.append((self._vocab.get(token.content, target_of.get(token.content)), token, True))
        for token_id, entry in saved.items():
            if entry["content"] in seen or entry["content"] in self._vocab and not entry.get("special"):
                continue
            seen.add(entry["content"])
            special = bool(entry.get("special"))
            flags = {k: entry[k] for k in ("lstrip", "rstrip", "single_word", "normalized") if k in entry}
            entries.append((token_id, AddedToken(entry["content"], special=special, **flags), special))
        entries.sort(key=lambda e: (e[0] is None, e[0] if e[0] is not None else 0))
        for target, token, special in entries:
            (self._backend.add_special_tokens if special else self._backend.add_tokens)([token])
            got = self._backend.token_to_id(token.content)
            if target is not None and got != target:
                logger.warning("Added token %r got id %s, not the saved id %s.", token.content, got, target)
        self._refresh_ids()

    def _update_post_processor(self) -> None:
        cls, sep = self._special.get("cls_token"), self._special.get("sep_token")
        if cls is None or sep is None:
            raise ValueError("cls_token and sep_token are required: RoBERTa inputs are '<s> A </s>'.")
        self._backend.post_processor = processors.RobertaProcessing(
            sep=(sep.content, self._token_id(sep.content)), cls=(cls.content, self._token_id(cls.content)),
            trim_offsets=self.trim_offsets, add_prefix_space=self.add_prefix_space)

    def _refresh_ids(self) -> None:
        full = self._backend.get_vocab(with_added_tokens=True)
        self._max_id = max(full.values())
        self._holes = frozenset(range(self._max_id + 1)) - frozenset(full.values())
        self._min_hole = min(self._holes) if self._holes else self._max_id + 1
        self._state = None

    def _token_id(self, token: str) -> int:
        token_id = self._backend.token_to_id(token)
        if token_id is None:
            raise ValueError(f"Token {token!r} is not in the vocabulary.")
        return token_id

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Union[str, os.PathLike], *init_inputs: Any,
                        **kwargs: Any) -> "DistilRobertaTokenizer":
        """Load from a pretrained name (e.g. `"distilroberta-base"`) or a local folder.

        The folder must hold `tokenizer.json`, or `vocab.json` + `merges.txt`; `tokenizer_config.json`,
        `special_tokens_map.json` and `added_tokens.json` are read when present. Keyword arguments
        override the config (for example `add_prefix_space=True`). PaddleNLP/transformers loading
        keywords (`from_hf_hub`, `from_aistudio`, `use_fast`, `return_tokenizer_kwargs`, ...) are ignored.

        Raises:
            FileNotFoundError: the folder holds neither `tokenizer.json` nor `vocab.json` + `merges.txt`.
            ValueError: a file is corrupt.
        """
        hub = HubOptions.pop_from(kwargs)  # cache_dir, revision, local_files_only, token, force_download, subfolder
        ignored = sorted(k for k in kwargs if k in _IGNORED_LOAD_KWARGS)
        kwargs = {k: v for k, v in kwargs.items() if k not in _IGNORED_LOAD_KWARGS}
        if ignored:
            logger.debug("DistilRobertaTokenizer.from_pretrained ignores %s.", ignored)
        if init_inputs:
            logger.warning("DistilRobertaTokenizer.from_pretrained ignores positional arguments %r.", init_inputs)
        folder = resolve(pretrained_model_name_or_path, "tokenizer", hub).folder
        init = tokenizer_files.read_folder(folder)
        init.update(kwargs)
        return cls(name_or_path=str(pretrained_model_name_or_path), **init)

    # ------------------------------------------------------------------ special tokens and vocabulary

    def __len__(self) -> int:
        """Size of the vocabulary with added tokens, as transformers counts it (50,262 for roberta-base)."""
        return self._backend.get_vocab_size(with_added_tokens=True)

    @property
    def vocab_size(self) -> int:
        """Entries of the BPE vocabulary without added tokens (50,262 for roberta-base; the model has 50,265 rows)."""
        return self._backend.get_vocab_size(with_added_tokens=False)

    @property
    def max_token_id(self) -> int:
        """The largest id this tokenizer knows (50,264 = `<mask>` for roberta-base)."""
        return self._max_id

    @property
    def unused_ids(self) -> List[int]:
        """Ids below `max_token_id` that no token has (50261..50263 for roberta-base); they decode as `unk_token`."""
        return sorted(self._holes)

    @property
    def backend_tokenizer(self) -> Tokenizer:
        """The underlying `tokenizers.Tokenizer`."""
        return self._backend

    def get_vocab(self) -> Dict[str, int]:
        """{token: id} for the whole vocabulary, added tokens included."""
        return self._backend.get_vocab(with_added_tokens=True)

    @property
    def vocab(self) -> Dict[str, int]:
        """Same as `get_vocab()` (PaddleNLP's spelling)."""
        return self.get_vocab()

    @property
    def special_tokens_map(self) -> Dict[str, Union[str, List[str]]]:
        """{attribute: token} for the special tokens that are set."""
        out: Dict[str, Union[str, List[str]]] = {k: v.content for k, v in self._special.items()}
        if self._additional:
            out["additional_special_tokens"] = [t.content for t in self._additional]
        return out

    @property
    def all_special_tokens(self) -> List[str]:
        """Unique special tokens, in attribute order (`<s>`, `</s>`, `<unk>`, `<pad>`, `<mask>`, ...)."""
        seen: List[str] = []
        for token in list(self._special.values()) + self._additional:
            if token.content not in seen:
                seen.append(token.content)
        return seen

    @property
    def all_special_ids(self) -> List[int]:
        """Ids of `all_special_tokens`."""
        return [self._token_id(t) for t in self.all_special_tokens]

    @property
    def additional_special_tokens(self) -> List[str]:
        return [t.content for t in self._additional]

    @property
    def additional_special_tokens_ids(self) -> List[int]:
        return [self._token_id(t.content) for t in self._additional]

    @property
    def max_len_single_sentence(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=False)

    @property
    def max_len_sentences_pair(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=True)

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        """2 for a single text (`<s> A </s>`), 4 for a pair (`<s> A </s></s> B </s>`)."""
        return self._backend.post_processor.num_special_tokens_to_add(pair)

    def add_tokens(self, new_tokens: Union[TokenLike, Sequence[TokenLike]], special_tokens: bool = False) -> int:
        """Add tokens that are never split; return how many are new. Ids continue after `max_token_id`."""
        if isinstance(new_tokens, (str, AddedToken)):
            new_tokens = [new_tokens]
        tokens = []
        for token in new_tokens:
            if isinstance(token, str):
                token = AddedToken(token, rstrip=False, lstrip=False, normalized=not special_tokens, special=special_tokens)
            elif not isinstance(token, AddedToken):
                raise TypeError(f"add_tokens takes str or AddedToken items, got {type(token).__name__} ({token!r:.80}).")
            tokens.append(token)
        added = (self._backend.add_special_tokens if special_tokens else self._backend.add_tokens)(tokens)
        self._refresh_ids()
        return added

    def add_special_tokens(self, special_tokens_dict: Mapping[str, Any], replace_additional_special_tokens: bool = True) -> int:
        """Set special tokens, e.g. `{"additional_special_tokens": ["<ent>"]}`; return how many tokens are new."""
        valid = SPECIAL_TOKENS_ATTRIBUTES + ("additional_special_tokens",)
        added = 0
        for name, value in special_tokens_dict.items():
            if name not in valid:
                raise ValueError(f"add_special_tokens got key {name!r}; valid keys are {list(valid)}.")
            if name == "additional_special_tokens":
                values = [_as_added_token(v, name, normalized=False) for v in (value if isinstance(value, (list, tuple)) else [value])]
                if replace_additional_special_tokens:
                    self._additional = values
                else:
                    self._additional += [v for v in values if v.content not in self.additional_special_tokens]
                added += self.add_tokens(values, special_tokens=True)
            else:
                self._special[name] = _as_added_token(value, name, normalized=False)
                added += self.add_tokens([self._special[name]], special_tokens=True)
        self._update_post_processor()
        return added

    def convert_tokens_to_ids(self, tokens: Union[str, Sequence[str]]) -> Union[int, List[int]]:
        """Token(s) to id(s); unknown tokens give `unk_token_id`."""
        if tokens is None:
            raise TypeError("convert_tokens_to_ids got None; pass a token string or a list of them.")
        unk = self.unk_token_id
        if isinstance(tokens, str):
            token_id = self._backend.token_to_id(tokens)
            return unk if token_id is None else token_id
        ids = []
        for token in tokens:
            if not isinstance(token, str):
                raise TypeError(f"convert_tokens_to_ids takes str tokens, got {type(token).__name__} ({token!r:.80}).")
            token_id = self._backend.token_to_id(token)
            ids.append(unk if token_id is None else token_id)
        return ids

    def convert_ids_to_tokens(self, ids: Union[int, Sequence[int]], skip_special_tokens: bool = False) -> Union[str, List[str]]:
        """Id(s) to token string(s); unused ids (50261..50263) give `unk_token`."""
        single = isinstance(ids, int) or (hasattr(ids, "ndim") and getattr(ids, "ndim") == 0)
        id_list = self._checked_ids(_to_id_list(ids, "ids"))
        tokens = [self._backend.id_to_token(i) for i in id_list]
        if single:
            return tokens[0]
        if skip_special_tokens:
            special = set(self.all_special_ids)
            tokens = [t for t, i in zip(tokens, id_list) if i not in special]
        return tokens

    def convert_tokens_to_string(self, tokens: Sequence[str]) -> str:
        """Join byte-level tokens back into text (`["ĠHello"]` -> `" Hello"`)."""
        return self._backend.decoder.decode(list(tokens))

    def _checked_ids(self, ids: List[int]) -> List[int]:
        """Map unused ids to unk; raise on ids outside [0, max_token_id]."""
        if not ids:
            return ids
        low, high = min(ids), max(ids)
        if low < 0 or high > self._max_id:
            bad = low if low < 0 else high
            raise ValueError(f"Token id {bad} is outside this tokenizer's ids 0..{self._max_id}; "
                             "pass ids the model produced (labels such as -100 must be removed first).")
        if high >= self._min_hole:
            unk, holes = self.unk_token_id, self._holes
            ids = [unk if i in holes else i for i in ids]
        return ids

    # ------------------------------------------------------------------ encoding

    def __call__(
        self,
        text: Union[TextInput, PreTokenizedInput, List[TextInput], List[PreTokenizedInput], None] = None,
        text_pair: Union[TextInput, PreTokenizedInput, List[TextInput], List[PreTokenizedInput], None] = None,
        *,
        add_special_tokens: bool = True,
        padding: Union[bool, str] = False,
        truncation: Union[bool, str, None] = None,
        max_length: Optional[int] = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        padding_side: Optional[str] = None,
        return_tensors: Optional[str] = None,
        return_token_type_ids: Optional[bool] = None,
        return_attention_mask: Optional[bool] = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
        verbose: bool = True,
        **kwargs: Any,
    ) -> BatchEncoding:
        """Encode a text, a batch of texts, or pairs (`text`, `text_pair`) into model inputs.

        Args:
            text: a str, a list of str (a batch), a list of `(a, b)` tuples (a batch of pairs), or with
                `is_split_into_words=True` a list of words (one text) or a list of word lists (a batch).
            text_pair: the second texts, with the same structure as `text`.
            add_special_tokens: add `<s> ... </s>` (and `</s></s>` between pairs).
            padding: `False`/`"do_not_pad"`, `True`/`"longest"`, or `"max_length"`.
            truncation: `True`/`"longest_first"`, `"only_first"`, `"only_second"`, `False`/`"do_not_truncate"`.
                With `None`, a given `max_length` turns on `"longest_first"` unless padding is requested.
            max_length: length limit; defaults to `model_max_length` when truncating or padding to max length.
            stride: tokens shared by consecutive overflow windows (`return_overflowing_tokens=True`).
            is_split_into_words: the input is already split into words (needs `add_prefix_space=True`).
            pad_to_multiple_of: round padded lengths up to a multiple of this.
            padding_side: `"right"` or `"left"` for this call (default `self.padding_side`).
            return_tensors: `None` (lists), `"np"` (numpy int64) or `"pd"` (paddle int64).
            return_token_type_ids: add `token_type_ids` (all zeros; RoBERTa has one segment).
            return_attention_mask: add `attention_mask` (default True).
            return_overflowing_tokens: return every window of texts longer than `max_length`, plus
                `overflow_to_sample_mapping` (window -> input index).
            return_special_tokens_mask, return_offsets_mapping, return_length: add those keys. Offsets are
                `(start, end)` character indices into the input string (into the word with split input).

        Returns:
            A `BatchEncoding`. For one text without overflow and without tensors, each value is one flat list.

        Raises:
            TypeError: `text` is None or holds something that is not a str.
            ValueError: unknown padding/truncation, pair batches of different sizes, or a `max_length`
                smaller than the special tokens need.
        """
        if "max_seq_len" in kwargs and max_length is None:  # PaddleNLP's old spelling
            max_length = kwargs.pop("max_seq_len")
        if kwargs:
            logger.warning("DistilRobertaTokenizer.__call__ ignores unknown arguments %s.", sorted(kwargs))
        batch, is_batched = self._prepare_inputs(text, text_pair, is_split_into_words)
        has_pair = text_pair is not None or (bool(batch) and isinstance(batch[0], tuple) and not is_split_into_words)
        self._configure(padding, truncation, max_length, stride, pad_to_multiple_of, padding_side,
                        add_special_tokens, has_pair, verbose)
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the output is many small acyclic lists: cyclic GC passes over them cost ~15% of a large batch
        try:
            encodings = self._encode(batch, is_split_into_words, add_special_tokens)
            return self._to_batch_encoding(
                encodings, is_batched, return_tensors, return_token_type_ids, return_attention_mask,
                return_overflowing_tokens, return_special_tokens_mask, return_offsets_mapping, return_length)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _prepare_inputs(self, text: Any, text_pair: Any, split: bool) -> Tuple[List[Any], bool]:
        if text is None:
            raise TypeError("text is None; pass a str, a list of str, or (with is_split_into_words=True) a list of words.")
        if split:
            if not self.add_prefix_space:
                raise ValueError("is_split_into_words=True needs a tokenizer created with add_prefix_space=True "
                                 "(as RobertaTokenizerFast does): DistilRobertaTokenizer.from_pretrained(path, add_prefix_space=True).")
            if not isinstance(text, (list, tuple)):
                raise TypeError(f"With is_split_into_words=True, text must be a list of words or a list of word lists, got {type(text).__name__}.")
            is_batched = bool(text) and isinstance(text[0], (list, tuple))
        else:
            if not isinstance(text, (str, list, tuple)):
                raise TypeError(f"text must be a str or a list of str, got {type(text).__name__} ({text!r:.80}).")
            is_batched = not isinstance(text, str)
        texts = list(text) if is_batched else [text]
        if not is_batched and not text_pair:  # as transformers: an empty single text_pair means no pair
            text_pair = None
        if text_pair is None:
            return texts, is_batched
        pairs = list(text_pair) if is_batched and isinstance(text_pair, (list, tuple)) else [text_pair]
        if is_batched and not isinstance(text_pair, (list, tuple)) or not is_batched and isinstance(text_pair, (list, tuple)) and not split:
            raise TypeError(f"text_pair must have the same structure as text (a {'list' if is_batched else 'str'}), got {type(text_pair).__name__}.")
        if len(pairs) != len(texts):
            raise ValueError(f"text has {len(texts)} items but text_pair has {len(pairs)}; pass one pair text per text.")
        return list(zip(texts, pairs)), is_batched

    def _configure(self, padding: Any, truncation: Any, max_length: Optional[int], stride: int,
                   pad_to_multiple_of: Optional[int], padding_side: Optional[str], add_special_tokens: bool,
                   has_pair: bool, verbose: bool) -> None:
        """Resolve padding/truncation like transformers and set them on the backend (only when they change)."""
        pad, side = _parse_padding(padding, padding_side or self.padding_side)
        if truncation is None and max_length is not None and pad is None:
            if verbose:
                logger.warning("max_length=%s is given without truncation; truncating with 'longest_first' "
                               "(pass truncation=True to silence this).", max_length)
            truncation = "longest_first"
        if truncation is True:
            truncation = "longest_first"
        elif truncation is False or truncation is None or truncation == "do_not_truncate":
            truncation = None
        elif truncation not in _TRUNCATION_STRATEGIES:
            raise ValueError(f"truncation={truncation!r} is not supported; use True, False or one of {list(_TRUNCATION_STRATEGIES)}.")
        if max_length is None and (truncation or pad == "max_length"):
            max_length = self.model_max_length
            if max_length > _VERY_LARGE:  # transformers' "no limit" default (1e30) from a saved config
                if verbose:
                    logger.warning("model_max_length=%s means no limit: not truncating or padding to it; "
                                   "pass max_length.", max_length)
                truncation, pad, max_length = None, (None if pad == "max_length" else pad), None
        if max_length is not None and (type(max_length) is not int or max_length < 0):
            raise ValueError(f"max_length={max_length!r} must be a non-negative int.")
        if pad == "max_length" and max_length is not None and max_length > MAX_PADDED_LENGTH:
            raise ValueError(
                f"padding='max_length' to {max_length} tokens (max_length or the tokenizer's model_max_length) would "
                f"allocate more than {MAX_PADDED_LENGTH} positions per row; pass a real max_length (512 for RoBERTa "
                "models) or fix model_max_length in tokenizer_config.json."
            )
        if type(stride) is not int or stride < 0:
            raise ValueError(f"stride={stride!r} must be a non-negative int.")
        trunc_state = None
        if truncation:
            need = self.num_special_tokens_to_add(has_pair) if add_special_tokens else 0
            if max_length < need:
                raise ValueError(f"max_length={max_length} is smaller than the {need} special tokens a "
                                 f"{'pair' if has_pair else 'single text'} needs; use max_length >= {need}.")
            if stride and stride >= max_length - need:
                raise ValueError(f"stride={stride} must be smaller than max_length={max_length} minus the {need} "
                                 f"special tokens ({max_length - need}); lower stride or raise max_length.")
            trunc_state = (max_length, stride, truncation, self.truncation_side)
        pad_state = None
        if pad is not None:
            pad_state = (side, self.pad_token_id, self.pad_token, max_length if pad == "max_length" else None, pad_to_multiple_of)
        if (trunc_state, pad_state) == self._state:
            return
        if trunc_state is None:
            self._backend.no_truncation()
        else:
            self._backend.enable_truncation(trunc_state[0], stride=trunc_state[1], strategy=trunc_state[2], direction=trunc_state[3])
        if pad_state is None:
            self._backend.no_padding()
        else:
            self._backend.enable_padding(direction=side, pad_id=pad_state[1], pad_type_id=0, pad_token=pad_state[2],
                                         length=pad_state[3], pad_to_multiple_of=pad_to_multiple_of)
        self._state = (trunc_state, pad_state)

    def _encode(self, batch: List[Any], split: bool, add_special_tokens: bool) -> List[Encoding]:
        try:
            return self._encode_batch(batch, split, add_special_tokens)
        except TypeError:  # a non-str item (named by _sanitize) or a lone surrogate (replaced by U+FFFD)
            return self._encode_batch(self._sanitize(batch, split), split, add_special_tokens)

    def _encode_batch(self, batch: List[Any], split: bool, add_special_tokens: bool) -> List[Encoding]:
        try:
            return self._backend.encode_batch(batch, is_pretokenized=split, add_special_tokens=add_special_tokens)
        except TypeError:
            raise
        except BaseException as err:  # tokenizers reports some truncation problems as a Rust panic (BaseException)
            if isinstance(err, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
                raise
            raise self._encoding_error(err) from err

    def _encoding_error(self, err: BaseException) -> ValueError:
        max_length, stride, strategy = ((self._state or (None, None))[0] or (None, None, None))[:3]
        message = str(err)
        if "too short to respect the provided max_length" in message:
            return ValueError(f"truncation={strategy!r} cannot fit an input into max_length={max_length}: the part it "
                              "may not truncate (the other text of the pair, plus special tokens) is already longer. "
                              "Use truncation='longest_first' or a larger max_length.")
        if "stride" in message:
            return ValueError(f"stride={stride} is not smaller than the room left for the truncated text in "
                              f"max_length={max_length} once the special tokens and the other text of the pair are "
                              f"placed; lower stride or raise max_length. (tokenizers: {message.splitlines()[0]})")
        return ValueError(f"Encoding failed in the tokenizers library: {message}")

    @staticmethod
    def _sanitize(batch: List[Any], split: bool) -> List[Any]:
        """Find the item the backend refused: name a non-str one, or replace lone surrogates with U+FFFD."""
        def fix(value: Any, where: str) -> Any:
            if split:
                if not isinstance(value, (list, tuple)):
                    raise TypeError(f"{where} is {type(value).__name__} ({value!r:.80}); with is_split_into_words=True each text is a list of str.")
                return [fix_str(w, f"{where}[{j}]") for j, w in enumerate(value)]
            return fix_str(value, where)

        def fix_str(value: Any, where: str) -> str:
            if not isinstance(value, str):
                raise TypeError(f"{where} is {type(value).__name__} ({value!r:.80}), expected str.")
            return _SURROGATES.sub("\ufffd", value)

        out = []
        for i, item in enumerate(batch):
            if isinstance(item, tuple) and len(item) == 2:
                out.append((fix(item[0], f"text[{i}]"), fix(item[1], f"text_pair[{i}]")))
            elif isinstance(item, tuple) and not split:
                raise TypeError(f"text[{i}] is a tuple of {len(item)} items; a pair is a tuple of 2 str.")
            else:
                out.append(fix(item, f"text[{i}]"))
        return out

    def _to_batch_encoding(self, encodings: List[Encoding], is_batched: bool, return_tensors: Optional[str],
                           return_token_type_ids: Optional[bool], return_attention_mask: Optional[bool],
                           return_overflowing_tokens: bool, return_special_tokens_mask: bool,
                           return_offsets_mapping: bool, return_length: bool) -> BatchEncoding:
        if return_tensors not in (None, "np", "pd"):
            raise ValueError(f"return_tensors={return_tensors!r} is not supported; use None, 'np' or 'pd'.")
        if return_overflowing_tokens:
            rows, mapping = [], []
            for i, enc in enumerate(encodings):
                for window in [enc] + enc.overflowing:
                    rows.append(window)
                    mapping.append(i)
        else:
            rows, mapping = encodings, None
        data: Dict[str, Any] = {"input_ids": [e.ids for e in rows]}
        if return_token_type_ids:
            data["token_type_ids"] = [e.type_ids for e in rows]
        if return_attention_mask is None or return_attention_mask:
            data["attention_mask"] = [e.attention_mask for e in rows]
        if return_special_tokens_mask:
            data["special_tokens_mask"] = [e.special_tokens_mask for e in rows]
        if return_offsets_mapping:
            data["offset_mapping"] = [e.offsets for e in rows]
        if return_length:
            data["length"] = [len(e.ids) for e in rows]
        if mapping is not None:
            data["overflow_to_sample_mapping"] = mapping
        if return_tensors is not None:
            data = {k: self._as_tensor(k, v, return_tensors) for k, v in data.items()}
        elif not is_batched and not return_overflowing_tokens:
            data = {k: v[0] if v and isinstance(v[0], list) else v for k, v in data.items()}
        return BatchEncoding(data, rows)

    @staticmethod
    def _as_tensor(key: str, rows: List[Any], kind: str, dtype: Any = np.int64) -> Any:
        """Rows as a numpy array or paddle tensor (int64, or the values' own dtype with dtype=None)."""
        try:
            array = np.asarray(rows, dtype=dtype)
            if array.dtype == object:
                raise ValueError("ragged")
        except (ValueError, TypeError) as err:
            lengths = sorted({len(r) for r in rows if hasattr(r, "__len__")})
            raise ValueError(f"Cannot make a {kind!r} tensor of {key!r}: rows have lengths {lengths[:5]} or are not "
                             "numbers; pass padding=True (and truncation=True) to get equal lengths.") from err
        if kind == "pd":
            import paddle

            return paddle.to_tensor(array)
        return array

    def encode(self, text: Any, text_pair: Any = None, add_special_tokens: bool = True, **kwargs: Any) -> Any:
        """Ids of one text (or pair), as transformers' `encode` (a list, or a (1, T) tensor with `return_tensors`)."""
        return self(text, text_pair, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]

    def encode_plus(self, text: Any, text_pair: Any = None, **kwargs: Any) -> BatchEncoding:
        """Same as calling the tokenizer on one text (or pair)."""
        return self(text, text_pair, **kwargs)

    def batch_encode_plus(self, batch_text_or_text_pairs: Sequence[Any], **kwargs: Any) -> BatchEncoding:
        """Same as calling the tokenizer on a list of texts or `(a, b)` tuples."""
        if isinstance(batch_text_or_text_pairs, str):
            raise TypeError("batch_encode_plus takes a list of texts; use encode_plus (or __call__) for one str.")
        return self(list(batch_text_or_text_pairs), **kwargs)

    def tokenize(self, text: str, pair: Optional[str] = None, add_special_tokens: bool = False, **kwargs: Any) -> List[str]:
        """Byte-level BPE tokens of `text` (`"Hello world"` -> `["Hello", "Ġworld"]`)."""
        return self(text, pair, add_special_tokens=add_special_tokens, **kwargs).tokens()

    def build_inputs_with_special_tokens(self, token_ids_0: List[int], token_ids_1: Optional[List[int]] = None) -> List[int]:
        """`<s> A </s>` or `<s> A </s></s> B </s>`."""
        cls, sep = [self.cls_token_id], [self.sep_token_id]
        if token_ids_1 is None:
            return cls + list(token_ids_0) + sep
        return cls + list(token_ids_0) + sep + sep + list(token_ids_1) + sep

    def get_special_tokens_mask(self, token_ids_0: List[int], token_ids_1: Optional[List[int]] = None,
                                already_has_special_tokens: bool = False) -> List[int]:
        """1 for special tokens, 0 for text tokens (of the sequence `build_inputs_with_special_tokens` would make)."""
        if already_has_special_tokens:
            special = set(self.all_special_ids)
            return [1 if i in special else 0 for i in token_ids_0]
        if token_ids_1 is None:
            return [1] + [0] * len(token_ids_0) + [1]
        return [1] + [0] * len(token_ids_0) + [1, 1] + [0] * len(token_ids_1) + [1]

    def create_token_type_ids_from_sequences(self, token_ids_0: List[int], token_ids_1: Optional[List[int]] = None) -> List[int]:
        """All zeros: RoBERTa has a single segment (type_vocab_size = 1)."""
        return [0] * len(self.build_inputs_with_special_tokens(token_ids_0, token_ids_1))

    def pad(self, encoded_inputs: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]], padding: Union[bool, str] = True,
            max_length: Optional[int] = None, pad_to_multiple_of: Optional[int] = None,
            padding_side: Optional[str] = None, return_attention_mask: Optional[bool] = None,
            return_tensors: Optional[str] = None, verbose: bool = True) -> BatchEncoding:
        """Pad already-encoded rows (a dict of lists, or a list of dicts as data collators pass them)."""
        if isinstance(encoded_inputs, (list, tuple)):
            if not encoded_inputs or not isinstance(encoded_inputs[0], Mapping):
                raise TypeError("pad takes a dict of lists or a non-empty list of dicts with 'input_ids'.")
            encoded_inputs = {k: [row[k] for row in encoded_inputs] for k in encoded_inputs[0]}
        if "input_ids" not in encoded_inputs:
            raise ValueError(f"pad needs 'input_ids'; got keys {sorted(encoded_inputs)}.")
        rows = [_to_id_list(r, "input_ids row") for r in encoded_inputs["input_ids"]]
        longest = max((len(r) for r in rows), default=0)
        strategy, side = _parse_padding(padding, padding_side or self.padding_side)
        if strategy == "max_length":
            target = max_length if max_length is not None else self.model_max_length
            if target > MAX_PADDED_LENGTH:
                raise ValueError(f"pad(padding='max_length') to {target} tokens exceeds {MAX_PADDED_LENGTH}; "
                                 "pass max_length (512 for RoBERTa models).")
        else:
            target = longest if strategy == "longest" else None
        if target is not None and pad_to_multiple_of:
            target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
        left = side == "left"
        fill = {"input_ids": self.pad_token_id, "attention_mask": 0, "token_type_ids": 0, "special_tokens_mask": 1}
        out: Dict[str, Any] = {}
        for key, values in encoded_inputs.items():
            values = [v.tolist() if hasattr(v, "tolist") else list(v) for v in values] if key in fill or key == "offset_mapping" else values
            out[key] = values
        if (return_attention_mask is None or return_attention_mask) and "attention_mask" not in out:
            out["attention_mask"] = [[1] * len(r) for r in rows]
        if target is not None:
            for key, values in out.items():
                if key in fill or key == "offset_mapping":
                    value = (0, 0) if key == "offset_mapping" else fill[key]
                    out[key] = [[value] * (target - len(v)) + v if left else v + [value] * (target - len(v)) for v in values]
        if return_tensors is not None:
            if return_tensors not in ("np", "pd"):
                raise ValueError(f"return_tensors={return_tensors!r} is not supported; use None, 'np' or 'pd'.")
            out = {k: self._as_tensor(k, v, return_tensors, np.int64 if k in fill else None) for k, v in out.items()}
        return BatchEncoding(out)

    # ------------------------------------------------------------------ decoding

    def decode(self, token_ids: Any, skip_special_tokens: bool = False,
               clean_up_tokenization_spaces: Optional[bool] = None, **kwargs: Any) -> str:
        """Ids (int, list, numpy array or paddle tensor) back to text; unused ids read as `unk_token`."""
        ids = self._checked_ids(_to_id_list(token_ids))
        text = self._backend.decode(ids, skip_special_tokens=skip_special_tokens)
        clean = self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces
        return _clean_up_tokenization(text) if clean else text

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = False,
                     clean_up_tokenization_spaces: Optional[bool] = None, **kwargs: Any) -> List[str]:
        """`decode` for each row of a list of id lists, a 2-D numpy array or a 2-D paddle tensor."""
        if hasattr(sequences, "tolist"):
            sequences = sequences.tolist()
        if not isinstance(sequences, (list, tuple)):
            raise TypeError(f"batch_decode takes a list of id lists, got {type(sequences).__name__}.")
        rows = [self._checked_ids(_to_id_list(s, f"sequences[{i}]")) for i, s in enumerate(sequences)]
        texts = self._backend.decode_batch(rows, skip_special_tokens=skip_special_tokens)
        clean = self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces
        return [_clean_up_tokenization(t) for t in texts] if clean else texts

    # ------------------------------------------------------------------ saving

    def save_pretrained(self, save_directory: Union[str, os.PathLike], filename_prefix: Optional[str] = None,
                        **kwargs: Any) -> Tuple[str, ...]:
        """Write vocab.json, merges.txt, tokenizer.json, special_tokens_map.json and tokenizer_config.json.

        transformers' `RobertaTokenizerFast`/`RobertaTokenizer` and PaddleNLP's `RobertaBPETokenizer` read the folder.
        """
        folder = Path(save_directory)
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(f"save_directory {str(folder)!r} is a file; pass a folder.")
        folder.mkdir(parents=True, exist_ok=True)
        return tokenizer_files.write_folder(self, folder, filename_prefix)

    def _tokenizer_json(self) -> Dict[str, Any]:
        """The content of tokenizer.json (see `tokenizer_files.tokenizer_json`)."""
        return tokenizer_files.tokenizer_json(self)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name_or_path={self.name_or_path!r}, vocab_size={self.vocab_size}, "
                f"max_token_id={self._max_id}, model_max_length={self.model_max_length}, "
                f"add_prefix_space={self.add_prefix_space}, special_tokens={self.special_tokens_map})")


def _special_token_property(name: str) -> property:
    def get_token(self: DistilRobertaTokenizer) -> Optional[str]:
        token = self._special.get(name)
        return None if token is None else token.content

    def set_token(self: DistilRobertaTokenizer, value: Any) -> None:
        self.add_special_tokens({name: value})

    return property(get_token, set_token, doc=f"The {name.replace('_', ' ')} string (set it to add a special token).")


def _special_id_property(name: str) -> property:
    def get_id(self: DistilRobertaTokenizer) -> Optional[int]:
        token = self._special.get(name)
        return None if token is None else self._backend.token_to_id(token.content)

    return property(get_id, doc=f"Id of the {name.replace('_', ' ')}.")


for _name in SPECIAL_TOKENS_ATTRIBUTES:
    setattr(DistilRobertaTokenizer, _name, _special_token_property(_name))
    setattr(DistilRobertaTokenizer, f"{_name}_id", _special_id_property(_name))
