"""Integration: names -> folders through a local hub/BOS server (tests/hub_server.py) that fails on purpose.

Every test points `HF_ENDPOINT` and `COMMUNITY_MODEL_PREFIX` at a server on 127.0.0.1 and uses fresh cache folders;
nothing here reaches the internet. Subprocess tests pass the same environment to real child processes.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES, require_path
from hub_server import HubServer
from paddle_distilroberta.errors import ChecksumError, DownloadError, NotInCacheError, UnknownModelError
from paddle_distilroberta.pretrained import download
from paddle_distilroberta.pretrained.loading import CONVERTED_MARKER, model_folder
from paddle_distilroberta.pretrained.resolve import HubOptions, resolve_pretrained
from paddle_distilroberta.pretrained.serialization import safetensors_metadata

pytestmark = pytest.mark.timeout(90)
MODELS = FIXTURES / "models"
MLM = MODELS / "RobertaForMaskedLM"


def resolve_model(name, **hub) -> Path:
    """name -> the folder a model loads from: the download, converted once when it is in PyTorch layout."""
    from paddle_distilroberta import DistilRobertaModel

    return model_folder(name, DistilRobertaModel, HubOptions(**hub))


def _files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != "expected.npz"}


@pytest.fixture()
def hub(tmp_path, monkeypatch):
    """A started server, with the environment pointing at it and empty caches."""
    require_path(MLM)
    server = HubServer().start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("COMMUNITY_MODEL_PREFIX", server.community_prefix)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("PADDLE_DISTILROBERTA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(download, "BACKOFF_BASE", 0.01)
    try:
        yield server
    finally:
        server.stop()


def _blobs(tmp_path: Path, repo: str) -> list:
    folder = tmp_path / "hf" / "hub" / f"models--{repo.replace('/', '--')}" / "blobs"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _cdn(hub: HubServer, folder: Path, name: str = "model.safetensors") -> str:
    return hub.cdn_path((folder / name).read_bytes())


# ------------------------------------------------------------------------------------------------ same outputs


def _outputs(model, ids: np.ndarray):
    import paddle

    model.eval()
    with paddle.no_grad():
        out = model(input_ids=paddle.to_tensor(ids), attention_mask=paddle.to_tensor(np.ones_like(ids)))
    first = out[0] if isinstance(out, (tuple, list)) else getattr(out, "logits", None)
    if first is None:
        first = out.last_hidden_state
    return first.numpy()


@pytest.mark.parametrize(
    "auto_name, fixture, repo",
    [
        ("AutoModelForMaskedLM", "RobertaForMaskedLM", "distilbert/distilroberta-base"),  # a registered alias
        ("AutoModel", "RobertaForMaskedLM-bin", "test-org/tiny-bin"),  # pytorch_model.bin
        ("AutoModelForSequenceClassification", "RobertaForSequenceClassification-single_label_classification", "test-org/tiny-cls"),
        ("AutoModelForMaskedLM", "RobertaForMaskedLM-sharded", "test-org/tiny-sharded"),
    ],
)
def test_resolver_name_gives_same_outputs_as_local_folder(hub, auto_name, fixture, repo):
    import paddle_distilroberta as pdr

    auto = getattr(pdr, auto_name)
    hub.add_repo(repo, _files(MODELS / fixture))
    name = "distilroberta-base" if repo == "distilbert/distilroberta-base" else repo
    ids = np.array([[0, 5, 17, 42, 9, 2], [0, 33, 8, 2, 1, 1]], dtype="int64")
    from_name = _outputs(auto.from_pretrained(name), ids)
    from_folder = _outputs(auto.from_pretrained(str(MODELS / fixture)), ids)
    np.testing.assert_array_equal(from_name, from_folder)
    folder = resolve_model(name)
    assert (folder / CONVERTED_MARKER).is_file(), "a PyTorch-format checkpoint is converted once"


# ------------------------------------------------------------------------------------------------ convert once


def test_resolver_converts_once_and_again_for_a_new_commit(hub, tmp_path):
    commit = hub.add_repo("test-org/tiny", _files(MLM))
    first = resolve_model("test-org/tiny")
    assert first.name == commit and (first / CONVERTED_MARKER).is_file()
    marker = (first / CONVERTED_MARKER).read_text()
    assert "test-org/tiny" in marker
    assert safetensors_metadata(first / "model.safetensors")["format"] == "paddle"
    started = time.perf_counter()
    assert resolve_model("test-org/tiny") == first
    assert time.perf_counter() - started < 1.0
    assert (first / CONVERTED_MARKER).read_text() == marker  # not converted again
    assert hub.count(_cdn(hub, MLM)) == 1
    new_commit = hub.add_repo("test-org/tiny", {**_files(MLM), "README.md": b"v2"})
    second = resolve_model("test-org/tiny")
    assert second.name == new_commit != commit and (second / CONVERTED_MARKER).is_file()
    assert resolve_model("test-org/tiny", revision=commit) == first  # the old commit is still cached


def test_resolver_force_download_fetches_and_converts_again(hub):
    hub.add_repo("test-org/tiny", _files(MLM))
    first = resolve_model("test-org/tiny")
    marker = (first / CONVERTED_MARKER).read_text()
    again = resolve_model("test-org/tiny", force_download=True)
    assert again == first and (again / CONVERTED_MARKER).read_text() != marker
    assert hub.count(_cdn(hub, MLM)) == 2
    with pytest.raises(ValueError, match="offline"):
        resolve_model("test-org/tiny", force_download=True, local_files_only=True)


def test_resolver_paddle_layout_is_not_converted(hub, tmp_path):
    """A repo that already holds this package's Paddle-layout safetensors is returned as downloaded."""
    first = resolve_pretrained_local_convert(hub, tmp_path)
    hub.add_repo("test-org/paddle", _files(first))
    folder = resolve_model("test-org/paddle")
    assert "snapshots" in folder.parts and not (folder / CONVERTED_MARKER).exists()


