"""Hostile-input suite (issue 8): small crafted files must give a clear error of this package, or a correct load.

Run on its own: `.venv/bin/python -m pytest tests/test_hostile_inputs.py`.

Every hostile file is built here (nothing binary is committed). Each case is loaded in a separate worker
process with a memory limit (RLIMIT_AS: the worker's size after importing the package plus
`HOSTILE_MEMORY_BUDGET`, 2 GiB) and a time limit (`HOSTILE_TIMEOUT`, 60 s). The cases run one at a time in one
long-lived worker, so the interpreter starts once; a case that crashes (segfault), hangs or is killed is
reported as such and the next case gets a fresh worker. The worker reports per case the exception's class,
its bases and message (or a summary of what loaded), the seconds taken and the peak resident memory the case
added (Linux `clear_refs`). To see what an older reader lets through, point HOSTILE_SERIALIZATION_FILE at
its serialization.py (e.g. `git show d9643dc~1:paddle_distilroberta/pretrained/serialization.py > /tmp/old.py`).

Areas: pickles that try to run code (a marker file proves nothing ran), pickles that change an object after it
was checked, resource bounds of the pickle reader (depth, steps, memo/key work, byte copies, message sizes),
torch zip archives (tensor layouts, shared storages, compressed records), safetensors headers (compared with
what the `safetensors` library accepts), and config files with absurd sizes.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import selectors
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from conftest import IN_CI, REPO_ROOT

HOSTILE_MEMORY_BUDGET = 2 * 2**30  # bytes a case may add to the worker's address space
HOSTILE_TIMEOUT = 60.0  # seconds per case
MiB = 2**20

PACKAGE_ERRORS = ("UnsafeCheckpointError", "CheckpointFormatError")

# --------------------------------------------------------------------------- the worker

_WORKER = r'''
import json, os, resource, sys, time

import numpy as np

from paddle_distilroberta.configuration import DistilRobertaConfig
from paddle_distilroberta.pretrained import serialization as ser

if os.environ.get("HOSTILE_SERIALIZATION_FILE"):  # run the suite against another version of the reader
    import importlib.util
    spec = importlib.util.spec_from_file_location("hostile_serialization", os.environ["HOSTILE_SERIALIZATION_FILE"])
    ser = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ser)


def status(key):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


limit = status("VmSize") + int(os.environ["HOSTILE_MEMORY_BUDGET"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def summarize(state):
    items = list(state.items())
    arrays = [np.asarray(v.numpy() if hasattr(v, "numpy") else v) for _, v in items]
    first = arrays[0] if arrays else None
    return {
        "count": len(items),
        "keys": [k[:80] for k, _ in items[:5]],
        "dtypes": sorted({str(a.dtype) for a in arrays}),
        "shapes": [list(a.shape) for a in arrays[:5]],
        "sums": [float(a.astype("float64").sum()) for a in arrays[:5]],
        "all_share_first": bool(first is not None and all(np.may_share_memory(a, first) for a in arrays)),
    }


def act(action, path):
    if action == "load":
        return summarize(ser.load_state_dict_file(path))
    if action == "iter_safetensors":
        return summarize(dict(ser.iter_safetensors(path)))
    if action == "safetensors_library":
        from safetensors.numpy import load_file
        return summarize(load_file(path))
    if action == "config":
        return {"num_hidden_layers": DistilRobertaConfig.from_pretrained(path).num_hidden_layers}
    if action == "shard_index":
        return {"count": len(ser.read_shard_index(path))}
    if action == "model":
        import paddle_distilroberta as pdr
        model = pdr.DistilRobertaModel.from_pretrained(path)
        return {"count": len(model.state_dict())}
    raise SystemExit("unknown action " + action)


print("@@READY", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # reset the peak-RSS counter (VmHWM) for this case
        baseline = status("VmRSS")
    except OSError:
        baseline = None
    started = time.perf_counter()
    try:
        result = {"outcome": "ok", "value": act(request["action"], request["path"])}
    except BaseException as err:  # noqa: B902 - everything is reported, nothing escapes
        message = str(err)
        result = {"outcome": "error", "type": type(err).__name__, "module": type(err).__module__,
                  "bases": [c.__name__ for c in type(err).__mro__], "message": message[:4000],
                  "message_len": len(message)}
    result["seconds"] = time.perf_counter() - started
    result["peak_growth"] = None if baseline is None else status("VmHWM") - baseline
    print("@@RESULT " + json.dumps(result), flush=True)
'''


class _Worker:
    """One long-lived process that loads files on request; restarted after a crash or a hang."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._buffer = b""
        self.log = []

    def _start(self) -> None:
        env = {**os.environ, "HOSTILE_MEMORY_BUDGET": str(HOSTILE_MEMORY_BUDGET), "PYTHONWARNINGS": "ignore"}
        self._proc = subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, cwd=REPO_ROOT, env=env)
        self._buffer = b""
        ready = self._read_line("@@READY", 120.0)
        assert ready is not None, "the hostile-input worker did not start"

    def _read_line(self, prefix: str, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        fd = self._proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                while b"\n" in self._buffer:
                    line, self._buffer = self._buffer.split(b"\n", 1)
                    text = line.decode("utf-8", "replace")
                    if text.startswith(prefix):
                        return text[len(prefix):].strip()
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return None
                self._buffer += chunk

    def run(self, action: str, path: Path, timeout: float = HOSTILE_TIMEOUT) -> dict:
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        self._proc.stdin.write((json.dumps({"action": action, "path": str(path)}) + "\n").encode())
        self._proc.stdin.flush()
        started = time.monotonic()
        line = self._read_line("@@RESULT ", timeout)
        if line is not None:
            result = json.loads(line)
        else:
            hung = self._proc.poll() is None
            if hung:
                self._proc.kill()
            code = self._proc.wait()
            result = {"outcome": "timeout" if hung else "crash", "returncode": code,
                      "seconds": time.monotonic() - started}
            self._proc = None
        self.log.append((action, path.name, result))
        return result

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


@pytest.fixture(scope="module")
def worker() -> Iterator[_Worker]:
    if not Path("/proc/self/status").exists():
        if IN_CI:
            pytest.fail("the hostile-input worker reads /proc: CI must run on Linux")
        pytest.skip("the hostile-input worker reads /proc (Linux)")
    runner = _Worker()
    yield runner
    runner.close()


def assert_refused(result: dict, match: str, errors: tuple = PACKAGE_ERRORS, max_seconds: float = 20.0,
                   max_peak: int = 512 * MiB) -> None:
    """A clear error of this package's own type, quickly, with a short message and bounded memory."""
    assert result["outcome"] == "error", result
    assert result["type"] in errors and "DistilRobertaError" in result["bases"], result
    assert result["module"] == "paddle_distilroberta.errors", result
    assert re.search(match, result["message"], re.S), (match, result["message"])
    assert result["message_len"] < 2000, result["message_len"]  # never the repr of a big object
    assert result["seconds"] < max_seconds, result
    if result["peak_growth"] is not None:
        assert result["peak_growth"] < max_peak, result


def assert_loaded(result: dict, max_peak: int = 512 * MiB) -> dict:
    assert result["outcome"] == "ok", result
    if result["peak_growth"] is not None:
        assert result["peak_growth"] < max_peak, result
    return result["value"]


# --------------------------------------------------------------------------- pickle building blocks


def _str(text: str) -> bytes:
    raw = text.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def _int(value: int) -> bytes:
    return pickle.BININT + struct.pack("<i", value)


def _long(value: int) -> bytes:
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "little", signed=True)
    return pickle.LONG1 + bytes([len(raw)]) + raw


