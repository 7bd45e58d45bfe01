"""CPU defaults (`_runtime.py`): threads = usable cores, the user's OMP_NUM_THREADS kept, MKL's AVX2 path on AMD,
freed activation memory reused (glibc).

Each case runs in a fresh interpreter with a controlled environment, because the defaults are applied once per
process when the model module is imported, and OpenMP reads its environment once. The assertions are on what
the process observes (OpenMP's `omp_get_max_threads` through ctypes, `os.environ` at the first matmul, the
kernel's count of page faults), never on timing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from paddle_distilroberta import _runtime

CLEARED = ("OMP_NUM_THREADS", "MKL_DEBUG_CPU_TYPE", "MKL_NUM_THREADS", _runtime.OPT_OUT_ENV,
           "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

# Runs a tiny model forward and reports the thread counts seen by the main thread and by a thread started later.
PROBE = """
import json, os, sys, threading
{before}
import paddle
{after}
import paddle_distilroberta as pdr
from paddle_distilroberta import _runtime
{patch}
model = pdr.DistilRobertaModel(pdr.DistilRobertaConfig.from_pretrained("tiny-random"))
model.eval()
{setter}
model(input_ids=paddle.to_tensor([[0, 5, 6, 2]]))
seen = {{}}
worker = threading.Thread(target=lambda: seen.update(thread=_runtime.get_num_threads()))
worker.start(); worker.join()
print("RESULT" + json.dumps(dict(main=_runtime.get_num_threads(), thread=seen["thread"],
      cpus=_runtime.available_cpus(), mkl=os.environ.get("MKL_DEBUG_CPU_TYPE"),
      mkl_at_first_matmul=globals().get("FIRST_MATMUL_ENV"))))
"""

# Simulates an AMD processor and records MKL_DEBUG_CPU_TYPE at the first matmul of the process.
AMD_PATCH = """
_runtime.cpu_vendor = lambda: "AuthenticAMD"
assert "paddle_distilroberta.modeling" not in sys.modules
FIRST_MATMUL_ENV = None
def _spy(fn):
    def wrapped(*args, **kwargs):
        global FIRST_MATMUL_ENV
        if FIRST_MATMUL_ENV is None:
            FIRST_MATMUL_ENV = os.environ.get("MKL_DEBUG_CPU_TYPE", "<unset>")
        return fn(*args, **kwargs)
    return wrapped
paddle.matmul, paddle.addmm = _spy(paddle.matmul), _spy(paddle.addmm)
"""


def _run(env_extra=None, before="", after="", patch="", setter="") -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(env_extra or {})
    code = textwrap.dedent(PROBE.format(before=before, after=after, patch=patch, setter=setter))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1]
    return json.loads(line[len("RESULT"):])


@pytest.mark.parametrize("order", ["paddle_first", "package_first"])
def test_runtime_fresh_process_uses_every_usable_core(order):
    """A fresh process with no environment variables runs with one thread per usable core, in every thread,
    whichever of paddle / the package is imported first (Paddle alone would use 1)."""
    before = "import paddle_distilroberta" if order == "package_first" else ""
    result = _run(before=before)
    assert result["cpus"] == _runtime.available_cpus()
    assert result["main"] == result["cpus"], result
    assert result["thread"] == result["cpus"], result
    if (os.cpu_count() or 1) > 1 and result["cpus"] > 1:
        assert result["main"] > 1


def test_runtime_paddle_alone_uses_one_thread():
    """The reason for the default: without the package's defaults (opted out) Paddle runs on 1 thread."""
    result = _run({_runtime.OPT_OUT_ENV: "1"})
    assert result["main"] == 1


def test_runtime_user_omp_num_threads_is_kept():
    result = _run({"OMP_NUM_THREADS": "1"})
    assert result["main"] == 1 and result["thread"] == 1


def test_runtime_set_num_threads_overrides():
    result = _run(setter="pdr.set_num_threads(3)")
    assert result["main"] == 3


def test_runtime_set_num_threads_rejects_bad_values():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="positive int"):
            _runtime.set_num_threads(bad)


def test_runtime_amd_gets_mkl_avx2_path_before_first_matmul():
    """On AMD, MKL_DEBUG_CPU_TYPE=5 is in the environment when the process's first matmul runs."""
    result = _run(patch=AMD_PATCH)
    assert result["mkl"] == "5"
    assert result["mkl_at_first_matmul"] == "5"


