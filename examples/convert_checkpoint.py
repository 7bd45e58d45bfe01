"""Convert a downloaded Hugging Face (or PaddleNLP) checkpoint folder to Paddle layout, and back.

    python examples/convert_checkpoint.py ./distilroberta-base-hf ./distilroberta-base-paddle
    python examples/convert_checkpoint.py ./distilroberta-base-paddle ./back-to-hf --to hf
(the installed command `paddle-distilroberta convert SRC DST` does the same.)
"""
import argparse
import logging

from paddle_distilroberta.auto import convert_checkpoint
from paddle_distilroberta.errors import DistilRobertaError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--to", choices=("paddle", "hf"), default="paddle")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(convert_checkpoint(args.src, args.dst, to=args.to))


if __name__ == "__main__":
    try:
        main()
    except (DistilRobertaError, OSError, ValueError) as err:  # a clear message, no traceback
        raise SystemExit(f"error: {err}")
