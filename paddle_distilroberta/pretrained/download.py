"""Getting bytes onto disk: cache locations, settings read from the environment, and a robust URL downloader.

Everything here reads the environment at call time (never at import), and importing this module creates no
folders and opens no connections.

Environment variables:
    PADDLE_DISTILROBERTA_HOME: this package's cache root (default `$XDG_CACHE_HOME/paddle_distilroberta`,
        i.e. `~/.cache/paddle_distilroberta`). Holds `community/` (PaddleNLP community downloads),
        `converted/` (Paddle-layout conversions of PyTorch checkpoints) and `verified/` (sha256 check marks).
    PADDLE_DISTILROBERTA_TIMEOUT: seconds to wait for a server to connect or send data (default 10).
    PADDLE_DISTILROBERTA_RETRIES: retries after a 5xx, a connection error, a timeout or a cut-off body (default 5).
    PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS / HF_HUB_DISABLE_PROGRESS_BARS: hide progress bars.
    HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE): as in huggingface_hub.
    COMMUNITY_MODEL_PREFIX: PaddleNLP's community server prefix (default as in PaddleNLP).

`download_url` gives every file it writes these guarantees: a cross-process lock (filelock), a partial file
under a temporary name (`<name>.incomplete`) that a later call resumes with an HTTP Range request, retries
with exponential backoff, a timeout, a progress bar (tqdm), size and sha256 checks, and an atomic rename onto
the final name only after the checks pass: the final name never holds a half or corrupt file.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Optional, Union

from ..errors import (
    ChecksumError,
    DownloadError,
    HTTPStatusError,
    RemoteFileMissing,
    RetriesExhaustedError,
    SourceFailure,
)
from .files import atomic_write_text, publish

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_COMMUNITY_MODEL_PREFIX",
    "HTTPStatusError",
    "RetriesExhaustedError",
    "RemoteFileMissing",
    "SourceFailure",
    "community_file",
    "DownloadResult",
    "cache_home",
    "hf_cache_dir",
    "hf_endpoint",
    "community_prefix",
    "community_url",
    "is_offline",
    "default_timeout",
    "default_retries",
    "progress_disabled",
    "file_lock",
    "sha256_file",
    "git_blob_sha1",
    "backoff_delay",
    "download_url",
    "read_meta",
]

# The same default as paddlenlp/utils/downloader.py (PaddleNLP 2.8 - 3.0).
DEFAULT_COMMUNITY_MODEL_PREFIX = "https://bj.bcebos.com/paddlenlp/models/community"
DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 5
# Backoff: BACKOFF_BASE * 2**(attempt-1), capped at BACKOFF_MAX, plus up to 10% jitter. Tests may lower these.
BACKOFF_BASE = 0.5
BACKOFF_MAX = 8.0
LOCK_TIMEOUT = 1800.0  # seconds to wait for another process's download of the same file
CHUNK_SIZE = 1 << 20
STREAM_CHUNK_SIZE = 1 << 16  # small, so a broken transfer loses little (urllib3 drops the last partial read)
_TRUE = {"1", "ON", "YES", "TRUE"}
PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class DownloadResult:
    """What `download_url` stored.

    Attributes:
        path: the final file.
        size: its size in bytes.
        sha256: its sha256 (hex).
        downloaded: False when the file was already cached and nothing was fetched.
    """

    path: Path
    size: int
    sha256: str
    downloaded: bool


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().upper() in _TRUE


def cache_home() -> Path:
    """This package's cache root (not created here)."""
    value = os.environ.get("PADDLE_DISTILROBERTA_HOME")
    if value:
        return Path(value).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "paddle_distilroberta"


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, as huggingface_hub computes it, but read at call time."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "huggingface" / "hub"


def hf_endpoint() -> str:
    """`HF_ENDPOINT` (read now; huggingface_hub reads it only at its import), without a trailing slash."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_HF_ENDPOINT).rstrip("/")


def community_prefix() -> str:
    """`COMMUNITY_MODEL_PREFIX` with PaddleNLP's default, read now, without a trailing slash."""
    return (os.environ.get("COMMUNITY_MODEL_PREFIX") or DEFAULT_COMMUNITY_MODEL_PREFIX).rstrip("/")


