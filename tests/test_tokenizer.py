"""DistilRobertaTokenizer: golden ids, call API, special tokens, unused ids, bad input, save/load.

Corpus-wide parity with transformers lives in test_tokenizer_parity.py, hypothesis properties in
test_tokenizer_properties.py.
"""
from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import REPO_ROOT, require
from paddle_distilroberta.tokenization import BatchEncoding, DistilRobertaTokenizer


@pytest.fixture(scope="module")
def tok(roberta_bpe_dir) -> DistilRobertaTokenizer:
    return DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir)


@pytest.fixture(scope="module")
def tok_aps(roberta_bpe_dir) -> DistilRobertaTokenizer:
    return DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir, add_prefix_space=True)


# ---------------------------------------------------------------------------------------- golden ids


def test_tokenizer_golden_ids_match_fairseq(tok):
    """fairseq's roberta.encode('Hello world!') is [0, 31414, 232, 328, 2] (texar-pytorch PR #255)."""
    assert tok("Hello world!")["input_ids"] == [0, 31414, 232, 328, 2]
    assert tok.encode(" Hello world") == [0, 20920, 232, 2]
    assert tok.tokenize("Hello world") == ["Hello", "Ġworld"]


def test_tokenizer_mask_eats_preceding_space(tok):
    """`<mask>` has lstrip=True: 'is <mask>' is 'Ġis' + <mask> (huggingface/transformers#2778, #11415)."""
    ids = tok("The capital of France is <mask>.")["input_ids"]
    assert ids == [0, 133, 812, 9, 1470, 16, 50264, 4, 2]
    assert tok("The capital of France is<mask>.")["input_ids"] == ids
    assert tok.decode(ids) == "<s>The capital of France is<mask>.</s>"
    assert tok("She likes <mask> cats")["input_ids"][-3:] == [50264, 10017, 2]  # 'Ġcats', not 'cats'
    assert tok.mask_token == "<mask>" and tok.mask_token_id == 50264


def test_tokenizer_pair_template(tok):
    enc = tok("Hello world", "Second one", return_token_type_ids=True, return_special_tokens_mask=True)
    assert enc["input_ids"] == [0, 31414, 232, 2, 2, 32703, 65, 2]
    assert enc.tokens()[3:5] == ["</s>", "</s>"]
    assert enc["token_type_ids"] == [0] * 8  # one segment (type_vocab_size = 1)
    assert enc["special_tokens_mask"] == [1, 0, 0, 1, 1, 0, 0, 1]
    assert enc.sequence_ids() == [None, 0, 0, None, None, 1, 1, None]
    assert tok.build_inputs_with_special_tokens([5], [6]) == [0, 5, 2, 2, 6, 2]
    assert tok.create_token_type_ids_from_sequences([5], [6]) == [0] * 6
    assert tok.get_special_tokens_mask([5], [6]) == [1, 0, 1, 1, 0, 1]
    assert tok.get_special_tokens_mask([0, 5, 2], already_has_special_tokens=True) == [1, 0, 1]


def test_tokenizer_offsets_are_trimmed(tok, tok_aps):
    """Offsets leave out the leading space of 'Ġword' (huggingface/transformers#14305, #16321)."""
    text = "hello   world  <mask> x"
    enc = tok(text, return_offsets_mapping=True)
    assert enc["offset_mapping"] == [(0, 0), (0, 5), (6, 6), (7, 7), (8, 13), (15, 21), (22, 23), (0, 0)]
    enc = tok_aps("Hello world", return_offsets_mapping=True)
    assert enc["input_ids"] == [0, 20920, 232, 2]
    assert enc["offset_mapping"] == [(0, 0), (0, 5), (6, 11), (0, 0)]


# ---------------------------------------------------------------------------------------- call API


def test_tokenizer_single_vs_batch_layout(tok):
    single = tok("Hello world")
    assert isinstance(single, BatchEncoding) and single.input_ids == [0, 31414, 232, 2]
    batch = tok(["Hello world", "Hi"])
    assert batch["input_ids"] == [[0, 31414, 232, 2], [0, 30086, 2]]
    assert list(batch) == ["input_ids", "attention_mask"]  # RoBERTa's model inputs: no token_type_ids by default
    assert tok("Hello", return_length=True)["length"] == [3]  # as transformers: a one-item list
    assert tok([], padding=True)["input_ids"] == []


