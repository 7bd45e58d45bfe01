"""Pipeline throughput: `pipeline("feature-extraction")` here vs transformers' on PyTorch, same sentences, one run.

    python benchmarks/bench_pipelines.py --torch-python .venv-ref/bin/python [--batch-size 32] [--threads 2]
        [--max-lines N] [--text-dir ../shared/data/text]

Sentences: every non-blank line of `<text-dir>/*.txt` (with `--max-lines N`: N of them, evenly spaced over the
whole corpus, in order). Model: the distilroberta-base shape (6 layers, hidden 768, 12 heads, vocab 50265) with
random weights on both sides, float32, CPU; the real roberta-base BPE files. Each side runs in its OWN child
process (Paddle's and PyTorch's OpenMP pools slow each other down in one process), with the same sentences, the
same batch size and truncation to 512 tokens; both are fed a generator and return tensors (no nested-list
conversion on either side), and each consumes its results one by one (bounded memory). A warm-up of 64
sentences precedes the timed pass. Prints sentences/s per side and the ratio ours / transformers (> 1: we
are faster), with device, dtype, threads, batch size and versions.

The paddle side runs with this interpreter; `--torch-python` names one with torch + transformers.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared" / "data"
SHAPE = dict(vocab_size=50265, hidden_size=768, num_hidden_layers=6, num_attention_heads=12, intermediate_size=3072,
             max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
             layer_norm_eps=1e-5, hidden_act="gelu")
WARMUP = 64


def load_sentences(text_dir: Path, max_lines: int = 0) -> List[str]:
    lines = [line.rstrip("\n") for path in sorted(text_dir.glob("*.txt"))
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    lines = [line for line in lines if line.strip()]
    if max_lines and max_lines < len(lines):
        step = len(lines) / max_lines
        lines = [lines[int(i * step)] for i in range(max_lines)]
    return lines


def _child(side: str, sentences_file: str, bpe: str, batch_size: int, threads: int, precision: str) -> None:
    sentences = json.loads(Path(sentences_file).read_text())
    if side == "torch":
        import torch
        import transformers
        from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = RobertaModel(RobertaConfig(**SHAPE), add_pooling_layer=False).eval()
        tokenizer = RobertaTokenizerFast(vocab_file=f"{bpe}/vocab.json", merges_file=f"{bpe}/merges.txt", model_max_length=512)
        pipe = transformers.pipeline("feature-extraction", model=model, tokenizer=tokenizer, device="cpu",
                                     tokenize_kwargs={"truncation": True}, return_tensors=True)
        run = lambda items: pipe((s for s in items), batch_size=batch_size)  # noqa: E731
        version = f"torch {torch.__version__}, transformers {transformers.__version__}"
    else:
        import paddle

        from paddle_distilroberta import AutoTokenizer, DistilRobertaConfig, DistilRobertaModel, pipeline

        paddle.set_device("cpu")
        paddle.seed(0)
        model = DistilRobertaModel(DistilRobertaConfig(**SHAPE), add_pooling_layer=False).eval()
        tokenizer = AutoTokenizer.from_pretrained(bpe)
        pipe = pipeline("feature-extraction", model=model, tokenizer=tokenizer, batch_size=batch_size, progress=False,
                        precision=None if precision == "eager" else precision)
        run = lambda items: pipe((s for s in items), return_tensors=True)  # noqa: E731
        version = f"paddlepaddle {paddle.__version__}, {precision}" + (" predictor" if precision != "eager" else "")
    for _ in run(sentences[:WARMUP]):
        pass
    print(json.dumps({"ready": True, "version": version}), flush=True)
    for line in sys.stdin:  # "start end": time the sentences[start:end], answer with seconds and token vectors
        lo, hi = map(int, line.split())
        tokens = 0
        begin = time.perf_counter()
        for out in run(sentences[lo:hi]):
            tokens += int(out.shape[-2])
        print(json.dumps({"seconds": time.perf_counter() - begin, "tokens": tokens}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--torch-python", help="interpreter with torch + transformers (default: skip the torch side)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=("eager", "float32", "bfloat16"), default="eager",
                        help="our side: the eager model (default), or the Paddle Inference predictor at this precision ("
                             "float32: exact to 1e-5)")
    parser.add_argument("--slice", type=int, default=1024,
                        help="sentences per timed slice (the sides alternate per slice); default: the pipeline's read-ahead "
                             "chunk at batch 32 (32 batches), so slicing does not change how it buckets")
    parser.add_argument("--max-lines", type=int, default=0, help="cap the sentences (evenly spaced); 0: every line")
    parser.add_argument("--text-dir", default=str(SHARED / "text"))
    parser.add_argument("--bpe", default=str(SHARED / "roberta-bpe"))
    parser.add_argument("--child", choices=("paddle", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--sentences-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.sentences_file, args.bpe, args.batch_size, args.threads, args.precision)
        return
    sentences = load_sentences(Path(args.text_dir), args.max_lines)
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads),
           "TOKENIZERS_PARALLELISM": "false", "PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS": "1"}
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        env["PADDLE_DISTILROBERTA_HOME"] = str(Path(tmp) / "home")  # the predictor's export cache: thrown away
        sentences_file = Path(tmp) / "sentences.json"
        sentences_file.write_text(json.dumps(sentences))
        sides = [("paddle", sys.executable)] + ([("torch", args.torch_python)] if args.torch_python else [])
        children = {}
        for side, python in sides:
            cmd = [python, __file__, "--child", side, "--sentences-file", str(sentences_file), "--bpe", args.bpe,
                   "--batch-size", str(args.batch_size), "--threads", str(args.threads), "--precision", args.precision]
            children[side] = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
            results[side] = {"seconds": 0.0, "tokens": 0, "slices": [], **_answer(children[side], side)}
        # alternate the sides slice by slice (who goes first alternates too), so that the load of a shared
        # machine hits both alike; each slice's ratio is kept
        for k, lo in enumerate(range(0, len(sentences), args.slice)):
            order = list(children) if k % 2 == 0 else list(reversed(children))
            for side in order:
                children[side].stdin.write(f"{lo} {min(lo + args.slice, len(sentences))}\n")
                children[side].stdin.flush()
                answer = _answer(children[side], side)
                results[side]["seconds"] += answer["seconds"]
                results[side]["tokens"] += answer["tokens"]
                results[side]["slices"].append(answer["seconds"])
        for child in children.values():
            child.stdin.close()
            child.wait()
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"feature-extraction, distilroberta-base shape (random weights), float32, CPU: {cpu}, {os.cpu_count()} cores, "
          f"{args.threads} threads, batch {args.batch_size}, {len(sentences)} sentences from {args.text_dir}"
          f"{' (every line)' if not args.max_lines else f' (--max-lines {args.max_lines}, evenly spaced)'}")
    print("| side | versions | s | sentences/s | token vectors returned |")
    print("|---|---|---:|---:|---:|")
    for side, r in results.items():
        print(f"| {side} | {r['version']} | {r['seconds']:.1f} | {len(sentences) / r['seconds']:.1f} | {r['tokens']} |")
    print("(transformers returns each sentence's vectors padded to its batch's longest; this package returns the "
          "sentence's own tokens)")
    if "torch" in results:
        ratio = results["torch"]["seconds"] / results["paddle"]["seconds"]
        per_slice = sorted(t / p for t, p in zip(results["torch"]["slices"], results["paddle"]["slices"]))
        print(f"ours / transformers: {ratio:.2f}x over the whole run (target >= 1.5x); per {args.slice}-sentence slice: "
              f"median {statistics.median(per_slice):.2f}x, range {per_slice[0]:.2f}x-{per_slice[-1]:.2f}x")


def _answer(child: subprocess.Popen, side: str) -> dict:
    line = child.stdout.readline()
    if not line:
        child.wait()
        sys.exit(f"the {side} side stopped (exit status {child.returncode}); run it alone to see its error.")
    return json.loads(line)


if __name__ == "__main__":
    main()
