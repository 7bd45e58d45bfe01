"""The URL downloader (PaddleNLP community server path) and cache settings, against the local server in hub_server.py."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hub_server import HubServer
from paddle_distilroberta.errors import (
    ChecksumError,
    DownloadError,
    HTTPStatusError,
    RemoteFileMissing,
    RetriesExhaustedError,
    SourceFailure,
)
from paddle_distilroberta.pretrained import download
from paddle_distilroberta.pretrained.download import download_url

pytestmark = pytest.mark.timeout(60)
DATA = os.urandom(300_000)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture()
def server():
    with HubServer() as hub:
        hub.add_community("org/model", {"model_state.pdparams": DATA, "config.json": b"{}"})
        yield hub


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("PADDLE_DISTILROBERTA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setattr(download, "BACKOFF_BASE", 0.01)


def _url(server, name="model_state.pdparams"):
    return server.url + server.community_path("org/model", name)


def test_download_url_atomic_with_meta_and_cached_second_time(server, tmp_path):
    dest = tmp_path / "c" / "model_state.pdparams"
    result = download_url(_url(server), dest, sha256=SHA, expected_size=len(DATA))
    assert result.downloaded and result.sha256 == SHA and dest.read_bytes() == DATA
    assert download.read_meta(dest)["sha256"] == SHA
    assert not dest.with_name(dest.name + ".incomplete").exists()
    again = download_url(_url(server), dest)
    assert not again.downloaded and again.sha256 == SHA
    assert server.count(server.community_path("org/model", "model_state.pdparams")) == 1


def test_download_url_retries_5xx_then_succeeds(server, tmp_path):
    path = server.community_path("org/model", "model_state.pdparams")
    server.fail(path, ("status", 500), ("status", 503))
    dest = tmp_path / "f"
    assert download_url(_url(server), dest, retries=3).sha256 == SHA
    assert server.count(path) == 3


def test_download_url_5xx_forever_gives_up_with_message(server, tmp_path):
    server.fail_always(server.community_path("org/model", "model_state.pdparams"), ("status", 502))
    with pytest.raises(RetriesExhaustedError, match="HTTP 502") as info:
        download_url(_url(server), tmp_path / "f", retries=2)
    assert "3 attempts" in str(info.value) and not (tmp_path / "f").exists()


def test_download_url_404_is_not_retried(server, tmp_path):
    url = server.url + server.community_path("org/model", "nope.bin")
    with pytest.raises(HTTPStatusError) as info:
        download_url(url, tmp_path / "nope.bin", retries=3)
    assert info.value.status_code == 404 and server.count(server.community_path("org/model", "nope.bin")) == 1


def test_download_url_truncated_body_never_lands_under_final_name(server, tmp_path):
    path = server.community_path("org/model", "model_state.pdparams")
    server.fail_always(path, ("truncate", 0.4))
    dest = tmp_path / "f"
    with pytest.raises(RetriesExhaustedError, match="cut short|broke off"):
        download_url(_url(server), dest, retries=1)
    assert not dest.exists()
    partial = dest.with_name("f.incomplete")
    assert partial.exists() and partial.stat().st_size < len(DATA)
    server.clear_faults()
    assert download_url(_url(server), dest).sha256 == SHA  # resumes the partial
    assert dest.read_bytes() == DATA and not partial.exists()
    assert any(p == path and r != "bytes=0-" for p, r in server.ranges)


def test_download_url_truncated_once_recovers_by_resuming(server, tmp_path):
    path = server.community_path("org/model", "model_state.pdparams")
    server.fail(path, ("truncate", 0.5))
    dest = tmp_path / "f"
    assert download_url(_url(server), dest, retries=2).sha256 == SHA
    assert server.count(path) == 2
    assert len(server.ranges) == 1 and server.ranges[0][0] == path
    assert 0 < int(server.ranges[0][1][len("bytes=") : -1]) <= len(DATA) // 2  # resumed, not restarted


def test_download_url_wrong_checksum_leaves_nothing(server, tmp_path):
    server.fail_always(server.community_path("org/model", "model_state.pdparams"), ("corrupt",))
    dest = tmp_path / "f"
    with pytest.raises(ChecksumError, match=SHA) as info:
        download_url(_url(server), dest, sha256=SHA)
    assert isinstance(info.value, OSError)
    assert not dest.exists() and not dest.with_name("f.incomplete").exists()


def test_download_url_wrong_size_leaves_nothing(server, tmp_path):
    dest = tmp_path / "f"
    with pytest.raises(ChecksumError, match="registry expects"):
        download_url(_url(server), dest, expected_size=len(DATA) + 1)
    assert not dest.exists() and not dest.with_name("f.incomplete").exists()


def test_download_url_stall_times_out(server, tmp_path):
    server.fail_always(server.community_path("org/model", "model_state.pdparams"), ("stall", 3))
    started = time.monotonic()
    with pytest.raises(RetriesExhaustedError, match="timed out") as info:
        download_url(_url(server), tmp_path / "f", timeout=0.3, retries=1)
    assert info.value.timed_out
    assert time.monotonic() - started < 2.5
    assert not (tmp_path / "f").exists()


def test_download_url_stall_mid_body_resumes(server, tmp_path):
    path = server.community_path("org/model", "model_state.pdparams")
    server.fail(path, ("stall_body", 2))
    dest = tmp_path / "f"
    assert download_url(_url(server), dest, timeout=0.3, retries=2).sha256 == SHA
    assert server.ranges and server.ranges[0][1] != "bytes=0-"


def test_download_url_resumes_a_partial_file(server, tmp_path):
    dest = tmp_path / "f"
    dest.with_name("f.incomplete").write_bytes(DATA[:1000])
    assert download_url(_url(server), dest, sha256=SHA).sha256 == SHA
    assert server.ranges == [(server.community_path("org/model", "model_state.pdparams"), "bytes=1000-")]


def test_download_url_complete_partial_gets_416_and_finishes(server, tmp_path):
    dest = tmp_path / "f"
    dest.with_name("f.incomplete").write_bytes(DATA)
    assert download_url(_url(server), dest, sha256=SHA).sha256 == SHA
    assert dest.read_bytes() == DATA


def test_download_url_locked_across_threads_downloads_once(server, tmp_path):
    path = server.community_path("org/model", "model_state.pdparams")
    server.fail(path, ("throttle", 1_000_000))
    dest = tmp_path / "f"
    results = []
    threads = [threading.Thread(target=lambda: results.append(download_url(_url(server), dest))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert server.count(path) == 1 and [r.downloaded for r in results].count(True) == 1
    assert all(r.sha256 == SHA for r in results)


def test_download_url_refuses_other_schemes(tmp_path):
    for url in ("file:///etc/passwd", "ftp://example.com/x"):
        with pytest.raises(ValueError, match="only http"):
            download_url(url, tmp_path / "x")


def test_community_file_404_and_offline(server, tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNITY_MODEL_PREFIX", server.community_prefix + "/")
    with pytest.raises(RemoteFileMissing):
        download.community_file("org/model", "missing.json")
    with pytest.raises(RemoteFileMissing, match="not in the local cache"):
        download.community_file("org/model", "model_state.pdparams", local_files_only=True)
    assert server.count(server.community_path("org/model", "model_state.pdparams")) == 0
    path = download.community_file("org/model", "model_state.pdparams")
    assert path == tmp_path / "home" / "community" / "org" / "model" / "model_state.pdparams"
    assert download.community_file("org/model", "model_state.pdparams", local_files_only=True) == path


def test_community_file_checksum_failure_is_a_source_failure(server, monkeypatch):
    monkeypatch.setenv("COMMUNITY_MODEL_PREFIX", server.community_prefix)
    with pytest.raises(SourceFailure) as info:
        download.community_file("org/model", "model_state.pdparams", sha256="0" * 64)
    assert "checksum" in info.value.result and isinstance(info.value.__cause__, ChecksumError)


def test_community_url_matches_paddlenlp(monkeypatch):
    """The default prefix and URL layout are PaddleNLP's (read from its source, without importing paddlenlp)."""
    monkeypatch.delenv("COMMUNITY_MODEL_PREFIX", raising=False)
    spec = importlib.util.find_spec("paddlenlp")
    if spec is not None and spec.origin:
        source = (Path(spec.origin).parent / "utils" / "downloader.py").read_text()
        default = re.search(r'COMMUNITY_MODEL_PREFIX = os.getenv\("COMMUNITY_MODEL_PREFIX", "([^"]+)"\)', source).group(1)
        assert download.community_prefix() == default
    assert download.community_url("distilroberta-base", "config.json") == f"{download.DEFAULT_COMMUNITY_MODEL_PREFIX}/distilroberta-base/config.json"
    monkeypatch.setenv("COMMUNITY_MODEL_PREFIX", "http://mirror.local/x")
    assert download.community_url("a/b", "f.json", "sub") == "http://mirror.local/x/a/b/sub/f.json"


