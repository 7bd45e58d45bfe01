"""Reading and writing checkpoint files: safetensors, PyTorch `.bin`, Paddle `.pdparams`, shard indexes.

This module only moves tensors between files and memory. It knows no weight names and builds no
models (that is `mapping.py` / `loading.py`).

Pickled formats (`.bin`, `.pt`, `.pdparams`) are read by a restricted unpickler: its `find_class`
answers only the few globals that rebuild arrays, with small local stand-ins (torch is never
imported), and refuses every other global with `UnsafeCheckpointError` *before* anything in the
pickle can run.

Dtypes: bfloat16 has no numpy dtype, so the pickled readers return bfloat16 tensors as float32
arrays. The upcast is exact (the 16 bits become the high half of a float32). `load_safetensors`
returns paddle tensors and keeps bfloat16.
"""
from __future__ import annotations

import _compat_pickle
import codecs
import collections
import json
import logging
import mmap
import os
import re
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Iterator, NamedTuple, Union

import numpy as np
import paddle

from paddle_distilroberta.errors import CheckpointFormatError, UnsafeCheckpointError
from paddle_distilroberta.pretrained.files import (  # read_shard_index: re-exported
    atomic_path,
    check_json_cost,
    read_shard_index,
)

__all__ = [
    "CheckpointFormatError",
    "iter_safetensors",
    "safetensors_keys",
    "load_safetensors",
    "safetensors_metadata",
    "save_safetensors",
    "load_torch_bin",
    "load_pdparams",
    "read_shard_index",
    "load_state_dict_file",
]

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

# Paddle's paddle.save(state_dict) adds this key (state-dict key -> internal parameter name).
_PADDLE_NAME_TABLE_KEY = "StructuredToParameterName@@"
# paddle.save with protocol 2/3 splits arrays over 1 GiB into "<key>@@.<i>" slices described here.
_PADDLE_SPLIT_INFO_KEY = "UnpackBigParamInfor@@"  # sic, Paddle's spelling
# What torch.save(..., _use_new_zipfile_serialization=False) writes first: pickle of a magic number.
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"




# --------------------------------------------------------------------------- safetensors


_SAFETENSORS_DTYPES = {
    "F64": ("float64", "float64"), "F32": ("float32", "float32"), "F16": ("float16", "float16"),
    "BF16": ("uint16", "bfloat16"), "I64": ("int64", "int64"), "I32": ("int32", "int32"),
    "I16": ("int16", "int16"), "I8": ("int8", "int8"), "U8": ("uint8", "uint8"), "BOOL": ("bool", "bool"),
}  # safetensors dtype -> (numpy storage dtype, paddle dtype); numpy has no bfloat16, so its bits travel as uint16
# dtypes the safetensors format knows but this package does not read (no Paddle equivalent it loads into a model)
_SAFETENSORS_OTHER_DTYPES = ("F4", "F6_E2M3", "F6_E3M2", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ",
                             "F8_E5M2FNUZ", "U16", "U32", "U64", "C64")
_SAFETENSORS_MAX_HEADER = 100_000_000  # bytes; the safetensors library's limit

_SAFETENSORS_MAX_DIMS = 64


class _SafetensorsEntry(NamedTuple):
    dtype: str
    shape: tuple
    begin: int
    end: int


class _DuplicateKey(ValueError):
    pass


def _refuse_duplicate_keys(pairs: list) -> dict:
    """json object_pairs_hook: a name given twice is an error (a plain dict would keep the last silently)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64


def _safetensors_entry(path: Path, name: str, info: Any) -> _SafetensorsEntry:
    """One header entry, typed as the safetensors library types it (extra fields are ignored, as there)."""
    where = f"{path}: tensor {_brief(name)}"
    if not isinstance(info, dict):
        raise CheckpointFormatError(f"{where} is described by {_brief(info)}, not an object: the header is corrupt.")
    missing = [f for f in ("dtype", "shape", "data_offsets") if f not in info]
    if missing:
        raise CheckpointFormatError(f"{where} lacks {missing} in the header: the file is corrupt.")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in _SAFETENSORS_DTYPES:
        if isinstance(dtype, str) and dtype in _SAFETENSORS_OTHER_DTYPES:
            raise CheckpointFormatError(
                f"{where} has dtype {dtype}, which this package does not load (supported: "
                f"{', '.join(_SAFETENSORS_DTYPES)})."
            )
        raise CheckpointFormatError(f"{where} has an unknown dtype {_brief(dtype)}: the header is corrupt.")
    if not (isinstance(shape, list) and len(shape) <= _SAFETENSORS_MAX_DIMS and all(_is_count(d) for d in shape)):
        raise CheckpointFormatError(f"{where} has a shape {_brief(shape)} that is not a list of non-negative integers.")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(o) for o in offsets)):
        raise CheckpointFormatError(f"{where} has data_offsets {_brief(offsets)} that are not two non-negative integers.")
    return _SafetensorsEntry(dtype, tuple(shape), offsets[0], offsets[1])


def _check_safetensors_layout(path: Path, entries: dict[str, _SafetensorsEntry], data_size: int) -> None:
    """As the safetensors library checks: sorted by offsets, the tensors' bytes follow each other with no gap
    or overlap, each one's size equals its shape times its dtype, and together they cover the data exactly."""
    start = 0
    for name, entry in sorted(entries.items(), key=lambda item: (item[1].begin, item[1].end)):
        if entry.begin != start or entry.end < entry.begin:
            raise CheckpointFormatError(
                f"{path}: tensor {_brief(name)} has data_offsets [{entry.begin}, {entry.end}), but the previous tensor "
                f"ends at {start}: tensors must follow each other without gaps or overlaps. The file is corrupt "
                "(or crafted); re-download it."
            )
        count = 1
        for dim in entry.shape:
            count *= dim
        nbytes = count * np.dtype(_SAFETENSORS_DTYPES[entry.dtype][0]).itemsize
        if entry.end - entry.begin != nbytes:
            raise CheckpointFormatError(
                f"{path}: tensor {_brief(name)} ({entry.dtype} {list(entry.shape)}) needs {nbytes} bytes but its "
                f"data_offsets give {entry.end - entry.begin}: the file is corrupt; re-download it."
            )
        start = entry.end
    if start != data_size:
        raise CheckpointFormatError(
            f"{path}: the tensors cover {start} bytes of a {data_size}-byte data section: the file is truncated or "
            "corrupt; re-download it."
        )


