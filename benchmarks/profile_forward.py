"""Where one forward's time goes: time a distilroberta-base-shaped forward, optionally with a per-operator profile.

    python benchmarks/profile_forward.py [--shape 8x128] [--profile] [--no-split]       # this package, eager
    PADDLE_DISTILROBERTA_NO_CPU_TUNING=1 OMP_NUM_THREADS=2 python benchmarks/profile_forward.py   # without the
                                                                                       # malloc/thread defaults
    .venv-ref/bin/python benchmarks/profile_forward.py --side torch --profile          # transformers on PyTorch

A random model (6 layers, hidden 768, vocab 50265, with pooler), one half-padded row per batch, no gradients;
two warm-up forwards, then `--repeats` timed ones (min and median printed). `--profile` runs 4 more forwards
under Paddle's profiler (or `torch.profiler`) and prints the operators' time per forward, largest first (the
profilers add a little). `--no-split` turns off the softmax split over threads (`_ops.softmax_last_axis`).
Used for the attributions in benchmarks/README.md; `bench_inference.py` is the comparison of record.
"""
from __future__ import annotations

import argparse
import statistics
import time

LAYERS, VOCAB, PROFILED = 6, 50265, 4


def _inputs(batch: int, seq: int):
    import numpy as np

    rng = np.random.default_rng(0)
    ids = rng.integers(3, VOCAB - 10, size=(batch, seq)).astype("int64")
    mask = np.ones_like(ids)
    mask[0, seq // 2:] = 0
    ids[0, seq // 2:] = 1
    return ids, mask


def _paddle(batch: int, seq: int, no_split: bool):
    import paddle

    import paddle_distilroberta as pdr
    from paddle_distilroberta import _runtime

    if no_split:
        _runtime.op_threads = lambda: 1
    paddle.seed(0)
    model = pdr.DistilRobertaModel(pdr.DistilRobertaConfig(num_hidden_layers=LAYERS, vocab_size=VOCAB))
    model.eval()
    ids, mask = (paddle.to_tensor(a) for a in _inputs(batch, seq))

    def run():
        with paddle.no_grad():
            return model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()

    def profile():
        import paddle.profiler as profiler

        prof = profiler.Profiler(targets=[profiler.ProfilerTarget.CPU])
        prof.start()
        for _ in range(PROFILED):
            run()
            prof.step()
        prof.stop()
        prof.summary(sorted_by=profiler.SortedKeys.CPUTotal, op_detail=False, thread_sep=False, time_unit="ms")
        print(f"(totals above are over {PROFILED} forwards; divide by {PROFILED} for one)")

    return run, profile, f"paddle {paddle.__version__}, {_runtime.get_num_threads()} threads"


def _torch(batch: int, seq: int):
    import torch
    import transformers
    from torch.profiler import ProfilerActivity, profile as torch_profile

    torch.manual_seed(0)
    config = transformers.RobertaConfig(vocab_size=VOCAB, num_hidden_layers=LAYERS, max_position_embeddings=514,
                                        type_vocab_size=1)
    model = transformers.RobertaModel(config).eval()
    ids, mask = (torch.from_numpy(a) for a in _inputs(batch, seq))

    def run():
        with torch.inference_mode():
            return model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()

    def profile():
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(PROFILED):
                run()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
        print(f"(totals above are over {PROFILED} forwards; divide by {PROFILED} for one)")

    return run, profile, f"torch {torch.__version__}, transformers {transformers.__version__}, {torch.get_num_threads()} threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", choices=("paddle", "torch"), default="paddle")
    parser.add_argument("--shape", default="8x128", help="BATCHxTOKENS")
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-split", action="store_true", help="paddle: softmax on one thread")
    args = parser.parse_args()
    batch, seq = (int(x) for x in args.shape.lower().split("x"))
    run, profile, version = _paddle(batch, seq, args.no_split) if args.side == "paddle" else _torch(batch, seq)
    for _ in range(2):
        run()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    print(f"{args.side} {args.shape} ({version}): min {min(times) * 1e3:.1f} ms, "
          f"median {statistics.median(times) * 1e3:.1f} ms over {args.repeats} forwards")
    if args.profile:
        profile()


if __name__ == "__main__":
    main()