def _global(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def _ints(values: tuple) -> bytes:
    return pickle.MARK + b"".join(_long(v) for v in values) + pickle.TUPLE


def _put(index: int) -> bytes:
    return pickle.LONG_BINPUT + struct.pack("<I", index)


def _get(index: int) -> bytes:
    return pickle.LONG_BINGET + struct.pack("<I", index)


def _bytes(raw: bytes) -> bytes:
    return pickle.BINBYTES + struct.pack("<I", len(raw)) + raw


def _dict_of(items: bytes) -> bytes:
    """A protocol-2 pickle of a dict filled by `items` (key/value opcodes)."""
    return pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + pickle.MARK + items + pickle.SETITEMS + pickle.STOP


def _np_dtype(code: str = "f4", state: tuple = (3, "<", None, None, None, -1, -1, 0)) -> bytes:
    """numpy.dtype(code, False, True) followed by BUILD(state), as numpy pickles a dtype."""
    out = _global("numpy", "dtype") + _str(code) + pickle.NEWFALSE + pickle.NEWTRUE + pickle.TUPLE3 + pickle.REDUCE
    return out + pickle.MARK + b"".join(_scalar(v) for v in state) + pickle.TUPLE + pickle.BUILD


def _scalar(value: Any) -> bytes:
    if value is None:
        return pickle.NONE
    if isinstance(value, str):
        return _str(value)
    if isinstance(value, tuple):
        return pickle.MARK + b"".join(_scalar(v) for v in value) + pickle.TUPLE
    return _long(value)


def _np_array_head() -> bytes:
    """numpy.core.multiarray._reconstruct(ndarray, (0,), b'b'): an array waiting for its BUILD."""
    return (_global("numpy.core.multiarray", "_reconstruct") + _global("numpy", "ndarray") + _int(0) + pickle.TUPLE1
            + _bytes(b"b") + pickle.TUPLE3 + pickle.REDUCE)


def _np_array_state(shape: tuple, dtype: bytes, data: bytes) -> bytes:
    return pickle.MARK + _int(1) + _ints(shape) + dtype + pickle.NEWFALSE + _bytes(data) + pickle.TUPLE + pickle.BUILD


class _Exploit:
    """Pickles to a call of `func(*args)`; plain pickle.load would run it."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _exploits(marker: Path) -> dict:
    touch = f"open({str(marker)!r}, 'w').write('pwned')"
    return {
        "os.system": _Exploit(os.system, f"touch {marker}"),
        "builtins.eval": _Exploit(eval, touch),
        "builtins.exec": _Exploit(exec, touch),
        "subprocess.Popen": _Exploit(subprocess.Popen, ["touch", str(marker)]),
        "getattr_chain": _Exploit(getattr, _Exploit(__import__, "os"), "system"),
    }


# --------------------------------------------------------------------------- torch zip building blocks


def _rebuild(storage_key: str, storage_type: str, numel: int, offset: int, size: tuple, stride: tuple) -> bytes:
    """torch._utils._rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())."""
    out = _global("torch._utils", "_rebuild_tensor_v2") + pickle.MARK
    out += pickle.MARK + _str("storage") + _global("torch", storage_type) + _str(storage_key) + _str("cpu")
    out += _long(numel) + pickle.TUPLE + pickle.BINPERSID
    out += _long(offset) + _ints(size) + _ints(stride) + pickle.NEWFALSE
    out += _global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE
    return out + pickle.TUPLE + pickle.REDUCE


def _torch_zip(path: Path, data_pkl: bytes, storages: dict, compress: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", "little")
        for key, raw in storages.items():
            archive.writestr(f"archive/data/{key}", raw, compress_type=compress)
        archive.writestr("archive/version", "3\n")
    return path


def _raw_zip(path: Path, entries: list) -> Path:
    """A zip written by hand, so that a record may promise sizes its data does not have (ZIP64 extras).

    entries: (name, data as stored, method, uncompressed size, crc32).
    """
    local, central = b"", b""
    for name, data, method, size, crc in entries:
        raw_name = name.encode()
        extra = struct.pack("<HHQQ", 1, 16, size, len(data))
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                             len(raw_name), len(extra))
        offset = len(local)
        local += header + raw_name + extra + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(raw_name), len(extra), 0, 0, 0, 0, offset) + raw_name + extra
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0)
    path.write_bytes(local + central + end)
    return path


def _deflate_zeros(total: int, chunk: int = MiB) -> bytes:
    """A raw deflate stream of `total` zero bytes, built without compressing them all: after a full flush,
    every 1 MiB chunk of zeros compresses to the same bytes, which are repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH) == middle
    last = compressor.compress(zeros) + compressor.flush(zlib.Z_FINISH)
    return first + middle * (total // chunk - 3) + middle + last


# =========================================================================== code execution


@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "builtins.exec", "subprocess.Popen", "getattr_chain"])
def test_bin_pickle_cannot_run_code(worker, tmp_path, kind):
    marker = tmp_path / "PWNED"
    path = _torch_zip(tmp_path / "evil.bin", pickle.dumps({"w": _exploits(marker)[kind]}, protocol=2), {})
    assert_refused(worker.run("load", path), r"evil\.bin.*(global|opcode)", errors=("UnsafeCheckpointError",))
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "builtins.exec", "subprocess.Popen", "getattr_chain"])
@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pdparams_pickle_cannot_run_code(worker, tmp_path, kind, protocol):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.pdparams"
    path.write_bytes(pickle.dumps({"w": np.ones(2, "float32"), "x": _exploits(marker)[kind]}, protocol=protocol))
    assert_refused(worker.run("load", path), r"evil\.pdparams.*(global|opcode)", errors=("UnsafeCheckpointError",))
    assert not marker.exists()


