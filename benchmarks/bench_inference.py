"""Inference: this package (eager, and `to_predictor` float32/bfloat16/int8), PaddleNLP, transformers on PyTorch
(fp32, bf16), ONNX Runtime on transformers' export (fp32, dynamic int8) and on this package's export. One run.

    python benchmarks/bench_inference.py [--quick] [--rounds 2] [--threads 2] [--shapes 1x128 8x128 32x64 4x512]
        [--torch-python .venv-ref/bin/python] [--paddlenlp-python .venv/bin/python] [--out benchmarks/results]
        [--device cpu|gpu]

`--device gpu` (paddlepaddle-gpu in this environment, a CUDA torch behind `--torch-python`): the sides are eager
fp32/fp16/bf16 (Paddle's fused attention kernel on the GPU), `to_predictor` float32/bfloat16 on the GPU, PaddleNLP,
and transformers on PyTorch fp32/fp16/bf16 on CUDA; one thread setting; results go to `inference-gpu.*`. A build
without CUDA makes every side "missing" with the reason, never a CPU figure under a GPU label.

Run it with the interpreter of the Paddle environment (paddlepaddle + this package + onnxruntime + paddle2onnx +
matplotlib). `--torch-python` is an environment with torch==2.13.0, transformers<4.56, onnx and onnxruntime (for
the transformers / ONNX Runtime sides); `--paddlenlp-python` one where paddlenlp imports (default: this one).
A side whose library is missing is reported as missing, not dropped silently.

Method. A randomly initialised distilroberta-base-sized model (6 layers, 768 hidden, vocab 50265) is saved once in
Hugging Face layout; every side loads those weights. Each side runs in its OWN process (OpenMP pools of two
libraries in one process slow each other down), and the processes alternate side after side for `--rounds`
rounds, so drift on a shared machine hits every side alike; the table keeps each side's best round. In a process
each shape gets two warm-up runs (oneDNN creates its kernels per shape) and then 3-8 timed forwards of
`last_hidden_state` with one half-padded row per batch. On a machine shared with other jobs the fastest forward is
the steadiest figure: the table's ms/batch, tokens/s and ratios use each side's fastest forward over all rounds,
and also show the median of that round. Two thread settings: "defaults" (no OMP_NUM_THREADS, each
library as a user gets it) and "pinned" (every library told `--threads` threads explicitly).

Reported per side and shape: ms per batch, tokens/s, ratio to transformers on PyTorch fp32 (>1: faster), peak RSS
during that shape (VmHWM, reset before it through /proc/self/clear_refs) and the RSS added over the libraries'
(peak minus RSS after imports, before the model), and the drift of `last_hidden_state` from this package's eager
float32 (max abs diff and cosine similarity over the whole tensor). Writes JSON, a Markdown table and a PNG chart
into `--out`. Exports (paddle2onnx, transformers' torch.onnx, ORT dynamic quantisation, the predictors' caches) are
made once before the timed rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIDES = {  # name: (environment, description)
    "eager": ("paddle", "paddle_distilroberta eager fp32"),
    "eager-fp16": ("paddle", "paddle_distilroberta eager fp16"),
    "eager-bf16": ("paddle", "paddle_distilroberta eager bf16"),
    "predictor-fp32": ("paddle", "to_predictor float32 (Paddle Inference; oneDNN on CPU)"),
    "predictor-bf16": ("paddle", "to_predictor bfloat16 (Paddle Inference; oneDNN bf16 on CPU)"),
    "predictor-int8": ("paddle", "to_predictor int8 (ONNX Runtime, dynamic)"),
    "ort-ours-fp32": ("paddle", "ONNX Runtime fp32 on this package's export (paddle2onnx)"),
    "ort-ours-int8": ("paddle", "ONNX Runtime int8 (dynamic) on this package's export"),
    "paddlenlp": ("paddlenlp", "PaddleNLP RobertaModel eager fp32"),
    "torch-fp32": ("torch", "transformers on PyTorch fp32"),
    "torch-bf16": ("torch", "transformers on PyTorch bf16"),
    "torch-fp16": ("torch", "transformers on PyTorch fp16"),
    "ort-hf-fp32": ("torch", "ONNX Runtime fp32 on transformers' export"),
    "ort-hf-int8": ("torch", "ONNX Runtime int8 (dynamic) on transformers' export"),
}
CPU_SIDES = [s for s in SIDES if s not in ("eager-fp16", "eager-bf16", "torch-fp16")]  # no half kernels on CPU
GPU_SIDES = ["eager", "eager-fp16", "eager-bf16", "predictor-fp32", "predictor-bf16", "paddlenlp", "torch-fp32",
             "torch-fp16", "torch-bf16"]
LAYERS, VOCAB = 6, 50265
_LIBS_RSS = [0]  # RSS once the side's libraries are imported, before its model is built


def _libs_loaded() -> None:
    _LIBS_RSS[0] = _status("VmRSS")


# ----------------------------------------------------------------------------- child side
def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _inputs(batch: int, seq: int):
    import numpy as np

    rng = np.random.default_rng(batch * 1000 + seq)
    ids = rng.integers(3, VOCAB - 10, size=(batch, seq)).astype("int64")
    ids[:, 0], ids[:, -1] = 0, 2
    mask = np.ones_like(ids)
    mask[0, seq // 2:] = 0  # one half-padded row, as real batches have
    ids[0, seq // 2:] = 1
    return ids, mask


def _paddle_device() -> str:
    """"gpu" or "cpu" for the Paddle sides (BENCH_DEVICE from the parent); a GPU run without CUDA is an error."""
    import paddle

    device = os.environ.get("BENCH_DEVICE", "cpu")
    if device == "gpu":
        if not paddle.is_compiled_with_cuda() or paddle.device.cuda.device_count() == 0:
            raise RuntimeError("--device gpu: this paddlepaddle build has no CUDA device (install paddlepaddle-gpu)")
        paddle.set_device("gpu")
    return device


def _load_side(side: str, work: Path, mode: str, threads: int):
    """Return (run(ids, mask) -> last_hidden_state ndarray, version string)."""
    pinned = mode == "pinned"
    folder = str(work / "hf")
    if side in ("eager", "eager-fp16", "eager-bf16", "predictor-fp32", "predictor-bf16", "predictor-int8"):
        import paddle

        import paddle_distilroberta as pdr

        _libs_loaded()
        device = _paddle_device()
        if pinned:
            pdr.set_num_threads(threads)
        dtype = {"eager-fp16": "float16", "eager-bf16": "bfloat16"}.get(side, "float32")
        model = pdr.DistilRobertaModel.from_pretrained(folder, dtype=dtype, device=device)
        version = f"paddle {paddle.__version__}" + (f", {paddle.device.cuda.get_device_name()}" if device == "gpu" else "")
        if side.startswith("eager"):
            def run(ids, mask):  # .numpy() copies to the host: the timing includes the device's work
                with paddle.no_grad():
                    out = model(input_ids=paddle.to_tensor(ids), attention_mask=paddle.to_tensor(mask)).last_hidden_state
                    return out.astype("float32").numpy()
            return run, version
        precision = {"predictor-fp32": "float32", "predictor-bf16": "bfloat16", "predictor-int8": "int8"}[side]
        predictor = model.to_predictor(precision=precision, device=device, cache_dir=work / "exports",
                                       num_threads=threads if pinned else None)
        del model
        return (lambda ids, mask: predictor.run_numpy(ids, mask)[0]), version + f", {predictor.engine}"
    if side.startswith("ort-"):
        import onnxruntime as ort

        _libs_loaded()
        options = ort.SessionOptions()
        if pinned:
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        path = {"ort-ours-fp32": "ours.onnx", "ort-ours-int8": "ours-int8.onnx", "ort-hf-fp32": "hf.onnx",
                "ort-hf-int8": "hf-int8.onnx"}[side]
        if not (work / path).exists():
            raise FileNotFoundError(f"{path} was not exported (see the prep step's error)")
        session = ort.InferenceSession(str(work / path), options, providers=["CPUExecutionProvider"])
        return (lambda ids, mask: session.run(None, {"input_ids": ids, "attention_mask": mask})[0]), f"onnxruntime {ort.__version__}"
    if side.startswith("torch-"):
        import torch
        import transformers

        _libs_loaded()
        if pinned:
            torch.set_num_threads(threads)
        device = os.environ.get("BENCH_DEVICE", "cpu")
        if device == "gpu" and not torch.cuda.is_available():
            raise RuntimeError(f"--device gpu: torch {torch.__version__} sees no CUDA device (use a CUDA build)")
        device = "cuda" if device == "gpu" else "cpu"
        model = transformers.RobertaModel.from_pretrained(folder).eval()
        if side in ("torch-bf16", "torch-fp16"):
            model = model.to(torch.bfloat16 if side == "torch-bf16" else torch.float16)
        model = model.to(device)

        def run(ids, mask):  # .cpu() waits for the device: the timing includes its work
            with torch.inference_mode():
                out = model(input_ids=torch.from_numpy(ids).to(device),
                            attention_mask=torch.from_numpy(mask).to(device)).last_hidden_state
                return out.float().cpu().numpy()
        return run, f"torch {torch.__version__}, transformers {transformers.__version__}"
    if side == "paddlenlp":
        import shutil

        import paddle
        import paddlenlp
        from paddlenlp.transformers import RobertaModel

        _libs_loaded()
        _paddle_device()
        own = str(work / "hf-paddlenlp")  # PaddleNLP writes its converted weights beside the source
        if not Path(own).exists():
            shutil.copytree(folder, own)
        model = RobertaModel.from_pretrained(own, convert_from_torch=True)
        model.eval()

        def run(ids, mask):
            with paddle.no_grad():
                out = model(input_ids=paddle.to_tensor(ids), attention_mask=paddle.to_tensor(mask), return_dict=True)
                return out.last_hidden_state.numpy()
        return run, f"paddlenlp {paddlenlp.__version__}, paddle {paddle.__version__}"
    raise ValueError(side)


def _child(side: str, work: Path, mode: str, threads: int, shapes: list, out: Path, save_hidden: bool) -> None:
    import numpy as np

    result = {"side": side, "mode": mode, "shapes": {}}
    try:
        run, version = _load_side(side, work, mode, threads)
        base = _LIBS_RSS[0]
        result.update(version=version, rss_libs=base)
    except (ImportError, NotImplementedError, FileNotFoundError, RuntimeError) as err:
        result["missing"] = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
        out.write_text(json.dumps(result))
        return
    for shape in shapes:
        batch, seq = (int(x) for x in shape.split("x"))
        ids, mask = _inputs(batch, seq)
        _reset_peak()
        start = time.perf_counter()
        hidden = run(ids, mask)
        first = time.perf_counter() - start
        run(ids, mask)  # second warm-up
        repeats = max(3, min(8, int(3.0 / max(first, 1e-3))))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run(ids, mask)
            times.append(time.perf_counter() - start)
        result["shapes"][shape] = {"median_s": statistics.median(times), "best_s": min(times), "repeats": repeats,
                                   "peak_rss": _status("VmHWM"), "rss_libs": base}
        if save_hidden:
            np.save(out.parent / f"{side}.{shape}.npy", hidden.astype("float32"))
    out.write_text(json.dumps(result))


# ----------------------------------------------------------------------------- preparation (once, untimed)
def _prep_paddle(work: Path, sides: list) -> dict:
    import paddle

    import paddle_distilroberta as pdr

    notes = {}
    paddle.seed(0)
    config = pdr.DistilRobertaConfig(num_hidden_layers=LAYERS, vocab_size=VOCAB)
    model = pdr.DistilRobertaModel(config)
    model.eval()
    model.save_pretrained(work / "hf", hf_format=True)
    notes["weights_bytes"] = sum(int(p.numel()) * 4 for p in model.parameters())
    model = pdr.DistilRobertaModel.from_pretrained(work / "hf")  # exactly the weights every side loads
    for side, precision in (("predictor-fp32", "float32"), ("predictor-bf16", "bfloat16"), ("predictor-int8", "int8")):
        if side in sides:
            try:
                model.to_predictor(precision=precision, cache_dir=work / "exports")
            except Exception as err:  # reported by the side itself
                notes[side] = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
    if "ort-ours-fp32" in sides or "ort-ours-int8" in sides:
        try:
            pdr.export(model, work / "ours.onnx", format="onnx")
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(work / "ours.onnx"), str(work / "ours-int8.onnx"), weight_type=QuantType.QInt8)
        except Exception as err:
            notes["ort-ours"] = f"{type(err).__name__}: {err}"
    return notes


def _prep_torch(work: Path) -> dict:
    import torch
    import transformers

    model = transformers.RobertaModel.from_pretrained(str(work / "hf")).eval()
    ids = torch.randint(3, 1000, (2, 16))
    torch.onnx.export(model, (ids, torch.ones_like(ids)), str(work / "hf.onnx"), input_names=["input_ids", "attention_mask"],
                      output_names=["last_hidden_state", "pooler_output"], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "last_hidden_state")})
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(work / "hf.onnx"), str(work / "hf-int8.onnx"), weight_type=QuantType.QInt8)
    return {}


# ----------------------------------------------------------------------------- parent
def _machine() -> dict:
    sys.path.insert(0, str(HERE.parent))
    from paddle_distilroberta import _runtime

    caps = _runtime.cpu_capabilities()
    return {**caps, "python": platform.python_version(), "kernel": platform.release()}


def _spawn(python: str, args: list, env: dict, log: Path) -> subprocess.CompletedProcess:
    with open(log, "a") as fh:
        return subprocess.run([python, str(Path(__file__).resolve())] + args, env=env, stdout=fh, stderr=fh)


def _drift(out: Path, side: str, shape: str):
    import numpy as np

    ref, got = out / f"eager.{shape}.npy", out / f"{side}.{shape}.npy"
    if not (ref.exists() and got.exists()):
        return None, None
    a, b = np.load(ref).reshape(-1).astype("float64"), np.load(got).reshape(-1).astype("float64")
    if a.shape != b.shape:
        return None, None
    return float(np.abs(a - b).max()), float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--shapes", nargs="+", default=["1x128", "8x128", "32x64", "4x512"])
    parser.add_argument("--modes", nargs="+", default=["defaults", "pinned"], choices=["defaults", "pinned"])
    parser.add_argument("--sides", nargs="+", choices=list(SIDES),
                        help=f"default on cpu: {' '.join(CPU_SIDES)}; on gpu: {' '.join(GPU_SIDES)}")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="8x128 only, pinned threads, one round (~3 minutes)")
    parser.add_argument("--torch-python", default=str(HERE.parent / ".venv-ref" / "bin" / "python"))
    parser.add_argument("--paddlenlp-python", default=sys.executable)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                        help="gpu: the Paddle and PyTorch sides on the GPU (one thread setting; no ONNX Runtime sides)")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("--prep", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, work, mode, threads, shapes, out = args.child
        return _child(side, Path(work), mode, int(threads), shapes.split(","), Path(out), mode == "pinned")
    if args.prep:
        kind, work = args.prep
        notes = _prep_paddle(Path(work), args.sides) if kind == "paddle" else _prep_torch(Path(work))
        Path(work, f"prep-{kind}.json").write_text(json.dumps(notes))
        return
    if args.sides is None:
        args.sides = GPU_SIDES if args.device == "gpu" else CPU_SIDES
    if args.device == "gpu":
        args.modes = ["defaults"]  # CPU threads do not matter there
    if args.quick:
        args.shapes, args.modes, args.rounds = ["8x128"], ["defaults" if args.device == "gpu" else "pinned"], 1
    pythons = {"paddle": sys.executable, "paddlenlp": args.paddlenlp_python, "torch": args.torch_python}
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    machine = _machine()
    started = time.time()
    base_env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        log = work / "log.txt"
        env = {**base_env, "PADDLE_DISTILROBERTA_HOME": str(work / "home"), "BENCH_DEVICE": args.device}
        _spawn(sys.executable, ["--prep", "paddle", str(work), "--sides", *args.sides], env, log)
        notes = json.loads((work / "prep-paddle.json").read_text()) if (work / "prep-paddle.json").exists() else {}
        if not Path(args.torch_python).exists():
            notes["torch"] = f"no interpreter at {args.torch_python}"
        elif any(SIDES[s][0] == "torch" for s in args.sides):
            if _spawn(args.torch_python, ["--prep", "torch", str(work)], env, log).returncode:
                notes["ort-hf"] = "transformers' ONNX export failed (see the log)"
        results = {}
        for rnd in range(args.rounds):
            for side, mode in [(side, mode) for side in args.sides for mode in args.modes]:  # a side's two modes back to back
                python = pythons[SIDES[side][0]]
                record = work / f"{side}.{mode}.{rnd}.json"
                if not Path(python).exists():
                    results.setdefault((side, mode), {"missing": f"no interpreter at {python}"})
                    continue
                child_env = {**env, "OMP_NUM_THREADS": str(args.threads)} if mode == "pinned" else dict(env)
                proc = _spawn(python, ["--child", side, str(work), mode, str(args.threads), ",".join(args.shapes),
                                       str(record)], child_env, log)
                if proc.returncode or not record.exists():
                    results.setdefault((side, mode), {"missing": f"child failed (exit {proc.returncode}); log tail: "
                                                      + log.read_text()[-400:].replace("\n", " ")})
                    continue
                got = json.loads(record.read_text())
                prev = results.get((side, mode))
                if prev is None or "missing" in prev:
                    results[(side, mode)] = got
                    continue
                for shape, value in got["shapes"].items():  # keep each shape's best round
                    if value["best_s"] < prev["shapes"][shape]["best_s"]:
                        prev["shapes"][shape] = value
            print(f"round {rnd + 1}/{args.rounds} done at {time.time() - started:.0f} s", flush=True)
        rows = _rows(results, args, work, notes)
    report = {"machine": machine, "device": args.device, "threads": args.threads, "rounds": args.rounds, "shapes": args.shapes,
              "modes": args.modes, "elapsed_s": round(time.time() - started), "weights_bytes": notes.get("weights_bytes"),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "notes": notes, "rows": rows,
              "command": " ".join([Path(sys.executable).name] + sys.argv)}
    stem = out_dir / ("inference" + ("-gpu" if args.device == "gpu" else "") + ("-quick" if args.quick else ""))
    Path(f"{stem}.json").write_text(json.dumps(report, indent=1))
    table = _markdown(report)
    Path(f"{stem}.md").write_text(table)
    _chart(report, Path(f"{stem}.png"))
    print(table)


def _rows(results: dict, args, work: Path, notes: dict) -> list:
    rows = []
    for mode in args.modes:
        torch_ref = results.get(("torch-fp32", mode), {}).get("shapes", {})
        for side in args.sides:
            got = results.get((side, mode), {"missing": "not run"})
            if "missing" in got:  # one row for every shape
                rows.append({"side": side, "what": SIDES[side][1], "mode": mode, "shape": "all", "missing": got["missing"]})
                continue
            for shape in args.shapes:
                row = {"side": side, "what": SIDES[side][1], "mode": mode, "shape": shape, "version": got.get("version")}
                if "missing" in got or shape not in got.get("shapes", {}):
                    row["missing"] = got.get("missing", "no result")
                    rows.append(row)
                    continue
                value = got["shapes"][shape]
                batch, seq = (int(x) for x in shape.split("x"))
                ref = torch_ref.get(shape, {}).get("best_s")
                diff, cosine = _drift(work, side, shape)
                row.update(ms=value["best_s"] * 1000, median_ms=value["median_s"] * 1000,
                           tokens_s=batch * seq / value["best_s"],
                           vs_torch_fp32=(ref / value["best_s"]) if ref else None, peak_rss_mib=value["peak_rss"] / 2**20,
                           added_rss_mib=(value["peak_rss"] - value["rss_libs"]) / 2**20, max_abs_diff=diff, cosine=cosine)
                rows.append(row)
    return rows


def _fmt(value, spec: str, none: str = "–") -> str:
    return none if value is None else format(value, spec)


def _markdown(report: dict) -> str:
    m = report["machine"]
    lines = [f"device: {report.get('device', 'cpu')}; "
             f"{m['model']} ({m['vendor']}), {m['cpus']} usable cores, flags: {' '.join(m['flags'])}; Python {m['python']}; "
             f"{report['threads']} threads when pinned; best of {report['rounds']} alternating rounds; {report['date']}; "
             f"weights {_fmt((report['weights_bytes'] or 0) / 2**20, '.1f')} MiB fp32; `{report['command']}`", "",
             "| side | threads | shape | ms/batch fastest (median) | tokens/s | vs torch fp32 | peak RSS MiB (added) | max abs diff | cosine |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in report["rows"]:
        if "missing" in r:
            lines.append(f"| {r['what']} | {r['mode']} | {r['shape']} | missing: {r['missing'][:160]} | | | | | |")
            continue
        lines.append(f"| {r['what']} | {r['mode']} | {r['shape']} | {r['ms']:.1f} ({r['median_ms']:.1f}) | {r['tokens_s']:,.0f} | "
                     f"{_fmt(r['vs_torch_fp32'], '.2f')}x | {r['peak_rss_mib']:.0f} ({r['added_rss_mib']:.0f}) | "
                     f"{_fmt(r['max_abs_diff'], '.1e')} | {_fmt(r['cosine'], '.5f')} |")
    versions = sorted({r["version"] for r in report["rows"] if r.get("version")})
    lines += ["", "Versions: " + "; ".join(versions)]
    return "\n".join(lines) + "\n"


def _chart(report: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart")
        return
    mode = "pinned" if "pinned" in report["modes"] else report["modes"][0]
    shapes = report["shapes"]
    fig, axes = plt.subplots(1, len(shapes), figsize=(4.2 * len(shapes), 5), squeeze=False)
    for ax, shape in zip(axes[0], shapes):
        rows = [r for r in report["rows"] if r["mode"] == mode and r["shape"] == shape and "missing" not in r]
        ax.barh([r["side"] for r in rows], [r["tokens_s"] for r in rows],
                color=["tab:blue" if r["side"].startswith(("eager", "predictor", "ort-ours")) else "tab:gray" for r in rows])
        for y, r in enumerate(rows):
            ax.text(r["tokens_s"], y, f" {r['tokens_s']:,.0f}", va="center", fontsize=7)
        ax.set_title(f"{shape} ({mode} threads)")
        ax.set_xlabel("tokens/s")
        ax.invert_yaxis()
    fig.suptitle(f"{report['machine']['model']}, {report['machine']['cpus']} cores: distilroberta-base shape, "
                 "blue = paddle_distilroberta")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
