"""File names of a checkpoint folder, and THE atomic write every file of this package goes through.

A reader never sees a half-written file: data goes to a temporary file beside the target, is flushed and
fsync'ed, then renamed onto the target (`os.replace`), and the folder is fsync'ed so the rename survives a
crash. On any error the temporary file is removed and the target is left as it was. Files get the user's
normal permissions (mode 0o666 minus the umask, like `open(..., "w")`), not `mkstemp`'s 0600.

    with atomic_path("out/model.safetensors") as tmp:   # write anything to `tmp`
        save_file(state, tmp)
    atomic_write_text("out/config.json", text)
    with atomic_dir("cache/converted/abc") as tmp_dir:   # a whole folder, renamed into place at the end
        ...

`publish(tmp, target)` is the one rename step; downloads use it directly for their resumable `.incomplete` file.

Also here, because they are names and small JSON rather than tensors: finding the config and weight files of a
folder, and reading shard indexes (`model.safetensors.index.json`, ...). No paddle, no numpy: the tokenizer and
the resolver use this module without importing a tensor library.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import uuid
from pathlib import Path
from typing import Any, Iterator, List, Union

from ..errors import CheckpointFormatError, UnsafeCheckpointError

PathLike = Union[str, "os.PathLike[str]"]

CONFIG_NAME = "config.json"
LEGACY_CONFIG_NAME = "model_config.json"  # PaddleNLP's older name
SAFE_WEIGHTS_NAME = "model.safetensors"
#: Weight files in order of preference; each may come as `<name>.index.json` + shards instead.
WEIGHT_NAMES = (SAFE_WEIGHTS_NAME, "pytorch_model.bin", "model_state.pdparams")
#: Tokenizer files of transformers, PaddleNLP and this package (copied along when a folder is converted).
TOKENIZER_FILES = ("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "added_tokens.json")
#: safetensors metadata of files in this package's (Paddle) layout.
PADDLE_FORMAT_METADATA = {"format": "paddle", "library": "paddle_distilroberta"}


def _temp_sibling(target: Path, kind: str = "tmp") -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.{kind}")


def fsync_dir(directory: PathLike) -> None:
    """Persist the entries of `directory` (a rename into it); best effort where folders cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: temporary path -> the mode it was created with (0o666 minus the umask), restored before the rename in case a
#: writer replaced the file (safetensors' `save_file` writes a new one with mode 0600)
_CREATED_MODES: dict = {}


def _create_empty(tmp: Path) -> Path:
    """Create `tmp` exclusively with the user's normal permissions (O_EXCL: never clobber someone else's file)."""
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    _CREATED_MODES[str(tmp)] = stat.S_IMODE(os.stat(tmp).st_mode)
    return tmp


def publish(tmp: PathLike, target: PathLike) -> None:
    """Make the finished file `tmp` appear as `target` in one step: fsync, rename, fsync the folder."""
    tmp, target = Path(tmp), Path(target)
    mode = _CREATED_MODES.pop(str(tmp), None)
    if mode is not None and stat.S_IMODE(os.stat(tmp).st_mode) != mode:
        os.chmod(tmp, mode)
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_path(target: PathLike) -> Iterator[Path]:
    """Yield an empty temporary file beside `target`; when the block succeeds it replaces `target`.

    The folder of `target` is created if needed. On any exception (KeyboardInterrupt included) the temporary
    file is removed and `target` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_empty(_temp_sibling(target))
    try:
        yield tmp
        publish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        _CREATED_MODES.pop(str(tmp), None)


def atomic_write_text(target: PathLike, text: str) -> Path:
    """Write `text` (UTF-8) to `target` atomically; returns `target`."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def atomic_copy(src: PathLike, target: PathLike) -> Path:
    """Copy the file `src` to `target` atomically; returns `target`."""
    with atomic_path(target) as tmp:
        shutil.copyfile(src, tmp)
    return Path(target)


#: The journal of a folder save (`folder_transaction`): present only while its renames are being applied.
SAVE_JOURNAL = ".paddle_distilroberta-save.json"