def resolve_pretrained_local_convert(hub: HubServer, tmp_path: Path) -> Path:
    hub.add_repo("test-org/tiny", _files(MLM))
    folder = resolve_model("test-org/tiny")
    return folder


# ------------------------------------------------------------------------------------------------ fall-through


def test_resolver_404_falls_through_and_lists_every_source(hub):
    with pytest.raises(DownloadError) as info:
        resolve_model("distilroberta-base")
    msg = str(info.value)
    assert "'distilroberta-base'" in msg
    assert "1. Hugging Face hub repo 'distilbert/distilroberta-base' (revision 'main')" in msg
    assert f"2. PaddleNLP community folder 'distilroberta-base' at {hub.community_prefix}/distilroberta-base/" in msg
    assert "not found" in msg and "To fix" in msg
    assert hub.count("/bos/community/distilroberta-base/config.json") == 1
    # now the community server has it: the same call falls through to it and succeeds
    hub.add_community("distilroberta-base", _files(MLM))
    folder = resolve_model("distilroberta-base")
    assert (folder / "model.safetensors").is_file() and "community" in folder.parts
    assert resolve_model("distilroberta-base") == folder


def test_resolver_missing_weights_file_in_repo(hub):
    hub.add_repo("test-org/noweights", {"config.json": (MLM / "config.json").read_bytes()})
    with pytest.raises(DownloadError, match="none of model.safetensors"):
        resolve_model("test-org/noweights")


# ------------------------------------------------------------------------------------------------ failures


def test_resolver_two_500s_then_success(hub):
    hub.add_repo("test-org/tiny", _files(MLM))
    cdn = _cdn(hub, MLM)
    hub.fail(cdn, ("status", 500), ("status", 500))
    hub.fail("/test-org/tiny/resolve/main/config.json", ("status", 502), method="HEAD")
    folder = resolve_model("test-org/tiny")
    assert (folder / "model.safetensors").is_file()
    assert hub.count(cdn) == 3
    assert hub.count("/test-org/tiny/resolve/main/config.json", "HEAD") == 2


def test_resolver_two_500s_then_success_community(hub):
    hub.add_community("distilroberta-base", _files(MLM))
    path = "/bos/community/distilroberta-base/model.safetensors"
    hub.fail(path, ("status", 500), ("status", 503))
    folder = resolve_model("distilroberta-base", revision=None)
    assert (folder / "model.safetensors").is_file() and hub.count(path) == 3


