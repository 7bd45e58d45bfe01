"""Regenerate the golden model fixtures in tests/fixtures/models/ from the Hugging Face torch reference.

Run it with a Python that has torch + transformers + safetensors (NOT the package's venv):

    /path/to/venv-with-torch/bin/python scripts/make_model_fixtures.py

For every head class it writes `tests/fixtures/models/<name>/` (config.json, model.safetensors,
expected.npz) and `tests/fixtures/models/<name>-bin/` (config.json, pytorch_model.bin, same weights),
plus a sharded RobertaForMaskedLM in both formats. Everything is seeded, so a rerun gives the same
numbers. See tests/fixtures/README.md for the layout of expected.npz.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import safetensors
import torch
import transformers
from transformers import (
    RobertaConfig,
    RobertaForCausalLM,
    RobertaForMaskedLM,
    RobertaForMultipleChoice,
    RobertaForQuestionAnswering,
    RobertaForSequenceClassification,
    RobertaForTokenClassification,
    RobertaModel,
)

LOG = logging.getLogger("make_model_fixtures")
REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "tests" / "fixtures" / "models"

TINY_CONFIG: dict[str, Any] = dict(
    vocab_size=100,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=37,
    max_position_embeddings=20,  # positions start at pad_token_id + 1 = 2, so 18 usable tokens
    type_vocab_size=1,
    pad_token_id=1,
    bos_token_id=0,
    eos_token_id=2,
    layer_norm_eps=1e-5,
    hidden_act="gelu",
    initializer_range=0.02,
)
PAD, BOS, EOS = 1, 0, 2
NUM_CHOICES = 3
MAX_LEN = 18
SHARD_SIZE = "30KB"

# (folder name, class, extra config, seed)
SPECS: list[tuple[str, type, dict[str, Any], int]] = [
    ("RobertaModel", RobertaModel, {}, 11),
    ("RobertaForMaskedLM", RobertaForMaskedLM, {}, 12),
    ("RobertaForSequenceClassification-single_label_classification", RobertaForSequenceClassification,
     {"num_labels": 3, "problem_type": "single_label_classification"}, 13),
    ("RobertaForSequenceClassification-regression", RobertaForSequenceClassification,
     {"num_labels": 1, "problem_type": "regression"}, 14),
    ("RobertaForSequenceClassification-multi_label_classification", RobertaForSequenceClassification,
     {"num_labels": 4, "problem_type": "multi_label_classification"}, 15),
    ("RobertaForTokenClassification", RobertaForTokenClassification, {"num_labels": 5}, 16),
    ("RobertaForQuestionAnswering", RobertaForQuestionAnswering, {}, 17),
    ("RobertaForMultipleChoice", RobertaForMultipleChoice, {}, 18),
    ("RobertaForCausalLM", RobertaForCausalLM, {"is_decoder": True}, 19),
]
OUTPUT_KEYS = ("last_hidden_state", "pooler_output", "logits", "start_logits", "end_logits", "loss")


def _reinit(model: torch.nn.Module, seed: int) -> None:
    """Give every parameter non-trivial values (std 0.3; LayerNorm around 1 / 0 with std 0.2).

    The rows at pad_token_id of the word and position embeddings stay zero, as HF's own init leaves them.
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():  # tied parameters are listed once
            noise = torch.randn(param.shape, generator=gen, dtype=torch.float32)
            if "LayerNorm.weight" in name:
                param.copy_(1.0 + 0.2 * noise)
            elif "LayerNorm.bias" in name:
                param.copy_(0.2 * noise)
            else:
                param.copy_(0.3 * noise)
        for module in model.modules():
            if isinstance(module, torch.nn.Embedding) and module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()


def _ids(rng: np.random.Generator, length: int) -> np.ndarray:
    """<s> x ... x </s> with x in [3, 99]."""
    body = rng.integers(3, 100, size=length - 2)
    return np.concatenate([[BOS], body, [EOS]]).astype(np.int64)


def _padded_rows(rng: np.random.Generator, lengths: list[int], left: list[bool], width: int):
    ids = np.full((len(lengths), width), PAD, dtype=np.int64)
    mask = np.zeros((len(lengths), width), dtype=np.int64)
    for row, (n, is_left) in enumerate(zip(lengths, left)):
        sl = slice(width - n, width) if is_left else slice(0, n)
        ids[row, sl] = _ids(rng, n)
        mask[row, sl] = 1
    return ids, mask


def make_inputs(multiple_choice: bool) -> dict[str, dict[str, np.ndarray]]:
    """The four input cases. Multiple choice gets a (batch, NUM_CHOICES, length) version of each."""
    rng = np.random.default_rng(2024 if not multiple_choice else 2025)
    c = NUM_CHOICES if multiple_choice else 1
    cases: dict[str, dict[str, np.ndarray]] = {}
    ids = np.stack([_ids(rng, 9) for _ in range(c)])
    cases["single"] = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    # batch 3: full row, right-padded row, LEFT-padded row (for MC, choices vary too; one left-padded)
    lengths, left = [12, 7, 9] * c, [False, False, True] * c
    if multiple_choice:
        lengths = [12, 7, 10, 5, 12, 8, 9, 11, 6]
        left = [False, False, False, False, False, True, False, False, False]
    ids, mask = _padded_rows(rng, lengths, left, 12)
    cases["padded"] = {"input_ids": ids, "attention_mask": mask}
    emb = rng.standard_normal((2 * c, 6, TINY_CONFIG["hidden_size"])).astype(np.float32)
    emb_mask = np.ones((2 * c, 6), dtype=np.int64)
    emb_mask[1, 4:] = 0
    cases["embeds"] = {"inputs_embeds": emb, "attention_mask": emb_mask}
    ids = np.stack([_ids(rng, MAX_LEN) for _ in range(c)])
    cases["full_length"] = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if multiple_choice:
        for case in cases.values():
            for key, val in case.items():
                case[key] = val.reshape(-1, NUM_CHOICES, *val.shape[1:])
    return cases


