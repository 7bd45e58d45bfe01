"""pretrained/files.py: THE atomic write, and that every file the package writes goes through it."""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

import paddle_distilroberta as pdr
from paddle_distilroberta.pretrained import files

from conftest import FIXTURES, REPO_ROOT

MLM = FIXTURES / "models" / "RobertaForMaskedLM"


def _leftovers(folder: Path) -> list:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*") if ".tmp" in p.name)


def test_atomic_path_publishes_on_success_with_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with files.atomic_path(tmp_path / "sub" / "a.txt") as tmp:
            assert tmp.parent == tmp_path / "sub" and tmp.name.startswith(".a.txt.")
            tmp.write_text("new")
    finally:
        os.umask(old)
    target = tmp_path / "sub" / "a.txt"
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644, "mkstemp's 0600 would hide the file from other users"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_atomic_path_error_keeps_the_old_file_and_leaves_no_temporary(tmp_path, error):
    target = files.atomic_write_text(tmp_path / "a.txt", "old")
    with pytest.raises(type(error)):
        with files.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise error
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


def test_atomic_dir_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "converted"
    with files.atomic_dir(target) as tmp:
        files.atomic_write_text(tmp / "x", "1")
    assert (target / "x").read_text() == "1"
    with pytest.raises(RuntimeError):
        with files.atomic_dir(target) as tmp:
            files.atomic_write_text(tmp / "y", "2")
            raise RuntimeError("conversion failed")
    assert sorted(p.name for p in target.iterdir()) == ["x"] and _leftovers(tmp_path) == []
    with files.atomic_dir(target) as tmp:
        files.atomic_write_text(tmp / "y", "2")
    assert sorted(p.name for p in target.iterdir()) == ["y"]


def test_one_implementation_of_atomic_writes():
    """Renames into place and temporary-file creation exist only in pretrained/files.py."""
    pattern = re.compile(r"os\.replace\(|os\.rename\(|mkstemp\(|NamedTemporaryFile\(|shutil\.move\(")
    offenders = []
    for path in sorted((REPO_ROOT / "paddle_distilroberta").rglob("*.py")):
        if path.name == "files.py" and path.parent.name == "pretrained":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


@pytest.fixture
def published(monkeypatch):
    """Record every file that reaches its final name through files.publish / atomic_dir."""
    seen = []
    real_publish = files.publish

    def publish(tmp, target):
        seen.append(Path(target).resolve())
        return real_publish(tmp, target)

    monkeypatch.setattr(files, "publish", publish)
    return seen


def _all_files(folder: Path) -> set:
    return {p.resolve() for p in folder.rglob("*") if p.is_file()}


def test_model_and_config_saves_go_through_the_atomic_write(published, tmp_path):
    model = pdr.DistilRobertaForMaskedLM.from_pretrained(MLM)
    model.save_pretrained(tmp_path / "pd")
    model.save_pretrained(tmp_path / "hf", hf_format=True)
    model.config.save_pretrained(tmp_path / "cfg")
    for folder in ("pd", "hf", "cfg"):
        assert _all_files(tmp_path / folder) <= set(published), folder


def test_tokenizer_save_goes_through_the_atomic_write(published, tmp_path, roberta_bpe_dir):
    tok = pdr.AutoTokenizer.from_pretrained(roberta_bpe_dir)
    tok.add_tokens(["<new-token>"])
    written = tok.save_pretrained(tmp_path / "tok")
    assert {Path(p).resolve() for p in written} == _all_files(tmp_path / "tok") <= set(published)


