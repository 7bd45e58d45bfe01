"""Loading benchmark: a distilroberta-base-sized RANDOM checkpoint served by a local hub, loaded by name.

    python benchmarks/bench_loading.py [--layers 6] [--later 3] [--workdir DIR] [--keep]

It writes a Hugging Face-layout checkpoint (PyTorch names and shapes, `model.safetensors` with format "pt",
random float32 values, no torch needed), serves it with tests/hub_server.py on 127.0.0.1, and measures, each in
a fresh subprocess with empty/warm caches as stated:

* baseline: `import paddle, paddle_distilroberta` only;
* first load: `AutoModelForMaskedLM.from_pretrained(name)` with empty caches (download + sha256 check +
  conversion to the Paddle layout + load);
* later loads: the same call again (hub reachable: one HEAD request, then the converted folder), and offline
  (`HF_HUB_OFFLINE=1`);
* resolve only: `resolve_pretrained(name)` with cold caches (download, sha256 check, conversion) and warm.

Wall time is measured around the call inside the child (imports excluded). Peak RSS is the high-water mark of
resident memory (VmHWM, file-backed pages of memory-mapped files included), reset right after the imports by
writing 5 to /proc/self/clear_refs, so it is the peak during the load itself (importing paddle alone peaks
higher than it settles). We report (a) that peak minus the RSS right after the imports, i.e. what the load
adds, relative to the weights' size: the number the 1.3x target is about; and (b) the absolute peak.
Weights' size = the size of the float32 checkpoint file.
Tests never run this; numbers compare only against a baseline from the same machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hub_server import HubServer  # noqa: E402

REPO = "bench-org/distilroberta-random"

CHILD = r"""
import json, os, resource, sys, time
def status_mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
def rss_mb():
    return status_mb("VmRSS")
mode, name = sys.argv[1], sys.argv[2]
import paddle, paddle_distilroberta
from paddle_distilroberta.pretrained.resolve import resolve_pretrained
base = rss_mb()
import_peak = status_mb("VmHWM")
try:  # reset the high-water mark so the peak below is the load's own (Linux >= 4.0)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    reset = True
except OSError:
    reset = False
started = time.perf_counter()
if mode == "resolve":
    folder = resolve_pretrained(name)
elif mode == "load":
    model = paddle_distilroberta.AutoModelForMaskedLM.from_pretrained(name)
    folder = resolve_pretrained(name, local_files_only=True)
wall = time.perf_counter() - started if mode != "baseline" else 0.0
peak = status_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall_s": wall, "rss_after_import_mb": base, "peak_rss_mb": peak, "rss_end_mb": rss_mb(),
                  "import_peak_mb": import_peak, "peak_reset": reset,
                  "folder": str(folder) if mode != "baseline" else None}))
"""


def hf_state_dict(layers: int, hidden: int, heads: int, inter: int, vocab: int, positions: int, seed: int = 0) -> dict:
    """Random float32 tensors with the names and (PyTorch) shapes of transformers' RobertaForMaskedLM."""
    rng = np.random.default_rng(seed)

    def t(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)

    sd = {
        "roberta.embeddings.word_embeddings.weight": t(vocab, hidden),
        "roberta.embeddings.position_embeddings.weight": t(positions, hidden),
        "roberta.embeddings.token_type_embeddings.weight": t(1, hidden),
        "roberta.embeddings.LayerNorm.weight": np.ones(hidden, np.float32),
        "roberta.embeddings.LayerNorm.bias": np.zeros(hidden, np.float32),
    }
    for i in range(layers):
        p = f"roberta.encoder.layer.{i}."
        for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            sd[p + m + ".weight"], sd[p + m + ".bias"] = t(hidden, hidden), t(hidden)
        sd[p + "intermediate.dense.weight"], sd[p + "intermediate.dense.bias"] = t(inter, hidden), t(inter)
        sd[p + "output.dense.weight"], sd[p + "output.dense.bias"] = t(hidden, inter), t(hidden)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            sd[p + ln + ".weight"], sd[p + ln + ".bias"] = np.ones(hidden, np.float32), np.zeros(hidden, np.float32)
    sd["lm_head.dense.weight"], sd["lm_head.dense.bias"] = t(hidden, hidden), t(hidden)
    sd["lm_head.layer_norm.weight"], sd["lm_head.layer_norm.bias"] = np.ones(hidden, np.float32), np.zeros(hidden, np.float32)
    sd["lm_head.bias"] = t(vocab)
    return sd