def test_tokenizer_padding_and_tensors(tok):
    enc = tok(["Hello world", "Hi"], padding=True, return_tensors="np")
    assert enc["input_ids"].dtype == np.int64 and enc["input_ids"].shape == (2, 4)
    assert enc["input_ids"][1].tolist() == [0, 30086, 2, 1]
    assert enc["attention_mask"][1].tolist() == [1, 1, 1, 0]
    enc = tok(["Hello world", "Hi"], padding="max_length", max_length=6, pad_to_multiple_of=4)
    assert [len(r) for r in enc["input_ids"]] == [8, 8]
    enc = tok(["Hello world", "Hi"], padding=True, padding_side="left")
    assert enc["input_ids"][1] == [1, 0, 30086, 2]
    assert tok("Hello", return_tensors="np")["input_ids"].shape == (1, 3)  # tensors always have a batch axis
    with pytest.raises(ValueError, match="padding=True"):
        tok(["Hello world", "Hi"], return_tensors="np")
    with pytest.raises(ValueError, match="return_tensors='pt'"):
        tok("Hello", return_tensors="pt")


def test_tokenizer_paddle_tensors(tok):
    paddle = require("paddle")
    enc = tok(["Hello world", "Hi"], padding=True, return_tensors="pd")
    assert isinstance(enc["input_ids"], paddle.Tensor)
    assert enc["input_ids"].dtype == paddle.int64 and enc["input_ids"].shape == [2, 4]
    assert tok.batch_decode(enc["input_ids"], skip_special_tokens=True) == ["Hello world", "Hi"]
    assert tok.decode(enc["input_ids"][0]) == "<s>Hello world</s>"


def test_tokenizer_truncation_strategies(tok):
    long = "word " * 1000
    assert len(tok(long, truncation=True)["input_ids"]) == 512  # model_max_length
    assert tok.model_max_length == 512
    assert len(tok(long, max_length=10)["input_ids"]) == 10  # max_length alone truncates, as in transformers
    a, b = "one two three four five six", "seven eight"
    assert tok(a, b, truncation="only_first", max_length=9).tokens() == \
        ["<s>", "one", "Ġtwo", "Ġthree", "</s>", "</s>", "seven", "Ġeight", "</s>"]
    assert len(tok(a, b, truncation="only_second", max_length=11)["input_ids"]) == 11
    assert len(tok(a, b, truncation="longest_first", max_length=8)["input_ids"]) == 8
    assert len(tok(long, padding="max_length", max_length=16)["input_ids"]) == 1003  # padding alone never truncates


def test_tokenizer_overflow_windows_with_stride(tok):
    enc = tok(["a b c d e f g h", "x"], truncation=True, max_length=5, stride=1, return_overflowing_tokens=True)
    assert enc["overflow_to_sample_mapping"] == [0, 0, 0, 0, 1]
    windows = enc["input_ids"]
    assert windows[0] == [0, 102, 741, 740, 2] and windows[1][1] == windows[0][3]  # stride: one token shared
    single = tok("a b c d e f g h", truncation=True, max_length=5, return_overflowing_tokens=True)
    assert isinstance(single["input_ids"][0], list)  # overflow keeps the batch axis, as in transformers


def test_tokenizer_split_into_words_and_word_ids(tok, tok_aps):
    words = ["Hello", "wonderful", "world"]
    enc = tok_aps(words, is_split_into_words=True)
    assert enc["input_ids"] == [0, 20920, 4613, 232, 2]
    assert enc.word_ids() == [None, 0, 1, 2, None]
    batch = tok_aps([words, ["Hi"]], is_split_into_words=True, padding=True)
    assert batch.word_ids(1) == [None, 0, None, None, None]
    with pytest.raises(ValueError, match="add_prefix_space=True"):
        tok(words, is_split_into_words=True)


