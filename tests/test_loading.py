"""from_pretrained / save_pretrained: load reports, errors, dtype and device, atomic saves, formats.

Numeric parity with transformers is test_parity.py's job; here the golden folders are just checkpoints.
"""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import paddle
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

import paddle_distilroberta as pdr
from paddle_distilroberta.errors import WeightMappingError
from paddle_distilroberta.pretrained import loading
from paddle_distilroberta.pretrained.loading import resolve_device

from conftest import FIXTURES

MODELS = FIXTURES / "models"
BASE = MODELS / "RobertaModel"
MLM = MODELS / "RobertaForMaskedLM"
SEQ_CLS = MODELS / "RobertaForSequenceClassification-single_label_classification"
LOGGER = "paddle_distilroberta"

#: fixture folder -> (our class, Auto class)
FOLDERS = {
    "RobertaModel": (pdr.DistilRobertaModel, pdr.AutoModel),
    "RobertaForMaskedLM": (pdr.DistilRobertaForMaskedLM, pdr.AutoModelForMaskedLM),
    "RobertaForCausalLM": (pdr.DistilRobertaForCausalLM, pdr.AutoModelForCausalLM),
    "RobertaForSequenceClassification-single_label_classification":
        (pdr.DistilRobertaForSequenceClassification, pdr.AutoModelForSequenceClassification),
    "RobertaForSequenceClassification-regression":
        (pdr.DistilRobertaForSequenceClassification, pdr.AutoModelForSequenceClassification),
    "RobertaForSequenceClassification-multi_label_classification":
        (pdr.DistilRobertaForSequenceClassification, pdr.AutoModelForSequenceClassification),
    "RobertaForTokenClassification": (pdr.DistilRobertaForTokenClassification, pdr.AutoModelForTokenClassification),
    "RobertaForQuestionAnswering": (pdr.DistilRobertaForQuestionAnswering, pdr.AutoModelForQuestionAnswering),
    "RobertaForMultipleChoice": (pdr.DistilRobertaForMultipleChoice, pdr.AutoModelForMultipleChoice),
}
HEADS = sorted({cls for cls, _ in FOLDERS.values()}, key=lambda c: c.__name__)


def state(model) -> dict:
    return {k: v.astype("float32").numpy() for k, v in model.state_dict().items()}


