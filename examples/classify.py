"""Classify sentences with a RoBERTa-family sequence-classification checkpoint (the text-classification pipeline).

    python examples/classify.py --model j-hartmann/emotion-english-distilroberta-base "I love this!" "How dare you."
    python examples/classify.py --model ./mnli --pair "A man eats." "Someone is eating."

The same from the command line: paddle-distilroberta text-classification --model M --input reviews.txt
"""
import argparse
import logging

from paddle_distilroberta import pipeline
from paddle_distilroberta.errors import DistilRobertaError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("texts", nargs="+")
    parser.add_argument("--model", required=True, help="name, hub repo id or local folder")
    parser.add_argument("--tokenizer", default=None, help="tokenizer name or folder (default: same as --model)")
    parser.add_argument("--pair", action="store_true", help="the two texts are one pair (e.g. NLI premise, hypothesis)")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    classifier = pipeline("text-classification", model=args.model, tokenizer=args.tokenizer, batch_size=args.batch_size)
    if args.pair:
        if len(args.texts) != 2:
            parser.error("--pair takes exactly two texts")
        inputs, shown = [{"text": args.texts[0], "text_pair": args.texts[1]}], [" / ".join(args.texts)]
    else:
        inputs, shown = args.texts, args.texts
    for text, best in zip(shown, classifier(inputs, top_k=1)):
        print(f"{best[0]['label']:>12} {best[0]['score']:.3f}  {text}")


if __name__ == "__main__":
    try:
        main()
    except (DistilRobertaError, OSError, ValueError) as err:  # a clear message, no traceback
        raise SystemExit(f"error: {err}")