def test_tokenizer_pad_for_collators(tok):
    rows = [{"input_ids": [0, 31414, 2], "labels": 1}, {"input_ids": [0, 2], "labels": 0}]
    out = tok.pad(rows, return_tensors="np")
    assert out["input_ids"].tolist() == [[0, 31414, 2], [0, 2, 1]]
    assert out["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert out["labels"].tolist() == [1, 0]  # every key becomes a tensor, as transformers' pad does
    paddle = require("paddle")
    out = tok.pad([{"input_ids": [0, 2], "labels": 0.5}, {"input_ids": [0, 5, 2], "labels": 1.5}], return_tensors="pd")
    assert out["input_ids"].dtype == paddle.int64 and out["labels"].dtype in (paddle.float32, paddle.float64)
    assert tok.pad({"input_ids": [[5]]}, padding="max_length", max_length=3)["input_ids"] == [[5, 1, 1]]


# ---------------------------------------------------------------------------------------- vocabulary


def test_tokenizer_sizes_follow_transformers(tok):
    """vocab_size/len are 50,262 (entries of vocab.json), not the model's 50,265 embedding rows."""
    assert tok.vocab_size == len(tok) == len(tok.get_vocab()) == len(tok.vocab) == 50262
    assert tok.max_token_id == 50264
    assert tok.unused_ids == [50261, 50262, 50263]


def test_tokenizer_unused_ids_read_as_unk(tok):
    """Ids 50261..50263 (fairseq's madeupword000N, absent from vocab.json) decode as <unk> and never crash."""
    assert tok.convert_ids_to_tokens([50260, 50261, 50262, 50263, 50264]) == ["<|endoftext|>", "<unk>", "<unk>", "<unk>", "<mask>"]
    assert tok.convert_ids_to_tokens(50262) == "<unk>"
    assert tok.decode([31414, 50261, 232]) == "Hello<unk> world"
    assert tok.decode([31414, 50261, 232], skip_special_tokens=True) == "Hello world"
    assert tok.batch_decode(np.array([[31414, 50263]])) == ["Hello<unk>"]


def test_tokenizer_bad_ids_raise(tok):
    with pytest.raises(ValueError, match="-100"):
        tok.decode([31414, -100])
    with pytest.raises(ValueError, match="50265"):
        tok.decode([50265])
    with pytest.raises(TypeError, match="batch_decode"):
        tok.decode([[1, 2]])
    with pytest.raises(TypeError, match="str"):
        tok.decode("hello")


def test_tokenizer_token_id_conversions(tok):
    assert tok.convert_tokens_to_ids("Ġthe") == 5
    assert tok.convert_tokens_to_ids(["<s>", "no-such-token"]) == [0, 3]
    assert tok.convert_ids_to_tokens([0, 5, 2], skip_special_tokens=True) == ["Ġthe"]
    assert tok.convert_tokens_to_string(["Hello", "Ġworld"]) == "Hello world"
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.special_tokens_map["mask_token"] == "<mask>"


def test_tokenizer_add_tokens(roberta_bpe_dir):
    t = DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir)
    assert t.add_tokens(["<newtok>", "<newtok>"]) == 1
    assert t.convert_tokens_to_ids("<newtok>") == 50265  # after <mask>, as RobertaTokenizerFast
    assert t.add_special_tokens({"additional_special_tokens": ["<ent>"]}) == 1
    enc = t("a <ent> b", return_special_tokens_mask=True)
    assert enc.tokens() == ["<s>", "a", "Ġ", "<ent>", "Ġb", "</s>"]
    assert enc["special_tokens_mask"] == [1, 0, 0, 0, 0, 1]  # as RobertaTokenizerFast: only template tokens
    assert t.decode(t("a <ent> b")["input_ids"], skip_special_tokens=True) == "a  b"
    with pytest.raises(ValueError, match="valid keys"):
        t.add_special_tokens({"sentinel_token": "<x>"})
    t.pad_token = "<newpad>"
    assert t.pad_token_id == 50267 and t(["a", "a b"], padding=True)["input_ids"][0][-1] == 50267


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad, kind, pattern", [
    (None, TypeError, "text is None"),
    (["ok", None], TypeError, r"text\[1\] is NoneType"),
    (["ok", 3], TypeError, r"text\[1\] is int"),
    (42, TypeError, "got int"),
])
def test_tokenizer_bad_text_raises(tok, bad, kind, pattern):
    with pytest.raises(kind, match=pattern):
        tok(bad)


