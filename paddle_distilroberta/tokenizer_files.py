"""Tokenizer folders on disk: reading and writing the files of transformers, PaddleNLP and this package.

Read: `tokenizer.json` (transformers' fast format), or `vocab.json` + `merges.txt` (the slow format, PaddleNLP's
`RobertaBPETokenizer`), plus `tokenizer_config.json` (with `added_tokens_decoder` in transformers >= 4.34),
`special_tokens_map.json` and `added_tokens.json` when present. `read_folder` turns them into the constructor
arguments of `DistilRobertaTokenizer`; `write_folder` writes all of them, each file atomically, so that
transformers' and PaddleNLP's tokenizers read the folder back.

The call API (text -> ids) lives in `tokenization.py`; this module only knows files.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from tokenizers import AddedToken, Tokenizer
from tokenizers.models import BPE

from .pretrained.files import atomic_write_text

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


def _check_vocab(vocab: Any, source: str) -> Dict[str, int]:
    if not isinstance(vocab, dict) or not vocab:
        raise ValueError(f"Vocabulary in {source!r} must be a non-empty JSON object {{token: id}}, found {type(vocab).__name__}; the file is corrupt, download it again.")
    bad = next(((t, i) for t, i in vocab.items() if type(i) is not int or i < 0), None)
    if bad is not None:
        raise ValueError(f"Vocabulary in {source!r} maps {bad[0]!r} to {bad[1]!r}; ids must be non-negative integers. The file is corrupt, download it again.")
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


def load_model_files(vocab_file: Any, merges_file: Any, tokenizer_file: Any) -> Tuple[Dict[str, int], List[Tuple[str, str]], List[AddedToken]]:
    """Read and check the BPE vocabulary and merges; return (vocab, merges, non-special added tokens)."""
    if tokenizer_file is not None:
        path = Path(tokenizer_file)
        data = _read_json(path, "tokenizer.json")
        model = data.get("model") if isinstance(data, dict) else None
        if not isinstance(model, dict) or model.get("type", "BPE") != "BPE" or "vocab" not in model:
            raise ValueError(f"{str(path)!r} has no BPE model (found {model.get('type') if isinstance(model, dict) else model!r}); a RoBERTa tokenizer.json has model.type 'BPE'.")
        vocab = _check_vocab(model["vocab"], str(path))
        merges = _parse_merges(model.get("merges"), str(path))
        extra = [AddedToken(t["content"], single_word=t.get("single_word", False), lstrip=t.get("lstrip", False),
                            rstrip=t.get("rstrip", False), normalized=t.get("normalized", True), special=False)
                 for t in sorted(data.get("added_tokens") or [], key=lambda t: t.get("id", 0))
                 if isinstance(t, dict) and not t.get("special") and t.get("content") not in vocab]
        return vocab, merges, extra
    if vocab_file is None or merges_file is None:
        raise ValueError("DistilRobertaTokenizer needs vocab_file and merges_file, or tokenizer_file; "
                         f"got vocab_file={vocab_file!r}, merges_file={merges_file!r}. "
                         "Use DistilRobertaTokenizer.from_pretrained(folder) to find them in a folder.")
    vocab = _check_vocab(_read_json(Path(vocab_file), "vocab"), str(vocab_file))
    return vocab, _read_merges(Path(merges_file)), []


def read_folder(folder: Path) -> Dict[str, Any]:
    """The constructor arguments of the tokenizer saved in `folder` (by transformers 4.x/5.x, PaddleNLP or this
    package): its files, special tokens with their flags, and the non-special added tokens with their ids."""
    files: Dict[str, Any] = {}
    if (folder / TOKENIZER_FILE).is_file():
        files["tokenizer_file"] = folder / TOKENIZER_FILE
    elif (folder / VOCAB_FILE).is_file() and (folder / MERGES_FILE).is_file():
        files.update(vocab_file=folder / VOCAB_FILE, merges_file=folder / MERGES_FILE)
    else:
        present = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        raise FileNotFoundError(f"No tokenizer files in {str(folder)!r}: expected {TOKENIZER_FILE!r}, or "
                                f"{VOCAB_FILE!r} and {MERGES_FILE!r}; found {present}.")
    config: Dict[str, Any] = {}
    if (folder / TOKENIZER_CONFIG_FILE).is_file():
        config = _read_json(folder / TOKENIZER_CONFIG_FILE, "tokenizer config")
        if not isinstance(config, dict):
            raise ValueError(f"{str(folder / TOKENIZER_CONFIG_FILE)!r} must hold a JSON object; the file is corrupt.")
    decoder = config.get("added_tokens_decoder") or {}
    if (folder / SPECIAL_TOKENS_MAP_FILE).is_file():
        special_map = _read_json(folder / SPECIAL_TOKENS_MAP_FILE, "special tokens map")
        if isinstance(special_map, dict):
            config = {**special_map, **config}
    init = {k: v for k, v in config.items() if k in _INIT_KEYS}
    by_content = {v.get("content"): v for v in decoder.values() if isinstance(v, dict)}
    for name in SPECIAL_TOKENS_ATTRIBUTES:  # flags (lstrip, ...) saved in added_tokens_decoder win
        if isinstance(init.get(name), str) and init[name] in by_content:
            init[name] = by_content[init[name]]
    unknown = sorted(k for k in config if k not in _INIT_KEYS and k not in _IGNORED_CONFIG_KEYS)
    if unknown:
        logger.debug("Ignoring tokenizer config keys %s in %s.", unknown, folder)
    files["_saved_added_tokens"] = _saved_added_tokens(folder, decoder)
    return {**files, **init}

def _saved_added_tokens(folder: Path, decoder: Mapping[str, Any]) -> List[Tuple[int, Any]]:
    """Non-special added tokens saved in tokenizer_config.json or added_tokens.json, as (id, token)."""
    found = {int(i): v for i, v in decoder.items() if isinstance(v, dict) and not v.get("special")}
    if (folder / ADDED_TOKENS_FILE).is_file():
        for content, i in (_read_json(folder / ADDED_TOKENS_FILE, "added tokens") or {}).items():
            found.setdefault(int(i), {"content": content})
    return sorted(found.items())


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
    return tuple(str(atomic_write_text(folder / (prefix + name), content)) for name, content in files.items())


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
        "tokenizer_class": type(tok).__name__,
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
