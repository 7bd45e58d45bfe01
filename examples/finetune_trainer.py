"""Fine-tune a sequence classifier with PaddleNLP's Trainer (pip install paddlenlp==3.0.0b4).

    python examples/finetune_trainer.py --tiny                       # offline: tiny random model, synthetic data
    python examples/finetune_trainer.py --model distilroberta-base   # downloads the checkpoint

For real tasks see examples/run_glue.py, run_ner.py, run_qa.py and run_mlm.py.
"""
import argparse
import logging

import numpy as np
from paddlenlp.datasets import MapDataset
from paddlenlp.trainer import Trainer, TrainingArguments

from paddle_distilroberta import AutoTokenizer, DistilRobertaConfig, DistilRobertaForSequenceClassification

TEXTS = [("a gripping, beautiful film", 1), ("dull and far too long", 0), ("I loved every minute", 1),
         ("the plot makes no sense", 0), ("warm, funny and smart", 1), ("a waste of a good cast", 0)] * 8


def tiny_data(n: int = 64):
    """Token ids 3..99; label 1 when id 7 occurs (no tokenizer needed)."""
    rng = np.random.default_rng(0)
    ids = rng.integers(8, 100, size=(n, 12))
    ids[::2, 5] = 7
    ids[:, 0], ids[:, -1] = 0, 2
    return [{"input_ids": row, "attention_mask": np.ones(12, "int64"), "labels": int(7 in row)} for row in ids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="distilroberta-base")
    parser.add_argument("--tiny", action="store_true", help="tiny random model and synthetic data (offline)")
    parser.add_argument("--output_dir", default="finetune-out")
    parser.add_argument("--epochs", type=float, default=None, help="default: 10 with --tiny, else 3")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    if args.tiny:
        config = DistilRobertaConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=37, max_position_embeddings=20, num_labels=2)
        model, data, lr = DistilRobertaForSequenceClassification(config), tiny_data(), 2e-3
    else:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        model = DistilRobertaForSequenceClassification.from_pretrained(args.model, num_labels=2)
        enc = tokenizer([t for t, _ in TEXTS], padding=True)
        data = [{"input_ids": i, "attention_mask": m, "labels": y}
                for i, m, (_, y) in zip(enc["input_ids"], enc["attention_mask"], TEXTS)]
        lr = 3e-5
    epochs = args.epochs or (10 if args.tiny else 3)
    training = TrainingArguments(output_dir=args.output_dir, device="cpu", per_device_train_batch_size=8,
                                 learning_rate=lr, num_train_epochs=epochs, logging_steps=2, report_to=["none"])
    trainer = Trainer(model=model, args=training, train_dataset=MapDataset(data), eval_dataset=MapDataset(data))
    trainer.train()
    print(trainer.evaluate())
    # config.json + model_state.pdparams (+ the tokenizer when the Trainer has one): importing paddle_distilroberta
    # makes the Trainer write the config too, so from_pretrained(output_dir) and every checkpoint-N load alone
    trainer.save_model()


if __name__ == "__main__":
    main()