class FolderTransaction:
    """Several files of one folder replaced all-or-nothing (see `folder_transaction`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pending: dict = {}  # final name -> temporary path

    def path(self, name: str) -> Path:
        """A new empty temporary file that becomes `folder/name` when the transaction commits."""
        if name in self.pending or "/" in name or name in ("", ".", "..", SAVE_JOURNAL):
            raise ValueError(f"Cannot stage {name!r} in {self.folder}: a plain file name, once per save.")
        tmp = _create_empty(_temp_sibling(self.folder / name))
        self.pending[name] = tmp
        return tmp

    def write_text(self, name: str, text: str) -> Path:
        self.path(name).write_text(text, encoding="utf-8")
        return self.folder / name

    def commit(self) -> None:
        for tmp in self.pending.values():
            mode = _CREATED_MODES.pop(str(tmp), None)
            if mode is not None and stat.S_IMODE(os.stat(tmp).st_mode) != mode:
                os.chmod(tmp, mode)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        journal = {"renames": [[tmp.name, name] for name, tmp in self.pending.items()]}
        atomic_write_text(self.folder / SAVE_JOURNAL, json.dumps(journal, indent=1))  # the commit point
        _apply_journal(self.folder)

    def abort(self) -> None:
        for tmp in self.pending.values():
            tmp.unlink(missing_ok=True)
            _CREATED_MODES.pop(str(tmp), None)


@contextlib.contextmanager
def folder_transaction(folder: PathLike) -> Iterator[FolderTransaction]:
    """Replace several files of `folder` all-or-nothing, even if the process is killed part way.

    Files are written under temporary names (`txn.path(name)`), fsync'ed, then a journal listing the renames is
    written atomically (the commit point) and the renames are applied. A kill before the journal exists leaves
    the old files untouched; a kill after it is rolled forward by `recover_folder`, which every reader of a
    checkpoint or tokenizer folder calls first. So a folder reads as the old save or the new one, never a mix.
    Other files in the folder are left alone. On an exception the temporary files are removed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    recover_folder(folder)
    txn = FolderTransaction(folder)
    try:
        yield txn
        txn.commit()
    finally:
        txn.abort()  # removes what is left of the temporary files (none after a commit)


def _apply_journal(folder: Path) -> None:
    journal_path = folder / SAVE_JOURNAL
    try:
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        renames = [(str(a), str(b)) for a, b in journal["renames"]]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CheckpointFormatError(
            f"{journal_path} (the record of an interrupted save) is unreadable ({err}); the folder may mix two "
            "saves. Save the model again, or delete the file if you know the folder is complete."
        ) from err
    for tmp_name, name in renames:
        if "/" in tmp_name or "/" in name:
            raise CheckpointFormatError(f"{journal_path} lists a path ({tmp_name!r} -> {name!r}); refusing it.")
        if (folder / tmp_name).exists():
            publish(folder / tmp_name, folder / name)
    journal_path.unlink(missing_ok=True)
    fsync_dir(folder)


def recover_folder(folder: PathLike) -> bool:
    """Finish a save that was interrupted after its commit point (see `folder_transaction`); True if one was.

    Raises:
        PermissionError: the folder needs recovering but cannot be written (the message says what to do).
    """
    folder = Path(folder)
    if not (folder / SAVE_JOURNAL).is_file():
        return False
    try:
        _apply_journal(folder)
    except PermissionError as err:
        raise PermissionError(
            f"{folder} holds an interrupted save ({SAVE_JOURNAL}) that needs finishing, but the folder is not "
            "writable. Load it once from an account that can write it, or save the model again."
        ) from err
    return True


