"""from_pretrained / save_pretrained glue: name -> folder -> files -> names mapped -> model built -> report.

The only module of the storage layer that meets a model class (it is handed one; it never imports `modeling`
or `auto`). It combines `resolve` (name -> original files), `convert` (PyTorch layout -> Paddle layout, cached
once per checkpoint), `mapping` (the weight table, streamed tensor by tensor) and `serialization` (formats).

Reads three kinds of folder:
    Hugging Face: config.json + model.safetensors / pytorch_model.bin (sharded ones with their index json).
    PaddleNLP:    config.json or model_config.json + model_state.pdparams (PaddleNLP's key names).
    this package: config.json + model.safetensors whose metadata says format "paddle" (Paddle layout).
Pickled files (.bin, .pdparams) go through a restricted unpickler (`serialization.py`): never plain pickle.

The converted-checkpoint cache: a PyTorch-format download (HF `model.safetensors` / `pytorch_model.bin`, maybe
sharded) is converted once into `<PADDLE_DISTILROBERTA_HOME>/converted/<key>/`, `<key>` coming from the resolver
(the hub commit, or the sha256 of a community download), so a new commit re-converts and later loads read the
converted folder without touching the original weights. Local folders are loaded as they are.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Type, Union

import numpy as np
import paddle

from ..configuration import DistilRobertaConfig
from ..errors import UnknownModelError, WeightMappingError
from . import mapping
from .convert import convert_checkpoint
from .download import file_lock
from .files import (
    CONFIG_NAME,
    PADDLE_FORMAT_METADATA,
    SAFE_WEIGHTS_NAME,
    atomic_dir,
    atomic_write_text,
    find_config_file,
    find_weight_files,
    folder_transaction,
)
from .resolve import HubOptions, Resolved, registry_config, resolve
from .serialization import (
    iter_safetensors,
    load_state_dict_file,
    safetensors_keys,
    safetensors_metadata,
    save_safetensors,
)

logger = logging.getLogger(__name__)

CONVERTED_MARKER = ".paddle_distilroberta_converted.json"
_DTYPES = ("float32", "float16", "bfloat16", "float64")


# --------------------------------------------------------------------------------------------- converted cache


def needs_conversion(folder: Path) -> bool:
    """True for PyTorch-format weights (HF safetensors or pytorch_model.bin), False for Paddle-layout ones."""
    first = find_weight_files(folder)[0]
    if first.suffix in (".bin", ".pt", ".pth"):
        return True
    if first.suffix == ".safetensors":
        try:
            return safetensors_metadata(first).get("format") != "paddle"
        except (OSError, ValueError):  # unreadable: let the loader report it
            return True
    return False


def _is_converted(folder: Path) -> bool:
    return (folder / CONVERTED_MARKER).is_file()


def convert_once(src: Path, dst: Path, model_class: type, *, source: str, key: str, force: bool = False) -> Path:
    """Convert a PyTorch-format folder into this package's Paddle layout at `dst`, once, under a cross-process lock.

    The conversion is written to a temporary folder and renamed onto `dst`, so `dst` is either absent or complete.
    """
    with file_lock(dst.parent / ".locks" / f"{dst.name}.lock"):
        if _is_converted(dst) and not force:
            return dst
        started = time.perf_counter()
        with atomic_dir(dst) as tmp:
            convert_checkpoint(src, tmp, model_class, to="paddle")
            atomic_write_text(tmp / CONVERTED_MARKER,
                              json.dumps({"source": source, "key": key, "from": str(src), "time": time.time()}, indent=1))
        logger.info("Converted %s to Paddle layout in %.1f s: %s", source, time.perf_counter() - started, dst)
        return dst


def _checkpoint_class(model_class: type, folder: Path) -> type:
    """The class whose weights the checkpoint in `folder` holds (its `architectures`), to convert all of them."""
    pick = getattr(model_class, "checkpoint_class", None)
    if pick is None:
        return model_class
    config_class = getattr(model_class, "config_class", DistilRobertaConfig)
    return pick(config_class.from_json_file(find_config_file(folder)))


def model_folder(name_or_path: Union[str, os.PathLike], model_class: type, hub: Optional[HubOptions] = None) -> Path:
    """The folder to load `model_class` from: a local folder as it is, a download in Paddle layout (converted
    once and cached when the source is in PyTorch layout)."""
    hub = hub or HubOptions()
    only_config = registry_config(name_or_path) if not isinstance(name_or_path, os.PathLike) else None
    if only_config is not None:
        raise UnknownModelError(
            f"{name_or_path!r} is a built-in configuration without weights. Build a randomly initialised model "
            f"with AutoModel.from_config(AutoConfig.from_pretrained({name_or_path!r})), or pass a checkpoint."
        )
    found: Resolved = resolve(name_or_path, "model", hub)
    if found.cache_key is None:
        return found.folder
    converted = found.home / "converted" / found.cache_key
    if _is_converted(converted) and not hub.force_download:
        logger.debug("Using the converted checkpoint %s", converted)
        return converted
    if not needs_conversion(found.folder):
        return found.folder
    model_class = _checkpoint_class(model_class, found.folder)
    return convert_once(found.folder, converted, model_class, source=found.source, key=found.cache_key,
                        force=hub.force_download)


def resolve_device(device: Optional[str]) -> str:
    """Turn `device` (None, "cpu", "gpu", "gpu:N", an int) into a Paddle device string, or say why it can't be used."""
    if device is None:
        return paddle.get_device()
    if isinstance(device, int) and not isinstance(device, bool):
        device = f"gpu:{device}"
    if not isinstance(device, str):
        raise TypeError(f"device must be None, 'cpu', 'gpu' or 'gpu:N', got {device!r}.")
    name = device.strip().lower().replace("cuda", "gpu")
    if name == "cpu":
        return "cpu"
    match = re.fullmatch(r"gpu(?::(\d+))?", name)
    if not match:
        raise ValueError(f"device={device!r} is not understood; use None (current device), 'cpu', 'gpu' or 'gpu:N'.")
    if not paddle.device.is_compiled_with_cuda():
        raise ValueError(
            f"device={device!r} asks for a GPU, but this Paddle build has no CUDA support "
            f"(paddle {paddle.__version__}, CPU build). Install paddlepaddle-gpu, or pass device='cpu'."
        )
    count = paddle.device.cuda.device_count()
    index = int(match.group(1) or 0)
    if index >= count:
        raise ValueError(
            f"device={device!r} asks for GPU {index}, but {count} GPU(s) are visible "
            f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')!r})."
        )
    return f"gpu:{index}"