def test_resolver_truncated_body_is_never_cached(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("PADDLE_DISTILROBERTA_RETRIES", "1")
    hub.add_repo("test-org/tiny", _files(MLM))
    cdn = _cdn(hub, MLM)
    hub.fail_always(cdn, ("truncate", 0.5))
    with pytest.raises(DownloadError) as info:
        resolve_model("test-org/tiny")
    assert "test-org/tiny" in str(info.value)
    sha = cdn.rsplit("/", 1)[-1]
    assert sha not in _blobs(tmp_path, "test-org/tiny")  # only a resumable `.incomplete`, never the blob
    assert not list((tmp_path / "home").rglob("model.safetensors"))
    hub.clear_faults()
    folder = resolve_model("test-org/tiny")
    assert sha in _blobs(tmp_path, "test-org/tiny") and (folder / CONVERTED_MARKER).is_file()


def test_resolver_wrong_checksum_is_never_cached(hub, tmp_path):
    hub.add_repo("test-org/tiny", _files(MLM))
    cdn = _cdn(hub, MLM)
    hub.fail_always(cdn, ("corrupt",))
    with pytest.raises(ChecksumError) as info:
        resolve_model("test-org/tiny")
    assert "sha256" in str(info.value) and "test-org/tiny" in str(info.value)
    assert cdn.rsplit("/", 1)[-1] not in _blobs(tmp_path, "test-org/tiny")
    snapshots = tmp_path / "hf" / "hub" / "models--test-org--tiny" / "snapshots"
    assert not list(snapshots.rglob("model.safetensors"))
    assert not list((tmp_path / "home").rglob("model.safetensors"))
    hub.clear_faults()
    assert (resolve_model("test-org/tiny") / "model.safetensors").is_file()


def test_resolver_checks_registry_sha256_too(hub, tmp_path, monkeypatch):
    """A sha256 in configs/registry.json is checked for hub files (beside the ETag) and community files."""
    from paddle_distilroberta.pretrained import registry

    raw = json.loads((registry.configs_dir() / "registry.json").read_text())
    raw["models"]["distilroberta-base"]["sha256"]["config.json"] = "0" * 64
    for f in registry.configs_dir().glob("*.json"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "registry.json").write_text(json.dumps(raw))
    reg = registry.load_registry(tmp_path / "registry.json")
    monkeypatch.setattr(registry, "get_registry", lambda: reg)
    hub.add_repo("distilbert/distilroberta-base", _files(MLM))
    hub.add_community("distilroberta-base", _files(MLM))
    with pytest.raises(ChecksumError) as info:
        resolve_model("distilroberta-base")
    msg = str(info.value)
    assert "configs/registry.json" in msg and "1. Hugging Face hub" in msg and "2. PaddleNLP community" in msg
    assert not (tmp_path / "home" / "community" / "distilroberta-base" / "config.json").exists()


def test_resolver_stall_gives_timeout_error(hub, monkeypatch):
    monkeypatch.setenv("PADDLE_DISTILROBERTA_TIMEOUT", "0.5")
    monkeypatch.setenv("PADDLE_DISTILROBERTA_RETRIES", "1")
    hub.add_community("distilroberta-base", _files(MLM))
    hub.fail_always("/bos/community/distilroberta-base/config.json", ("stall", 5))
    started = time.monotonic()
    with pytest.raises(DownloadError, match="timed out") as info:
        resolve_model("distilroberta-base")
    assert time.monotonic() - started < 4.5
    assert "PaddleNLP community folder 'distilroberta-base'" in str(info.value)


def test_resolver_hub_stall_mid_body_times_out_and_resumes(hub, monkeypatch):
    from huggingface_hub import constants
    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 0.5)
    hub.add_repo("test-org/tiny", _files(MLM))
    cdn = _cdn(hub, MLM)
    hub.fail(cdn, ("stall_body", 3))
    folder = resolve_model("test-org/tiny")
    assert (folder / "model.safetensors").is_file()
    assert hub.count(cdn) == 2  # huggingface_hub re-requests it (from the last whole 10 MB chunk: here, the start)


# ------------------------------------------------------------------------------------------------ offline


def test_resolver_offline_second_load_with_server_stopped(hub, monkeypatch):
    hub.add_repo("test-org/tiny", _files(MLM))
    hub.add_repo("test-org/tok", {"vocab.json": b"{}", "merges.txt": b"#version: 0.2\n", "tokenizer_config.json": b"{}"})
    folder = resolve_model("test-org/tiny")
    tok = resolve_pretrained("test-org/tok", kind="tokenizer")
    hub.stop()
    assert resolve_model("test-org/tiny", local_files_only=True) == folder
    assert resolve_pretrained("test-org/tok", kind="tokenizer", local_files_only=True) == tok
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert resolve_model("test-org/tiny") == folder


