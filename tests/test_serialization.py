"""Checkpoint file reading/writing (paddle_distilroberta.pretrained.serialization), without torch.

Torch `.bin` fixtures come from scripts/make_serialization_fixtures.py (see tests/fixtures/README.md);
malicious and corrupt files are built here with the stdlib `pickle` and `zipfile`.
"""
from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import paddle
import pytest

from conftest import FIXTURES, require
from paddle_distilroberta.errors import UnsafeCheckpointError
from paddle_distilroberta.pretrained import serialization as ser
from paddle_distilroberta.pretrained.serialization import (
    CheckpointFormatError,
    load_pdparams,
    load_safetensors,
    load_state_dict_file,
    load_torch_bin,
    read_shard_index,
    safetensors_metadata,
    save_safetensors,
)

SER = FIXTURES / "serialization"
MODELS = FIXTURES / "models"


def _np(t: paddle.Tensor) -> np.ndarray:
    return (t.astype("float32") if t.dtype == paddle.bfloat16 else t).numpy()


# --------------------------------------------------------------------------- safetensors


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "int64", "int32", "bool"])
def test_safetensors_round_trip_dtypes(tmp_path: Path, dtype: str) -> None:
    rng = np.random.default_rng(0)
    src = paddle.to_tensor(rng.standard_normal((3, 5)).astype("float32") * 10).astype(dtype)
    path = tmp_path / "m.safetensors"
    save_safetensors({"w": src, "scalar": paddle.to_tensor(2.5)}, path)
    got = load_safetensors(path)
    assert list(got) == ["scalar", "w"] or set(got) == {"scalar", "w"}
    assert got["w"].dtype == src.dtype and got["w"].shape == [3, 5]
    np.testing.assert_array_equal(_np(got["w"]), _np(src))
    assert float(got["scalar"]) == 2.5


def test_safetensors_metadata_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_safetensors({"a": paddle.ones([2])}, path, metadata={"format": "pd", "note": "x"})
    assert safetensors_metadata(path) == {"format": "pd", "note": "x"}
    save_safetensors({"a": paddle.ones([2])}, path)
    assert safetensors_metadata(path) == {}


def test_safetensors_metadata_must_be_strings(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="metadata"):
        save_safetensors({"a": paddle.ones([2])}, tmp_path / "m.safetensors", metadata={"n": 1})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []


def test_safetensors_save_non_contiguous_and_shared(tmp_path: Path) -> None:
    base = paddle.arange(12, dtype="float32").reshape([3, 4])
    tensors = {"t": base.transpose([1, 0]), "slice": base[:, 1:], "a": base, "b": base, "np": np.eye(2, dtype="float32")}
    path = tmp_path / "m.safetensors"
    save_safetensors(tensors, path)
    got = load_safetensors(path)
    np.testing.assert_array_equal(got["t"].numpy(), base.numpy().T)
    np.testing.assert_array_equal(got["slice"].numpy(), base.numpy()[:, 1:])
    np.testing.assert_array_equal(got["a"].numpy(), got["b"].numpy())
    np.testing.assert_array_equal(got["np"].numpy(), np.eye(2))


def test_safetensors_save_rejects_non_tensor(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="'w'.*list"):
        save_safetensors({"w": [1, 2]}, tmp_path / "m.safetensors")  # type: ignore[dict-item]


def _fail_after_partial_write(tensors, filename, metadata=None):
    Path(filename).write_bytes(b"partial garbage")
    raise RuntimeError("disk full (simulated)")


def test_safetensors_save_is_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.safetensors"
    save_safetensors({"old": paddle.ones([2])}, path)
    before = path.read_bytes()
    import safetensors.paddle

    monkeypatch.setattr(safetensors.paddle, "save_file", _fail_after_partial_write)
    with pytest.raises(RuntimeError, match="disk full"):
        save_safetensors({"new": paddle.zeros([3])}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]  # no temp file left
    assert set(load_safetensors(path)) == {"old"}


