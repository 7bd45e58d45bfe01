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


# ------------------------------------------------------------------ task commands (pipelines)

def _exe():
    exe = shutil.which("paddle-distilroberta", path=os.path.dirname(sys.executable)) or shutil.which("paddle-distilroberta")
    return [exe] if exe else [sys.executable, "-m", "paddle_distilroberta.cli"]


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory, roberta_bpe_dir):
    """Tiny models with the real vocabulary (the same ones tests/test_pipelines.py checks against transformers)."""
    from test_pipelines import build_model_dirs

    return build_model_dirs(tmp_path_factory.mktemp("cli-models"), roberta_bpe_dir, names=("mlm", "nli", "qa", "base", "ner"))


def _run(args, stdin=None, timeout=300):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS": "1"}
    return subprocess.run(_exe() + args, input=stdin, capture_output=True, text=True, timeout=timeout, env=env)


def test_cli_task_names_match_pipelines():
    from paddle_distilroberta import cli
    from paddle_distilroberta.pipelines import ALIASES, TASKS

    assert set(cli.TASK_NAMES) == set(TASKS)
    assert {a for aliases in cli.TASK_ALIASES.values() for a in aliases} == set(ALIASES)


def test_cli_help_is_fast_and_imports_no_paddle():
    """--help and --version answer without importing paddle, in well under a second."""
    import time

    _run(["--help"])  # warm-up (file cache)
    start = time.perf_counter()
    proc = _run(["--help"])
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0 and "fill-mask" in proc.stdout and "question-answering" in proc.stdout
    assert elapsed < 1.0, f"--help took {elapsed:.2f} s"
    version = _run(["--version"])
    assert version.returncode == 0 and version.stdout.strip().startswith("paddle-distilroberta 0.")
    check = subprocess.run([sys.executable, "-c", "import sys; from paddle_distilroberta.cli import build_parser; "
                            "build_parser().format_help(); print('paddle' in sys.modules, 'numpy' in sys.modules)"],
                           capture_output=True, text=True, timeout=120)
    assert check.stdout.split() == ["False", "False"], check.stdout + check.stderr


def _jsonl_with_bad_line(n=1000, bad=500):
    lines = []
    for i in range(1, n + 1):
        if i == bad:
            lines.append('{"text": "this line is broken')
        else:
            lines.append(json.dumps({"text": f"Line {i} says the {'very ' * (i % 7)}<mask> is here."}))
    return "\n".join(lines) + "\n"


def _check_thousand(proc, tiny_dirs):
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "line 500: invalid JSON" in proc.stderr and "Traceback" not in proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["line"] for r in records] == list(range(1, 1001))
    assert "error" in records[499] and "result" not in records[499]
    assert all("result" in r for i, r in enumerate(records) if i != 499)
    from paddle_distilroberta import pipeline

    pipe = pipeline("fill-mask", model=str(tiny_dirs["mlm"]))
    for i in (0, 498, 500, 999):
        text = f"Line {i + 1} says the {'very ' * ((i + 1) % 7)}<mask> is here."
        expected = pipe(text, top_k=2)
        assert [p["token"] for p in records[i]["result"]] == [p["token"] for p in expected]
        assert all(abs(a["score"] - b["score"]) < 1e-5 for a, b in zip(records[i]["result"], expected))


def test_cli_thousand_line_jsonl_with_a_bad_line(tiny_dirs, tmp_path):
    """Every good line answered in order, the bad one reported with its number, exit status 1."""
    path = tmp_path / "in.jsonl"
    path.write_text(_jsonl_with_bad_line())
    proc = _run(["fill-mask", "--model", str(tiny_dirs["mlm"]), "--input", str(path), "--top-k", "2", "--batch-size", "16"])
    _check_thousand(proc, tiny_dirs)


def test_cli_thousand_line_jsonl_through_stdin(tiny_dirs):
    proc = _run(["fill-mask", "-", "--model", str(tiny_dirs["mlm"]), "--top-k", "2"], stdin=_jsonl_with_bad_line())
    _check_thousand(proc, tiny_dirs)


def test_cli_txt_csv_and_output_file(tiny_dirs, tmp_path, capsys):
    txt = tmp_path / "in.txt"
    txt.write_text("I love it.\n\nI hate it.\n")
    out = tmp_path / "out.jsonl"
    assert main(["text-classification", "--model", str(tiny_dirs["nli"]), "--input", str(txt), "--output", str(out), "--top-k", "2"]) == 1
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3] and records[1] == {"line": 2, "error": "empty text"}
    assert len(records[0]["result"]) == 2 and {"label", "score"} == set(records[0]["result"][0])
    assert "line 2: empty text" in capsys.readouterr().err
    csv_path = tmp_path / "in.csv"
    csv_path.write_text('id,review\n1,"Great, really."\n2,Bad.\n')
    assert main(["feature-extraction", "--model", str(tiny_dirs["base"]), "--input", str(csv_path), "--column", "review",
                 "--format", "jsonl", "--normalize"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["line"] for r in records] == [2, 3] and len(records[0]["result"]) == 32
    assert abs(sum(x * x for x in records[0]["result"]) - 1) < 1e-5


def test_cli_question_answering_and_zero_shot(tiny_dirs, tmp_path, capsys):
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps({"question": "Who wrote it?", "context": "Jane Austen wrote it in 1813."}) + "\n"
                    + json.dumps({"question": "Who?"}) + "\n")
    assert main(["question-answering", "--model", str(tiny_dirs["qa"]), "--input", str(path), "--format", "jsonl"]) == 1
    captured = capsys.readouterr()
    first, second = [json.loads(line) for line in captured.out.splitlines()]
    assert set(first["result"]) == {"score", "start", "end", "answer"} and second["error"] == "missing field 'context'"
    assert main(["zero-shot-classification", "--model", str(tiny_dirs["nli"]), "--candidate-labels", "sports,politics",
                 "--multi-label", "--format", "jsonl", "The team won."]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["line"] == 1 and sorted(record["result"]["labels"]) == ["politics", "sports"]


def test_cli_task_errors_are_one_line(tiny_dirs, capsys, env):
    assert main(["question-answering", "Who?"]) == 1
    assert "needs --model" in capsys.readouterr().err
    assert main(["zero-shot-classification", "--model", str(tiny_dirs["nli"]), "x"]) == 1
    assert "--candidate-labels" in capsys.readouterr().err
    assert main(["fill-mask", "--model", str(tiny_dirs["mlm"])]) == 1
    assert "no input" in capsys.readouterr().err
    proc = _run(["fill-mask", "--model", "../no-such-dir-zz", "a <mask>"])
    assert proc.returncode == 1 and proc.stderr.strip().splitlines()[-1].startswith("error:") and "Traceback" not in proc.stderr