def community_url(name: str, filename: str, subfolder: str = "") -> str:
    """`{prefix}/{name}/[{subfolder}/]{filename}`, exactly as paddlenlp.transformers.utils builds it."""
    parts = [community_prefix(), name] + ([subfolder] if subfolder else []) + [filename]
    return "/".join(parts)


def is_offline() -> bool:
    """True when `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`) is set to a true value now."""
    return _env_true("HF_HUB_OFFLINE") or _env_true("TRANSFORMERS_OFFLINE")


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError as err:
        raise ValueError(f"environment variable {name}={value!r} is not a number; unset it or give e.g. {name}={default}") from err


def default_timeout() -> float:
    """`PADDLE_DISTILROBERTA_TIMEOUT` or 10 seconds."""
    return _env_number("PADDLE_DISTILROBERTA_TIMEOUT", DEFAULT_TIMEOUT)


def default_retries() -> int:
    """`PADDLE_DISTILROBERTA_RETRIES` or 5."""
    return int(_env_number("PADDLE_DISTILROBERTA_RETRIES", DEFAULT_RETRIES))


def progress_disabled() -> Optional[bool]:
    """True when progress bars are switched off by env; None lets tqdm decide (off when not a terminal)."""
    if _env_true("PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS") or _env_true("HF_HUB_DISABLE_PROGRESS_BARS"):
        return True
    return None