@pytest.mark.parametrize("case", ["inst", "obj", "newobj", "ext1", "call_ndarray_class", "numpy_gadget", "torch_in_pdparams"])
def test_pdparams_object_building_opcodes_are_refused(worker, tmp_path, case):
    marker = tmp_path / "PWNED"
    blobs = {
        # protocol 0 INST: os.system('touch marker')
        "inst": b"(S'touch " + str(marker).encode() + b"'\nios\nsystem\n.",
        "obj": b"\x80\x02(" + _global("os", "system") + _str(f"touch {marker}") + b"o.",
        "newobj": b"\x80\x02" + _global("collections", "OrderedDict") + b")\x81.",
        "ext1": b"\x80\x02\x82\x01.",
        # numpy.ndarray((2**33,)) would allocate 64 GiB if the class could be called
        "call_ndarray_class": b"\x80\x02" + _global("numpy", "ndarray") + _ints((2**33,)) + pickle.TUPLE1 + b"R.",
        "numpy_gadget": b"\x80\x02" + _global("numpy.testing._private.utils", "runstring")
        + _str(f"open({str(marker)!r}, 'w')") + pickle.EMPTY_DICT + pickle.TUPLE2 + b"R.",
        "torch_in_pdparams": b"\x80\x02" + _global("torch._utils", "_rebuild_tensor_v2") + b").",
    }
    path = tmp_path / "evil.pdparams"
    path.write_bytes(blobs[case])
    assert_refused(worker.run("load", path), r"evil\.pdparams.*(opcode|global|may call)", errors=("UnsafeCheckpointError",))
    assert not marker.exists()


# =========================================================================== no change after a check


def _pdparams(tmp_path: Path, body: bytes, name: str = "m.pdparams") -> Path:
    path = tmp_path / name
    path.write_bytes(body)
    return path


def test_pdparams_dtype_cannot_change_after_its_array_was_built(worker, tmp_path):
    """The issue's segfault: BUILD on a numpy dtype already used by an array (elsize 4 -> 1 MiB, object flag)."""
    items = _str("w") + _np_array_head() + _np_array_state((2,), _np_dtype() + _put(7), b"\0" * 8)
    items += _get(7) + pickle.MARK + b"".join(_scalar(v) for v in (3, "|", None, None, None, 2**20, 1, 0x3F))
    items += pickle.TUPLE + pickle.BUILD + pickle.POP
    result = worker.run("load", _pdparams(tmp_path, _dict_of(items)))
    assert_refused(result, r"m\.pdparams.*sets the state.*BUILD", errors=("UnsafeCheckpointError",))


@pytest.mark.parametrize("state", [(3, "<", None, None, None, 2**20, 1, 0), (3, "|", None, None, None, -1, -1, 0x3F),
                                   (3, "<", None, ("a",), None, -1, -1, 0), (4, "<", None, None, None, -1, -1, 0)])
def test_pdparams_dtype_state_must_be_a_plain_number_type(worker, tmp_path, state):
    items = _str("w") + _np_array_head() + _np_array_state((2,), _np_dtype("f4", state), b"\0" * 8)
    result = worker.run("load", _pdparams(tmp_path, _dict_of(items)))
    assert_refused(result, r"m\.pdparams.*dtype state", errors=("UnsafeCheckpointError",))


def test_pdparams_array_state_cannot_be_set_twice(worker, tmp_path):
    items = _str("w") + _np_array_head() + _np_array_state((2,), _np_dtype(), b"\0" * 8)
    items += _np_array_state((2**20,), _np_dtype(), b"\0" * 8)
    result = worker.run("load", _pdparams(tmp_path, _dict_of(items)))
    assert_refused(result, r"m\.pdparams.*sets the state", errors=("UnsafeCheckpointError",))


