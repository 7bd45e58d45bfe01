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
import collections
import json
import logging
import mmap
import os
import pickle
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Union

import numpy as np
import paddle

try:  # numpy >= 2 (and 1.26's forward alias)
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # pragma: no cover - older numpy
    from numpy.core import multiarray as _np_multiarray

from paddle_distilroberta.errors import CheckpointFormatError, UnsafeCheckpointError
from paddle_distilroberta.pretrained.files import atomic_path, read_shard_index  # read_shard_index: re-exported

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


def _safetensors_header(path: Path, handle: BinaryIO) -> tuple[dict, int]:
    """Parse and check the header: every tensor's dtype, shape and byte range must fit the file."""
    size = os.fstat(handle.fileno()).st_size
    raw = handle.read(8)
    if len(raw) < 8:
        raise CheckpointFormatError(f"{path} is truncated or not a safetensors file: it has only {size} bytes.")
    header_len = int.from_bytes(raw, "little")
    if header_len > min(size - 8, 100 * 2**20):
        raise CheckpointFormatError(
            f"{path} is truncated or not a safetensors file (header length {header_len}, file size {size}); re-download it."
        )
    try:
        header = json.loads(handle.read(header_len))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointFormatError(f"{path} has a corrupt safetensors header ({err}); re-download it.") from err
    if not isinstance(header, dict):
        raise CheckpointFormatError(f"{path} has a corrupt safetensors header (not a JSON object).")
    data_start, data_size = 8 + header_len, size - 8 - header_len
    for key, info in header.items():
        if key == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], [int(d) for d in info["shape"]], info["data_offsets"]
            itemsize = np.dtype(_SAFETENSORS_DTYPES[dtype][0]).itemsize
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointFormatError(f"{path}: tensor {key!r} has an unreadable entry {info!r} ({err!r}).") from err
        if not 0 <= begin <= end <= data_size or end - begin != itemsize * int(np.prod(shape, dtype=np.int64)):
            raise CheckpointFormatError(
                f"{path}: tensor {key!r} ({dtype} {shape}) does not fit bytes [{begin}, {end}) of a {data_size}-byte "
                "data section: the file is truncated or corrupt; re-download it."
            )
    return header, data_start


def iter_safetensors(path: PathLike) -> Iterator[tuple[str, paddle.Tensor]]:
    """Yield `(name, CPU paddle tensor)` one at a time from a memory-mapped `.safetensors` file.

    Each tensor is a copy (independent of the file); the mapped pages it was read from are released
    right after, so reading a whole checkpoint costs about one tensor of memory beyond what the caller keeps.

    Raises:
        FileNotFoundError: `path` does not exist.
        CheckpointFormatError: the file is truncated or not a safetensors file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"safetensors file {str(path)!r} does not exist")
    with open(path, "rb") as handle:
        header, data_start = _safetensors_header(path, handle)
        entries = sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0])
        if not entries:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            for key, info in entries:
                np_dtype, pd_dtype = _SAFETENSORS_DTYPES[info["dtype"]]
                begin, end = info["data_offsets"]
                count = (end - begin) // np.dtype(np_dtype).itemsize
                array = np.frombuffer(mapped, dtype=np_dtype, count=count, offset=data_start + begin).reshape(info["shape"])
                tensor = paddle.to_tensor(array, dtype=pd_dtype)  # a copy
                del array
                _release(mapped, data_start + begin, data_start + end)
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
        header, _ = _safetensors_header(path, handle)
    return [k for k in header if k != "__metadata__"]


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
        header, _ = _safetensors_header(path, handle)
    return {str(k): str(v) for k, v in (header.get("__metadata__") or {}).items()}


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


def _bf16_to_float32(bits: np.ndarray) -> np.ndarray:
    """Exact bfloat16 -> float32: the 16 stored bits are the high half of the float32."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


