"""Extractive question answering with a RoBERTa-family QA checkpoint (e.g. deepset/roberta-base-squad2).

Long contexts are read in overlapping windows (`--doc-stride`), so answers past 512 tokens are found too.

    python examples/qa.py --model deepset/roberta-base-squad2 "Who wrote it?" "The book was written by Jane Austen."
    python examples/qa.py --model deepset/roberta-base-squad2 --context-file chapter.txt --top-k 3 "Who is Mr. Darcy?"

The same from the command line: paddle-distilroberta question-answering --model M --input questions.jsonl
"""
import argparse
import logging
from pathlib import Path

from paddle_distilroberta import pipeline
from paddle_distilroberta.errors import DistilRobertaError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("question")
    parser.add_argument("context", nargs="?", help="the passage (or use --context-file)")
    parser.add_argument("--context-file", help="read the passage from this file")
    parser.add_argument("--model", required=True, help="name, hub repo id or local folder")
    parser.add_argument("--tokenizer", default=None, help="tokenizer name or folder (default: same as --model)")
    parser.add_argument("--top-k", type=int, default=1)
    parser.add_argument("--doc-stride", type=int, default=128, help="tokens shared by consecutive windows")
    parser.add_argument("--max-seq-len", type=int, default=384, help="tokens per window")
    parser.add_argument("--max-answer-len", type=int, default=30)
    parser.add_argument("--handle-impossible-answer", action="store_true", help="allow no answer (SQuAD v2 models)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    context = Path(args.context_file).read_text(encoding="utf-8") if args.context_file else args.context
    if not context:
        parser.error("give a context or --context-file")

    qa = pipeline("question-answering", model=args.model, tokenizer=args.tokenizer)
    answers = qa(question=args.question, context=context, top_k=args.top_k, doc_stride=args.doc_stride,
                 max_seq_len=args.max_seq_len, max_answer_len=args.max_answer_len,
                 handle_impossible_answer=args.handle_impossible_answer)
    for answer in answers if isinstance(answers, list) else [answers]:
        if args.top_k > 1:
            print(f"{answer['score']:.4f} [{answer['start']}:{answer['end']}] ", end="")
        print(answer["answer"])


if __name__ == "__main__":
    try:
        main()
    except (DistilRobertaError, OSError, ValueError) as err:  # a clear message, no traceback
        raise SystemExit(f"error: {err}")