def make_labels(name: str, case: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Labels for the loss of head `name` on one case (none for the base model)."""
    ids, mask = case["input_ids"], case["attention_mask"]
    b = ids.shape[0]
    if name.endswith("single_label_classification"):
        return {"labels": rng.integers(0, 3, size=b).astype(np.int64)}
    if name.endswith("regression"):
        return {"labels": rng.standard_normal(b).astype(np.float32)}
    if name.endswith("multi_label_classification"):
        return {"labels": rng.integers(0, 2, size=(b, 4)).astype(np.float32)}
    if name == "RobertaForTokenClassification":
        labels = rng.integers(0, 5, size=ids.shape).astype(np.int64)
        labels[rng.random(ids.shape) < 0.2] = -100
        labels[mask == 0] = -100
        return {"labels": labels}
    if name == "RobertaForQuestionAnswering":
        start = rng.integers(1, ids.shape[1] // 2, size=b).astype(np.int64)
        end = start + rng.integers(0, ids.shape[1] // 2, size=b).astype(np.int64)
        return {"start_positions": start, "end_positions": end}
    if name == "RobertaForMultipleChoice":
        return {"labels": rng.integers(0, NUM_CHOICES, size=b).astype(np.int64)}
    if name == "RobertaForMaskedLM":
        labels = np.full(ids.shape, -100, dtype=np.int64)
        chosen = (rng.random(ids.shape) < 0.3) & (mask == 1)
        chosen[:, 1] = True  # at least one label per row (position 1 is a real token in every row but left-padded ones)
        chosen &= mask == 1
        labels[chosen] = rng.integers(3, 100, size=int(chosen.sum()))
        return {"labels": labels}
    if name == "RobertaForCausalLM":
        return {"labels": np.where(mask == 1, ids, -100).astype(np.int64)}
    return {}


def run_case(model: torch.nn.Module, inputs: dict[str, np.ndarray], labels: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    kwargs = {k: torch.from_numpy(v) for k, v in {**inputs, **labels}.items()}
    with torch.no_grad():
        out = model(**kwargs, output_hidden_states=True, output_attentions=True, return_dict=True)
    result: dict[str, np.ndarray] = {}
    for key in OUTPUT_KEYS:
        val = getattr(out, key, None)
        if val is not None:
            result[key] = val.detach().numpy().astype(np.float32)
    result["hidden_states"] = torch.stack(out.hidden_states).numpy()
    result["attentions"] = torch.stack(out.attentions).numpy()
    for key, val in result.items():
        if not np.all(np.isfinite(val)):
            raise RuntimeError(f"non-finite {key} in reference outputs")
    return result


def build_and_save(out_dir: Path, name: str, cls: type, extra: dict[str, Any], seed: int) -> torch.nn.Module:
    config = RobertaConfig(**TINY_CONFIG, **extra)
    config.architectures = [cls.__name__]
    torch.manual_seed(seed)
    model = cls(config)
    _reinit(model, seed)
    folder, bin_folder = out_dir / name, out_dir / f"{name}-bin"
    model.save_pretrained(folder, safe_serialization=True)
    model.save_pretrained(bin_folder, safe_serialization=False)
    if name == "RobertaForMaskedLM":
        model.save_pretrained(out_dir / f"{name}-sharded", safe_serialization=True, max_shard_size=SHARD_SIZE)
        model.save_pretrained(out_dir / f"{name}-sharded-bin", safe_serialization=False, max_shard_size=SHARD_SIZE)
    # Reference outputs come from the model re-loaded from disk, so they describe exactly the saved weights.
    loaded = cls.from_pretrained(folder, attn_implementation="eager", torch_dtype=torch.float32).eval()
    loaded_bin = cls.from_pretrained(bin_folder, attn_implementation="eager", torch_dtype=torch.float32).eval()
    for (k, a), (_, b) in zip(loaded.state_dict().items(), loaded_bin.state_dict().items()):
        if not torch.equal(a, b):
            raise RuntimeError(f"{name}: {k} differs between safetensors and bin")
    return loaded


def make_expected(name: str, model: torch.nn.Module) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(7)
    for case_name, inputs in make_inputs(name == "RobertaForMultipleChoice").items():
        labels = {} if case_name == "embeds" else make_labels(name, inputs, rng)
        outputs = run_case(model, inputs, labels)
        for key, val in {**inputs, **labels, **outputs}.items():
            arrays[f"{case_name}/{key}"] = val
    return arrays


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: %(default)s)")
    out_dir: Path = parser.parse_args().out
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for name, cls, extra, seed in SPECS:
        model = build_and_save(out_dir, name, cls, extra, seed)
        arrays = make_expected(name, model)
        np.savez_compressed(out_dir / name / "expected.npz", **arrays)
        if name == "RobertaForMaskedLM":
            shutil.copy(out_dir / name / "expected.npz", out_dir / f"{name}-sharded" / "expected.npz")
        LOG.info("wrote %s (%d arrays)", name, len(arrays))
    versions = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
    }
    (out_dir / "versions.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    LOG.info("versions: %s", versions)


if __name__ == "__main__":
    main()
