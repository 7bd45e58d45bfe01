"""`to_predictor()`: the model as a Paddle Inference predictor, called exactly like the model; `export()` to disk.

    predictor = model.to_predictor(precision="bfloat16")        # or paddle_distilroberta.to_predictor(model, ...)
    outputs = predictor(input_ids=ids, attention_mask=mask)      # the model's output object, same fields

How it works: the model is wrapped in a small layer that returns its output fields as a tuple, converted with
`paddle.jit.to_static` (the wrapper is converted, not the model: the eager model is left as it was) and saved
with `paddle.jit.save` with dynamic batch and sequence axes (one export serves every shape). The export is
cached under `<PADDLE_DISTILROBERTA_HOME>/exports/<key>/` (or `cache_dir`), `<key>` being the sha256 of the
weights, the config, the model class, the precision and the Paddle version; a second call with the same model
loads the cached program (no tracing). The folder is written whole or not at all (`pretrained/files.atomic_dir`).

Precisions and what they cost (distilroberta-base shape; figures from `benchmarks/bench_inference.py`):

* `"float32"`: the same math as eager; hidden states within 1e-5 of the eager model (tested).
* `"bfloat16"`: oneDNN bf16 kernels (matmuls, layer norms, softmax in bf16 with float32 accumulation; AMX or
  AVX512-BF16 on the CPU). Hidden states drift by about 1e-1 in absolute value, cosine similarity to float32
  above 0.999. Needs a CPU with AVX512-BF16 or AMX-BF16; others get an error naming what the CPU has.
* `"int8"`: dynamic quantisation (int8 weights per tensor, activations quantised per call, no calibration
  set needed) run by ONNX Runtime on this package's own ONNX export (`pip install paddle_distilroberta[onnx]`).
  Paddle 3.3 itself has no int8 path for these programs (`_NO_PADDLE_INT8` says why), so this precision is the
  one that leaves Paddle Inference. Hidden states drift by about 1e-1 in absolute value, cosine similarity to
  float32 about 0.9998 (more than bfloat16). It runs on any x86-64 CPU (VNNI makes it faster); on a CPU with
  AMX or AVX512-BF16, bfloat16 was faster (57 vs 68 ms at 8x128, benchmarks/README.md).

Engines are chosen per precision from measurement (`ENGINES`): oneDNN with IR optimisation for float32 and
bfloat16, ONNX Runtime for int8. `engine=` overrides within `ENGINE_CHOICES` ("onednn", "plain", "openvino",
"onnxruntime" for float32). The predictor runs on `num_threads` CPU threads
(default: the package's thread default, see `_runtime.py`). A predictor is not re-entrant: calls from several
threads are serialised by a lock (make one predictor per thread for parallelism).

This module receives the model object and never imports `modeling` or `auto` (layers point down).
"""
from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _runtime
from .pretrained import files
from .pretrained.download import cache_home

__all__ = ["to_predictor", "export", "Predictor", "PRECISIONS", "ENGINES", "ENGINE_CHOICES"]

logger = logging.getLogger(__name__)

PRECISIONS = ("float32", "bfloat16", "int8")
# Best engine per precision on CPU, by measurement (benchmarks/README.md: Intel Xeon with AMX, 2 cores, 8x128):
# float32 oneDNN+IR ~1.3-2x faster than plain MKL kernels and ~1.1x ONNX Runtime; OpenVINO float32 no faster
# than oneDNN; int8 only exists through ONNX Runtime (see _NO_PADDLE_INT8).
ENGINES = {"float32": "onednn", "bfloat16": "onednn", "int8": "onnxruntime"}
ENGINE_CHOICES = {"float32": ("onednn", "plain", "openvino", "onnxruntime"), "bfloat16": ("onednn", "openvino"),
                  "int8": ("onnxruntime",)}
# Why int8 does not run on Paddle Inference (Paddle 3.3, tried in this order):
_NO_PADDLE_INT8 = (
    "Paddle 3.3's static post-training quantisation (paddle.static.quantization) works on legacy ProgramDesc "
    "programs only, while paddle.jit.save writes PIR programs; its dygraph PTQ (paddle.quantization.PTQ with "
    "observers on the Linear layers) leaves observer layers that do not trace with dynamic batch/sequence axes "
    "(InvalidArgument: shape -1); and Paddle Inference's oneDNN int8 passes need the quantize/dequantize ops such a "
    "quantisation would insert."
)
_FORMAT_VERSION = 1
_OUTPUT_FIELDS_SKIPPED = ("loss", "hidden_states", "attentions")
EXPORT_COUNT = 0  # how many programs this process traced (tests read it to see a cache hit)