class _RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that answers only `allowed` globals and refuses everything else."""

    def __init__(self, file: BinaryIO, source: Path, allowed: Mapping[tuple[str, str], Any]) -> None:
        super().__init__(file)
        self._source = source
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 2 pickles (torch, paddle protocol=2) name Python 3 modules the Python 2 way
        # (`__builtin__`); map them back as the default Unpickler does.
        module, name = _compat_pickle.NAME_MAPPING.get(
            (module, name), (_compat_pickle.IMPORT_MAPPING.get(module, module), name))
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f"Refusing to load {str(self._source)!r}: its pickle asks for the global "
                f"'{module}.{name}', which is not needed to rebuild tensors and could run code. "
                "Nothing from the file was executed. Only load checkpoints you trust, and prefer "
                "model.safetensors, which cannot contain code."
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeCheckpointError(
            f"Refusing to load {str(self._source)!r}: unexpected persistent id {pid!r} in its pickle."
        )


def _unpickle(
    file: BinaryIO,
    source: Path,
    allowed: Mapping[tuple[str, str], Any],
    unpickler_cls: type = _RestrictedUnpickler,
    **kwargs: Any,
) -> Any:
    """Run a restricted unpickler; turn format errors into CheckpointFormatError naming `source`."""
    try:
        return unpickler_cls(file, source, allowed, **kwargs).load()
    except (UnsafeCheckpointError, CheckpointFormatError) as err:
        if str(source) in str(err):
            raise
        # raised by a stand-in that does not know the file: add it to the message
        if isinstance(err, UnsafeCheckpointError):
            raise UnsafeCheckpointError(f"Refusing to load {str(source)!r}: {err}") from err
        raise CheckpointFormatError(f"Could not load {str(source)!r}: {err}") from err
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, OverflowError, MemoryError, zipfile.BadZipFile, OSError) as err:
        raise CheckpointFormatError(
            f"Could not unpickle {str(source)!r}: {type(err).__name__}: {err}. The file is truncated, "
            "corrupt or not a state dict; download or convert it again."
        ) from err


# --------------------------------------------------------------------------- torch .bin (zip)


class _TorchStorageType:
    """Stand-in for `torch.FloatStorage` & co.: just the numpy dtype of the raw bytes."""

    def __init__(self, name: str, dtype: np.dtype, bfloat16: bool = False) -> None:
        self.name, self.dtype, self.bfloat16 = name, np.dtype(dtype), bfloat16

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsafeCheckpointError(f"torch.{self.name} may only appear as a storage type in a persistent id")


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
    """A storage read from `<prefix>/data/<key>`: a flat array of the storage's element type."""

    def __init__(self, array: np.ndarray, bfloat16: bool) -> None:
        self.array, self.bfloat16 = array, bfloat16


def _as_int_tuple(value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, int):
        value = (value,)
    if not isinstance(value, tuple) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise CheckpointFormatError(f"tensor {what} must be a tuple of ints, got {value!r}")
    return value


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any, *_: Any) -> np.ndarray:
    """Stand-in for `torch._utils._rebuild_tensor(_v2)`: a copy of the strided view of `storage`."""
    if not isinstance(storage, _TorchStorage):
        raise CheckpointFormatError(f"tensor storage must come from a persistent id, got {type(storage).__name__}")
    (offset,) = _as_int_tuple(storage_offset, "storage offset")
    size, stride = _as_int_tuple(size, "size"), _as_int_tuple(stride, "stride")
    flat = storage.array
    if len(size) != len(stride) or offset < 0 or min(size + stride, default=0) < 0:
        raise CheckpointFormatError(f"invalid tensor layout: offset {offset}, size {size}, stride {stride}")
    if 0 not in size:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= flat.size:
            raise CheckpointFormatError(
                f"tensor of size {size}, stride {stride}, offset {offset} reads past its storage of {flat.size} elements"
            )
        view = np.lib.stride_tricks.as_strided(
            flat[offset:], shape=size, strides=[s * flat.itemsize for s in stride], writeable=False
        )
        array = np.array(view, copy=True)
    else:
        array = np.zeros(size, dtype=flat.dtype)
    return _bf16_to_float32(array) if storage.bfloat16 else array


def _rebuild_parameter(data: Any, *_: Any) -> Any:
    """Stand-in for `torch._utils._rebuild_parameter(_with_state)`: the data itself."""
    return data


def _torch_allowed() -> dict[tuple[str, str], Any]:
    allowed: dict[tuple[str, str], Any] = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("collections", "OrderedDict"): collections.OrderedDict,
    }
    for name, dtype in _TORCH_STORAGES.items():
        storage_type = _TorchStorageType(name, dtype, bfloat16=name == "BFloat16Storage")
        allowed[("torch", name)] = storage_type
        allowed[("torch.storage", name)] = storage_type
    return allowed


