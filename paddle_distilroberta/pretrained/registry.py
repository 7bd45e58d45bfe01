"""The pretrained-name registry: `configs/registry.json` loaded into frozen dataclasses and checked on load.

Every built-in name maps to an architecture config (an HF-style `config.json` file in `configs/`), a default
head class, and an ordered list of sources (Hugging Face hub repos, PaddleNLP community folders). Code never
holds per-name tables or URLs: adding a checkpoint means adding one entry to `configs/registry.json`.

Example:
    >>> from paddle_distilroberta.pretrained.registry import get_spec, list_pretrained
    >>> "distilroberta-base" in list_pretrained()
    True
    >>> get_spec("distilbert/distilroberta-base").name
    'distilroberta-base'
    >>> get_spec("distilroberta-base").config["num_hidden_layers"]
    6
"""
from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..errors import RegistryFormatError, UnknownModelError

__all__ = [
    "RegistryFormatError",
    "Source",
    "FileSets",
    "PretrainedSpec",
    "Registry",
    "configs_dir",
    "load_registry",
    "get_registry",
    "list_pretrained",
    "all_names",
    "get_spec",
    "find_spec",
    "default_files",
    "close_matches",
]

SCHEMA_VERSION = 1
SOURCE_TYPES = ("hf", "community")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
HUB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Keys every architecture config must carry, with their JSON types.
REQUIRED_CONFIG_KEYS: Mapping[str, Tuple[type, ...]] = MappingProxyType(
    {
        "model_type": (str,),
        "architectures": (list,),
        "vocab_size": (int,),
        "hidden_size": (int,),
        "num_hidden_layers": (int,),
        "num_attention_heads": (int,),
        "intermediate_size": (int,),
        "hidden_act": (str,),
        "hidden_dropout_prob": (int, float),
        "attention_probs_dropout_prob": (int, float),
        "max_position_embeddings": (int,),
        "type_vocab_size": (int,),
        "initializer_range": (int, float),
        "layer_norm_eps": (int, float),
        "pad_token_id": (int,),
        "bos_token_id": (int,),
        "eos_token_id": (int,),
    }
)
_ENTRY_KEYS = {"aliases", "config", "architecture", "description", "license", "sources", "sha256", "files"}
_FILE_SET_KEYS = ("config", "weights", "tokenizer", "tokenizer_optional")


@dataclass(frozen=True)
class Source:
    """One place a pretrained name can be downloaded from.

    Attributes:
        type: "hf" (Hugging Face hub repo) or "community" (PaddleNLP's community server, BOS).
        repo_id: the hub repo id (`org/name`), for type "hf".
        revision: branch, tag or commit hash on the hub, for type "hf".
        name: the folder under `COMMUNITY_MODEL_PREFIX`, for type "community".
    """

    type: str
    repo_id: Optional[str] = None
    revision: str = "main"
    name: Optional[str] = None

    def describe(self) -> str:
        """A one-line human-readable description, used in error messages."""
        if self.type == "hf":
            return f"Hugging Face hub repo {self.repo_id!r} (revision {self.revision!r})"
        return f"PaddleNLP community folder {self.name!r}"


@dataclass(frozen=True)
class FileSets:
    """File names looked for, in preference order.

    Attributes:
        config: config file names; the first present one is used.
        weights: weight files (or shard indexes); the first present one is used.
        tokenizer: tokenizer files; either vocab.json + merges.txt or tokenizer.json is needed.
        tokenizer_optional: fetched when the source has them.
    """

    config: Tuple[str, ...]
    weights: Tuple[str, ...]
    tokenizer: Tuple[str, ...]
    tokenizer_optional: Tuple[str, ...]


@dataclass(frozen=True)
class PretrainedSpec:
    """One registry entry.

    Attributes:
        name: the canonical name (lowercase, dashes).
        aliases: other accepted names (hub ids, old names).
        config_path: the architecture config file (HF `config.json` keys).
        architecture: the default head class of this package.
        description: one line for `info` and docs.
        license: the checkpoint's license.
        sources: where the files come from, in the order they are tried.
        sha256: known sha256 per file name (None where the source does not publish one).
        files: the file names looked for.
    """

    name: str
    aliases: Tuple[str, ...]
    config_path: Path
    architecture: str
    description: str
    license: str
    sources: Tuple[Source, ...]
    sha256: Mapping[str, Optional[str]]
    files: FileSets

    @property
    def config(self) -> Dict[str, Any]:
        """The architecture config as a fresh dict (callers may change it)."""
        return json.loads(self.config_path.read_text(encoding="utf-8"))

    @property
    def hf_repo_id(self) -> Optional[str]:
        """The first Hugging Face repo id among the sources, if any."""
        return next((s.repo_id for s in self.sources if s.type == "hf"), None)


