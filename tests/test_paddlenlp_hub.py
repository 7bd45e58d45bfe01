"""End to end: PaddleNLP's own Auto classes load the built-in name through this package's registry and resolver.

A local hub on 127.0.0.1 serves `distilbert/distilroberta-base` (a tiny MLM checkpoint from the golden fixtures,
the real roberta-base tokenizer files); a fresh interpreter imports this package, then PaddleNLP, and asks
`paddlenlp.transformers.AutoModelForMaskedLM / AutoModel / AutoTokenizer.from_pretrained("distilroberta-base")`.
Without the registration PaddleNLP would not know the name (and its name matching would pick a wrong tokenizer).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import FIXTURES, REPO_ROOT, require, require_path
from hub_server import HubServer

MLM = FIXTURES / "models" / "RobertaForMaskedLM"

_SNIPPET = r"""
import numpy as np, paddle, sys
import paddle_distilroberta
assert "paddlenlp" not in sys.modules
import paddlenlp.transformers as pt

model = pt.AutoModelForMaskedLM.from_pretrained("distilroberta-base")
assert type(model).__name__ == "DistilRobertaForMaskedLM", type(model)
reference = paddle_distilroberta.DistilRobertaForMaskedLM.from_pretrained(sys.argv[1])
ids = paddle.to_tensor([[0, 5, 17, 42, 99, 2]])
assert np.array_equal(model(ids).logits.numpy(), reference(ids).logits.numpy())
base = pt.AutoModel.from_pretrained("distilbert/distilroberta-base")
assert type(base).__name__ == "DistilRobertaModel", type(base)

tokenizer = pt.AutoTokenizer.from_pretrained("distilroberta-base")
assert type(tokenizer).__name__ == "DistilRobertaTokenizer", type(tokenizer)
assert tokenizer("Hello world!")["input_ids"] == [0, 31414, 232, 328, 2]
print("PADDLENLP-HUB-OK")
"""


@pytest.mark.slow
def test_paddlenlp_auto_classes_load_builtin_name_from_local_hub(tmp_path, roberta_bpe_dir):
    require("paddlenlp")
    require_path(MLM)
    files = {p.name: p.read_bytes() for p in MLM.iterdir() if p.name in ("config.json", "model.safetensors")}
    files.update({name: (roberta_bpe_dir / name).read_bytes() for name in ("vocab.json", "merges.txt")})
    script = tmp_path / "snippet.py"
    script.write_text(textwrap.dedent(_SNIPPET), encoding="utf-8")
    with HubServer() as server:
        server.add_repo("distilbert/distilroberta-base", files)
        env = {**os.environ, "HF_ENDPOINT": server.url, "COMMUNITY_MODEL_PREFIX": server.community_prefix,
               "HF_HOME": str(tmp_path / "hf"), "PADDLE_DISTILROBERTA_HOME": str(tmp_path / "home"),
               "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PADDLE_DISTILROBERTA_DISABLE_PROGRESS_BARS": "1",
               "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "PADDLE_DISTILROBERTA_NO_PADDLENLP"):
            env.pop(name, None)
        proc = subprocess.run([sys.executable, str(script), str(MLM)], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=240)
        assert proc.returncode == 0 and "PADDLENLP-HUB-OK" in proc.stdout, proc.stderr[-6000:]
        weights = server.cdn_path(files["model.safetensors"])
        assert server.count(weights) == 1  # the weights came from the hub, once
