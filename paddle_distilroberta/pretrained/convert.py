"""Checkpoint conversion between layouts, tensor by tensor through the table in `mapping.py`.

    convert_checkpoint("hf_folder", "paddle_folder", model_class)            # HF / PaddleNLP -> Paddle layout
    convert_checkpoint("paddle_folder", "hf_folder", model_class, to="hf")   # -> Hugging Face (transformers reads it)

`model_class` is the class whose parameters the checkpoint holds (e.g. `DistilRobertaForMaskedLM` for an MLM
checkpoint); the caller chooses it (`DistilRobertaPretrainedModel.checkpoint_class(config)` reads it from the
config's `architectures`). It is only built lazily (no memory) to know parameter names and shapes.
No model is run and no weight is invented: tensors the source lacks (e.g. the pooler of an MLM checkpoint)
stay absent, so loading the result reports them exactly as loading the source would.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, Union

import paddle

from ..configuration import DistilRobertaConfig
from ..errors import WeightMappingError
from . import mapping
from .files import (
    PADDLE_FORMAT_METADATA,
    SAFE_WEIGHTS_NAME,
    TOKENIZER_FILES,
    atomic_copy,
    find_config_file,
    find_weight_files,
)
from .serialization import load_state_dict_file, safetensors_metadata, save_safetensors

logger = logging.getLogger(__name__)

TARGETS = ("paddle", "hf")


def _expected_shapes(model_class: type, config: DistilRobertaConfig) -> Dict[str, tuple]:
    with paddle.LazyGuard():
        model = model_class(config)
    return {k: tuple(v.shape) for k, v in model.named_parameters()}


def read_paddle_state_dict(src: Path, config: DistilRobertaConfig, model_class: type) -> Dict[str, Any]:
    """All tensors of a checkpoint folder, under `model_class`'s names and in Paddle layout."""
    expected = _expected_shapes(model_class, config)
    out: Dict[str, Any] = {}
    for path in find_weight_files(src):
        raw = load_state_dict_file(path)
        metadata = safetensors_metadata(path) if path.suffix == ".safetensors" else {}
        state, unknown = mapping.to_paddle_state_dict(raw, expected, mapping.detect_format(raw.keys(), metadata))
        if unknown:
            logger.warning("%s: tensors with no mapping rule were left out: %s", path, unknown)
        bad = mapping.shape_mismatches(state, expected)
        if bad:
            raise WeightMappingError(f"{path} does not fit its own config.json: " + "; ".join(bad))
        out.update(state)
    return {k: paddle.to_tensor(v) if not isinstance(v, paddle.Tensor) else v for k, v in out.items()}


def convert_checkpoint(
    src_dir: Union[str, os.PathLike], dst_dir: Union[str, os.PathLike], model_class: type, *, to: str = "paddle"
) -> Path:
    """Convert the checkpoint folder `src_dir` (Hugging Face, PaddleNLP or Paddle layout) into `dst_dir`.

    Args:
        model_class: the model class whose weights the checkpoint holds (its config class reads config.json).
        to: "paddle" (this package's layout: config.json + model.safetensors, Linear weights `[in, out]`) or
            "hf" (transformers' layout: PyTorch names and shapes, model_type "roberta").

    Returns:
        `dst_dir`. Each file is written atomically; tokenizer files are copied along.
    """
    if to not in TARGETS:
        raise ValueError(f"to={to!r}: convert to one of {TARGETS}.")
    src, dst = Path(src_dir), Path(dst_dir)
    if not src.is_dir():
        raise FileNotFoundError(f"Source checkpoint folder {src} does not exist.")
    if dst.exists() and src.resolve() == dst.resolve():
        raise ValueError(f"Source and destination are the same folder ({src}); convert into a new folder.")
    config_class = getattr(model_class, "config_class", DistilRobertaConfig)
    config = config_class.from_json_file(find_config_file(src))
    state = read_paddle_state_dict(src, config, model_class)
    if to == "hf":
        state = mapping.to_hf_state_dict(state)
        metadata = {"format": "pt"}
    else:
        metadata = dict(PADDLE_FORMAT_METADATA)
    state = {k: v.contiguous() for k, v in state.items()}
    dst.mkdir(parents=True, exist_ok=True)
    save_safetensors(state, dst / SAFE_WEIGHTS_NAME, metadata=metadata)
    if config.architectures:
        config.architectures = [model_class.__name__]
    config.save_pretrained(dst, hf=(to == "hf"))
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            atomic_copy(src / name, dst / name)
    logger.info("Converted %s -> %s (%s layout, %d tensors).", src, dst, to, len(state))
    return dst
