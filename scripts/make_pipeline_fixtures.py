"""Golden outputs of transformers' pipelines for tests/test_pipelines.py (tests/fixtures/pipelines/).

Run it with a Python that has torch + transformers + safetensors (NOT the package's venv), e.g.:

    python3 -m venv .venv-ref && .venv-ref/bin/pip install torch==2.13.0 'transformers<4.56' safetensors 'numpy<2'
    .venv-ref/bin/python scripts/make_pipeline_fixtures.py --bpe ../shared/data/roberta-bpe

The tiny models use the real roberta-base vocabulary (50265 rows), so their weights are not stored: both
this script and the test draw them with `make_weights` below (numpy `default_rng`, sorted key order) from
the key/shape list written to `models.json`, with a checksum the test verifies. Each case in `cases.json`
is a task, a model, call arguments, inputs and transformers' answer (numpy scalars made plain floats).
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np

LOG = logging.getLogger("make_pipeline_fixtures")
REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "tests" / "fixtures" / "pipelines"

CONFIG: Dict[str, Any] = dict(
    vocab_size=50265, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
    hidden_act="gelu", max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
    eos_token_id=2, layer_norm_eps=1e-5, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
)
NER_LABELS = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}
NLI_LABELS = {0: "contradiction", 1: "neutral", 2: "entailment"}
#: name -> (transformers class, config extras, seed)
MODELS: Dict[str, Tuple[str, Dict[str, Any], int]] = {
    "base": ("RobertaModel", {}, 1),
    "mlm": ("RobertaForMaskedLM", {}, 2),
    "nli": ("RobertaForSequenceClassification", {"id2label": NLI_LABELS, "label2id": {v: k for k, v in NLI_LABELS.items()}}, 3),
    "multilabel": ("RobertaForSequenceClassification", {"num_labels": 4, "problem_type": "multi_label_classification"}, 4),
    "ner": ("RobertaForTokenClassification", {"id2label": NER_LABELS, "label2id": {v: k for k, v in NER_LABELS.items()}}, 5),
    "qa": ("RobertaForQuestionAnswering", {}, 6),
}


def make_weights(spec: List[Tuple[str, List[int]]], seed: int, pad_token_id: int = 1) -> Dict[str, np.ndarray]:
    """Deterministic, non-trivial float32 weights for the (key, shape) list, in HF names (tests/test_pipelines.py imports this)."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, shape in sorted(spec, key=lambda ks: ks[0]):
        if "LayerNorm.weight" in key:
            array = 1.0 + 0.2 * rng.standard_normal(shape)
        elif key.endswith(".bias"):
            array = 0.2 * rng.standard_normal(shape)
        else:
            array = 0.3 * rng.standard_normal(shape)
        if key.endswith(("word_embeddings.weight", "position_embeddings.weight")):
            array[pad_token_id] = 0.0
        out[key] = array.astype(np.float32)
    return out


def _text(n: int) -> str:
    words = ("Jane Austen lived in Bath and wrote novels about Elizabeth Bennet in London while "
             "her sister Cassandra stayed in Steventon with their family").split()
    return " ".join(words[i % len(words)] for i in range(n)) + "."


CONTEXT = "The book Pride and Prejudice was written by Jane Austen in 1813 and published in London by Thomas Egerton."
LONG_CONTEXT = _text(90) + " " + CONTEXT + " " + _text(40)
NER_TEXT = "My name is Wolfgang and I live in Berlin. Hugging Face is great, said Clara from Paris!"