def _safetensors_header(path: Path, handle: BinaryIO) -> tuple[dict[str, _SafetensorsEntry], dict[str, str], int]:
    """Parse and check the header exactly as the safetensors library does.

    Returns:
        (name -> entry in header order, `__metadata__` (str -> str), offset of the data section).
    """
    size = os.fstat(handle.fileno()).st_size
    raw = handle.read(8)
    if len(raw) < 8:
        raise CheckpointFormatError(f"{path} is truncated or not a safetensors file: it has only {size} bytes.")
    header_len = int.from_bytes(raw, "little")
    if header_len > _SAFETENSORS_MAX_HEADER:
        raise CheckpointFormatError(
            f"{path} is corrupt or not a safetensors file: its header claims {header_len} bytes, more than the "
            f"{_SAFETENSORS_MAX_HEADER} the format allows."
        )
    if 8 + header_len > size:
        raise CheckpointFormatError(
            f"{path} is truncated or not a safetensors file (header length {header_len}, file size {size}); re-download it."
        )
    raw_header = handle.read(header_len)
    check_json_cost(raw_header, str(path))
    try:
        header = json.loads(raw_header.decode("utf-8"), object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey as err:
        raise CheckpointFormatError(
            f"{path} names {_brief(err.args[0])} twice in its safetensors header: the file is corrupt (or crafted); "
            "re-download it."
        ) from None
    except (ValueError, RecursionError, MemoryError) as err:  # JSONDecodeError, UnicodeDecodeError: ValueErrors
        raise CheckpointFormatError(
            f"{path} has a corrupt safetensors header ({type(err).__name__}: {str(err)[:200]}); re-download it."
        ) from None
    if not isinstance(header, dict):
        raise CheckpointFormatError(f"{path} has a corrupt safetensors header (not a JSON object).")
    metadata = header.pop("__metadata__", None)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointFormatError(f"{path}: the safetensors __metadata__ must map strings to strings.")
    entries = {name: _safetensors_entry(path, name, info) for name, info in header.items()}
    _check_safetensors_layout(path, entries, size - 8 - header_len)
    return entries, metadata, 8 + header_len


def iter_safetensors(path: PathLike) -> Iterator[tuple[str, paddle.Tensor]]:
    """Yield `(name, CPU paddle tensor)` one at a time from a memory-mapped `.safetensors` file.

    The header is checked as the safetensors library checks it (see `_safetensors_header`) before any tensor
    is read. Each tensor keeps the dtype the header gives it (an I32 tensor is int32, never reinterpreted).
    Each tensor is a copy (independent of the file); the mapped pages it was read from are released right
    after, so reading a whole checkpoint costs about one tensor of memory beyond what the caller keeps.

    Raises:
        FileNotFoundError: `path` does not exist.
        CheckpointFormatError: the file is truncated, corrupt or not a safetensors file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"safetensors file {str(path)!r} does not exist")
    with open(path, "rb") as handle:
        entries, _, data_start = _safetensors_header(path, handle)
        if not entries:
            return
        ordered = sorted(entries.items(), key=lambda item: (item[1].begin, item[1].end))
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            for key, entry in ordered:
                np_dtype, pd_dtype = _SAFETENSORS_DTYPES[entry.dtype]
                if entry.end == entry.begin:
                    yield key, paddle.to_tensor(np.zeros(entry.shape, dtype=np_dtype), dtype=pd_dtype)
                    continue
                count = (entry.end - entry.begin) // np.dtype(np_dtype).itemsize
                array = np.frombuffer(mapped, dtype=np_dtype, count=count, offset=data_start + entry.begin)
                tensor = paddle.to_tensor(array.reshape(entry.shape), dtype=pd_dtype)  # a copy
                del array
                _release(mapped, data_start + entry.begin, data_start + entry.end)
                yield key, tensor


def _release(mapped: mmap.mmap, begin: int, end: int) -> None:
    """Drop mapped pages of [begin, end) from this process's resident memory (they stay in the page cache)."""
    page = mmap.PAGESIZE
    start = begin // page * page
    if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_DONTNEED") and end > start:
        try:
            mapped.madvise(mmap.MADV_DONTNEED, start, end - start)
        except (OSError, ValueError):  # not supported here: the pages are simply kept mapped
            pass


def safetensors_keys(path: PathLike) -> list[str]:
    """The tensor names of a `.safetensors` file, from its header (no tensor is read)."""
    path = Path(path)
    with open(path, "rb") as handle:
        entries, _, _ = _safetensors_header(path, handle)
    return list(entries)


def load_safetensors(path: PathLike) -> dict[str, paddle.Tensor]:
    """Load every tensor of a `.safetensors` file as CPU paddle tensors (bfloat16 stays bfloat16).

    Tensors are copies, so the result does not depend on the file afterwards (it may be overwritten or
    deleted). Use `iter_safetensors` to hold only one tensor at a time.

    Raises:
        FileNotFoundError: `path` does not exist.
        CheckpointFormatError: the file is truncated or not a safetensors file.
    """
    return dict(iter_safetensors(path))


def safetensors_metadata(path: PathLike) -> dict[str, str]:
    """Return the `__metadata__` of a `.safetensors` header (`{}` when it has none).

    Raises:
        FileNotFoundError: `path` does not exist.
        CheckpointFormatError: the header cannot be parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"safetensors file {str(path)!r} does not exist")
    with open(path, "rb") as handle:
        _, metadata, _ = _safetensors_header(path, handle)
    return dict(metadata)


def _prepare_for_safetensors(tensors: Mapping[str, Any], path: Path) -> dict[str, paddle.Tensor]:
    """Contiguous, unshared CPU paddle tensors (numpy arrays are converted)."""
    prepared: dict[str, paddle.Tensor] = {}
    seen_ptrs: set[int] = set()
    for key, value in tensors.items():
        if not isinstance(key, str):
            raise TypeError(f"Cannot save {str(path)!r}: tensor names must be str, got {key!r}")
        if isinstance(value, np.ndarray):
            value = paddle.to_tensor(value)
        if not isinstance(value, paddle.Tensor):
            raise TypeError(
                f"Cannot save {str(path)!r}: value of {key!r} is a {type(value).__name__}, expected a paddle.Tensor"
            )
        value = value.detach()
        if not value.place.is_cpu_place():
            value = value.cpu()
        if not value.is_contiguous():
            value = value.contiguous()
        ptr = value.data_ptr() if int(np.prod(value.shape)) > 0 else 0
        if ptr and ptr in seen_ptrs:  # a second name for the same memory: store its own copy
            value = value.clone()
            ptr = value.data_ptr()
        seen_ptrs.add(ptr)
        prepared[key] = value
    return prepared


def save_safetensors(
    tensors: Mapping[str, paddle.Tensor],
    path: PathLike,
    metadata: dict[str, str] | None = None,
    *,
    atomic: bool = True,
) -> None:
    """Write `tensors` to a `.safetensors` file atomically (`atomic=False`: into `path` as it is, for a caller
    that already writes to a temporary file of `files.atomic_path`).

    The data goes to a temporary file in the same directory, is flushed and fsync'ed, then renamed
    over `path` with `os.replace`. If anything fails, the temporary file is removed and a file that
    already existed at `path` is left untouched. Non-contiguous tensors and several names sharing
    one memory (tied weights) are copied, so each name gets its own bytes.

    Args:
        tensors: Name -> paddle tensor (numpy arrays are accepted and converted).
        path: Destination file; its directory must exist.
        metadata: Optional str -> str header metadata (e.g. `{"format": "pt"}`).

    Raises:
        TypeError: a name, value or metadata entry has the wrong type.
        OSError: the directory does not exist or cannot be written.
    """
    from safetensors.paddle import save_file

    path = Path(path)
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError(f"Cannot save {str(path)!r}: metadata must map str to str, got {metadata!r}")
    prepared = _prepare_for_safetensors(tensors, path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"Cannot save {str(path)!r}: the folder {str(path.parent)!r} does not exist.")
    if not atomic:
        save_file(prepared, str(path), metadata=metadata)
        return
    with atomic_path(path) as tmp:
        save_file(prepared, str(tmp), metadata=metadata)
    logger.debug("saved %d tensors to %s", len(prepared), path)


# --------------------------------------------------------------------------- restricted unpickling
#
# Pickled checkpoints are read by the small pickle interpreter below, never by `pickle.Unpickler`, so that every
# step is bounded and nothing a file says can run code or change an object after it was checked:
#   * only the opcodes that plain data needs run (no INST/OBJ/NEWOBJ, extension codes, sets or out-of-band buffers);
#   * a global resolves to a local stand-in: `_Callable` for the few rebuild functions (each checks its arguments
#     before it allocates anything), `_Marker` for names that may only be passed as arguments (numpy.ndarray,
#     torch.FloatStorage); any other global is refused before anything runs;
#   * BUILD (`__setstate__`) is interpreted here, only for the objects that need it: a numpy dtype and a numpy
#     array (each once, before first use) and a dict (torch's `_metadata`, ignored); on anything else it is refused;
#   * a list or dict is sealed once it is put into another object or passed to a function: it cannot change
#     afterwards, so its checked nesting depth stays true and no cycle can be built;
#   * dict keys must be str, int, float, bytes, bool or None, so nothing deep is ever hashed or compared;
#   * opcodes run, items copied and bytes copied count against limits; error messages show short prefixes only.

#: Opcodes plus container items a pickle may take (a RoBERTa-large state dict needs about 10,000).
MAX_PICKLE_OPS = 5_000_000
#: Nesting depth of lists/tuples/dicts in a pickle (a state dict needs 4 or 5).
MAX_PICKLE_DEPTH = 32
#: Lists, tuples and dicts a pickle may build (about 5 per tensor; each is kept until the load ends).
MAX_PICKLE_CONTAINERS = 1_000_000
_MAX_INT_BYTES = 32  # LONG1/LONG4 payloads; tensor sizes need 8
_MAX_NUMBER_LINE = 64  # protocol-0 INT/LONG/FLOAT/PUT/GET lines
_MAX_NAME = 256  # module and global names, storage keys
_MAX_DIMS = 32
_SCALAR_KEY_TYPES = (str, int, float, bytes, bool, type(None))
_MUTABLE = (list, dict, collections.OrderedDict)
_CONTAINERS = (tuple, list, dict, collections.OrderedDict)


def _brief(obj: Any, limit: int = 60) -> str:
    """A short description of `obj` for messages: never the repr of a big or deep object."""
    if isinstance(obj, (str, bytes)):
        more = f"... ({len(obj)} {'characters' if isinstance(obj, str) else 'bytes'})" if len(obj) > limit else ""
        return repr(obj[:limit]) + more
    if obj is None or isinstance(obj, (bool, float)):
        return repr(obj)
    if isinstance(obj, int):
        return repr(obj) if obj.bit_length() <= 64 else f"an int of {obj.bit_length()} bits"
    if isinstance(obj, _CONTAINERS):
        return f"a {type(obj).__name__} of {len(obj)} items"
    if isinstance(obj, np.ndarray):
        return f"a {obj.dtype} array of shape {list(obj.shape)[:_MAX_DIMS]}"
    if isinstance(obj, (_Marker, _Callable)):
        return obj.name
    return f"a {type(obj).__name__}"


def _bf16_to_float32(bits: np.ndarray) -> np.ndarray:
    """Exact bfloat16 -> float32: the 16 stored bits are the high half of the float32."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


class _Marker:
    """A global that may only be passed as an argument (numpy.ndarray, torch.FloatStorage, ...)."""

    def __init__(self, name: str) -> None:
        self.name = name


class _Callable:
    """A global the pickle may call (REDUCE): `fn(machine, *args)`; `fn` checks every argument."""

    def __init__(self, name: str, fn: Any) -> None:
        self.name, self.fn = name, fn


class _DtypeSpec:
    """`numpy.dtype(...)` as the pickle builds it: BUILD may set the byte order once, before first use."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype, self.built, self.sealed = dtype, False, False

    def build(self, state: Any) -> None:
        # numpy writes (3, byteorder, subarray, names, fields, elsize, alignment, flags) for plain dtypes
        if not (isinstance(state, tuple) and len(state) == 8 and state[0] == 3 and state[1] in ("<", ">", "|", "=")
                and state[2:5] == (None, None, None) and state[5:7] == (-1, -1) and state[7] == 0):
            raise UnsafeCheckpointError(
                f"a numpy dtype state {_brief(state)} that is not a plain number type's (structured, "
                "sub-array or object dtypes are not allowed in a checkpoint)"
            )
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])

    def resolve(self) -> np.dtype:
        self.sealed = True
        return self.dtype


class _ArraySpec:
    """`numpy.core.multiarray._reconstruct(ndarray, ...)`: an array whose data BUILD gives, once, before first use."""

    def __init__(self) -> None:
        self.array: np.ndarray | None = None
        self.built, self.sealed = False, False

    def build(self, state: Any, machine: "_PickleMachine") -> None:
        if isinstance(state, tuple) and len(state) == 5 and state[0] == 1:
            state = state[1:]
        if not (isinstance(state, tuple) and len(state) == 4):
            raise CheckpointFormatError(f"a numpy array state must be (version, shape, dtype, fortran, data), got {_brief(state)}")
        shape, dtype, fortran, data = state
        self.array = _array_from_bytes(machine, data, dtype, shape, "F" if fortran else "C")

    def resolve(self) -> np.ndarray:
        self.sealed = True
        if self.array is None:
            raise CheckpointFormatError("a numpy array is used before its data was given")
        return self.array


_SPECS = (_DtypeSpec, _ArraySpec)


def _shape(value: Any, what: str = "shape") -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not (isinstance(value, (tuple, list)) and len(value) <= _MAX_DIMS
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**62 for v in value)):
        raise CheckpointFormatError(f"a tensor {what} must be up to {_MAX_DIMS} non-negative ints, got {_brief(value)}")
    return tuple(value)


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for dim in shape:
        count *= dim
    return count


def _array_from_bytes(machine: "_PickleMachine", data: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    """A read-only array over `data` after checking its size equals shape x dtype (no allocation before that)."""
    if not isinstance(dtype, np.dtype):
        raise CheckpointFormatError(f"a numpy array needs a dtype, got {_brief(dtype)}")
    shape = _shape(shape)
    if order not in ("C", "F"):
        raise CheckpointFormatError(f"a numpy array order must be 'C' or 'F', got {_brief(order)}")
    if isinstance(data, str):  # protocol-0/1 pickles carry the bytes as a latin-1 str
        machine.charge_bytes(len(data))
        data = data.encode("latin1")
    if not isinstance(data, bytes):
        raise UnsafeCheckpointError(f"numpy array data must be bytes, got {_brief(data)} (object arrays are not allowed)")
    count = _numel(shape)
    if count * dtype.itemsize != len(data):
        raise CheckpointFormatError(
            f"a numpy array of shape {list(shape)} and dtype {dtype} needs {count * dtype.itemsize} bytes, "
            f"the file gives {len(data)}"
        )
    array = np.frombuffer(data, dtype=dtype, count=count) if count else np.empty(0, dtype=dtype)
    array = array.reshape(shape, order=order)
    if not dtype.isnative:
        machine.charge_bytes(len(data))
        array = array.astype(dtype.newbyteorder("="))
        array.flags.writeable = False
    return array


_DTYPE_PATTERN = re.compile(r"[<>|=]?[biufc][0-9]{1,2}")


def _numpy_dtype(machine: "_PickleMachine", obj: Any, align: Any = False, copy: Any = True) -> _DtypeSpec:
    """Stand-in for `numpy.dtype(obj, align, copy)`: plain bool/int/float/complex types only."""
    if not (isinstance(obj, str) and _DTYPE_PATTERN.fullmatch(obj)):
        kind = " (Python objects)" if isinstance(obj, str) and obj.lstrip("<>|=").startswith("O") else ""
        raise UnsafeCheckpointError(
            f"a numpy dtype {_brief(obj)}{kind} is not allowed in a checkpoint: only bool, integer, float and "
            "complex arrays are (no object, string, structured or datetime dtypes)"
        )
    try:
        dtype = np.dtype(obj)
    except TypeError as err:
        raise CheckpointFormatError(f"unknown numpy dtype {_brief(obj)}") from err
    return _DtypeSpec(dtype)


def _numpy_reconstruct(machine: "_PickleMachine", subtype: Any, shape: Any = None, dtype: Any = None) -> _ArraySpec:
    """Stand-in for `numpy.core.multiarray._reconstruct`: plain ndarrays only; the data comes with BUILD."""
    if not (isinstance(subtype, _Marker) and subtype.name == "numpy.ndarray"):
        raise UnsafeCheckpointError(f"only numpy.ndarray may be reconstructed, got {_brief(subtype)}")
    return _ArraySpec()


def _numpy_scalar(machine: "_PickleMachine", dtype: Any, data: Any = None) -> Any:
    """Stand-in for `numpy.core.multiarray.scalar(dtype, bytes)`."""
    if not isinstance(dtype, np.dtype) or not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise CheckpointFormatError(f"a numpy scalar needs a dtype and its bytes, got {_brief(dtype)}, {_brief(data)}")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _numpy_frombuffer(machine: "_PickleMachine", buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    """Stand-in for `numpy.core.numeric._frombuffer` (pickle protocol 5 writes arrays with it)."""
    return _array_from_bytes(machine, buf, dtype, shape, order)


def _latin1_encode(machine: "_PickleMachine", text: Any, encoding: Any = "latin1", *_: Any) -> bytes:
    """Stand-in for `_codecs.encode`, which protocol-2 pickles use to carry bytes; latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafeCheckpointError(f"only _codecs.encode(str, 'latin1') is allowed, got {_brief(text)}, {_brief(encoding)}")
    machine.charge_bytes(len(text))
    return text.encode("latin1")


def _make_tuple(machine: "_PickleMachine", items: Any = ()) -> tuple:
    """Stand-in for `tuple(items)` (paddle.save pickles a tensor as tuple((name, ndarray)))."""
    if not isinstance(items, (tuple, list)):
        raise UnsafeCheckpointError(f"tuple() of {_brief(items)} is not allowed; only of a tuple or list")
    machine.charge(len(items))
    return tuple(items)


def _ordered_dict(machine: "_PickleMachine", *args: Any) -> collections.OrderedDict:
    """Stand-in for `collections.OrderedDict()`: empty; its items come with SETITEMS."""
    if args:
        raise UnsafeCheckpointError(f"OrderedDict() with arguments ({_brief(args)}) is not allowed")
    return collections.OrderedDict()


class _PickleMachine:
    """Runs a pickle held in memory (`bytes` or `mmap`) with the allowed globals only; see the notes above."""

    def __init__(self, data: Any, allowed: Mapping[tuple[str, str], Any], persistent_load: Any = None,
                 max_copy_bytes: int | None = None) -> None:
        self._data, self._pos, self._end = data, 0, len(data)
        self._allowed, self._persistent_load = allowed, persistent_load
        self._stack: list = []
        self._metastack: list = []
        self._memo: dict = {}
        self._work = 0
        self._copy_left = max_copy_bytes if max_copy_bytes is not None else 2 * len(data) + 2**28
        self._depth: dict[int, int] = {}  # id -> nesting depth of every container built (kept alive by _keep)
        self._sealed: set[int] = set()
        self._keep: list = []

    # ------------------------------------------------------------------ budgets
    def charge(self, items: int) -> None:
        self._work += items
        if self._work > MAX_PICKLE_OPS:
            raise UnsafeCheckpointError(
                f"its pickle takes more than {MAX_PICKLE_OPS} steps; a weight file needs far fewer (the file is "
                "corrupt or crafted to exhaust time or memory)"
            )

    def charge_bytes(self, count: int) -> None:
        self._copy_left -= count
        if self._copy_left < 0:
            raise UnsafeCheckpointError("its pickle copies more bytes than the file holds twice over (a memory bomb?)")

    # ------------------------------------------------------------------ reading
    def _read(self, count: int) -> Any:
        if count < 0 or count > self._end - self._pos:
            raise CheckpointFormatError(
                f"the pickle is truncated: {count} bytes asked for at offset {self._pos}, {self._end - self._pos} left"
            )
        start = self._pos
        self._pos += count
        data = self._data[start:self._pos]
        if count >= 2**20 and isinstance(self._data, mmap.mmap):
            _release(self._data, start, self._pos)  # copied: the mapped pages need not stay resident
        return data

    def _int(self, count: int, signed: bool = False) -> int:
        return int.from_bytes(self._read(count), "little", signed=signed)

    def _line(self, limit: int | None = None) -> bytes:
        end = self._data.find(b"\n", self._pos, self._end if limit is None else min(self._end, self._pos + limit + 1))
        if end < 0:
            raise CheckpointFormatError(f"the pickle has an unterminated or too long line at offset {self._pos}")
        line = self._data[self._pos:end]
        self._pos = end + 1
        return line

    # ------------------------------------------------------------------ objects
    def _container(self, obj: Any, items: Any = ()) -> Any:
        depth = 1
        for item in items:
            depth = max(depth, 1 + self._depth.get(id(item), 0))
        if depth > MAX_PICKLE_DEPTH:
            raise UnsafeCheckpointError(
                f"its pickle nests containers deeper than {MAX_PICKLE_DEPTH} levels; a state dict needs about 5"
            )
        if len(self._keep) >= MAX_PICKLE_CONTAINERS:
            raise UnsafeCheckpointError(
                f"its pickle builds more than {MAX_PICKLE_CONTAINERS} lists, tuples and dicts; a state dict needs "
                "about 5 per tensor"
            )
        self._depth[id(obj)] = depth
        self._keep.append(obj)
        return obj

    def _take(self, obj: Any) -> Any:
        """`obj` as it goes into another object: specs resolve, lists and dicts are sealed."""
        if isinstance(obj, _SPECS):
            return obj.resolve()
        if isinstance(obj, _MUTABLE):
            self._sealed.add(id(obj))
        return obj

    def _take_all(self, items: list) -> list:
        self.charge(len(items))
        return [self._take(item) for item in items]

    def _open(self, kinds: tuple, what: str) -> Any:
        target = self._stack[-1]
        if not isinstance(target, kinds):
            raise UnsafeCheckpointError(f"its pickle {what} {_brief(target)}, which only a list or dict allows")
        if id(target) in self._sealed:
            raise UnsafeCheckpointError(
                f"its pickle changes {_brief(target)} after it was used (a checked object may not change afterwards)"
            )
        return target

    def _grow(self, target: Any, items: list) -> None:
        depth = self._depth[id(target)]
        for item in items:
            if item is target:
                raise UnsafeCheckpointError("its pickle puts a container inside itself")
            depth = max(depth, 1 + self._depth.get(id(item), 0))
        if depth > MAX_PICKLE_DEPTH:
            raise UnsafeCheckpointError(
                f"its pickle nests containers deeper than {MAX_PICKLE_DEPTH} levels; a state dict needs about 5"
            )
        self._depth[id(target)] = depth

    def _pop_mark(self) -> list:
        items = self._stack
        self._stack = self._metastack.pop()
        return items

    def _set_items(self, target: Any, flat: list) -> None:
        if len(flat) % 2:
            raise CheckpointFormatError("its pickle sets a dict item without a value")
        flat = self._take_all(flat)
        keys = flat[0::2]
        for key in keys:
            if not isinstance(key, _SCALAR_KEY_TYPES):
                raise UnsafeCheckpointError(
                    f"its pickle uses {_brief(key)} as a dict key; only strings and numbers may be keys"
                )
        self._grow(target, flat[1::2])
        for index in range(0, len(flat), 2):
            target[flat[index]] = flat[index + 1]

    def _global(self, module: Any, name: Any) -> Any:
        if not (isinstance(module, str) and isinstance(name, str) and len(module) + len(name) < _MAX_NAME):
            raise UnsafeCheckpointError(f"its pickle asks for a global named by {_brief(module)}, {_brief(name)}")
        # Protocol 2 pickles (torch, paddle protocol=2) name Python 3 modules the Python 2 way (`__builtin__`).
        module, name = _compat_pickle.NAME_MAPPING.get(
            (module, name), (_compat_pickle.IMPORT_MAPPING.get(module, module), name))
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f"its pickle asks for the global '{module}.{name}', which is not "
                "needed to rebuild tensors and could run code. Nothing from the file was executed. Only load "
                "checkpoints you trust, and prefer model.safetensors, which cannot contain code."
            ) from None

    # ------------------------------------------------------------------ the loop
    def load(self) -> Any:
        dispatch = _DISPATCH
        data = self._data
        while True:
            if self._pos >= self._end:
                raise CheckpointFormatError("the pickle is truncated (no STOP opcode)")
            code = data[self._pos]
            self._pos += 1
            self.charge(1)
            if code == 0x2E:  # STOP
                return self._take(self._stack.pop())
            handler = dispatch.get(code)
            if handler is None:
                name = _OPCODE_NAMES.get(code)
                raise (UnsafeCheckpointError if name else CheckpointFormatError)(
                    f"its pickle uses the {name} opcode, which builds arbitrary objects and that a weight file never "
                    "needs" if name else f"its pickle has an invalid opcode {bytes([code])!r} at offset {self._pos - 1}"
                )
            handler(self)

    # --- stack and memo
    def op_mark(self) -> None:
        self._metastack.append(self._stack)
        self._stack = []

    def op_pop(self) -> None:
        if self._stack:
            self._stack.pop()
        else:
            self._pop_mark()

    def op_pop_mark(self) -> None:
        self._pop_mark()

    def op_dup(self) -> None:
        self._stack.append(self._stack[-1])

    def op_proto(self) -> None:
        if self._int(1) > 5:
            raise CheckpointFormatError("the pickle uses an unknown protocol")

    def op_frame(self) -> None:
        self._read(8)  # a size hint only

    def _put(self, index: int) -> None:
        if index < 0:
            raise CheckpointFormatError("negative memo index")
        self._memo[index] = self._stack[-1]

    def _get(self, index: int) -> None:
        try:
            self._stack.append(self._memo[index])
        except KeyError:
            raise CheckpointFormatError(f"the pickle refers to memo entry {index}, which it never stored") from None

    def op_put(self) -> None:
        self._put(int(self._line(_MAX_NUMBER_LINE)))

    def op_binput(self) -> None:
        self._put(self._int(1))

    def op_long_binput(self) -> None:
        self._put(self._int(4))

    def op_memoize(self) -> None:
        self._put(len(self._memo))

    def op_get(self) -> None:
        self._get(int(self._line(_MAX_NUMBER_LINE)))

    def op_binget(self) -> None:
        self._get(self._int(1))

    def op_long_binget(self) -> None:
        self._get(self._int(4))

    # --- scalars
    def op_none(self) -> None:
        self._stack.append(None)

    def op_newtrue(self) -> None:
        self._stack.append(True)

    def op_newfalse(self) -> None:
        self._stack.append(False)

    def op_int(self) -> None:
        line = self._line(_MAX_NUMBER_LINE)
        self._stack.append(False if line == b"00" else True if line == b"01" else int(line))

    def op_binint(self) -> None:
        self._stack.append(self._int(4, signed=True))

    def op_binint1(self) -> None:
        self._stack.append(self._int(1))

    def op_binint2(self) -> None:
        self._stack.append(self._int(2))

    def op_long(self) -> None:
        line = self._line(_MAX_NUMBER_LINE)
        self._stack.append(int(line[:-1] if line.endswith(b"L") else line))

    def _long_bytes(self, count: int) -> None:
        if count > _MAX_INT_BYTES:
            raise UnsafeCheckpointError(f"its pickle holds an integer of {count} bytes; tensor sizes need 8")
        self._stack.append(self._int(count, signed=True))

    def op_long1(self) -> None:
        self._long_bytes(self._int(1))

    def op_long4(self) -> None:
        self._long_bytes(self._int(4, signed=True))

    def op_float(self) -> None:
        self._stack.append(float(self._line(_MAX_NUMBER_LINE)))

    def op_binfloat(self) -> None:
        self._stack.append(struct.unpack(">d", self._read(8))[0])

    # --- strings and bytes
    def op_string(self) -> None:
        line = bytes(self._line())
        if len(line) < 2 or line[0] != line[-1] or line[0] not in b"'\"":
            raise CheckpointFormatError("the pickle has an unquoted STRING")
        self._stack.append(codecs.escape_decode(line[1:-1])[0].decode("ascii"))

    def op_binstring(self) -> None:
        self._stack.append(bytes(self._read(self._int(4, signed=True))).decode("ascii"))

    def op_short_binstring(self) -> None:
        self._stack.append(bytes(self._read(self._int(1))).decode("ascii"))

    def op_unicode(self) -> None:
        self._stack.append(bytes(self._line()).decode("raw-unicode-escape"))

    def _unicode(self, count: int) -> None:
        self._stack.append(bytes(self._read(count)).decode("utf-8", "surrogatepass"))

    def op_binunicode(self) -> None:
        self._unicode(self._int(4))

    def op_short_binunicode(self) -> None:
        self._unicode(self._int(1))

    def op_binunicode8(self) -> None:
        self._unicode(self._int(8))

    def _bytes(self, count: int) -> None:
        self._stack.append(bytes(self._read(count)))

    def op_binbytes(self) -> None:
        self._bytes(self._int(4))

    def op_short_binbytes(self) -> None:
        self._bytes(self._int(1))

    def op_binbytes8(self) -> None:
        self._bytes(self._int(8))

    def op_bytearray8(self) -> None:  # in-band protocol-5 buffers (numpy); kept immutable
        self._bytes(self._int(8))

    # --- containers
    def op_empty_tuple(self) -> None:
        self._stack.append(self._container(()))

    def _tuple(self, items: list) -> None:
        items = self._take_all(items)
        self._stack.append(self._container(tuple(items), items))

    def op_tuple(self) -> None:
        self._tuple(self._pop_mark())

    def _tuple_of_top(self, count: int) -> None:
        if len(self._stack) < count:
            raise CheckpointFormatError("the pickle's stack underflows")
        items = self._stack[-count:]
        del self._stack[-count:]
        self._tuple(items)

    def op_tuple1(self) -> None:
        self._tuple_of_top(1)

    def op_tuple2(self) -> None:
        self._tuple_of_top(2)

    def op_tuple3(self) -> None:
        self._tuple_of_top(3)

    def op_empty_list(self) -> None:
        self._stack.append(self._container([]))

    def op_list(self) -> None:
        items = self._take_all(self._pop_mark())
        self._stack.append(self._container(items, items))

    def op_append(self) -> None:
        item = self._stack.pop()
        target = self._open(list, "appends to")
        items = self._take_all([item])
        self._grow(target, items)
        target.extend(items)

    def op_appends(self) -> None:
        items = self._pop_mark()
        target = self._open(list, "appends to")
        items = self._take_all(items)
        self._grow(target, items)
        target.extend(items)

    def op_empty_dict(self) -> None:
        self._stack.append(self._container({}))

    def op_dict(self) -> None:
        flat = self._pop_mark()
        target = self._container({})
        self._set_items(target, flat)
        self._stack.append(target)

    def op_setitem(self) -> None:
        value = self._stack.pop()
        key = self._stack.pop()
        self._set_items(self._open(dict, "sets an item of"), [key, value])

    def op_setitems(self) -> None:
        flat = self._pop_mark()
        self._set_items(self._open(dict, "sets an item of"), flat)

    # --- globals, calls, state, persistent ids
    def op_global(self) -> None:
        module = bytes(self._line(_MAX_NAME)).decode("utf-8")
        name = bytes(self._line(_MAX_NAME)).decode("utf-8")
        self._stack.append(self._global(module, name))

    def op_stack_global(self) -> None:
        name = self._stack.pop()
        module = self._stack.pop()
        self._stack.append(self._global(module, name))

    def op_reduce(self) -> None:
        args = self._take(self._stack.pop())
        func = self._stack.pop()
        if not isinstance(func, _Callable):
            raise UnsafeCheckpointError(f"its pickle calls {_brief(func)}, which is not a function it may call")
        if not isinstance(args, tuple):
            raise CheckpointFormatError(f"its pickle calls {func.name} with {_brief(args)} instead of an argument tuple")
        result = func.fn(self, *args)
        if isinstance(result, _CONTAINERS):
            result = self._container(result, result if isinstance(result, tuple) else ())
        self._stack.append(result)

    def op_build(self) -> None:
        state = self._take(self._stack.pop())
        target = self._stack[-1]
        if isinstance(target, _SPECS) and not target.built and not target.sealed:
            target.built = True
            if isinstance(target, _ArraySpec):
                target.build(state, self)
            else:
                target.build(state)
        elif isinstance(target, dict) and id(target) not in self._sealed and isinstance(state, dict):
            pass  # an OrderedDict's attributes, e.g. torch's `_metadata` (layer versions): not needed, ignored
        else:
            raise UnsafeCheckpointError(
                f"its pickle sets the state of {_brief(target)} (BUILD), which a weight file never needs "
                "(only a numpy dtype or array may get its state, once, before it is used)"
            )

    def op_persid(self) -> None:
        self._persistent(bytes(self._line(_MAX_NAME)).decode("ascii"))

    def op_binpersid(self) -> None:
        self._persistent(self._take(self._stack.pop()))

    def _persistent(self, pid: Any) -> None:
        if self._persistent_load is None:
            raise UnsafeCheckpointError(f"its pickle has a persistent id ({_brief(pid)}), which this format never has")
        self._stack.append(self._persistent_load(pid))


