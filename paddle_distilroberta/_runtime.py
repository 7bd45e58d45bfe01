"""CPU defaults that use the machine: OpenMP/MKL threads = the cores this process may run on, MKL's AVX2
kernels on AMD processors, and freed activation memory reused instead of returned to the kernel (glibc).
Applied once, when the model module is imported (`modeling.py` calls `apply_cpu_defaults()`);
`import paddle_distilroberta` alone changes nothing and does not import paddle.

Why (measured, see `benchmarks/README.md`):

* Paddle writes `OMP_NUM_THREADS=1` into the environment at `import paddle` when the user has not set it, so
  it runs every op on one core. We set the thread count to the cores this process may use: the CPU affinity
  mask (`os.sched_getaffinity`, which taskset/cpusets/containers narrow), capped by a cgroup CPU quota
  (`/sys/fs/cgroup/cpu.max`). A user's `OMP_NUM_THREADS` (from the shell, i.e. present in the process's
  initial environment, or any value other than Paddle's "1") is kept. `set_num_threads(n)` overrides both.
* Paddle's wheel links Intel's MKL (`libmklml_intel.so`), whose dispatcher gives AMD processors a slow generic
  path: a 1024x768 @ 768x3072 matmul ran at 30-45 GFLOP/s on a 2-core AMD EPYC (Zen 4) and at 138-154 with
  `MKL_DEBUG_CPU_TYPE=5` (AVX2 kernels). MKL reads the variable at its first call, so setting it in
  `os.environ` after `import paddle` but before the first matmul works: import order does not matter, only
  that the model module is imported before the process's first Paddle matmul. A user's value is kept.

How the threads are set, and why both ways: OpenMP's `omp_set_num_threads` (what `paddle.base.core.
set_num_threads` calls, with MKL's own setter) changes the calling thread only; threads started later (a web
server's workers) read the default from `OMP_NUM_THREADS` when the OpenMP runtime starts. So we call
`core.set_num_threads(n)` (covers the current thread and MKL even when OpenMP already runs) and also write
`OMP_NUM_THREADS=n` (covers every thread when OpenMP has not started yet, the usual case, and child processes).

* glibc's malloc hands every block over 128 KiB-32 MiB back to the kernel when it is freed (mmap threshold,
  heap trimming), and Paddle's CPU allocator frees each op's output as soon as it is dead. So every activation of
  a forward (a 1024x3072 float32 GELU output is 12 MiB) was new memory from the kernel, zeroed page by page
  (one fault per 4 KiB page). With the mmap threshold at glibc's maximum (32 MiB) and heap trimming above
  256 MiB, freed blocks are reused: on the Intel Xeon (AMX) test machine the 8x128 eager forward went from 362 to
  327 ms and 4x512 from 1,070 to 883 ms (`benchmarks/profile_forward.py --no-split`, with and without the
  opt-out; Paddle Inference predictors reuse their buffers and do not change). The cost: up to 256 MiB of freed heap stays mapped for the
  next forward instead of going back to the kernel; `from_pretrained` trims the heap once after loading
  (`release_free_memory`), so the loader's temporaries are not kept. Applied through `mallopt` (glibc only:
  musl and other platforms are left alone); a user's `MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_` is kept.

`PADDLE_DISTILROBERTA_NO_CPU_TUNING=1` turns all of this off. Each change is logged at DEBUG on the
`paddle_distilroberta` logger.
"""
from __future__ import annotations

import ctypes
import logging
import math
import os
from pathlib import Path
from typing import Optional

__all__ = ["apply_cpu_defaults", "keep_freed_memory", "release_free_memory", "set_num_threads", "get_num_threads",
           "default_num_threads", "cpu_vendor", "cpu_capabilities"]

logger = logging.getLogger("paddle_distilroberta")

OPT_OUT_ENV = "PADDLE_DISTILROBERTA_NO_CPU_TUNING"
_TRUE = {"1", "TRUE", "YES", "ON"}
_applied = False
_set_threads = 1
_malloc_tuned = False
_libc = None


def _opted_out() -> bool:
    return os.environ.get(OPT_OUT_ENV, "").strip().upper() in _TRUE


def _initial_environ() -> dict:
    """The environment the process started with (Linux: /proc/self/environ), before Python or Paddle changed it."""
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def _user_threads() -> Optional[int]:
    """The thread count the user asked for through OMP_NUM_THREADS, or None when only Paddle's default is there.

    `import paddle` writes OMP_NUM_THREADS=1 when it was unset, so "1" counts as the user's only when the
    process started with it (a value set in Python before `import paddle`, other than 1, is also kept).
    """
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if not value:
        return None
    try:
        threads = int(value.split(",")[0])
    except ValueError:
        return None
    if threads != 1:
        return threads if threads > 0 else None
    initial = _initial_environ().get("OMP_NUM_THREADS")
    return 1 if initial is not None and initial.strip().startswith("1") else None


