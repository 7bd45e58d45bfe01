"""Classify sentences with a RoBERTa-family sequence-classification checkpoint.

    python examples/classify.py --model j-hartmann/emotion-english-distilroberta-base "I love this!"
"""
import argparse
import logging

import paddle

from paddle_distilroberta import AutoModelForSequenceClassification, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("texts", nargs="+")
    parser.add_argument("--model", required=True, help="name, hub repo id or local folder")
    parser.add_argument("--tokenizer", default=None, help="tokenizer name or folder (default: same as --model)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer or args.model)
    model = AutoModelForSequenceClassification.from_pretrained(args.model)
    batch = tokenizer(args.texts, padding=True, truncation=True, return_tensors="pd")
    with paddle.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    probs = paddle.nn.functional.softmax(logits, axis=-1).numpy()
    for text, row in zip(args.texts, probs):
        best = int(row.argmax())
        print(f"{model.config.id2label[best]:>12} {row[best]:.3f}  {text}")


if __name__ == "__main__":
    main()