_DISPATCH: dict[int, Any] = {}
_OPCODE_NAMES: dict[int, str] = {}


def _build_dispatch() -> None:
    import pickletools

    for opcode in pickletools.opcodes:
        code = ord(opcode.code.encode("latin1"))
        _OPCODE_NAMES[code] = opcode.name
        handler = getattr(_PickleMachine, f"op_{opcode.name.lower()}", None)
        if handler is not None:
            _DISPATCH[code] = handler


_build_dispatch()


def _unpickle(
    data: Any,
    source: Path,
    allowed: Mapping[tuple[str, str], Any],
    persistent_load: Any = None,
) -> Any:
    """Run the restricted pickle machine; every failure becomes an error of this package naming `source`."""
    try:
        return _PickleMachine(data, allowed, persistent_load).load()
    except UnsafeCheckpointError as err:
        if str(source) in str(err):
            raise
        raise UnsafeCheckpointError(f"Refusing to load {str(source)!r}: {err}") from None
    except CheckpointFormatError as err:
        if str(source) in str(err):
            raise
        raise CheckpointFormatError(f"Could not load {str(source)!r}: {err}") from None
    except (IndexError, KeyError, ValueError, TypeError, OverflowError, MemoryError, struct.error,
            zipfile.BadZipFile, OSError, EOFError) as err:
        raise CheckpointFormatError(
            f"Could not unpickle {str(source)!r}: {type(err).__name__}: {str(err)[:200]}. The file is truncated, "
            "corrupt or not a state dict; download or convert it again."
        ) from None