@contextlib.contextmanager
def file_lock(lock_path: PathLike, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold a cross-process lock (filelock) on `lock_path`, creating its folder if needed."""
    import filelock

    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with filelock.FileLock(str(lock_path), timeout=timeout):
            yield
    except filelock.Timeout as err:
        raise DownloadError(
            f"Waited {timeout:.0f} s for the lock {lock_path} held by another process. If no other download is "
            "running, a process died holding it: delete that file and retry."
        ) from err


def sha256_file(path: PathLike) -> str:
    """The sha256 (hex) of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def git_blob_sha1(path: PathLike) -> str:
    """Git's object id of a file: sha1 of `blob <size>\\0<content>` (the hub's ETag of a non-LFS file)."""
    digest = hashlib.sha1(b"blob %d\0" % os.path.getsize(path))
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backoff_delay(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (1-based): exponential, capped, with jitter."""
    delay = min(BACKOFF_BASE * (2 ** (attempt - 1)), BACKOFF_MAX)
    return delay * (1 + 0.1 * random.random())


class _Retryable(Exception):
    """A transient failure: 5xx/429, connection error, timeout, or a body cut short."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


_CONTENT_RANGE_RE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def _total_size(response, resume: int) -> Optional[int]:
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None
    content_range = response.headers.get("Content-Range")
    if content_range:
        match = _CONTENT_RANGE_RE.match(content_range)
        if match and match.group(3) != "*":
            return int(match.group(3))
    length = response.headers.get("Content-Length")
    return int(length) + (resume if response.status_code == 206 else 0) if length is not None else None


def _fetch_once(url: str, part: Path, *, timeout: float, headers: Dict[str, str], desc: str) -> Optional[int]:
    """One GET into `part`, resuming it if it holds bytes. Returns the total size the server announced."""
    import requests
    from tqdm.auto import tqdm

    resume = part.stat().st_size if part.exists() else 0
    request_headers = {"Accept-Encoding": "identity", **headers}
    if resume:
        request_headers["Range"] = f"bytes={resume}-"
    try:
        response = requests.get(url, headers=request_headers, stream=True, timeout=(timeout, timeout))
    except requests.Timeout as err:
        raise _Retryable(f"no answer within {timeout:g} s ({type(err).__name__})", timed_out=True) from err
    except requests.ConnectionError as err:
        raise _Retryable(f"connection failed ({err})") from err
    with response:
        status = response.status_code
        if status == 416 and resume:
            match = re.match(r"bytes\s+\*/(\d+)", response.headers.get("Content-Range", ""))
            if match and int(match.group(1)) == resume:
                return resume  # the partial file was already complete
            part.unlink()
            raise _Retryable("the server refused to resume (416); starting over")
        if status >= 500 or status == 429:
            raise _Retryable(f"HTTP {status} {response.reason}")
        if status >= 400:
            raise HTTPStatusError(f"HTTP {status} {response.reason} for {url}", status)
        if status != 206:
            resume = 0  # the server ignored the Range header: start over
        total = _total_size(response, resume)
        try:
            with open(part, "ab" if resume else "wb") as fh, tqdm(
                total=total, initial=resume, unit="B", unit_scale=True, unit_divisor=1024, desc=desc,
                disable=progress_disabled(), leave=False,
            ) as bar:
                for chunk in response.iter_content(chunk_size=STREAM_CHUNK_SIZE):
                    fh.write(chunk)
                    bar.update(len(chunk))
        except requests.ConnectionError as err:  # includes read timeouts while streaming
            timed_out = "timed out" in str(err).lower() or "timeout" in type(err.__context__).__name__.lower()
            raise _Retryable(f"the transfer broke off ({err})", timed_out=timed_out) from err
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as err:
            raise _Retryable(f"the body was cut short ({err})") from err
    have = part.stat().st_size
    if total is not None and have < total:
        raise _Retryable(f"the body was cut short: {have} of {total} bytes")
    return total


def _verify(part: Path, url: str, *, announced: Optional[int], expected_size: Optional[int], sha256: Optional[str]) -> str:
    have = part.stat().st_size
    for label, want in (("the server announced", announced), ("the registry expects", expected_size)):
        if want is not None and have != want:
            part.unlink()
            raise ChecksumError(f"Downloaded {url} has {have} bytes but {label} {want}; the partial file was deleted. Retry the download.")
    digest = sha256_file(part)
    if sha256 is not None and digest != sha256.lower():
        part.unlink()
        raise ChecksumError(
            f"Downloaded {url} has sha256 {digest}, expected {sha256}; the file was deleted and nothing was cached. "
            "Retry later; if it persists the server copy changed: report it."
        )
    return digest


def _write_meta(dest: Path, meta: dict) -> None:
    atomic_write_text(dest.parent / ".meta" / f"{dest.name}.json", json.dumps(meta, indent=1))


def read_meta(dest: PathLike) -> Optional[dict]:
    """The metadata `download_url` stored beside `dest` (url, size, sha256), or None."""
    meta_path = Path(dest).parent / ".meta" / f"{Path(dest).name}.json"
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def download_url(
    url: str,
    dest: PathLike,
    *,
    expected_size: Optional[int] = None,
    sha256: Optional[str] = None,
    timeout: Optional[float] = None,
    retries: Optional[int] = None,
    force: bool = False,
    headers: Optional[Dict[str, str]] = None,
) -> DownloadResult:
    """Download `url` to `dest` with locking, resume, retries, a timeout, a progress bar and checks.

    Args:
        url: an http(s) URL.
        dest: the final path. Its folder is created if needed.
        expected_size: bytes the file must have, when known.
        sha256: the sha256 the file must have, when known.
        timeout: seconds for connecting and between received bytes (default `default_timeout()`).
        retries: retries after transient failures (default `default_retries()`).
        force: download again even if `dest` exists.
        headers: extra request headers.

    Returns:
        A `DownloadResult`.

    Raises:
        HTTPStatusError: a 4xx answer (not retried), e.g. 404.
        ChecksumError: the size or sha256 differs; nothing is left under `dest` or the partial name.
        DownloadError: transient failures outlasted the retries (the message says whether it timed out); the
            partial file stays under `<dest>.incomplete` so the next call resumes it.
    """
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"refusing to download {url!r}: only http:// and https:// URLs are fetched")
    dest = Path(dest)
    timeout = default_timeout() if timeout is None else timeout
    retries = default_retries() if retries is None else retries
    part = dest.with_name(dest.name + ".incomplete")
    with file_lock(dest.parent / ".locks" / f"{dest.name}.lock"):
        if dest.is_file() and not force:
            meta = read_meta(dest) or {}
            return DownloadResult(dest, dest.stat().st_size, meta.get("sha256") or sha256_file(dest), False)
        if force and part.exists():
            part.unlink()
        attempt = 0
        while True:
            try:
                announced = _fetch_once(url, part, timeout=timeout, headers=headers or {}, desc=dest.name)
                break
            except _Retryable as err:
                attempt += 1
                if attempt > retries:
                    what = f"timed out (no data for {timeout:g} s)" if err.timed_out else str(err)
                    raise RetriesExhaustedError(
                        f"Downloading {url} failed after {attempt} attempts: {what}. The {part.stat().st_size if part.exists() else 0} "
                        f"bytes received are kept in {part} and the next try resumes from there. Check the network, "
                        "or raise PADDLE_DISTILROBERTA_TIMEOUT / PADDLE_DISTILROBERTA_RETRIES.",
                        reason=what,
                        timed_out=err.timed_out,
                    ) from err
                delay = backoff_delay(attempt)
                logger.warning("Download of %s: %s; retry %d/%d in %.1f s", url, err, attempt, retries, delay)
                time.sleep(delay)
        digest = _verify(part, url, announced=announced, expected_size=expected_size, sha256=sha256)
        publish(part, dest)
        size = dest.stat().st_size
        _write_meta(dest, {"url": url, "size": size, "sha256": digest, "time": time.time()})
        logger.info("Downloaded %s (%d bytes) to %s", url, size, dest)
        return DownloadResult(dest, size, digest, True)


#: host:port -> (time of the probe, reason it is unreachable or None); probes are reused for this many seconds.
_REACHABILITY: Dict[str, tuple] = {}
REACHABILITY_TTL = 30.0
PROBE_TIMEOUT = 3.0


def unreachable(url: str, timeout: float = PROBE_TIMEOUT) -> Optional[str]:
    """Why the server of `url` cannot be reached at all (no DNS answer, connection refused, no route), or None.

    One TCP connect, remembered for `REACHABILITY_TTL` seconds per host, so that an offline machine fails in
    seconds instead of retrying every file. A connect that merely times out is not "unreachable" (a slow or
    lossy network): the usual retries handle it.
    """
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if not parsed.hostname:
        return None
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    key = f"{parsed.hostname}:{port}"
    seen = _REACHABILITY.get(key)
    if seen is not None and time.monotonic() - seen[0] < REACHABILITY_TTL:
        return seen[1]
    reason: Optional[str] = None
    try:
        socket.create_connection((parsed.hostname, port), timeout=timeout).close()
    except socket.gaierror as err:
        reason = f"unreachable: cannot resolve {parsed.hostname} ({err.strerror or err})"
    except socket.timeout:
        reason = None
    except OSError as err:  # ConnectionRefusedError, ENETUNREACH, EHOSTUNREACH, ...
        reason = f"unreachable: {key} {err.strerror or type(err).__name__}"
    _REACHABILITY[key] = (time.monotonic(), reason)
    return reason


def community_file(
    name: str,
    filename: str,
    *,
    subfolder: str = "",
    cache_root: Optional[Path] = None,
    local_files_only: bool = False,
    force_download: bool = False,
    sha256: Optional[str] = None,
    timeout: Optional[float] = None,
    retries: Optional[int] = None,
) -> Path:
    """One file of a PaddleNLP community folder, cached in `<home>/community/<name>/[subfolder/]`.

    Like PaddleNLP, a cached file is used without asking the server again (the community server has no
    revisions); `force_download=True` fetches it again.

    Raises:
        RemoteFileMissing: the server answers 404 (or 403, which BOS gives for a missing public object), or,
            offline, the file is not cached.
        SourceFailure: any other failure; `.result` is a short reason.
    """
    root = Path(cache_root) if cache_root is not None else cache_home()
    dest = root / "community" / name / subfolder / filename if subfolder else root / "community" / name / filename
    if dest.is_file() and not force_download:
        return dest
    url = community_url(name, filename, subfolder)
    if local_files_only:
        raise RemoteFileMissing(f"{url} is not in the local cache {dest.parent}")
    reason = unreachable(url)
    if reason is not None:
        raise SourceFailure(f"{url}: {reason}", reason)
    try:
        download_url(url, dest, sha256=sha256, timeout=timeout, retries=retries, force=force_download)
    except HTTPStatusError as err:
        if err.status_code in (403, 404):
            raise RemoteFileMissing(f"{url}: HTTP {err.status_code}") from err
        raise SourceFailure(str(err), f"HTTP {err.status_code}") from err
    except ChecksumError as err:
        raise SourceFailure(str(err), f"checksum mismatch: {err}") from err
    except RetriesExhaustedError as err:
        raise SourceFailure(str(err), err.reason) from err
    return dest