def test_resolver_local_files_only_empty_cache_says_what_to_do(hub):
    with pytest.raises(NotInCacheError) as info:
        resolve_model("distilroberta-base", local_files_only=True)
    msg = str(info.value)
    assert "'distilroberta-base'" in msg and "local_files_only=True" in msg
    assert "distilbert/distilroberta-base" in msg and "PaddleNLP community folder 'distilroberta-base'" in msg
    assert "paddle-distilroberta download distilroberta-base" in msg and "local folder" in msg
    assert isinstance(info.value, FileNotFoundError)
    assert sum(hub.hits.values()) == 0  # never touched the network


def test_resolver_hf_hub_offline_env_never_touches_network(hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub.add_repo("test-org/tiny", _files(MLM))
    with pytest.raises(NotInCacheError, match="HF_HUB_OFFLINE=1"):
        resolve_model("test-org/tiny")
    assert sum(hub.hits.values()) == 0


# ------------------------------------------------------------------------------------------------ names, kinds


@pytest.mark.parametrize(
    "name", ["../etc", "org/../../etc", "/definitely/not/here", "~/nothing-here", "file:///etc/passwd", "ftp://example.com/m", "http://evil.example/org/x"]
)
def test_resolver_refuses_unsafe_names(hub, name):
    with pytest.raises(UnknownModelError):
        resolve_model(name)
    assert sum(hub.hits.values()) == 0


def test_resolver_refuses_unsafe_subfolder_and_revision(hub):
    for kwargs in ({"subfolder": "../x"}, {"subfolder": "/abs"}, {"revision": "../main"}):
        with pytest.raises(UnknownModelError, match="Refusing"):
            resolve_model("test-org/tiny", **kwargs)
    assert sum(hub.hits.values()) == 0


def test_resolver_token_and_cache_dir_passed_to_hub(hub, tmp_path):
    hub.add_repo("test-org/private", _files(MLM))
    folder = resolve_model("test-org/private", token="hf_secret", cache_dir=tmp_path / "mine")
    assert tmp_path / "mine" in folder.parents
    assert (tmp_path / "mine" / "hub" / "models--test-org--private").is_dir()
    assert ("/test-org/private/resolve/main/config.json", "Bearer hf_secret") in hub.auth
    assert not (tmp_path / "hf").exists()  # HF_HOME untouched when cache_dir is given


def test_resolver_community_paddlenlp_folder_needs_no_conversion(hub, tmp_path):
    hub.add_community("test-org/paddlenlp", {"model_config.json": b"{}", "model_state.pdparams": b"not-read-here"})
    folder = resolve_model("test-org/paddlenlp")
    assert folder == tmp_path / "home" / "community" / "test-org" / "paddlenlp"
    assert (folder / "model_state.pdparams").read_bytes() == b"not-read-here"
    assert hub.count("/bos/community/test-org/paddlenlp/config.json") == 1  # tried first, 404


def test_resolver_unknown_single_name_suggests(hub):
    with pytest.raises(UnknownModelError, match="Did you mean 'distilroberta-base'"):
        resolve_model("distilroberta-bse")


def test_resolver_local_folder_returned_as_is(hub, tmp_path):
    assert resolve_model(MLM) == MLM
    assert resolve_model(str(MODELS), subfolder="RobertaForMaskedLM") == MODELS / "RobertaForMaskedLM"
    assert sum(hub.hits.values()) == 0


def test_resolver_tokenizer_kind_and_subfolder(hub):
    files = {"vocab.json": b"{}", "merges.txt": b"#version: 0.2\n", "tokenizer_config.json": b"{}", "special_tokens_map.json": b"{}"}
    hub.add_repo("test-org/tok", {**{f"tok/{k}": v for k, v in files.items()}, **files})
    folder = resolve_pretrained("test-org/tok", kind="tokenizer")
    assert set(files) <= {p.name for p in folder.iterdir()}
    sub = resolve_pretrained("test-org/tok", kind="tokenizer", subfolder="tok")
    assert sub.name == "tok" and (sub / "merges.txt").is_file()
    hub.add_repo("test-org/notok", {"config.json": b"{}"})
    with pytest.raises(DownloadError, match="tokenizer.json, or vocab.json"):
        resolve_pretrained("test-org/notok", kind="tokenizer")


def test_resolver_revision_pins_commit_and_skips_community(hub):
    commit = hub.add_repo("test-org/tiny", _files(MLM))
    hub.add_repo("test-org/tiny", {**_files(MLM), "README.md": b"later"})
    assert resolve_model("test-org/tiny", revision=commit).name == commit
    with pytest.raises(DownloadError) as info:
        resolve_model("test-org/tiny", revision="nope")
    assert "revision 'nope' not found" in str(info.value) and "skipped" in str(info.value)


def test_resolver_hf_endpoint_read_at_call_time(hub, monkeypatch):
    with HubServer() as other:
        other.add_repo("test-org/tiny", _files(MLM))
        monkeypatch.setenv("HF_ENDPOINT", other.url)
        resolve_model("test-org/tiny")
        assert other.count(_cdn(other, MLM)) == 1 and sum(hub.hits.values()) == 0


# ------------------------------------------------------------------------------------------------ processes

_CHILD = textwrap.dedent(
    """
    import hashlib, json, logging, sys, time
    from pathlib import Path
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    name, ready, index, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    import paddle_distilroberta
    from paddle_distilroberta import DistilRobertaModel
    from paddle_distilroberta.pretrained.loading import model_folder
    (ready / index).touch()
    deadline = time.time() + 60
    while len(list(ready.iterdir())) < count and time.time() < deadline:
        time.sleep(0.01)
    folder = model_folder(name, DistilRobertaModel)
    model = paddle_distilroberta.AutoModelForMaskedLM.from_pretrained(name)
    digest = hashlib.sha256()
    for key, value in sorted(model.state_dict().items()):
        digest.update(key.encode()); digest.update(value.numpy().tobytes())
    print(json.dumps({"folder": str(folder), "weights": digest.hexdigest()}))
    """
)


def test_resolver_four_processes_download_and_convert_once(hub, tmp_path):
    hub.add_repo("test-org/tiny", _files(MLM))
    cdn = _cdn(hub, MLM)
    hub.fail_always(cdn, ("throttle", 60_000))  # ~1.3 s, so the four overlap
    ready = tmp_path / "ready"
    ready.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, "test-org/tiny", str(ready), str(i), "4"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        )
        for i in range(4)
    ]
    outs = [p.communicate(timeout=80) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outs]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert len({r["folder"] for r in results}) == 1 and len({r["weights"] for r in results}) == 1
    assert hub.count(cdn) == 1, hub.hits
    conversions = sum(err.count("Converted test-org/tiny@") for _, err in outs)
    assert conversions == 1, [err[-1500:] for _, err in outs]