# --------------------------------------------------------------------------- torch .bin (zip)

#: Largest `data.pkl` read (a state dict's pickle holds only names and layouts: kilobytes).
MAX_TORCH_PICKLE_BYTES = 256 * 2**20
# A deflated zip entry may expand at most this much (weights barely compress; deflate itself allows ~1032x).
_MAX_DEFLATE_RATIO = 64


class _TorchStorageType(_Marker):
    """Stand-in for `torch.FloatStorage` & co.: the numpy dtype of the raw bytes; only valid in a persistent id."""

    def __init__(self, name: str, dtype: Any, bfloat16: bool = False) -> None:
        super().__init__(f"torch.{name}")
        self.dtype, self.bfloat16 = np.dtype(dtype), bfloat16


_TORCH_STORAGES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": np.uint16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
    "UntypedStorage": np.uint8,  # torch rebuilds tensors on an untyped storage as uint8
}


class _TorchStorage:
    """A storage read from `<prefix>/data/<key>`: a flat read-only array (bfloat16 already upcast to float32)."""

    def __init__(self, array: np.ndarray, storage_type: _TorchStorageType) -> None:
        self.array, self.storage_type = array, storage_type


def _int_arg(value: Any, what: str) -> int:
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
        raise CheckpointFormatError(f"invalid tensor layout: {what} {_brief(value)}")
    return value