def test_settings_read_from_env_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("PADDLE_DISTILROBERTA_HOME", str(tmp_path / "h"))
    assert download.cache_home() == tmp_path / "h"
    monkeypatch.delenv("PADDLE_DISTILROBERTA_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert download.cache_home() == tmp_path / "xdg" / "paddle_distilroberta"
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert download.hf_cache_dir() == tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    assert download.hf_endpoint() == "http://127.0.0.1:9"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert download.is_offline()
    monkeypatch.setenv("PADDLE_DISTILROBERTA_TIMEOUT", "2.5")
    assert download.default_timeout() == 2.5
    monkeypatch.setenv("PADDLE_DISTILROBERTA_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="PADDLE_DISTILROBERTA_TIMEOUT"):
        download.default_timeout()


def test_import_creates_no_directories(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": "", "HF_HOME": "", "PADDLE_DISTILROBERTA_HOME": ""}
    env = {k: v for k, v in env.items() if v != ""}
    home.mkdir()
    code = "import paddle_distilroberta, paddle_distilroberta.cli, paddle_distilroberta.pretrained.resolve"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120, capture_output=True)
    created = [p for p in home.rglob("*") if "paddle_distilroberta" in str(p) or "huggingface" in str(p)]
    assert created == []


def test_download_error_types_are_oserrors():
    assert issubclass(RetriesExhaustedError, DownloadError) and issubclass(DownloadError, OSError)
    assert issubclass(RemoteFileMissing, FileNotFoundError)


_KILLED_CHILD = (
    "import sys; from paddle_distilroberta.pretrained.download import community_file; "
    "print(community_file(sys.argv[1], sys.argv[2]))"
)


def test_community_download_killed_midway_resumes_byte_identical(server, tmp_path, monkeypatch):
    """A real subprocess is killed mid-download; the next call resumes with Range and ends byte-identical."""
    payload = os.urandom(3_000_000)
    server.add_community("org/big", {"model_state.pdparams": payload})
    path = server.community_path("org/big", "model_state.pdparams")
    server.fail_always(path, ("throttle", 400_000))  # ~7.5 s in all
    monkeypatch.setenv("COMMUNITY_MODEL_PREFIX", server.community_prefix)
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_CHILD, "org/big", "model_state.pdparams"],
                            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dest = tmp_path / "home" / "community" / "org" / "big" / "model_state.pdparams"
    partial = dest.with_name(dest.name + ".incomplete")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if partial.exists() and partial.stat().st_size > 600_000:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    proc.kill()
    proc.wait(timeout=10)
    size_at_kill = partial.stat().st_size
    assert 0 < size_at_kill < len(payload) and not dest.exists()
    server.clear_faults()
    assert download.community_file("org/big", "model_state.pdparams") == dest
    assert dest.read_bytes() == payload and not partial.exists()
    starts = [int(r[len("bytes="):-1]) for p, r in server.ranges if p == path]
    assert starts and starts[-1] >= size_at_kill
    assert download.read_meta(dest)["sha256"] == hashlib.sha256(payload).hexdigest()
