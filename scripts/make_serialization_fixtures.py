"""Regenerate tests/fixtures/serialization/: small torch checkpoints for the torch-free `.bin` reader.

Run it with a Python that has torch (NOT the package's venv):

    /path/to/venv-with-torch/bin/python scripts/make_serialization_fixtures.py

Each `<name>.bin` comes with `<name>.npz` holding the arrays a correct reader must return
(bfloat16 tensors are stored upcast to float32, exactly as the reader returns them).
"""
from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

import numpy as np
import torch

LOG = logging.getLogger("make_serialization_fixtures")
OUT_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "serialization"


def _dtypes() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    base = torch.randn(3, 4, generator=gen)
    return {
        "float32": base,
        "float16": (base * 3).half(),
        "bfloat16": (base * 5).bfloat16(),
        "float64": base.double() / 7,
        "int64": torch.tensor([[-(2**40), 0, 7], [1, 2, 2**40]], dtype=torch.int64),
        "int32": torch.tensor([-5, 0, 2**30], dtype=torch.int32),
        "int16": torch.tensor([-300, 300], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
    }


def _views() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    base = torch.randn(4, 6, generator=gen)
    emb = torch.randn(5, 3, generator=gen)
    bf = torch.randn(4, 4, generator=gen).bfloat16()
    return {
        "base": base,
        "transposed": base.t(),  # non-contiguous, shares base's storage
        "offset_slice": base[1:, 2:],  # storage offset 8, strides (6, 1)
        "every_other_row": base[::2],  # stride (12, 1)
        "expanded": torch.arange(3, dtype=torch.float32).expand(2, 3),  # stride 0
        "tied_a": emb,  # two names, one tensor (like tied embeddings)
        "tied_b": emb,
        "row_of_tied": emb[2],  # a view into the same storage
        "bf16_transposed": bf.t(),
    }


def _module_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(2)
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    return module.state_dict()  # an OrderedDict carrying `_metadata`


def _parameters() -> dict[str, torch.Tensor]:
    torch.manual_seed(3)
    return {"param": torch.nn.Parameter(torch.randn(2, 2)), "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False)}


def _expected(tensors: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    out = {}
    for key, t in tensors.items():
        t = t.detach()
        out[key] = (t.float() if t.dtype == torch.bfloat16 else t).contiguous().numpy().copy()
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: %(default)s)")
    out_dir: Path = parser.parse_args().out
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    files = {"dtypes": _dtypes(), "views": _views(), "module_state": _module_state(), "parameters": _parameters()}
    for name, tensors in files.items():
        torch.save(tensors, out_dir / f"{name}.bin")
        np.savez(out_dir / f"{name}.npz", **_expected(tensors))
        LOG.info("wrote %s.bin (%d tensors)", name, len(tensors))
    # Pre-1.6 format (not a zip): the reader must refuse it with a clear message.
    torch.save({"x": torch.ones(2)}, out_dir / "legacy.bin", _use_new_zipfile_serialization=False)
    LOG.info("wrote legacy.bin; torch %s", torch.__version__)


if __name__ == "__main__":
    main()
