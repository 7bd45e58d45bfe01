"""Tokenize text with DistilRobertaTokenizer: ids, offsets, pairs, QA windows, NER words, decode, save.

    python examples/tokenize_text.py [TOKENIZER_FOLDER_OR_NAME]   # default: ../shared/data/roberta-bpe

(Not named tokenize.py: a file of that name in examples/ would shadow the standard library module
`tokenize` for every script run from this folder.)
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from paddle_distilroberta import DistilRobertaTokenizer
from paddle_distilroberta.errors import DistilRobertaError

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "roberta-bpe"


def main(source: str) -> None:
    tok = DistilRobertaTokenizer.from_pretrained(source)
    print(tok)

    enc = tok("The capital of France is <mask>.", return_offsets_mapping=True)
    for token, token_id, span in zip(enc.tokens(), enc["input_ids"], enc["offset_mapping"]):
        print(f"{token!r:>12} {token_id:>6} {span}")
    print("decoded:", tok.decode(enc["input_ids"]))

    batch = tok(["Hello world!", "A pair's first text"], ["", "and its second text"], padding=True, return_tensors="np")
    print("padded pair batch:", batch["input_ids"].shape, batch["attention_mask"].sum(axis=1).tolist())

    question, context = "Who wrote it?", "It was written by Jane Austen in 1813. " * 20
    windows = tok(question, context, truncation="only_second", max_length=48, stride=16,
                  return_overflowing_tokens=True, return_offsets_mapping=True)
    print("QA windows:", len(windows["input_ids"]), "mapping:", windows["overflow_to_sample_mapping"])

    ner = DistilRobertaTokenizer.from_pretrained(source, add_prefix_space=True)
    words = ["Jane", "Austen", "lived", "in", "Hampshire"]
    enc = ner(words, is_split_into_words=True)
    print("word ids:", enc.word_ids())

    with tempfile.TemporaryDirectory() as folder:
        tok.save_pretrained(folder)
        again = DistilRobertaTokenizer.from_pretrained(folder)
        print("saved and reloaded:", sorted(p.name for p in Path(folder).iterdir()),
              again("Hello world!")["input_ids"] == tok("Hello world!")["input_ids"])


if __name__ == "__main__":
    try:
        main(sys.argv[1] if len(sys.argv) > 1 else str(DEFAULT))
    except (DistilRobertaError, OSError, ValueError) as err:  # a clear message, no traceback
        raise SystemExit(f"error: {err}")