def assert_same_state(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def records(caplog, text: str):
    return [r for r in caplog.records if text in r.getMessage()]


def copy_folder(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# ------------------------------------------------------------------ load reports
@pytest.mark.parametrize("cls", HEADS, ids=lambda c: c.__name__)
def test_base_checkpoint_into_head_logs_new_and_unused_keys(cls, caplog):
    """A base (RobertaModel) checkpoint initialises the head and logs exactly which keys are new and which unused."""
    with caplog.at_level(logging.INFO, logger=LOGGER):
        model = cls.from_pretrained(BASE)
    params = set(dict(model.named_parameters()))
    base_params = set(dict(pdr.DistilRobertaModel.from_pretrained(BASE).named_parameters()))
    prefix = "" if cls is pdr.DistilRobertaModel else "roberta."
    expected_new = {p for p in params if p.removeprefix(prefix) not in base_params}
    expected_unused = {prefix + p for p in base_params if prefix + p not in params}

    new_logs = records(caplog, "newly initialised from scratch")
    if expected_new:
        assert len(new_logs) == 1, "the new keys are listed in ONE log line"
        assert new_logs[0].levelno == logging.WARNING
        assert set(new_logs[0].args[2]) == expected_new
        assert str(BASE) in new_logs[0].getMessage()
    else:
        assert not new_logs
    unused_logs = records(caplog, "does not use")
    if expected_unused:
        assert len(unused_logs) == 1 and set(unused_logs[0].args[2]) == expected_unused
    else:
        assert not unused_logs
    assert not records(caplog, "has no pooler weights")  # the base checkpoint has a pooler

    # the encoder came from the checkpoint
    base = state(pdr.DistilRobertaModel.from_pretrained(BASE))
    ours = state(model)
    for name, value in base.items():
        if prefix + name in ours:
            np.testing.assert_array_equal(ours[prefix + name], value, err_msg=name)
    # new head weights are initialised as transformers does: LayerNorm 1, biases 0, matrices ~ N(0, 0.02)
    for name in expected_new:
        value = ours[name]
        if "norm" in name and name.endswith("weight"):
            assert (value == 1).all(), name
        elif name.endswith("bias"):
            assert (value == 0).all(), name
        else:
            assert 0.005 < value.std() < 0.04, name
    assert not model.training


def test_new_head_weights_follow_paddle_seed():
    """paddle.seed makes the head initialised by from_pretrained reproducible (torch.manual_seed does in transformers).

    Found by this test: `_init_new_weights` (modeling.py) draws from numpy's global RNG, which paddle.seed does not
    seed, so two fine-tuning runs from the same base checkpoint and the same paddle.seed start from different heads.
    """
    heads = []
    for _ in range(2):
        paddle.seed(0)
        heads.append(pdr.DistilRobertaForSequenceClassification.from_pretrained(BASE).classifier.dense.weight.numpy())
    np.testing.assert_array_equal(heads[0], heads[1])


def test_mlm_checkpoint_into_base_model_logs_pooler_once(caplog):
    """The official checkpoints are MLM ones: loading one into DistilRobertaModel says so plainly, once."""
    with caplog.at_level(logging.INFO, logger=LOGGER):
        model = pdr.DistilRobertaModel.from_pretrained(MLM)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "no pooler weights" in message and "initialised randomly" in message and str(MLM) in message
    assert not records(caplog, "newly initialised from scratch")  # the pooler is not repeated as a "head"
    unused = records(caplog, "does not use")
    assert len(unused) == 1 and unused[0].levelno == logging.INFO
    assert set(unused[0].args[2]) == {"lm_head.bias", "lm_head.dense.weight", "lm_head.dense.bias",
                                      "lm_head.layer_norm.weight", "lm_head.layer_norm.bias"}
    assert model.pooler is not None


def test_matching_checkpoint_logs_nothing(caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        pdr.DistilRobertaForMaskedLM.from_pretrained(MLM)
    assert not [r for r in caplog.records if r.name.startswith(LOGGER) and r.levelno >= logging.INFO]


def test_shape_mismatch_is_an_error_naming_key_and_shapes():
    with pytest.raises(WeightMappingError) as info:
        pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS, num_labels=7)
    message = str(info.value)
    assert "classifier.out_proj.weight: checkpoint [32, 3] vs model [32, 7]" in message
    assert "classifier.out_proj.bias: checkpoint [3] vs model [7]" in message
    assert "ignore_mismatched_sizes=True" in message
    assert isinstance(info.value, ValueError)


def test_ignore_mismatched_sizes_reinitialises(caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        model = pdr.DistilRobertaForSequenceClassification.from_pretrained(
            SEQ_CLS, num_labels=7, ignore_mismatched_sizes=True
        )
    assert list(model.classifier.out_proj.weight.shape) == [32, 7]
    assert (model.classifier.out_proj.bias.numpy() == 0).all()
    mismatch = records(caplog, "shape mismatch")
    assert len(mismatch) == 1 and "checkpoint [32, 3] vs model [32, 7]" in mismatch[0].getMessage()
    # everything else still comes from the checkpoint
    reference = state(pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS))
    ours = state(model)
    for name, value in reference.items():
        if not name.startswith("classifier.out_proj"):
            np.testing.assert_array_equal(ours[name], value, err_msg=name)


def test_missing_encoder_weight_is_an_error(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    shutil.copy(BASE / "config.json", folder)
    tensors = load_file(BASE / "model.safetensors")
    del tensors["encoder.layer.1.output.dense.weight"]
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(WeightMappingError, match=r"lacks 1 encoder weight\(s\) of DistilRobertaModel") as info:
        pdr.DistilRobertaModel.from_pretrained(folder)
    assert "encoder.layer.1.output.dense.weight" in str(info.value) and str(folder) in str(info.value)
    with pytest.raises(WeightMappingError, match=r"roberta\.encoder\.layer\.1\.output\.dense\.weight"):
        pdr.DistilRobertaForMaskedLM.from_pretrained(folder)


# ------------------------------------------------------------------ dtype and device
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", paddle.float16])
def test_dtype_casts_every_parameter(dtype, monkeypatch):
    """dtype= casts on load (no forward here: Paddle CPU has no float16/bfloat16 matmul kernels, so the kernel
    probe is told they exist, as on a GPU)."""
    monkeypatch.setattr(loading, "_missing_kernel", lambda dtype, place: None)
    model = pdr.DistilRobertaForMaskedLM.from_pretrained(MLM, dtype=dtype)
    name = str(dtype).replace("paddle.", "")
    dtypes = {str(p.dtype) for p in model.parameters()}
    assert dtypes == {f"paddle.{name}"}
    reference = pdr.DistilRobertaForMaskedLM.from_pretrained(MLM)
    cast = {k: v.astype(name).astype("float32").numpy() for k, v in reference.state_dict().items()}
    assert_same_state(state(model), cast)
    assert paddle.get_default_dtype() == "float32", "the default dtype is restored after loading"


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_without_kernels_is_refused_at_load(dtype):
    """Regression: dtype='float16' on a CPU-only build loaded, then failed in the forward with a Paddle kernel
    error. Now the load itself refuses, naming the device and what to do."""
    if loading._missing_kernel(dtype, "cpu") is None:  # a build with the kernels: the load is allowed and runs
        model = pdr.DistilRobertaForMaskedLM.from_pretrained(MLM, dtype=dtype, device="cpu")
        assert model(input_ids=paddle.to_tensor([[0, 5, 2]])).logits.dtype == getattr(paddle, dtype)
        return
    with pytest.raises(ValueError, match=rf"dtype='{dtype}' cannot run on 'cpu'.*float32.*to_predictor"):
        pdr.DistilRobertaForMaskedLM.from_pretrained(MLM, dtype=dtype, device="cpu")


def test_torch_dtype_is_an_alias_of_dtype(monkeypatch):
    """transformers' torch_dtype= is honoured (it was stored in the config while the weights stayed float32)."""
    monkeypatch.setattr(loading, "_missing_kernel", lambda dtype, place: None)
    model = pdr.DistilRobertaForMaskedLM.from_pretrained(MLM, torch_dtype="float16")
    assert {str(p.dtype) for p in model.parameters()} == {"paddle.float16"}
    assert {str(p.dtype) for p in pdr.DistilRobertaModel.from_pretrained(BASE, torch_dtype="auto").parameters()} == {
        "paddle.float32"}
    with pytest.raises(TypeError, match="dtype='float32' and torch_dtype='float16'"):
        pdr.DistilRobertaModel.from_pretrained(BASE, dtype="float32", torch_dtype="float16")


def test_model_constructor_options_are_honoured():
    """Regression: from_pretrained(..., add_pooling_layer=False) still built the pooler."""
    model = pdr.DistilRobertaModel.from_pretrained(BASE, add_pooling_layer=False)
    assert model.pooler is None and not any(k.startswith("pooler.") for k in model.state_dict())
    assert model(paddle.to_tensor([[0, 5, 2]])).pooler_output is None
    assert pdr.AutoModel.from_pretrained(BASE, add_pooling_layer=False).pooler is None


def test_bad_dtype():
    with pytest.raises(ValueError, match=r"dtype='int8' is not supported"):
        pdr.DistilRobertaModel.from_pretrained(BASE, dtype="int8")


def test_resolve_device_cpu_and_default():
    assert resolve_device(None) == paddle.get_device()
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(" CPU ") == "cpu"


@pytest.fixture
def two_gpus(monkeypatch):
    monkeypatch.setattr(paddle.device, "is_compiled_with_cuda", lambda: True)
    monkeypatch.setattr(paddle.device.cuda, "device_count", lambda: 2)


@pytest.mark.parametrize("device, expected", [("gpu", "gpu:0"), ("gpu:1", "gpu:1"), (1, "gpu:1"), (0, "gpu:0"),
                                              ("cuda:1", "gpu:1"), ("GPU:0", "gpu:0")])
def test_resolve_device_gpu(two_gpus, device, expected):
    assert resolve_device(device) == expected


@pytest.mark.parametrize("device", ["gpu:2", 2, "gpu:7"])
def test_resolve_device_gpu_out_of_range(two_gpus, device):
    with pytest.raises(ValueError, match=r"asks for GPU \d, but 2 GPU\(s\) are visible"):
        resolve_device(device)


def test_resolve_device_without_cuda(monkeypatch):
    monkeypatch.setattr(paddle.device, "is_compiled_with_cuda", lambda: False)
    for device in ("gpu", "gpu:1", 0):
        with pytest.raises(ValueError, match=r"no CUDA support.*Install paddlepaddle-gpu, or pass device='cpu'"):
            resolve_device(device)
    with pytest.raises(ValueError, match="Install paddlepaddle-gpu"):
        pdr.DistilRobertaModel.from_pretrained(BASE, device="gpu")


@pytest.mark.parametrize("device", ["tpu", "gpu:x", "npu:0", ""])
def test_resolve_device_unknown(device):
    with pytest.raises(ValueError, match=r"is not understood; use None \(current device\), 'cpu', 'gpu' or 'gpu:N'"):
        resolve_device(device)


@pytest.mark.parametrize("device", [1.0, True, ["gpu"]])
def test_resolve_device_wrong_type(device):
    with pytest.raises(TypeError, match="device must be None, 'cpu', 'gpu' or 'gpu:N'"):
        resolve_device(device)


def test_load_on_cpu_device():
    model = pdr.DistilRobertaModel.from_pretrained(BASE, device="cpu")
    assert all("cpu" in str(p.place).lower() for p in model.parameters())


# ------------------------------------------------------------------ atomic saves
def _saved_pair(tmp_path):
    """A folder saved from one model, and a second model with other weights to save over it."""
    folder = tmp_path / "saved"
    first = pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS)
    first.save_pretrained(folder)
    second = pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS)
    with paddle.no_grad():
        for p in second.parameters():
            p.set_value(p + 1.0)
    return folder, state(first), (folder / "config.json").read_text(), second


def _assert_folder_unchanged(folder, weights, config_text):
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"], "no temp files left"
    assert (folder / "config.json").read_text() == config_text
    assert_same_state(state(pdr.DistilRobertaForSequenceClassification.from_pretrained(folder)), weights)


def test_interrupted_weight_write_keeps_previous_folder(tmp_path, monkeypatch):
    import safetensors.paddle

    folder, weights, config_text, second = _saved_pair(tmp_path)

    def fail_midway(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"\x00" * 1000)  # a partial file ...
        raise OSError("No space left on device")  # ... then the disk fills up

    monkeypatch.setattr(safetensors.paddle, "save_file", fail_midway)
    with pytest.raises(OSError, match="No space left"):
        second.save_pretrained(folder)
    monkeypatch.undo()
    _assert_folder_unchanged(folder, weights, config_text)
    second.save_pretrained(folder)  # and a save that completes does replace it
    assert_same_state(state(pdr.DistilRobertaForSequenceClassification.from_pretrained(folder)), state(second))


def test_interrupted_config_write_keeps_previous_folder(tmp_path, monkeypatch):
    """The config write failing (after the weights were written) must not leave new weights with the old config.

    Found by this test: save_pretrained replaces model.safetensors first and config.json second, so a failure in
    between leaves a folder that mixes the new weights with the old config.
    """
    folder, weights, config_text, second = _saved_pair(tmp_path)
    original = Path.write_text

    def fail_midway(self, text, *args, **kwargs):
        if self.name.startswith(".config.json"):
            original(self, text[: len(text) // 2], *args, **kwargs)
            raise OSError("No space left on device")
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", fail_midway)
    with pytest.raises(OSError, match="No space left"):
        second.save_pretrained(folder)
    monkeypatch.undo()
    _assert_folder_unchanged(folder, weights, config_text)


def test_save_into_a_file_path(tmp_path):
    target = tmp_path / "model"
    target.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="is a file"):
        pdr.DistilRobertaModel.from_pretrained(BASE).save_pretrained(target)


# ------------------------------------------------------------------ PaddleNLP-style arguments
def test_paddlenlp_kwargs_accepted(tmp_path):
    cache = tmp_path / "cache"
    model = pdr.DistilRobertaForSequenceClassification.from_pretrained(
        SEQ_CLS, from_hf_hub=True, convert_from_torch=True, cache_dir=cache, num_classes=3,
        low_cpu_mem_usage=True, use_safetensors=True, from_aistudio=False,
    )
    assert model.config.num_labels == 3 and model.config.num_classes == 3
    assert not cache.exists() or not any(cache.iterdir()), "a local folder needs no cache"
    assert_same_state(state(model), state(pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS)))
    # save_pretrained accepts PaddleNLP's arguments too
    model.save_pretrained(tmp_path / "out", safe_serialization=True, max_shard_size="10GB")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["config.json", "model.safetensors"]


def test_positional_arguments_refused():
    with pytest.raises(TypeError, match="keyword arguments only"):
        pdr.DistilRobertaModel.from_pretrained(BASE, "float16")


def test_explicit_config_and_overrides():
    config = pdr.DistilRobertaConfig.from_pretrained(SEQ_CLS)
    model = pdr.DistilRobertaForSequenceClassification.from_pretrained(SEQ_CLS, config=config, classifier_dropout=0.3)
    assert model.config.classifier_dropout == 0.3 and model.config.num_labels == 3


# ------------------------------------------------------------------ formats
@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_save_hf_format_matches_the_hf_checkpoint(folder, tmp_path):
    """hf_format=True writes model_type "roberta", Roberta* architectures and transformers' tensors, bit for bit."""
    cls, _ = FOLDERS[folder]
    model = cls.from_pretrained(MODELS / folder)
    model.save_pretrained(tmp_path, hf_format=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    config = json.loads((tmp_path / "config.json").read_text())
    source = json.loads((MODELS / folder / "config.json").read_text())
    assert config["model_type"] == "roberta"
    assert config["architectures"] == source["architectures"]
    with safe_open(str(tmp_path / "model.safetensors"), "np") as f:
        assert f.metadata() == {"format": "pt"}
    ours, theirs = load_file(tmp_path / "model.safetensors"), load_file(MODELS / folder / "model.safetensors")
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert ours[name].dtype == theirs[name].dtype, name
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)
    # and it loads back equal
    assert_same_state(state(cls.from_pretrained(tmp_path)), state(model))


def test_paddle_layout_save_is_marked(tmp_path):
    """The default save is Paddle layout ([in, out] Linear weights), marked so loading never transposes it twice."""
    model = pdr.DistilRobertaModel.from_pretrained(BASE)
    model.save_pretrained(tmp_path)
    with safe_open(str(tmp_path / "model.safetensors"), "np") as f:
        assert f.metadata() == loading.PADDLE_FORMAT_METADATA
        assert f.get_tensor("encoder.layer.0.intermediate.dense.weight").shape == (32, 37)
    assert json.loads((tmp_path / "config.json").read_text())["model_type"] == "distilroberta"
    assert json.loads((tmp_path / "config.json").read_text())["architectures"] == ["DistilRobertaModel"]


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_bin_and_safetensors_load_identically(folder):
    cls, _ = FOLDERS[folder]
    assert_same_state(state(cls.from_pretrained(MODELS / f"{folder}-bin")), state(cls.from_pretrained(MODELS / folder)))


@pytest.mark.parametrize("folder", ["RobertaForMaskedLM-sharded", "RobertaForMaskedLM-sharded-bin"])
def test_sharded_checkpoints_load(folder):
    assert len(list((MODELS / folder).glob("*-of-*"))) == 3
    assert_same_state(state(pdr.DistilRobertaForMaskedLM.from_pretrained(MODELS / folder)),
                      state(pdr.DistilRobertaForMaskedLM.from_pretrained(MLM)))


def test_sharded_checkpoint_with_a_missing_shard(tmp_path):
    folder = copy_folder(MODELS / "RobertaForMaskedLM-sharded", tmp_path / "sharded")
    (folder / "model-00002-of-00003.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"model-00002-of-00003\.safetensors"):
        pdr.DistilRobertaForMaskedLM.from_pretrained(folder)


def test_paddle_layout_folders_cross_load(tmp_path, caplog):
    """A folder saved by this package (Paddle layout) loads into another head: base -> head and head -> base."""
    base = pdr.DistilRobertaModel.from_pretrained(BASE)
    base.save_pretrained(tmp_path / "base")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        head = pdr.DistilRobertaForTokenClassification.from_pretrained(tmp_path / "base", num_labels=4)
    assert set(records(caplog, "newly initialised")[0].args[2]) == {"classifier.weight", "classifier.bias"}
    ours = state(head)
    for name, value in state(base).items():
        if not name.startswith("pooler."):
            np.testing.assert_array_equal(ours["roberta." + name], value, err_msg=name)
    head.save_pretrained(tmp_path / "head")
    back = pdr.DistilRobertaModel.from_pretrained(tmp_path / "head")
    for name, value in state(back).items():
        if not name.startswith("pooler."):
            np.testing.assert_array_equal(value, ours["roberta." + name], err_msg=name)


def _paddlenlp_name(key: str) -> str:
    """Our (HF) parameter name -> PaddleNLP's, through the mapping table."""
    import re

    from paddle_distilroberta.pretrained import mapping

    prefix, local = ("roberta.", key[len("roberta."):]) if key.startswith("roberta.") else ("", key)
    rule = next(r for r in mapping.RULES if re.fullmatch(re.escape(r.hf).replace(r"\{layer\}", r"\d+"), local))
    layer = re.search(r"layer\.(\d+)\.", local)
    return prefix + (rule.paddlenlp.replace("{layer}", layer.group(1)) if layer else rule.paddlenlp)


def test_paddlenlp_legacy_folder_loads(tmp_path):
    """PaddleNLP < 2.5 folder: model_config.json (init_args) + model_state.pdparams under PaddleNLP's names."""
    reference = pdr.DistilRobertaModel.from_pretrained(BASE)
    paddle.save({_paddlenlp_name(k): v for k, v in reference.state_dict().items()}, str(tmp_path / "model_state.pdparams"))
    hf_config = json.loads((BASE / "config.json").read_text())
    base_args = {k: v for k, v in hf_config.items() if k not in ("architectures", "model_type")}
    (tmp_path / "model_config.json").write_text(json.dumps({"init_args": [base_args], "init_class": "RobertaModel"}))
    assert "encoder.layers.0.self_attn.q_proj.weight" in paddle.load(str(tmp_path / "model_state.pdparams"))
    for load in (pdr.DistilRobertaModel.from_pretrained, pdr.AutoModel.from_pretrained):
        model = load(tmp_path)
        assert type(model) is pdr.DistilRobertaModel
        assert_same_state(state(model), state(reference))


def test_folder_without_weights(tmp_path):
    shutil.copy(BASE / "config.json", tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        pdr.DistilRobertaModel.from_pretrained(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    for name in ("model.safetensors", "pytorch_model.bin", "model_state.pdparams"):
        assert name in message
    assert "config.json" in message  # what was found


def test_folder_without_config(tmp_path):
    shutil.copy(BASE / "model.safetensors", tmp_path)
    for load in (pdr.DistilRobertaModel.from_pretrained, pdr.AutoModel.from_pretrained, pdr.AutoConfig.from_pretrained):
        with pytest.raises(FileNotFoundError) as info:
            load(tmp_path)
        message = str(info.value)
        assert str(tmp_path) in message and "config.json" in message and "model_config.json" in message


def test_empty_name_is_refused_not_the_current_directory(tmp_path, monkeypatch):
    """Regression: from_pretrained('') loaded the current directory."""
    shutil.copytree(MLM, tmp_path / "cwd")
    monkeypatch.chdir(tmp_path / "cwd")
    for empty in ("", "  "):
        with pytest.raises(pdr.UnknownModelError, match="empty name"):
            pdr.AutoModelForMaskedLM.from_pretrained(empty)
    assert type(pdr.AutoModelForMaskedLM.from_pretrained(".")) is pdr.DistilRobertaForMaskedLM


@pytest.mark.parametrize("kwargs, message", [
    ({"variant": "fp16"}, "variant='fp16'.*dtype="),
    ({"from_aistudio": True}, "AI Studio"),
    ({"proxies": {"https": "http://proxy:3128"}}, "HTTPS_PROXY"),
    ({"mirror": "tuna"}, "HF_ENDPOINT"),
    ({"return_unused_kwargs": True}, "none to return"),
])
def test_loading_options_we_cannot_honour_are_refused(kwargs, message):
    with pytest.raises(TypeError, match=message):
        pdr.DistilRobertaForMaskedLM.from_pretrained(MLM, **kwargs)


def test_neutral_loading_options_are_accepted():
    model = pdr.DistilRobertaForMaskedLM.from_pretrained(
        MLM, from_hf_hub=True, use_safetensors=True, trust_remote_code=True, variant=None, from_aistudio=False,
        low_cpu_mem_usage=True, attn_implementation="eager")
    assert type(model) is pdr.DistilRobertaForMaskedLM


def test_tokenizer_unknown_keyword_is_refused(roberta_bpe_dir):
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'add_prefix_spaces'.*'add_prefix_space'"):
        pdr.AutoTokenizer.from_pretrained(roberta_bpe_dir, add_prefix_spaces=True)
    assert pdr.AutoTokenizer.from_pretrained(roberta_bpe_dir, add_prefix_space=True, use_fast=True).add_prefix_space
