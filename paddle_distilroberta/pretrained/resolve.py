"""Name -> local folder: local folders, the registry's sources (Hugging Face hub, PaddleNLP community server), caches.

`resolve_pretrained(name_or_path, kind=...)` returns a folder holding the files of `kind`:

* a local folder is returned as is;
* a registered name or alias (`configs/registry.json`) tries its sources in order;
* any other `org/name` is a Hugging Face repo id, then a PaddleNLP community folder of the same name.

The folder holds the ORIGINAL files (a hub snapshot, a community download): this module never converts.
`pretrained/loading.py` turns a PyTorch-format folder into this package's layout and owns that cache; it
asks `cache_key` for the key of a resolved folder. The hub keyword arguments (`cache_dir`, `revision`,
`local_files_only`, `token`, `force_download`, `subfolder`) are parsed in one place: `HubOptions`.

Offline (`local_files_only=True` or `HF_HUB_OFFLINE=1`) nothing touches the network; when a file is missing the
error names what was asked, every source tried with its result, and how to fix it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlparse

from ..errors import ChecksumError, DownloadError, NotInCacheError, RemoteFileMissing, SourceFailure, UnknownModelError
from . import download, registry
from .registry import FileSets, PretrainedSpec, Source
from .files import find_config_file, read_shard_index

logger = logging.getLogger(__name__)

__all__ = ["HubOptions", "Resolved", "resolve", "resolve_pretrained", "resolve_config_file", "registry_config",
           "parse_name", "sources_for"]

KINDS = ("model", "tokenizer", "config")
_HUB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_REVISION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")

#: PaddleNLP / transformers loading arguments this package decides by itself: accepted with any value, logged.
IGNORED_KWARGS = (
    "from_hf_hub", "download_hub", "convert_from_torch", "convert_from_hf", "use_safetensors", "low_cpu_mem_usage",
    "load_state_as_np", "attn_implementation", "_fast_init", "resume_download", "use_fast", "return_tokenizer_kwargs",
    "_from_auto", "_from_pipeline", "_commit_hash", "trust_remote_code",
)
#: Arguments accepted only with the value that changes nothing here; any other value is refused (never ignored).
#: trust_remote_code=True is accepted: this package runs no code from a checkpoint either way.
_ONLY_NEUTRAL = {
    "from_aistudio": (False, "AI Studio's model hub is not supported; download the folder and pass its path"),
    "from_modelscope": (False, "ModelScope is not supported; download the folder and pass its path"),
    "variant": (None, "weight variants (e.g. 'fp16' files) are not supported; pass dtype= to cast on load"),
    "mirror": (None, "set HF_ENDPOINT (hub) or COMMUNITY_MODEL_PREFIX (PaddleNLP server) to use a mirror"),
    "proxies": (None, "set HTTPS_PROXY / HTTP_PROXY in the environment instead"),
    "return_unused_kwargs": (False, "every keyword is used or refused here, so there are none to return"),
}


@dataclass(frozen=True)
class HubOptions:
    """The resolver's keyword arguments, parsed once for every `from_pretrained` (see `resolve_pretrained`)."""

    cache_dir: Optional[Union[str, "os.PathLike[str]"]] = None
    revision: Optional[str] = None
    local_files_only: bool = False
    token: Union[str, bool, None] = None
    force_download: bool = False
    subfolder: str = ""

    FIELDS = ("cache_dir", "revision", "local_files_only", "token", "force_download", "subfolder")

    @classmethod
    def pop_from(cls, kwargs: Dict[str, Any]) -> "HubOptions":
        """Remove the hub arguments from `kwargs` (and `use_auth_token`, their old alias, and the loading
        arguments of PaddleNLP/transformers that this package decides by itself); return them as a HubOptions.

        Raises:
            TypeError: a loading argument with a value this package cannot honour (`variant="fp16"`,
                `from_aistudio=True`, `proxies={...}`, ...), with what to do instead.
        """
        found = {k: kwargs.pop(k) for k in cls.FIELDS if k in kwargs}
        alias = kwargs.pop("use_auth_token", None)
        if alias is not None and found.get("token") is None:
            found["token"] = alias
        for name, (neutral, why) in _ONLY_NEUTRAL.items():
            if name in kwargs:
                value = kwargs.pop(name)
                if value != neutral and not (neutral is False and value is None):
                    raise TypeError(f"from_pretrained({name}={value!r}) is not supported: {why}.")
        ignored = sorted(k for k in IGNORED_KWARGS if k in kwargs and kwargs.pop(k, None) is not None)
        if ignored:
            logger.debug("from_pretrained: ignoring %s (this package decides them by itself).", ignored)
        found["subfolder"] = found.get("subfolder") or ""
        return cls(**found)

    @classmethod
    def peek(cls, kwargs: Dict[str, Any]) -> "HubOptions":
        """Like `pop_from`, but leaves `kwargs` as it is."""
        return cls.pop_from(dict(kwargs))

    def as_kwargs(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass(frozen=True)
class _Request:
    """Everything a source fetcher needs besides the source itself."""

    name: str
    kind: str
    files: FileSets
    sha256: dict
    home: Path
    hub_cache: Optional[Path]
    offline: bool
    token: Union[str, bool, None]
    force_download: bool
    subfolder: str


def _local_folder(name_or_path: "str | os.PathLike[str]", subfolder: str) -> Optional[Path]:
    path = Path(name_or_path) / subfolder if subfolder else Path(name_or_path)
    return path if path.is_dir() else None


def parse_name(name: str) -> str:
    """Check a name that is not a local folder and return it in canonical form (hub URLs become repo ids).

    Accepted: registry names/aliases, hub repo ids `org/name`, `hf://org/name` and `https://<hub>/org/name`.

    Raises:
        UnknownModelError: `..` anywhere, an absolute or home-relative path that is not a folder, a URL with
            another scheme or host, or an unknown single name (with close matches).
    """
    if not isinstance(name, str) or not name.strip():
        raise UnknownModelError(f"Expected a pretrained name, hub repo id or folder, got {name!r}.")
    name = name.strip()
    explicit_hub = name.startswith("hf://")
    if "://" in name:
        name = _url_to_repo_id(name)
    if ".." in name.replace("\\", "/").split("/") or ".." in name:
        raise UnknownModelError(f"Refusing {name!r}: a pretrained name or repo id may not contain '..'. Pass a local folder path instead.")
    if name.startswith(("/", "\\", "~", "./")) or re.match(r"^[A-Za-z]:[\\/]", name) or "\\" in name:
        raise UnknownModelError(
            f"{name!r} looks like a path, but there is no such folder. Pass an existing folder that holds "
            "config.json and the weights, or a pretrained name (see `paddle-distilroberta info`)."
        )
    if registry.find_spec(name) is not None:
        return name
    first, _, rest = name.partition("/")
    if rest and not explicit_hub and Path(first).is_dir():
        raise UnknownModelError(
            f"No such folder: {name!r} ({first!r} is a folder here, but it has no {rest!r}). Check the path; to load "
            f"the hub repo of that name instead, write 'hf://{name}'."
        )
    if _HUB_ID_RE.match(name):
        return name
    if "/" in name:
        raise UnknownModelError(
            f"{name!r} is neither a local folder nor a hub repo id of the form 'org/name' (letters, digits, '-', '_', '.')."
        )
    registry.get_spec(name)  # raises UnknownModelError with close matches
    return name  # pragma: no cover


def _url_to_repo_id(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "hf":
        return (parsed.netloc + parsed.path).strip("/")
    hub_hosts = {urlparse(download.hf_endpoint()).netloc, "huggingface.co", "hf.co"}
    if parsed.scheme == "https" and parsed.netloc in hub_hosts:
        parts = [p for p in parsed.path.split("/") if p]
        if len(parts) >= 2:
            return "/".join(parts[:2])
    raise UnknownModelError(
        f"Refusing URL {url!r}: only hub repo URLs (https://huggingface.co/org/name or hf://org/name) are accepted; "
        "other schemes and hosts are never fetched. Download the files yourself and pass the folder."
    )


def sources_for(name: str, revision: Optional[str] = None) -> Tuple[Optional[PretrainedSpec], List[Source]]:
    """The registry entry (or None) and the ordered sources for a canonical name; `revision` overrides hub revisions."""
    if revision is not None and (not _REVISION_RE.match(revision) or ".." in revision):
        raise UnknownModelError(f"Refusing revision {revision!r}: use a branch, tag or commit hash.")
    spec = registry.find_spec(name)
    if spec is not None:
        base = list(spec.sources)
    else:
        base = [Source(type="hf", repo_id=name, revision="main"), Source(type="community", name=name)]
    if revision is not None:
        base = [Source(type="hf", repo_id=s.repo_id, revision=revision) if s.type == "hf" else s for s in base]
    return spec, base


# --------------------------------------------------------------------------------------------- weights formats


def _shards(index: Path, filename: str) -> List[str]:
    """The shard file names an index lists (checked to be plain file names), as a SourceFailure if unreadable."""
    try:
        return sorted(set(read_shard_index(index).values()))
    except (OSError, ValueError) as err:  # CheckpointFormatError, UnsafeCheckpointError are ValueErrors
        raise SourceFailure(f"{index}: {err}", f"unusable {filename}") from err


# --------------------------------------------------------------------------------------------- fetching


FetchOne = Callable[[str], Path]


def _first_present(fetch: FetchOne, names: Sequence[str]) -> Tuple[str, Path]:
    """Fetch the first of `names` the source has; raise RemoteFileMissing naming all of them if none."""
    for filename in names:
        try:
            return filename, fetch(filename)
        except RemoteFileMissing:
            continue
    raise RemoteFileMissing(f"none of {', '.join(names)}")


def _fetch_weights(fetch: FetchOne, names: Sequence[str]) -> Tuple[str, Path]:
    filename, path = _first_present(fetch, names)
    if filename.endswith(".index.json"):
        for shard in _shards(path, filename):
            try:
                fetch(shard)
            except RemoteFileMissing as err:
                raise SourceFailure(f"{path} lists {shard}, which is missing", f"shard {shard} missing") from err
    return filename, path


def _fetch_tokenizer(fetch: FetchOne, files: FileSets) -> Path:
    found = {}
    for filename in (*files.tokenizer, *files.tokenizer_optional):
        try:
            found[filename] = fetch(filename)
        except RemoteFileMissing:
            continue
    if not ("tokenizer.json" in found or {"vocab.json", "merges.txt"} <= set(found)):
        raise RemoteFileMissing("neither tokenizer.json nor vocab.json + merges.txt")
    return next(iter(found.values())).parent


def _fetcher(req: _Request, source: Source) -> FetchOne:
    common = dict(subfolder=req.subfolder, local_files_only=req.offline, force_download=req.force_download)
    if source.type == "hf":
        from .hub import hub_file

        return lambda filename: hub_file(source.repo_id, filename, revision=source.revision, cache_dir=req.hub_cache,
                                         token=req.token, sha256=req.sha256.get(filename), **common)
    return lambda filename: download.community_file(source.name, filename, cache_root=req.home,
                                                    sha256=req.sha256.get(filename), **common)


def _community_key(folder: Path, weights_file: str) -> str:
    """A content key for a community download: the sha256 of the weights file (and of its shards, if any)."""
    names = [weights_file]
    if weights_file.endswith(".index.json"):
        names += sorted(set(json.loads((folder / weights_file).read_text(encoding="utf-8"))["weight_map"].values()))
    digest = hashlib.sha256()
    for name in names:
        meta = download.read_meta(folder / name) or {}
        digest.update((meta.get("sha256") or download.sha256_file(folder / name)).encode())
    return digest.hexdigest()[:16]


def _fetch_model(req: _Request, source: Source) -> Path:
    fetch = _fetcher(req, source)
    _, config_path = _first_present(fetch, req.files.config)
    if source.type == "hf":
        key = _snapshot(config_path.parent, req.subfolder).name  # the commit the hub reported for this revision
        # fetch the weights from the very commit the config came from, even if the branch moves meanwhile
        fetch = _fetcher(req, Source(type="hf", repo_id=source.repo_id, revision=key))
    _fetch_weights(fetch, req.files.weights)
    return config_path.parent


def _snapshot(folder: Path, subfolder: str) -> Path:
    return folder.parents[len(Path(subfolder).parts) - 1] if subfolder else folder


def _fetch(req: _Request, source: Source) -> Path:
    if req.kind == "model":
        return _fetch_model(req, source)
    if req.kind == "config":
        return _first_present(_fetcher(req, source), req.files.config)[1].parent
    return _fetch_tokenizer(_fetcher(req, source), req.files)


def _where(source: Source, req: _Request) -> str:
    if source.type == "hf":
        return f"{source.describe()} at {download.hf_endpoint()}"
    return f"{source.describe()} at {download.community_url(source.name, '', req.subfolder).rstrip('/')}/"


def _expected_files(req: _Request) -> str:
    if req.kind == "model":
        return f"{' or '.join(req.files.config)}, plus one of {', '.join(req.files.weights)}"
    if req.kind == "config":
        return " or ".join(req.files.config)
    return "tokenizer.json, or vocab.json + merges.txt"


def _raise_not_found(req: _Request, tried: List[Tuple[Source, str, Optional[BaseException]]], offline_reason: str) -> None:
    lines = [f"  {i}. {_where(s, req)}: {result}" for i, (s, result, _) in enumerate(tried, 1)] or ["  (this name has no download source)"]
    head = f"Could not get the {req.kind} files of {req.name!r} ({_expected_files(req)})."
    if req.subfolder:
        head += f" Subfolder: {req.subfolder!r}."
    cli = f"paddle-distilroberta download {req.name}" + (" --tokenizer" if req.kind == "tokenizer" else "")
    if req.offline:
        fix = (
            f"Offline mode is on ({offline_reason}), so only local caches were searched (hub cache {req.hub_cache or download.hf_cache_dir()}, "
            f"package cache {req.home}). To fix: run `{cli}` on a machine with network access (same HF_HOME and "
            "PADDLE_DISTILROBERTA_HOME), or allow downloads (local_files_only=False / unset HF_HUB_OFFLINE), or pass "
            "the path of a local folder that holds these files."
        )
        cls = NotInCacheError
    elif tried and all(result.startswith("unreachable") for _, result, _ in tried):
        fix = (
            "The network looks unreachable. To fix: set HF_HUB_OFFLINE=1 to use only what is cached (run "
            f"`{cli}` on a machine with network access first), point HF_ENDPOINT (and COMMUNITY_MODEL_PREFIX) at a "
            "mirror you can reach, or pass the path of a local folder that holds these files."
        )
        cls = DownloadError
    else:
        fix = (
            "To fix: check the name and your network (HF_ENDPOINT / COMMUNITY_MODEL_PREFIX if you use mirrors), pass "
            "token= for private repos, or download the files yourself and pass the local folder."
        )
        cls = ChecksumError if any(isinstance(e, ChecksumError) for _, _, e in tried) else DownloadError
    last = next((e for _, _, e in reversed(tried) if e is not None), None)
    raise cls("\n".join([head, "Sources tried, in order:", *lines, fix])) from last


@dataclass(frozen=True)
class Resolved:
    """Where `resolve` found the files of a name, and a stable key of their content.

    `cache_key` is None for a local folder, else a relative path that changes whenever the files may
    (`hf/<org>--<name>/<commit>[/<subfolder>]`, `community/<name>/<sha256 of the weights>[/<subfolder>]`).
    `home` is the package cache root the request used. Loading keeps its converted copies under these keys.
    """

    folder: Path
    source: str
    cache_key: Optional[str]
    home: Path


def resolve(name_or_path: "str | os.PathLike[str]", kind: str = "model", hub: Optional[HubOptions] = None) -> Resolved:
    """Find the files of `kind` for `name_or_path` (see `resolve_pretrained`) and say where they came from."""
    hub = hub or HubOptions()
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    subfolder = hub.subfolder or ""
    if subfolder and (".." in Path(subfolder).parts or Path(subfolder).is_absolute()):
        raise UnknownModelError(f"Refusing subfolder {subfolder!r}: it must be a relative path without '..'.")
    home = Path(hub.cache_dir).expanduser() if hub.cache_dir is not None else download.cache_home()
    if not os.fspath(name_or_path).strip():
        raise UnknownModelError(
            f"Expected a pretrained name, hub repo id or folder, got {name_or_path!r} (an empty name would load the "
            "current directory). Pass '.' for the current directory explicitly."
        )
    local = _local_folder(name_or_path, subfolder)
    if local is not None:
        return Resolved(local, str(local), None, home)
    name = parse_name(os.fspath(name_or_path))
    spec, sources = sources_for(name, hub.revision)
    offline = bool(hub.local_files_only or download.is_offline())
    if offline and hub.force_download:
        raise ValueError("force_download=True cannot work offline (local_files_only=True or HF_HUB_OFFLINE=1).")
    req = _Request(
        name=name,
        kind=kind,
        files=spec.files if spec is not None else registry.default_files(),
        sha256=dict(spec.sha256) if spec is not None else {},
        home=home,
        hub_cache=home / "hub" if hub.cache_dir is not None else None,
        offline=offline,
        token=hub.token,
        force_download=hub.force_download,
        subfolder=subfolder,
    )
    tried: List[Tuple[Source, str, Optional[BaseException]]] = []
    for source in sources:
        if source.type == "community" and hub.revision is not None:
            tried.append((source, f"skipped: revision {hub.revision!r} was requested and this server has no revisions", None))
            continue
        try:
            folder = _fetch(req, source)
        except RemoteFileMissing as err:
            result = "not in the local cache" if offline else f"not found ({err})"
            tried.append((source, result, err))
        except SourceFailure as err:
            tried.append((source, err.result, err.__cause__ or err))
        else:
            logger.debug("Resolved %r (%s) to %s", name, kind, folder)
            return Resolved(folder, *_key(req, source, folder), home)
        logger.debug("%s: %s", _where(source, req), tried[-1][1])
    reason = "local_files_only=True" if hub.local_files_only else "HF_HUB_OFFLINE=1"
    _raise_not_found(req, tried, reason)
    raise AssertionError("unreachable")  # pragma: no cover


def _key(req: _Request, source: Source, folder: Path) -> Tuple[str, Optional[str]]:
    """(a label of the source, the cache key of the files in `folder`) for a model folder just fetched."""
    tail = f"/{req.subfolder}" if req.subfolder else ""
    if source.type == "hf":
        commit = _snapshot(folder, req.subfolder).name
        org, repo = source.repo_id.split("/", 1)
        return f"{source.repo_id}@{commit}", f"hf/{org}--{repo}/{commit}{tail}"
    weights = next((w for w in req.files.weights if (folder / w).is_file()), None) if req.kind == "model" else None
    if weights is None:
        return f"community:{source.name}", None
    key = _community_key(folder, weights)
    return f"community:{source.name}@{key}", f"community/{source.name.replace('/', '--')}/{key}{tail}"


def resolve_pretrained(
    name_or_path: "str | os.PathLike[str]",
    *,
    kind: str = "model",
    cache_dir: Optional["str | os.PathLike[str]"] = None,
    revision: Optional[str] = None,
    local_files_only: bool = False,
    token: Optional[str] = None,
    force_download: bool = False,
    subfolder: str = "",
) -> Path:
    """Return a local folder that holds the original files of `kind` for `name_or_path`.

    Args:
        name_or_path: a local folder, a registered name or alias ("distilroberta-base"), or a hub repo id.
        kind: "model" (a config.json or model_config.json plus weights), "config" (the config file only) or
            "tokenizer" (tokenizer.json and/or vocab.json + merges.txt, plus tokenizer_config.json /
            special_tokens_map.json when present).
        cache_dir: a cache root used instead of both `PADDLE_DISTILROBERTA_HOME` and the hub cache (hub files go
            to `<cache_dir>/hub`).
        revision: a hub branch, tag or commit (overrides the registry's); the community server has none.
        local_files_only: never touch the network (also implied by `HF_HUB_OFFLINE=1`).
        token: hub token (None: huggingface_hub's usual lookup).
        force_download: fetch again even if cached.
        subfolder: a folder inside the repo / local folder.

    Returns:
        The folder, as downloaded (a PyTorch-format checkpoint is converted by `pretrained.loading`, not here).

    Raises:
        UnknownModelError: an unknown or unsafe name (with close matches for near-misses).
        NotInCacheError: offline and no local copy; the message lists each source and what to do.
        ChecksumError: a download did not match its published size / sha256 (nothing was cached).
        DownloadError: every source failed; the message lists each source with its result.
    """
    hub = HubOptions(cache_dir=cache_dir, revision=revision, local_files_only=local_files_only, token=token,
                     force_download=force_download, subfolder=subfolder or "")
    return resolve(name_or_path, kind, hub).folder


def resolve_config_file(name_or_path: "str | os.PathLike[str]", hub: Optional[HubOptions] = None) -> Path:
    """The config file of a config path, local folder, built-in name or hub repo id (no weights are fetched)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    return find_config_file(resolve(name_or_path, "config", hub).folder)


def registry_config(name: "str | os.PathLike[str]") -> Optional[Dict[str, Any]]:
    """The architecture config of a registered name that has no download source (e.g. "tiny-random"), else None.

    Such entries are configs only: `AutoConfig.from_pretrained(name)` and `AutoModel.from_config` use them;
    there are no weights to load.
    """
    if not isinstance(name, str) or Path(name).exists():
        return None
    spec = registry.find_spec(name.strip())
    if spec is None or spec.sources:
        return None
    return dict(spec.config)