# ----------------------------------------------------------------------------- export
def _sample_inputs(model: Any) -> Dict[str, np.ndarray]:
    """A tiny valid input (one padded row) for the dry runs; (B, C, T) for multiple-choice heads."""
    vocab = int(model.config.vocab_size)
    ids = np.array([[0, 4 % vocab, 5 % vocab, 2], [0, 6 % vocab, 2, 1]], dtype="int64")
    mask = np.array([[1, 1, 1, 1], [1, 1, 1, 0]], dtype="int64")
    if _input_rank(model) == 3:
        ids, mask = np.stack([ids, ids]), np.stack([mask, mask])
    return {"input_ids": ids, "attention_mask": mask}


def _input_rank(model: Any) -> int:
    return 3 if type(model).__name__.endswith("MultipleChoice") else 2


def _describe_outputs(model: Any) -> Dict[str, Any]:
    """Run the eager model once: its output class, the fields it fills, and the layout of `return_dict=False`."""
    import paddle

    feed = {k: paddle.to_tensor(v) for k, v in _sample_inputs(model).items()}
    with paddle.no_grad():
        as_dict = model(**feed, return_dict=True)
        as_tuple = model(**feed, return_dict=False)
    names = [k for k in as_dict.keys() if k not in _OUTPUT_FIELDS_SKIPPED and as_dict[k] is not None]
    values = {k: as_dict[k].numpy() for k in names}

    def which(item: Any) -> Optional[str]:
        if item is None:
            return None
        arr = item.numpy()
        return next(k for k in names if values[k].shape == arr.shape and np.array_equal(values[k], arr))

    layout: Any = which(as_tuple) if not isinstance(as_tuple, (tuple, list)) else [which(x) for x in as_tuple]
    return {"output_class": type(as_dict), "fields": names, "tuple_layout": layout}


def _export_program(model: Any, folder: Path, fields: Sequence[str]) -> None:
    """Trace `model` (through a wrapper, so the model itself is not converted) and save it in `folder/model.*`."""
    import paddle
    from paddle.static import InputSpec

    global EXPORT_COUNT

    class _Exported(paddle.nn.Layer):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, return_dict=True)
            return tuple(out[name] for name in fields)

    dims = [None] * _input_rank(model)
    spec = [InputSpec(dims, "int64", "input_ids"), InputSpec(dims, "int64", "attention_mask")]
    static = paddle.jit.to_static(_Exported(model), input_spec=spec, full_graph=True)
    paddle.jit.save(static, str(folder / "model"))
    EXPORT_COUNT += 1


def _cache_key(model: Any, precision: str, onnx: bool = False) -> str:
    """sha256 of the weights (names, dtypes, shapes, bytes), config, class, precision, Paddle version and, for the
    ONNX Runtime engine, the paddle2onnx and onnxruntime versions."""
    import paddle

    digest = hashlib.sha256()
    meta = {"class": type(model).__name__, "config": model.config.to_dict(), "precision": precision,
            "paddle": paddle.__version__, "commit": getattr(paddle.version, "commit", ""), "format": _FORMAT_VERSION}
    if onnx:
        meta["onnx"] = _onnx_versions()
    digest.update(json.dumps(meta, sort_keys=True, default=str).encode())
    for name, tensor in sorted(model.state_dict().items()):
        arr = np.ascontiguousarray(tensor.numpy())
        digest.update(f"{name}|{arr.dtype}|{arr.shape}".encode())
        digest.update(memoryview(arr).cast("B"))
    return digest.hexdigest()


def _write_export(model: Any, folder: Path, precision: str, onnx: bool = False) -> Dict[str, Any]:
    """Export into `folder` (written atomically, replacing it whole) and return the meta it records.

    `onnx=True` also writes the ONNX Runtime model: `model.onnx` (float32) or `model.int8.onnx` (int8).
    The model is exported in eval mode (no dropout) and put back in the mode it was in.
    """
    training = model.training
    model.eval()
    try:
        return _write_export_eval(model, folder, precision, onnx)
    finally:
        if training:
            model.train()


