"""CPU inference speed: paddle_distilroberta vs Hugging Face transformers (PyTorch), same weights, one run.

    python benchmarks/bench_inference.py [--threads 2] [--batches 1 8 32] [--seq-len 128] [--rounds 3]
        [--paddlenlp-python /path/to/venv-with-paddlenlp/bin/python]

Needs paddlepaddle and torch + transformers in one environment (e.g. pip install -e .[reference]).
It builds a randomly initialised distilroberta-base-sized RobertaModel in transformers, saves it, and then
times each side in its OWN child process (Paddle and PyTorch each start an OpenMP thread pool; in one
process their spinning threads slow each other down), alternating the two children `--rounds` times so
that drift on a noisy machine hits both. Each child checks its outputs against the other's saved outputs,
reports the median of `--repeats` timed forwards after a warm-up, and the table gives the best round.
Prints device, dtype, threads, batch, sequence length, versions, and the ratio torch / ours (>1: we are faster);
with --paddlenlp-python, PaddleNLP's RobertaModel (same weights, its own HF conversion) as a third side.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(side: str, folder: str, batch: int, seq_len: int, repeats: int, out: str) -> None:
    """Time one side; save its last_hidden_state of the first batch row for the cross-check."""
    import numpy as np

    rng = np.random.default_rng(batch)
    ids = rng.integers(3, 50000, size=(batch, seq_len)).astype("int64")
    mask = np.ones_like(ids)
    mask[0, seq_len // 2:] = 0  # one padded row, as real batches have
    if side == "torch":
        import torch
        import transformers

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        model = transformers.RobertaModel.from_pretrained(folder).eval()
        pt_ids, pt_mask = torch.from_numpy(ids), torch.from_numpy(mask)

        def run():
            with torch.inference_mode():
                return model(input_ids=pt_ids, attention_mask=pt_mask).last_hidden_state.numpy()

        version = f"torch {torch.__version__}, transformers {transformers.__version__}"
    elif side == "paddle":
        import paddle

        from paddle_distilroberta import DistilRobertaModel

        paddle.set_device("cpu")
        model = DistilRobertaModel.from_pretrained(folder)
        pd_ids, pd_mask = paddle.to_tensor(ids), paddle.to_tensor(mask)

        def run():
            with paddle.no_grad():
                return model(input_ids=pd_ids, attention_mask=pd_mask).last_hidden_state.numpy()

        version = f"paddle {paddle.__version__}"
    elif side == "paddlenlp":
        import shutil

        import paddle
        import paddlenlp
        from paddlenlp.transformers import RobertaModel

        paddle.set_device("cpu")
        own = folder + "-paddlenlp"  # PaddleNLP writes its converted weights beside the source
        shutil.copytree(folder, own, dirs_exist_ok=True)
        model = RobertaModel.from_pretrained(own, convert_from_torch=True)
        model.eval()
        pd_ids, pd_mask = paddle.to_tensor(ids), paddle.to_tensor(mask)

        def run():
            with paddle.no_grad():
                return model(input_ids=pd_ids, attention_mask=pd_mask, return_dict=True).last_hidden_state.numpy()

        version = f"paddlenlp {paddlenlp.__version__}"
    hidden = run()
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    np.save(out + f".{side}.npy", hidden)
    with open(out + f".{side}.json", "w") as fh:
        json.dump({"median_s": statistics.median(times), "version": version}, fh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--layers", type=int, default=6, help="6 = distilroberta-base, 12 = roberta-base")
    parser.add_argument("--paddlenlp-python", default=None,
                        help="also time PaddleNLP's RobertaModel, run by this interpreter (one where paddlenlp imports)")
    parser.add_argument("--child", nargs=6, metavar=("SIDE", "FOLDER", "BATCH", "SEQ", "REPEATS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, folder, batch, seq, repeats, out = args.child
        return _child(side, folder, int(batch), int(seq), int(repeats), out)

    import numpy as np
    import torch
    import transformers

    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}  # Paddle defaults to 1 thread without it
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(0)
        config = transformers.RobertaConfig(num_hidden_layers=args.layers, max_position_embeddings=514, pad_token_id=1,
                                            vocab_size=50265, type_vocab_size=1, layer_norm_eps=1e-5)
        transformers.RobertaModel(config).save_pretrained(tmp, safe_serialization=True)
        print(f"python {sys.version.split()[0]} | device cpu ({os.cpu_count()} CPUs) | dtype float32 | "
              f"threads {args.threads} | layers {args.layers} | seq_len {args.seq_len} | one padded row per batch")
        versions = set()
        for batch in args.batches:
            sides = ("torch", "paddle") + (("paddlenlp",) if args.paddlenlp_python else ())
            best = {side: float("inf") for side in sides}
            for _ in range(args.rounds):
                for side in sides:
                    out = str(Path(tmp) / f"b{batch}")
                    python = args.paddlenlp_python if side == "paddlenlp" else sys.executable
                    cmd = [python, __file__, "--child", side, tmp, str(batch), str(args.seq_len), str(args.repeats), out]
                    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    result = json.loads(Path(out + f".{side}.json").read_text())
                    best[side] = min(best[side], result["median_s"])
                    versions.add(result["version"])
            diff = np.abs(np.load(out + ".torch.npy") - np.load(out + ".paddle.npy")).max()
            line = (f"batch {batch:>3}: torch {best['torch'] * 1000:8.1f} ms | paddle_distilroberta "
                    f"{best['paddle'] * 1000:8.1f} ms | torch/ours {best['torch'] / best['paddle']:5.2f}x | "
                    f"max |diff| vs torch {diff:.1e}")
            if "paddlenlp" in best:
                nlp_diff = np.abs(np.load(out + ".torch.npy") - np.load(out + ".paddlenlp.npy")).max()
                line += (f" || paddlenlp {best['paddlenlp'] * 1000:8.1f} ms | paddlenlp/ours "
                         f"{best['paddlenlp'] / best['paddle']:5.2f}x | its max |diff| vs torch {nlp_diff:.1e}")
            print(line)
        print(" | ".join(sorted(versions)))


if __name__ == "__main__":
    main()
