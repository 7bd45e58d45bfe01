"""Offline and unreachable networks fail fast and clearly; paths that look local never go to the network.

The hub and the community server are pointed at a closed port on 127.0.0.1 (connection refused, as on a machine
without network): no retry storm, a short message that says what to do, no traceback from the command line.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta.errors import DownloadError, UnknownModelError
from paddle_distilroberta.pretrained import download

from conftest import FIXTURES, REPO_ROOT
from hub_server import HubServer

MLM = FIXTURES / "models" / "RobertaForMaskedLM"


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture()
def no_network(tmp_path, monkeypatch):
    """Endpoints on a closed local port, empty caches, a fresh reachability memo."""
    url = f"http://127.0.0.1:{_closed_port()}"
    env = {"HF_ENDPOINT": url, "COMMUNITY_MODEL_PREFIX": f"{url}/bos", "HF_HOME": str(tmp_path / "hf"),
           "PADDLE_DISTILROBERTA_HOME": str(tmp_path / "home"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(download, "_REACHABILITY", {})
    return env


def test_unreachable_hub_fails_in_seconds_and_says_what_to_do(no_network):
    started = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        pdr.AutoModelForMaskedLM.from_pretrained("distilroberta-base")
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"took {elapsed:.1f} s: a retry storm"
    message = str(info.value)
    assert "unreachable" in message and "Connection refused" in message
    assert "HF_HUB_OFFLINE=1" in message and "HF_ENDPOINT" in message and "local folder" in message


def test_unreachable_probe_is_remembered(no_network):
    assert download.unreachable(no_network["HF_ENDPOINT"]).startswith("unreachable:")
    assert len(download._REACHABILITY) == 1
    assert download.unreachable(no_network["HF_ENDPOINT"] + "/other/path") is not None
    assert len(download._REACHABILITY) == 1, "one probe per host:port"


def test_cached_model_loads_when_the_hub_goes_away(tmp_path, monkeypatch):
    """Downloaded once; then the hub is unreachable: the cached copy loads, fast, without HF_HUB_OFFLINE."""
    server = HubServer().start()
    env = {"HF_ENDPOINT": server.url, "COMMUNITY_MODEL_PREFIX": server.community_prefix,
           "HF_HOME": str(tmp_path / "hf"), "PADDLE_DISTILROBERTA_HOME": str(tmp_path / "home")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(download, "_REACHABILITY", {})
    try:
        server.add_repo("test-org/tiny", {p.name: p.read_bytes() for p in MLM.iterdir() if p.name != "expected.npz"})
        first = pdr.AutoModelForMaskedLM.from_pretrained("test-org/tiny")
    finally:
        server.stop()
    monkeypatch.setattr(download, "_REACHABILITY", {})
    started = time.perf_counter()
    again = pdr.AutoModelForMaskedLM.from_pretrained("test-org/tiny")
    assert time.perf_counter() - started < 5.0
    assert (again.lm_head.bias.numpy() == first.lm_head.bias.numpy()).all()


@pytest.mark.parametrize("name", ["./nonexist", "/nonexist/model", "~/nonexist-model"])
def test_path_like_names_say_no_such_folder_at_once(name, no_network):
    started = time.perf_counter()
    with pytest.raises(UnknownModelError, match="no such folder|looks like a path"):
        pdr.AutoModel.from_pretrained(name)
    assert time.perf_counter() - started < 1.0


def test_mistyped_local_path_is_not_sent_to_the_hub(no_network, tmp_path, monkeypatch):
    """Regression: `ckpt/nonexist` (with a local `ckpt/`) went to the network for 44 s and never said the folder
    does not exist. `hf://ckpt/nonexist` still means the hub repo."""
    (tmp_path / "ckpt").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnknownModelError, match=r"No such folder: 'ckpt/nonexist'.*hf://ckpt/nonexist"):
        pdr.AutoModel.from_pretrained("ckpt/nonexist")
    with pytest.raises(DownloadError, match="unreachable"):
        pdr.AutoModel.from_pretrained("hf://ckpt/nonexist")


def test_readme_first_command_offline_fails_fast_without_traceback(no_network):
    """The README's main job, `paddle-distilroberta fill-mask ...`, with no network: under 5 s, one clear message."""
    env = {**os.environ, **no_network}
    cli = Path(sys.executable).with_name("paddle-distilroberta")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "paddle_distilroberta.cli"]
    started = time.perf_counter()
    proc = subprocess.run([*command, "fill-mask", "The man worked as a <mask>."], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - started
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-2000:]
    assert "HF_HUB_OFFLINE=1" in proc.stderr and "unreachable" in proc.stderr
    assert elapsed < 5.0, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("example", [["fill_mask.py"], ["classify.py", "--model", "distilroberta-base", "Great!"],
                                     ["qa.py", "--model", "distilroberta-base", "Who?", "Me."]], ids=lambda e: e[0])
def test_examples_offline_fail_without_traceback(example, no_network):
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "examples" / example[0]), *example[1:]],
                          env={**os.environ, **no_network},
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "error: " in proc.stderr and "HF_HUB_OFFLINE=1" in proc.stderr