class _TorchUnpickler(_RestrictedUnpickler):
    """Restricted unpickler for `data.pkl`; `persistent_load` reads storages from the zip."""

    def __init__(self, file: BinaryIO, source: Path, allowed: Mapping[tuple[str, str], Any],
                 archive: zipfile.ZipFile, prefix: str, byteorder: str) -> None:
        super().__init__(file, source, allowed)
        self._archive, self._prefix, self._byteorder = archive, prefix, byteorder
        self._storages: dict[str, _TorchStorage] = {}

    def persistent_load(self, pid: Any) -> _TorchStorage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _TorchStorageType) and isinstance(pid[2], str)
                and isinstance(pid[4], int)):
            raise CheckpointFormatError(f"unexpected persistent id {pid!r} (expected a torch storage)")
        _, storage_type, key, _location, numel = pid
        if key not in self._storages:
            self._storages[key] = self._read_storage(storage_type, key, numel)
        return self._storages[key]

    def _read_storage(self, storage_type: _TorchStorageType, key: str, numel: int) -> _TorchStorage:
        raw = self._archive.read(f"{self._prefix}/data/{key}")
        dtype = storage_type.dtype.newbyteorder("<" if self._byteorder == "little" else ">")
        if numel < 0 or len(raw) < numel * dtype.itemsize:
            raise CheckpointFormatError(
                f"storage {key!r} holds {len(raw)} bytes, fewer than its {numel} elements of {dtype.name} need"
            )
        array = np.frombuffer(raw, dtype=dtype, count=numel).astype(storage_type.dtype, copy=False)
        return _TorchStorage(array, storage_type.bfloat16)


def _torch_zip_prefix(archive: zipfile.ZipFile, path: Path) -> str:
    """The archive's record prefix, i.e. the folder holding `data.pkl`."""
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pickles) != 1:
        hint = " It looks like a TorchScript archive (torch.jit.save), not a state dict." if any(
            n.endswith("/constants.pkl") for n in archive.namelist()) else ""
        raise CheckpointFormatError(
            f"{str(path)!r} is a zip file but not a torch.save checkpoint: expected exactly one "
            f"'<name>/data.pkl', found {pickles or 'none'}.{hint}"
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
    """Check a loaded object is a flat str -> ndarray dict; give duplicate objects their own copy."""
    if not isinstance(obj, dict):
        raise CheckpointFormatError(
            f"{str(path)!r} holds a {type(obj).__name__}, not a state dict (a dict of tensors)."
        )
    bad = [k for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, np.ndarray)]
    if bad:
        raise CheckpointFormatError(
            f"{str(path)!r} is not a flat state dict: entries {bad[:10]!r} are not tensors. "
            "If it is a training checkpoint, save only `model.state_dict()`."
        )
    seen: set[int] = set()
    result: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        result[key] = value.copy() if id(value) in seen else value
        seen.add(id(value))
    return result


