"""Checkpoint conversion between layouts, tensor by tensor through the table in `mapping.py`.

    convert_checkpoint("hf_folder", "paddle_folder")            # HF / PaddleNLP -> this package (Paddle layout)
    convert_checkpoint("paddle_folder", "hf_folder", to="hf")   # -> Hugging Face (transformers reads it)

No model is run and no weight is invented: the target model is only built lazily (no memory) to know
its parameter names and shapes, and tensors the source lacks (e.g. the pooler of an MLM checkpoint)
stay absent, so loading the result reports them exactly as loading the source would.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any, Dict, Union

import paddle

from ..configuration import DistilRobertaConfig
from ..errors import WeightMappingError
from . import mapping
from .fileutils import atomic_path
from .loading import PADDLE_FORMAT_METADATA, SAFE_WEIGHTS_NAME, find_config_file, find_weight_files

logger = logging.getLogger(__name__)

#: Tokenizer files copied along, so a converted folder is complete.
TOKENIZER_FILES = ("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "added_tokens.json")
TARGETS = ("paddle", "hf")


def model_class_for(config: DistilRobertaConfig) -> type:
    """The model class of a checkpoint, from the last entry of `architectures` (base model if none)."""
    from ..auto import TASKS, _MODELS

    arch = (config.architectures or ["RobertaModel"])[-1]
    for task, suffix in TASKS.items():
        if task != "base" and arch.endswith(suffix):
            return _MODELS[task]["roberta"]
    return _MODELS["base"]["roberta"]


def _expected_shapes(config: DistilRobertaConfig) -> Dict[str, tuple]:
    with paddle.LazyGuard():
        model = model_class_for(config)(config)
    return {k: tuple(v.shape) for k, v in model.named_parameters()}


def read_paddle_state_dict(src: Path, config: DistilRobertaConfig) -> Dict[str, Any]:
    """All tensors of a checkpoint folder, under this package's names and in Paddle layout."""
    from .serialization import load_state_dict_file, safetensors_metadata

    expected = _expected_shapes(config)
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
    src_dir: Union[str, os.PathLike], dst_dir: Union[str, os.PathLike], *, to: str = "paddle"
) -> Path:
    """Convert the checkpoint folder `src_dir` (Hugging Face, PaddleNLP or Paddle layout) into `dst_dir`.

    Args:
        to: "paddle" (this package's layout: config.json + model.safetensors, Linear weights `[in, out]`) or
            "hf" (transformers' layout: PyTorch names and shapes, model_type "roberta").

    Returns:
        `dst_dir`. Each file is written atomically; tokenizer files are copied along.
    """
    from .serialization import save_safetensors

    if to not in TARGETS:
        raise ValueError(f"to={to!r}: convert to one of {TARGETS}.")
    src, dst = Path(src_dir), Path(dst_dir)
    if not src.is_dir():
        raise FileNotFoundError(f"Source checkpoint folder {src} does not exist.")
    if src.resolve() == dst.resolve():
        raise ValueError(f"Source and destination are the same folder ({src}); convert into a new folder.")
    config = DistilRobertaConfig.from_json_file(find_config_file(src))
    state = read_paddle_state_dict(src, config)
    if to == "hf":
        state = mapping.to_hf_state_dict(state)
        metadata = {"format": "pt"}
    else:
        metadata = dict(PADDLE_FORMAT_METADATA)
    state = {k: v.contiguous() for k, v in state.items()}
    dst.mkdir(parents=True, exist_ok=True)
    save_safetensors(state, dst / SAFE_WEIGHTS_NAME, metadata=metadata)
    if config.architectures:
        config.architectures = [model_class_for(config).__name__]
    config.save_pretrained(dst, hf=(to == "hf"))
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            with atomic_path(dst / name) as tmp:
                shutil.copyfile(src / name, tmp)
    logger.info("Converted %s -> %s (%s layout, %d tensors).", src, dst, to, len(state))
    return dst
