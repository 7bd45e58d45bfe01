"""examples/notebooks/quickstart.ipynb executed end to end with nbclient, offline, on a tiny local model.

The notebook reads its settings from QUICKSTART_* environment variables (defaults: distilroberta-base from the
hub); here they point it at a tiny random DistilRoBERTa with the real roberta-base tokenizer files
(../shared/data/roberta-bpe), saved to a temporary folder. The kernel is this interpreter (sys.executable) with
ipykernel, through a kernelspec written to a temporary JUPYTER_PATH, so the notebook sees exactly the packages the
tests see. Assertions read the notebook's printed outputs: accuracy, reload identity, predictor-vs-eager difference.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, require

pytestmark = [pytest.mark.paddlenlp, pytest.mark.slow]

NOTEBOOK = REPO_ROOT / "examples" / "notebooks" / "quickstart.ipynb"
GENERATOR = REPO_ROOT / "scripts" / "make_quickstart_notebook.py"
KERNEL_NAME = "paddle-distilroberta-test"
TIME_LIMIT_S = 60  # the notebook itself (kernel start excluded); it takes ~10 s on the 2-core test VM


@pytest.fixture(scope="module")
def nb_modules():
    require("ipykernel")
    require("paddlenlp.trainer")
    return require("nbformat"), require("nbclient")


def _tiny_checkpoint(folder: Path, roberta_bpe_dir: Path) -> Path:
    """tiny-random's architecture with the real vocabulary (so the real tokenizer fits), no dropout, seeded."""
    import paddle

    from paddle_distilroberta import DistilRobertaConfig, DistilRobertaForMaskedLM, DistilRobertaTokenizer

    paddle.seed(0)
    config = DistilRobertaConfig.from_pretrained("tiny-random", vocab_size=50265, max_position_embeddings=66,
                                                 hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    DistilRobertaForMaskedLM(config).save_pretrained(folder)
    DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir).save_pretrained(folder)
    return folder


def _kernelspec(jupyter_path: Path) -> None:
    spec = jupyter_path / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "paddle_distilroberta tests", "language": "python",
    }))


def _outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def test_notebook_is_valid_output_free_and_generated(nb_modules):
    """nbformat v4, valid, no outputs or execution counts, and exactly what the generator script writes."""
    nbformat, _ = nb_modules
    nb = nbformat.read(str(NOTEBOOK), as_version=nbformat.NO_CONVERT)
    assert nb.nbformat == 4
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    proc = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_notebook_runs_end_to_end_on_a_tiny_model(nb_modules, roberta_bpe_dir, tmp_path, monkeypatch):
    nbformat, nbclient = nb_modules
    model_dir = _tiny_checkpoint(tmp_path / "tiny-model", roberta_bpe_dir)
    work = tmp_path / "work"
    _kernelspec(tmp_path / "jupyter")
    for key, value in {
        "JUPYTER_PATH": str(tmp_path / "jupyter"),
        "QUICKSTART_MODEL": str(model_dir),
        "QUICKSTART_CLASSIFIER": str(model_dir),  # a random head on the tiny encoder: the pipeline runs, labels LABEL_i
        "QUICKSTART_WORK_DIR": str(work),
        "QUICKSTART_EPOCHS": "1",
        "QUICKSTART_LR": "3e-3",  # a randomly initialised 32-wide model needs a larger step than a pretrained one
        "QUICKSTART_TRAIN_SIZE": "1024",
        "QUICKSTART_SKIP_INSTALL": "1",  # never pip install from a test; the cell must find everything installed
        "PADDLE_DISTILROBERTA_HOME": str(tmp_path / "home"),  # to_predictor's export cache
        "HF_HUB_OFFLINE": "1",
        "PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS": "1",
    }.items():
        monkeypatch.setenv(key, value)

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=300,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    try:
        with client.setup_kernel():
            start = time.monotonic()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)  # raises CellExecutionError, with the traceback, if a cell fails
            took = time.monotonic() - start
    finally:  # the executed notebook, outputs and all, to look at when something fails
        nbformat.write(nb, str(tmp_path / "executed.ipynb"))

    text = {i: _outputs(c) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    everything = "\n".join(text.values())
    assert "paddle_distilroberta and paddlenlp are installed: nothing to do" in text[min(text)]
    assert "top-5 guesses:" in everything and "LABEL_" in everything

    summary_line = next(line for line in everything.splitlines() if line.startswith("SUMMARY "))
    summary = json.loads(summary_line[len("SUMMARY "):])
    assert summary["model"] == str(model_dir)
    assert summary["eval_accuracy"] >= 0.95, summary  # one epoch of a learnable synthetic task (1.0 here)
    assert f"eval accuracy: {summary['eval_accuracy']:.4f}" in everything
    assert summary["reload_identical"] is True, summary
    assert summary["predictor_max_abs_diff"] <= 1e-5, summary

    saved = Path(summary["saved_to"])
    assert saved.parent == work and (saved / "config.json").is_file() and (saved / "model.safetensors").is_file()
    assert json.loads((saved / "config.json").read_text())["id2label"] == {"0": "negative", "1": "positive"}
    # the saved folder in a pipeline, and the predictor, label the three sample reviews right
    assert "-> positive" in everything and "-> negative" in everything
    assert "predicted labels: ['positive', 'negative', 'positive']" in everything
    assert took < TIME_LIMIT_S, f"the notebook took {took:.0f} s"
