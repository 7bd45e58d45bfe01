"""Write examples/notebooks/quickstart.ipynb (nbformat v4, no outputs) from the cells below.

    .venv/bin/python scripts/make_quickstart_notebook.py            # (re)write the notebook
    .venv/bin/python scripts/make_quickstart_notebook.py --check    # exit 1 if the file differs from this script

Edit the notebook here, not in Jupyter, so that the committed file stays output-free and reviewable.
tests/test_notebook.py executes it end to end with nbclient on a tiny local model, and checks that the
committed file is what this script writes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "examples" / "notebooks" / "quickstart.ipynb"

CELLS = [
    ("md", """\
# DistilRoBERTa on PaddlePaddle: quickstart

This notebook walks through `paddle_distilroberta`, DistilRoBERTa (and the RoBERTa family) for PaddlePaddle:

1. install the package,
2. load a pretrained model and its tokenizer,
3. tokenize text,
4. run the `fill-mask` and `text-classification` pipelines,
5. fine-tune a classifier for one epoch on a tiny dataset with PaddleNLP's `Trainer`,
6. evaluate it,
7. save it and load it back with `from_pretrained`,
8. export it to a Paddle Inference predictor with `model.to_predictor()` and compare with the eager model.

It runs on a CPU or a GPU (AI Studio's GPU runtimes included). The first run downloads `distilroberta-base`
(~330 MB) and a small emotion classifier from the Hugging Face hub; later runs read the cache.
Everything can be changed through environment variables (set them before starting the kernel, or edit the
settings cell):

| variable | default | what |
|---|---|---|
| `QUICKSTART_MODEL` | `distilroberta-base` | model to load and fine-tune (a built-in name, a hub id, or a local folder) |
| `QUICKSTART_CLASSIFIER` | `j-hartmann/emotion-english-distilroberta-base` | ready-made classifier for the text-classification pipeline |
| `QUICKSTART_WORK_DIR` | `quickstart_output` | where the dataset, checkpoints and the saved model go |
| `QUICKSTART_EPOCHS`, `QUICKSTART_LR`, `QUICKSTART_TRAIN_SIZE`, `QUICKSTART_BATCH_SIZE` | `1`, `5e-5`, `512`, `16` | fine-tuning |
| `QUICKSTART_SKIP_INSTALL` | unset | `1`: never run pip in the install cell |

The project's tests run this notebook unchanged, offline, on a tiny random model (through these variables)."""),
    ("md", """\
## 1. Install

The cell below installs `paddle_distilroberta` with its `paddlenlp` extra (PaddleNLP's `Trainer` is used in step 5)
**only if one of them is missing**, so running it again does nothing. PaddlePaddle itself is not reinstalled:
AI Studio images ship it, and pip keeps an installed `paddlepaddle` or `paddlepaddle-gpu`
(elsewhere, install one first: `pip install paddlepaddle`).

`QUICKSTART_PACKAGE_SOURCE` says where the package comes from: by default `../..`, the checkout this notebook lives
in (its `constraints.txt`, the tested pins, is used too); a wheel file or a full requirement such as
`"paddle_distilroberta[paddlenlp] @ git+https://..."` work as well. The same by hand, from the repository root:

```bash
pip install -c constraints.txt ".[paddlenlp]"
```"""),
    ("code", """\
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

missing = [name for name in ("paddle_distilroberta", "paddlenlp") if importlib.util.find_spec(name) is None]
if not missing:
    print("paddle_distilroberta and paddlenlp are installed: nothing to do")
elif os.environ.get("QUICKSTART_SKIP_INSTALL") == "1":
    raise RuntimeError(f"{missing} not installed and QUICKSTART_SKIP_INSTALL=1: install them, then rerun")
else:
    source = os.environ.get("QUICKSTART_PACKAGE_SOURCE", "../..")
    cmd = [sys.executable, "-m", "pip", "install"]
    if Path(source, "setup.py").is_file():  # a checkout: installed (not editable: no kernel restart) with its pins
        cmd.append(f"{Path(source).resolve()}[paddlenlp]")
        if Path(source, "constraints.txt").is_file():
            cmd += ["-c", str(Path(source, "constraints.txt"))]
    elif Path(source).is_dir():
        raise RuntimeError(f"{Path(source).resolve()} is not a checkout of paddle_distilroberta: "
                           "set QUICKSTART_PACKAGE_SOURCE to one, to a wheel or to a pip requirement")
    else:  # a wheel file or a requirement string
        cmd.append(source)
    print("running:", " ".join(cmd))
    subprocess.check_call(cmd)
    importlib.invalidate_caches()  # if an import below still fails, restart the kernel once"""),
    ("md", """\
## Settings

Imports, the settings read from the environment (defaults for a real run), and a seed so that a rerun gives the
same numbers. `paddle.get_device()` shows whether Paddle found a GPU."""),
    ("code", """\
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import paddle

import paddle_distilroberta
from paddle_distilroberta import (AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer,
                                  pipeline)

MODEL = os.environ.get("QUICKSTART_MODEL", "distilroberta-base")
CLASSIFIER = os.environ.get("QUICKSTART_CLASSIFIER", "j-hartmann/emotion-english-distilroberta-base")
WORK_DIR = Path(os.environ.get("QUICKSTART_WORK_DIR", "quickstart_output"))
EPOCHS = float(os.environ.get("QUICKSTART_EPOCHS", "1"))
LEARNING_RATE = float(os.environ.get("QUICKSTART_LR", "5e-5"))
TRAIN_SIZE = int(os.environ.get("QUICKSTART_TRAIN_SIZE", "512"))
BATCH_SIZE = int(os.environ.get("QUICKSTART_BATCH_SIZE", "16"))
SEED = 42

WORK_DIR.mkdir(parents=True, exist_ok=True)
paddle.seed(SEED)
print(f"paddle {paddle.__version__}, paddle_distilroberta {paddle_distilroberta.__version__}, "
      f"device {paddle.get_device()}")
print(f"model: {MODEL}, work dir: {WORK_DIR.resolve()}")"""),
    ("md", """\
## 2. Load a model and its tokenizer

`from_pretrained` takes a built-in name (`distilroberta-base`, `roberta-base`, `roberta-large`), any Hugging Face
repo id of a RoBERTa-family checkpoint, or a local folder. Hugging Face checkpoints are converted to Paddle's layout
once and cached. The model comes back in eval mode, on the GPU when Paddle has one."""),
    ("code", """\
tokenizer = AutoTokenizer.from_pretrained(MODEL)
mlm = AutoModelForMaskedLM.from_pretrained(MODEL)

n_params = sum(int(np.prod(p.shape)) for p in mlm.parameters())
print(type(mlm).__name__, f"{n_params:,} parameters,",
      f"{mlm.config.num_hidden_layers} layers, hidden size {mlm.config.hidden_size}")
print(type(tokenizer).__name__, f"{len(tokenizer):,} tokens, mask token {tokenizer.mask_token!r}")"""),
    ("md", """\
## 3. Tokenize

RoBERTa's tokenizer is a byte-level BPE: a leading space is part of a token (`Ġ`), so `" capital"` and `"capital"`
are different tokens. Sentences are wrapped in `<s> ... </s>`. For a batch, `padding=True` pads to the longest
sentence and `return_tensors="pd"` returns Paddle tensors (`"np"` gives numpy arrays)."""),
    ("code", """\
text = f"Paris is the {tokenizer.mask_token} of France."
encoding = tokenizer(text)
print("ids:   ", encoding["input_ids"])
print("tokens:", tokenizer.convert_ids_to_tokens(encoding["input_ids"]))
print("decode:", tokenizer.decode(encoding["input_ids"]))

batch = tokenizer([text, "Hello world!"], padding=True, return_tensors="pd")
print({name: tuple(tensor.shape) for name, tensor in batch.items()})
print("attention_mask:\\n", batch["attention_mask"].numpy())"""),
    ("md", """\
The model is called with the tokenizer's output. A masked-LM head gives one score per vocabulary entry at every
position; the best tokens at the `<mask>` position are the model's guesses:"""),
    ("code", """\
with paddle.no_grad():
    logits = mlm(**batch).logits          # [batch, length, vocab]
mask_position = encoding["input_ids"].index(tokenizer.mask_token_id)
top5 = paddle.topk(logits[0, mask_position], k=5).indices.numpy().tolist()
print("logits shape:", tuple(logits.shape))
print("top-5 guesses:", [tokenizer.decode([i]) for i in top5])"""),
    ("md", """\
## 4. Pipelines

`pipeline(task, model=...)` does tokenization, batching, the forward pass and post-processing in one call, with
transformers' task names, arguments and result format. A pipeline takes a name or folder, or a model already
loaded (as here, so nothing is loaded twice)."""),
    ("code", """\
unmasker = pipeline("fill-mask", model=mlm, tokenizer=tokenizer)
for guess in unmasker(f"The man worked as a {tokenizer.mask_token}.", top_k=3):
    print(f"{guess['score']:.3f}  {guess['sequence']}")"""),
    ("md", """\
`text-classification` needs a model with a classification head: here a DistilRoBERTa fine-tuned on emotions
(`QUICKSTART_CLASSIFIER`). Its labels come from the checkpoint's `id2label`; `top_k=None` returns every label's
score."""),
    ("code", """\
classifier = pipeline("text-classification", model=CLASSIFIER)
for text, result in zip(["I love this!", "This is terrifying."],
                        classifier(["I love this!", "This is terrifying."])):
    print(f"{text!r:24} -> {result['label']} ({result['score']:.3f})")"""),
    ("md", """\
## 5. Fine-tune for one epoch with PaddleNLP's Trainer

### The data

A tiny synthetic sentiment dataset, made here so that the notebook needs no download: short reviews whose
adjectives come from a positive or a negative word list. It is written to CSV files and read back with
`paddle_distilroberta.data.load_raw_datasets`, as you would read your own `sentence,label` files
(`load_raw_datasets("glue", "sst2")` reads a `datasets` hub name instead)."""),
    ("code", """\
import csv

from paddle_distilroberta.data import load_raw_datasets

SUBJECTS = ["the movie", "the food", "the hotel", "the service", "the book", "this phone", "the staff", "the trip"]
POSITIVE = ["great", "wonderful", "lovely", "excellent", "delightful", "superb", "pleasant", "fantastic"]
NEGATIVE = ["awful", "terrible", "boring", "horrible", "dreadful", "disappointing", "poor", "unpleasant"]
TEMPLATES = ["{s} was {a}.", "{s} was {a} and {b}.", "honestly, {s} felt {a}.", "I thought {s} was really {a}."]


def make_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        words = POSITIVE if label else NEGATIVE
        sentence = rng.choice(TEMPLATES).format(s=rng.choice(SUBJECTS), a=rng.choice(words), b=rng.choice(words))
        rows.append({"sentence": sentence[0].upper() + sentence[1:], "label": "positive" if label else "negative"})
    return rows


files = {"train": WORK_DIR / "train.csv", "validation": WORK_DIR / "dev.csv"}
for split, rows in (("train", make_rows(TRAIN_SIZE, 0)), ("validation", make_rows(128, 1))):
    with open(files[split], "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["sentence", "label"])
        writer.writeheader()
        writer.writerows(rows)

raw = load_raw_datasets(data_files={split: str(path) for split, path in files.items()})
print({split: len(rows) for split, rows in raw.items()})
print(raw["train"][:3])"""),
    ("md", """\
### Tokenize the dataset

Each example becomes `input_ids`, `attention_mask` and an integer `labels`. No padding here:
`DataCollatorWithPadding` pads each batch to its own longest sentence when the Trainer draws it (dynamic padding)."""),
    ("code", """\
from paddlenlp.datasets import MapDataset

LABELS = ["negative", "positive"]
label2id = {name: i for i, name in enumerate(LABELS)}


def encode(rows):
    enc = tokenizer([row["sentence"] for row in rows], truncation=True, max_length=64)
    return MapDataset([{"input_ids": enc["input_ids"][i], "attention_mask": enc["attention_mask"][i],
                        "labels": label2id[row["label"]]} for i, row in enumerate(rows)])


train_ds, eval_ds = encode(raw["train"]), encode(raw["validation"])
print(len(train_ds), "training examples; the first:", train_ds[0])"""),
    ("md", """\
### The model and the Trainer

`AutoModelForSequenceClassification.from_pretrained(MODEL, num_labels=2, ...)` puts a new classification head on
the pretrained encoder (the log says which weights are new). `id2label` is stored in the config, so the saved model
and the pipeline report `positive` / `negative`. The model works with PaddleNLP's `Trainer` as it is: it returns
the loss first and takes the argument names the Trainer passes. `compute_metrics` uses the package's numpy metrics
(`paddle_distilroberta.metrics`: accuracy, F1, Matthews, Pearson/Spearman, GLUE, seqeval, SQuAD)."""),
    ("code", """\
from paddlenlp.trainer import Trainer, TrainingArguments
from paddlenlp.utils.log import logger as paddlenlp_logger

from paddle_distilroberta.data import DataCollatorWithPadding
from paddle_distilroberta.metrics import accuracy

paddlenlp_logger.set_level("INFO")  # keeps the training log, hides the DEBUG dump of every argument
paddle.seed(SEED)
model = AutoModelForSequenceClassification.from_pretrained(
    MODEL, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id=label2id)


def compute_metrics(prediction):
    logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
    return accuracy(np.argmax(logits, axis=-1), prediction.label_ids)


args = TrainingArguments(
    output_dir=str(WORK_DIR / "checkpoints"),
    num_train_epochs=EPOCHS,
    learning_rate=LEARNING_RATE,
    warmup_ratio=0.06,                 # RoBERTa's fine-tuning recipe
    weight_decay=0.01,
    per_device_train_batch_size=BATCH_SIZE,
    per_device_eval_batch_size=64,
    logging_steps=10,
    save_strategy="no",                # a tiny run: save once at the end (step 7)
    seed=SEED,
    report_to=["none"],
    disable_tqdm=True,
    dataloader_num_workers=0,
)
trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds, tokenizer=tokenizer,
                  data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics)

start = time.perf_counter()
train_result = trainer.train()
print(f"trained {EPOCHS:g} epoch(s), {train_result.global_step} steps, "
      f"mean training loss {train_result.training_loss:.4f}, {time.perf_counter() - start:.1f} s")"""),
    ("md", """\
## 6. Evaluate

`trainer.evaluate()` runs the evaluation set through the model and `compute_metrics`. The task is easy: one epoch
should be enough for a high accuracy (the project's test, a tiny random model at a larger learning rate, gets the
whole evaluation set right)."""),
    ("code", """\
metrics = trainer.evaluate()
print(f"eval loss: {metrics['eval_loss']:.4f}")
print(f"eval accuracy: {metrics['eval_accuracy']:.4f}")"""),
    ("md", """\
## 7. Save and reload

`save_pretrained` writes `config.json` (with `id2label`) and `model.safetensors`; the tokenizer's files go into the
same folder, so `from_pretrained(folder)` needs nothing else. (`trainer.save_model(folder)` and the Trainer's
`checkpoint-N` folders load the same way.) The reloaded model gives the same logits as the trained one."""),
    ("code", """\
SAVE_DIR = WORK_DIR / "sentiment-model"
model.eval()
model.save_pretrained(SAVE_DIR)
tokenizer.save_pretrained(SAVE_DIR)
print(sorted(p.name for p in SAVE_DIR.iterdir()))

reloaded = AutoModelForSequenceClassification.from_pretrained(SAVE_DIR)
reloaded_tokenizer = AutoTokenizer.from_pretrained(SAVE_DIR)

samples = ["The hotel was wonderful and lovely.", "Honestly, the food felt dreadful.", "The trip was superb."]
inputs = reloaded_tokenizer(samples, padding=True, return_tensors="pd")
with paddle.no_grad():
    eager_logits = model(**inputs).logits.numpy()
    reloaded_logits = reloaded(**inputs).logits.numpy()
reload_identical = bool(np.array_equal(eager_logits, reloaded_logits))
print("id2label:", reloaded.config.id2label)
print("reloaded logits identical:", reload_identical)"""),
    ("md", """\
The saved folder works in a pipeline like any checkpoint:"""),
    ("code", """\
sentiment = pipeline("text-classification", model=str(SAVE_DIR))
for text, result in zip(samples, sentiment(samples)):
    print(f"{text!r:40} -> {result['label']} ({result['score']:.3f})")"""),
    ("md", """\
## 8. Export to Paddle Inference

`model.to_predictor()` exports the model to a static graph (`paddle.jit.save`, any batch size and length), loads it
in a Paddle Inference predictor and returns an object called like the model, with the same output object. The export
is cached (under `$PADDLE_DISTILROBERTA_HOME/exports`), so the next call with the same weights is quick.
`precision="bfloat16"` runs much faster on CPUs with AVX512-BF16 or AMX. float32 equals the eager model within
1e-5."""),
    ("code", """\
start = time.perf_counter()
predictor = reloaded.to_predictor()          # precision="float32"
print(f"predictor ready in {time.perf_counter() - start:.1f} s")

np_inputs = reloaded_tokenizer(samples, padding=True, return_tensors="np")
predicted_logits = predictor(**np_inputs).logits.numpy()   # the same output object as the model's
predictor_max_diff = float(np.abs(predicted_logits - reloaded_logits).max())
print(f"max |predictor - eager| = {predictor_max_diff:.2e}")
print("predicted labels:", [reloaded.config.id2label[int(i)] for i in predicted_logits.argmax(-1)])"""),
    ("md", """\
## Summary"""),
    ("code", """\
summary = {
    "model": MODEL,
    "eval_accuracy": round(float(metrics["eval_accuracy"]), 4),
    "reload_identical": reload_identical,
    "predictor_max_abs_diff": predictor_max_diff,
    "saved_to": str(SAVE_DIR),
}
print("SUMMARY", json.dumps(summary))"""),
    ("md", """\
## Next steps

* `examples/run_glue.py`, `run_ner.py`, `run_qa.py`, `run_mlm.py`: the same Trainer workflow as scripts with
  transformers' flags, GLUE / NER / QA / MLM recipes in `configs/finetune/`, and several GPUs through
  `python -m paddle.distributed.launch`.
* `paddle_distilroberta.export(model, "out_dir")` (Paddle static graph) or `format="onnx"` for ONNX Runtime.
* The README: pipelines, the command line (`paddle-distilroberta fill-mask "..."`), CPU performance."""),
]


def build() -> nbformat.NotebookNode:
    cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids: a rerun of this script changes nothing
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    nbformat.validate(nb)
    return nb


def _content(nb: nbformat.NotebookNode):
    cells = [(c.cell_type, c.source, c.get("outputs"), c.get("execution_count")) for c in nb.cells]
    return nb.nbformat, cells, dict(nb.metadata)


def render() -> str:
    return nbformat.writes(build(), version=4) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed notebook differs")
    parser.add_argument("--output", type=Path, default=OUT)
    opts = parser.parse_args(argv)
    text = render()
    if opts.check:  # compares content (cells, metadata), not bytes: another nbformat version may format differently
        current = nbformat.read(str(opts.output), as_version=4) if opts.output.exists() else None
        if current is None or _content(current) != _content(build()):
            print(f"{opts.output} is out of date: run scripts/make_quickstart_notebook.py", file=sys.stderr)
            return 1
        print(f"{opts.output} is up to date")
        return 0
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(text, encoding="utf-8")
    print(f"wrote {opts.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