_KILLED_CHILD = "import sys; from paddle_distilroberta.pretrained.resolve import resolve_pretrained; print(resolve_pretrained(sys.argv[1]))"


def test_resolver_killed_download_resumes_byte_identical(hub, tmp_path):
    # huggingface_hub writes the stream in 10 MiB chunks (constants.DOWNLOAD_CHUNK_SIZE), so the partial file
    # grows in 10 MiB steps: serve 24 MB and kill the child once the first step is on disk. Whatever the
    # huggingface_hub version does with the partial file, the cache never holds a wrong blob.
    step = 10 * 1024 * 1024
    payload = os.urandom(24_000_000)
    hub.add_repo("test-org/big", {"config.json": (MLM / "config.json").read_bytes(), "model_state.pdparams": payload})
    cdn = hub.cdn_path(payload)
    hub.fail_always(cdn, ("throttle", 6_000_000))  # ~4 s for the whole file
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_CHILD, "test-org/big"], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    blobs = tmp_path / "hf" / "hub" / "models--test-org--big" / "blobs"
    deadline = time.monotonic() + 60
    partial = []
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in blobs.glob("*.incomplete")] if blobs.exists() else []
        if partial and partial[0].stat().st_size >= step:
            break
        time.sleep(0.05)
    assert partial and proc.poll() is None, "the child should still be downloading"
    proc.kill()
    proc.wait(timeout=10)
    size_at_kill = partial[0].stat().st_size
    assert 0 < size_at_kill < len(payload)
    sha = hashlib.sha256(payload).hexdigest()
    assert sha not in [p.name for p in blobs.iterdir()]
    hub.clear_faults()
    folder = resolve_model("test-org/big")
    assert (folder / "model_state.pdparams").read_bytes() == payload
    assert hub.count(cdn) == 2
    if partial[0].name == f"{sha}.incomplete":  # huggingface_hub < 1.x: one shared partial file, resumed
        resumed = [r for p, r in hub.ranges if p == cdn]
        assert resumed and int(resumed[-1][len("bytes="):-1]) >= size_at_kill
    else:  # newer huggingface_hub: a per-process temporary file, so the next download starts over (its choice)
        assert partial[0].name.startswith(sha) and partial[0].name.endswith(".incomplete")
