"""pipeline(task): every task against transformers' pipelines (golden outputs), grouping, QA windows,
bucketing/order, streaming, input immutability and the model's mode.

Tiny models with the real roberta-base vocabulary are rebuilt from `tests/fixtures/pipelines/models.json`
(the same seeded numpy weights `scripts/make_pipeline_fixtures.py` loaded into transformers).
"""
from __future__ import annotations

import copy
import importlib.util
import json
import math
import shutil
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import paddle
import pytest

from conftest import FIXTURES, REPO_ROOT, require
from paddle_distilroberta import pipeline
from paddle_distilroberta.pipelines import TASKS, fill_mask
from paddle_distilroberta.pipelines.token_classification import aggregate, gather_pre_entities
from paddle_distilroberta.qa_utils import postprocess_qa_predictions, prepare_qa_features

pytestmark = pytest.mark.timeout(300)
GOLDEN = FIXTURES / "pipelines"
CASES = json.loads((GOLDEN / "cases.json").read_text())
SPECS = json.loads((GOLDEN / "models.json").read_text())["models"]


def _fixture_script():
    """scripts/make_pipeline_fixtures.py, whose recipes (numpy only) the tests reuse; its torch part is lazy."""
    spec = importlib.util.spec_from_file_location("make_pipeline_fixtures", REPO_ROOT / "scripts" / "make_pipeline_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_weights = _fixture_script().make_weights  # the exact recipe the golden outputs were made with


def build_model_dirs(root: Path, bpe_dir: Path, names: Any = None) -> Dict[str, Path]:
    """Hugging Face-layout folders (config.json + model.safetensors + vocab/merges) of the tiny models."""
    from safetensors.numpy import save_file

    out = {}
    for name, spec in SPECS.items():
        if names is not None and name not in names:
            continue
        weights = make_weights([(k, s) for k, s in spec["keys"]], spec["seed"])
        checksum = sum(float(np.abs(v).sum()) for v in weights.values())
        assert math.isclose(checksum, spec["checksum"], rel_tol=1e-9), "make_weights differs from the fixture script's"
        folder = root / name
        folder.mkdir(parents=True)
        config = {**spec["config"], "model_type": "roberta", "architectures": [spec["class"]]}
        (folder / "config.json").write_text(json.dumps(config))
        save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
        for f in ("vocab.json", "merges.txt"):
            shutil.copy(bpe_dir / f, folder / f)
        out[name] = folder
    return out


@pytest.fixture(scope="session")
def model_dirs(tmp_path_factory, roberta_bpe_dir) -> Dict[str, Path]:
    return build_model_dirs(tmp_path_factory.mktemp("pipeline-models"), roberta_bpe_dir)


@pytest.fixture(scope="session")
def pipes(model_dirs):
    cache: Dict[Tuple[str, str], Any] = {}

    def get(task: str, model: str, **kwargs: Any):
        key = (task, model)
        if key not in cache:
            cache[key] = pipeline(task, model=str(model_dirs[model]), progress=False)
        pipe = cache[key]
        pipe.tokenizer.model_max_length = kwargs.get("model_max_length", 512)
        return pipe

    return get


def assert_same(ours: Any, ref: Any, path: str = "", atol: float = 2e-4) -> None:
    """Same structure, keys and kinds; floats within atol; everything else equal."""
    if isinstance(ref, dict):
        assert isinstance(ours, dict), f"{path}: {type(ours).__name__} instead of dict"
        assert list(ours) == list(ref), f"{path}: keys {list(ours)} != {list(ref)}"
        for k in ref:
            assert_same(ours[k], ref[k], f"{path}.{k}", atol)
    elif isinstance(ref, list):
        assert isinstance(ours, list), f"{path}: {type(ours).__name__} instead of list"
        assert len(ours) == len(ref), f"{path}: {len(ours)} items != {len(ref)}"
        for i, (a, b) in enumerate(zip(ours, ref)):
            assert_same(a, b, f"{path}[{i}]", atol)
    elif isinstance(ref, float):
        assert type(ours) is float, f"{path}: {type(ours).__name__} instead of float"
        assert abs(ours - ref) <= atol, f"{path}: {ours} != {ref}"
    else:
        assert type(ours) is type(ref) and ours == ref, f"{path}: {ours!r} != {ref!r}"


def _case_id(case: Dict[str, Any]) -> str:
    return f"{case['task']}-{case['model']}-{json.dumps(case['kwargs'], sort_keys=True)[:60]}-{type(case['inputs']).__name__}"


@pytest.mark.parametrize("case", CASES["cases"], ids=[_case_id(c) for c in CASES["cases"]])
def test_pipeline_matches_transformers(case, pipes):
    """Shapes, keys, types and values equal transformers' pipeline on the same weights and inputs."""
    pipe = pipes(case["task"], case["model"], model_max_length=case.get("model_max_length", 512))
    inputs = case["inputs"]
    snapshot = copy.deepcopy(inputs)
    if case["task"] == "question-answering" and isinstance(inputs, dict):
        ours = pipe(**inputs, **case["kwargs"])
    else:
        ours = pipe(inputs, **case["kwargs"])
    assert_same(ours, case["expected"])
    assert inputs == snapshot  # inputs are never mutated


@pytest.mark.parametrize("strategy", ["none", "simple", "first", "average", "max"])
def test_grouping_strategies_on_handmade_scores(strategy, pipes):
    """The five aggregation strategies give transformers' entities on hand-made token scores."""
    data = CASES["handmade_aggregation"]
    tokenizer = pipes("token-classification", "ner").tokenizer
    enc = tokenizer(data["text"], return_offsets_mapping=True, return_special_tokens_mask=True)
    assert enc["input_ids"] == data["input_ids"] and [list(o) for o in enc["offset_mapping"]] == data["offsets"]
    id2label = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}
    tokens = tokenizer.convert_ids_to_tokens(data["input_ids"])
    pre = gather_pre_entities(data["text"], data["input_ids"], np.asarray(data["scores"], dtype=np.float32),
                              data["offsets"], data["special_tokens_mask"], tokens, tokenizer.unk_token_id)
    ours = aggregate(pre, strategy, id2label, tokenizer.convert_tokens_to_string)
    ours = [{k: float(v) if k == "score" else v for k, v in e.items()} for e in ours]
    assert_same(ours, data["expected"][strategy], atol=1e-6)


