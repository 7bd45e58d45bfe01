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

from conftest import IN_CI, REPO_ROOT

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parent / "dist_train_script.py"
TIMEOUT_S = 120


def _logs(log_dir: Path, launch_output: str) -> str:
    parts = [f"--- launch output (tail)\n{launch_output[-3000:]}"]
    for path in sorted(log_dir.glob("workerlog.*")):
        parts.append(f"--- {path.name} (tail)\n{path.read_text(errors='replace')[-3000:]}")
    return "\n".join(parts)


def test_data_parallel_two_cpu_processes_end_identical(tmp_path):
    log_dir = tmp_path / "logs"
    env = dict(os.environ)
    env.update(
        OMP_NUM_THREADS="1",
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]),
    )
    cmd = [
        sys.executable, "-m", "paddle.distributed.launch", "--nproc_per_node", "2", "--log_dir", str(log_dir),
        str(SCRIPT), "--out", str(tmp_path), "--steps", "4",
    ]
    try:
        proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        out = (err.stdout or b"").decode(errors="replace") if isinstance(err.stdout, bytes) else (err.stdout or "")
        pytest.fail(f"paddle.distributed.launch did not finish in {TIMEOUT_S} s\n{_logs(log_dir, out)}")
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        if "Address already in use" in output and not IN_CI:
            pytest.skip("no free local port for the gloo rendezvous")
        pytest.fail(f"paddle.distributed.launch failed (rc={proc.returncode})\n{_logs(log_dir, output)}")
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
