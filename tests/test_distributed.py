"""Real 2-process data-parallel training on CPU with `python -m paddle.distributed.launch`.

With paddlepaddle 3.3.1 (CPU build) nothing special is needed: `launch --nproc_per_node 2` starts two
workers, `paddle.distributed.init_parallel_env()` picks the gloo backend on CPU, and `paddle.DataParallel`
broadcasts rank 0's weights and all-reduces (averages) gradients. The worker is tests/dist_train_script.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IN_CI, REPO_ROOT, save_tiny_mlm

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parent / "dist_train_script.py"
TIMEOUT_S = 120


def _logs(log_dir: Path, launch_output: str) -> str:
    parts = [f"--- launch output (tail)\n{launch_output[-3000:]}"]
    for path in sorted(log_dir.glob("workerlog.*")):
        parts.append(f"--- {path.name} (tail)\n{path.read_text(errors='replace')[-3000:]}")
    return "\n".join(parts)


def _env() -> dict:
    """One OpenMP thread per worker (two workers share the cores); the repo importable."""
    return dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))


def _launch(args: list, cwd: Path, env: dict, log_dir: Path, what: str) -> str:
    """`python -m paddle.distributed.launch --nproc_per_node 2 ARGS`; its output, or a failure with the logs."""
    cmd = [sys.executable, "-m", "paddle.distributed.launch", "--nproc_per_node", "2", "--log_dir", str(log_dir), *args]
    try:
        proc = subprocess.run(cmd, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        out = (err.stdout or b"").decode(errors="replace") if isinstance(err.stdout, bytes) else (err.stdout or "")
        pytest.fail(f"{what} did not finish in {TIMEOUT_S} s\n{_logs(log_dir, out)}")
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        if "Address already in use" in output and not IN_CI:
            pytest.skip("no free local port for the gloo rendezvous")
        pytest.fail(f"{what} failed (rc={proc.returncode})\n{_logs(log_dir, output)}")
    return output


def test_data_parallel_two_cpu_processes_end_identical(tmp_path):
    log_dir = tmp_path / "logs"
    output = _launch([str(SCRIPT), "--out", str(tmp_path), "--steps", "4"], tmp_path, _env(), log_dir,
                     "paddle.distributed.launch")
    reports = {}
    for rank in (0, 1):
        path = tmp_path / f"rank{rank}.json"
        assert path.is_file(), f"rank {rank} wrote no report\n{_logs(log_dir, output)}"
        reports[rank] = json.loads(path.read_text())
    r0, r1 = reports[0], reports[1]
    assert r0["world_size"] == r1["world_size"] == 2
    assert r0["checksum_before_wrap"] != r1["checksum_before_wrap"], "ranks started equal: the broadcast is not tested"
    assert r0["initial_checksum"] == r1["initial_checksum"], "DataParallel did not broadcast rank 0's weights"
    assert r0["changed"] and r1["changed"]
    assert r0["final_checksum"] == r1["final_checksum"], f"ranks diverged\n{_logs(log_dir, output)}"
    assert r0["losses"] != r1["losses"], "both ranks saw the same data"
    # gradients were averaged: the result equals one process training on both shards at once
    assert r0["max_abs_diff_vs_single_process"] < 1e-5, r0["max_abs_diff_vs_single_process"]


# --------------------------------------------------------------------------- examples/run_glue.py under launch
def test_run_glue_data_parallel_two_cpu_processes_match_one_process(tmp_path, roberta_bpe_dir):
    """`launch --nproc_per_node 2 examples/run_glue.py` (per-device batch 8) ends with the same weights on both
    ranks, and equals one process with batch 16 on the same 16 examples (one full batch per step) within 1e-5.
    The data-parallel run also recomputes its layers (`--recompute true`, gradient checkpointing under
    DataParallel); the one-process run keeps its activations."""
    import numpy as np
    import paddle

    from conftest import require

    require("paddlenlp.trainer")
    tiny = save_tiny_mlm(tmp_path / "tiny", roberta_bpe_dir)
    words = ["sunny", "happy", "warm", "dark", "cold", "grim", "the", "and"]
    rows = ["sentence,label"] + [f"{words[i % 8]} {words[(3 * i) % 8]} {words[(5 * i + 1) % 8]},{'ab'[i % 2]}" for i in range(16)]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    common = ["--model_name_or_path", str(tiny), "--train_file", str(tmp_path / "data.csv"), "--validation_file",
              str(tmp_path / "data.csv"), "--do_train", "--do_eval", "--max_steps", "3", "--learning_rate", "3e-3",
              "--warmup_ratio", "0", "--max_seq_length", "16", "--pad_to_max_length", "--save_strategy", "no",
              "--seed", "3", "--disable_tqdm", "true", "--logging_steps", "1"]
    env = _env()
    script = str(REPO_ROOT / "examples" / "run_glue.py")
    log_dir = tmp_path / "logs"
    output = _launch([script, *common, "--per_device_train_batch_size", "8", "--output_dir", str(tmp_path / "dp"),
                      "--recompute", "true"], tmp_path, env, log_dir, "launch run_glue.py")
    digests = {}
    for rank in (0, 1):
        text = (log_dir / f"workerlog.{rank}").read_text(errors="replace")
        found = [line.rsplit(" ", 1)[-1] for line in text.splitlines() if f"rank {rank} of 2: trained weights sha256" in line]
        assert found, f"rank {rank} logged no digest\n{_logs(log_dir, output)}"
        digests[rank] = found[-1]
    assert digests[0] == digests[1], digests
    single = subprocess.run([sys.executable, script, *common, "--per_device_train_batch_size", "16", "--output_dir",
                             str(tmp_path / "single")], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                            timeout=TIMEOUT_S)
    assert single.returncode == 0, single.stderr[-4000:]
    dp = paddle.load(str(tmp_path / "dp" / "model_state.pdparams"))
    one = paddle.load(str(tmp_path / "single" / "model_state.pdparams"))
    assert sorted(dp) == sorted(one)
    worst = max(float(np.abs(dp[k].numpy() - one[k].numpy()).max()) for k in dp)
    assert worst <= 1e-5, worst
    from paddle_distilroberta import DistilRobertaForMaskedLM

    start = DistilRobertaForMaskedLM.from_pretrained(str(tiny)).state_dict()
    key = "roberta.encoder.layer.0.attention.self.query.weight"
    assert float(np.abs(dp[key].numpy() - start[key].numpy()).max()) > 1e-4, "training did not move the weights"
    assert (tmp_path / "dp" / "config.json").is_file() and (tmp_path / "dp" / "eval_results.json").is_file()