def test_tasks_and_aliases(model_dirs):
    assert set(TASKS) == {"fill-mask", "text-classification", "token-classification", "question-answering",
                          "zero-shot-classification", "feature-extraction"}
    assert type(pipeline("ner", model=str(model_dirs["ner"]))).__name__ == "TokenClassificationPipeline"
    assert type(pipeline("sentiment-analysis", model=str(model_dirs["nli"]))).__name__ == "TextClassificationPipeline"
    with pytest.raises(ValueError, match="Unknown task 'summarization'.*fill-mask"):
        pipeline("summarization", model=str(model_dirs["mlm"]))
    with pytest.raises(ValueError, match="needs model="):
        pipeline("question-answering")


def test_precision_without_a_predictor_is_refused_clearly(model_dirs):
    from paddle_distilroberta.pipelines import FeatureExtractionPipeline

    base = pipeline("feature-extraction", model=str(model_dirs["base"]), progress=False)

    class NoPredictor:  # a model object without to_predictor
        config = base.model.config

    with pytest.raises(ValueError, match="Paddle Inference predictor path .* not available"):
        FeatureExtractionPipeline(NoPredictor(), base.tokenizer, precision="bfloat16")
    assert FeatureExtractionPipeline(NoPredictor(), base.tokenizer, precision="float32")._predictor is None


