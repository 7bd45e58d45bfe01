"""Regenerate the tokenizer golden fixtures in tests/fixtures/tokenizer/ from transformers.

Run with the reference environment (torch is not needed, transformers and tokenizers are):

    /tmp/venvref/bin/python scripts/make_tokenizer_fixtures.py [--data ../shared/data]

It encodes every line (and every whole file) of the four corpora in ../shared/data/text/ with
transformers' `RobertaTokenizerFast` over the real roberta-base files in ../shared/data/roberta-bpe/,
in single, pair, overflow-window (stride), QA (`only_second`) and `is_split_into_words` set-ups, and
checks the slow `RobertaTokenizer` against it. Corpus text is never copied into the fixtures: cases
name their inputs by recipe (corpus, line numbers, chunk size) and store, per output key, a sha256 of
a canonical int64 stream (plus full ids for the all-lines cases and full outputs for the short
hand-written strings). It also checks that transformers reads a folder written by our
`save_pretrained`.

The case table, the input recipes and the digest function live here at module level without importing
transformers, so tests/test_tokenizer_parity.py imports them and replays the very same calls on
`DistilRobertaTokenizer`.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "fixtures" / "tokenizer"
CORPORA = ("tinyshakespeare.txt", "pg1342.txt", "blns.txt", "UTF-8-demo.txt")
CHUNK_CHARS = 3000

logger = logging.getLogger("make_tokenizer_fixtures")

# Short hand-written texts: <mask> spacing, whitespace runs, literal special tokens, unicode.
MASK_TEXTS = [
    "The capital of France is <mask>.", "The capital of France is<mask>.", "<mask> is the capital.",
    " <mask> is the capital.", "Paris is <mask>", "She likes <mask> cats", "She likes <mask>cats",
    "two  <mask>  spaces", "<mask><mask>", "<mask> <mask>", "x<mask>y", "\t<mask>\n", "<mask>", " <mask>",
    "The man worked as a <mask>.", "Hello world", " Hello world", "Hello world!", "", " ", "   ", "\n",
    "multiple   spaces   here  ", "emoji 👍🏽 and 👨‍👩‍👧 family 🇫🇷", "naïve café — “quoted” ‘text’ …",
    "日本語のテキスト、中文、한국어", "עברית\u200f rtl العربية", "zalgo ẑ̸̡a̶l̷g̵o", "a\r\nb\r\n",
    "<s>literal specials</s> <pad> <unk> </s>", "tab\tand\u00a0nbsp\u2028sep", "I'm can't won't they're it's",
    "Hello , world . isn ' t ? !", "\ufeffBOM first", "<|endoftext|> marker", "<mask>.<mask>,<mask>!",
]
MASK_PAIRS = [
    ("Who did it?", "<mask> did it."), ("", ""), ("a", " b"), ("<mask>", "<mask>"),
    ("question with <mask> inside", "context  with   spaces"), ("emoji 👍", "日本語"),
]


def read_corpus(text_dir: Path, name: str) -> str:
    """The corpus file as str (UTF-8, BOM and CRLF kept)."""
    return (text_dir / name).read_bytes().decode("utf-8")


def corpus_lines(text: str) -> List[str]:
    """Lines split on '\\n' (a trailing '\\r' stays), without the empty string after a final newline."""
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def chunks(text: str) -> List[str]:
    return [text[i:i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]


def build_inputs(recipe: Dict[str, Any], text: str) -> Tuple[Any, Any]:
    """(text, text_pair) for a recipe; `limit` keeps the first N units."""
    kind, limit = recipe["kind"], recipe.get("limit")
    lines = corpus_lines(text)
    if kind == "lines":
        a, b = lines, None
    elif kind == "whole":
        return text, None
    elif kind == "pairs":
        a, b = lines[:-1], lines[1:]
    elif kind == "chunks":
        a, b = chunks(text), None
    elif kind == "qa":
        # questions of 10..60 UTF-8 bytes (so at most 60 tokens), leaving room for stride in the context
        questions = [line for line in lines if len(line.strip()) >= 10 and len(line.encode("utf-8")) <= 60]
        contexts = chunks(text)
        n = min(len(questions), len(contexts))
        a, b = questions[:n], contexts[:n]
    elif kind == "qa_reversed":  # (context, question): windows over the first sequence
        b, a = build_inputs({"kind": "qa"}, text)
    elif kind == "words":
        a, b = [line.split() for line in lines], None
    else:
        raise ValueError(f"unknown recipe kind {kind!r}")
    if limit is not None:
        a = a[:limit]
        b = b[:limit] if b is not None else None
    return a, b


# name, recipe, tokenizer variant ("default" | "aps"), call kwargs, output keys, check slow tokenizer
CASES: List[Dict[str, Any]] = []
for _corpus in CORPORA:
    _stem = _corpus.rsplit(".", 1)[0]
    CASES += [
        dict(name=f"lines/{_stem}", corpus=_corpus, recipe={"kind": "lines"}, variant="default",
             kwargs=dict(return_offsets_mapping=True, return_special_tokens_mask=True),
             keys=["input_ids", "attention_mask", "offset_mapping", "special_tokens_mask"], slow=True, full_ids=True),
        dict(name=f"lines_aps/{_stem}", corpus=_corpus, recipe={"kind": "lines"}, variant="aps",
             kwargs=dict(return_offsets_mapping=True), keys=["input_ids", "offset_mapping"], slow=True),
        dict(name=f"whole/{_stem}", corpus=_corpus, recipe={"kind": "whole"}, variant="default",
             kwargs=dict(return_offsets_mapping=True, return_length=True),
             keys=["input_ids", "offset_mapping", "length"], slow=True),
        dict(name=f"pairs/{_stem}", corpus=_corpus, recipe={"kind": "pairs"}, variant="default",
             kwargs=dict(return_offsets_mapping=True, return_special_tokens_mask=True, return_token_type_ids=True),
             keys=["input_ids", "token_type_ids", "attention_mask", "offset_mapping", "special_tokens_mask"],
             slow=True, slow_limit=3000),
        dict(name=f"pairs_trunc/{_stem}", corpus=_corpus, recipe={"kind": "pairs", "limit": 5000}, variant="default",
             kwargs=dict(truncation="longest_first", max_length=24, padding="longest", return_offsets_mapping=True,
                         return_special_tokens_mask=True),
             keys=["input_ids", "attention_mask", "offset_mapping", "special_tokens_mask"], slow=True, slow_limit=1000),
        dict(name=f"pairs_left/{_stem}", corpus=_corpus, recipe={"kind": "pairs", "limit": 2000},
             variant="default", kwargs=dict(truncation="longest_first", max_length=40, padding="max_length",
                                            padding_side="left", return_offsets_mapping=True),
             keys=["input_ids", "attention_mask", "offset_mapping"]),
        dict(name=f"windows/{_stem}", corpus=_corpus, recipe={"kind": "chunks"}, variant="default",
             kwargs=dict(truncation=True, max_length=128, stride=32, return_overflowing_tokens=True,
                         return_offsets_mapping=True, return_special_tokens_mask=True, padding="max_length",
                         return_length=True),
             keys=["input_ids", "attention_mask", "offset_mapping", "special_tokens_mask", "length",
                   "overflow_to_sample_mapping"]),
        dict(name=f"qa/{_stem}", corpus=_corpus, recipe={"kind": "qa", "limit": 150}, variant="default",
             kwargs=dict(truncation="only_second", max_length=128, stride=24, return_overflowing_tokens=True,
                         return_offsets_mapping=True, padding="max_length"),
             keys=["input_ids", "attention_mask", "offset_mapping", "overflow_to_sample_mapping", "sequence_ids"]),
        dict(name=f"qa_only_first/{_stem}", corpus=_corpus, recipe={"kind": "qa_reversed", "limit": 100},
             variant="default", kwargs=dict(truncation="only_first", max_length=128, stride=24,
                                            return_overflowing_tokens=True, return_offsets_mapping=True, padding=True),
             keys=["input_ids", "attention_mask", "offset_mapping", "overflow_to_sample_mapping", "sequence_ids"]),
        dict(name=f"words/{_stem}", corpus=_corpus, recipe={"kind": "words"}, variant="aps",
             kwargs=dict(is_split_into_words=True, return_offsets_mapping=True),
             keys=["input_ids", "offset_mapping", "word_ids"], slow=True, slow_limit=3000),
        dict(name=f"words_trunc/{_stem}", corpus=_corpus, recipe={"kind": "words", "limit": 3000}, variant="aps",
             kwargs=dict(is_split_into_words=True, truncation=True, max_length=16, padding=True),
             keys=["input_ids", "attention_mask", "word_ids"]),
    ]


def run_case(tokenizer: Any, case: Dict[str, Any], text: str, limit: int | None = None) -> Dict[str, List[Any]]:
    """Call `tokenizer` as the case says; return {key: rows} (rows: one list per returned sequence)."""
    a, b = build_inputs(case["recipe"], text)
    if limit is not None and isinstance(a, list):
        a, b = a[:limit], (b[:limit] if b is not None else None)
    out = tokenizer(a, b, **case["kwargs"]) if b is not None else tokenizer(a, **case["kwargs"])
    single = isinstance(a, str)
    n_rows = len(out["input_ids"]) if not single else 1
    rows: Dict[str, List[Any]] = {}
    for key in case["keys"]:
        if key == "word_ids":
            rows[key] = [out.word_ids(i) for i in range(n_rows)]
        elif key == "sequence_ids":
            rows[key] = [out.sequence_ids(i) for i in range(n_rows)]
        elif single:
            rows[key] = [out[key]] if key != "length" else [out[key]]
        elif key in ("overflow_to_sample_mapping", "length"):
            rows[key] = [out[key]]
        else:
            rows[key] = out[key]
    return rows


def _flat(row: Any) -> List[int]:
    if isinstance(row, (int, np.integer)):
        return [int(row)]
    flat: List[int] = []
    for v in row:
        if v is None:
            flat.append(-1)
        elif isinstance(v, (tuple, list)):
            flat.extend(v)
        else:
            flat.append(v)
    return flat


def digest(rows: Sequence[Any]) -> Dict[str, Any]:
    """sha256 of a canonical int64 stream: the row lengths, then every value (None -> -1, pairs flattened)."""
    lengths, values = [], []
    for row in rows:
        flat = _flat(row)
        lengths.append(len(flat))
        values.extend(flat)
    h = hashlib.sha256(np.asarray(lengths, dtype="<i8").tobytes())
    h.update(np.asarray(values, dtype="<i8").tobytes())
    return {"rows": len(rows), "items": len(values), "sha256": h.hexdigest()}


def text_digest(texts: Sequence[str]) -> Dict[str, Any]:
    """sha256 of the JSON list of decoded strings."""
    return {"rows": len(texts), "sha256": hashlib.sha256(json.dumps(list(texts), ensure_ascii=False).encode("utf-8")).hexdigest()}


def single_outputs(tokenizer: Any, texts: Sequence[Any], **kwargs: Any) -> List[Dict[str, Any]]:
    """Full outputs of one call per text (or pair), JSON-ready."""
    results = []
    for item in texts:
        out = tokenizer(*item, **kwargs) if isinstance(item, tuple) else tokenizer(item, **kwargs)
        entry = {k: [list(x) if isinstance(x, tuple) else x for x in v] if isinstance(v, list) else v for k, v in out.items()}
        entry["tokens"] = out.tokens()
        entry["decode"] = tokenizer.decode(out["input_ids"])
        entry["decode_skip"] = tokenizer.decode(out["input_ids"], skip_special_tokens=True)
        entry["decode_clean"] = tokenizer.decode(out["input_ids"], clean_up_tokenization_spaces=True)
        results.append(entry)
    return results


# ---------------------------------------------------------------------------------- generation only


def _load_ours(path: Path) -> Any:
    """tokenization.py by file path, so the package __init__ (paddle) is not imported in this venv."""
    spec = importlib.util.spec_from_file_location("_pdr_tokenization", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _backend_shell(tokenizer: Any) -> Dict[str, Any]:
    data = json.loads(tokenizer.backend_tokenizer.to_str())
    del data["model"]["vocab"], data["model"]["merges"]
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import tokenizers
    import transformers
    from transformers import RobertaTokenizer, RobertaTokenizerFast

    transformers.logging.set_verbosity_error()
    bpe, text_dir = args.data / "roberta-bpe", args.data / "text"
    fast = {"default": RobertaTokenizerFast.from_pretrained(str(bpe), model_max_length=512),
            "aps": RobertaTokenizerFast.from_pretrained(str(bpe), model_max_length=512, add_prefix_space=True)}
    slow = {"default": RobertaTokenizer.from_pretrained(str(bpe), model_max_length=512),
            "aps": RobertaTokenizer.from_pretrained(str(bpe), model_max_length=512, add_prefix_space=True)}
    OUT.mkdir(parents=True, exist_ok=True)
    manifest: Dict[str, Any] = {
        "generator": "scripts/make_tokenizer_fixtures.py",
        "command": "/tmp/venvref/bin/python scripts/make_tokenizer_fixtures.py",
        "versions": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                     "python": sys.version.split()[0]},
        "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in [bpe / "vocab.json", bpe / "merges.txt"] + [text_dir / c for c in CORPORA]},
        "model_max_length": 512, "chunk_chars": CHUNK_CHARS, "cases": {}, "slow_disagreements": [],
    }
    arrays: Dict[str, np.ndarray] = {}
    texts = {c: read_corpus(text_dir, c) for c in CORPORA}
    for case in CASES:
        start = time.time()
        rows = run_case(fast[case["variant"]], case, texts[case["corpus"]])
        entry = {"keys": {k: digest(v) for k, v in rows.items()}}
        if case.get("full_ids"):
            ids = rows["input_ids"]
            arrays[case["name"] + "/ids"] = np.asarray([i for r in ids for i in r], dtype=np.uint16)
            arrays[case["name"] + "/lengths"] = np.asarray([len(r) for r in ids], dtype=np.int32)
            entry["decode"] = text_digest(fast["default"].batch_decode(ids))
            entry["decode_skip"] = text_digest(fast["default"].batch_decode(ids, skip_special_tokens=True))
            entry["decode_clean"] = text_digest(fast["default"].batch_decode(ids, clean_up_tokenization_spaces=True))
            slow_texts = [slow["default"].decode(r, skip_special_tokens=True) for r in ids]
            entry["slow_decode_skip_equal"] = text_digest(slow_texts) == entry["decode_skip"]
        if case.get("slow"):
            entry["slow"] = _slow_check(slow[case["variant"]], fast[case["variant"]], case, texts[case["corpus"]])
            if not entry["slow"]["input_ids_equal"]:
                manifest["slow_disagreements"].append(case["name"])
        manifest["cases"][case["name"]] = entry
        logger.info("%-36s %s  %.1fs", case["name"], {k: v["items"] for k, v in entry["keys"].items()}, time.time() - start)

    manifest["mask_texts"] = {
        variant: {"single": single_outputs(fast[variant], MASK_TEXTS, return_offsets_mapping=True,
                                           return_special_tokens_mask=True, return_length=True),
                  "pairs": single_outputs(fast[variant], MASK_PAIRS, return_offsets_mapping=True,
                                          return_special_tokens_mask=True, return_token_type_ids=True),
                  "slow_ids": [slow[variant](t)["input_ids"] for t in MASK_TEXTS],
                  "slow_tokens": [slow[variant].tokenize(t) for t in MASK_TEXTS],
                  "slow_pair_ids": [slow[variant](*p)["input_ids"] for p in MASK_PAIRS],
                  "slow_decode": [slow[variant].decode(slow[variant](t)["input_ids"]) for t in MASK_TEXTS]}
        for variant in fast
    }
    manifest["backend"] = {v: _backend_shell(t) for v, t in fast.items()}
    f = fast["default"]
    manifest["properties"] = {
        "vocab_size": f.vocab_size, "len": len(f), "all_special_tokens": f.all_special_tokens,
        "all_special_ids": f.all_special_ids, "special_tokens_map": f.special_tokens_map,
        "num_special_tokens_to_add": [f.num_special_tokens_to_add(False), f.num_special_tokens_to_add(True)],
        "tokens_0_10_and_50255_50264": f.convert_ids_to_tokens(list(range(11)) + list(range(50255, 50265))),
        "decode_unused_ids_fast": f.decode([31414, 50261, 50262, 50263, 232]),
        "tokenize": {t: f.tokenize(t) for t in MASK_TEXTS[:8]},
        "added_token_id": _added_token_id(bpe),
    }
    manifest["transformers_reads_our_folder"] = _check_saved_folder_readback(bpe, texts, fast["default"])
    np.savez_compressed(OUT / "ids.npz", **arrays)
    (OUT / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    logger.info("slow disagreements: %s", manifest["slow_disagreements"] or "none")
    logger.info("saved-folder readback: %s", manifest["transformers_reads_our_folder"])
    return 0


def _slow_check(slow: Any, fast: Any, case: Dict[str, Any], text: str) -> Dict[str, Any]:
    """Slow RobertaTokenizer ids == fast ids on the case's inputs (first `slow_limit` units)?

    The slow tokenizer cannot return offsets, and it crashes on an empty word list with
    is_split_into_words (IndexError in transformers 4.55), so those units are left out here.
    """
    a, b = build_inputs(case["recipe"], text)
    limit = case.get("slow_limit")
    if isinstance(a, list):
        keep = [i for i in range(len(a)) if a[i] != [] or not case["kwargs"].get("is_split_into_words")][:limit]
        a = [a[i] for i in keep]
        b = [b[i] for i in keep] if b is not None else None
    kwargs = {k: v for k, v in case["kwargs"].items() if k != "return_offsets_mapping"}
    args = (a, b) if b is not None else (a,)
    slow_ids, fast_ids = slow(*args, **kwargs)["input_ids"], fast(*args, **kwargs)["input_ids"]
    if isinstance(a, str):
        slow_ids, fast_ids, a = [slow_ids], [fast_ids], [a]
    differ = [i for i, (x, y) in enumerate(zip(slow_ids, fast_ids)) if x != y]
    out = {"rows": len(a), "input_ids_equal": not differ, "rows_differing": len(differ)}
    if differ:  # record the first few inputs' first characters, to explain the difference
        out["first_differing_rows"] = differ[:5]
        out["their_first_chars"] = [repr(a[i][:1]) for i in differ[:5]]
    return out


def _added_token_id(bpe: Path) -> Dict[str, Any]:
    from transformers import RobertaTokenizerFast

    t = RobertaTokenizerFast.from_pretrained(str(bpe))
    t.add_tokens(["<newtok>"])
    t.add_special_tokens({"additional_special_tokens": ["<ent>"]})
    return {"<newtok>": t.convert_tokens_to_ids("<newtok>"), "<ent>": t.convert_tokens_to_ids("<ent>"), "len": len(t),
            "vocab_size": t.vocab_size, "ids": t("a <newtok>b <ent> c")["input_ids"]}


def _check_saved_folder_readback(bpe: Path, texts: Dict[str, str], reference: Any) -> Dict[str, Any]:
    """Save with DistilRobertaTokenizer, read with transformers' fast, slow and Auto tokenizers."""
    from transformers import AutoTokenizer, RobertaTokenizer, RobertaTokenizerFast

    ours_module = _load_ours(REPO / "paddle_distilroberta" / "tokenization.py")
    ours = ours_module.DistilRobertaTokenizer(bpe / "vocab.json", bpe / "merges.txt")
    ours.add_tokens(["<newtok>"])
    sample = corpus_lines(texts["blns.txt"]) + MASK_TEXTS + ["a <newtok>b"]
    result: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        ours.save_pretrained(folder)
        expected = ours(sample)["input_ids"]
        for name, load in (("RobertaTokenizerFast", RobertaTokenizerFast.from_pretrained),
                           ("RobertaTokenizer", RobertaTokenizer.from_pretrained),
                           ("AutoTokenizer", AutoTokenizer.from_pretrained),
                           ("AutoTokenizer(tokenizer_type='roberta')",
                            lambda d: AutoTokenizer.from_pretrained(d, tokenizer_type="roberta"))):
            try:
                tok = load(folder)
                same = tok(sample)["input_ids"] == expected
                result[name] = {"loaded": type(tok).__name__, "same_ids_on_blns_and_mask_texts": same,
                                "model_max_length": tok.model_max_length, "mask_lstrip": tok.added_tokens_decoder[50264].lstrip}
            except Exception as err:  # record what transformers does, e.g. Auto with an unknown class name
                result[name] = {"error": f"{type(err).__name__}: {err}"[:300]}
    result["reference_equal_before_save"] = reference(sample[:-1])["input_ids"] == expected[:-1]
    return result


if __name__ == "__main__":
    raise SystemExit(main())
