"""Hugging Face hub downloads: `huggingface_hub.hf_hub_download`, plus the checks it does not do.

What huggingface_hub 0.36 already does (so we do not redo it): a per-blob file lock, a `.incomplete` partial file
resumed with HTTP Range, moving the finished blob into place, retries with backoff on 5xx and connection errors
for each request (`http_backoff`), resuming a broken stream up to 5 times, a size check against the HEAD's
`X-Linked-Size`/`Content-Length`, timeouts (`etag_timeout` for HEAD, `HF_HUB_DOWNLOAD_TIMEOUT` for GET),
`HF_HOME`/`HF_HUB_CACHE`, tokens, revisions and `local_files_only`.

What it does not do, and this module adds:
  * content verification: the blob of a Git LFS file is named by its sha256 (the hub's `X-Linked-Etag`); we hash
    it after download and, on a mismatch, delete it (and its snapshot link) and raise `ChecksumError`. Plain git
    files are named by their git blob sha1, which we check the same way. A verified blob is marked in
    `<PADDLE_DISTILROBERTA_HOME>/verified/` so later loads do not hash hundreds of MB again.
  * retrying the cases it lets escape: a body cut short (`ChunkedEncodingError`) or a size mismatch ("Consistency
    check failed"); the retry resumes from the `.incomplete` file.
  * reading `HF_ENDPOINT`, the cache location and `HF_HUB_OFFLINE` at call time rather than at its import.
"""
from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path
from typing import Optional, Union

from ..errors import ChecksumError, RemoteFileMissing, SourceFailure
from . import download
from .files import atomic_write_text

logger = logging.getLogger(__name__)

__all__ = ["hub_file"]

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SHA1_RE = re.compile(r"^[0-9a-f]{40}$")


def _mark_path(etag: str) -> Path:
    return download.cache_home() / "verified" / etag


def _verify_blob(pointer: Path, repo_id: str, filename: str) -> None:
    """Check a downloaded hub file against the hash its blob is named after; delete it on a mismatch."""
    blob = Path(os.path.realpath(pointer))
    etag = blob.name
    is_lfs = bool(_SHA256_RE.match(etag))
    if not is_lfs and not _SHA1_RE.match(etag):
        return  # no symlinked blob store (e.g. Windows without symlinks): nothing to compare with
    stat = blob.stat()
    stamp = f"{stat.st_size} {stat.st_mtime_ns}"
    mark = _mark_path(etag)
    if is_lfs:
        try:
            if mark.read_text() == stamp:
                return
        except OSError:
            pass
    actual = download.sha256_file(blob) if is_lfs else download.git_blob_sha1(blob)
    if actual != etag:
        for path in (pointer, blob):
            try:
                os.unlink(path)
            except OSError:
                pass
        kind = "sha256 (the hub's X-Linked-Etag of this LFS file)" if is_lfs else "git blob sha1 (the hub's ETag)"
        raise ChecksumError(
            f"{repo_id}/{filename}: downloaded content has {kind} {actual}, expected {etag}. The file was removed "
            "from the cache. Retry; if it persists, the server or a proxy is altering the file."
        )
    if is_lfs:
        try:
            atomic_write_text(mark, stamp)
        except OSError as err:  # a read-only cache only costs a re-hash next time
            logger.debug("could not record the sha256 check of %s: %s", blob, err)


def _verify_expected(pointer: Path, repo_id: str, filename: str, sha256: str) -> None:
    """Compare with the registry's sha256 (the blob name when it is one, else hash the file)."""
    blob = Path(os.path.realpath(pointer))
    actual = blob.name if _SHA256_RE.match(blob.name) else download.sha256_file(blob)
    if actual != sha256.lower():
        raise ChecksumError(
            f"{repo_id}/{filename}: sha256 {actual} differs from {sha256} in configs/registry.json. The hub copy "
            "changed since the registry was written: pin the registry's revision to the checked commit, or update the "
            "sha256 entry after checking the new file."
        )


def _root_cause(err: BaseException) -> BaseException:
    while err.__cause__ is not None:
        err = err.__cause__
    return err


#: Modules whose exceptions are network failures (huggingface_hub 0.x uses requests, 1.x/2.x httpx / httpx2).
_NETWORK_MODULES = ("requests", "urllib3", "httpx", "httpx2", "httpcore", "httpcore2", "h11", "http.client", "ssl")


def _chain(err: BaseException):
    while err is not None:
        yield err
        err = err.__cause__ or err.__context__


def _status_code(err: BaseException) -> Optional[int]:
    for item in _chain(err):
        response = getattr(item, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            return status
    return None


def _is_network_error(err: BaseException) -> bool:
    return any(isinstance(item, (TimeoutError, ConnectionError))
               or type(item).__module__.split(".")[0] in _NETWORK_MODULES for item in _chain(err))


def _is_transient(err: BaseException) -> bool:
    """Worth retrying: a 5xx or 429 answer, a timeout, a dropped connection, a cut-off body (any HTTP library)."""
    status = _status_code(err)
    if status is not None:
        return status >= 500 or status == 429
    return _is_network_error(err) or "Consistency check failed" in str(err)


def _describe_failure(err: BaseException, timeout: float) -> str:
    cause = _root_cause(err)
    status = _status_code(err)
    if any("timeout" in type(item).__name__.lower() or "timed out" in str(item).lower() for item in _chain(err)):
        return f"timed out (no answer within {timeout:g} s)"
    if status is not None:
        return f"HTTP {status}"
    if any("connect" in type(item).__name__.lower() for item in _chain(err)):
        return f"could not connect ({type(cause).__name__})"
    return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}".rstrip(": ")


