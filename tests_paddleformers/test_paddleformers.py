"""PaddleFormers (1.2.0) integration: Auto-class routing per task, and its Trainer on tiny DistilRoBERTa models.

Registration runs in fresh subprocesses (it edits PaddleFormers' module-level tables), in both import orders.
The Trainer tests run in this process after `register()`: a synthetic task reaches >= 95% held-out accuracy,
`checkpoint-N` and the output folder load alone (identical logits, custom id2label) through this package's and
PaddleFormers' Auto classes, and `resume_from_checkpoint` ends at the uninterrupted run's weights (dropout on).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from conftest import REPO_ROOT, require

SEQ_LEN = 12
ID2LABEL = {0: "absent", 1: "present"}
SUBPROCESS_TIMEOUT = 300


@pytest.fixture(scope="module")
def pf():
    """paddleformers.trainer, with this package registered (skips locally / fails under CI=true when missing)."""
    require("paddleformers")
    trainer = require("paddleformers.trainer")
    from paddle_distilroberta.integrations import paddleformers as integration

    assert integration.register() is True
    return trainer


def _python(code: str, cwd: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=SUBPROCESS_TIMEOUT)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-6000:]}"
    return proc.stdout


# --------------------------------------------------------------------------- registration
_PRELUDE = {
    # explicit register() after importing PaddleFormers first
    "paddleformers_first": "import paddleformers.transformers as pt\nimport paddle_distilroberta\n"
                           "from paddle_distilroberta.integrations import paddleformers as integration\n"
                           "assert integration.register() is True\n",
    # explicit register() before PaddleFormers is imported (it imports it itself)
    "ours_first": "import paddle_distilroberta\nfrom paddle_distilroberta.integrations import paddleformers as integration\n"
                  "assert integration.register() is True\nimport paddleformers.transformers as pt\n",
    # the import hook: registration happens when paddleformers.transformers is imported
    "import_hook": "import sys\nimport paddle_distilroberta\n"
                   "from paddle_distilroberta.integrations import paddleformers as integration\n"
                   "integration.install_import_hook()\nassert 'paddleformers' not in sys.modules\n"
                   "import paddleformers.transformers as pt\nassert integration.is_registered()\n",
    # nothing explicit: `import paddle_distilroberta` installs the hook itself (then PaddleFormers is imported)
    "automatic": "import sys\nimport paddle_distilroberta\nassert 'paddleformers' not in sys.modules\n"
                 "import paddleformers.transformers as pt\n"
                 "from paddle_distilroberta.integrations import paddleformers as integration\n"
                 "assert integration.is_registered()\n",
}

_REGISTRATION = r"""
import json, sys
import numpy as np
import paddle
import paddle_distilroberta.modeling as ours
from paddle_distilroberta import DistilRobertaConfig, DistilRobertaTokenizer

HEADS = {
    "AutoModel": "DistilRobertaModel",
    "AutoModelForMaskedLM": "DistilRobertaForMaskedLM",
    "AutoModelForCausalLM": "DistilRobertaForCausalLM",
    "AutoModelForSequenceClassification": "DistilRobertaForSequenceClassification",
    "AutoModelForTokenClassification": "DistilRobertaForTokenClassification",
    "AutoModelForQuestionAnswering": "DistilRobertaForQuestionAnswering",
    "AutoModelForMultipleChoice": "DistilRobertaForMultipleChoice",
}
ids = np.array([[0, 5, 6, 7, 2]], "int64")
for auto_name, cls_name in HEADS.items():
    config = DistilRobertaConfig.from_pretrained("tiny-random", num_labels=2)
    model = getattr(ours, cls_name)(config)
    model.eval()
    folder = f"saved-{cls_name}"
    model.save_pretrained(folder)
    assert json.load(open(f"{folder}/config.json"))["model_type"] == "distilroberta"
    loaded = getattr(pt, auto_name).from_pretrained(folder)
    assert type(loaded) is getattr(ours, cls_name), (auto_name, type(loaded))
    # one table for all Auto classes, yet each routes to its own task's class, whatever head saved the folder
    for other_auto, other_cls in HEADS.items():
        found = getattr(pt, other_auto)._get_model_class_from_config(folder, f"{folder}/config.json")
        assert found is getattr(ours, other_cls), (folder, other_auto, found)
    assert type(getattr(pt, auto_name).from_config(config)) is getattr(ours, cls_name), auto_name
    loaded.eval()
    x = paddle.to_tensor(ids[None] if "MultipleChoice" in cls_name else ids)
    with paddle.no_grad():
        a, b = model(input_ids=x, return_dict=True), loaded(input_ids=x, return_dict=True)
    first = list(a.keys())[0]
    assert np.abs(a[first].numpy() - b[first].numpy()).max() == 0.0, cls_name