def test_runtime_amd_keeps_user_value_and_opt_out():
    assert _run({"MKL_DEBUG_CPU_TYPE": "4"}, patch=AMD_PATCH)["mkl_at_first_matmul"] == "4"
    assert _run({_runtime.OPT_OUT_ENV: "1"}, patch=AMD_PATCH)["mkl"] is None


def test_runtime_intel_leaves_mkl_alone(monkeypatch):
    monkeypatch.delenv("MKL_DEBUG_CPU_TYPE", raising=False)
    monkeypatch.delenv(_runtime.OPT_OUT_ENV, raising=False)
    monkeypatch.setattr(_runtime, "cpu_vendor", lambda: "GenuineIntel")
    monkeypatch.setattr(_runtime, "set_num_threads", lambda n: None)
    _runtime.apply_cpu_defaults(force=True)
    assert "MKL_DEBUG_CPU_TYPE" not in os.environ


def test_runtime_package_import_does_not_import_paddle():
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    code = "import sys, paddle_distilroberta; assert 'paddle' not in sys.modules, 'paddle imported'"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


def test_runtime_cpu_capabilities_names_the_machine():
    caps = _runtime.cpu_capabilities()
    assert caps["model"] and caps["cpus"] >= 1 and isinstance(caps["flags"], list)


# Counts the page faults of an op whose 16 MiB output is freed at once, repeated: fresh memory from the kernel
# costs one fault per 4 KiB page (4,096 here); a reused block costs none.
FAULTS_PROBE = """
import json, resource
import paddle
import paddle_distilroberta.modeling  # the package's CPU defaults are applied here
paddle.set_grad_enabled(False)
x = paddle.ones([1024, 4096])
faults = []
for _ in range(8):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    y = x + 1.0
    del y
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print("RESULT" + json.dumps(faults))
"""


def _faults(env_extra=None) -> list:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, "-c", FAULTS_PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads([l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1][len("RESULT"):])


@pytest.mark.skipif(not sys.platform.startswith("linux") and os.environ.get("CI") != "true",
                    reason="glibc malloc tuning is Linux-only")
def test_runtime_freed_activations_are_reused_not_refaulted():
    """With the defaults a freed 16 MiB output is reused (no page faults once warm); without them (opt-out, or the
    user's own MALLOC_TRIM_THRESHOLD_) every op pays ~4,096 faults for fresh memory, which is what made
    Paddle's elementwise ops 2-5x slower (module docstring of `_runtime.py`)."""
    tuned = _faults()
    assert max(tuned[-3:]) < 200, tuned
    assert min(_faults({_runtime.OPT_OUT_ENV: "1"})[-3:]) > 2000
    assert min(_faults({"MALLOC_TRIM_THRESHOLD_": "0"})[-3:]) > 2000  # the user's value is kept


def test_runtime_keep_freed_memory_respects_user_malloc_settings(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert _runtime.keep_freed_memory() is False


# Frees 160 MiB of 8 MiB activations (heap blocks under the raised mmap threshold), then trims: RSS in MiB at each step.
TRIM_PROBE = """
import json
from pathlib import Path
import paddle
import paddle_distilroberta.modeling
from paddle_distilroberta import _runtime
def rss():
    line = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:")][0]
    return int(line.split()[1]) / 1024
blocks = [paddle.ones([2048, 1024]) for _ in range(20)]
held = rss()
del blocks
freed = rss()
_runtime.release_free_memory()
print("RESULT" + json.dumps(dict(held=held, freed=freed, trimmed=rss())))
"""


def test_runtime_release_free_memory_returns_what_the_heap_kept():
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    proc = subprocess.run([sys.executable, "-c", TRIM_PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rss = json.loads([l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1][len("RESULT"):])
    assert rss["held"] - rss["freed"] < 40, rss  # kept for reuse (the point of keep_freed_memory) ...
    assert rss["freed"] - rss["trimmed"] > 100, rss  # ... until trimmed


def test_runtime_from_pretrained_trims_after_loading(tmp_path, monkeypatch):
    import paddle_distilroberta as pdr

    pdr.DistilRobertaModel(pdr.DistilRobertaConfig.from_pretrained("tiny-random")).save_pretrained(tmp_path)
    calls = []
    monkeypatch.setattr(_runtime, "release_free_memory", lambda: calls.append(1))
    pdr.AutoModel.from_pretrained(str(tmp_path))
    pdr.DistilRobertaForMaskedLM.from_pretrained(str(tmp_path))
    assert len(calls) == 2