def _check_dtype(dtype: Any) -> Optional[str]:
    if dtype is None:
        return None
    name = str(dtype).replace("paddle.", "").replace("torch.", "")
    if name not in _DTYPES:
        raise ValueError(f"dtype={dtype!r} is not supported; use one of {_DTYPES}.")
    return name


@functools.lru_cache(maxsize=None)
def _missing_kernel(dtype: str, place: str) -> Optional[str]:
    """Why a model in `dtype` cannot run on `place` (None if it can): probed with one small matmul."""
    old = paddle.get_device()
    try:
        paddle.set_device(place)
        paddle.matmul(paddle.ones([2, 2], dtype=dtype), paddle.ones([2, 2], dtype=dtype))
    except Exception as err:  # Paddle raises RuntimeError/NotFoundError for an unregistered kernel
        return str(err).strip().splitlines()[0][:200]
    finally:
        paddle.set_device(old)
    return None


def _check_runnable(dtype: Optional[str], place: str) -> None:
    """Refuse at load a dtype whose kernels this Paddle build lacks on `place`, instead of failing in the forward."""
    if dtype in (None, "float32", "float64"):
        return
    reason = _missing_kernel(dtype, place)
    if reason is not None:
        raise ValueError(
            f"dtype={dtype!r} cannot run on {place!r} with this Paddle build (paddle {paddle.__version__}): "
            f"it has no {dtype} matmul kernel there ({reason}). Use dtype='float32' (the default) on this device, "
            "a GPU (device='gpu') for half precision, or model.to_predictor(precision='bfloat16') for reduced "
            "precision on a CPU through Paddle Inference."
        )