assert type(pt.AutoConfig.from_pretrained("saved-DistilRobertaModel")) is DistilRobertaConfig

# built-in names route per task (the download itself is stubbed out: the test runs offline)
def fake(cls, name, *args, **kwargs):
    return cls.__name__
originals = {}
for base in (ours.DistilRobertaPretrainedModel, DistilRobertaConfig, DistilRobertaTokenizer):
    originals[base] = base.__dict__["from_pretrained"]
    base.from_pretrained = classmethod(fake)
from paddle_distilroberta.pretrained.registry import all_names
names = all_names()
assert "distilroberta-base" in names and "distilbert/distilroberta-base" in names, names
for name in names:
    for auto_name, cls_name in HEADS.items():
        assert getattr(pt, auto_name).from_pretrained(name) == cls_name, (name, auto_name)
    assert pt.AutoConfig.from_pretrained(name) == "DistilRobertaConfig", name
    assert pt.AutoTokenizer.from_pretrained(name) == "DistilRobertaTokenizer", name
for base, original in originals.items():
    base.from_pretrained = original

# tokenizer folders: ours (tokenizer files beside our config.json), and bare vocab.json + merges.txt
tok = DistilRobertaTokenizer.from_pretrained(BPE_DIR)
tok.save_pretrained("saved-DistilRobertaModel")
for folder in ("saved-DistilRobertaModel", BPE_DIR):
    loaded = pt.AutoTokenizer.from_pretrained(folder)
    assert type(loaded) is DistilRobertaTokenizer, (folder, type(loaded))
    assert loaded("Hello world")["input_ids"] == tok("Hello world")["input_ids"]

# PaddleFormers' own models keep their table entries (importing their modules needs paddlefleet, so not done here)
from paddleformers.transformers.auto import modeling as auto_modeling
assert auto_modeling.MAPPING_NAMES["Llama"] == "llama" and auto_modeling.MAPPING_NAMES["Qwen2"] == "qwen2"
assert pt.AutoModelForCausalLM._name_mapping["LlamaModel_Import_Class"] == "LlamaForCausalLM"
assert pt.AutoModel._name_mapping["Qwen2Model_Import_Class"] == "Qwen2Model"
assert list(auto_modeling.MAPPING_NAMES)[0] == "DistilRoberta"

# idempotent
from paddleformers.transformers.auto import modeling as auto_modeling
from paddleformers.transformers.auto.configuration import CONFIG_MAPPING
def snapshot():
    autos = [getattr(auto_modeling, n) for n in auto_modeling.__all__]
    return (list(auto_modeling.MAPPING_NAMES.items()), [list(a._name_mapping.items()) for a in autos],
            list(auto_modeling.CONFIGURATION_MODEL_MAPPING.items()), dict(CONFIG_MAPPING._extra_content),
            dict(pt.AutoConfig.name2class), len(sys.meta_path), sys.modules["paddleformers.transformers.distilroberta"],
            pt.AutoTokenizer.from_pretrained, auto_modeling._BaseAutoModelClass.from_config)
