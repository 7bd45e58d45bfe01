"""Tokenizer folders on disk: reading and writing the files of transformers, PaddleNLP and this package.

Read: `tokenizer.json` (transformers' fast format), or `vocab.json` + `merges.txt` (the slow format, PaddleNLP's
`RobertaBPETokenizer`), plus `tokenizer_config.json` (with `added_tokens_decoder` in transformers >= 4.34),
`special_tokens_map.json` and `added_tokens.json` when present. `read_folder` turns them into the constructor
arguments of `DistilRobertaTokenizer`; `write_folder` writes all of them in one all-or-nothing transaction
(`pretrained.files.folder_transaction`), so that transformers' and PaddleNLP's tokenizers read the folder back.

The call API (text -> ids) lives in `tokenization.py`; this module only knows files.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from tokenizers import AddedToken, Tokenizer
from tokenizers.models import BPE

from .configuration import CONFIG_LIMITS, UNSAFE_SKIP_LIMITS_ENV
from .pretrained.files import folder_transaction, recover_folder

logger = logging.getLogger(__name__)

__all__ = ["load_model_files", "read_folder", "write_folder", "tokenizer_json", "SPECIAL_TOKENS_ATTRIBUTES"]

VOCAB_FILE = "vocab.json"
MERGES_FILE = "merges.txt"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
ADDED_TOKENS_FILE = "added_tokens.json"

SPECIAL_TOKENS_ATTRIBUTES = (
    "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
)
# tokenizer_config.json keys written by transformers / PaddleNLP that carry nothing for this class.
_IGNORED_CONFIG_KEYS = frozenset({
    "tokenizer_class", "init_class", "init_inputs", "added_tokens_decoder", "extra_special_tokens",
    "name_or_path", "special_tokens_map_file", "tokenizer_file", "vocab_file", "merges_file", "auto_map",
    "processor_class", "do_lower_case", "chat_template", "split_special_tokens", "max_len",
})
_INIT_KEYS = frozenset({
    "errors", "add_prefix_space", "trim_offsets", "model_max_length", "clean_up_tokenization_spaces",
    "padding_side", "truncation_side", "additional_special_tokens", *SPECIAL_TOKENS_ATTRIBUTES,
})


def _read_json(path: Path, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{what} file {str(path)!r} does not exist; pass the right folder or file.") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{what} file {str(path)!r} is not valid UTF-8 JSON ({err}); the file is corrupt, download it again.") from err


def max_token_id() -> int:
    """The largest token id a vocabulary file may use: the config's vocab_size limit (lifted by the env variable)."""
    lifted = os.environ.get(UNSAFE_SKIP_LIMITS_ENV, "").strip().lower() not in ("", "0", "false", "no")
    return 2**31 - 2 if lifted else CONFIG_LIMITS["vocab_size"] - 1


def _check_vocab(vocab: Any, source: str) -> Dict[str, int]:
    if not isinstance(vocab, dict) or not vocab:
        raise ValueError(f"Vocabulary in {source!r} must be a non-empty JSON object {{token: id}}, found {type(vocab).__name__}; the file is corrupt, download it again.")
    bad = next(((t, i) for t, i in vocab.items() if type(i) is not int or i < 0), None)
    if bad is not None:
        raise ValueError(f"Vocabulary in {source!r} maps {bad[0]!r:.80} to {bad[1]!r:.40}; ids must be non-negative integers. The file is corrupt, download it again.")
    limit = max_token_id()
    too_big = next(((t, i) for t, i in vocab.items() if i > limit), None)
    if too_big is not None:
        raise ValueError(f"Vocabulary in {source!r} maps {too_big[0]!r:.80} to id {too_big[1]}, above the limit "
                         f"{limit} (config vocab_size limit; the Rust library would allocate a table that large). "
                         f"The file is corrupt; for research set {UNSAFE_SKIP_LIMITS_ENV}=1.")
    if len(set(vocab.values())) != len(vocab):
        raise ValueError(f"Vocabulary in {source!r} gives the same id to several tokens; the file is corrupt, download it again.")
    return vocab