def _layout(value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not (isinstance(value, tuple) and len(value) <= _MAX_DIMS
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise CheckpointFormatError(f"tensor {what} must be a tuple of ints, got {_brief(value)}")
    return value


def _rebuild_tensor(machine: _PickleMachine, storage: Any, storage_offset: Any, size: Any, stride: Any,
                    *_: Any) -> np.ndarray:
    """Stand-in for `torch._utils._rebuild_tensor(_v2)`: a read-only strided view of `storage` (never a copy).

    Offset, size and stride are checked against the storage before the view exists: every element it reads
    lies inside the storage, and it has no more elements than the storage (a stride-0 view of 4 bytes cannot
    claim gigabytes that a later copy would allocate). Tensors that share a storage share its memory.
    """
    if not isinstance(storage, _TorchStorage):
        raise CheckpointFormatError(f"tensor storage must come from a persistent id, got {_brief(storage)}")
    offset = _int_arg(storage_offset, "storage offset")
    size, stride = _layout(size, "size"), _layout(stride, "stride")
    flat = storage.array
    if len(size) != len(stride) or min(size + stride, default=0) < 0 or max(size + stride, default=0) >= 2**62:
        raise CheckpointFormatError(f"invalid tensor layout: offset {offset}, size {_brief(size)}, stride {_brief(stride)}")
    numel = _numel(size)
    if numel == 0:
        return np.zeros(size, dtype=flat.dtype)
    stride = tuple(s if n > 1 else 0 for n, s in zip(size, stride))  # a stride over one element is never used
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= flat.size:
        raise CheckpointFormatError(
            f"tensor of size {list(size)}, stride {list(stride)}, offset {offset} reads past its storage of "
            f"{flat.size} elements"
        )
    if numel > max(flat.size, 4096):
        raise CheckpointFormatError(
            f"tensor of size {list(size)} has {numel} elements but its storage only {flat.size}: such a broadcast "
            "view is refused (copying it could take far more memory than the file holds)"
        )
    return np.lib.stride_tricks.as_strided(
        flat[offset:], shape=size, strides=[s * flat.itemsize for s in stride], writeable=False
    )


def _rebuild_parameter(machine: _PickleMachine, data: Any, *_: Any) -> Any:
    """Stand-in for `torch._utils._rebuild_parameter(_with_state)`: the data itself."""
    if not isinstance(data, np.ndarray):
        raise CheckpointFormatError(f"a parameter must wrap a tensor, got {_brief(data)}")
    return data


def _torch_allowed() -> dict[tuple[str, str], Any]:
    allowed: dict[tuple[str, str], Any] = {
        ("torch._utils", "_rebuild_tensor_v2"): _Callable("torch._utils._rebuild_tensor_v2", _rebuild_tensor),
        ("torch._utils", "_rebuild_tensor"): _Callable("torch._utils._rebuild_tensor", _rebuild_tensor),
        ("torch._utils", "_rebuild_parameter"): _Callable("torch._utils._rebuild_parameter", _rebuild_parameter),
        ("torch._utils", "_rebuild_parameter_with_state"): _Callable(
            "torch._utils._rebuild_parameter_with_state", _rebuild_parameter),
        ("collections", "OrderedDict"): _Callable("collections.OrderedDict", _ordered_dict),
    }
    for name, dtype in _TORCH_STORAGES.items():
        storage_type = _TorchStorageType(name, dtype, bfloat16=name == "BFloat16Storage")
        allowed[("torch", name)] = storage_type
        allowed[("torch.storage", name)] = storage_type
    return allowed


def _read_zip_entry(archive: zipfile.ZipFile, name: str, need: int, what: str) -> bytes:
    """Exactly `need` bytes from the start of entry `name`, never decompressing more than that.

    The entry must say (in the zip's directory) that it holds at least `need` bytes, and a compressed entry
    may not promise more than `_MAX_DEFLATE_RATIO` times its compressed size: an 8 MB entry cannot expand
    into gigabytes.
    """
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise CheckpointFormatError(f"the archive has no record {_brief(name)} ({what})") from None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnsafeCheckpointError(
            f"record {_brief(name)} uses zip compression method {info.compress_type}; torch.save stores records "
            "uncompressed (only stored or deflated records are read)"
        )
    if info.file_size < need:
        raise CheckpointFormatError(f"{what} needs {need} bytes but record {_brief(name)} holds {info.file_size}")
    archive_size = os.fstat(archive.fp.fileno()).st_size if archive.fp is not None else 0
    if info.header_offset + info.compress_size > archive_size or (
            info.compress_type == zipfile.ZIP_STORED and info.compress_size < need):
        # zipfile would ask the OS for the promised size in one read: refuse before that
        raise CheckpointFormatError(
            f"record {_brief(name)} claims {info.compress_size} bytes, more than the archive holds ({what}): the "
            "file is truncated or corrupt"
        )
    if info.compress_type == zipfile.ZIP_DEFLATED and need > _MAX_DEFLATE_RATIO * info.compress_size + 2**20:
        raise UnsafeCheckpointError(
            f"record {_brief(name)} would expand {info.compress_size} compressed bytes into {need}: a zip bomb "
            "(weights never compress that well)"
        )
    with archive.open(info) as handle:
        raw = handle.read(need)
    if len(raw) != need:
        raise CheckpointFormatError(f"record {_brief(name)} is truncated: {len(raw)} of {need} bytes ({what})")
    return raw


class _TorchStorages:
    """`persistent_load` of a torch zip: each storage record is read once, checked, and shared by its tensors."""

    def __init__(self, archive: zipfile.ZipFile, prefix: str, byteorder: str) -> None:
        self._archive, self._prefix, self._byteorder = archive, prefix, byteorder
        self._storages: dict[str, _TorchStorage] = {}

    def __call__(self, pid: Any) -> _TorchStorage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and isinstance(pid[0], str) and pid[0] == "storage"
                and isinstance(pid[1], _TorchStorageType) and isinstance(pid[2], str) and len(pid[2]) < _MAX_NAME
                and isinstance(pid[4], int) and not isinstance(pid[4], bool)):
            raise CheckpointFormatError(f"unexpected persistent id {_brief(pid)} (expected a torch storage)")
        _, storage_type, key, _location, numel = pid
        known = self._storages.get(key)
        if known is None:
            known = self._storages[key] = self._read(storage_type, key, numel)
        elif known.storage_type is not storage_type or known.array.size < numel:
            raise CheckpointFormatError(f"storage {_brief(key)} is described twice with different types or sizes")
        return known

    def _read(self, storage_type: _TorchStorageType, key: str, numel: int) -> _TorchStorage:
        dtype = storage_type.dtype.newbyteorder("<" if self._byteorder == "little" else ">")
        if not 0 <= numel < 2**62:
            raise CheckpointFormatError(f"storage {_brief(key)} has an invalid size {_brief(numel)}")
        name = f"{self._prefix}/data/{key}"
        size = self._archive.NameToInfo[name].file_size if name in self._archive.NameToInfo else None
        if size is not None and size < numel * dtype.itemsize:
            raise CheckpointFormatError(
                f"storage {key!r} holds {size} bytes, fewer than its {numel} elements of {dtype.name} need"
            )
        raw = _read_zip_entry(self._archive, name, numel * dtype.itemsize, f"storage {key!r}")
        array = np.frombuffer(raw, dtype=dtype, count=numel) if numel else np.empty(0, dtype=storage_type.dtype)
        if not array.dtype.isnative:
            array = array.astype(storage_type.dtype)
        if storage_type.bfloat16:
            array = _bf16_to_float32(array)
        array.flags.writeable = False
        return _TorchStorage(array, storage_type)


def _torch_zip_prefix(archive: zipfile.ZipFile, path: Path) -> str:
    """The archive's record prefix, i.e. the folder holding `data.pkl`."""
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pickles) != 1:
        hint = " It looks like a TorchScript archive (torch.jit.save), not a state dict." if any(
            n.endswith("/constants.pkl") for n in archive.namelist()) else ""
        raise CheckpointFormatError(
            f"{str(path)!r} is a zip file but not a torch.save checkpoint: expected exactly one "
            f"'<name>/data.pkl', found {[_brief(p) for p in pickles[:5]] or 'none'}.{hint}"
        )
    return pickles[0].split("/")[0]


