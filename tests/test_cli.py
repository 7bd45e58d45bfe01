"""The `paddle-distilroberta` command line: download, convert, info, list; errors exit non-zero without a traceback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, require_path
from hub_server import HubServer
from paddle_distilroberta.cli import count_parameters, main
from paddle_distilroberta.pretrained import registry

pytestmark = pytest.mark.timeout(120)
MLM = FIXTURES / "models" / "RobertaForMaskedLM"


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("PADDLE_DISTILROBERTA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    # an address nothing listens on: any accidental network use fails fast instead of reaching the internet
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("COMMUNITY_MODEL_PREFIX", "http://127.0.0.1:9/bos")
    return tmp_path


@pytest.fixture()
def hub(env, monkeypatch):
    require_path(MLM)
    with HubServer() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("COMMUNITY_MODEL_PREFIX", server.community_prefix)
        yield server


def test_count_parameters_matches_known_totals():
    """82.1M for distilroberta-base, 124.6M/125M for roberta-base, 355M for roberta-large (model cards, HF counts)."""
    d = count_parameters(registry.get_spec("distilroberta-base").config)
    assert d["base_model"] == 82_118_400
    b = count_parameters(registry.get_spec("roberta-base").config)
    assert b["base_model"] == 124_645_632
    large = count_parameters(registry.get_spec("roberta-large").config)
    assert 355_000_000 <= large["masked_lm"] <= 356_000_000


def test_count_parameters_equals_built_model():
    import paddle_distilroberta as pdr
    cfg = registry.get_spec("tiny-random").config
    counts = count_parameters(cfg)
    model = pdr.DistilRobertaModel(pdr.DistilRobertaConfig(**cfg))
    assert sum(int(p.size) for p in model.parameters()) == counts["base_model"]
    mlm = pdr.DistilRobertaForMaskedLM(pdr.DistilRobertaConfig(**cfg))
    assert sum(int(p.size) for p in mlm.parameters()) == counts["masked_lm"]


def test_cli_list(capsys, env):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "distilroberta-base (aliases: distilbert/distilroberta-base)" in out and "tiny-random" not in out
    assert main(["list", "--all"]) == 0 and "tiny-random" in capsys.readouterr().out


def test_cli_info_registered_name_not_downloaded(capsys, env):
    assert main(["info", "distilroberta-base"]) == 0
    out = capsys.readouterr().out
    assert "6 layers, hidden 768, 12 heads" in out and "82,118,400" in out
    assert "not downloaded yet (run: paddle-distilroberta download distilroberta-base)" in out
    assert not (env / "home").exists()  # info creates nothing and downloads nothing


def test_cli_info_local_folder_json(capsys, env):
    assert main(["info", str(MLM), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["layers"] == 2 and info["cached"] == str(MLM) and "model.safetensors" in info["files"]


def test_cli_download_then_info_shows_cache(capsys, hub):
    hub.add_repo("test-org/tiny", {**{p.name: p.read_bytes() for p in MLM.iterdir()}, "vocab.json": b"{}", "merges.txt": b"#\n"})
    assert main(["download", "test-org/tiny"]) == 0
    out = capsys.readouterr().out
    assert "model: " in out and "tokenizer: " in out
    model_folder = Path(out.split("model: ")[1].splitlines()[0])
    assert (model_folder / "model.safetensors").is_file()
    assert main(["info", "test-org/tiny"]) == 0
    out = capsys.readouterr().out
    assert f"cached at: {model_folder}" in out and "model.safetensors" in out


def test_cli_download_missing_name_fails_with_message(capsys, hub):
    assert main(["download", "test-org/missing"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Could not get the model files of 'test-org/missing'")
    assert "Traceback" not in err


def test_cli_unknown_name_suggests(capsys, env):
    assert main(["info", "distilroberta-bse"]) == 1
    assert "Did you mean 'distilroberta-base'" in capsys.readouterr().err


def test_cli_convert_round_trip(capsys, env, tmp_path):
    from paddle_distilroberta.pretrained import convert, serialization
    paddle_dir, hf_dir = tmp_path / "pd", tmp_path / "hf-out"
    assert main(["convert", str(MLM), str(paddle_dir)]) == 0
    assert serialization.safetensors_metadata(paddle_dir / "model.safetensors")["format"] == "paddle"
    assert main(["convert", str(paddle_dir), str(hf_dir), "--to", "hf"]) == 0
    from safetensors.numpy import load_file

    original, back = load_file(MLM / "model.safetensors"), load_file(hf_dir / "model.safetensors")
    for key, value in original.items():
        assert (back[key] == value).all(), key
    assert main(["convert", str(MLM), str(paddle_dir)]) == 1  # not empty
    assert "--overwrite" in capsys.readouterr().err
    assert convert is not None


def test_cli_convert_missing_source(capsys, env, tmp_path):
    assert main(["convert", str(tmp_path / "nope"), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_console_script_runs_and_fails_cleanly(env):
    """The installed entry point (setup.py console_scripts) exits non-zero with one message, no traceback."""
    exe = shutil.which("paddle-distilroberta", path=os.path.dirname(sys.executable)) or shutil.which("paddle-distilroberta")
    cmd = [exe] if exe else [sys.executable, "-m", "paddle_distilroberta.cli"]
    ok = subprocess.run(cmd + ["list"], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert ok.returncode == 0 and "distilroberta-base" in ok.stdout
    bad = subprocess.run(cmd + ["info", "../no-such-dir-zz"], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert bad.returncode == 1 and "error: Refusing '../no-such-dir-zz'" in bad.stderr and "Traceback" not in bad.stderr
