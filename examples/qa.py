"""Extractive question answering with a RoBERTa-family QA checkpoint (e.g. deepset/roberta-base-squad2).

    python examples/qa.py --model deepset/roberta-base-squad2 "Who wrote it?" "The book was written by Jane Austen."
"""
import argparse
import logging

import paddle

from paddle_distilroberta import AutoModelForQuestionAnswering, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("question")
    parser.add_argument("context")
    parser.add_argument("--model", required=True, help="name, hub repo id or local folder")
    parser.add_argument("--tokenizer", default=None, help="tokenizer name or folder (default: same as --model)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer or args.model)
    model = AutoModelForQuestionAnswering.from_pretrained(args.model)
    enc = tokenizer(args.question, args.context, truncation="only_second", return_offsets_mapping=True, return_tensors="np")
    with paddle.no_grad():
        out = model(input_ids=paddle.to_tensor(enc["input_ids"]), attention_mask=paddle.to_tensor(enc["attention_mask"]))
    context_tokens = [i for i, s in enumerate(enc.sequence_ids(0)) if s == 1]
    start_logits, end_logits = out.start_logits[0].numpy(), out.end_logits[0].numpy()
    best = max(((s, e) for s in context_tokens for e in context_tokens if s <= e < s + 30),
               key=lambda se: start_logits[se[0]] + end_logits[se[1]])
    offsets = enc["offset_mapping"][0]
    print(args.context[offsets[best[0]][0]: offsets[best[1]][1]])


if __name__ == "__main__":
    main()