CASES: List[Dict[str, Any]] = [
    # fill-mask
    {"task": "fill-mask", "model": "mlm", "inputs": "The man worked as a <mask>.", "kwargs": {}},
    {"task": "fill-mask", "model": "mlm", "inputs": ["Paris is the <mask> of France.", "Hello <mask>!"], "kwargs": {"top_k": 3}},
    {"task": "fill-mask", "model": "mlm", "inputs": "Paris is the <mask> of France.", "kwargs": {"targets": [" capital", " city", "Paris"]}},
    {"task": "fill-mask", "model": "mlm", "inputs": "The <mask> sat on the <mask>.", "kwargs": {"top_k": 2}},
    # text-classification
    {"task": "text-classification", "model": "nli", "inputs": "I love this movie.", "kwargs": {}},
    {"task": "text-classification", "model": "nli", "inputs": ["I love it.", "This is terrible, really."], "kwargs": {}},
    {"task": "text-classification", "model": "nli", "inputs": "I love this movie.", "kwargs": {"top_k": None}},
    {"task": "text-classification", "model": "nli", "inputs": ["I love it.", "Meh."], "kwargs": {"top_k": 2}},
    {"task": "text-classification", "model": "nli", "inputs": {"text": "A man eats.", "text_pair": "Someone is eating."}, "kwargs": {"top_k": None}},
    {"task": "text-classification", "model": "nli", "inputs": "I love this movie.", "kwargs": {"top_k": 1, "function_to_apply": "sigmoid"}},
    {"task": "text-classification", "model": "multilabel", "inputs": ["Great food, slow service."], "kwargs": {"top_k": None}},
    # token-classification
    *[{"task": "token-classification", "model": "ner", "inputs": NER_TEXT, "kwargs": {"aggregation_strategy": s}}
      for s in ("none", "simple", "first", "average", "max")],
    {"task": "token-classification", "model": "ner", "inputs": [NER_TEXT, "Bath."], "kwargs": {"ignore_labels": []}},
    {"task": "token-classification", "model": "ner", "inputs": _text(60), "kwargs": {"aggregation_strategy": "simple", "stride": 6},
     "model_max_length": 24},
    # question-answering
    {"task": "question-answering", "model": "qa", "inputs": {"question": "Who wrote the book?", "context": CONTEXT}, "kwargs": {}},
    {"task": "question-answering", "model": "qa", "inputs": {"question": "Who wrote the book?", "context": CONTEXT}, "kwargs": {"top_k": 3}},
    {"task": "question-answering", "model": "qa", "inputs": {"question": "When?", "context": CONTEXT},
     "kwargs": {"top_k": 2, "handle_impossible_answer": True}},
    {"task": "question-answering", "model": "qa", "inputs": {"question": "Who published it?", "context": CONTEXT}, "kwargs": {"max_answer_len": 3, "top_k": 2}},
    {"task": "question-answering", "model": "qa", "inputs": [{"question": "Who wrote the book?", "context": LONG_CONTEXT}],
     "kwargs": {"max_seq_len": 32, "doc_stride": 10, "top_k": 5, "handle_impossible_answer": True}},
    # zero-shot-classification
    {"task": "zero-shot-classification", "model": "nli", "inputs": "The team won the match last night.",
     "kwargs": {"candidate_labels": ["sports", "politics", "cooking"]}},
    {"task": "zero-shot-classification", "model": "nli", "inputs": ["The team won.", "Parliament voted."],
     "kwargs": {"candidate_labels": ["sports", "politics", "cooking"], "multi_label": True}},
    {"task": "zero-shot-classification", "model": "nli", "inputs": "Stir the soup.",
     "kwargs": {"candidate_labels": "cooking, sports", "hypothesis_template": "The topic is {}."}},
    {"task": "zero-shot-classification", "model": "nli", "inputs": "Stir the soup.", "kwargs": {"candidate_labels": ["cooking"]}},
    # feature-extraction
    {"task": "feature-extraction", "model": "base", "inputs": "Hello world!", "kwargs": {}},
    {"task": "feature-extraction", "model": "base", "inputs": ["Hello world!", "A somewhat longer sentence, with more words."], "kwargs": {}},
]


HANDMADE_TEXT = "Jane Austen-Leigh lived in Bath, then Steventonshire."
#: label index per token of HANDMADE_TEXT (<s> ... </s>): mixes B-/I- runs, words split into several
#: tokens with disagreeing labels, and an I- without a B-, so the five strategies all differ
HANDMADE_LABELS = [0, 1, 2, 1, 0, 2, 2, 0, 0, 3, 0, 4, 3, 4, 0, 4, 0, 0]