def test_tokenizer_bad_pairs_and_lengths_raise(tok):
    with pytest.raises(ValueError, match="text has 2 items but text_pair has 1"):
        tok(["a", "b"], ["c"])
    with pytest.raises(TypeError, match=r"text_pair\[0\] is int"):
        tok(["a"], [5])
    with pytest.raises(ValueError, match="max_length=1 is smaller than the 2 special tokens"):
        tok("a b c", truncation=True, max_length=1)
    with pytest.raises(ValueError, match="max_length=3 is smaller than the 4 special tokens a pair needs"):
        tok("a", "b", truncation=True, max_length=3)
    assert tok("a b c", truncation=True, max_length=2)["input_ids"] == [0, 2]  # exactly the specials: allowed
    with pytest.raises(ValueError, match="stride=3"):
        tok("a b c d e f g", truncation=True, max_length=4, stride=3, return_overflowing_tokens=True)
    with pytest.raises(ValueError, match="stride=6"):  # a Rust panic in tokenizers, turned into a ValueError
        tok("a short question", "a b c d e f g h i j k l", truncation="only_second", max_length=12, stride=6,
            return_overflowing_tokens=True)
    with pytest.raises(ValueError, match="only_first"):
        tok("a b c", "a much longer second text with many words", truncation="only_first", max_length=8)
    with pytest.raises(ValueError, match="padding='sideways'"):
        tok("a", padding="sideways")
    with pytest.raises(ValueError, match="truncation='middle'"):
        tok("a", truncation="middle")