def test_pdparams_array_size_must_match_its_bytes(worker, tmp_path):
    """An array claiming 2**31 float32 over 8 bytes: refused before numpy sees it (no read past the buffer)."""
    items = _str("w") + _np_array_head() + _np_array_state((2**31,), _np_dtype(), b"\0" * 8)
    assert_refused(worker.run("load", _pdparams(tmp_path, _dict_of(items))), r"m\.pdparams.*needs 8589934592 bytes")


def test_pdparams_object_dtype_is_refused(worker, tmp_path):
    path = _pdparams(tmp_path, pickle.dumps({"w": np.array([1, "x"], dtype=object)}, protocol=4))
    assert_refused(worker.run("load", path), r"m\.pdparams.*object", errors=("UnsafeCheckpointError",))


@pytest.mark.parametrize("case", ["build_on_list", "build_on_tuple", "append_after_use", "self_cycle", "setitem_after_use"])
def test_pdparams_no_setstate_or_mutation_after_use(worker, tmp_path, case):
    bodies = {
        "build_on_list": pickle.EMPTY_LIST + pickle.EMPTY_DICT + pickle.BUILD,
        "build_on_tuple": pickle.EMPTY_TUPLE + pickle.EMPTY_DICT + pickle.BUILD,
        "append_after_use": pickle.EMPTY_LIST + _put(1) + pickle.TUPLE1 + pickle.POP + _get(1) + pickle.NONE + pickle.APPEND,
        "self_cycle": pickle.EMPTY_LIST + _put(1) + _get(1) + pickle.APPEND,
        "setitem_after_use": pickle.EMPTY_DICT + _put(1) + pickle.TUPLE1 + pickle.POP + _get(1) + _str("k")
        + pickle.NONE + pickle.SETITEM,
    }
    path = _pdparams(tmp_path, b"\x80\x02" + bodies[case] + pickle.STOP)
    assert_refused(worker.run("load", path), r"m\.pdparams.*(BUILD|after it was used|inside itself)",
                   errors=("UnsafeCheckpointError",))


# =========================================================================== bounds of the pickle reader


def test_pdparams_two_million_deep_tuple_is_a_clean_error(worker, tmp_path):
    """Used to segfault (recursive hash/repr/free of a 2-million-deep tuple)."""
    body = b"\x80\x02" + pickle.EMPTY_TUPLE + pickle.TUPLE1 * 2_000_000 + pickle.STOP
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*deeper than", max_seconds=5,
                   errors=("UnsafeCheckpointError",))


def test_pdparams_two_million_deep_list_is_a_clean_error(worker, tmp_path):
    body = b"\x80\x02" + (pickle.MARK) * 2_000_000 + pickle.LIST * 2_000_000 + pickle.STOP
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*deeper than", max_seconds=10,
                   errors=("UnsafeCheckpointError",))


def _shared_tuple(levels: int) -> bytes:
    """t0 = (); t(i+1) = (t(i), t(i)): 2**levels leaves behind 2 * levels opcodes."""
    return pickle.EMPTY_TUPLE + (pickle.DUP + pickle.TUPLE2) * levels


def test_pdparams_2_pow_60_shared_tuple_key_does_not_hang(worker, tmp_path):
    """Hashing (or comparing, or printing) a key made of 2**60 shared tuples used to hang."""
    body = _dict_of(_shared_tuple(30) + _str("v"))
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*dict key", max_seconds=5,
                   errors=("UnsafeCheckpointError",))
    body = _dict_of(_str("w") + _shared_tuple(60))  # a value: refused as not a tensor, printed briefly
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*(not tensors|deeper)", max_seconds=5)


def test_pdparams_step_limit(worker, tmp_path):
    body = b"\x80\x02" + (pickle.NONE + pickle.POP) * 3_000_000 + pickle.NONE + pickle.STOP
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*steps", max_seconds=20,
                   errors=("UnsafeCheckpointError",))


def test_pdparams_item_copy_amplification_is_bounded(worker, tmp_path):
    """tuple(list of 1,000,000 items) called 10,000 times would be 10**10 copies."""
    big_list = pickle.EMPTY_LIST + _put(1) + pickle.MARK + pickle.NONE * 1_000_000 + pickle.APPENDS
    args = _get(1) + pickle.TUPLE1 + _put(2) + pickle.POP + pickle.POP
    call = _global("builtins", "tuple") + _put(3) + pickle.POP + (_get(3) + _get(2) + pickle.REDUCE + pickle.POP) * 10_000
    body = b"\x80\x02" + big_list + args + call + pickle.NONE + pickle.STOP
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*steps", max_seconds=20,
                   errors=("UnsafeCheckpointError",))


def test_pdparams_byte_copy_amplification_is_bounded(worker, tmp_path):
    """_codecs.encode of one memoized 32 MB string, 200 times, would copy 6.4 GB."""
    text = "a" * (32 * MiB)
    body = b"\x80\x02" + _str(text) + pickle.TUPLE1 + _put(1) + pickle.POP + _global("_codecs", "encode") + _put(2)
    body += pickle.POP + (_get(2) + _get(1) + pickle.REDUCE) * 200 + pickle.STOP
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*copies more bytes",
                   errors=("UnsafeCheckpointError",), max_peak=1024 * MiB)


@pytest.mark.parametrize("case", ["long4_megabyte_int", "binbytes8_claims_exabytes", "binunicode_past_end",
                                  "text_int_line_too_long", "truncated", "empty", "not_a_pickle", "unknown_opcode",
                                  "memo_get_missing", "stack_underflow"])