def handmade_aggregation(pipe: Any, tokenizer: Any) -> Dict[str, Any]:
    """The five strategies of transformers' TokenClassificationPipeline on hand-made token scores."""
    from transformers.pipelines.token_classification import AggregationStrategy

    enc = tokenizer(HANDMADE_TEXT, return_offsets_mapping=True, return_special_tokens_mask=True)
    n = len(enc["input_ids"])
    assert n == len(HANDMADE_LABELS), (n, tokenizer.convert_ids_to_tokens(enc["input_ids"]))
    rng = np.random.default_rng(7)
    scores = rng.uniform(0.0, 1.0, size=(n, len(NER_LABELS))).astype(np.float32)
    for i, label in enumerate(HANDMADE_LABELS):
        scores[i, label] += 1.5 + float(i % 3) * 0.4
    scores /= scores.sum(axis=-1, keepdims=True)
    out = {"text": HANDMADE_TEXT, "input_ids": enc["input_ids"], "offsets": [list(o) for o in enc["offset_mapping"]],
           "special_tokens_mask": enc["special_tokens_mask"], "scores": scores.tolist(), "expected": {}}
    for strategy in ("none", "simple", "first", "average", "max"):
        agg = AggregationStrategy[strategy.upper()]
        pre = pipe.gather_pre_entities(HANDMADE_TEXT, np.array(enc["input_ids"]), scores, np.array(enc["offset_mapping"]),
                                       np.array(enc["special_tokens_mask"]), agg)
        out["expected"][strategy] = _plain(pipe.aggregate(pre, agg))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def main() -> None:
    import torch
    import transformers
    from transformers import RobertaConfig, RobertaTokenizerFast, pipeline

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bpe", default=str(REPO_ROOT.parent / "shared" / "data" / "roberta-bpe"))
    parser.add_argument("--out", default=str(OUT_DIR))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    bpe = Path(args.bpe)
    models, specs = {}, {}
    for name, (cls_name, extra, seed) in MODELS.items():
        config = RobertaConfig(**CONFIG, **extra)
        model = getattr(transformers, cls_name)(config)
        skip = set(getattr(model, "_tied_weights_keys", None) or [])
        spec = [(k, list(v.shape)) for k, v in model.state_dict().items() if k not in skip and not k.endswith("position_ids")]
        weights = make_weights(spec, seed)
        missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
        assert not unexpected and all(k in skip or k.endswith("position_ids") for k in missing), (missing, unexpected)
        model.tie_weights()
        model.eval()
        models[name] = model
        specs[name] = {"class": cls_name, "config": {**CONFIG, **{k: v for k, v in extra.items()}}, "seed": seed, "keys": spec,
                       "checksum": float(sum(float(np.abs(v).sum()) for v in weights.values()))}
    cases = []
    for case in CASES:
        tokenizer = RobertaTokenizerFast(vocab_file=str(bpe / "vocab.json"), merges_file=str(bpe / "merges.txt"))
        if "model_max_length" in case:
            tokenizer.model_max_length = case["model_max_length"]
        pipe = pipeline(case["task"], model=models[case["model"]], tokenizer=tokenizer, device="cpu")
        inputs = case["inputs"]
        result = pipe(**inputs, **case["kwargs"]) if case["task"] == "question-answering" and isinstance(inputs, dict) else pipe(inputs, **case["kwargs"])
        cases.append({**case, "expected": _plain(result)})
        LOG.info("%s %s %s", case["task"], case["kwargs"], str(_plain(result))[:120])
    tokenizer = RobertaTokenizerFast(vocab_file=str(bpe / "vocab.json"), merges_file=str(bpe / "merges.txt"))
    handmade = handmade_aggregation(pipeline("token-classification", model=models["ner"], tokenizer=tokenizer), tokenizer)
    versions = {"torch": torch.__version__, "transformers": transformers.__version__, "numpy": np.__version__}
    (out / "models.json").write_text(json.dumps({"versions": versions, "models": specs}, indent=1) + "\n")
    (out / "cases.json").write_text(json.dumps({"versions": versions, "cases": cases, "handmade_aggregation": handmade}, indent=1) + "\n")
    LOG.info("wrote %s", out)


if __name__ == "__main__":
    main()