def _check_not_legacy_torch(path: Path) -> None:
    with open(path, "rb") as handle:
        head = handle.read(len(_TORCH_LEGACY_MAGIC))
    if head == _TORCH_LEGACY_MAGIC:
        raise CheckpointFormatError(
            f"{str(path)!r} uses PyTorch's legacy (pre-1.6, non-zip) checkpoint format, which this "
            "package does not read. Re-save it with a recent torch (`torch.save(torch.load(path), path)`) "
            "or convert it to safetensors (`model.save_pretrained(dir, safe_serialization=True)`)."
        )
    raise CheckpointFormatError(
        f"{str(path)!r} is not a PyTorch zip checkpoint (torch.save since 1.6): it is truncated, "
        "corrupt or another format. Download it again, or use model.safetensors."
    )


def _as_state_dict(obj: Any, path: Path) -> dict[str, np.ndarray]:
    """Check a loaded object is a flat str -> ndarray dict. Arrays are read-only and may share memory
    (tied weights, one tensor under several names): nothing is copied per name."""
    if not isinstance(obj, dict):
        raise CheckpointFormatError(
            f"{str(path)!r} holds {_brief(obj)}, not a state dict (a dict of tensors)."
        )
    bad = [k for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, np.ndarray)]
    if bad:
        raise CheckpointFormatError(
            f"{str(path)!r} is not a flat state dict: {len(bad)} entries are not tensors, e.g. "
            f"{', '.join(f'{_brief(k)}: {_brief(obj[k])}' for k in bad[:5])}. "
            "If it is a training checkpoint, save only `model.state_dict()`."
        )
    result: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        if value.flags.writeable:
            value.flags.writeable = False
        result[key] = value
    return result


