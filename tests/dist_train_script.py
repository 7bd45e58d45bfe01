"""Worker of tests/test_distributed.py: data-parallel training of a tiny DistilRoBERTa on CPU.

Run by `python -m paddle.distributed.launch --nproc_per_node 2 tests/dist_train_script.py --out DIR`.
Each rank builds the model from a *different* seed (DataParallel must broadcast rank 0's weights), trains
a few SGD steps on its own shard of the data, and writes `rank<N>.json` with a checksum of its final weights.
Rank 0 also repeats the training in one process on both shards at once (gradient averaging makes the two
equal) and records how far the data-parallel weights are from that reference.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
from pathlib import Path
from typing import Dict

import numpy as np
import paddle
import paddle.distributed as dist

from paddle_distilroberta import DistilRobertaConfig, DistilRobertaForSequenceClassification

logger = logging.getLogger("dist_train_script")

TINY = dict(
    vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
    max_position_embeddings=20, type_vocab_size=1, pad_token_id=1, num_labels=3,
    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
)


def shard(rank: int, step: int, batch: int = 4, width: int = 10) -> Dict[str, np.ndarray]:
    """The batch of `rank` at `step` (deterministic, different for each rank and step)."""
    rng = np.random.default_rng(1000 * step + rank)
    ids = rng.integers(3, TINY["vocab_size"], size=(batch, width)).astype("int64")
    ids[:, 0], ids[:, -1] = 0, 2
    return {"input_ids": ids, "labels": rng.integers(0, TINY["num_labels"], size=batch).astype("int64")}


def train(model: paddle.nn.Layer, params, batches, lr: float) -> list:
    opt = paddle.optimizer.SGD(learning_rate=lr, parameters=params)
    losses = []
    for batch in batches:
        out = model(**{k: paddle.to_tensor(v) for k, v in batch.items()}, return_dict=True)
        out["loss"].backward()
        opt.step()
        opt.clear_grad()
        losses.append(float(out["loss"]))
    return losses


def state_of(model: paddle.nn.Layer) -> Dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def checksum(state: Dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(state):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(state[key], dtype="float32").tobytes())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    dist.init_parallel_env()
    rank, world = dist.get_rank(), dist.get_world_size()
    paddle.seed(100 + rank)  # different initial weights on each rank: DataParallel must broadcast rank 0's
    model = DistilRobertaForSequenceClassification(DistilRobertaConfig(**TINY))
    model.train()
    before_wrap = checksum(state_of(model))
    dp = paddle.DataParallel(model)
    initial = state_of(model)
    losses = train(dp, dp.parameters(), [shard(rank, s) for s in range(args.steps)], args.lr)
    final = state_of(model)
    report = {
        "rank": rank,
        "world_size": world,
        "device": paddle.get_device(),
        "losses": losses,
        "checksum_before_wrap": before_wrap,
        "initial_checksum": checksum(initial),
        "final_checksum": checksum(final),
        "changed": any(not np.array_equal(initial[k], final[k]) for k in initial),
    }
    if rank == 0:  # single-process reference on the union of the shards, from the same initial weights
        ref = DistilRobertaForSequenceClassification(DistilRobertaConfig(**TINY))
        ref.set_state_dict({k: paddle.to_tensor(v) for k, v in initial.items()})
        ref.train()
        batches = [
            {k: np.concatenate([shard(r, s)[k] for r in range(world)]) for k in ("input_ids", "labels")}
            for s in range(args.steps)
        ]
        train(ref, ref.parameters(), batches, args.lr)
        ref_state = state_of(ref)
        report["max_abs_diff_vs_single_process"] = max(float(np.abs(final[k] - ref_state[k]).max()) for k in final)
    Path(args.out, f"rank{rank}.json").write_text(json.dumps(report, indent=2))
    logger.info("rank %d done: %s", rank, report)


if __name__ == "__main__":
    main()