def test_tokenizer_save_failing_midway_leaves_no_temporary_file(tmp_path, roberta_bpe_dir, monkeypatch):
    tok = pdr.AutoTokenizer.from_pretrained(roberta_bpe_dir)
    tok.save_pretrained(tmp_path)
    before = (tmp_path / "tokenizer_config.json").read_text()
    original = Path.write_text

    def fail_midway(self, text, *args, **kwargs):
        if self.name.startswith(".tokenizer_config.json"):
            original(self, text[: len(text) // 2], *args, **kwargs)
            raise OSError("No space left on device")
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", fail_midway)
    with pytest.raises(OSError, match="No space left"):
        tok.save_pretrained(tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "tokenizer_config.json").read_text() == before and _leftovers(tmp_path) == []


def test_conversion_goes_through_the_atomic_write(published, tmp_path):
    out = pdr.auto.convert_checkpoint(MLM, tmp_path / "converted")
    assert _all_files(out) <= set(published)


# ------------------------------------------------------------------ killed saves
_KILLED_SAVE = r"""
import os, signal, sys
from pathlib import Path
import paddle
import paddle_distilroberta as pdr
from paddle_distilroberta.pretrained import files

kind, folder, stage, source = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
if kind == "model":
    obj = pdr.DistilRobertaForMaskedLM.from_pretrained(source)
    for p in obj.parameters():
        p.set_value(p + 1.0)  # the new weights
    obj.config.finetuning_task = "new"
else:
    obj = pdr.AutoTokenizer.from_pretrained(source)
    obj.add_tokens(["<brand_new>"])
    obj.model_max_length = 77
publishes = []
real_publish = files.publish

def publish(tmp, target):  # publish #0 is the journal (the commit point), then one per file
    if stage == f"publish{len(publishes)}":
        os.kill(os.getpid(), signal.SIGKILL)
    publishes.append(str(target))
    return real_publish(tmp, target)

files.publish = publish
obj.save_pretrained(folder)
if stage == "after-renames":  # every file renamed, the journal not yet removed
    os.kill(os.getpid(), signal.SIGKILL)
print("SAVED", len(publishes))
"""


def _killed_save(kind: str, folder: Path, stage: str, source: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _KILLED_SAVE, kind, str(folder), stage, str(source)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, -9), proc.stderr[-2000:]


def _model_state(folder: Path):
    model = pdr.DistilRobertaForMaskedLM.from_pretrained(folder)
    return model.config.to_dict().get("finetuning_task"), model.state_dict()["roberta.embeddings.word_embeddings.weight"].numpy()


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["publish0", "publish1", "publish2", "after-renames", "none"])
def test_killed_model_save_loads_as_old_or_new(stage, tmp_path):
    """A kill at any point of save_pretrained leaves a folder that loads as the previous save or the new one.

    Regression: config.json was renamed before model.safetensors, and a kill in between left a new config with
    old weights that loaded without complaint.
    """
    folder = tmp_path / "ckpt"
    pdr.DistilRobertaForMaskedLM.from_pretrained(MLM).save_pretrained(folder)
    old_task, old_weights = _model_state(folder)
    _killed_save("model", folder, stage, MLM)
    task, weights = _model_state(folder)
    if task == "new":
        assert stage != "publish0", "killed before the commit point, yet the new save shows"
        assert abs(weights - (old_weights + 1.0)).max() < 1e-6
    else:
        assert task == old_task and stage == "publish0"
        assert (weights == old_weights).all()
    assert not (folder / files.SAVE_JOURNAL).exists()


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["publish0", "publish1", "publish3", "publish5", "after-renames"])
def test_killed_tokenizer_save_loads_as_old_or_new(stage, tmp_path, roberta_bpe_dir):
    folder = tmp_path / "tok"
    pdr.AutoTokenizer.from_pretrained(roberta_bpe_dir).save_pretrained(folder)
    _killed_save("tokenizer", folder, stage, roberta_bpe_dir)
    tok = pdr.AutoTokenizer.from_pretrained(folder)
    new = tok.model_max_length == 77
    assert new == (stage != "publish0")
    assert ("<brand_new>" in tok.get_vocab()) == new, "added tokens and tokenizer_config come from the same save"
    assert tok("a <mask>.")["input_ids"] == [0, 102, 50264, 4, 2]


def test_saved_files_get_the_users_normal_permissions(tmp_path, roberta_bpe_dir):
    """Regression: saved files had mode 0600 (mkstemp's), unreadable for the rest of a team sharing a cache."""
    old = os.umask(0o022)
    try:
        pdr.DistilRobertaForMaskedLM.from_pretrained(MLM).save_pretrained(tmp_path / "model")
        pdr.AutoTokenizer.from_pretrained(roberta_bpe_dir).save_pretrained(tmp_path / "tok")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*") if p.is_file()}
    assert modes and set(modes.values()) == {0o644}, modes