def load_torch_bin(path: PathLike) -> dict[str, np.ndarray]:
    """Read a PyTorch `torch.save` zip checkpoint (`pytorch_model.bin`, `.pt`) without torch.

    Storage offsets, sizes and strides are honoured, so views, non-contiguous tensors and tensors sharing
    one storage (tied weights) come back with the values torch would give. The arrays are read-only views
    of their storage: tensors that share a storage share its memory (one tensor under 1,000 names costs
    its storage once); copy an array before changing it. bfloat16 tensors are returned as float32 (exact
    upcast); other dtypes keep their numpy equivalent. Big-endian checkpoints are converted to native
    byte order. The pickle is run by a restricted, bounded interpreter (see "restricted unpickling").

    Args:
        path: The checkpoint file.

    Returns:
        Tensor name -> numpy array.

    Raises:
        FileNotFoundError: `path` does not exist.
        UnsafeCheckpointError: the pickle asks for anything but tensor-rebuilding globals or exceeds a
            limit (nothing from it is executed).
        CheckpointFormatError: legacy (pre-1.6) format, truncated or corrupt file, or not a state dict.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"PyTorch checkpoint {str(path)!r} does not exist")
    if not zipfile.is_zipfile(path):
        _check_not_legacy_torch(path)
    try:
        with zipfile.ZipFile(path) as archive:
            prefix = _torch_zip_prefix(archive, path)
            byteorder = "little"  # files without a byteorder record were written little-endian
            if f"{prefix}/byteorder" in archive.namelist():
                record = archive.getinfo(f"{prefix}/byteorder")
                raw = _read_zip_entry(archive, record.filename, min(record.file_size, 16), "byteorder")
                byteorder = raw.decode("ascii", "replace").strip()
            if byteorder not in ("little", "big"):
                raise CheckpointFormatError(f"{str(path)!r}: unknown byteorder {_brief(byteorder)}")
            record = archive.getinfo(f"{prefix}/data.pkl")
            if record.file_size > MAX_TORCH_PICKLE_BYTES:
                raise UnsafeCheckpointError(
                    f"Refusing to load {str(path)!r}: its data.pkl claims {record.file_size} bytes, more than the "
                    f"{MAX_TORCH_PICKLE_BYTES} a state dict's pickle could need."
                )
            data_pkl = _read_zip_entry(archive, record.filename, record.file_size, "data.pkl")
            obj = _unpickle(data_pkl, path, _torch_allowed(), _TorchStorages(archive, prefix, byteorder))
    except (UnsafeCheckpointError, CheckpointFormatError) as err:
        if str(path) in str(err):
            raise
        raise type(err)(f"{'Refusing to load' if isinstance(err, UnsafeCheckpointError) else 'Could not load'} "
                        f"{str(path)!r}: {err}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as err:
        raise CheckpointFormatError(
            f"{str(path)!r} is a corrupt zip archive ({type(err).__name__}: {str(err)[:200]}); download it again."
        ) from None
    return _as_state_dict(obj, path)


# --------------------------------------------------------------------------- paddle .pdparams


def _pdparams_allowed() -> dict[tuple[str, str], Any]:
    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): _Marker("numpy.ndarray"),
        ("numpy", "dtype"): _Callable("numpy.dtype", _numpy_dtype),
        ("collections", "OrderedDict"): _Callable("collections.OrderedDict", _ordered_dict),
        # paddle.save of a non-state-dict object pickles tensors as tuple((name, ndarray))
        ("builtins", "tuple"): _Callable("builtins.tuple", _make_tuple),
        ("_codecs", "encode"): _Callable("_codecs.encode", _latin1_encode),  # bytes in protocol 2 pickles
    }
    for core in ("numpy.core", "numpy._core"):  # numpy 1 / numpy 2 module names
        allowed[(f"{core}.multiarray", "_reconstruct")] = _Callable(f"{core}.multiarray._reconstruct", _numpy_reconstruct)
        allowed[(f"{core}.multiarray", "scalar")] = _Callable(f"{core}.multiarray.scalar", _numpy_scalar)
        allowed[(f"{core}.numeric", "_frombuffer")] = _Callable(f"{core}.numeric._frombuffer", _numpy_frombuffer)
    return allowed


def _join_paddle_splits(obj: dict, path: Path) -> None:
    """Undo paddle.save's split of >1 GiB arrays (protocol 2/3) into `<key>@@.<i>` slices."""
    info = obj.pop(_PADDLE_SPLIT_INFO_KEY, None)
    if info is None:
        return
    if not isinstance(info, dict):
        raise CheckpointFormatError(f"{str(path)!r}: {_PADDLE_SPLIT_INFO_KEY} is not a dict")
    for key, spec in info.items():
        try:
            parts, shape = spec["slices"], _shape(spec["OriginShape"], "OriginShape")
            if not isinstance(parts, (list, tuple)) or not all(isinstance(p, str) for p in parts):
                raise TypeError(f"slices must be a list of names, got {_brief(parts)}")
            slices = [obj.pop(part) for part in parts]
            if not all(isinstance(s, np.ndarray) for s in slices) or sum(s.size for s in slices) != _numel(shape):
                raise ValueError(f"the slices do not hold the {_numel(shape)} elements of shape {list(shape)}")
            obj[key] = np.concatenate([s.ravel() for s in slices]).reshape(shape)
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointFormatError(
                f"{str(path)!r}: cannot join the slices of {_brief(key)}: {type(err).__name__}: {str(err)[:200]}"
            ) from None