def test_pdparams_malformed_pickles_give_clear_errors(worker, tmp_path, case):
    bodies = {
        "long4_megabyte_int": b"\x80\x02\x8b" + struct.pack("<i", MiB) + b"\x01" * MiB + b".",
        "binbytes8_claims_exabytes": b"\x80\x04\x8e" + struct.pack("<Q", 2**62) + b"xx.",
        "binunicode_past_end": b"\x80\x02X" + struct.pack("<I", 2**31) + b"abc",
        "text_int_line_too_long": b"I" + b"9" * MiB + b"\n.",
        "truncated": pickle.dumps({"w": np.ones(100, "float32")}, protocol=4)[:-50],
        "empty": b"",
        "not_a_pickle": b"hello, I am a text file\n",
        "unknown_opcode": b"\x80\x02\xff.",
        "memo_get_missing": b"\x80\x02h\x07.",
        "stack_underflow": b"\x80\x02\x86.",
    }
    result = worker.run("load", _pdparams(tmp_path, bodies[case]))
    assert_refused(result, r"m\.pdparams", max_peak=256 * MiB)


def test_refusal_message_of_a_huge_object_is_short_and_fast(worker, tmp_path):
    """A 64 MB string key and value in a refusal message: printed as a short prefix only."""
    big = "k" * (64 * MiB)
    body = _dict_of(_str(big) + _str(big))
    result = worker.run("load", _pdparams(tmp_path, body))
    assert_refused(result, r"m\.pdparams.*not tensors.*67108864 characters", max_peak=1024 * MiB)


def test_pdparams_array_under_1000_names_is_not_copied(worker, tmp_path):
    """One 16 MB array memoized and stored under 1,000 names: loads once (16 GB if copied per name)."""
    data = np.arange(4 * MiB, dtype="<f4").tobytes()
    items = _str("name0") + _np_array_head() + _np_array_state((4 * MiB,), _np_dtype(), data) + _put(5)
    items += b"".join(_str(f"name{i}") + _get(5) for i in range(1, 1000))
    value = assert_loaded(worker.run("load", _pdparams(tmp_path, _dict_of(items))), max_peak=256 * MiB)
    assert value["count"] == 1000 and value["all_share_first"]
    assert value["sums"][0] == float(np.arange(4 * MiB, dtype="float64").sum())


def test_real_paddle_save_loads(worker, tmp_path):
    """The reader still reads what paddle.save writes (all protocols), with the right values."""
    state = {"w": np.arange(6, dtype="float32").reshape(2, 3), "ids": np.array([[1, 2]], dtype="int64")}
    for protocol in (2, 4, 5):
        path = _pdparams(tmp_path, pickle.dumps(state, protocol=protocol), f"p{protocol}.pdparams")
        value = assert_loaded(worker.run("load", path))
        assert value["count"] == 2 and value["sums"] == [15.0, 3.0], protocol


# =========================================================================== torch zip archives


def test_bin_stride_zero_storage_of_4_bytes_cannot_claim_10_gb(worker, tmp_path):
    pkl = _dict_of(_str("w") + _rebuild("0", "FloatStorage", 1, 0, (2_684_354_560,), (0,)))
    path = _torch_zip(tmp_path / "m.bin", pkl, {"0": b"\0" * 4})
    assert_refused(worker.run("load", path), r"m\.bin.*broadcast view is refused", max_peak=64 * MiB)


@pytest.mark.parametrize("layout, match", [
    ((4, 10, (1,), (1,)), "reads past its storage"),
    ((4, 0, (5,), (1,)), "reads past its storage"),
    ((4, 0, (2, 2), (2**61, 1)), "reads past its storage"),
    ((4, 0, (2,), (-1,)), "invalid tensor layout"),
    ((4, -1, (2,), (1,)), "invalid tensor layout"),
    ((4, 0, (2, 2), (1,)), "invalid tensor layout"),
    ((4, 0, (1,) * 40, (1,) * 40), "tuple of ints"),
    ((2**40, 0, (2**40,), (1,)), "fewer than its 1099511627776 elements"),
])
def test_bin_layout_is_checked_against_the_storage_before_any_allocation(worker, tmp_path, layout, match):
    numel, offset, size, stride = layout
    path = _torch_zip(tmp_path / "m.bin", _dict_of(_str("w") + _rebuild("0", "FloatStorage", numel, offset, size, stride)),
                      {"0": b"\0" * 16})
    assert_refused(worker.run("load", path), rf"m\.bin.*{match}", max_peak=64 * MiB)


def test_bin_tensor_under_1000_names_is_not_copied(worker, tmp_path):
    """One 16 MB tensor (memoized) referenced under 1,000 names: its storage once, every name a view."""
    numel = 4 * MiB
    items = _str("name0") + _rebuild("0", "FloatStorage", numel, 0, (numel,), (1,)) + _put(9)
    items += b"".join(_str(f"name{i}") + _get(9) for i in range(1, 1000))
    path = _torch_zip(tmp_path / "m.bin", _dict_of(items), {"0": np.ones(numel, "<f4").tobytes()})
    value = assert_loaded(worker.run("load", path), max_peak=256 * MiB)
    assert value["count"] == 1000 and value["all_share_first"] and value["sums"][0] == numel