def test_precision_float32_runs_the_real_predictor(model_dirs, tmp_path, monkeypatch):
    """precision='float32' goes through Paddle Inference (model.to_predictor) and equals the eager model to 1e-5."""
    require("paddle.inference")
    monkeypatch.setenv("PADDLE_DISTILROBERTA_HOME", str(tmp_path / "home"))
    eager = pipeline("feature-extraction", model=str(model_dirs["base"]), progress=False)
    if not hasattr(eager.model, "to_predictor"):
        pytest.fail("models have no to_predictor (paddle_distilroberta.inference)")
    fast = pipeline("feature-extraction", model=eager.model, tokenizer=eager.tokenizer, precision="float32", progress=False)
    assert fast._predictor is not None
    texts = ["Hello world!", "A somewhat longer sentence, with more words.", "x"]
    assert_same(fast(texts), eager(texts), atol=1e-5)
    qa_eager = pipeline("question-answering", model=str(model_dirs["qa"]), progress=False)
    qa_fast = pipeline("question-answering", model=qa_eager.model, tokenizer=qa_eager.tokenizer, precision="float32")
    item = {"question": "Who?", "context": "Jane Austen wrote the book in 1813."}
    assert_same(qa_fast(item, top_k=3), qa_eager(item, top_k=3), atol=1e-5)
    with pytest.raises(ValueError, match="Unknown precision 'fp8'"):
        pipeline("feature-extraction", model=eager.model, tokenizer=eager.tokenizer, precision="fp8")
    require("onnxruntime")  # int8 runs ONNX Runtime's dynamic quantisation of the package's export
    small = pipeline("feature-extraction", model=eager.model, tokenizer=eager.tokenizer, precision="int8", progress=False)
    for got, want in zip(small(texts), eager(texts)):
        got, want = np.asarray(got, "float64").ravel(), np.asarray(want, "float64").ravel()
        assert got @ want / (np.linalg.norm(got) * np.linalg.norm(want)) >= 0.99


def test_precision_uses_the_predictor_when_the_model_has_one(model_dirs):
    """precision != float32 goes through model.to_predictor(precision=...) when it exists (built by another module)."""
    pipe = pipeline("feature-extraction", model=str(model_dirs["base"]), progress=False)
    model, asked = pipe.model, []

    def to_predictor(precision):
        asked.append(precision)

        def predict(input_ids, attention_mask):
            with paddle.no_grad():
                out = model(input_ids=paddle.to_tensor(input_ids), attention_mask=paddle.to_tensor(attention_mask))
            return {"last_hidden_state": out.last_hidden_state.numpy()}
        return predict

    model.to_predictor = to_predictor
    try:
        fast = pipeline("feature-extraction", model=model, tokenizer=pipe.tokenizer, precision="bfloat16", progress=False)
        assert asked == ["bfloat16"]
        assert_same(fast(["a b c", "d"], pooling="mean"), pipe(["a b c", "d"], pooling="mean"), atol=1e-6)
    finally:
        del model.to_predictor


def test_progress_bar_on_request(model_dirs, capsys):
    pipe = pipeline("feature-extraction", model=str(model_dirs["base"]), progress=True)
    pipe([f"text {i}" for i in range(20)], pooling="cls")
    assert "feature-extraction" in capsys.readouterr().err
    quiet = pipeline("feature-extraction", model=pipe.model, tokenizer=pipe.tokenizer, progress=False)
    quiet([f"text {i}" for i in range(20)], pooling="cls")
    assert capsys.readouterr().err == ""


def _texts(n: int, seed: int = 0) -> List[str]:
    rng = np.random.default_rng(seed)
    words = "the quick brown fox jumps over a lazy dog while Jane reads in Bath".split()
    return [" ".join(rng.choice(words, size=int(rng.integers(1, 40)))) + " <mask>." for _ in range(n)]


@pytest.mark.parametrize("task,model,kwargs", [
    ("feature-extraction", "base", {"pooling": "mean"}),
    ("feature-extraction", "base", {}),
    ("fill-mask", "mlm", {"top_k": 3}),
    ("text-classification", "nli", {"top_k": None}),
    ("token-classification", "ner", {"aggregation_strategy": "simple"}),
    ("zero-shot-classification", "nli", {"candidate_labels": ["a", "b"]}),
])
def test_bucketing_keeps_order_and_equals_batch_size_one(task, model, kwargs, model_dirs):
    """Shuffled lengths in, same order out; batch 7 (sorted, padded) equals batch 1 to 1e-5."""
    texts = _texts(40)
    if task != "fill-mask":
        texts = [t.replace(" <mask>", "") for t in texts]
    batched = pipeline(task, model=str(model_dirs[model]), batch_size=7, progress=False)
    one = pipeline(task, model=batched.model, tokenizer=batched.tokenizer, batch_size=1, progress=False)
    got, want = batched(texts, **kwargs), one(texts, **kwargs)
    assert_same(got, want, atol=1e-5)
    assert_same([one(t, **kwargs) for t in texts[:5]], want[:5], atol=1e-5)  # one at a time, too


