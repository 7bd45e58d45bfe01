"""The `paddle-distilroberta` command line: the pipelines, and download, convert, info, list.

    paddle-distilroberta fill-mask "The man worked as a <mask>."          # the main job in one line
    paddle-distilroberta text-classification --model ./sst2 --input reviews.jsonl --output out.jsonl
    cat texts.txt | paddle-distilroberta feature-extraction - --pooling mean > vectors.jsonl
    paddle-distilroberta download distilroberta-base          # model (+ tokenizer) into the caches
    paddle-distilroberta convert ./hf-folder ./paddle-folder  # Hugging Face -> Paddle layout (--to hf: back)
    paddle-distilroberta info distilroberta-base             # architecture, parameters, files, cache location
    paddle-distilroberta list                                 # built-in names

Task commands read texts given as arguments, `-` (stdin) or `--input FILE` (`.txt`: one item a line;
`.jsonl`: a `text` field or the task's fields; `.csv`/`.tsv`: `--column`), and write one JSON line per input
(`{"line": N, "result": ...}`, in input order) or, on a terminal, readable text. A bad line is reported
on stderr with its number, written as `{"line": N, "error": "..."}`, and makes the exit status 1 once every
other line is answered. Errors print one message (no traceback) and exit with status 1. Only `--help`
and `--version` are answered without importing paddle (they take well under a second).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

__all__ = ["main", "count_parameters", "build_parser"]

logger = logging.getLogger(__name__)


def count_parameters(config: Dict[str, Any]) -> Dict[str, int]:
    """Parameter counts of the RoBERTa family computed from a config dict (no model is built).

    Returns:
        `embeddings`, `encoder`, `pooler`, `base_model` (embeddings + encoder + pooler), `masked_lm` (the
        `...ForMaskedLM` model: no pooler, an LM head whose decoder weight is tied to the word embeddings).
    """
    h, layers, inter = int(config["hidden_size"]), int(config["num_hidden_layers"]), int(config["intermediate_size"])
    vocab, positions = int(config["vocab_size"]), int(config["max_position_embeddings"])
    types = int(config.get("type_vocab_size", 1))
    embeddings = (vocab + positions + types) * h + 2 * h
    per_layer = 4 * (h * h + h) + 2 * h + (h * inter + inter) + (inter * h + h) + 2 * h
    pooler = h * h + h
    lm_head = (h * h + h) + 2 * h + vocab
    encoder = layers * per_layer
    return {
        "embeddings": embeddings,
        "encoder": encoder,
        "pooler": pooler,
        "base_model": embeddings + encoder + pooler,
        "masked_lm": embeddings + encoder + lm_head,
    }


def _human(n: float, unit: str = "") -> str:
    for suffix in ("", "K", "M", "G", "T"):
        if abs(n) < 1000 or suffix == "T":
            return f"{n:.1f}{suffix}{unit}" if suffix else f"{int(n)}{unit}"
        n /= 1000.0
    return str(n)  # pragma: no cover


def _hub_kwargs(args: argparse.Namespace) -> Dict[str, Any]:
    return {
        "cache_dir": args.cache_dir,
        "revision": args.revision,
        "token": args.token,
        "subfolder": args.subfolder,
    }


def _cmd_download(args: argparse.Namespace) -> int:
    from .pretrained.resolve import resolve_pretrained

    kwargs = _hub_kwargs(args)
    folder = resolve_pretrained(args.name, kind="model", force_download=args.force, **kwargs)
    print(f"model: {folder}")
    if not args.no_tokenizer:
        try:
            tok = resolve_pretrained(args.name, kind="tokenizer", force_download=args.force, **kwargs)
            print(f"tokenizer: {tok}")
        except FileNotFoundError as err:  # a weights-only repo: say so, it is not an error
            print(f"tokenizer: none found ({str(err).splitlines()[0]})")
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from .auto import convert_checkpoint
    from .pretrained.resolve import resolve_pretrained

    src = Path(args.src)
    if not src.is_dir():
        src = resolve_pretrained(args.src, kind="model", **_hub_kwargs(args))
    dst = Path(args.dst)
    if dst.exists() and any(dst.iterdir()) and not args.overwrite:
        raise FileExistsError(f"{dst} exists and is not empty; choose a new folder or pass --overwrite.")
    out = convert_checkpoint(src, dst, to=args.to)
    print(f"converted {src} -> {out} ({args.to} layout)")
    return 0


def _read_config(folder: Path) -> Dict[str, Any]:
    for name in ("config.json", "model_config.json"):
        if (folder / name).is_file():
            return json.loads((folder / name).read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no config.json (or model_config.json) in {folder}")


def _info(args: argparse.Namespace) -> Dict[str, Any]:
    from .errors import NotInCacheError
    from .pretrained import registry
    from .pretrained.resolve import parse_name, resolve_pretrained

    kwargs = _hub_kwargs(args)
    info: Dict[str, Any] = {"name": args.name}
    folder: Optional[Path] = None
    spec = None
    if not Path(args.name).is_dir():
        spec = registry.find_spec(parse_name(args.name))
    try:
        folder = resolve_pretrained(args.name, kind="model", local_files_only=not args.download, **kwargs)
    except NotInCacheError as err:
        if spec is None:
            raise NotInCacheError(f"{err}\n(`info` does not download; pass --download to fetch it.)") from err
    if spec is not None:
        info.update(
            registered_as=spec.name,
            aliases=list(spec.aliases),
            description=spec.description,
            license=spec.license,
            default_head=spec.architecture,
            sources=[s.describe() for s in spec.sources],
        )
    config = _read_config(folder) if folder is not None else spec.config
    counts = count_parameters(config)
    info.update(
        model_type=config.get("model_type"),
        architectures=config.get("architectures"),
        layers=config["num_hidden_layers"],
        hidden_size=config["hidden_size"],
        attention_heads=config["num_attention_heads"],
        intermediate_size=config["intermediate_size"],
        vocab_size=config["vocab_size"],
        max_position_embeddings=config["max_position_embeddings"],
        parameters=counts,
        cached=str(folder) if folder is not None else None,
        files={p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()} if folder is not None else {},
    )
    return info


def _cmd_info(args: argparse.Namespace) -> int:
    info = _info(args)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    counts = info["parameters"]
    lines = [f"name: {info['name']}"]
    if "registered_as" in info:
        lines += [
            f"registered as: {info['registered_as']} (aliases: {', '.join(info['aliases']) or '-'})",
            f"description: {info['description']}",
            f"license: {info['license']}",
            f"default head: {info['default_head']}",
            "sources: " + "; ".join(info["sources"]),
        ]
    lines += [
        f"architecture: {info['model_type']} {info['architectures']}: {info['layers']} layers, hidden {info['hidden_size']}, "
        f"{info['attention_heads']} heads, intermediate {info['intermediate_size']}, vocab {info['vocab_size']}, "
        f"{info['max_position_embeddings']} positions",
        f"parameters: {counts['base_model']:,} base model with pooler ({_human(counts['base_model'])}), "
        f"{counts['masked_lm']:,} masked-LM ({_human(counts['masked_lm'])}); float32 size {_human(4 * counts['masked_lm'], 'B')}",
    ]
    if info["cached"]:
        lines.append(f"cached at: {info['cached']}")
        lines += [f"  {name}  {_human(size, 'B')}" for name, size in info["files"].items()]
    else:
        lines.append(f"cached at: not downloaded yet (run: paddle-distilroberta download {info['name']})")
    print("\n".join(lines))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from .pretrained import registry

    for name in registry.list_pretrained(include_configs_only=args.all):
        spec = registry.get_spec(name)
        aliases = f" (aliases: {', '.join(spec.aliases)})" if spec.aliases else ""
        print(f"{name}{aliases}: {spec.description}")
    return 0


# ---------------------------------------------------------------------------------------------- tasks
# Task names are spelled here (not imported from `pipelines`) so that --help never imports numpy or paddle;
# tests/test_cli.py checks they equal `pipelines.TASKS`.
TASK_NAMES = ("fill-mask", "text-classification", "token-classification", "question-answering",
              "zero-shot-classification", "feature-extraction")
TASK_ALIASES = {"text-classification": ["sentiment-analysis"], "token-classification": ["ner"]}
DEFAULT_MODELS = {"fill-mask": "distilroberta-base", "feature-extraction": "distilroberta-base"}


class LineError(ValueError):
    """One input line that cannot be answered (reported, recorded, and the others go on)."""


def _input_format(path: Optional[str], args: argparse.Namespace, first_line: str) -> str:
    if args.input_format:
        return args.input_format
    if path and path != "-":
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix in ("jsonl", "csv", "tsv"):
            return suffix
        if suffix == "json":
            return "jsonl"
        return "txt"
    return "jsonl" if first_line.lstrip().startswith("{") else "txt"


def _raw_records(args: argparse.Namespace):
    """(line number, raw item) pairs: dicts for jsonl/csv/tsv, str for text lines and arguments."""
    import io

    source = args.input
    texts = list(args.texts)
    if source is None and texts == ["-"]:
        source, texts = "-", []
    if source is None:
        if not texts:
            raise ValueError("no input: give texts as arguments, '-' for stdin, or --input FILE.")
        for number, text in enumerate(texts, 1):
            yield number, text
        return
    if texts:
        raise ValueError("give texts as arguments or --input, not both.")
    handle = sys.stdin if source == "-" else open(source, encoding="utf-8", newline="")
    try:
        first = handle.readline()
        fmt = _input_format(source, args, first)
        stream = io.StringIO(first) if first else io.StringIO("")
        lines = _chain_lines(stream, handle)
        if fmt in ("csv", "tsv"):
            yield from _csv_records(lines, fmt, args)
            return
        for number, line in enumerate(lines, 1):
            line = line.rstrip("\r\n")
            if fmt == "txt":
                yield number, line
            elif not line.strip():
                continue  # blank lines of a JSONL file are not records
            else:
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as err:
                    yield number, LineError(f"invalid JSON ({err.msg} at column {err.colno})")
    finally:
        if handle is not sys.stdin:
            handle.close()


def _chain_lines(first, rest):
    yield from first
    yield from rest


def _csv_records(lines, fmt: str, args: argparse.Namespace):
    import csv

    reader = csv.DictReader(lines, delimiter="\t" if fmt == "tsv" else ",")
    for row in reader:
        yield reader.line_num, row


def _task_item(task: str, raw: Any, args: argparse.Namespace) -> Any:
    """The pipeline input of one record, or a LineError saying what is wrong with it."""
    if isinstance(raw, LineError):
        return raw
    column = args.column or "text"
    if task == "question-answering":
        if isinstance(raw, str):
            if not args.question:
                return LineError("a plain-text line is a context: pass --question (or give JSONL with question and context)")
            raw = {"question": args.question, "context": raw}
        if not isinstance(raw, dict):
            return LineError(f"expected a JSON object with question and context, got {type(raw).__name__}")
        question = raw.get("question", args.question)
        context = raw.get(args.column or "context")
        for name, value in (("question", question), ("context", context)):
            if value is None:
                return LineError(f"missing field {name!r}")
            if not isinstance(value, str) or not value.strip():
                return LineError(f"empty {name}")
        return {"question": question, "context": context}
    if isinstance(raw, dict):
        if column not in raw:
            return LineError(f"missing field {column!r}" + (f" (columns: {', '.join(map(str, raw))})" if raw else ""))
        text, pair = raw[column], raw.get("text_pair") if task == "text-classification" else None
    elif isinstance(raw, str):
        text, pair = raw, None
    else:
        return LineError(f"expected a JSON object with a {column!r} field or a string, got {type(raw).__name__}")
    if not isinstance(text, str) or not text.strip():
        return LineError("empty text")
    if task == "fill-mask" and "<mask>" not in text:
        return LineError("no <mask> in the text")
    if pair is not None:
        if not isinstance(pair, str) or not pair.strip():
            return LineError("empty text_pair")
        return {"text": text, "text_pair": pair}
    return text


def _call_kwargs(task: str, args: argparse.Namespace) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {}
    if args.top_k is not None:
        if task in ("token-classification", "zero-shot-classification", "feature-extraction"):
            raise ValueError(f"--top-k does not apply to {task}.")
        kwargs["top_k"] = args.top_k
    if task == "fill-mask" and args.targets:
        kwargs["targets"] = [t for item in args.targets for t in item.split(",") if t]
    elif task == "text-classification" and args.function_to_apply:
        kwargs["function_to_apply"] = args.function_to_apply
    elif task == "token-classification":
        kwargs["aggregation_strategy"] = args.aggregation_strategy
        if args.ignore_labels is not None:
            kwargs["ignore_labels"] = [x for x in args.ignore_labels.split(",") if x]
        if args.stride is not None:
            kwargs["stride"] = args.stride
    elif task == "question-answering":
        for name in ("doc_stride", "max_answer_len", "max_seq_len"):
            if getattr(args, name) is not None:
                kwargs[name] = getattr(args, name)
        kwargs["handle_impossible_answer"] = args.handle_impossible_answer
    elif task == "zero-shot-classification":
        if not args.candidate_labels:
            raise ValueError("zero-shot-classification needs --candidate-labels (comma-separated).")
        kwargs.update(candidate_labels=args.candidate_labels, hypothesis_template=args.hypothesis_template,
                      multi_label=args.multi_label)
    elif task == "feature-extraction":
        kwargs.update(pooling=args.pooling, normalize=args.normalize)
    return kwargs


def _pretty(task: str, number: int, item: Any, result: Any) -> str:
    shown = item if isinstance(item, str) else (item.get("question") or item.get("text") or "")
    lines = [f"[{number}] {shown[:100]}"]
    if task == "feature-extraction":
        array = result[0] if result and isinstance(result[0], list) and result[0] and isinstance(result[0][0], list) else result
        head = array[0] if array and isinstance(array[0], list) else array
        lines.append(f"  vector of {len(head)} floats" + (f" x {len(array)} tokens" if head is not array else "") +
                     ": " + " ".join(f"{x:.4f}" for x in head[:6]) + " ...")
        return "\n".join(lines)
    if task == "zero-shot-classification":
        lines += [f"  {score:.4f}  {label}" for label, score in zip(result["labels"], result["scores"])]
        return "\n".join(lines)
    entries = result if isinstance(result, list) else [result]
    if entries and isinstance(entries[0], list):  # several masks
        entries = [e for group in entries for e in group]
    for e in entries:
        if "token_str" in e:
            lines.append(f"  {e['score']:.4f}  {e['token_str']!r:>14}  {e['sequence']}")
        elif "answer" in e:
            lines.append(f"  {e['score']:.4f}  {e['answer']!r}  [{e['start']}:{e['end']}]")
        elif "word" in e:
            lines.append(f"  {e['score']:.4f}  {e.get('entity_group', e.get('entity'))!s:>8}  {e['word']!r}  [{e['start']}:{e['end']}]")
        else:
            lines.append(f"  {e['score']:.4f}  {e['label']}")
    return "\n".join(lines)


def _cmd_task(args: argparse.Namespace) -> int:
    from collections import deque

    task = args.task
    call = _call_kwargs(task, args)
    model = args.model or DEFAULT_MODELS.get(task)
    if model is None:
        raise ValueError(f"{task} needs --model (a name, hub repo id or local folder of a fine-tuned checkpoint).")
    out = sys.stdout if args.output in (None, "-") else open(args.output, "w", encoding="utf-8")
    pretty = args.format == "pretty" or (args.format is None and out is sys.stdout and sys.stdout.isatty())
    from .pipelines import pipeline

    pipe = pipeline(task, model=model, tokenizer=args.tokenizer, device=args.device, batch_size=args.batch_size,
                    precision=args.precision, progress=False if args.no_progress else None)
    pending: "deque" = deque()  # (number, item or LineError) in input order, not yet written
    failed = 0

    def good_items():
        for number, raw in _raw_records(args):
            item = _task_item(task, raw, args)
            pending.append((number, item))
            if not isinstance(item, LineError):
                yield item

    def write_errors_until_good() -> None:
        nonlocal failed
        while pending and isinstance(pending[0][1], LineError):
            number, err = pending.popleft()
            failed += 1
            print(f"line {number}: {err}", file=sys.stderr)
            out.write(f"[{number}] error: {err}\n" if pretty else json.dumps({"line": number, "error": str(err)}) + "\n")

    try:
        for result in pipe(good_items(), **call):
            write_errors_until_good()
            number, item = pending.popleft()
            out.write(_pretty(task, number, item, result) + "\n" if pretty else
                      json.dumps({"line": number, "result": result}, ensure_ascii=False) + "\n")
        write_errors_until_good()
    finally:
        out.flush()
        if out is not sys.stdout:
            out.close()
    if failed:
        print(f"{failed} line(s) failed; the others were answered.", file=sys.stderr)
    return 1 if failed else 0


def _add_task_parser(sub: Any, task: str) -> None:
    p = sub.add_parser(task, aliases=TASK_ALIASES.get(task, []), help=f"run the {task} pipeline on texts or a file",
                       description=f"Run the {task} pipeline. Output: one JSON line per input (with its line number) "
                                   "or readable text on a terminal.")
    p.add_argument("texts", nargs="*", metavar="TEXT", help="input texts ('-' alone: read stdin)")
    p.add_argument("--input", "-i", metavar="FILE", help="input file (.txt, .jsonl, .csv, .tsv) or '-' for stdin")
    p.add_argument("--input-format", choices=("txt", "jsonl", "csv", "tsv"), help="override the format guessed from the file name")
    p.add_argument("--column", help="field/column holding the text (default: text; for question-answering: context)")
    p.add_argument("--output", "-o", metavar="FILE", help="write results here (default: stdout)")
    p.add_argument("--format", choices=("jsonl", "pretty"), help="output format (default: pretty on a terminal, else jsonl)")
    p.add_argument("--model", "-m", help="name, hub repo id or local folder" +
                   (f" (default: {DEFAULT_MODELS[task]})" if task in DEFAULT_MODELS else " (required)"))
    p.add_argument("--tokenizer", help="tokenizer name or folder (default: same as --model)")
    p.add_argument("--device", help="cpu, gpu or gpu:N (default: Paddle's current device)")
    p.add_argument("--batch-size", type=int, default=8, help="rows per model call (default: 8)")
    p.add_argument("--precision", choices=("float32", "bfloat16"),
                   help="run the Paddle Inference predictor at this precision (default: the eager model)")
    p.add_argument("--top-k", type=int, help="answers per input (fill-mask, text-classification, question-answering)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    if task == "fill-mask":
        p.add_argument("--targets", action="append", help="score only these words (comma-separated, repeatable)")
    elif task == "text-classification":
        p.add_argument("--function-to-apply", choices=("softmax", "sigmoid", "none"), help="default: from problem_type")
    elif task == "token-classification":
        p.add_argument("--aggregation-strategy", default="simple", choices=("none", "simple", "first", "average", "max"),
                       help="entity grouping (default: simple)")
        p.add_argument("--ignore-labels", help="comma-separated labels to drop (default: O)")
        p.add_argument("--stride", type=int, help="read long texts in windows overlapping by this many tokens")
    elif task == "question-answering":
        p.add_argument("--question", help="the question asked of every context (text lines are contexts)")
        p.add_argument("--doc-stride", type=int, help="tokens shared by consecutive context windows")
        p.add_argument("--max-answer-len", type=int, help="longest answer in tokens (default: 15)")
        p.add_argument("--max-seq-len", type=int, help="tokens per window (default: 384)")
        p.add_argument("--handle-impossible-answer", action="store_true", help="allow the empty answer (SQuAD v2)")
    elif task == "zero-shot-classification":
        p.add_argument("--candidate-labels", help="comma-separated labels (required)")
        p.add_argument("--hypothesis-template", default="This example is {}.", help="NLI hypothesis (default: %(default)r)")
        p.add_argument("--multi-label", action="store_true", help="score each label on its own")
    elif task == "feature-extraction":
        p.add_argument("--pooling", default="mean", choices=("none", "mean", "cls"),
                       help="sentence vector (mean, cls) or token vectors (none); default: mean")
        p.add_argument("--normalize", action="store_true", help="L2-normalise the vectors")
    p.set_defaults(func=_cmd_task, task=task)


def _add_hub_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revision", help="hub branch, tag or commit (default: the registry's, else main)")
    parser.add_argument("--cache-dir", help="cache root instead of PADDLE_DISTILROBERTA_HOME and the hub cache")
    parser.add_argument("--token", help="Hugging Face token for private or gated repos (default: HF_TOKEN / saved login)")
    parser.add_argument("--subfolder", default="", help="folder inside the repo")


def _version() -> str:
    from . import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = argparse.ArgumentParser(prog="paddle-distilroberta", description="DistilRoBERTa / RoBERTa for PaddlePaddle.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO level)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for task in TASK_NAMES:
        _add_task_parser(sub, task)

    p = sub.add_parser("download", help="download (and convert once) a pretrained model and its tokenizer")
    p.add_argument("name", help="built-in name, alias or hub repo id (org/name)")
    p.add_argument("--no-tokenizer", action="store_true", help="download the model files only")
    p.add_argument("--force", action="store_true", help="download and convert again even if cached")
    _add_hub_options(p)
    p.set_defaults(func=_cmd_download)

    p = sub.add_parser("convert", help="convert a checkpoint folder: Hugging Face -> Paddle layout, or back with --to hf")
    p.add_argument("src", help="source folder (Hugging Face, PaddleNLP or Paddle layout) or a pretrained name")
    p.add_argument("dst", help="destination folder")
    p.add_argument("--to", choices=("paddle", "hf"), default="paddle", help="target layout (default: paddle)")
    p.add_argument("--overwrite", action="store_true", help="write into a non-empty destination")
    _add_hub_options(p)
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser("info", help="architecture, parameter count, files and cache location (does not download)")
    p.add_argument("name", help="built-in name, alias, hub repo id or local folder")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--download", action="store_true", help="download the model if it is not cached")
    _add_hub_options(p)
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("export", help="write a static model (Paddle Inference or ONNX) with dynamic batch and length")
    p.add_argument("name", help="built-in name, alias, hub repo id or local folder (the head comes from its config)")
    p.add_argument("out", help="format paddle: a folder (model.json + model.pdiparams); format onnx: the .onnx file")
    p.add_argument("--format", choices=("paddle", "onnx"), default="paddle", help="default: paddle")
    p.add_argument("--precision", choices=("float32", "int8"), default="float32",
                   help="default float32; int8 (with --format onnx): dynamically quantised by ONNX Runtime. bfloat16 "
                        "is a runtime setting: model.to_predictor(precision='bfloat16')")
    _add_hub_options(p)

    def _cmd_export(args: argparse.Namespace) -> int:
        from .auto import AutoConfig
        from .inference import export
        from .modeling import DistilRobertaModel

        config = AutoConfig.from_pretrained(args.name, **_hub_kwargs(args))
        model = DistilRobertaModel.checkpoint_class(config).from_pretrained(args.name, **_hub_kwargs(args))
        print(export(model, args.out, format=args.format, precision=args.precision))
        return 0

    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("list", help="list built-in names")
    p.add_argument("--all", action="store_true", help="include architecture-only entries (e.g. tiny-random)")
    p.set_defaults(func=_cmd_list)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns (and, as a console script, exits with) the status code."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # Paddle warns on import that it found no C++ compiler cache; nothing a user of this CLI needs
        warnings.filterwarnings("ignore", message=r"No ccache found", category=UserWarning)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head`: stop quietly
        return 0
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, ImportError) as err:
        if args.verbose or os.environ.get("PADDLE_DISTILROBERTA_TRACEBACK"):
            logger.exception("failed")
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