def test_safetensors_save_failure_on_replace_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_replace(src, dst):
        raise OSError("rename failed (simulated)")

    monkeypatch.setattr(ser.os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        save_safetensors({"a": paddle.ones([2])}, tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_safetensors_load_is_independent_of_the_file(tmp_path: Path) -> None:
    """Regression: safe_open(framework='paddle') returns views of the memory map; we copy them."""
    path = tmp_path / "m.safetensors"
    save_safetensors({"a": paddle.ones([1000])}, path)
    got = load_safetensors(path)
    with open(path, "r+b") as handle:  # overwrite in place, as a careless writer would
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(size - 4000)
        handle.write(b"\xff" * 4000)
    assert float(got["a"].sum()) == 1000.0


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_safetensors_corrupt_file_gives_clear_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "m.safetensors"
    save_safetensors({"a": paddle.ones([100])}, path)
    data = path.read_bytes()
    path.write_bytes({"truncate": data[:-40], "garbage": b"hello world", "empty": b""}[damage])
    with pytest.raises(CheckpointFormatError, match="m.safetensors.*(truncated|corrupt)"):
        load_safetensors(path)


def test_safetensors_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        load_safetensors(tmp_path / "nope.safetensors")


# --------------------------------------------------------------------------- torch .bin fixtures


@pytest.mark.parametrize("name", ["dtypes", "views", "module_state", "parameters"])
def test_torch_bin_matches_expected_arrays(name: str) -> None:
    got = load_torch_bin(SER / f"{name}.bin")
    with np.load(SER / f"{name}.npz") as expected:
        assert set(got) == set(expected.files)
        for key in expected.files:
            assert got[key].dtype == expected[key].dtype, key
            assert got[key].shape == expected[key].shape, key
            np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def test_torch_bin_bfloat16_upcast_is_exact() -> None:
    got = load_torch_bin(SER / "dtypes.bin")["bfloat16"]
    assert got.dtype == np.float32
    assert np.all(got.view(np.uint32) & 0xFFFF == 0)  # low half zero: exactly representable in bf16


def test_torch_bin_shared_storage_arrays_are_read_only_views() -> None:
    """Tensors sharing a storage share its memory (no copy per name, issue 8), so none may be changed in place:
    writing one would silently change the others."""
    got = load_torch_bin(SER / "views.bin")
    assert np.shares_memory(got["tied_a"], got["tied_b"])
    before = got["tied_b"].copy()
    with pytest.raises(ValueError, match="read-only"):
        got["tied_a"][0, 0] = 1234.0
    np.testing.assert_array_equal(got["tied_b"], before)
    assert all(not value.flags.writeable for value in got.values())


def test_torch_bin_hf_checkpoint_equals_safetensors() -> None:
    """The HF .bin (with tied lm_head.decoder.* views) holds the same tensors as model.safetensors."""
    from_bin = load_torch_bin(MODELS / "RobertaForMaskedLM-bin" / "pytorch_model.bin")
    from_st = load_safetensors(MODELS / "RobertaForMaskedLM" / "model.safetensors")
    assert set(from_bin) - set(from_st) == {"lm_head.decoder.weight", "lm_head.decoder.bias"}
    for key, tensor in from_st.items():
        np.testing.assert_array_equal(from_bin[key], tensor.numpy(), err_msg=key)
    np.testing.assert_array_equal(from_bin["lm_head.decoder.weight"], from_bin["roberta.embeddings.word_embeddings.weight"])
    np.testing.assert_array_equal(from_bin["lm_head.decoder.bias"], from_bin["lm_head.bias"])


@pytest.mark.parametrize("folder, index", [("RobertaForMaskedLM-sharded-bin", "pytorch_model.bin.index.json"),
                                           ("RobertaForMaskedLM-sharded", "model.safetensors.index.json")])
def test_sharded_fixture_loads_shard_by_shard(folder: str, index: str) -> None:
    weight_map = read_shard_index(MODELS / folder / index)
    merged: dict = {}
    for shard in sorted(set(weight_map.values())):
        merged.update(load_state_dict_file(MODELS / folder / shard))
    assert set(weight_map) <= set(merged)
    full = load_safetensors(MODELS / "RobertaForMaskedLM" / "model.safetensors")
    for key, tensor in full.items():
        value = merged[key]
        np.testing.assert_array_equal(value if isinstance(value, np.ndarray) else value.numpy(), tensor.numpy())


def test_torch_bin_legacy_format_gives_clear_error() -> None:
    with pytest.raises(CheckpointFormatError, match=r"legacy.bin.*legacy \(pre-1.6.*safetensors"):
        load_torch_bin(SER / "legacy.bin")


# --------------------------------------------------------------------------- hand-made torch zips


def _pickle_global(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def _pickle_str(text: str) -> bytes:
    raw = text.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def _pickle_int(value: int) -> bytes:
    return pickle.BININT + struct.pack("<i", value)


def _pickle_int_tuple(values: tuple[int, ...]) -> bytes:
    return pickle.MARK + b"".join(_pickle_int(v) for v in values) + pickle.TUPLE


def _tensor_pickle(entries: list[tuple[str, str, str, int, int, tuple, tuple]]) -> bytes:
    """data.pkl bytes as torch.save writes them: {key: _rebuild_tensor_v2(storage, offset, size, stride, ...)}.

    Each entry is (key, storage_key, storage_type, numel, offset, size, stride).
    """
    out = pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + pickle.MARK
    for key, storage_key, storage_type, numel, offset, size, stride in entries:
        out += _pickle_str(key) + _pickle_global("torch._utils", "_rebuild_tensor_v2") + pickle.MARK
        out += pickle.MARK + _pickle_str("storage") + _pickle_global("torch", storage_type)
        out += _pickle_str(storage_key) + _pickle_str("cpu") + _pickle_int(numel) + pickle.TUPLE + pickle.BINPERSID
        out += _pickle_int(offset) + _pickle_int_tuple(size) + _pickle_int_tuple(stride) + pickle.NEWFALSE
        out += _pickle_global("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE
        out += pickle.TUPLE + pickle.REDUCE
    return out + pickle.SETITEMS + pickle.STOP


def _write_torch_zip(path: Path, data_pkl: bytes, storages: dict[str, bytes], byteorder: str | None = "little") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        if byteorder is not None:
            archive.writestr("archive/byteorder", byteorder)
        for key, raw in storages.items():
            archive.writestr(f"archive/data/{key}", raw)
        archive.writestr("archive/version", "3\n")
    return path


def test_handmade_torch_zip_reads_strided_view(tmp_path: Path) -> None:
    data = np.arange(12, dtype="<f4")
    pkl = _tensor_pickle([("w", "0", "FloatStorage", 12, 1, (2, 3), (1, 4)), ("all", "0", "FloatStorage", 12, 0, (12,), (1,))])
    got = load_torch_bin(_write_torch_zip(tmp_path / "m.bin", pkl, {"0": data.tobytes()}))
    np.testing.assert_array_equal(got["w"], np.lib.stride_tricks.as_strided(data[1:], (2, 3), (4, 16)))
    np.testing.assert_array_equal(got["all"], data)


def test_torch_zip_big_endian(tmp_path: Path) -> None:
    data = np.array([1.5, -2.0, 3.25], dtype=">f4")
    pkl = _tensor_pickle([("w", "0", "FloatStorage", 3, 0, (3,), (1,))])
    got = load_torch_bin(_write_torch_zip(tmp_path / "m.bin", pkl, {"0": data.tobytes()}, byteorder="big"))
    assert got["w"].dtype == np.float32 and got["w"].dtype.isnative
    np.testing.assert_array_equal(got["w"], [1.5, -2.0, 3.25])


@pytest.mark.parametrize(
    "entry, storage_bytes, match",
    [
        (("w", "0", "FloatStorage", 4, 2, (2, 2), (1, 1)), 16, "reads past its storage"),  # last index 2+1+1=4
        (("w", "0", "FloatStorage", 4, 0, (2, 2), (-1, 1)), 16, "invalid tensor layout"),
        (("w", "0", "FloatStorage", 4, 0, (2, 2), (2, 1)), 8, "fewer than its 4 elements"),
        (("w", "0", "FloatStorage", 4, 0, (4,), (1, 1)), 16, "invalid tensor layout"),
    ],
)
def test_torch_zip_bad_layout_is_refused(tmp_path: Path, entry: tuple, storage_bytes: int, match: str) -> None:
    path = _write_torch_zip(tmp_path / "bad.bin", _tensor_pickle([entry]), {"0": b"\0" * storage_bytes})
    with pytest.raises(CheckpointFormatError, match=f"bad.bin.*{match}"):
        load_torch_bin(path)


def test_torch_zip_unknown_storage_type_is_refused(tmp_path: Path) -> None:
    pkl = _tensor_pickle([("w", "0", "ComplexFloatStorage", 1, 0, (1,), (1,))])
    with pytest.raises(UnsafeCheckpointError, match="torch.ComplexFloatStorage"):
        load_torch_bin(_write_torch_zip(tmp_path / "m.bin", pkl, {"0": b"\0" * 8}))


def test_torch_zip_missing_storage_record(tmp_path: Path) -> None:
    pkl = _tensor_pickle([("w", "7", "FloatStorage", 1, 0, (1,), (1,))])
    with pytest.raises(CheckpointFormatError, match="m.bin"):
        load_torch_bin(_write_torch_zip(tmp_path / "m.bin", pkl, {}))


def test_torch_zip_without_data_pkl(tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("something.txt", "hi")
    with pytest.raises(CheckpointFormatError, match="m.bin.*data.pkl"):
        load_torch_bin(path)


def test_torch_zip_not_a_dict(tmp_path: Path) -> None:
    path = _write_torch_zip(tmp_path / "m.bin", pickle.dumps([1, 2], protocol=2), {})
    with pytest.raises(CheckpointFormatError, match="m.bin.*not a state dict"):
        load_torch_bin(path)


@pytest.mark.parametrize("damage", ["truncate_half", "truncate_tail", "garbage_pickle", "garbage_file"])
def test_torch_bin_corrupt_file_gives_clear_error(tmp_path: Path, damage: str) -> None:
    src = (SER / "views.bin").read_bytes()
    path = tmp_path / "broken.bin"
    if damage == "truncate_half":
        path.write_bytes(src[: len(src) // 2])
    elif damage == "truncate_tail":
        path.write_bytes(src[:-10])
    elif damage == "garbage_file":
        path.write_bytes(b"this is not a checkpoint")
    else:
        _write_torch_zip(path, b"\x80\x02}q\x00(X\x01", {})
    with pytest.raises(CheckpointFormatError, match="broken.bin"):
        load_torch_bin(path)


# --------------------------------------------------------------------------- malicious pickles


class _Exploit:
    """Pickles to a call of `func(*args)`; unpickling it with plain pickle would run it."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _exploits(marker: Path) -> dict[str, _Exploit]:
    return {
        "os.system": _Exploit(os.system, f"touch {marker}"),
        "builtins.exec": _Exploit(exec, f"open({str(marker)!r}, 'w').write('pwned')"),
        "builtins.eval": _Exploit(eval, f"open({str(marker)!r}, 'w').write('pwned')"),
        "subprocess.call": _Exploit(subprocess.call, ["touch", str(marker)]),
        "subprocess.Popen": _Exploit(subprocess.Popen, ["touch", str(marker)]),
    }


EXPLOITS = ["os.system", "builtins.exec", "builtins.eval", "subprocess.call", "subprocess.Popen"]
# the module.name each exploit pickles as (os.system is posix.system on Linux)
EXPLOIT_GLOBALS = {"os.system": os.system.__module__ + ".system", "builtins.exec": "builtins.exec",
                   "builtins.eval": "builtins.eval", "subprocess.call": "subprocess.call",
                   "subprocess.Popen": "subprocess.Popen"}


@pytest.mark.parametrize("kind", EXPLOITS)
def test_malicious_torch_bin_is_refused_without_running(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "PWNED"
    path = _write_torch_zip(tmp_path / "evil.bin", pickle.dumps({"evil": _exploits(marker)[kind]}, protocol=2), {})
    with pytest.raises(UnsafeCheckpointError, match=f"evil.bin.*'{EXPLOIT_GLOBALS[kind]}'"):
        load_torch_bin(path)
    assert not marker.exists()


def test_malicious_global_after_valid_tensors_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    good = _tensor_pickle([("w", "0", "FloatStorage", 1, 0, (1,), (1,))])
    evil = pickle.dumps(_exploits(marker)["os.system"], protocol=2)[2:-1]  # without PROTO and STOP
    pkl = good[:-1] + pickle.MARK + _pickle_str("evil") + evil + pickle.SETITEMS + pickle.STOP
    path = _write_torch_zip(tmp_path / "evil.bin", pkl, {"0": b"\0" * 4})
    with pytest.raises(UnsafeCheckpointError, match="system"):
        load_torch_bin(path)
    assert not marker.exists()


@pytest.mark.parametrize("kind", EXPLOITS)
def test_malicious_pdparams_is_refused_without_running(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "PWNED"
    path = tmp_path / "model_state.pdparams"
    path.write_bytes(pickle.dumps({"w": np.ones(2, "float32"), "evil": _exploits(marker)[kind]}, protocol=4))
    with pytest.raises(UnsafeCheckpointError, match=f"model_state.pdparams.*'{EXPLOIT_GLOBALS[kind]}'"):
        load_pdparams(path)
    assert not marker.exists()


def test_pdparams_object_array_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.pdparams"
    path.write_bytes(pickle.dumps({"w": np.array([1, "x"], dtype=object)}, protocol=4))
    with pytest.raises(UnsafeCheckpointError, match="m.pdparams.*object"):
        load_pdparams(path)


# --------------------------------------------------------------------------- .pdparams


def _paddle_state() -> dict[str, paddle.Tensor]:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((4, 3)).astype("float32")
    return {
        "linear.weight": paddle.to_tensor(base),
        "half": paddle.to_tensor(base).astype("float16"),
        "bf16": paddle.to_tensor(base * 7).astype("bfloat16"),
        "ids": paddle.to_tensor(np.array([[-(2**40), 1, 2]], dtype="int64")),
    }


def test_pdparams_round_trip_paddle_save(tmp_path: Path) -> None:
    state = _paddle_state()
    path = tmp_path / "model_state.pdparams"
    paddle.save(state, str(path))
    got = load_pdparams(path)
    assert set(got) == set(state)  # StructuredToParameterName@@ dropped
    for key, tensor in state.items():
        expected = _np(tensor)
        assert got[key].dtype == expected.dtype, key
        np.testing.assert_array_equal(got[key], expected, err_msg=key)
    reloaded = paddle.load(str(path))
    np.testing.assert_array_equal(got["bf16"], reloaded["bf16"].astype("float32").numpy())


@pytest.mark.parametrize("protocol", [2, 3, 4])
def test_pdparams_protocols(tmp_path: Path, protocol: int) -> None:
    path = tmp_path / "m.pdparams"
    paddle.save({"w": paddle.ones([2, 2])}, str(path), protocol=protocol)
    np.testing.assert_array_equal(load_pdparams(path)["w"], np.ones((2, 2), "float32"))


def test_pdparams_tuple_form_from_pickle_save(tmp_path: Path) -> None:
    """paddle.save of a non-state-dict object pickles tensors as tuple((name, ndarray))."""
    from paddle.framework.io import _pickle_save

    path = tmp_path / "m.pdparams"
    with open(path, "wb") as handle:
        _pickle_save({"w": paddle.to_tensor([1.0, 2.0])}, handle, 4)
    np.testing.assert_array_equal(load_pdparams(path)["w"], [1.0, 2.0])


def test_pdparams_joins_big_array_slices(tmp_path: Path) -> None:
    """paddle.save with protocol 2/3 splits arrays over 1 GiB; emulate that layout on a small array."""
    full = np.arange(10, dtype="float32").reshape(2, 5)
    obj = {
        "w@@.0": full.ravel()[:6], "w@@.1": full.ravel()[6:], "b": np.ones(1, "float32"),
        "UnpackBigParamInfor@@": {"w": {"OriginShape": (2, 5), "slices": ["w@@.0", "w@@.1"]}},
    }
    path = tmp_path / "m.pdparams"
    path.write_bytes(pickle.dumps(obj, protocol=2))
    got = load_pdparams(path)
    assert set(got) == {"w", "b"}
    np.testing.assert_array_equal(got["w"], full)


@pytest.mark.paddlenlp
def test_pdparams_from_paddlenlp_save_pretrained(tmp_path: Path) -> None:
    transformers = require("paddlenlp.transformers")
    config = transformers.RobertaConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1,
                                        num_attention_heads=2, intermediate_size=10, max_position_embeddings=20)
    model = transformers.RobertaModel(config)
    model.save_pretrained(str(tmp_path), safe_serialization=False)
    got = load_pdparams(tmp_path / "model_state.pdparams")
    state = model.state_dict()
    assert set(got) == set(state)
    for key, tensor in state.items():
        np.testing.assert_array_equal(got[key], tensor.numpy(), err_msg=key)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "not_a_dict", "zip"])
def test_pdparams_corrupt_file_gives_clear_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "broken.pdparams"
    paddle.save(_paddle_state(), str(path))
    data = path.read_bytes()
    if damage == "zip":
        path.write_bytes((SER / "views.bin").read_bytes())
    else:
        path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x80\x04garbage", "empty": b"",
                          "not_a_dict": pickle.dumps([1, 2])}[damage])
    with pytest.raises(CheckpointFormatError, match="broken.pdparams"):
        load_pdparams(path)


# --------------------------------------------------------------------------- shard index and dispatch


def test_read_shard_index_fixture() -> None:
    weight_map = read_shard_index(MODELS / "RobertaForMaskedLM-sharded" / "model.safetensors.index.json")
    assert weight_map["lm_head.bias"] == "model-00003-of-00003.safetensors"
    assert len(set(weight_map.values())) == 3


@pytest.mark.parametrize("shard", ["../evil.safetensors", "sub/x.safetensors", "/etc/passwd", "..", "", "a\\b.bin", 3])
def test_read_shard_index_refuses_paths(tmp_path: Path, shard) -> None:
    index = tmp_path / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {}, "weight_map": {"w": "ok.safetensors", "v": shard}}))
    with pytest.raises(UnsafeCheckpointError, match="model.safetensors.index.json"):
        read_shard_index(index)


@pytest.mark.parametrize("content", ["{not json", "[]", '{"metadata": {}}', '{"weight_map": {}}', '{"weight_map": ["a"]}'])
def test_read_shard_index_malformed(tmp_path: Path, content: str) -> None:
    index = tmp_path / "pytorch_model.bin.index.json"
    index.write_text(content)
    with pytest.raises(CheckpointFormatError, match="pytorch_model.bin.index.json"):
        read_shard_index(index)


def test_load_state_dict_file_dispatch(tmp_path: Path) -> None:
    st = load_state_dict_file(MODELS / "RobertaModel" / "model.safetensors")
    assert all(isinstance(v, paddle.Tensor) for v in st.values())
    pt = tmp_path / "model.pt"
    pt.write_bytes((MODELS / "RobertaModel-bin" / "pytorch_model.bin").read_bytes())
    for path in (MODELS / "RobertaModel-bin" / "pytorch_model.bin", pt):
        got = load_state_dict_file(path)
        assert set(got) == set(st) and all(isinstance(v, np.ndarray) for v in got.values())
    pd_path = tmp_path / "model_state.pdparams"
    paddle.save({"w": paddle.ones([2])}, str(pd_path))
    assert set(load_state_dict_file(pd_path)) == {"w"}


def test_load_state_dict_file_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(CheckpointFormatError, match=r"model.h5.*'.h5'.*\.safetensors"):
        load_state_dict_file(tmp_path / "model.h5")


def test_package_does_not_import_torch() -> None:
    import sys

    assert "torch" not in sys.modules and "transformers" not in sys.modules


# --------------------------------------------------------------------------- issue 8: bounded, exact readers
# (the hostile files themselves, each in a memory- and time-limited subprocess: tests/test_hostile_inputs.py)


def _st_file(path: Path, header_json: str, data: bytes) -> Path:
    raw = header_json.encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path


_F4 = np.arange(4, dtype="<f4").tobytes()


@pytest.mark.parametrize("header, match", [
    ('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}',
     "without gaps or overlaps"),
    ('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}',
     "names 'a' twice"),
    ('{"a":{"dtype":"F32","shape":"4","data_offsets":[0,16]}}', "shape"),
    ('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"__metadata__":{"k":1}}', "__metadata__"),
    ('{"a":' + "[" * 50_000 + "]" * 50_000 + "}", "corrupt safetensors header"),
])
def test_safetensors_header_checked_like_the_library(tmp_path: Path, header: str, match: str) -> None:
    path = _st_file(tmp_path / "m.safetensors", header, _F4)
    for reader in (load_safetensors, ser.safetensors_keys, safetensors_metadata):
        with pytest.raises(CheckpointFormatError, match=match):
            reader(path)


def test_safetensors_i32_header_is_not_cast(tmp_path: Path) -> None:
    path = _st_file(tmp_path / "m.safetensors", '{"a":{"dtype":"I32","shape":[4],"data_offsets":[0,16]}}', _F4)
    got = load_safetensors(path)["a"]
    assert got.dtype == paddle.int32
    np.testing.assert_array_equal(got.numpy(), np.frombuffer(_F4, "<i4"))


def test_safetensors_null_metadata_and_empty_tensors(tmp_path: Path) -> None:
    header = ('{"__metadata__":null,"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},'
              '"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}')
    path = _st_file(tmp_path / "m.safetensors", header, _F4)
    got = load_safetensors(path)
    assert got["e"].shape == [0, 3] and got["a"].shape == [2, 2]
    assert safetensors_metadata(path) == {} and ser.safetensors_keys(path) == ["e", "a"]


def test_brief_never_prints_a_big_object() -> None:
    assert len(ser._brief("x" * 10**7)) < 120 and "10000000 characters" in ser._brief("x" * 10**7)
    assert ser._brief(tuple(range(10**6))) == "a tuple of 1000000 items"
    assert ser._brief(2**10000) == "an int of 10001 bits"


def test_torch_bin_tensor_under_many_names_shares_one_storage(tmp_path: Path) -> None:
    entry = ("w0", "0", "FloatStorage", 1000, 0, (10, 100), (100, 1))
    pkl = _tensor_pickle([entry] + [(f"w{i}",) + entry[1:] for i in range(1, 100)])
    got = load_torch_bin(_write_torch_zip(tmp_path / "m.bin", pkl, {"0": np.arange(1000, dtype="<f4").tobytes()}))
    assert len(got) == 100 and all(np.shares_memory(v, got["w0"]) for v in got.values())
    np.testing.assert_array_equal(got["w99"], np.arange(1000, dtype="float32").reshape(10, 100))


def test_torch_bin_stride_zero_view_larger_than_storage_is_refused(tmp_path: Path) -> None:
    pkl = _tensor_pickle([("w", "0", "FloatStorage", 1, 0, (10**9,), (0,))])
    with pytest.raises(CheckpointFormatError, match="m.bin.*broadcast view is refused"):
        load_torch_bin(_write_torch_zip(tmp_path / "m.bin", pkl, {"0": b"\0" * 4}))


def test_torch_bin_deflated_record_ratio_is_bounded(tmp_path: Path) -> None:
    numel = 2**21  # 8 MiB of zeros deflate to ~8 KB: a ratio no real weights reach
    path = tmp_path / "m.bin"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", _tensor_pickle([("w", "0", "FloatStorage", numel, 0, (numel,), (1,))]))
        archive.writestr("archive/data/0", bytes(4 * numel), compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(UnsafeCheckpointError, match="m.bin.*zip bomb"):
        load_torch_bin(path)


def _pickle_dtype(state: tuple) -> bytes:
    """numpy.dtype('f4', False, True) then BUILD(state), as numpy pickles a dtype."""
    out = _pickle_global("numpy", "dtype") + _pickle_str("f4") + pickle.NEWFALSE + pickle.NEWTRUE + pickle.TUPLE3
    fields = b"".join(pickle.NONE if v is None else _pickle_str(v) if isinstance(v, str) else _pickle_int(v) for v in state)
    return out + pickle.REDUCE + pickle.BINPUT + b"\x07" + pickle.MARK + fields + pickle.TUPLE + pickle.BUILD


def test_pdparams_dtype_cannot_be_changed_after_use(tmp_path: Path) -> None:
    """BUILD on a numpy dtype after an array was built with it (the issue's segfault / memory read): refused."""
    array = (_pickle_global("numpy.core.multiarray", "_reconstruct") + _pickle_global("numpy", "ndarray")
             + _pickle_int(0) + pickle.TUPLE1 + pickle.SHORT_BINBYTES + b"\x01b" + pickle.TUPLE3 + pickle.REDUCE)
    array += (pickle.MARK + _pickle_int(1) + _pickle_int_tuple((2,)) + _pickle_dtype((3, "<", None, None, None, -1, -1, 0))
              + pickle.NEWFALSE + pickle.SHORT_BINBYTES + b"\x08" + b"\0" * 8 + pickle.TUPLE + pickle.BUILD)
    widen = (pickle.BINGET + b"\x07" + pickle.MARK + _pickle_int(3) + _pickle_str("|") + pickle.NONE * 3
             + _pickle_int(2**20) + _pickle_int(1) + _pickle_int(0x3F) + pickle.TUPLE + pickle.BUILD + pickle.POP)
    path = tmp_path / "m.pdparams"
    path.write_bytes(pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + pickle.MARK + _pickle_str("w") + array
                     + pickle.SETITEMS + widen + pickle.STOP)
    with pytest.raises(UnsafeCheckpointError, match="m.pdparams.*sets the state"):
        load_pdparams(path)
    # the same file without the late BUILD loads
    path.write_bytes(pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + pickle.MARK + _pickle_str("w") + array
                     + pickle.SETITEMS + pickle.STOP)
    np.testing.assert_array_equal(load_pdparams(path)["w"], np.zeros(2, "float32"))


def test_pdparams_deep_nesting_and_tuple_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.pdparams"
    path.write_bytes(b"\x80\x02)" + b"\x85" * 100_000 + b".")
    with pytest.raises(UnsafeCheckpointError, match="deeper than 32"):
        load_pdparams(path)
    path.write_bytes(b"\x80\x02}" + b")" + b"2\x86" * 30 + b"N" + b"s.")  # a key of 2**30 shared tuples
    with pytest.raises(UnsafeCheckpointError, match="dict key"):
        load_pdparams(path)


def test_pdparams_arrays_are_read_only_and_shared_once(tmp_path: Path) -> None:
    shared = np.arange(6, dtype="float32")
    path = tmp_path / "m.pdparams"
    path.write_bytes(pickle.dumps({"a": shared, "b": shared, "bf": np.array([16256], "uint16")}, protocol=4))
    got = load_pdparams(path)
    assert got["a"] is got["b"] and not got["a"].flags.writeable
    assert got["bf"].dtype == np.float32 and got["bf"][0] == 1.0
