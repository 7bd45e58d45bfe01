"""CPU inference speed: paddle_distilroberta vs Hugging Face transformers (PyTorch), same weights, one run.

    OMP_NUM_THREADS=2 python benchmarks/bench_inference.py [--threads 2] [--batches 1 8] [--seq-len 128]

Needs paddlepaddle and torch + transformers in one environment (e.g. pip install -e .[reference]).
Builds a randomly initialised distilroberta-base-sized RobertaModel in transformers, saves it, loads
it here, checks the outputs agree, then times both sides alternately (eval mode, no grad, warm-up first).
Prints device, dtype, threads, versions, and the median time per batch with the ratio torch / paddle.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--layers", type=int, default=6, help="6 = distilroberta-base, 12 = roberta-base")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # Paddle reads it at import; it defaults to 1 thread

    import numpy as np
    import paddle
    import torch
    import transformers

    from paddle_distilroberta import DistilRobertaModel

    torch.set_num_threads(args.threads)
    paddle.set_device("cpu")
    torch.manual_seed(0)
    hf_config = transformers.RobertaConfig(num_hidden_layers=args.layers, max_position_embeddings=514, pad_token_id=1,
                                           vocab_size=50265, type_vocab_size=1, layer_norm_eps=1e-5)
    hf = transformers.RobertaModel(hf_config, add_pooling_layer=True).eval()
    with tempfile.TemporaryDirectory() as tmp:
        hf.save_pretrained(tmp, safe_serialization=True)
        ours = DistilRobertaModel.from_pretrained(tmp)

    print(f"python {sys.version.split()[0]} | paddle {paddle.__version__} | torch {torch.__version__} | "
          f"transformers {transformers.__version__} | device cpu | dtype float32 | threads {args.threads} | "
          f"layers {args.layers} | seq_len {args.seq_len}")
    rng = np.random.default_rng(0)
    for batch in args.batches:
        ids = rng.integers(3, 50000, size=(batch, args.seq_len)).astype("int64")
        mask = np.ones_like(ids)
        pt_ids, pt_mask = torch.from_numpy(ids), torch.from_numpy(mask)
        pd_ids, pd_mask = paddle.to_tensor(ids), paddle.to_tensor(mask)

        def run_torch():
            with torch.inference_mode():
                return hf(input_ids=pt_ids, attention_mask=pt_mask).last_hidden_state

        def run_paddle():
            with paddle.no_grad():
                return ours(input_ids=pd_ids, attention_mask=pd_mask).last_hidden_state

        diff = np.abs(run_torch().numpy() - run_paddle().numpy()).max()
        for _ in range(2):  # warm-up
            run_torch(), run_paddle()
        t_torch, t_paddle = [], []
        for _ in range(3):  # alternate, so drift on a noisy machine hits both sides
            t_torch.append(_median_time(run_torch, args.repeats))
            t_paddle.append(_median_time(run_paddle, args.repeats))
        tt, tp = min(t_torch), min(t_paddle)
        print(f"batch {batch:>3}: torch {tt * 1000:8.1f} ms | paddle_distilroberta {tp * 1000:8.1f} ms | "
              f"speed ratio torch/paddle {tt / tp:5.2f}x | max |diff| {diff:.2e}")


if __name__ == "__main__":
    main()