def load_torch_bin(path: PathLike) -> dict[str, np.ndarray]:
    """Read a PyTorch `torch.save` zip checkpoint (`pytorch_model.bin`, `.pt`) without torch.

    Storage offsets, sizes and strides are honoured, so views, non-contiguous tensors and tensors
    sharing one storage (tied weights) come back with the values torch would give; each returned
    array owns its memory. bfloat16 tensors are returned as float32 (exact upcast); other dtypes
    keep their numpy equivalent. Big-endian checkpoints are converted to native byte order.

    Args:
        path: The checkpoint file.

    Returns:
        Tensor name -> numpy array.

    Raises:
        FileNotFoundError: `path` does not exist.
        UnsafeCheckpointError: the pickle references anything but tensor-rebuilding globals
            (nothing from it is executed).
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
                byteorder = archive.read(f"{prefix}/byteorder").decode("ascii", "replace").strip()
            if byteorder not in ("little", "big"):
                raise CheckpointFormatError(f"{str(path)!r}: unknown byteorder {byteorder!r}")
            with archive.open(f"{prefix}/data.pkl") as data_pkl:
                obj = _unpickle(data_pkl, path, _torch_allowed(), _TorchUnpickler,
                                archive=archive, prefix=prefix, byteorder=byteorder)
    except zipfile.BadZipFile as err:
        raise CheckpointFormatError(f"{str(path)!r} is a corrupt zip archive ({err}); download it again.") from err
    return _as_state_dict(obj, path)


# --------------------------------------------------------------------------- paddle .pdparams


def _check_dtype(dtype: np.dtype) -> np.dtype:
    if dtype.hasobject:
        raise UnsafeCheckpointError(f"arrays of Python objects ({dtype}) are not allowed in a checkpoint")
    return dtype


def _numpy_dtype(*args: Any) -> np.dtype:
    return _check_dtype(np.dtype(*args))


def _numpy_reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """Stand-in for `numpy.core.multiarray._reconstruct`, for plain ndarrays only."""
    if subtype is not np.ndarray:
        raise UnsafeCheckpointError(f"only numpy.ndarray may be reconstructed, got {subtype!r}")
    return _np_multiarray._reconstruct(np.ndarray, shape, _check_dtype(np.dtype(dtype)))


def _numpy_scalar(dtype: Any, *args: Any) -> Any:
    if not isinstance(dtype, np.dtype):
        raise CheckpointFormatError(f"numpy scalar needs a dtype, got {dtype!r}")
    return _np_multiarray.scalar(_check_dtype(dtype), *args)


def _numpy_frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    return np.frombuffer(buf, dtype=_check_dtype(dtype)).reshape(shape, order=order).copy()


def _latin1_encode(text: Any, encoding: Any = "latin1", *_: Any) -> bytes:
    """Stand-in for `_codecs.encode`, which protocol-2 pickles use to carry bytes; latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafeCheckpointError(f"only _codecs.encode(str, 'latin1') is allowed, got encoding {encoding!r}")
    return text.encode("latin1")


def _pdparams_allowed() -> dict[tuple[str, str], Any]:
    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): _numpy_dtype,
        ("collections", "OrderedDict"): collections.OrderedDict,
        # paddle.save of a non-state-dict object pickles tensors as tuple((name, ndarray))
        ("builtins", "tuple"): tuple,
        ("_codecs", "encode"): _latin1_encode,  # bytes in protocol 2 pickles
    }
    for core in ("numpy.core", "numpy._core"):  # numpy 1 / numpy 2 module names
        allowed[(f"{core}.multiarray", "_reconstruct")] = _numpy_reconstruct
        allowed[(f"{core}.multiarray", "scalar")] = _numpy_scalar
        allowed[(f"{core}.numeric", "_frombuffer")] = _numpy_frombuffer
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
            slices = [obj.pop(part) for part in spec["slices"]]
            obj[key] = np.concatenate(slices).reshape(spec["OriginShape"])
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointFormatError(f"{str(path)!r}: cannot join the slices of {key!r}: {err!r}") from err


def load_pdparams(path: PathLike) -> dict[str, np.ndarray]:
    """Read a Paddle `paddle.save(state_dict)` file (`model_state.pdparams`) without running its pickle.

    The format (paddle 3.x and PaddleNLP `save_pretrained`) is a pickle (protocol 4 by default) of a
    dict `name -> numpy.ndarray` plus a `"StructuredToParameterName@@"` entry (dropped here). Also
    handled: tensors pickled as `(name, ndarray)` tuples (paddle.save of a non-state-dict object)
    and the `"UnpackBigParamInfor@@"` split of >1 GiB arrays written with protocol 2/3. Paddle
    stores bfloat16 as uint16 arrays; they are returned as float32 (exact upcast), as
    `paddle.load` would give bfloat16.

    Args:
        path: The `.pdparams` file.

    Returns:
        Parameter name -> numpy array.

    Raises:
        FileNotFoundError: `path` does not exist.
        UnsafeCheckpointError: the pickle references anything but numpy array globals.
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
        obj = _unpickle(handle, path, _pdparams_allowed())
    if not isinstance(obj, dict):
        raise CheckpointFormatError(f"{str(path)!r} holds a {type(obj).__name__}, not a state dict")
    obj = dict(obj)
    obj.pop(_PADDLE_NAME_TABLE_KEY, None)
    _join_paddle_splits(obj, path)
    for key, value in obj.items():
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], np.ndarray):
            value = value[1]  # (parameter name, data)
        if isinstance(value, np.ndarray) and value.dtype == np.uint16:
            value = _bf16_to_float32(value)
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