def test_bin_1000_views_of_one_storage_are_not_copied(worker, tmp_path):
    """1,000 separately rebuilt tensors over one 16 MB storage (tied weights taken to the extreme)."""
    numel = 4 * MiB
    items = b"".join(_str(f"name{i}") + _rebuild("0", "FloatStorage", numel, 0, (2048, 2048), (2048, 1))
                     for i in range(1000))
    path = _torch_zip(tmp_path / "m.bin", _dict_of(items), {"0": np.ones(numel, "<f4").tobytes()})
    value = assert_loaded(worker.run("load", path), max_peak=256 * MiB)
    assert value["count"] == 1000 and value["all_share_first"] and value["shapes"][0] == [2048, 2048]


def test_bin_expanded_view_within_its_storage_loads(worker, tmp_path):
    """transformers' position_ids buffer is arange(n).expand((1, -1)): stride 0 over one row. It loads."""
    items = _str("position_ids") + _rebuild("0", "LongStorage", 8, 0, (1, 8), (0, 1))
    path = _torch_zip(tmp_path / "m.bin", _dict_of(items), {"0": np.arange(8, dtype="<i8").tobytes()})
    value = assert_loaded(worker.run("load", path))
    assert value["shapes"] == [[1, 8]] and value["sums"] == [28.0] and value["dtypes"] == ["int64"]