def test_generator_streams_with_bounded_reads(model_dirs):
    pipe = pipeline("feature-extraction", model=str(model_dirs["base"]), batch_size=2, progress=False)
    consumed = []

    def gen():
        for i in range(500):
            consumed.append(i)
            yield f"sentence number {i}"

    out = pipe(gen(), pooling="cls")
    assert not isinstance(out, list)
    first = next(out)
    assert len(first) == 32 and len(consumed) <= 2 * 32  # one chunk read, not the whole input
    rest = list(out)
    assert len(rest) == 499 and len(consumed) == 500


def test_dataset_input_and_model_mode_restored(model_dirs):
    pipe = pipeline("text-classification", model=str(model_dirs["nli"]), progress=False)

    class Texts(paddle.io.Dataset):
        def __init__(self):
            self.items = ["one", "two words", "three words here"]

        def __getitem__(self, i):
            return self.items[i]

        def __len__(self):
            return 3

    pipe.model.train()
    out = pipe(Texts())
    assert pipe.model.training  # train mode restored
    pipe.model.eval()
    assert_same(out, pipe(["one", "two words", "three words here"]), atol=1e-6)
    assert not pipe.model.training


def test_feature_extraction_pooling_against_direct_model_call(model_dirs):
    pipe = pipeline("feature-extraction", model=str(model_dirs["base"]), progress=False)
    texts = ["Hello world!", "A longer sentence with several more words in it."]
    enc = pipe.tokenizer(texts, padding=True, return_tensors="pd")
    with paddle.no_grad():
        hidden = pipe.model(**enc).last_hidden_state.numpy()
    mask = enc["attention_mask"].numpy().astype(bool)
    tokens = pipe(texts, return_tensors=True)
    for i in range(2):
        np.testing.assert_allclose(tokens[i][0], hidden[i][mask[i]], atol=1e-5)
    mean = pipe(texts, pooling="mean")
    cls = pipe(texts, pooling="cls", normalize=True)
    for i in range(2):
        np.testing.assert_allclose(mean[i], hidden[i][mask[i]].mean(axis=0), atol=1e-5)
        np.testing.assert_allclose(cls[i], hidden[i][0] / np.linalg.norm(hidden[i][0]), atol=1e-5)
        assert abs(np.linalg.norm(cls[i]) - 1.0) < 1e-5
    assert isinstance(mean[0], list) and isinstance(mean[0][0], float)


def test_fill_mask_semantics_and_errors(model_dirs):
    pipe = pipeline("fill-mask", model=str(model_dirs["mlm"]), progress=False)
    out = pipe("Paris is the <mask> of France.", top_k=50)
    assert not {p["token"] for p in out} & set(pipe.tokenizer.all_special_ids)
    assert all("Ġ" not in p["token_str"] for p in out)
    assert [p["score"] for p in out] == sorted((p["score"] for p in out), reverse=True)
    two = pipe("A <mask> and a <mask>.", top_k=2)
    assert len(two) == 2 and all(len(x) == 2 for x in two)
    assert pipe("A <mask>.", targets=[37, " dog"], top_k=5)[0]["token"] in (37, pipe.tokenizer.convert_tokens_to_ids("Ġdog"))
    with pytest.raises(ValueError, match="No mask_token"):
        pipe("no mask here")
    with pytest.warns(DeprecationWarning):
        old = fill_mask(pipe.model, pipe.tokenizer, "Paris is the <mask> of France.", top_k=3)
    assert_same(old, out[:3], atol=1e-6)


def test_text_classification_pairs_and_functions(model_dirs):
    pipe = pipeline("text-classification", model=str(model_dirs["nli"]), progress=False)
    as_dict = pipe({"text": "A man eats.", "text_pair": "Someone eats."}, top_k=None)
    assert_same(pipe(("A man eats.", "Someone eats."), top_k=None), as_dict, atol=1e-6)
    raw = pipe("Fine.", top_k=None, function_to_apply="none")
    soft = pipe("Fine.", top_k=None)
    logits = np.array([d["score"] for d in raw])
    np.testing.assert_allclose(sorted(np.exp(logits) / np.exp(logits).sum(), reverse=True), [d["score"] for d in soft], atol=1e-6)
    assert abs(sum(d["score"] for d in soft) - 1) < 1e-6
    with pytest.raises(ValueError, match="function_to_apply"):
        pipe("x", function_to_apply="relu")


