"""Tokenizer speed: batch-encode every line of ../shared/data/text/*.txt in one process.

Compares DistilRobertaTokenizer with transformers' RobertaTokenizerFast (target: >= 0.9x its speed) and
with PaddleNLP's RobertaBPETokenizer (target: >= 10x), all built from the same roberta-base files, and
checks that the three give the same ids. Run (transformers and paddlenlp must import in this venv):

    /tmp/venv/bin/python benchmarks/bench_tokenizer.py [--data ../shared/data] [--repeats 3] [--batch-sizes 55772 256 32]

Output: versions, machine, then lines/s and tokens/s per tokenizer and batch size (best of --repeats
runs; PaddleNLP runs once, it is slow) and the ratios. Timings are only comparable within one run.
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

REPO = Path(__file__).resolve().parents[1]
CORPORA = ("tinyshakespeare.txt", "pg1342.txt", "blns.txt", "UTF-8-demo.txt")

logger = logging.getLogger("bench_tokenizer")


def read_lines(text_dir: Path) -> List[str]:
    """Every line of the four corpora (split on '\\n', CR kept, no empty tail after a final newline)."""
    lines: List[str] = []
    for name in CORPORA:
        text = (text_dir / name).read_bytes().decode("utf-8")
        part = text.split("\n")
        lines += part[:-1] if text.endswith("\n") else part
    return lines


def encode_all(tokenizer: Callable[..., Any], lines: Sequence[str], batch_size: int) -> List[List[int]]:
    ids: List[List[int]] = []
    for start in range(0, len(lines), batch_size):
        ids += tokenizer(list(lines[start:start + batch_size]))["input_ids"]
    return ids


def best_time(tokenizer: Callable[..., Any], lines: Sequence[str], batch_size: int, repeats: int) -> Dict[str, Any]:
    times, ids = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        ids = encode_all(tokenizer, lines, batch_size)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    tokens = sum(len(row) for row in ids)
    return {"seconds": seconds, "lines_per_s": len(lines) / seconds, "tokens_per_s": tokens / seconds,
            "tokens": tokens, "ids": ids}


class _RustOnly:
    """The `tokenizers` call alone (what both wrappers spend most of their time in), for reference."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def __call__(self, batch: List[str]) -> Dict[str, List[List[int]]]:
        gc.disable()
        try:
            return {"input_ids": [e.ids for e in self.backend.encode_batch(batch)]}
        finally:
            gc.enable()


def versions() -> Dict[str, str]:
    import numpy
    import paddle
    import paddlenlp
    import tokenizers
    import transformers

    return {"python": platform.python_version(), "tokenizers": tokenizers.__version__,
            "transformers": transformers.__version__, "paddlenlp": paddlenlp.__version__,
            "paddlepaddle": paddle.__version__, "numpy": numpy.__version__}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[0, 256, 32], help="0 = all lines in one call")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("paddlenlp").setLevel(logging.ERROR)

    from paddlenlp.transformers import RobertaBPETokenizer
    from transformers import RobertaTokenizerFast
    from transformers.utils import logging as hf_logging

    from paddle_distilroberta.tokenization import DistilRobertaTokenizer

    hf_logging.set_verbosity_error()
    bpe = args.data / "roberta-bpe"
    lines = read_lines(args.data / "text")
    ours = DistilRobertaTokenizer.from_pretrained(bpe)
    hf = RobertaTokenizerFast.from_pretrained(str(bpe), model_max_length=512)
    pnlp = RobertaBPETokenizer(str(bpe / "vocab.json"), str(bpe / "merges.txt"))

    logger.info("versions: %s", versions())
    logger.info("machine: %s, %s CPU cores, load average %s, TOKENIZERS_PARALLELISM=%s", platform.platform(),
                os.cpu_count(), "/".join(f"{x:.1f}" for x in os.getloadavg()), os.environ.get("TOKENIZERS_PARALLELISM", "(unset)"))
    logger.info("input: %d lines of %s; task: tokenizer(batch)['input_ids'] with <s> </s>, no padding", len(lines), ", ".join(CORPORA))
    logger.info("%-40s %10s %12s %14s %9s", "tokenizer (batch size)", "seconds", "lines/s", "tokens/s", "vs ours")
    for size in args.batch_sizes:
        batch = size or len(lines)
        ours_r = best_time(ours, lines, batch, args.repeats)
        hf_r = best_time(hf, lines, batch, args.repeats)
        assert ours_r["ids"] == hf_r["ids"], "ids differ from RobertaTokenizerFast"
        floor_r = best_time(_RustOnly(ours.backend_tokenizer), lines, batch, args.repeats)
        rows = [("DistilRobertaTokenizer", ours_r), ("transformers RobertaTokenizerFast", hf_r),
                ("(floor: tokenizers encode_batch only)", floor_r)]
        if size == args.batch_sizes[0]:  # PaddleNLP once: it is pure Python
            pn_r = best_time(pnlp, lines, batch, 1)
            mismatches = sum(a != b for a, b in zip(pn_r["ids"], ours_r["ids"]))
            rows.append(("paddlenlp RobertaBPETokenizer", pn_r))
        for name, r in rows:
            logger.info("%-40s %10.3f %12.0f %14.0f %8.2fx", f"{name} ({batch})", r["seconds"], r["lines_per_s"],
                        r["tokens_per_s"], ours_r["seconds"] and r["seconds"] / ours_r["seconds"])
        logger.info("  ours / RobertaTokenizerFast speed: %.2fx (target >= 0.9x); ids identical: True; tokens: %d",
                    hf_r["seconds"] / ours_r["seconds"], ours_r["tokens"])
        if size == args.batch_sizes[0]:
            logger.info("  ours / paddlenlp RobertaBPETokenizer speed: %.1fx (target >= 10x); lines with other ids: %d",
                        pn_r["seconds"] / ours_r["seconds"], mismatches)
    logger.info("load average at the end: %s", "/".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