def _cgroup_cpu_limit() -> Optional[int]:
    """CPUs allowed by a cgroup v2 quota (`cpu.max`: "quota period"), rounded up; None when unlimited."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return max(1, math.ceil(int(quota) / int(period)))
    except (ValueError, ZeroDivisionError):
        return None


def available_cpus() -> int:
    """The cores this process may run on: the affinity mask, capped by a cgroup quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    return max(1, min(cpus, limit) if limit else cpus)


def default_num_threads() -> int:
    """The thread count the package uses unless told otherwise: the user's OMP_NUM_THREADS, else the usable cores."""
    return _user_threads() or available_cpus()


def cpu_vendor() -> str:
    """The CPU vendor id (`GenuineIntel`, `AuthenticAMD`, ...), or "" when it cannot be read."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("vendor_id"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or ""


def cpu_capabilities() -> dict:
    """Model name, vendor, core count and the ISA flags that matter for reduced precision (Linux /proc/cpuinfo)."""
    name, flags = "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name") and not name:
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8", "amx_tile")
    return {"model": name or "unknown CPU", "vendor": cpu_vendor(), "cpus": available_cpus(),
            "flags": [f for f in wanted if f in flags]}


# glibc mallopt parameters (malloc.h) and the values applied; see the module docstring.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit)
TRIM_THRESHOLD = 256 * 2**20
_MALLOC_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep freed activation buffers for reuse instead of returning them to the kernel.

    Returns True when applied; False on other C libraries or when the user set `MALLOC_*_THRESHOLD_` themselves.
    """
    import platform

    user = [name for name in _MALLOC_ENV if name in os.environ]
    if user:
        logger.debug("malloc: %s kept (set by the user)", ", ".join(user))
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        applied = (libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                   and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    except (OSError, AttributeError):
        return False
    global _malloc_tuned
    _malloc_tuned = applied
    if applied:
        logger.debug("malloc: freed blocks under %d MiB are reused (mmap threshold), heap trimmed above %d MiB "
                     "(opt out: %s=1)", MMAP_THRESHOLD >> 20, TRIM_THRESHOLD >> 20, OPT_OUT_ENV)
    return applied


def release_free_memory() -> None:
    """Give the heap's free pages back to the kernel (glibc `malloc_trim`), when `keep_freed_memory` applied.

    Called once a model is loaded: the loader's temporaries (read buffers, converted tensors) are freed by then,
    and with heap trimming raised they would otherwise stay resident (~40 MiB for distilroberta-base).
    """
    global _libc
    if not _malloc_tuned:
        return
    try:
        _libc = _libc or ctypes.CDLL("libc.so.6")
        _libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _omp_library():
    """Paddle's OpenMP runtime (libiomp5 in its wheel), or None."""
    import paddle

    path = Path(paddle.__file__).parent / "libs" / "libiomp5.so"
    try:
        return ctypes.CDLL(str(path) if path.exists() else "libiomp5.so")
    except OSError:
        return None


def get_num_threads() -> Optional[int]:
    """The OpenMP thread count ops started from the calling thread will use (`omp_get_max_threads`), or None."""
    lib = _omp_library()
    return int(lib.omp_get_max_threads()) if lib is not None else None


def set_num_threads(num_threads: int) -> None:
    """Run Paddle's CPU ops (OpenMP, MKL, oneDNN) on `num_threads` threads, overriding the package's default.

    Covers the calling thread at once and, when the OpenMP runtime has not started yet, every later thread.
    """
    if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
        raise ValueError(f"num_threads must be a positive int, got {num_threads!r}.")
    import paddle

    global _set_threads
    os.environ["OMP_NUM_THREADS"] = str(num_threads)
    paddle.base.core.set_num_threads(num_threads)
    _set_threads = num_threads


def op_threads() -> int:
    """The threads the package may use for its own work split (`_ops.softmax_last_axis`): what `set_num_threads`
    last set (by the defaults or the user), 1 when nothing was set (e.g. opted out)."""
    return _set_threads


def apply_cpu_defaults(force: bool = False) -> None:
    """Apply the CPU defaults once per process (again with `force=True`); see the module docstring."""
    global _applied
    if _applied and not force:
        return
    _applied = True
    if _opted_out():
        logger.debug("%s is set: CPU threads and MKL settings left as Paddle has them", OPT_OUT_ENV)
        return
    if cpu_vendor() == "AuthenticAMD":
        if "MKL_DEBUG_CPU_TYPE" in os.environ:
            logger.debug("AMD CPU: MKL_DEBUG_CPU_TYPE=%s kept (set by the user)", os.environ["MKL_DEBUG_CPU_TYPE"])
        else:
            os.environ["MKL_DEBUG_CPU_TYPE"] = "5"
            logger.debug("AMD CPU: MKL_DEBUG_CPU_TYPE=5 set so that Paddle's MKL uses its AVX2 kernels (opt out: %s=1)",
                         OPT_OUT_ENV)
    keep_freed_memory()
    user = _user_threads()
    threads = user or available_cpus()
    set_num_threads(threads)
    logger.debug("CPU threads: %d (%s; override with paddle_distilroberta.set_num_threads(n), opt out: %s=1)",
                 threads, "OMP_NUM_THREADS" if user else "cores available to this process", OPT_OUT_ENV)