def test_token_classification_stride_needs_aggregation(model_dirs):
    pipe = pipeline("ner", model=str(model_dirs["ner"]), progress=False)
    with pytest.raises(ValueError, match="aggregation_strategy"):
        pipe("Some text.", stride=4)


def test_question_answering_answer_across_window_boundary(pipes):
    """An answer cut by one window's end is found whole in the next (the doc_stride overlap)."""
    pipe = pipes("question-answering", "qa")
    tok = pipe.tokenizer
    context = " ".join(f"w{i}" for i in range(60))
    features = prepare_qa_features(tok, "Which?", context, max_length=24, doc_stride=8)
    assert len(features["input_ids"]) > 2 and set(features["example_index"]) == {0}
    first = [i for i, o in enumerate(features["offset_mapping"][0]) if o is not None]
    last_char = features["offset_mapping"][0][first[-1]][1]
    # a span of two words: the last word of window 0's context and the word after it (only in window 1)
    start_char, end_char = context.rfind(" ", 0, last_char - 1) + 1, context.index(" ", last_char + 1)
    assert start_char < last_char < end_char
    start_logits, end_logits = [], []
    for offsets in features["offset_mapping"]:
        s = np.full(len(offsets), -5.0)
        e = np.full(len(offsets), -5.0)
        for i, o in enumerate(offsets):
            if o is not None and o[0] == start_char:
                s[i] = 8.0
            if o is not None and o[1] == end_char:
                e[i] = 8.0
        start_logits.append(s)
        end_logits.append(e)
    best = postprocess_qa_predictions(features, start_logits, end_logits, context, max_answer_len=30)[0][0]
    assert (best["start"], best["end"]) == (start_char, end_char) and best["answer"] == context[start_char:end_char]
    # the impossible answer wins when every window puts its mass on <s>
    null_start = [np.where(np.arange(len(s)) == 0, 9.0, -5.0) for s in start_logits]
    answers = postprocess_qa_predictions(features, null_start, null_start, context, handle_impossible_answer=True, top_k=2)[0]
    assert answers[0] == {"score": answers[0]["score"], "start": 0, "end": 0, "answer": ""} and answers[0]["score"] > answers[1]["score"]


def test_question_answering_inputs_forms(pipes):
    pipe = pipes("question-answering", "qa")
    ctx = "Jane Austen wrote the book in 1813."
    one = pipe(question="Who?", context=ctx)
    assert_same(pipe("Who?", ctx), one, atol=1e-6)
    assert_same(pipe({"question": "Who?", "context": ctx}), one, atol=1e-6)
    many = pipe(question=["Who?", "When?"], context=ctx)
    assert len(many) == 2 and many[0] == one
    with pytest.raises(ValueError, match="context is empty"):
        pipe(question="Who?", context="  ")


def test_prepare_qa_features_datasets_batch_and_labels():
    from paddle_distilroberta import AutoTokenizer
    from conftest import SHARED_DATA, require_path

    tok = AutoTokenizer.from_pretrained(require_path(SHARED_DATA / "roberta-bpe"))
    batch = {"id": ["a", "b"], "question": ["Who wrote it?", "When?"],
             "context": ["It was written by Jane Austen.", "In 1813."],
             "answers": [{"text": ["Jane Austen"], "answer_start": [18]}, {"text": [], "answer_start": []}]}
    f = prepare_qa_features(tok, batch, max_length=64, padding="max_length")
    assert f["example_id"] == ["a", "b"] and all(len(x) == 64 for x in f["input_ids"])
    s, e = f["start_positions"][0], f["end_positions"][0]
    assert tok.decode(f["input_ids"][0][s:e + 1]).strip() == "Jane Austen"
    assert (f["start_positions"][1], f["end_positions"][1]) == (0, 0)
    assert f["offset_mapping"][0][0] is None and f["word_ids"][0][0] is None
