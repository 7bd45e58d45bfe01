"""A local stand-in for the Hugging Face hub and PaddleNLP's community server (BOS), with failure knobs.

A real `http.server.ThreadingHTTPServer` on 127.0.0.1 (port 0). Layouts served:

* hub: `GET`/`HEAD /{org}/{name}/resolve/{revision}/{filename}` as the real hub answers them: plain git files get
  `200` with `ETag` (the git blob sha1), `X-Repo-Commit`, `Content-Length`, `Accept-Ranges`; Git LFS files
  (`.safetensors`, `.bin`, `.pdparams`, `.h5`, `.msgpack`) get `302` to a CDN-like path (`/cdn-lfs/{sha256}`)
  with `X-Linked-Etag`/`ETag` = the sha256, `X-Linked-Size` and `X-Repo-Commit`. As on the real hub, the CDN is
  ANOTHER host (`server.cdn_url`, http://localhost:PORT, the same loopback socket under another name):
  huggingface_hub >= 1.0 follows redirects only within the hub's host and reads the file's metadata from the
  302 itself, so a same-host CDN would hide missing headers.
  Missing repos, revisions and files get 404 with the hub's `X-Error-Code` (RepoNotFound, RevisionNotFound,
  EntryNotFound).
* CDN: `GET`/`HEAD /cdn-lfs/{sha256}` with HTTP Range support.
* BOS: `GET`/`HEAD /bos/community/{name}/{file}` with Range support (`server.community_prefix`).

Failure knobs, per URL path and method (queued faults are used once each, in order; `always` ones stay):
`("status", 500)`, `("truncate", fraction)` (announce the full length, send part, close), `("corrupt",)`
(same length, different bytes), `("stall", seconds)` (sleep before answering), `("stall_body", seconds)`
(send half the body, then sleep), `("throttle", bytes_per_second)`. Every request is counted per
(method, path), and Range and Authorization headers are recorded.

Usable as a module (`from hub_server import HubServer`) and from the command line for benchmarks:
`python tests/hub_server.py --repo org/name=DIR` prints its URL and serves until killed.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Deque, Dict, List, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".pdparams", ".h5", ".msgpack", ".ot")
Fault = Tuple
FileData = Union[bytes, str, Path]


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _read(data: FileData) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, Path):
        return data.read_bytes()
    return data.encode("utf-8")


class _Repo:
    def __init__(self) -> None:
        self.revisions: Dict[str, str] = {}  # branch/tag -> commit
        self.commits: Dict[str, Dict[str, bytes]] = {}  # commit -> files


class HubServer:
    """The server plus its state. Use `start()`/`stop()` (or a `with` block)."""

    def __init__(self) -> None:
        self.repos: Dict[str, _Repo] = {}
        self.blobs: Dict[str, bytes] = {}  # sha256 -> bytes (the CDN)
        self.community: Dict[str, bytes] = {}  # "name/file" -> bytes
        self.hits: collections.Counter = collections.Counter()
        self.ranges: List[Tuple[str, str]] = []
        self.auth: List[Tuple[str, str]] = []  # (path, Authorization header) for requests that sent one
        self._queued: Dict[Tuple[str, str], Deque[Fault]] = collections.defaultdict(collections.deque)
        self._always: Dict[Tuple[str, str], Fault] = {}
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ----------------------------------------------------------------------------------------- lifecycle
    def start(self) -> "HubServer":
        handler = type("Handler", (_Handler,), {"hub": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="hub-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "HubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def cdn_url(self) -> str:
        """The CDN's base URL: this server under the host name `localhost` (another host, as the real CDN is)."""
        assert self._httpd is not None, "server not started"
        return f"http://localhost:{self._httpd.server_address[1]}"

    @property
    def community_prefix(self) -> str:
        return f"{self.url}/bos/community"

    # ----------------------------------------------------------------------------------------- content
    def add_repo(self, repo_id: str, files: Dict[str, FileData], revision: str = "main") -> str:
        """Publish `files` as a new commit of `repo_id` on branch `revision`; returns the commit hash."""
        content = {name: _read(data) for name, data in files.items()}
        digest = hashlib.sha1(repr(sorted((n, hashlib.sha256(b).hexdigest()) for n, b in content.items())).encode())
        digest.update(f"{repo_id}@{revision}@{time.time_ns()}".encode())
        commit = digest.hexdigest()
        with self._lock:
            repo = self.repos.setdefault(repo_id, _Repo())
            repo.commits[commit] = content
            repo.revisions[revision] = commit
            for name, data in content.items():
                if name.endswith(LFS_SUFFIXES):
                    self.blobs[hashlib.sha256(data).hexdigest()] = data
        return commit

    def add_repo_dir(self, repo_id: str, folder: Path, revision: str = "main") -> str:
        """Publish every file of a local folder (recursively) as a commit."""
        folder = Path(folder)
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        return self.add_repo(repo_id, files, revision)

    def add_community(self, name: str, files: Dict[str, FileData]) -> None:
        with self._lock:
            for filename, data in files.items():
                self.community[f"{name}/{filename}"] = _read(data)

    # ----------------------------------------------------------------------------------------- paths and knobs
    def resolve_path(self, repo_id: str, filename: str, revision: str = "main") -> str:
        return f"/{repo_id}/resolve/{revision}/{filename}"

    def cdn_path(self, data: bytes) -> str:
        return f"/cdn-lfs/{hashlib.sha256(data).hexdigest()}"

    def community_path(self, name: str, filename: str) -> str:
        return f"/bos/community/{name}/{filename}"

    def fail(self, path: str, *faults: Fault, method: str = "GET") -> None:
        """Queue faults for the next requests of `method` on `path` (one per request)."""
        with self._lock:
            self._queued[(method, path)].extend(faults)

    def fail_always(self, path: str, fault: Optional[Fault], method: str = "GET") -> None:
        with self._lock:
            if fault is None:
                self._always.pop((method, path), None)
            else:
                self._always[(method, path)] = fault

    def clear_faults(self) -> None:
        with self._lock:
            self._queued.clear()
            self._always.clear()

    def count(self, path: str, method: str = "GET") -> int:
        with self._lock:
            return self.hits[(method, path)]

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            self.hits[(method, path)] += 1
            queue = self._queued.get((method, path))
            if queue:
                return queue.popleft()
            return self._always.get((method, path))


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_GET(self) -> None:
        self._handle(head=False)

    # ----------------------------------------------------------------------------------------- routing
    def _handle(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        method = "HEAD" if head else "GET"
        fault = self.hub._take_fault(method, path)
        with self.hub._lock:
            if self.headers.get("Range"):
                self.hub.ranges.append((path, self.headers["Range"]))
            if self.headers.get("Authorization"):
                self.hub.auth.append((path, self.headers["Authorization"]))
        try:
            if fault and fault[0] == "stall":
                time.sleep(fault[1])
            if fault and fault[0] == "status":
                return self._error(fault[1], {})
            if path.startswith("/cdn-lfs/"):
                data = self.hub.blobs.get(path.rsplit("/", 1)[-1])
                if data is None:
                    return self._error(404, {})
                return self._send_body(data, head, {"ETag": f'"{hashlib.sha256(data).hexdigest()}"'}, fault)
            if path.startswith("/bos/community/"):
                data = self.hub.community.get(path[len("/bos/community/") :])
                if data is None:
                    return self._error(404, {})
                return self._send_body(data, head, {"ETag": f'"{hashlib.md5(data).hexdigest()}"'}, fault)
            parts = path.strip("/").split("/")
            if len(parts) >= 5 and parts[2] == "resolve":
                return self._resolve("/".join(parts[:2]), parts[3], "/".join(parts[4:]), head, fault)
            return self._error(404, {"X-Error-Code": "RepoNotFound"})
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _resolve(self, repo_id: str, revision: str, filename: str, head: bool, fault: Optional[Fault]) -> None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            return self._error(404, {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})
        commit = repo.revisions.get(revision) or (revision if revision in repo.commits else None)
        if commit is None:
            return self._error(404, {"X-Error-Code": "RevisionNotFound", "X-Error-Message": "Invalid rev id"})
        data = repo.commits[commit].get(filename)
        if data is None:
            return self._error(404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit})
        headers = {"X-Repo-Commit": commit}
        if filename.endswith(LFS_SUFFIXES):
            sha = hashlib.sha256(data).hexdigest()
            self.send_response(302)
            for key, value in {
                **headers,
                "Location": f"{self.hub.cdn_url}/cdn-lfs/{sha}",
                "X-Linked-Etag": f'"{sha}"',
                "ETag": f'"{sha}"',
                "X-Linked-Size": str(len(data)),
                "Content-Length": "0",
            }.items():
                self.send_header(key, value)
            self.end_headers()
            return None
        headers["ETag"] = f'"{git_blob_sha1(data)}"'
        return self._send_body(data, head, headers, fault)

    # ----------------------------------------------------------------------------------------- responses
    def _error(self, status: int, headers: Dict[str, str]) -> None:
        body = f"error {status}".encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_body(self, data: bytes, head: bool, headers: Dict[str, str], fault: Optional[Fault]) -> None:
        if fault and fault[0] == "corrupt":
            data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]
        start, total = 0, len(data)
        range_header = self.headers.get("Range")
        status = 200
        if range_header and range_header.startswith("bytes="):
            first, _, last = range_header[len("bytes=") :].partition("-")
            start = int(first or 0)
            end = int(last) + 1 if last else total
            if start >= total:
                return self._error(416, {"Content-Range": f"bytes */{total}"})
            status = 206
            body = data[start:end]
            headers = {**headers, "Content-Range": f"bytes {start}-{start + len(body) - 1}/{total}"}
        else:
            body = data
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body)), "Accept-Ranges": "bytes"}.items():
            self.send_header(key, value)
        self.end_headers()
        if head:
            return
        if fault and fault[0] == "truncate":
            self.wfile.write(body[: int(len(body) * fault[1])])
            self.wfile.flush()
            self.close_connection = True
            return
        if fault and fault[0] == "stall_body":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(fault[1])
            self.close_connection = True
            return
        if fault and fault[0] == "throttle":
            step = max(1, int(fault[1] / 20))
            for i in range(0, len(body), step):
                self.wfile.write(body[i : i + step])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", action="append", default=[], help="ORG/NAME=FOLDER to serve as a hub repo")
    parser.add_argument("--community", action="append", default=[], help="NAME=FOLDER to serve on the BOS layout")
    args = parser.parse_args(argv)
    server = HubServer().start()
    for spec in args.repo:
        repo_id, folder = spec.split("=", 1)
        server.add_repo_dir(repo_id, Path(folder))
    for spec in args.community:
        name, folder = spec.split("=", 1)
        server.add_community(name, {p.name: p for p in Path(folder).iterdir() if p.is_file()})
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