def _write_export_eval(model: Any, folder: Path, precision: str, onnx: bool = False) -> Dict[str, Any]:
    described = _describe_outputs(model)
    cls = described.pop("output_class")
    meta = {**described, "output_class": f"{cls.__module__}.{cls.__qualname__}", "precision": precision,
            "model_class": type(model).__name__, "input_rank": _input_rank(model),
            "forward_params": _forward_params(model), "format": _FORMAT_VERSION}
    with files.atomic_dir(folder) as tmp:
        _export_program(model, tmp, described["fields"])
        if onnx:
            _paddle_to_onnx(tmp, tmp / "model.onnx", described["fields"], opset=17)
            if precision == "int8":
                _quantize_dynamic(tmp / "model.onnx", tmp / ONNX_FILES["int8"])
                (tmp / "model.onnx").unlink()
        for written in tmp.iterdir():  # paddle.jit.save and onnx.save do not fsync: do it before publishing
            with open(written, "rb") as fh:
                os.fsync(fh.fileno())
        files.atomic_write_text(tmp / "meta.json", json.dumps(meta, indent=1))
        model.config.save_pretrained(tmp)
    return meta


def _forward_params(model: Any) -> List[str]:
    """The names of the model's forward parameters that can be passed positionally, in order."""
    params = inspect.signature(model.forward).parameters.values()
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def export(model: Any, path: Union[str, os.PathLike], format: str = "paddle", opset: int = 17,
           precision: str = "float32") -> Path:
    """Write `model` as a static program with dynamic batch and sequence axes; return the written path.

    Args:
        model: any model of this package (eval-mode math is exported; the model is left as it was).
        path: `format="paddle"`: a folder that gets `model.json` + `model.pdiparams` (Paddle 3's PIR program,
            for `paddle.inference.Config(folder/model.json, folder/model.pdiparams)` or `paddle.jit.load`),
            `meta.json` (input and output names) and `config.json`. `format="onnx"`: the `.onnx` file to write.
        format: "paddle" or "onnx" (through paddle2onnx, which reads PIR programs from version 2.0; needs
            `pip install paddle_distilroberta[onnx]`). Inputs `input_ids`, `attention_mask` (int64); outputs named
            as the model's output fields (`last_hidden_state`, `pooler_output`, `logits`, ...).
        opset: ONNX opset (format="onnx" only).
        precision: "float32", or "int8" with format="onnx": the ONNX model dynamically quantised by ONNX
            Runtime (int8 weights; what `to_predictor(precision="int8")` runs). bfloat16 is not a file format
            but a runtime setting: `to_predictor(precision="bfloat16")`.
    """
    if format not in ("paddle", "onnx"):
        raise ValueError(f"Unknown export format {format!r}; use 'paddle' or 'onnx'.")
    if precision not in ("float32", "int8"):
        raise ValueError(f"Unknown export precision {precision!r}; use 'float32' or 'int8' (bfloat16 is a runtime "
                         "setting: model.to_predictor(precision='bfloat16')).")
    if precision == "int8" and format != "onnx":
        raise ValueError("precision='int8' is exported as an ONNX model (dynamic quantisation by ONNX Runtime; "
                         f"Paddle 3.3 has no int8 path for these programs): use format='onnx', not {format!r}.")
    path = Path(path)
    if format == "paddle":
        _write_export(model, path, "float32")
        return path
    if precision == "int8":
        _require_onnx("An int8 export", ("onnx", "paddle2onnx", "onnxruntime"))
    with tempfile.TemporaryDirectory() as tmp:
        meta = _write_export(model, Path(tmp) / "paddle", "float32")
        if precision == "float32":
            _paddle_to_onnx(Path(tmp) / "paddle", path, meta["fields"], opset)
        else:
            _paddle_to_onnx(Path(tmp) / "paddle", Path(tmp) / "model.onnx", meta["fields"], opset)
            _quantize_dynamic(Path(tmp) / "model.onnx", Path(tmp) / "model.int8.onnx")
            files.atomic_copy(Path(tmp) / "model.int8.onnx", path)
    return path


ONNX_FILES = {"float32": "model.onnx", "int8": "model.int8.onnx"}