@contextlib.contextmanager
def atomic_dir(target: PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside `target`; when the block succeeds it replaces `target` whole.

    Every file in it should be written with `atomic_path` (or fsync'ed otherwise). A previous `target` is
    removed just before the rename, so a reader sees the old folder, no folder, or the new one; never a
    mix. On any exception the temporary folder is removed and `target` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_sibling(target, "tmpdir")
    tmp.mkdir()
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- the files of a checkpoint folder


def find_config_file(folder: PathLike) -> Path:
    """config.json, else PaddleNLP's legacy model_config.json (after finishing an interrupted save, if any)."""
    folder = Path(folder)
    recover_folder(folder)
    for name in (CONFIG_NAME, LEGACY_CONFIG_NAME):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"No {CONFIG_NAME} (or PaddleNLP's {LEGACY_CONFIG_NAME}) in {folder}: a model folder needs one. "
        "Save the model with save_pretrained, or copy the config.json of its checkpoint there."
    )


def find_weight_files(folder: PathLike) -> List[Path]:
    """The weight files of a folder, in preference order (safetensors, then .bin, then .pdparams)."""
    folder = Path(folder)
    recover_folder(folder)
    for name in WEIGHT_NAMES:
        if (folder / name).is_file():
            return [folder / name]
        index = folder / f"{name}.index.json"
        if index.is_file():
            shards = sorted(set(read_shard_index(index).values()))
            missing = [s for s in shards if not (folder / s).is_file()]
            if missing:
                raise FileNotFoundError(f"{index} lists shard(s) {missing} that are not in {folder}; re-download them.")
            return [folder / s for s in shards]
    raise FileNotFoundError(
        f"No weights in {folder}: expected one of {', '.join(WEIGHT_NAMES)} (or a sharded '<name>.index.json'). "
        f"Found: {sorted(p.name for p in folder.iterdir())}."
    )


# Python's json needs up to ~20 bytes of memory per byte of hostile JSON such as `[{},{},...]`: what a document
# would cost once parsed is estimated from its bytes first (a real header or index costs a few times its size).
MAX_JSON_OBJECTS_BYTES = 2**30
MAX_SHARD_INDEX_BYTES = 100_000_000  # a real index of a 100-billion-parameter model is a few MB


def check_json_cost(raw: bytes, what: str) -> None:
    """Refuse JSON whose parsed form would take more than `MAX_JSON_OBJECTS_BYTES` (estimated from counts)."""
    containers = raw.count(b"{") + raw.count(b"[")
    strings = (raw.count(b'"') - raw.count(b'\\"')) // 2
    cost = 64 * containers + 56 * strings + 8 * raw.count(b",") + len(raw)
    if cost > MAX_JSON_OBJECTS_BYTES:
        raise CheckpointFormatError(
            f"{what} has {len(raw)} bytes of JSON that would take about {cost // 2**20} MiB to parse "
            f"(more than {MAX_JSON_OBJECTS_BYTES // 2**20} MiB); the file is corrupt or crafted."
        )


def _brief(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _check_shard_name(name: Any, index_path: Path) -> str:
    if not isinstance(name, str) or not name or name in (".", "..") or "\0" in name:
        raise UnsafeCheckpointError(f"{str(index_path)!r} lists an invalid shard file name {_brief(name)}")
    if "/" in name or "\\" in name or os.path.basename(name) != name or Path(name).is_absolute():
        raise UnsafeCheckpointError(
            f"{str(index_path)!r} lists shard {_brief(name)}, which is not a plain file name; shards must lie "
            "in the same folder as the index (a path here could read files outside it)."
        )
    return name


def read_shard_index(index_path: PathLike) -> dict:
    """Read the `weight_map` (tensor name -> shard file name) of a sharded checkpoint's index.

    Works for `model.safetensors.index.json`, `pytorch_model.bin.index.json` and
    `model_state.pdparams.index.json`. Shard names must be plain file names in the index's folder.

    Raises:
        FileNotFoundError: `index_path` does not exist.
        CheckpointFormatError: not JSON, or no `weight_map` dict of str -> str.
        UnsafeCheckpointError: a shard name is a path (contains `/`, `\\`, `..`) rather than a file name.
    """
    index_path = Path(index_path)
    if not index_path.is_file():
        raise FileNotFoundError(f"shard index {str(index_path)!r} does not exist")
    size = index_path.stat().st_size
    if size > MAX_SHARD_INDEX_BYTES:
        raise CheckpointFormatError(f"shard index {str(index_path)!r} is {size} bytes (more than "
                                    f"{MAX_SHARD_INDEX_BYTES}); the file is corrupt or crafted.")
    raw = index_path.read_bytes()
    check_json_cost(raw, f"shard index {str(index_path)!r}")
    try:
        index = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError) as err:  # JSONDecodeError, UnicodeDecodeError: ValueErrors
        raise CheckpointFormatError(
            f"shard index {str(index_path)!r} is not valid JSON ({type(err).__name__}: {str(err)[:200]})"
        ) from None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        found = _brief(sorted(index)[:20]) if isinstance(index, dict) else type(index).__name__
        raise CheckpointFormatError(
            f"shard index {str(index_path)!r} has no 'weight_map' object (tensor name -> shard file); found {found}"
        )
    bad_keys = [k for k in weight_map if not isinstance(k, str)]
    if bad_keys:
        raise CheckpointFormatError(f"shard index {str(index_path)!r}: tensor names must be str, got {_brief(bad_keys[:5])}")
    return {key: _check_shard_name(shard, index_path) for key, shard in weight_map.items()}