def load_pdparams(path: PathLike) -> dict[str, np.ndarray]:
    """Read a Paddle `paddle.save(state_dict)` file (`model_state.pdparams`) without running its pickle.

    The format (paddle 3.x and PaddleNLP `save_pretrained`) is a pickle (protocol 4 by default) of a
    dict `name -> numpy.ndarray` plus a `"StructuredToParameterName@@"` entry (dropped here). Also
    handled: tensors pickled as `(name, ndarray)` tuples (paddle.save of a non-state-dict object)
    and the `"UnpackBigParamInfor@@"` split of >1 GiB arrays written with protocol 2/3. Paddle
    stores bfloat16 as uint16 arrays; they are returned as float32 (exact upcast), as
    `paddle.load` would give bfloat16. The pickle is run by a restricted, bounded interpreter (see
    "restricted unpickling"); the arrays are read-only, and an array stored under several names is
    returned once, under each of them.

    Args:
        path: The `.pdparams` file.

    Returns:
        Parameter name -> numpy array.

    Raises:
        FileNotFoundError: `path` does not exist.
        UnsafeCheckpointError: the pickle asks for anything but numpy array globals or exceeds a limit.
        CheckpointFormatError: truncated or corrupt file, or not a state dict.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Paddle checkpoint {str(path)!r} does not exist")
    if zipfile.is_zipfile(path):
        raise CheckpointFormatError(
            f"{str(path)!r} is a zip archive (a PyTorch checkpoint?), not a paddle.save pickle; "
            "read it with load_torch_bin or rename it to .bin."
        )
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            raise CheckpointFormatError(f"Could not unpickle {str(path)!r}: the file is empty (truncated download?).")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            obj = _unpickle(mapped, path, _pdparams_allowed())
    if not isinstance(obj, dict):
        raise CheckpointFormatError(f"{str(path)!r} holds {_brief(obj)}, not a state dict")
    obj = dict(obj)
    obj.pop(_PADDLE_NAME_TABLE_KEY, None)
    _join_paddle_splits(obj, path)
    upcast: dict[int, np.ndarray] = {}  # one upcast per array, however many names it has
    for key, value in obj.items():
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], np.ndarray):
            value = value[1]  # (parameter name, data)
        if isinstance(value, np.ndarray) and value.dtype == np.uint16:
            if id(value) not in upcast:
                upcast[id(value)] = _bf16_to_float32(value)
            value = upcast[id(value)]
        obj[key] = value
    return _as_state_dict(obj, path)


# --------------------------------------------------------------------------- shards and dispatch


_LOADERS = {
    ".safetensors": load_safetensors,
    ".bin": load_torch_bin,
    ".pt": load_torch_bin,
    ".pth": load_torch_bin,
    ".pdparams": load_pdparams,
}


def load_state_dict_file(path: PathLike) -> dict[str, paddle.Tensor | np.ndarray]:
    """Load one checkpoint file, choosing the reader from its suffix.

    `.safetensors` gives paddle tensors (`load_safetensors`); `.bin` / `.pt` / `.pth` give numpy
    arrays (`load_torch_bin`); `.pdparams` gives numpy arrays (`load_pdparams`).

    Raises:
        CheckpointFormatError: an unknown suffix (and whatever the chosen reader raises).
    """
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise CheckpointFormatError(
            f"Don't know how to read {str(path)!r}: unknown suffix {path.suffix!r}. "
            f"Supported: {', '.join(_LOADERS)}."
        )
    return loader(path)