before = snapshot()
assert integration.register() is True and integration.register() is True
assert snapshot() == before, "register() is not idempotent"
print("REGISTRATION-OK")
"""


@pytest.mark.parametrize("order", sorted(_PRELUDE))
def test_auto_classes_route_to_our_classes_per_task(pf, tmp_path, roberta_bpe_dir, order):
    """Folders (every head) and built-in names: AutoModel*, AutoConfig, AutoTokenizer return ours, per task."""
    code = _PRELUDE[order] + _REGISTRATION.replace("BPE_DIR", repr(str(roberta_bpe_dir)))
    assert "REGISTRATION-OK" in _python(code, tmp_path)


def test_import_does_not_import_paddleformers(pf, tmp_path):
    code = ("import sys\nimport paddle_distilroberta\nimport paddle_distilroberta.integrations.paddleformers\n"
            "from paddle_distilroberta import AutoModel, DistilRobertaForSequenceClassification\n"
            "assert 'paddleformers' not in sys.modules, sorted(m for m in sys.modules if 'paddleformers' in m)\n"
            "print('LAZY-OK')\n")
    assert "LAZY-OK" in _python(code, tmp_path)


# --------------------------------------------------------------------------- Trainer
class _Rows:
    """A map-style dataset of dicts of numpy arrays (what PaddleFormers' default collator stacks)."""

    def __init__(self, rows: List[Dict[str, np.ndarray]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> Dict[str, np.ndarray]:
        return self.rows[i]


def _split(n: int, seed: int) -> _Rows:
    """Label 1: bodies of ids 10..29; label 0: ids 30..49; random lengths, right-padded with attention masks."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        length = int(rng.integers(4, SEQ_LEN + 1))
        low = 10 if i % 2 else 30
        ids = np.full(SEQ_LEN, 1, dtype="int64")
        ids[:length] = np.concatenate([[0], rng.integers(low, low + 20, length - 2), [2]])
        rows.append({"input_ids": ids, "attention_mask": (np.arange(SEQ_LEN) < length).astype("int64"),
                     "labels": np.int64(i % 2)})
    return _Rows(rows)


def _model(**overrides):
    """tiny-random (dropout 0.1 kept) with 2 labels and a custom id2label; Paddle seeded so it is reproducible."""
    import paddle

    from paddle_distilroberta import DistilRobertaConfig, DistilRobertaForSequenceClassification

    paddle.seed(0)
    config = DistilRobertaConfig.from_pretrained("tiny-random", num_labels=2, id2label=ID2LABEL,
                                                 label2id={v: k for k, v in ID2LABEL.items()}, **overrides)
    return DistilRobertaForSequenceClassification(config)


def _args(tmp_path: Path, **overrides):
    from paddle_distilroberta.integrations.paddleformers import training_arguments

    values = dict(output_dir=str(tmp_path / "out"), device="cpu", per_device_train_batch_size=8,
                  per_device_eval_batch_size=32, learning_rate=2e-3, warmup_steps=0, num_train_epochs=3,
                  logging_steps=1, save_strategy="steps", save_steps=1000, seed=7, disable_tqdm=True,
                  dataloader_num_workers=0)
    values.update(overrides)
    return training_arguments(**values)


def _logits(model, rows: _Rows) -> np.ndarray:
    import paddle

    model.eval()
    with paddle.no_grad():
        ids = paddle.to_tensor(np.stack([r["input_ids"] for r in rows.rows]))
        mask = paddle.to_tensor(np.stack([r["attention_mask"] for r in rows.rows]))
        return model(input_ids=ids, attention_mask=mask).logits.numpy()


def _accuracy(pred) -> Dict[str, float]:
    return {"accuracy": float((np.argmax(pred.predictions, axis=-1) == pred.label_ids).mean())}


@pytest.mark.slow
def test_trainer_reaches_95_percent_and_checkpoints_load_alone(pf, tmp_path, roberta_bpe_dir):
    """Fine-tuning reaches >= 95% held-out accuracy; checkpoint-N and save_model() reload alone, same logits."""
    import json

    import paddleformers.transformers as pt

    from paddle_distilroberta import AutoModelForSequenceClassification, DistilRobertaForSequenceClassification
    from paddle_distilroberta import DistilRobertaTokenizer

    tokenizer = DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir)
    train, held_out = _split(192, 0), _split(64, 1)
    args = _args(tmp_path, num_train_epochs=4, per_device_train_batch_size=16, learning_rate=3e-3, logging_steps=10,
                 save_steps=24)
    trainer = pf.Trainer(model=_model(), args=args, train_dataset=train, eval_dataset=held_out,
                         compute_metrics=_accuracy, tokenizer=tokenizer)
    trainer.train()
    metrics = trainer.evaluate()
    assert metrics["eval_accuracy"] >= 0.95, metrics
    expected = _logits(trainer.model, held_out)
    trainer.save_model()
    out = Path(args.output_dir)
    assert trainer.state.global_step == 48
    for folder in (out / "checkpoint-48", out):
        names = {p.name for p in folder.iterdir()}
        assert {"config.json", "model_state.pdparams", "vocab.json", "merges.txt"} <= names, sorted(names)
        assert json.loads((folder / "config.json").read_text())["id2label"] == {"0": "absent", "1": "present"}
        for load in (DistilRobertaForSequenceClassification.from_pretrained,
                     AutoModelForSequenceClassification.from_pretrained,
                     pt.AutoModelForSequenceClassification.from_pretrained):
            reloaded = load(str(folder))
            assert type(reloaded) is DistilRobertaForSequenceClassification, (load, type(reloaded))
            assert reloaded.config.id2label == ID2LABEL
            np.testing.assert_array_equal(_logits(reloaded, held_out), expected)
        assert type(pt.AutoTokenizer.from_pretrained(str(folder))) is DistilRobertaTokenizer
    early = DistilRobertaForSequenceClassification.from_pretrained(str(out / "checkpoint-24"))
    assert not np.allclose(_logits(early, held_out), expected)  # a different, complete model


@pytest.mark.slow
@pytest.mark.parametrize("cut", [3, 5], ids=["mid_epoch", "epoch_end"])
def test_trainer_resume_reproduces_uninterrupted_run(pf, tmp_path, cut):
    """resume_from_checkpoint=checkpoint-<cut> ends at the uninterrupted run's weights within 1e-5 (dropout on).

    40 examples, batch 8: 5 steps an epoch, 12 steps in all (3 epochs). Without the integration's RNG fix the
    epoch_end case (and every epoch after a resumed one) ends 2.6e-3 away: see `patch_trainer`.
    """
    import paddle

    train = _split(40, 6)

    class StopAt(pf.TrainerCallback):  # the interruption: same schedule, the process ends at step `cut`
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == cut:
                control.should_training_stop = True

    def run(name: str, resume=None, callbacks=None):
        # optimizer state is keyed by Paddle's generated parameter names: a fresh name scope per run, as a new process
        with paddle.utils.unique_name.guard():
            args = _args(tmp_path / name, max_steps=12, save_steps=cut, learning_rate=1e-3)
            trainer = pf.Trainer(model=_model(), args=args, train_dataset=train, callbacks=callbacks)
            trainer.train(resume_from_checkpoint=resume)
        return trainer

    full = run("full")
    interrupted = run("cut", callbacks=[StopAt()])
    checkpoint = tmp_path / "cut" / "out" / f"checkpoint-{cut}"
    assert interrupted.state.global_step == cut and checkpoint.is_dir()
    resumed = run("resumed", resume=str(checkpoint))
    assert resumed.state.global_step == full.state.global_step == 12
    a, b = full.model.state_dict(), resumed.model.state_dict()
    moved = {k: float(np.abs(a[k].numpy() - b[k].numpy()).max()) for k in a}
    assert max(moved.values()) <= 1e-5, sorted(moved.items(), key=lambda kv: -kv[1])[:5]
    start = _model().state_dict()
    assert max(float(np.abs(a[k].numpy() - start[k].numpy()).max()) for k in a) > 1e-3  # training moved the weights


@pytest.mark.slow
def test_trainer_default_flex_checkpoint_folders_load_alone(pf, tmp_path):
    """PaddleFormers' default save format (flex_checkpoint: distcp shards) still gives folders that load alone."""
    from paddle_distilroberta import DistilRobertaForSequenceClassification

    rows = _split(32, 3)
    args = _args(tmp_path, max_steps=4, save_steps=4, save_checkpoint_format="flex_checkpoint",
                 load_checkpoint_format="flex_checkpoint")
    trainer = pf.Trainer(model=_model(), args=args, train_dataset=rows)
    trainer.train()
    trainer.save_model()
    expected = _logits(trainer.model, rows)
    out = Path(args.output_dir)
    for folder in (out / "checkpoint-4", out):
        names = {p.name for p in folder.iterdir()}
        assert {"config.json", "model.safetensors", "model_state"} <= names, sorted(names)
        reloaded = DistilRobertaForSequenceClassification.from_pretrained(str(folder))
        assert reloaded.config.id2label == ID2LABEL
        np.testing.assert_array_equal(_logits(reloaded, rows), expected)


def test_training_arguments_defaults_work_on_cpu(pf, tmp_path):
    """PaddleFormers' own default amp_master_grad=True is a configuration error without fp16/bf16."""
    args = _args(tmp_path)
    assert args.amp_master_grad is False and args.save_checkpoint_format == "sharding_io"
    with pytest.raises(Exception, match="amp_master_grad"):
        pf.TrainingArguments(output_dir=str(tmp_path / "x"), device="cpu")
