"""Speed workarounds the model uses, kept out of `modeling.py` so that file reads as RoBERTa's math.

Each one computes exactly what the plain Paddle op would; each exists because the plain op was measured to be
slow on CPU with Paddle 3.x (figures from `benchmarks/bench_inference.py`, distilroberta-base shape, 2 threads,
batch 8 x 128 tokens, see `benchmarks/README.md`). Static graphs (`paddle.jit.to_static` exports) always take
the plain op, so exported programs stay portable:

* `Linear`: the bias is added inside the GEMM (`addmm`). Paddle's `linear` runs the bias add as a separate
  broadcast kernel that cost up to a third of the matmul.
* `Dropout`: returns its input in eval mode (Paddle's still ran a copy kernel there).
* `swap_heads_and_tokens`: (B, T, nh, hd) <-> (B, nh, T, hd) as a dense tensor through `einsum`. With Paddle 3's
  stride kernels `transpose` is a view and the next matmul copies it through a generic strided-copy kernel
  ~10x slower (0.9 ms vs 8.7 ms); attention went from 49 ms to 11 ms per layer.
* `tile_attention_bias`: the (B, 1, 1|T, T) mask bias tiled once per forward to (B, nh, T, T) (when <= 64 MB):
  Paddle's broadcasting add was ~4x slower than a same-shape add, and the bias is added in every layer.
* `use_fused_attention`: Paddle's fused SDPA kernel pays off on GPUs only; on CPU the explicit form is as
  exact and faster.
* `add_bias` and `softmax_last_axis` (inference only: when no gradient is recorded): the mask bias is added to
  the scores in place, and the softmax runs in place on row chunks split across the package's threads (Paddle's
  CPU softmax is a single-threaded kernel, and it releases the GIL, so Python threads run the chunks in parallel).
  Same kernels, same numbers (bitwise); the split on 2 threads: forward 327 -> 315 ms at 8x128, 883 -> 771 ms
  at 4x512 (`benchmarks/profile_forward.py` with and without `--no-split`). Any view that would not share memory
  (Paddle's stride kernels turned off) falls back to the plain ops.
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from . import _runtime

Tensor = paddle.Tensor

__all__ = ["Linear", "Dropout", "swap_heads_and_tokens", "tile_attention_bias", "use_fused_attention", "add_bias",
           "softmax_last_axis"]

_TILE_LIMIT_BYTES = 64 * 2**20
_SPLIT_MIN_ELEMENTS = 2**18  # below this a split costs more than it saves (measured: 1x128 scores, 196k, no gain)


class Linear(nn.Linear):
    """nn.Linear whose bias is added inside the GEMM (`addmm`) in dygraph mode."""

    def forward(self, x: Tensor) -> Tensor:
        if self.bias is None or not paddle.in_dynamic_mode():
            return super().forward(x)
        out = paddle.addmm(self.bias.unsqueeze(0), x.reshape([-1, x.shape[-1]]), self.weight)
        return out.reshape(x.shape[:-1] + [out.shape[-1]])


class Dropout(nn.Dropout):
    """nn.Dropout that costs nothing in eval mode."""

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(x) if self.training and self.p > 0 else x


def swap_heads_and_tokens(x: Tensor) -> Tensor:
    """(B, T, nh, hd) <-> (B, nh, T, hd), as a dense contiguous tensor."""
    if not paddle.in_dynamic_mode():
        return paddle.transpose(x, [0, 2, 1, 3])
    return paddle.einsum("abcd->acbd", x)


def tile_attention_bias(bias: Optional[Tensor], num_heads: int, seq_len: int) -> Optional[Tensor]:
    """Tile the (B, 1, 1|T, T) bias to (B, nh, T, T) once per forward when that stays small."""
    if bias is None or not paddle.in_dynamic_mode():
        return bias
    rows = seq_len if bias.shape[2] == 1 else 1
    if bias.shape[0] * num_heads * seq_len * seq_len * 4 > _TILE_LIMIT_BYTES:
        return bias
    return paddle.tile(bias, [1, num_heads, rows, 1])


def use_fused_attention(hidden_states: Tensor) -> bool:
    """True where Paddle's fused SDPA kernel is the faster exact choice: dygraph on a GPU."""
    return paddle.in_dynamic_mode() and hidden_states.place.is_gpu_place()


def _inference_only(x: Tensor) -> bool:
    """True when no gradient flows through `x` (no_grad, or nothing requires one): in-place work is safe."""
    return paddle.in_dynamic_mode() and x.stop_gradient


def add_bias(scores: Tensor, bias: Optional[Tensor]) -> Tensor:
    """scores + bias, in place when no gradient is recorded (saves a scores-sized allocation and pass)."""
    if bias is None:
        return scores
    if _inference_only(scores) and bias.stop_gradient and bias.dtype == scores.dtype:
        return scores.add_(bias)
    return scores + bias


_pool_lock = threading.Lock()
_pool: Optional[ThreadPoolExecutor] = None
_pool_owner = (0, 0)  # (pid, workers): a forked child or a new thread count gets a new pool


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_owner
    with _pool_lock:
        if _pool is None or _pool_owner != (os.getpid(), workers):
            # the old pool is dropped, not shut down: after a fork its threads do not exist in this process
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="paddle_distilroberta")
            _pool_owner = (os.getpid(), workers)
        return _pool


def _shares_memory(view: Tensor, base: Tensor, offset_elements: int) -> bool:
    return view.data_ptr() == base.data_ptr() + offset_elements * base.element_size()


def softmax_last_axis(scores: Tensor) -> Tensor:
    """softmax over the last axis; in inference, in place and split over the package's threads (see above)."""
    threads = _runtime.op_threads()
    if (threads < 2 or not _inference_only(scores) or not scores.place.is_cpu_place()  # GPU kernels are parallel
            or math.prod(scores.shape) < _SPLIT_MIN_ELEMENTS):  # from the shape: numel() is a tensor (a host read)
        return F.softmax(scores, axis=-1)
    rows = scores.reshape([-1, scores.shape[-1]])
    parts = min(threads, rows.shape[0])
    bounds = [rows.shape[0] * i // parts for i in range(parts + 1)]
    chunks = [rows[lo:hi] for lo, hi in zip(bounds, bounds[1:])]
    width = scores.shape[-1]
    if not _shares_memory(rows, scores, 0) or not all(
            _shares_memory(chunk, scores, lo * width) for chunk, lo in zip(chunks, bounds)):
        return F.softmax(scores, axis=-1)
    pending = [_executor(parts - 1).submit(F.softmax_, chunk, -1) for chunk in chunks[1:]]
    F.softmax_(chunks[0], -1)
    for job in pending:
        job.result()
    return scores
