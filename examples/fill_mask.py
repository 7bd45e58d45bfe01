"""Fill the <mask> of a sentence with DistilRoBERTa.

    python examples/fill_mask.py "The man worked as a <mask>."
    python examples/fill_mask.py --model ./my_local_checkpoint "Paris is the <mask> of France."
"""
import argparse
import logging

from paddle_distilroberta import AutoModelForMaskedLM, AutoTokenizer
from paddle_distilroberta.pipelines import fill_mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", nargs="?", default="The man worked as a <mask>.")
    parser.add_argument("--model", default="distilroberta-base", help="name, hub repo id or local folder")
    parser.add_argument("--tokenizer", default=None, help="tokenizer name or folder (default: same as --model)")
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer or args.model)
    model = AutoModelForMaskedLM.from_pretrained(args.model)
    for pred in fill_mask(model, tokenizer, args.text, top_k=args.top_k):
        print(f"{pred['score']:.4f}  {pred['token_str']!r:>14}  {pred['sequence']}")


if __name__ == "__main__":
    main()