def make_checkpoint(folder: Path, layers: int) -> int:
    from safetensors.numpy import save_file

    config = json.loads((ROOT / "configs" / "distilroberta-base.json").read_text())
    config["num_hidden_layers"] = layers
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    sd = hf_state_dict(layers, config["hidden_size"], config["num_attention_heads"], config["intermediate_size"],
                       config["vocab_size"], config["max_position_embeddings"])
    save_file(sd, str(folder / "model.safetensors"), metadata={"format": "pt"})
    return (folder / "model.safetensors").stat().st_size


def run_child(mode: str, env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, mode, REPO], env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--later", type=int, default=3, help="number of later (warm) loads")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import paddle  # only for the version line

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-loading-"))
    ckpt = work / "checkpoint"
    weights = make_checkpoint(ckpt, args.layers)
    weights_mb = weights / 2**20
    print(f"python {platform.python_version()}, paddle {paddle.__version__}, {platform.platform()}, {os.cpu_count()} CPUs, device cpu, float32")
    print(f"checkpoint: distilroberta-base architecture, {args.layers} layers, random float32, model.safetensors {weights_mb:.1f} MiB")

    with HubServer() as hub:
        hub.add_repo_dir(REPO, ckpt)
        env = {**os.environ, "HF_ENDPOINT": hub.url, "COMMUNITY_MODEL_PREFIX": hub.community_prefix,
               "HF_HOME": str(work / "hf"), "PADDLE_DISTILROBERTA_HOME": str(work / "home"),
               "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS": "1",
               "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
            env.pop(name, None)
        for sub in ("hf", "home"):
            shutil.rmtree(work / sub, ignore_errors=True)
        rows = [("baseline (imports only)", run_child("baseline", env))]
        rows.append(("cold resolve (download+sha256+convert)", run_child("resolve", env)))
        for sub in ("hf", "home"):
            shutil.rmtree(work / sub, ignore_errors=True)
        rows.append(("first load (download+convert+load)", run_child("load", env)))
        for i in range(args.later):
            rows.append((f"later load #{i + 1}", run_child("load", env)))
        rows.append(("later load, HF_HUB_OFFLINE=1", run_child("load", {**env, "HF_HUB_OFFLINE": "1"})))
        rows.append(("resolve only (warm cache)", run_child("resolve", env)))
        gets = hub.count(hub.cdn_path((ckpt / "model.safetensors").read_bytes()))  # 2: the cold resolve + the first load

    print(f"\n{'case':40s} {'wall s':>7s} {'RSS after import MiB':>21s} {'peak RSS in load MiB':>21s} {'(peak-import)/weights':>22s} {'RSS at end MiB':>15s}")
    for label, r in rows:
        inc = (r["peak_rss_mb"] - r["rss_after_import_mb"]) / weights_mb
        print(f"{label:40s} {r['wall_s']:7.2f} {r['rss_after_import_mb']:21.0f} {r['peak_rss_mb']:21.0f} {inc:21.2f}x {r['rss_end_mb']:15.0f}")
    print(f"(import of paddle + paddle_distilroberta alone peaks at {rows[0][1]['import_peak_mb']:.0f} MiB; peak reset after import: {rows[0][1]['peak_reset']})")
    later = sorted(r["wall_s"] for label, r in rows if label.startswith("later load #"))
    if later:
        print(f"later loads: median {later[len(later) // 2]:.2f} s, min {later[0]:.2f} s, max {later[-1]:.2f} s (n={len(later)})")
    print(f"\nweights downloaded {gets} time(s); converted folder: {rows[-1][1]['folder']}")
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