def _read_merges(path: Path) -> List[Tuple[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise FileNotFoundError(f"merges file {str(path)!r} does not exist; pass the right folder or file.") from err
    except UnicodeDecodeError as err:
        raise ValueError(f"merges file {str(path)!r} is not valid UTF-8 ({err}); the file is corrupt, download it again.") from err
    merges = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line or (number == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"merges file {str(path)!r}, line {number}: {line[:80]!r} is not 'left right'; the file is corrupt, download it again.")
        merges.append((parts[0], parts[1]))
    if not merges:
        raise ValueError(f"merges file {str(path)!r} holds no merges; the file is corrupt, download it again.")
    return merges


def _parse_merges(raw: Any, source: str) -> List[Tuple[str, str]]:
    merges = []
    for item in raw if isinstance(raw, list) else [None]:
        pair = item.split(" ") if isinstance(item, str) else item
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(isinstance(p, str) and p for p in pair):
            raise ValueError(f"{source!r}: merge {item!r} is not a pair of strings; the file is corrupt, download it again.")
        merges.append((pair[0], pair[1]))
    return merges


_FLAGS = ("lstrip", "rstrip", "single_word", "normalized")


def _token_entry(value: Any, source: str) -> Dict[str, Any]:
    """A saved added token as {content, flags..., special?} from a tokenizer.json / added_tokens_decoder entry."""
    if not isinstance(value, Mapping) or not isinstance(value.get("content"), str):
        raise ValueError(f"{source}: added token {str(value)[:80]!r} has no 'content' string; the file is corrupt.")
    entry: Dict[str, Any] = {"content": value["content"]}
    entry.update({k: bool(value[k]) for k in (*_FLAGS, "special") if k in value})
    return entry


def _token_id(value: Any, source: str) -> int:
    try:
        token_id = int(value)
    except (TypeError, ValueError):
        token_id = -1
    if token_id < 0 or str(value).strip() != str(token_id):
        raise ValueError(f"{source}: added-token id {str(value)[:40]!r} is not a non-negative integer; the file is corrupt.")
    if token_id > max_token_id():
        raise ValueError(f"{source}: added-token id {token_id} is above the limit {max_token_id()}; the file is corrupt "
                         f"(for research set {UNSAFE_SKIP_LIMITS_ENV}=1).")
    return token_id


def load_model_files(
    vocab_file: Any, merges_file: Any, tokenizer_file: Any
) -> Tuple[Dict[str, int], List[Tuple[str, str]], Dict[int, Dict[str, Any]]]:
    """Read and check the BPE vocabulary and merges; return (vocab, merges, added tokens of tokenizer.json by id)."""
    if tokenizer_file is not None:
        path = Path(tokenizer_file)
        data = _read_json(path, "tokenizer.json")
        model = data.get("model") if isinstance(data, dict) else None
        if not isinstance(model, dict) or model.get("type", "BPE") != "BPE" or "vocab" not in model:
            raise ValueError(f"{str(path)!r} has no BPE model (found {model.get('type') if isinstance(model, dict) else model!r}); a RoBERTa tokenizer.json has model.type 'BPE'.")
        vocab = _check_vocab(model["vocab"], str(path))
        merges = _parse_merges(model.get("merges"), str(path))
        added = data.get("added_tokens") or []
        if not isinstance(added, list):
            raise ValueError(f"{str(path)!r}: added_tokens must be a list; the file is corrupt.")
        table = {_token_id(t.get("id") if isinstance(t, Mapping) else None, str(path)): _token_entry(t, str(path))
                 for t in added}
        return vocab, merges, table
    if vocab_file is None or merges_file is None:
        raise ValueError("DistilRobertaTokenizer needs vocab_file and merges_file, or tokenizer_file; "
                         f"got vocab_file={vocab_file!r}, merges_file={merges_file!r}. "
                         "Use DistilRobertaTokenizer.from_pretrained(folder) to find them in a folder.")
    vocab = _check_vocab(_read_json(Path(vocab_file), "vocab"), str(vocab_file))
    return vocab, _read_merges(Path(merges_file)), {}


def read_folder(folder: Path) -> Dict[str, Any]:
    """The constructor arguments of the tokenizer saved in `folder` (by transformers 4.x/5.x, PaddleNLP or this
    package): its files, the special tokens with their flags, and every added token with its saved id.

    Where the writers disagree, the file the fast tokenizer itself runs on wins: tokenizer.json's `added_tokens`,
    then tokenizer_config.json's `added_tokens_decoder` (transformers >= 4.34), then special_tokens_map.json and
    added_tokens.json (older writers, PaddleNLP; ids only). A special token listed in added_tokens.json (e.g.
    `<mask>`, which transformers 4 writes there) stays special with its own flags.
    """
    files: Dict[str, Any] = {}
    recover_folder(folder)  # finish a save that a kill interrupted after its commit point
    if (folder / TOKENIZER_FILE).is_file():
        files["tokenizer_file"] = folder / TOKENIZER_FILE
    elif (folder / VOCAB_FILE).is_file() and (folder / MERGES_FILE).is_file():
        files.update(vocab_file=folder / VOCAB_FILE, merges_file=folder / MERGES_FILE)
    else:
        present = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        raise FileNotFoundError(f"No tokenizer files in {str(folder)!r}: expected {TOKENIZER_FILE!r}, or "
                                f"{VOCAB_FILE!r} and {MERGES_FILE!r}; found {present}.")
    config = _read_object(folder / TOKENIZER_CONFIG_FILE, "tokenizer config")
    config = {**_read_object(folder / SPECIAL_TOKENS_MAP_FILE, "special tokens map"), **config}
    if "additional_special_tokens" not in config and isinstance(config.get("extra_special_tokens"), list):
        config["additional_special_tokens"] = config["extra_special_tokens"]  # transformers 5's name
    table = _added_token_table(folder, config)
    by_content = {entry["content"]: entry for entry in table.values()}
    init = {k: v for k, v in config.items() if k in _INIT_KEYS}
    for name in SPECIAL_TOKENS_ATTRIBUTES:  # the flags (lstrip, ...) saved with the token win over a bare string
        if isinstance(init.get(name), str) and init[name] in by_content:
            init[name] = by_content[init[name]]
    if isinstance(init.get("additional_special_tokens"), list):
        init["additional_special_tokens"] = [by_content.get(t, t) if isinstance(t, str) else t
                                             for t in init["additional_special_tokens"]]
    unknown = sorted(k for k in config if k not in _INIT_KEYS and k not in _IGNORED_CONFIG_KEYS)
    if unknown:
        logger.debug("Ignoring tokenizer config keys %s in %s.", unknown, folder)
    files["_added_tokens"] = sorted(table.items())
    return {**files, **init}


def _read_object(path: Path, what: str) -> Dict[str, Any]:
    if not path.is_file():
        return {}
    data = _read_json(path, what)
    if not isinstance(data, dict):
        raise ValueError(f"{str(path)!r} must hold a JSON object; the file is corrupt.")
    return data


def _added_token_table(folder: Path, config: Mapping[str, Any]) -> Dict[int, Dict[str, Any]]:
    """id -> saved added token, merged from every file that records some (see `read_folder`)."""
    table: Dict[int, Dict[str, Any]] = {}
    legacy = _read_object(folder / ADDED_TOKENS_FILE, "added tokens")
    for content, token_id in legacy.items():
        table[_token_id(token_id, ADDED_TOKENS_FILE)] = {"content": str(content)}
    decoder = config.get("added_tokens_decoder") or {}
    if not isinstance(decoder, Mapping):
        raise ValueError(f"{TOKENIZER_CONFIG_FILE} in {str(folder)!r}: added_tokens_decoder must be an object.")
    for token_id, value in decoder.items():
        table[_token_id(token_id, TOKENIZER_CONFIG_FILE)] = _token_entry(value, TOKENIZER_CONFIG_FILE)
    if (folder / TOKENIZER_FILE).is_file():
        data = _read_json(folder / TOKENIZER_FILE, "tokenizer.json")
        for value in (data.get("added_tokens") if isinstance(data, dict) else None) or []:
            token_id = _token_id(value.get("id") if isinstance(value, Mapping) else None, TOKENIZER_FILE)
            table[token_id] = _token_entry(value, TOKENIZER_FILE)
    return table


def write_folder(tok: Any, folder: Path, filename_prefix: Optional[str] = None) -> Tuple[str, ...]:
    """Write vocab.json, merges.txt, tokenizer.json, special_tokens_map.json, tokenizer_config.json (and
    added_tokens.json when there are added tokens) for the tokenizer `tok`; returns the written paths."""
    prefix = f"{filename_prefix}-" if filename_prefix else ""
    vocab_items = sorted(tok._vocab.items(), key=lambda kv: kv[1])
    files = {
        VOCAB_FILE: json.dumps(dict(vocab_items), ensure_ascii=False) + "\n",
        MERGES_FILE: "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in tok._merges),
        TOKENIZER_FILE: json.dumps(tokenizer_json(tok), ensure_ascii=False),
        SPECIAL_TOKENS_MAP_FILE: json.dumps(_special_tokens_map_json(tok), ensure_ascii=False, indent=2) + "\n",
        TOKENIZER_CONFIG_FILE: json.dumps(_tokenizer_config_json(tok), ensure_ascii=False, indent=2) + "\n",
    }
    added = {t: i for i, t in _added_decoder(tok).items() if t not in tok._vocab}
    if added:
        files[ADDED_TOKENS_FILE] = json.dumps(added, ensure_ascii=False) + "\n"
    with folder_transaction(folder) as txn:  # all-or-nothing, even if the process is killed
        written = tuple(str(txn.write_text(prefix + name, content)) for name, content in files.items())
    return written


def _added_decoder(tok: Any) -> Dict[int, str]:
    return {i: t.content for i, t in sorted(tok._backend.get_added_tokens_decoder().items())}


def _token_json(token: AddedToken) -> Dict[str, Any]:
    return {"content": token.content, "lstrip": token.lstrip, "normalized": token.normalized,
            "rstrip": token.rstrip, "single_word": token.single_word}

def tokenizer_json(tok: Any) -> Dict[str, Any]:
    """tokenizer.json built without serialising the BPE through Rust (which warns about the id holes)."""
    shell = Tokenizer(BPE())
    shell.pre_tokenizer = tok._backend.pre_tokenizer
    shell.post_processor = tok._backend.post_processor
    shell.decoder = tok._backend.decoder
    data = json.loads(shell.to_str())
    data["added_tokens"] = [{"id": i, **{k: v for k, v in _token_json(t).items()}, "special": t.special}
                            for i, t in sorted(tok._backend.get_added_tokens_decoder().items())]
    data["truncation"] = data["padding"] = None
    data["model"] = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                     "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                     "vocab": dict(sorted(tok._vocab.items(), key=lambda kv: kv[1])),
                     "merges": [list(m) for m in tok._merges]}
    return data

def _special_tokens_map_json(tok: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {name: _token_json(token) for name, token in tok._special.items()}
    if tok._additional:
        out["additional_special_tokens"] = [_token_json(t) for t in tok._additional]
    return out

def _tokenizer_config_json(tok: Any) -> Dict[str, Any]:
    decoder = {str(i): {**_token_json(t), "special": t.special}
               for i, t in sorted(tok._backend.get_added_tokens_decoder().items())}
    config: Dict[str, Any] = {
        # transformers' name (its AutoTokenizer then reads the folder); PaddleNLP's AutoTokenizer maps it to this
        # package's tokenizer once the integration is active (integrations/paddlenlp.py)
        "tokenizer_class": "RobertaTokenizer",
        "add_prefix_space": tok.add_prefix_space,
        "trim_offsets": tok.trim_offsets,
        "errors": tok.errors,
        "model_max_length": tok.model_max_length,
        "clean_up_tokenization_spaces": tok.clean_up_tokenization_spaces,
        "padding_side": tok.padding_side,
        "truncation_side": tok.truncation_side,
        "added_tokens_decoder": decoder,
    }
    config.update({name: token.content for name, token in tok._special.items()})
    if tok._additional:
        config["additional_special_tokens"] = [t.content for t in tok._additional]
    return config
