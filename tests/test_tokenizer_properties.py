"""Hypothesis properties of DistilRobertaTokenizer.

* decode(encode(s, add_special_tokens=False)) == s for every str without lone surrogates, with two
  documented exceptions that come from RoBERTa's special tokens, not from the BPE: a literal special-token
  text (`<s>`, `<mask>`, ...) encodes as that special token, and `<mask>` (lstrip=True) swallows the
  whitespace right before it. `_expected_round_trip` applies exactly those two rules.
* Lone surrogates (no UTF-8 form) encode as U+FFFD, so they come back as U+FFFD.
* Encoding never raises on any str (surrogates, controls, NUL, astral planes, empty), single or pair,
  with or without truncation, prefix space or offsets.
* Offsets always index into the original string (into the pair text for the second sequence).
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paddle_distilroberta.tokenization import DistilRobertaTokenizer

SPECIALS = ["<s>", "</s>", "<pad>", "<unk>", "<mask>"]
# Unicode White_Space (what the Rust `lstrip` of <mask> strips), not Python's str.isspace (which adds \x1c-\x1f).
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_BEFORE_MASK = re.compile(f"[{WHITE_SPACE}]+(?=<mask>)")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_char = st.characters(exclude_categories=())  # every code point, lone surrogates included
valid_text = st.text(max_size=60)  # hypothesis' default alphabet has no surrogates
with_specials = st.lists(st.one_of(valid_text, st.sampled_from(SPECIALS + [" <mask>", "\t<mask>", "  "])), max_size=6).map("".join)
any_text = st.text(alphabet=any_char, max_size=60)


@pytest.fixture(scope="module")
def tok(roberta_bpe_dir) -> DistilRobertaTokenizer:
    return DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir)


@pytest.fixture(scope="module")
def tok_aps(roberta_bpe_dir) -> DistilRobertaTokenizer:
    return DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir, add_prefix_space=True)


def _expected_round_trip(s: str) -> str:
    return _BEFORE_MASK.sub("", re.sub("[\ud800-\udfff]", "\ufffd", s))


@SETTINGS
@given(s=valid_text)
def test_tokenizer_property_round_trip_exact(tok, s):
    if any(special in s for special in SPECIALS):
        return
    assert tok.decode(tok.encode(s, add_special_tokens=False)) == s
    assert tok.decode(tok.encode(s), skip_special_tokens=True) == s


@SETTINGS
@given(s=st.one_of(with_specials, any_text))
def test_tokenizer_property_round_trip_with_specials_and_surrogates(tok, s):
    assert tok.decode(tok.encode(s, add_special_tokens=False)) == _expected_round_trip(s)


@SETTINGS
@given(a=any_text, b=st.one_of(st.none(), any_text), max_length=st.one_of(st.none(), st.integers(4, 20)),
       split=st.booleans())
def test_tokenizer_property_never_raises_and_offsets_index_input(tok, tok_aps, a, b, max_length, split):
    t = tok_aps if split else tok
    out = t(a, b, truncation="longest_first" if max_length else False, max_length=max_length,
            return_offsets_mapping=True, return_special_tokens_mask=True)
    assert len(out["input_ids"]) == len(out["offset_mapping"]) == len(out["special_tokens_mask"])
    if max_length:
        assert len(out["input_ids"]) <= max_length
    sequences = out.sequence_ids()
    previous_start = {0: 0, 1: 0}
    for (start, end), seq in zip(out["offset_mapping"], sequences):
        if seq is None:
            assert (start, end) == (0, 0)
            continue
        text = a if seq == 0 else b
        assert 0 <= start <= end <= len(text), (start, end, len(text))
        assert start >= previous_start[seq], "offsets go backwards"
        previous_start[seq] = start


@SETTINGS
@given(words=st.lists(st.text(alphabet=any_char, max_size=12), max_size=8))
def test_tokenizer_property_split_words_offsets_and_word_ids(tok_aps, words):
    out = tok_aps(words, is_split_into_words=True, return_offsets_mapping=True)
    for (start, end), word in zip(out["offset_mapping"], out.word_ids()):
        if word is None:
            continue
        assert 0 <= word < len(words)
        assert 0 <= start <= end <= len(words[word])


@SETTINGS
@given(texts=st.lists(any_text, max_size=8))
def test_tokenizer_property_batch_equals_singles(tok, texts):
    batch = tok(texts, return_offsets_mapping=True)
    for i, text in enumerate(texts):
        single = tok(text, return_offsets_mapping=True)
        assert batch["input_ids"][i] == single["input_ids"]
        assert batch["offset_mapping"][i] == single["offset_mapping"]
