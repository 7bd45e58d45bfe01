"""Fill the <mask> of a sentence with DistilRoBERTa (the fill-mask pipeline).

    python examples/fill_mask.py "The man worked as a <mask>."
    python examples/fill_mask.py --model ./my_local_checkpoint --top-k 3 "Paris is the <mask> of France." "Hi <mask>!"

The same from the command line: paddle-distilroberta fill-mask "The man worked as a <mask>."
"""
import argparse
import logging

from paddle_distilroberta import pipeline
from paddle_distilroberta.errors import DistilRobertaError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("texts", nargs="*", default=["The man worked as a <mask>."])
    parser.add_argument("--model", default="distilroberta-base", help="name, hub repo id or local folder")
    parser.add_argument("--tokenizer", default=None, help="tokenizer name or folder (default: same as --model)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--targets", nargs="*", help="score only these words (e.g. ' doctor' ' nurse')")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    unmasker = pipeline("fill-mask", model=args.model, tokenizer=args.tokenizer)
    for text, preds in zip(args.texts, unmasker(args.texts, top_k=args.top_k, targets=args.targets)):
        for group in preds if isinstance(preds[0], list) else [preds]:  # one list per <mask>
            for pred in group:
                print(f"{pred['score']:.4f}  {pred['token_str']!r:>14}  {pred['sequence']}")


if __name__ == "__main__":
    try:
        main()
    except (DistilRobertaError, OSError, ValueError) as err:  # a clear message, no traceback
        raise SystemExit(f"error: {err}")