def _onnx_versions() -> Dict[str, str]:
    import importlib.metadata as md

    found = {}
    for dist in ("paddle2onnx", "onnx", "onnxruntime"):
        try:
            found[dist] = md.version(dist)
        except md.PackageNotFoundError:
            found[dist] = "missing"
    return found


def _require_onnx(what: str, names: Sequence[str] = ("onnx", "paddle2onnx")) -> None:
    import importlib.util

    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"{what} needs {', '.join(missing)} (not installed); install them with: "
                          "pip install paddle_distilroberta[onnx]")


def _quantize_dynamic(source: Path, target: Path) -> None:
    """int8 weights (per tensor, signed), activations quantised at run time: ONNX Runtime's dynamic quantisation."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


def _paddle_to_onnx(folder: Path, target: Path, fields: Sequence[str], opset: int) -> None:
    _require_onnx("ONNX export")
    import onnx
    import paddle2onnx

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "model.onnx"
        paddle2onnx.export(str(folder / "model.json"), str(folder / "model.pdiparams"), str(raw),
                           opset_version=opset, enable_onnx_checker=True)
        proto = onnx.load(str(raw))
    renames = {out.name: name for out, name in zip(proto.graph.output, fields)}
    for node in proto.graph.node:
        node.output[:] = [renames.get(o, o) for o in node.output]
        node.input[:] = [renames.get(i, i) for i in node.input]
    for out in proto.graph.output:
        out.name = renames.get(out.name, out.name)
    with files.atomic_path(target) as tmp_target:
        onnx.save(proto, str(tmp_target))


# ----------------------------------------------------------------------------- the predictor
def _check_precision(precision: str, device: str, engine: str) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}.")
    if engine not in ENGINE_CHOICES[precision]:
        raise ValueError(f"engine={engine!r} cannot run precision={precision!r}; choose one of "
                         f"{', '.join(ENGINE_CHOICES[precision])}."
                         + (f" (Paddle Inference has no int8 path here: {_NO_PADDLE_INT8})" if precision == "int8" else ""))
    if engine == "onnxruntime":
        if device != "cpu":
            raise ValueError(f"precision={precision!r} with engine='onnxruntime' runs on the CPU only, got "
                             f"device={device!r}; use device='cpu' (or precision='bfloat16'/'float32' on a GPU).")
        _require_onnx(f"precision={precision!r} (engine='onnxruntime')", ("onnx", "paddle2onnx", "onnxruntime"))
    if precision == "bfloat16" and device == "cpu":
        import paddle

        if not paddle.base.core.supports_bfloat16():
            caps = _runtime.cpu_capabilities()
            raise RuntimeError(
                f"precision='bfloat16' needs a CPU with AVX512-BF16 or AMX-BF16 (oneDNN's bf16 kernels); this machine "
                f"is {caps['model']} ({caps['vendor']}, {caps['cpus']} usable cores) with "
                f"{', '.join(caps['flags']) or 'none of avx512f/avx512_bf16/amx_bf16'}. Use precision='float32'."
            )


def _resolve_device(model: Any, device: Optional[str]) -> str:
    import paddle

    if device is None:
        params = model.parameters()
        on_gpu = bool(params) and params[0].place.is_gpu_place()
        return "gpu" if on_gpu else "cpu"
    device = str(device).lower()
    if device.startswith("gpu") or device.startswith("cuda"):
        if not paddle.is_compiled_with_cuda():
            raise RuntimeError(f"device={device!r} asked for, but this paddlepaddle build has no CUDA support; "
                               "install paddlepaddle-gpu or use device='cpu'.")
        return "gpu" + device[device.index(":"):] if ":" in device else "gpu"
    if device != "cpu":
        raise ValueError(f"Unknown device {device!r}; use 'cpu', 'gpu' or 'gpu:N'.")
    return device


def _config(folder: Path, precision: str, device: str, engine: str, num_threads: int):
    from paddle import inference

    config = inference.Config(str(folder / "model.json"), str(folder / "model.pdiparams"))
    config.switch_ir_optim(True)
    config.disable_glog_info()
    if device.startswith("gpu"):
        # GPU path (written for Paddle 3 GPU builds, not run on the CPU-only test machines)
        device_id = int(device.split(":")[1]) if ":" in device else 0
        kind = {"float32": inference.PrecisionType.Float32, "bfloat16": inference.PrecisionType.Bfloat16}[precision]
        config.enable_use_gpu(256, device_id, kind)
        return config
    config.disable_gpu()
    config.set_cpu_math_library_num_threads(num_threads)
    if engine == "plain":
        config.disable_mkldnn()
    elif engine == "onednn":
        config.enable_mkldnn()
        if precision == "bfloat16":
            config.enable_mkldnn_bfloat16()
    elif engine == "openvino":
        kind = {"float32": inference.PrecisionType.Float32, "bfloat16": inference.PrecisionType.Bfloat16}[precision]
        config.enable_openvino_engine(kind)
    else:
        raise ValueError(f"Unknown engine {engine!r}; use 'onednn', 'plain' or 'openvino'.")
    return config


class _PaddleSession:
    """A Paddle Inference predictor: int64 arrays in, one array per output field out (in the program's order)."""

    def __init__(self, config: Any) -> None:
        from paddle import inference

        self._predictor = inference.create_predictor(config)

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> List[np.ndarray]:
        for name, value in (("input_ids", input_ids), ("attention_mask", attention_mask)):
            handle = self._predictor.get_input_handle(name)
            handle.reshape(list(value.shape))
            handle.copy_from_cpu(np.ascontiguousarray(value))
        self._predictor.run()
        return [self._predictor.get_output_handle(n).copy_to_cpu() for n in self._predictor.get_output_names()]


class _OnnxRuntimeSession:
    """An ONNX Runtime CPU session over this package's ONNX export (outputs named as the model's fields)."""

    def __init__(self, path: Path, fields: Sequence[str], num_threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = num_threads, 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._fields = list(fields)

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> List[np.ndarray]:
        return self._session.run(self._fields, {"input_ids": np.ascontiguousarray(input_ids),
                                                "attention_mask": np.ascontiguousarray(attention_mask)})


class Predictor:
    """A Paddle Inference (or, for int8, ONNX Runtime) predictor with the model's call signature and outputs.

    Accepts the model's inputs by keyword (or positionally, in the model's own order); `input_ids` and
    `attention_mask` as paddle tensors or numpy arrays; `token_type_ids` only as zeros (RoBERTa has one segment).
    Things the static program does not compute (`labels`, `inputs_embeds`, `position_ids`, `output_attentions`,
    `output_hidden_states`) are a clear error: call the eager model for them.
    """

    def __init__(self, folder: Path, meta: Dict[str, Any], session: Any, precision: str, device: str, engine: str,
                 output_class: type, model_config: Any, cache_hit: bool) -> None:
        self.export_dir, self.precision, self.device, self.engine = folder, precision, device, engine
        self.cache_hit = cache_hit
        self._meta, self._output_class = meta, output_class
        self._return_dict_default = bool(model_config.use_return_dict)
        self._vocab_size, self._max_len = int(model_config.vocab_size), int(model_config.max_sequence_length)
        self._session = session
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"Predictor({self._meta['model_class']}, precision={self.precision!r}, device={self.device!r}, "
                f"engine={self.engine!r}, export_dir='{self.export_dir}')")

    def _bind(self, args: tuple, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        params = self._meta["forward_params"]
        if len(args) > len(params):
            raise TypeError(f"{self._meta['model_class']} predictor takes at most {len(params)} positional arguments")
        for name, value in zip(params, args):
            if name in kwargs:
                raise TypeError(f"got multiple values for argument {name!r}")
            kwargs[name] = value
        return kwargs

    def _feed(self, inputs: Dict[str, Any]) -> Dict[str, np.ndarray]:
        unsupported = {k: v for k, v in inputs.items()
                       if k not in ("input_ids", "attention_mask", "token_type_ids", "return_dict") and v is not None and v is not False}
        if unsupported:
            raise ValueError(f"The predictor runs the exported program, which takes input_ids and attention_mask only; "
                             f"got {', '.join(sorted(unsupported))}. Call the eager model for those.")
        ids = inputs.get("input_ids")
        if ids is None:
            raise ValueError("input_ids is required (the exported program does not take inputs_embeds).")
        ids = _as_int64(ids, "input_ids")
        if ids.ndim != self._meta["input_rank"] or ids.size == 0:
            raise ValueError(f"input_ids must be a non-empty {self._meta['input_rank']}-d array, got shape {list(ids.shape)}.")
        if ids.shape[-1] > self._max_len:
            raise ValueError(f"Sequence length {ids.shape[-1]} is longer than this model allows ({self._max_len} tokens); "
                             f"truncate the input, e.g. tokenizer(..., truncation=True, max_length={self._max_len}).")
        lo, hi = int(ids.min()), int(ids.max())
        if lo < 0 or hi >= self._vocab_size:
            raise ValueError(f"input_ids contains id {hi if hi >= self._vocab_size else lo}, outside the vocabulary "
                             f"[0, {self._vocab_size}).")
        mask = inputs.get("attention_mask")
        mask = np.ones_like(ids) if mask is None else _as_int64(mask, "attention_mask")
        if mask.shape != ids.shape:
            raise ValueError(f"attention_mask has shape {list(mask.shape)} but input_ids has {list(ids.shape)}.")
        types = inputs.get("token_type_ids")
        if types is not None and np.any(_as_int64(types, "token_type_ids")):
            raise ValueError("token_type_ids must be zeros (RoBERTa has a single segment).")
        return {"input_ids": ids, "attention_mask": mask}

    def run_numpy(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> List[np.ndarray]:
        """The raw program: int64 arrays in, one float32 array per output field out (no checks)."""
        with self._lock:
            return self._session.run(input_ids, attention_mask)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        import paddle

        inputs = self._bind(args, kwargs)
        return_dict = inputs.pop("return_dict", None)
        return_dict = self._return_dict_default if return_dict is None else return_dict
        feed = self._feed(inputs)
        arrays = self.run_numpy(feed["input_ids"], feed["attention_mask"])
        tensors = {name: paddle.to_tensor(arr) for name, arr in zip(self._meta["fields"], arrays)}
        if return_dict:
            return self._output_class(**tensors)
        layout = self._meta["tuple_layout"]
        if isinstance(layout, str):
            return tensors[layout]
        return tuple(tensors[name] if name is not None else None for name in layout)


def _as_int64(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}.")
    return arr.astype("int64", copy=False)


def _output_class_of(meta: Dict[str, Any]) -> type:
    import importlib

    module, _, name = meta["output_class"].rpartition(".")
    return getattr(importlib.import_module(module), name)


def to_predictor(model: Any, precision: str = "float32", device: Optional[str] = None,
                 cache_dir: Optional[Union[str, os.PathLike]] = None, engine: Optional[str] = None,
                 num_threads: Optional[int] = None) -> Predictor:
    """Return a Paddle Inference predictor for `model`, called exactly like it (see the module docstring).

    Args:
        model: a model of this package; its current weights are exported (and cached), the model is not changed.
        precision: "float32" (≤1e-5 from eager), "bfloat16" (oneDNN bf16; cosine to float32 > 0.99), "int8"
            (ONNX Runtime dynamic quantisation, CPU; cosine to float32 > 0.99; needs the `onnx` extra).
        device: None (where the model's parameters are), "cpu", "gpu" or "gpu:N".
        cache_dir: where exports are cached instead of `<PADDLE_DISTILROBERTA_HOME>/exports`.
        engine: override the measured default (`ENGINES`) within `ENGINE_CHOICES`: "onednn", "plain",
            "openvino" (CPU only) or "onnxruntime" (CPU only).
        num_threads: CPU threads for the predictor (default: the package's default, see `_runtime.py`).
    """
    device = _resolve_device(model, device)
    engine = engine or ENGINES.get(precision, "")
    _check_precision(precision, device, engine)
    onnx = engine == "onnxruntime"
    root = Path(cache_dir) if cache_dir is not None else cache_home() / "exports"
    folder = root / _cache_key(model, precision, onnx)
    cache_hit = (folder / "meta.json").is_file()
    if cache_hit:
        meta = json.loads((folder / "meta.json").read_text())
        logger.debug("to_predictor: cached export %s", folder)
    else:
        meta = _write_export(model, folder, precision, onnx)
        logger.info("to_predictor: exported %s (%s, %s) to %s", type(model).__name__, precision, engine, folder)
    threads = num_threads or _runtime.default_num_threads()
    if onnx:
        session: Any = _OnnxRuntimeSession(folder / ONNX_FILES[precision], meta["fields"], threads)
    else:
        session = _PaddleSession(_config(folder, precision, device, engine, threads))
    return Predictor(folder, meta, session, precision, device, engine, _output_class_of(meta),
                     model.config, cache_hit)