def test_bin_zip_bomb_8mb_record_expanding_to_8gib_is_refused(worker, tmp_path):
    """A deflated storage record of ~8 MB that expands to 8 GiB, for a tensor that claims all of it."""
    total = 8 * 2**30
    stream = _deflate_zeros(total)
    assert len(stream) < 10 * MiB
    pkl = _dict_of(_str("w") + _rebuild("0", "FloatStorage", total // 4, 0, (total // 4,), (1,)))
    path = _raw_zip(tmp_path / "bomb.bin", [
        ("archive/data.pkl", pkl, 0, len(pkl), zlib.crc32(pkl)),
        ("archive/byteorder", b"little", 0, 6, zlib.crc32(b"little")),
        ("archive/data/0", stream, 8, total, 0),
    ])
    assert_refused(worker.run("load", path), r"bomb\.bin.*zip bomb", errors=("UnsafeCheckpointError",),
                   max_peak=128 * MiB)


def test_bin_data_pkl_promising_gigabytes_is_refused(worker, tmp_path):
    stream = _deflate_zeros(1 * 2**30)
    path = _raw_zip(tmp_path / "bomb.bin", [("archive/data.pkl", stream, 8, 2**30, 0)])
    assert_refused(worker.run("load", path), r"bomb\.bin.*data\.pkl claims", errors=("UnsafeCheckpointError",),
                   max_peak=128 * MiB)


def test_bin_record_promising_more_than_the_file_holds_is_refused(worker, tmp_path):
    """A stored record claiming 8 GiB in a 1 KB file: refused before zipfile asks the OS for 8 GiB."""
    pkl = _dict_of(_str("w") + _rebuild("0", "FloatStorage", 2**31, 0, (2**31,), (1,)))
    path = _raw_zip(tmp_path / "short.bin", [("archive/data.pkl", pkl, 0, len(pkl), zlib.crc32(pkl)),
                                             ("archive/data/0", b"\0" * 64, 0, 8 * 2**30, 0)])
    assert_refused(worker.run("load", path), r"short\.bin.*(more than the archive holds|truncated)", max_peak=64 * MiB)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bin_exotic_zip_compression_is_refused(worker, tmp_path, method):
    pkl = _dict_of(_str("w") + _rebuild("0", "FloatStorage", 4, 0, (4,), (1,)))
    path = _torch_zip(tmp_path / "m.bin", pkl, {"0": b"\0" * 16}, compress=method)
    assert_refused(worker.run("load", path), r"m\.bin.*compression method", errors=("UnsafeCheckpointError",))


def test_bin_deflated_record_with_plausible_ratio_loads(worker, tmp_path):
    raw = np.random.default_rng(0).standard_normal(1000).astype("<f4")
    pkl = _dict_of(_str("w") + _rebuild("0", "FloatStorage", 1000, 0, (1000,), (1,)))
    path = _torch_zip(tmp_path / "m.bin", pkl, {"0": raw.tobytes()}, compress=zipfile.ZIP_DEFLATED)
    value = assert_loaded(worker.run("load", path))
    assert value["sums"][0] == pytest.approx(float(raw.astype("float64").sum()), rel=1e-6)


@pytest.mark.parametrize("case", ["not_a_zip", "truncated_zip", "corrupt_central_directory", "legacy_magic",
                                  "no_data_pkl", "storage_record_missing", "storage_too_short",
                                  "storage_retyped", "persistent_id_not_storage", "non_scalar_storage_key"])
def test_bin_malformed_archives_give_clear_errors(worker, tmp_path, case):
    path = tmp_path / "m.bin"
    good = _dict_of(_str("w") + _rebuild("0", "FloatStorage", 4, 0, (4,), (1,)))
    if case == "not_a_zip":
        path.write_bytes(b"PK\x03\x04 but not really a zip")
    elif case in ("truncated_zip", "corrupt_central_directory"):
        _torch_zip(path, good, {"0": b"\0" * 16})
        data = path.read_bytes()
        if case == "truncated_zip":
            path.write_bytes(data[: len(data) // 2])
        else:
            cd = data.rfind(b"PK\x01\x02")
            path.write_bytes(data[:cd] + b"\xff" * 30 + data[cd + 30:])
    elif case == "legacy_magic":
        path.write_bytes(b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19" + b"\0" * 100)
    elif case == "no_data_pkl":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("archive/other.pkl", b"x")
    elif case == "storage_record_missing":
        _torch_zip(path, good, {})
    elif case == "storage_too_short":
        _torch_zip(path, good, {"0": b"\0" * 8})
    elif case == "storage_retyped":
        items = _str("a") + _rebuild("0", "ByteStorage", 4, 0, (4,), (1,))
        items += _str("b") + _rebuild("0", "DoubleStorage", 4, 0, (4,), (1,))
        _torch_zip(path, _dict_of(items), {"0": b"\0" * 32})
    elif case == "persistent_id_not_storage":
        _torch_zip(path, b"\x80\x02" + _str("hello") + pickle.BINPERSID + pickle.STOP, {})
    else:
        items = _str("w") + _global("torch._utils", "_rebuild_tensor_v2") + pickle.MARK + pickle.MARK + _str("storage")
        items += _global("torch", "FloatStorage") + _shared_tuple(60) + _str("cpu") + _long(4) + pickle.TUPLE
        items += pickle.BINPERSID + _long(0) + _ints((4,)) + _ints((1,)) + pickle.TUPLE + pickle.REDUCE
        _torch_zip(path, _dict_of(items), {"0": b"\0" * 16})
    assert_refused(worker.run("load", path), r"m\.bin", max_peak=64 * MiB)


# =========================================================================== safetensors headers


def _safetensors(path: Path, header: Any, data: bytes, raw_header: bytes | None = None,
                 declared: int | None = None) -> Path:
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if declared is None else declared) + text + data)
    return path


F4 = np.arange(4, dtype="<f4").tobytes()  # 16 bytes: 0, 1, 2, 3


def _entry(dtype: str = "F32", shape: Any = (4,), offsets: Any = (0, 16)) -> dict:
    return {"dtype": dtype, "shape": list(shape) if isinstance(shape, tuple) else shape,
            "data_offsets": list(offsets) if isinstance(offsets, tuple) else offsets}


_BAD_HEADERS = {
    # layout: the safetensors library refuses each of these as well
    "overlapping_offsets": ({"a": _entry(), "b": _entry()}, F4, "without gaps or overlaps"),
    "duplicate_name": (None, F4, "twice"),
    "gap_before_tensor": ({"a": _entry(shape=(3,), offsets=(4, 16))}, F4, "without gaps or overlaps"),
    "trailing_bytes": ({"a": _entry()}, F4 + b"\0" * 4, "cover 16 bytes of a 20-byte"),
    "short_data": ({"a": _entry()}, F4[:8], "cover 16 bytes of a 8-byte|without gaps"),
    "size_not_shape_times_dtype": ({"a": _entry(shape=(5,))}, F4, "needs 20 bytes"),
    "huge_shape_small_offsets": ({"a": _entry(shape=(2**40, 2**40))}, F4, "needs"),
    "end_before_begin": ({"a": _entry(offsets=(16, 0))}, F4, "without gaps or overlaps"),
    # schema: types of each field
    "shape_is_a_string": ({"a": _entry(shape="4")}, F4, "shape"),
    "shape_has_a_float": ({"a": _entry(shape=[4.0])}, F4, "shape"),
    "shape_has_a_negative": ({"a": _entry(shape=[-4])}, F4, "shape"),
    "shape_has_a_bool": ({"a": _entry(shape=[True, 4])}, F4, "shape"),
    "offsets_of_three": ({"a": _entry(offsets=[0, 16, 16])}, F4, "data_offsets"),
    "offsets_are_strings": ({"a": _entry(offsets=["0", "16"])}, F4, "data_offsets"),
    "dtype_unknown": ({"a": _entry(dtype="f32")}, F4, "unknown dtype"),
    "dtype_not_a_string": ({"a": _entry(dtype=3)}, F4, "unknown dtype"),
    "entry_not_an_object": ({"a": [1, 2]}, F4, "not an object"),
    "entry_missing_field": ({"a": {"dtype": "F32", "shape": [4]}}, F4, "lacks"),
    "metadata_not_strings": ({"__metadata__": {"x": 1}, "a": _entry()}, F4, "__metadata__"),
    # the header itself
    "header_not_json": (None, F4, "corrupt safetensors header"),
    "header_not_utf8": (None, F4, "corrupt safetensors header"),
    "header_is_a_list": (None, F4, "corrupt safetensors header"),
    "header_deeply_nested": (None, F4, "corrupt safetensors header"),
    "header_length_past_end": (None, F4, "truncated"),
    "header_length_over_100mb": (None, F4, "more than the 100000000"),
    "file_of_4_bytes": (None, b"", "truncated"),
}
_RAW_HEADERS = {
    "duplicate_name": b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],'
                      b'"data_offsets":[8,16]}}',
    "header_not_json": b'{"a": nope}',
    "header_not_utf8": b'{"\xff\xfe": 1}',
    "header_is_a_list": b"[1, 2]",
    "header_deeply_nested": b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("case", sorted(_BAD_HEADERS))
def test_safetensors_malformed_header_is_refused_as_the_library_refuses(worker, tmp_path, case):
    header, data, match = _BAD_HEADERS[case]
    path = tmp_path / "m.safetensors"
    if case == "header_length_past_end":
        _safetensors(path, {"a": _entry()}, F4, declared=10**6)
    elif case == "header_length_over_100mb":
        _safetensors(path, {"a": _entry()}, F4, declared=2**40)
    elif case == "file_of_4_bytes":
        path.write_bytes(b"\x10\0\0\0")
    else:
        _safetensors(path, header, data, raw_header=_RAW_HEADERS.get(case))
    result = worker.run("iter_safetensors", path)
    assert_refused(result, rf"m\.safetensors.*({match})", errors=("CheckpointFormatError",), max_peak=64 * MiB)
    assert worker.run("load", path)["type"] == "CheckpointFormatError"
    library = worker.run("safetensors_library", path)
    assert library["outcome"] == "error", f"the safetensors library accepts {case}: {library}"


def test_safetensors_identical_duplicate_is_refused_too(worker, tmp_path):
    """The library keeps the last of two identical entries; a name given twice is refused here regardless."""
    raw = b'{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}'
    path = _safetensors(tmp_path / "m.safetensors", None, F4, raw_header=raw)
    assert_refused(worker.run("iter_safetensors", path), r"m\.safetensors names 'a' twice")


def test_safetensors_dtype_known_to_the_format_but_not_loaded_is_named(worker, tmp_path):
    path = _safetensors(tmp_path / "m.safetensors", {"a": _entry(dtype="F8_E4M3", shape=(16,))}, F4)
    assert_refused(worker.run("iter_safetensors", path), r"dtype F8_E4M3, which this package does not load")


def test_safetensors_i32_header_over_float_bytes_stays_int32(worker, tmp_path):
    """The header's dtype is the tensor's dtype: I32 bytes are read as int32, never cast to float."""
    path = _safetensors(tmp_path / "m.safetensors", {"a": _entry(dtype="I32")}, F4)
    value = assert_loaded(worker.run("iter_safetensors", path))
    assert value["dtypes"] == ["int32"]
    assert value["sums"] == [float(np.frombuffer(F4, "<i4").astype("float64").sum())]


def test_safetensors_valid_edge_cases_load_like_the_library(worker, tmp_path):
    header = {"__metadata__": None, "empty": _entry(shape=(0, 3), offsets=(0, 0)), "a": _entry()}
    path = _safetensors(tmp_path / "m.safetensors", header, F4)
    ours, library = assert_loaded(worker.run("iter_safetensors", path)), assert_loaded(worker.run("safetensors_library", path))
    assert ours["count"] == library["count"] == 2
    path = _safetensors(tmp_path / "e.safetensors", {}, b"")
    assert assert_loaded(worker.run("iter_safetensors", path))["count"] == 0


# =========================================================================== config files and shard indexes


@pytest.mark.parametrize("field, value, match", [
    ("num_hidden_layers", 1e6, "num_hidden_layers must be a positive integer, got 1000000.0"),
    ("num_hidden_layers", 10**6, "num_hidden_layers=1000000 is above its limit"),
    ("num_labels", 1e9, "num_labels must be a positive integer"),
    ("num_labels", 10**9, "num_labels=1000000000 is above its limit"),
    ("num_labels", 0, "num_labels must be a positive integer, got 0"),
    ("hidden_dropout_prob", "0.1", "hidden_dropout_prob must be a real number"),
    ("vocab_size", 10**15, "vocab_size=1000000000000000 is above its limit"),
])
def test_config_file_with_absurd_sizes_fails_fast(worker, tmp_path, field, value, match):
    config = {"model_type": "roberta", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
              "num_attention_heads": 4, "intermediate_size": 37, "max_position_embeddings": 20, field: value}
    (tmp_path / "config.json").write_text(json.dumps(config))
    result = worker.run("config", tmp_path / "config.json")
    assert_refused(result, match, errors=("ConfigError",), max_seconds=2, max_peak=64 * MiB)


def test_shard_index_cannot_point_outside_its_folder(worker, tmp_path):
    index = tmp_path / "model.safetensors.index.json"
    index.write_text(json.dumps({"weight_map": {"w": "../../etc/passwd"}}))
    assert_refused(worker.run("shard_index", index), r"not a plain file name", errors=("UnsafeCheckpointError",))


def test_safetensors_header_that_would_take_gigabytes_to_parse_is_refused_first(worker, tmp_path):
    """A 90 MB header of `[{},{},...]` (under the format's 100 MB cap) takes ~2 GB as Python objects."""
    raw = b'{"a":[' + b"{}," * (30 * MiB) + b"{}]}"
    path = _safetensors(tmp_path / "m.safetensors", None, b"", raw_header=raw)
    assert_refused(worker.run("iter_safetensors", path), r"m\.safetensors.*would take about \d+ MiB to parse",
                   errors=("CheckpointFormatError",), max_seconds=5, max_peak=256 * MiB)


def test_pdparams_container_count_is_bounded(worker, tmp_path):
    """4 MB of EMPTY_DICT/POP would keep 2,000,000 dicts alive (~400 MB) until the load ends."""
    body = b"\x80\x02" + (pickle.EMPTY_DICT + pickle.POP) * 2_000_000 + pickle.NONE + pickle.STOP
    assert_refused(worker.run("load", _pdparams(tmp_path, body)), r"m\.pdparams.*more than 1000000 lists",
                   errors=("UnsafeCheckpointError",), max_peak=384 * MiB)


def test_shard_index_deeply_nested_json_is_a_clean_error(worker, tmp_path):
    index = tmp_path / "model.safetensors.index.json"
    index.write_text('{"weight_map": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert_refused(worker.run("shard_index", index), r"model\.safetensors\.index\.json", errors=("CheckpointFormatError",))


def test_model_refuses_float_weights_typed_i32_instead_of_casting(worker, tmp_path):
    """A header typing float weights as I32: the reader gives int32 (checked above); the model must not cast it."""
    source = REPO_ROOT / "tests" / "fixtures" / "models" / "RobertaModel"
    raw = (source / "model.safetensors").read_bytes()
    length = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + length])
    header["embeddings.LayerNorm.weight"]["dtype"] = "I32"
    text = json.dumps(header).encode()
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "config.json").write_bytes((source / "config.json").read_bytes())
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + raw[8 + length:])
    assert_refused(worker.run("model", folder), r"embeddings\.LayerNorm\.weight.*int32", errors=("WeightMappingError",))