@dataclass(frozen=True)
class Registry:
    """All entries, plus a lookup table from every accepted name (and alias) to its entry name."""

    path: Path
    entries: Mapping[str, PretrainedSpec]
    lookup: Mapping[str, str]
    defaults: FileSets

    def find(self, name: str) -> Optional[PretrainedSpec]:
        """Return the entry for a name or alias (exact, then case-insensitive), or None."""
        key = self.lookup.get(name) or self.lookup.get(name.lower())
        return self.entries[key] if key else None


def configs_dir() -> Path:
    """The folder that holds registry.json and the architecture configs.

    Installed, it is `paddle_distilroberta/configs`; in a source checkout (or editable install), the
    repository's top-level `configs/`.
    """
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "configs", package_dir.parent / "configs"):
        if (candidate / "registry.json").is_file():
            return candidate
    raise FileNotFoundError(
        f"registry.json not found in {package_dir / 'configs'} nor {package_dir.parent / 'configs'}; "
        "the package install is incomplete: reinstall it with `pip install paddle_distilroberta` (or `pip install -e .`)."
    )


def _fail(path: Path, where: str, problem: str) -> RegistryFormatError:
    return RegistryFormatError(f"{path}: {where}: {problem}. Fix the file (schema: configs/README.md).")


def _str_tuple(path: Path, where: str, value: Any) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, where, f"expected a list of non-empty strings, found {value!r}")
    return tuple(value)


def _parse_files(path: Path, where: str, raw: Any, base: Optional[FileSets]) -> FileSets:
    if not isinstance(raw, dict):
        raise _fail(path, where, f"expected an object, found {type(raw).__name__}")
    unknown = set(raw) - set(_FILE_SET_KEYS)
    if unknown:
        raise _fail(path, where, f"unknown keys {sorted(unknown)}; allowed: {list(_FILE_SET_KEYS)}")
    values = {}
    for key in _FILE_SET_KEYS:
        if key in raw:
            values[key] = _str_tuple(path, f"{where}.{key}", raw[key])
        elif base is not None:
            values[key] = getattr(base, key)
        else:
            raise _fail(path, where, f"missing key {key!r}")
    return FileSets(**values)


def _parse_source(path: Path, where: str, raw: Any) -> Source:
    if not isinstance(raw, dict) or raw.get("type") not in SOURCE_TYPES:
        raise _fail(path, where, f"expected an object with 'type' in {list(SOURCE_TYPES)}, found {raw!r}")
    if raw["type"] == "hf":
        if set(raw) - {"type", "repo_id", "revision"}:
            raise _fail(path, where, f"unknown keys {sorted(set(raw) - {'type', 'repo_id', 'revision'})}")
        repo_id, revision = raw.get("repo_id"), raw.get("revision")
        if not isinstance(repo_id, str) or not HUB_ID_RE.match(repo_id) or ".." in repo_id:
            raise _fail(path, where, f"'repo_id' must look like 'org/name', found {repo_id!r}")
        if not isinstance(revision, str) or not revision or ".." in revision:
            raise _fail(path, where, f"'revision' must be a branch, tag or commit (pin one explicitly), found {revision!r}")
        return Source(type="hf", repo_id=repo_id, revision=revision)
    if set(raw) - {"type", "name"}:
        raise _fail(path, where, f"unknown keys {sorted(set(raw) - {'type', 'name'})}")
    name = raw.get("name")
    if not isinstance(name, str) or not name or ".." in name or name.startswith("/") or "://" in name:
        raise _fail(path, where, f"'name' must be a relative folder name, found {name!r}")
    return Source(type="community", name=name)


def _check_config(path: Path, config_path: Path) -> None:
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise _fail(path, str(config_path.name), f"cannot read the architecture config ({err})") from err
    for key, types in REQUIRED_CONFIG_KEYS.items():
        value = config.get(key)
        if not isinstance(value, types) or isinstance(value, bool):
            raise _fail(path, config_path.name, f"key {key!r} must be {'/'.join(t.__name__ for t in types)}, found {value!r}")
    if config["hidden_size"] % config["num_attention_heads"]:
        raise _fail(
            path,
            config_path.name,
            f"hidden_size {config['hidden_size']} is not a multiple of num_attention_heads {config['num_attention_heads']}",
        )


