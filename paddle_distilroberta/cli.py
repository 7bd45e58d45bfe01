"""The `paddle-distilroberta` command line: download, convert, info, list.

    paddle-distilroberta download distilroberta-base          # model (+ tokenizer) into the caches
    paddle-distilroberta convert ./hf-folder ./paddle-folder  # Hugging Face -> Paddle layout (--to hf: back)
    paddle-distilroberta info distilroberta-base             # architecture, parameters, files, cache location
    paddle-distilroberta list                                 # built-in names

Errors print one message (no traceback) and exit with status 1.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

__all__ = ["main", "count_parameters"]

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


def _add_hub_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revision", help="hub branch, tag or commit (default: the registry's, else main)")
    parser.add_argument("--cache-dir", help="cache root instead of PADDLE_DISTILROBERTA_HOME and the hub cache")
    parser.add_argument("--token", help="Hugging Face token for private or gated repos (default: HF_TOKEN / saved login)")
    parser.add_argument("--subfolder", default="", help="folder inside the repo")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = argparse.ArgumentParser(prog="paddle-distilroberta", description="DistilRoBERTa / RoBERTa for PaddlePaddle.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO level)")
    sub = parser.add_subparsers(dest="command", required=True)

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

    p = sub.add_parser("list", help="list built-in names")
    p.add_argument("--all", action="store_true", help="include architecture-only entries (e.g. tiny-random)")
    p.set_defaults(func=_cmd_list)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns (and, as a console script, exits with) the status code."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, RuntimeError, KeyError) as err:
        if args.verbose or os.environ.get("PADDLE_DISTILROBERTA_TRACEBACK"):
            logger.exception("failed")
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
