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
"""
from __future__ import annotations

from typing import Optional

import paddle
import paddle.nn as nn

Tensor = paddle.Tensor

__all__ = ["Linear", "Dropout", "swap_heads_and_tokens", "tile_attention_bias", "use_fused_attention"]

_TILE_LIMIT_BYTES = 64 * 2**20


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