def hub_file(
    repo_id: str,
    filename: str,
    *,
    revision: str,
    subfolder: str = "",
    cache_dir: Optional[Path] = None,
    token: Union[str, bool, None] = None,
    local_files_only: bool = False,
    force_download: bool = False,
    timeout: Optional[float] = None,
    retries: Optional[int] = None,
    sha256: Optional[str] = None,
) -> Path:
    """Return the local path of one file of a hub repo, downloading and verifying it if needed.

    Args:
        repo_id: `org/name`.
        filename: the file inside the repo (inside `subfolder`).
        revision: branch, tag or commit hash.
        subfolder: a folder inside the repo.
        cache_dir: the hub cache (default: `hf_cache_dir()`, i.e. `HF_HUB_CACHE` / `HF_HOME/hub`).
        token: passed to huggingface_hub (None: its usual lookup of `HF_TOKEN` / the saved login).
        local_files_only: never touch the network.
        force_download: fetch again even if cached.
        timeout: seconds for the metadata request (default `download.default_timeout()`).
        retries: extra attempts after a cut-off body or a size mismatch.
        sha256: the sha256 the registry expects for this file, if known (checked besides the hub's ETag).

    Returns:
        The path in the snapshot folder `.../snapshots/<commit>/[subfolder/]filename`.

    Raises:
        RemoteFileMissing: the repo has no such file, or (offline) the cache does not hold it.
        SourceFailure: anything else; `.result` is a short reason for the resolver's summary.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    timeout = download.default_timeout() if timeout is None else timeout
    retries = download.default_retries() if retries is None else retries
    cache_dir = Path(cache_dir) if cache_dir is not None else download.hf_cache_dir()
    where = f"{repo_id}/{subfolder + '/' if subfolder else ''}{filename}@{revision}"
    reason = None if local_files_only else download.unreachable(download.hf_endpoint())
    if reason is not None:  # no retry storm: use the cached copy, if any, or fail now
        try:
            path = hf_hub_download(repo_id, filename, subfolder=subfolder or None, revision=revision,
                                   cache_dir=str(cache_dir), token=token, local_files_only=True)
        except (LocalEntryNotFoundError, EntryNotFoundError, OSError) as err:
            raise SourceFailure(f"{where}: the hub at {download.hf_endpoint()} is {reason}", reason) from err
        logger.info("The hub is %s; using the cached %s.", reason, where)
        return Path(path)
    attempt = 0
    while True:
        try:
            path = hf_hub_download(
                repo_id,
                filename,
                subfolder=subfolder or None,
                revision=revision,
                cache_dir=str(cache_dir),
                endpoint=download.hf_endpoint(),
                token=token,
                local_files_only=local_files_only,
                force_download=force_download,
                etag_timeout=timeout,
            )
            break
        except LocalEntryNotFoundError as err:
            if local_files_only:
                raise RemoteFileMissing(f"{where} is not in the hub cache {cache_dir}") from err
            raise SourceFailure(f"{where}: {err}", _describe_failure(err, timeout)) from err
        except EntryNotFoundError as err:
            raise RemoteFileMissing(f"{where}: the repo has no such file (404)") from err
        except GatedRepoError as err:
            raise SourceFailure(f"{where}: gated repo: {err}", "gated repo: accept its terms on the hub and pass token= (or set HF_TOKEN)") from err
        except RepositoryNotFoundError as err:
            raise SourceFailure(f"{where}: {err}", "repository not found (or private: pass token= / set HF_TOKEN)") from err
        except RevisionNotFoundError as err:
            raise SourceFailure(f"{where}: {err}", f"revision {revision!r} not found") from err
        except Exception as err:  # noqa: BLE001 - sorted below: HTTP answers and network errors of any library
            if _status_code(err) is None and not _is_network_error(err) and not isinstance(err, (OSError, HfHubHTTPError)):
                raise  # a bug, not a download failure
            attempt += 1
            if not _is_transient(err) or attempt > retries:
                raise SourceFailure(f"{where}: {err}", _describe_failure(err, timeout)) from err
            delay = download.backoff_delay(attempt)
            logger.warning("Hub download of %s: %s; retry %d/%d in %.1f s (resuming)", where, err, attempt, retries, delay)
            time.sleep(delay)
    try:
        _verify_blob(Path(path), repo_id, filename)
        if sha256 is not None:
            _verify_expected(Path(path), repo_id, filename, sha256)
    except ChecksumError as err:
        raise SourceFailure(str(err), f"checksum mismatch: {err}") from err
    return Path(path)
