"""paddle_distilroberta.data: padding collators, dynamic MLM masking (80/10/10, whole words), length bucketing."""
from __future__ import annotations

import numpy as np
import pytest

from paddle_distilroberta.data import (
    DataCollatorForLanguageModeling,
    DataCollatorForTokenClassification,
    DataCollatorWithPadding,
    LengthGroupedBatchSampler,
    length_grouped_indices,
)


@pytest.fixture(scope="module")
def tok(roberta_bpe_dir):
    from paddle_distilroberta import DistilRobertaTokenizer

    return DistilRobertaTokenizer.from_pretrained(roberta_bpe_dir)


def test_data_padding_collator_pads_to_longest_and_stacks_labels():
    feats = [{"input_ids": [0, 5, 2], "labels": 1}, {"input_ids": [0, 5, 6, 7, 2], "labels": 0}]
    batch = DataCollatorWithPadding(pad_token_id=1, return_tensors="np")(feats)
    np.testing.assert_array_equal(batch["input_ids"], [[0, 5, 2, 1, 1], [0, 5, 6, 7, 2]])
    np.testing.assert_array_equal(batch["attention_mask"], [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    assert batch["labels"].dtype == np.int64 and batch["labels"].tolist() == [1, 0]
    regression = DataCollatorWithPadding(pad_token_id=1, return_tensors="np", pad_to_multiple_of=4)(
        [{"input_ids": [0, 2], "labels": 0.5}, {"input_ids": [0, 9, 9, 9, 9, 2], "labels": 1.0}])
    assert regression["input_ids"].shape == (2, 8) and regression["labels"].dtype == np.float32
    pd_batch = DataCollatorWithPadding(pad_token_id=1)(feats)
    assert type(pd_batch["input_ids"]).__name__ == "Tensor" and pd_batch["input_ids"].shape == [2, 5]
    with pytest.raises(ValueError, match="max_length"):
        DataCollatorWithPadding(pad_token_id=1, max_length=4)(feats)


def test_data_token_classification_pads_labels_with_minus_100():
    feats = [{"input_ids": [0, 5, 2], "labels": [-100, 3, -100], "offset_mapping": [(0, 0)] * 3},
             {"input_ids": [0, 5, 6, 2], "labels": [-100, 1, 2, -100]}]
    batch = DataCollatorForTokenClassification(pad_token_id=1, return_tensors="np")(feats)
    np.testing.assert_array_equal(batch["labels"], [[-100, 3, -100, -100], [-100, 1, 2, -100]])
    assert "offset_mapping" not in batch
    with pytest.raises(ValueError, match="label_pad_token_id"):
        DataCollatorWithPadding(pad_token_id=1)(feats)


def test_data_mlm_masking_rates_80_10_10_and_labels(tok):
    coll = DataCollatorForLanguageModeling(tok, mlm_probability=0.15, return_tensors="np", seed=0)
    rng = np.random.default_rng(0)
    feats = [{"input_ids": [0] + rng.integers(10, 40000, 98).tolist() + [2]} for _ in range(200)]
    feats[0] = {"input_ids": feats[0]["input_ids"][:50]}  # one short row: padding is never a target
    batch = coll(feats)
    original = DataCollatorWithPadding(tok, return_tensors="np")(feats)["input_ids"]
    labels, ids = batch["labels"], batch["input_ids"]
    targets = labels != -100
    np.testing.assert_array_equal(labels[targets], original[targets])
    assert not targets[:, 0].any() and not targets[:, 99].any() and not targets[0, 50:].any()
    np.testing.assert_array_equal(ids[~targets], original[~targets])  # untouched outside the targets
    n = targets.sum()
    assert abs(n / (original != tok.pad_token_id).sum() - 0.15) < 0.01
    masked = (ids[targets] == tok.mask_token_id).mean()
    kept = (ids[targets] == original[targets]).mean()
    assert abs(masked - 0.8) < 0.03 and abs(kept - 0.1) < 0.02 and abs(1 - masked - kept - 0.1) < 0.02
    assert not np.isin(ids[targets & (ids != tok.mask_token_id)], tok.all_special_ids).any()
    again = coll(feats)  # dynamic: a new draw each call
    assert not np.array_equal(again["labels"] != -100, targets)


def test_data_mlm_whole_word_masks_every_piece_of_a_word(tok):
    text = "internationalization and tokenization are unbelievably complicated antidisestablishmentarianism words"
    enc = tok(text)
    tokens = tok.convert_ids_to_tokens(enc["input_ids"])
    words = []  # positions per word, from the Ġ marker
    for pos, token in enumerate(tokens[1:-1], start=1):
        if pos == 1 or token.startswith("Ġ"):
            words.append([pos])
        else:
            words[-1].append(pos)
    assert any(len(w) > 1 for w in words), tokens
    coll = DataCollatorForLanguageModeling(tok, mlm_probability=0.3, whole_word_mask=True, return_tensors="np", seed=1)
    seen_multi = False
    for _ in range(30):
        labels = coll([{"input_ids": enc["input_ids"]}])["labels"][0]
        chosen = labels != -100
        assert chosen.any()
        for w in words:
            assert chosen[w].all() or not chosen[w].any(), (w, chosen)
            seen_multi |= len(w) > 1 and bool(chosen[w].all())
    assert seen_multi
    # word_ids given in the features decide the words instead
    feats = [{"input_ids": [0, 11, 12, 13, 14, 2], "word_ids": [None, 0, 0, 0, 1, None]}]
    for seed in range(10):
        lab = DataCollatorForLanguageModeling(tok, mlm_probability=0.5, whole_word_mask=True, return_tensors="np",
                                              seed=seed)(feats)["labels"][0]
        assert len(set((lab[1:4] != -100).tolist())) == 1


def test_data_length_grouped_batches_have_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 200, 1000).tolist()
    order = length_grouped_indices(lengths, batch_size=8, mega_batch_mult=10, seed=0)
    assert sorted(order) == list(range(1000))
    assert lengths[order[0]] == max(lengths)
    grouped = np.mean([np.ptp([lengths[i] for i in order[k:k + 8]]) for k in range(0, 1000, 8)])
    shuffled = np.mean([np.ptp(lengths[k:k + 8]) for k in range(0, 1000, 8)])
    assert grouped < shuffled / 5, (grouped, shuffled)
    sampler = LengthGroupedBatchSampler(lengths, batch_size=8, num_replicas=1, rank=0)
    first, second = list(sampler), list(sampler)
    assert len(first) == len(sampler) == 125 and first != second  # reshuffled each epoch
    assert sorted(i for b in first for i in b) == list(range(1000))
    halves = [list(LengthGroupedBatchSampler(lengths[:992], 8, num_replicas=2, rank=r)) for r in (0, 1)]  # 124 batches
    assert not {i for b in halves[0] for i in b} & {i for b in halves[1] for i in b}
    assert len({i for b in halves[0] + halves[1] for i in b}) == 992
    odd = [list(LengthGroupedBatchSampler(lengths[:24], 8, num_replicas=2, rank=r)) for r in (0, 1)]  # 3 batches
    assert len(odd[0]) == len(odd[1]) == len(LengthGroupedBatchSampler(lengths[:24], 8, num_replicas=2, rank=0)) == 2


def test_data_collator_with_paddle_dataloader_and_bucketing(tok):
    import paddle

    texts = ["a", "a b c d e f g h", "short", "a much longer sentence than the others here"] * 4
    feats = [dict(tok(t)) for t in texts]

    class DS(paddle.io.Dataset):
        def __getitem__(self, i):
            return feats[i]

        def __len__(self):
            return len(feats)

    loader = paddle.io.DataLoader(DS(), batch_sampler=LengthGroupedBatchSampler(feats, 4, shuffle=False),
                                  collate_fn=DataCollatorWithPadding(tok, return_tensors="np"))
    shapes = [b["input_ids"].shape[1] for b in loader]
    assert sorted(shapes, reverse=True) == shapes and shapes[-1] < shapes[0]