def _parse_entry(path: Path, name: str, raw: Any, defaults: FileSets) -> PretrainedSpec:
    where = f"models.{name}"
    if not NAME_RE.match(name):
        raise _fail(path, where, "names are lowercase letters, digits, dots and dashes")
    if not isinstance(raw, dict):
        raise _fail(path, where, f"expected an object, found {type(raw).__name__}")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise _fail(path, where, f"unknown keys {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}")
    for key in ("config", "architecture", "description", "license"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _fail(path, f"{where}.{key}", f"expected a non-empty string, found {raw.get(key)!r}")
    if not raw["architecture"].startswith("DistilRoberta"):
        raise _fail(path, f"{where}.architecture", f"expected a class of this package (DistilRoberta...), found {raw['architecture']!r}")
    config_path = path.parent / raw["config"]
    if config_path.parent != path.parent or not config_path.is_file():
        raise _fail(path, f"{where}.config", f"{raw['config']!r} is not a file beside registry.json")
    _check_config(path, config_path)
    if not isinstance(raw.get("sources"), list):
        raise _fail(path, f"{where}.sources", "expected a list (possibly empty)")
    sources = tuple(_parse_source(path, f"{where}.sources[{i}]", s) for i, s in enumerate(raw["sources"]))
    sha = raw.get("sha256", {})
    if not isinstance(sha, dict) or not all(v is None or (isinstance(v, str) and SHA256_RE.match(v)) for v in sha.values()):
        raise _fail(path, f"{where}.sha256", "expected {file: 64 lowercase hex digits or null}")
    return PretrainedSpec(
        name=name,
        aliases=_str_tuple(path, f"{where}.aliases", raw.get("aliases", [])),
        config_path=config_path,
        architecture=raw["architecture"],
        description=raw["description"],
        license=raw["license"],
        sources=sources,
        sha256=MappingProxyType(dict(sha)),
        files=_parse_files(path, f"{where}.files", raw["files"], defaults) if "files" in raw else defaults,
    )


def load_registry(path: Optional[Path] = None) -> Registry:
    """Load and check a registry file (default: the package's `configs/registry.json`).

    Raises:
        RegistryFormatError: the file breaks the schema (the message names the entry and the problem).
    """
    path = Path(path) if path is not None else configs_dir() / "registry.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise _fail(path, "top level", f"not valid JSON ({err})") from err
    if not isinstance(raw, dict) or raw.get("schema_version") != SCHEMA_VERSION:
        raise _fail(path, "schema_version", f"expected {SCHEMA_VERSION}, found {raw.get('schema_version') if isinstance(raw, dict) else raw!r}")
    defaults = _parse_files(path, "defaults.files", raw.get("defaults", {}).get("files"), None)
    if not isinstance(raw.get("models"), dict) or not raw["models"]:
        raise _fail(path, "models", "expected a non-empty object")
    entries = {name: _parse_entry(path, name, entry, defaults) for name, entry in raw["models"].items()}
    lookup: Dict[str, str] = {}
    for spec in entries.values():
        for key in (spec.name, *spec.aliases):
            for variant in {key, key.lower()}:
                if lookup.get(variant, spec.name) != spec.name:
                    raise _fail(path, f"models.{spec.name}", f"name or alias {key!r} is already used by {lookup[variant]!r}")
                lookup[variant] = spec.name
    return Registry(path=path, entries=MappingProxyType(entries), lookup=MappingProxyType(lookup), defaults=defaults)


@functools.lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The package's registry, loaded once per process."""
    return load_registry()


def list_pretrained(*, include_configs_only: bool = False) -> List[str]:
    """Sorted canonical names that have at least one download source.

    Args:
        include_configs_only: also list entries that only provide an architecture (e.g. "tiny-random").
    """
    return sorted(s.name for s in get_registry().entries.values() if s.sources or include_configs_only)


def all_names() -> List[str]:
    """Every accepted name: canonical names and their aliases (for PaddleNLP's name tables)."""
    return sorted({n for s in get_registry().entries.values() if s.sources for n in (s.name, *s.aliases)})


def close_matches(name: str, candidates: Optional[List[str]] = None, n: int = 3) -> List[str]:
    """Registered names or aliases that look like `name` (case-insensitive), best first."""
    if candidates is None:
        candidates = sorted({n for s in get_registry().entries.values() for n in (s.name, *s.aliases)})
    pool = candidates
    by_lower = {c.lower(): c for c in pool}
    return [by_lower[m] for m in difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)]


def find_spec(name: str) -> Optional[PretrainedSpec]:
    """The registry entry for a name or alias, or None when there is none."""
    return get_registry().find(str(name))


def get_spec(name: str) -> PretrainedSpec:
    """The registry entry for a name or alias.

    Raises:
        UnknownModelError: no entry has that name or alias; the message lists close matches and all names.
    """
    spec = find_spec(name)
    if spec is None:
        matches = close_matches(str(name))
        hint = f" Did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
        raise UnknownModelError(
            f"Unknown pretrained name {str(name)!r}.{hint} Known names: {', '.join(list_pretrained(include_configs_only=True))}. "
            "Any Hugging Face repo id ('org/name') or a local folder also works."
        )
    return spec


def default_files() -> FileSets:
    """The file names looked for when a name is not in the registry (e.g. any hub repo id)."""
    return get_registry().defaults