def test_tokenizer_missing_or_corrupt_files_raise(tmp_path, roberta_bpe_dir):
    with pytest.raises(FileNotFoundError, match="No tokenizer files.*vocab.json"):
        DistilRobertaTokenizer.from_pretrained(tmp_path)
    (tmp_path / "vocab.json").write_text('{"a": 0, "b": ', encoding="utf-8")
    (tmp_path / "merges.txt").write_bytes((roberta_bpe_dir / "merges.txt").read_bytes())
    with pytest.raises(ValueError, match="vocab.json.*not valid UTF-8 JSON"):
        DistilRobertaTokenizer.from_pretrained(tmp_path)
    (tmp_path / "vocab.json").write_text('{"a": -1}', encoding="utf-8")
    with pytest.raises(ValueError, match="ids must be non-negative"):
        DistilRobertaTokenizer.from_pretrained(tmp_path)
    (tmp_path / "vocab.json").write_bytes((roberta_bpe_dir / "vocab.json").read_bytes())
    (tmp_path / "merges.txt").write_text("#version: 0.2\nĠ t\nbroken-line\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        DistilRobertaTokenizer.from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="nope.json"):
        DistilRobertaTokenizer(tmp_path / "nope.json", tmp_path / "merges.txt")
    with pytest.raises(ValueError, match="needs vocab_file and merges_file"):
        DistilRobertaTokenizer()
    (tmp_path / "tokenizer.json").write_text('{"model": {"type": "WordPiece", "vocab": {}}}', encoding="utf-8")
    with pytest.raises(ValueError, match="no BPE model"):
        DistilRobertaTokenizer.from_pretrained(tmp_path)


def test_tokenizer_lone_surrogates_become_replacement_char(tok):
    """transformers raises TypeError on '\\ud800'; here it encodes as U+FFFD with offsets into the original."""
    enc = tok("a\ud800b", return_offsets_mapping=True)
    assert tok.decode(enc["input_ids"], skip_special_tokens=True) == "a\ufffdb"
    assert enc["offset_mapping"][2] == (1, 2)


# ---------------------------------------------------------------------------------------- loading and saving


def test_tokenizer_from_pretrained_ignores_paddlenlp_kwargs(roberta_bpe_dir):
    t = DistilRobertaTokenizer.from_pretrained(
        str(roberta_bpe_dir), from_hf_hub=False, from_aistudio=False, use_fast=True, return_tokenizer_kwargs=False,
        cache_dir=None, subfolder="", trust_remote_code=False)
    assert t("Hello world!")["input_ids"] == [0, 31414, 232, 328, 2]


def test_tokenizer_save_pretrained_round_trip(tmp_path, roberta_bpe_dir):
    t = DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir, add_prefix_space=True, model_max_length=128)
    t.add_tokens(["<newtok>"])
    files = t.save_pretrained(tmp_path)
    assert sorted(p.rsplit("/", 1)[1] for p in files) == sorted(
        ["vocab.json", "merges.txt", "tokenizer.json", "special_tokens_map.json", "tokenizer_config.json", "added_tokens.json"])
    config = json.loads((tmp_path / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert config["tokenizer_class"] == "RobertaTokenizer"  # transformers reads it; PaddleNLP through the integration
    assert config["added_tokens_decoder"]["50264"]["lstrip"] is True
    assert (tmp_path / "vocab.json").read_bytes() != b"" and (tmp_path / "merges.txt").read_bytes() == \
        (roberta_bpe_dir / "merges.txt").read_bytes()
    assert json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8")) == json.loads(
        (roberta_bpe_dir / "vocab.json").read_text(encoding="utf-8"))
    back = DistilRobertaTokenizer.from_pretrained(tmp_path)
    text = "Hello <newtok> world <mask>."
    assert back(text)["input_ids"] == t(text)["input_ids"]
    assert (back.add_prefix_space, back.model_max_length, len(back)) == (True, 128, len(t))
    for name in ("vocab.json", "merges.txt"):  # tokenizer.json alone is enough
        (tmp_path / name).unlink()
    assert DistilRobertaTokenizer.from_pretrained(tmp_path)(text)["input_ids"] == t(text)["input_ids"]


@pytest.mark.paddlenlp
def test_tokenizer_saved_folder_read_by_paddlenlp(tmp_path, tok):
    """PaddleNLP's RobertaBPETokenizer.from_pretrained reads a folder written by save_pretrained."""
    require("paddlenlp")
    from paddlenlp.transformers import RobertaBPETokenizer

    tok.save_pretrained(tmp_path)
    theirs = RobertaBPETokenizer.from_pretrained(str(tmp_path))
    for text in ["Hello world!", "naïve café “quoted”", "emoji 👍🏽 and 日本語", "The capital of France is <mask>.",
                 "a <s> b"]:
        assert theirs(text)["input_ids"] == tok(text)["input_ids"], text
    assert theirs.convert_tokens_to_ids("<mask>") == 50264


@pytest.mark.paddlenlp
def test_tokenizer_reads_paddlenlp_saved_folder(tmp_path, tok, roberta_bpe_dir):
    """A folder written by PaddleNLP's RobertaBPETokenizer.save_pretrained loads here, with <mask> lstrip."""
    require("paddlenlp")
    from paddlenlp.transformers import RobertaBPETokenizer

    RobertaBPETokenizer(str(roberta_bpe_dir / "vocab.json"), str(roberta_bpe_dir / "merges.txt")).save_pretrained(str(tmp_path))
    ours = DistilRobertaTokenizer.from_pretrained(tmp_path)
    assert ours("The capital of France is <mask>.")["input_ids"] == [0, 133, 812, 9, 1470, 16, 50264, 4, 2]
    assert ours.model_max_length == 512


def test_tokenizer_pickles(tok):
    """DataLoader workers pickle the tokenizer."""
    clone = pickle.loads(pickle.dumps(tok))
    assert clone("Hello <mask>!")["input_ids"] == tok("Hello <mask>!")["input_ids"]
    enc = pickle.loads(pickle.dumps(tok("Hello")))
    assert enc.input_ids == [0, 31414, 2] and enc.tokens() == ["<s>", "Hello", "</s>"]


def test_tokenizer_module_needs_no_paddle_paddlenlp_torch_or_transformers(roberta_bpe_dir):
    """tokenization.py imports paddle only for return_tensors='pd', and never torch or transformers."""
    code = textwrap.dedent(f"""
        import importlib, importlib.util, sys, types
        for name in ("paddle", "paddlenlp", "torch", "transformers"):
            sys.modules[name] = None  # any import of these now fails
        # the package without its __init__ (which imports the model, hence paddle): only what tokenization pulls in
        package = types.ModuleType("paddle_distilroberta")
        package.__path__ = [{str(REPO_ROOT / "paddle_distilroberta")!r}]
        sys.modules["paddle_distilroberta"] = package
        module = importlib.import_module("paddle_distilroberta.tokenization")
        loaded = sorted(m for m in sys.modules if m.startswith("paddle_distilroberta."))
        assert "paddle_distilroberta.modeling" not in loaded, loaded
        d = {str(roberta_bpe_dir)!r}
        t = module.DistilRobertaTokenizer(d + "/vocab.json", d + "/merges.txt")
        assert t("Hello world!", return_tensors="np")["input_ids"].tolist() == [[0, 31414, 232, 328, 2]]
        # the parity tests import the fixture script's recipes; that must not need transformers either
        spec = importlib.util.spec_from_file_location("gen", {str(REPO_ROOT / "scripts" / "make_tokenizer_fixtures.py")!r})
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_tokenizer_padding_state_does_not_leak_after_adding_tokens(roberta_bpe_dir):
    """Regression: after add_special_tokens the cached backend state was reset to 'nothing set', so a padded
    call followed by an unpadded one kept padding."""
    t = DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir)
    assert t(["a b", "c"], padding=True)["input_ids"][1] == [0, 438, 2, 1]
    t.add_special_tokens({"additional_special_tokens": ["<ent>"]})
    assert t(["a b", "c"])["input_ids"][1] == [0, 438, 2]


def test_tokenizer_unlimited_model_max_length_does_not_truncate(roberta_bpe_dir):
    """A config saved by transformers without a limit has model_max_length=1e30: truncation=True is a no-op."""
    for limit in (int(1e30), 1e30):
        t = DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir, model_max_length=limit)
        assert len(t("word " * 600, truncation=True)["input_ids"]) == 603
    with pytest.raises(ValueError, match="model_max_length=0"):
        DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir, model_max_length=0)


def test_tokenizer_split_word_pairs_and_char_to_token(tok_aps):
    enc = tok_aps(["Who", "wrote"], ["Jane", "Austen"], is_split_into_words=True)
    assert enc.tokens() == ["<s>", "ĠWho", "Ġwrote", "</s>", "</s>", "ĠJane", "ĠAust", "en", "</s>"]
    assert enc.sequence_ids() == [None, 0, 0, None, None, 1, 1, 1, None]
    assert enc.word_ids() == [None, 0, 1, None, None, 0, 1, 1, None]
    enc = tok_aps("Jane Austen wrote", "it")
    assert enc.char_to_token(0, 5) == 2 and enc.token_to_chars(0, 2) == (5, 9)
    assert enc.char_to_token(0, 0, sequence_index=1) == 7


def test_huge_vocab_id_is_refused_before_the_rust_library(tmp_path, roberta_bpe_dir):
    """Regression: a vocab id of 1e9 in vocab.json made the Rust library allocate 4 GB."""
    vocab = json.loads((roberta_bpe_dir / "vocab.json").read_text(encoding="utf-8"))
    vocab["Ġhuge"] = 1_000_000_000
    (tmp_path / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    shutil.copyfile(roberta_bpe_dir / "merges.txt", tmp_path / "merges.txt")
    with pytest.raises(ValueError, match=r"id 1000000000, above the limit 1999999"):
        DistilRobertaTokenizer.from_pretrained(tmp_path)


def test_padding_to_a_huge_model_max_length_is_refused(roberta_bpe_dir):
    """Regression: model_max_length 1e15 with padding='max_length' aborted the process."""
    tok = DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir, model_max_length=10**15)
    with pytest.raises(ValueError, match=r"padding='max_length' to 1000000000000000 tokens"):
        tok("hello", padding="max_length")
    with pytest.raises(ValueError, match="exceeds 1000000"):
        tok.pad({"input_ids": [[0, 2]]}, padding="max_length")
    assert tok("hello", padding="max_length", max_length=8)["input_ids"] == [0, 42891, 2, 1, 1, 1, 1, 1]