def _pop_dtype(dtype: Any, kwargs: Dict[str, Any]) -> Any:
    """`dtype`, or transformers' `torch_dtype` (its alias); both given and different is an error."""
    if "torch_dtype" not in kwargs:
        return dtype
    alias = kwargs.pop("torch_dtype")
    if dtype is not None and alias is not None and _check_dtype(alias) != _check_dtype(dtype):
        raise TypeError(f"from_pretrained got dtype={dtype!r} and torch_dtype={alias!r}; pass one of them.")
    return dtype if alias is None else alias


def _pop_init_kwargs(cls: type, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Remove and return the options of the model's own constructor (e.g. `add_pooling_layer` of the base model)."""
    params = inspect.signature(cls.__init__).parameters
    names = [n for n, p in params.items() if n not in ("self", "config")
             and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]
    return {n: kwargs.pop(n) for n in names if n in kwargs}


@contextlib.contextmanager
def _build_guard(device: str, dtype: Optional[str]) -> Iterator[None]:
    """Build parameters lazily (no random init, no memory) on `device` with default dtype `dtype`."""
    old_device, old_dtype = paddle.get_device(), paddle.get_default_dtype()
    paddle.set_device(device)
    if dtype:
        paddle.set_default_dtype(dtype)
    try:
        with paddle.LazyGuard():
            yield
    finally:
        paddle.set_default_dtype(old_dtype)
        paddle.set_device(old_device)


def _assign(name: str, param: Any, value: Any) -> None:
    if isinstance(value, np.ndarray):
        value = paddle.to_tensor(np.ascontiguousarray(value))
    elif not value.is_contiguous():  # a transposed view: store dense parameters
        value = value.contiguous()
    if value.dtype != param.dtype:
        if paddle.is_floating_point(value) != paddle.is_floating_point(param):
            raise WeightMappingError(
                f"{name}: the checkpoint stores {value.dtype} but the model's parameter is {param.dtype}; an "
                "integer/bool <-> float cast would change the values (a mislabelled or crafted file header?). "
                "Re-download the checkpoint or re-save it from its source."
            )
        value = value.astype(param.dtype)  # float <-> float only: dtype= on load, bf16/fp16 checkpoints
    param.set_value(value)


def _is_core(name: str) -> bool:
    """Encoder weights: a checkpoint must have them (a head or the pooler may be new)."""
    local = name[len(mapping.BASE_PREFIX):] if name.startswith(mapping.BASE_PREFIX) else name
    return local.startswith(("embeddings.", "encoder."))


def _open_checkpoint(path: Path) -> Tuple[str, Iterable[Tuple[str, Any]]]:
    """(layout of the file, its tensors): safetensors are streamed tensor by tensor, pickles read whole."""
    if path.suffix == ".safetensors":
        return mapping.detect_format(safetensors_keys(path), safetensors_metadata(path)), iter_safetensors(path)
    raw = load_state_dict_file(path)
    source_format = mapping.detect_format(raw.keys())
    if path.suffix == ".pdparams" and source_format == "hf":
        # Paddle wrote it with this package's names (e.g. PaddleNLP's Trainer saving our model): Paddle layout.
        source_format = "paddle"
    return source_format, raw.items()


def load_weights(
    model: paddle.nn.Layer, files: List[Path], ignore_mismatched_sizes: bool = False
) -> Dict[str, List[str]]:
    """Load checkpoint files into `model` (shard by shard) and return the report.

    Returns:
        {"loaded", "new" (initialised here), "unused" (in the file, not in the model), "mismatched"}.

    Raises:
        WeightMappingError: an encoder weight is missing, or a shape differs (unless ignore_mismatched_sizes).
    """
    params = dict(model.named_parameters())
    expected = {k: tuple(v.shape) for k, v in params.items()}
    report: Dict[str, List[str]] = {"loaded": [], "new": [], "unused": [], "mismatched": []}
    for path in files:
        source_format, tensors = _open_checkpoint(path)
        # one tensor at a time: peak memory ~ the model + one tensor
        for name, value in mapping.apply_table(tensors, expected, source_format, report["unused"]):
            if name not in params:
                report["unused"].append(name)
            elif list(value.shape) != list(expected[name]):
                report["mismatched"].append(f"{name}: checkpoint {list(value.shape)} vs model {list(expected[name])}")
            else:
                _assign(name, params[name], value)
                report["loaded"].append(name)
        if report["mismatched"] and not ignore_mismatched_sizes:
            raise WeightMappingError(
                f"{path}: {len(report['mismatched'])} tensor(s) do not fit the model's shapes: "
                + "; ".join(report["mismatched"])
                + ". The checkpoint was made for another configuration (check config.json), or pass "
                "ignore_mismatched_sizes=True to re-initialise those weights (e.g. a new number of labels)."
            )
    loaded = set(report["loaded"])
    missing = [k for k in params if k not in loaded]
    reinit = {m.split(":")[0] for m in report["mismatched"]}
    core_missing = [k for k in missing if _is_core(k) and k not in reinit]
    if core_missing:
        raise WeightMappingError(
            f"The checkpoint {files[0].parent} lacks {len(core_missing)} encoder weight(s) of {type(model).__name__}: "
            f"{core_missing[:8]}{' ...' if len(core_missing) > 8 else ''}. It is not a RoBERTa-family checkpoint for "
            "this configuration, or its files are incomplete (re-download them)."
        )
    model._init_new_weights(missing)
    report["new"] = missing
    return report


def _log_report(model: paddle.nn.Layer, source: str, report: Dict[str, List[str]]) -> None:
    name = type(model).__name__
    new = report["new"]
    pooler = [k for k in new if ".pooler." in f".{k}"]
    heads = [k for k in new if k not in pooler]
    if pooler:
        logger.warning(
            "%s: %s has no pooler weights (the official RoBERTa/DistilRoBERTa checkpoints are masked-LM "
            "checkpoints and never had any), so the pooler was initialised randomly: pooler_output means nothing "
            "until it is trained.", name, source,
        )
    if heads:
        logger.warning("%s: newly initialised from scratch (not in %s): %s. Train them before use.", name, source, heads)
    if report["mismatched"]:
        logger.warning("%s: re-initialised because of shape mismatch: %s", name, report["mismatched"])
    if report["unused"]:
        logger.info("%s: weights in %s that this model does not use: %s", name, source, report["unused"])


def from_pretrained(
    cls: Type[Any],
    pretrained_model_name_or_path: Union[str, os.PathLike],
    *args: Any,
    config: Optional[DistilRobertaConfig] = None,
    dtype: Any = None,
    device: Optional[str] = None,
    ignore_mismatched_sizes: bool = False,
    **kwargs: Any,
):
    """Build `cls` from a pretrained name, hub repo id or local folder, with its weights.

    Args:
        pretrained_model_name_or_path: "distilroberta-base", "org/name" on the Hugging Face hub, or a folder
            in Hugging Face, PaddleNLP or this package's format.
        config: Use this config instead of the folder's.
        dtype: None (Paddle's default dtype, float32), "float32", "float16" or "bfloat16": weights are cast on load.
            A dtype this Paddle build cannot compute on the device (half precision on a CPU) is refused here, at
            load. transformers' `torch_dtype` is accepted as its alias ("auto": the checkpoint's `torch_dtype`).
        device: None (Paddle's current device), "cpu", "gpu" or "gpu:N".
        ignore_mismatched_sizes: Re-initialise weights whose shape differs (e.g. another num_labels) instead of failing.
        **kwargs: Options of the model class's constructor (`add_pooling_layer=False` for the base model), config
            fields to override (num_labels, id2label, classifier_dropout, ...), resolver arguments
            (cache_dir, revision, local_files_only, token, force_download, subfolder); PaddleNLP's
            from_hf_hub / from_aistudio / convert_from_torch are accepted and ignored.

    Returns:
        The model in eval mode (call `.train()` to fine-tune).
    """
    if args:
        raise TypeError(f"{cls.__name__}.from_pretrained takes keyword arguments only after the name, got {args!r}.")
    hub = HubOptions.pop_from(kwargs)
    dtype = _pop_dtype(dtype, kwargs)
    init_kwargs = _pop_init_kwargs(cls, kwargs)
    place = resolve_device(device)
    if dtype != "auto":
        dtype = _check_dtype(dtype)
        _check_runnable(dtype, place)
    folder = model_folder(pretrained_model_name_or_path, cls, hub)
    config_class = getattr(cls, "config_class", DistilRobertaConfig)
    if config is None:
        config = config_class.from_json_file(find_config_file(folder), **kwargs)
    elif kwargs:
        config = config_class.from_dict(config.to_dict(), **kwargs)
    if dtype == "auto":  # transformers' "the checkpoint's own dtype" (config.torch_dtype; float32 if absent)
        dtype = _check_dtype(getattr(config, "torch_dtype", None))
        _check_runnable(dtype, place)
    files = find_weight_files(folder)
    with _build_guard(place, dtype):
        model = cls(config, **init_kwargs)
    report = load_weights(model, files, ignore_mismatched_sizes=ignore_mismatched_sizes)
    _log_report(model, str(pretrained_model_name_or_path), report)
    model.eval()
    return model


def save_pretrained(
    model: paddle.nn.Layer, save_directory: Union[str, os.PathLike], hf_format: bool = False, **kwargs: Any
) -> Path:
    """Write config.json + model.safetensors into `save_directory`.

    Args:
        hf_format: False (default): Paddle layout, read back by this package and by PaddleNLP's Auto classes
            once this package is imported. True: Hugging Face layout (PyTorch names and shapes, model_type
            "roberta", `RobertaFor...` architectures), read by transformers.
        **kwargs: PaddleNLP's `safe_serialization`, `max_shard_size`, ... are accepted and ignored
            (always one safetensors file).

    Both files are replaced all-or-nothing (`files.folder_transaction`): an error or a kill at any point leaves
    a folder that loads as the previous save or as this one, never a mix, and no temporary file after an error.
    """
    save_directory = Path(save_directory)
    if save_directory.exists() and not save_directory.is_dir():
        raise NotADirectoryError(f"save_pretrained needs a folder, but {save_directory} is a file.")
    save_directory.mkdir(parents=True, exist_ok=True)
    config = model.config
    config.architectures = [type(model).__name__]
    state = {k: v for k, v in model.state_dict().items()}
    if hf_format:
        state = {k: v.contiguous() if hasattr(v, "contiguous") else v for k, v in mapping.to_hf_state_dict(state).items()}
        metadata = {"format": "pt"}
    else:
        metadata = dict(PADDLE_FORMAT_METADATA)
    with folder_transaction(save_directory) as txn:  # all-or-nothing, even if the process is killed
        save_safetensors(state, txn.path(SAFE_WEIGHTS_NAME), metadata=metadata, atomic=False)
        txn.write_text(CONFIG_NAME, config.to_json_string(hf=hf_format))
    return save_directory
