"""Golden tokenizer FOLDERS as transformers writes them, and the ids transformers gives after loading them.

Fine-tuned checkpoints on the hub carry tokenizer folders written by many transformers versions, fast and slow;
`tests/test_tokenizer_folders.py` loads each with this package and must give the same ids as transformers.
Run once per transformers major version, each in its own environment (no torch needed):

    .venv-ref/bin/python scripts/make_tokenizer_folder_fixtures.py    # transformers 4.x
    .venv-tf5/bin/python scripts/make_tokenizer_folder_fixtures.py    # transformers 5.x

It writes `tests/fixtures/tokenizer_folders/tf<major>-<producer>/` with every file transformers wrote, except
that the 50,262-entry vocabulary and the merges (identical to ../shared/data/roberta-bpe, checked here) are
replaced by a `"__SHARED__"` marker (in tokenizer.json) or left out (vocab.json, merges.txt: listed in
`manifest.json`), so the fixtures stay small; the test puts them back from the shared copy.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import transformers

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "roberta-bpe"
OUT = REPO / "tests" / "fixtures" / "tokenizer_folders"

TEXTS = [
    "a <mask>.",
    "<mask> starts here",
    "ends with <mask>",
    "two <mask> <mask> masks",
    "x<mask>y",
    " leading space",
    "  two leading spaces",
    "Hello world!",
    "Ünïcödé — “quotes” 😀",
    "<s>literal specials</s>",
    "with <new_tok> token",
    "and <special> one",
]
PAIRS = [["Question with <mask>?", "Answer here."], [" leading", "  pair"], ["<mask>", "<mask>"]]


def _base(cls):
    """A tokenizer of class `cls` from the shared vocab.json + merges.txt, loaded as users load one (from a folder:
    transformers 5 no longer reads file paths given to the constructor)."""
    folder = Path(tempfile.mkdtemp())
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(SHARED / name, folder / name)
    return cls.from_pretrained(str(folder))


def producers():
    """name -> function(folder) that saves a tokenizer folder there, for the classes this transformers has."""
    out = {}
    for cls_name in ("RobertaTokenizerFast", "RobertaTokenizer"):
        cls = getattr(transformers, cls_name, None)
        if cls is None:
            continue
        kind = "fast" if cls_name.endswith("Fast") else "slow"
        out[kind] = lambda folder, cls=cls: _saved(_base(cls), folder)

        def finetuned(folder, cls=cls):  # what a fine-tuning run that added tokens saves
            tok = _base(cls)
            tok.add_tokens(["<new_tok>"])
            tok.add_special_tokens({"additional_special_tokens": ["<special>"]})
            return _saved(tok, folder)

        out[f"{kind}-added-tokens"] = finetuned
        if kind == "fast":
            out["fast-legacy-format"] = lambda folder, cls=cls: _saved(_base(cls), folder, legacy_format=True)
    return out


def _saved(tok, folder: Path, **kwargs) -> dict:
    """Save `tok` into `folder`; return the ids it gave in memory (what a model fine-tuned with it has seen)."""
    tok.save_pretrained(folder, **kwargs)
    return ids_of(tok)


def _strip_shared(folder: Path) -> dict:
    """Replace the shared vocabulary and merges by markers after checking they are identical."""
    shared_vocab = json.loads((SHARED / "vocab.json").read_text(encoding="utf-8"))
    shared_merges = [line for line in (SHARED / "merges.txt").read_text(encoding="utf-8").split("\n")[1:] if line]
    manifest = {"transformers": transformers.__version__, "omitted": []}
    for name in ("vocab.json", "merges.txt"):
        path = folder / name
        if not path.exists():
            continue
        if name == "vocab.json":
            assert json.loads(path.read_text(encoding="utf-8")) == shared_vocab, "vocab.json differs from the shared copy"
        else:
            lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line and not line.startswith("#version")]
            assert lines == shared_merges, "merges.txt differs from the shared copy"
        manifest["omitted"].append(name)
        path.unlink()
    tok_json = folder / "tokenizer.json"
    if tok_json.exists():
        data = json.loads(tok_json.read_text(encoding="utf-8"))
        model = data["model"]
        assert model["vocab"] == shared_vocab, "tokenizer.json vocab differs from the shared copy"
        merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
        assert merges == shared_merges, "tokenizer.json merges differ from the shared copy"
        manifest["merges_format"] = "strings" if model["merges"] and isinstance(model["merges"][0], str) else "pairs"
        model["vocab"] = model["merges"] = "__SHARED__"
        tok_json.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def ids_of(tok) -> dict:
    return {
        "class": type(tok).__name__,
        "texts": {t: tok(t)["input_ids"] for t in TEXTS},
        "pairs": [tok(a, b)["input_ids"] for a, b in PAIRS],
    }


def expected_ids(folder: Path) -> dict:
    """The ids transformers gives after loading the saved folder."""
    return ids_of(transformers.AutoTokenizer.from_pretrained(str(folder)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    major = transformers.__version__.split(".")[0]
    for name, save in producers().items():
        target = args.out / f"tf{major}-{name}"
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "tok"
            in_memory = save(folder)
            reloaded = expected_ids(folder)  # before stripping: transformers reads the complete folder
            manifest = _strip_shared(folder)
            manifest["pairs"] = PAIRS
            # `expected`: the ids the saving tokenizer gave (a model fine-tuned with it learned these rows);
            # `reloaded`: what this transformers gives after loading the folder, when that differs.
            manifest["expected"] = in_memory
            if reloaded != in_memory:
                manifest["reloaded"] = reloaded
            (folder / "golden.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(folder, target)
        print(f"{target.relative_to(REPO)}: {sorted(p.name for p in target.iterdir())}")


if __name__ == "__main__":
    main()
