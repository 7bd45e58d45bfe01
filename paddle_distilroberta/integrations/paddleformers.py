"""Registration of this package with PaddleFormers (PaddleNLP's successor; optional, lazy, idempotent).

PaddleFormers 1.2.0 has no RoBERTa. After ``register()``:

* ``paddleformers.transformers.AutoModel`` and every ``AutoModelFor...`` return *this* package's class for the
  Auto class's task (``AutoModelForSequenceClassification`` -> ``DistilRobertaForSequenceClassification``, ...)
  for folders saved by this package (``"architectures": ["DistilRobertaFor..."]``, ``"model_type":
  "distilroberta"``) and for the names of ``configs/registry.json`` (``"distilroberta-base"``, ...);
  ``from_config(DistilRobertaConfig)`` builds the task's class too;
* ``AutoConfig`` returns ``DistilRobertaConfig`` for those folders and names;
* ``AutoTokenizer`` returns ``DistilRobertaTokenizer`` for those names, for folders whose ``config.json`` says
  ``"model_type": "distilroberta"`` and for folders whose ``tokenizer_config.json`` names
  ``DistilRobertaTokenizer``, and for bare ``vocab.json`` + ``merges.txt`` folders (a tokenizer folder alone says ``RobertaTokenizer``, which PaddleFormers resolves to
  transformers' ``RobertaTokenizer``, as before; it reads the same files);
* PaddleFormers' ``Trainer`` trains this package's models: ``Trainer._save`` is wrapped so that
  ``trainer.save_model()`` and every ``checkpoint-N`` load alone with ``from_pretrained(folder)`` (config.json with
  ``id2label``; with the default ``save_checkpoint_format="flex_checkpoint"``, which writes distributed-checkpoint
  shards that only the Trainer reads, ``model.safetensors`` as well), and the models answer
  ``get_hardware_flops()`` (``NotImplementedError``, which the Trainer expects) and ``_from_config``;
  ``resume_from_checkpoint`` replays the uninterrupted run (see ``patch_trainer``). ``training_arguments()``
  gives ``TrainingArguments`` defaults that work on CPU (``amp_master_grad=False`` without fp16/bf16).

How PaddleFormers picks a class (checked against the 1.2.0 source; the Auto-model part is PaddleNLP 3's):

* ``auto/modeling.py``: a folder's ``architectures[-1]`` is matched by substring against the keys of
  ``MAPPING_NAMES``; each Auto class's ``_name_mapping`` gives the task class and the module
  ``paddleformers.transformers.<module>.modeling`` it is imported from; built-in names are keys of
  ``CONFIGURATION_MODEL_MAPPING``, ONE table that every Auto class shares (the value, ``"DistilRobertaModel"``,
  goes through the Auto class's own ``_name_mapping``, which is what routes per task).
  ``AutoModel*.register(config_class, model_class)`` writes one table shared by all Auto classes (the last
  registration wins for every task), so it is not used here.
* ``auto/configuration.py``: ``CONFIG_MAPPING[model_type]`` (``AutoConfig.register``), ``AutoConfig.name2class``
  for built-in names.
* ``auto/tokenizer.py``: transformers' (5.x) ``AutoTokenizer`` logic; ``from_pretrained`` is wrapped.

Nothing here runs at ``import paddle_distilroberta``: call ``register()`` (it imports
``paddleformers.transformers`` itself, so either import order works), or ``install_import_hook()`` to register
when ``paddleformers.transformers`` gets imported. ``PADDLE_DISTILROBERTA_NO_PADDLEFORMERS=1`` turns the hook off.
"""
from __future__ import annotations

import functools
import importlib
import importlib.machinery
import json
import logging
import os
import sys
import threading
import types
from typing import Any, Dict, List, Optional, Sequence, Set, Union

from packaging.version import InvalidVersion, Version

from . import paddlenlp as _pnlp

logger = logging.getLogger(__name__)

__all__ = [
    "register", "install_import_hook", "is_registered", "patch_trainer", "complete_checkpoint",
    "training_arguments", "MIN_PADDLEFORMERS_VERSION", "TESTED_PADDLEFORMERS_VERSIONS",
]

PREFIX = _pnlp.PREFIX  # "DistilRoberta"
MODULE = _pnlp.MODULE  # "distilroberta"
ROOT = "paddleformers"
HOOK_TARGET = "paddleformers.transformers"
ALIAS_PACKAGE = f"{HOOK_TARGET}.{MODULE}"
TRAINER_MODULE = "paddleformers.trainer.trainer"
DISABLE_ENV = "PADDLE_DISTILROBERTA_NO_PADDLEFORMERS"

MIN_PADDLEFORMERS_VERSION = Version("1.2.0")
TESTED_PADDLEFORMERS_VERSIONS = ("1.2.0",)
_FIRST_UNTESTED = Version("1.3.0.dev0")

_PATCH_MARK = "_paddle_distilroberta_paddleformers_patch"
_lock = threading.RLock()
_registered_for: Optional[int] = None
_warned_untested = False


# --------------------------------------------------------------------------- public API
def register() -> bool:
    """Register this package's models, config and tokenizer with PaddleFormers' Auto classes and Trainer.

    Idempotent; works whether PaddleFormers was imported before or after this package (it imports
    ``paddleformers.transformers`` itself). Returns False (with a warning) when PaddleFormers is missing, broken or
    older than ``MIN_PADDLEFORMERS_VERSION``. Raises ``RuntimeError`` when its Auto tables are not shaped as in
    the tested versions.
    """
    global _registered_for, _warned_untested
    with _lock:
        try:
            transformers = importlib.import_module(HOOK_TARGET)
        except Exception as err:  # noqa: BLE001 - a broken PaddleFormers never breaks this package
            logger.warning("paddle_distilroberta: PaddleFormers is not importable (%s: %s); not registering.",
                           type(err).__name__, err)
            return False
        version = _version()
        if version is None or version < MIN_PADDLEFORMERS_VERSION:
            logger.warning("paddle_distilroberta: PaddleFormers %s is older than %s; not registering.",
                           version, MIN_PADDLEFORMERS_VERSION)
            return False
        if version >= _FIRST_UNTESTED and not _warned_untested:
            _warned_untested = True
            logger.warning("paddle_distilroberta: PaddleFormers %s is newer than the tested %s; registering anyway.",
                           version, TESTED_PADDLEFORMERS_VERSIONS)
        parts = _pnlp._our_components()
        try:
            _add_model_methods(parts)
            _install_alias_package(transformers, parts)
            names = [n for n in _pnlp._pretrained_names() if n not in _owned_names()]
            _register_models(names)
            _register_config(parts, names)
            _register_tokenizer(parts, names)
        except (AttributeError, KeyError, TypeError) as err:
            raise RuntimeError(
                f"paddle_distilroberta could not register with PaddleFormers {version}: its Auto-class tables differ "
                f"from the tested versions {TESTED_PADDLEFORMERS_VERSIONS} ({type(err).__name__}: {err}). "
                "Use paddle_distilroberta's classes directly, or pin paddleformers==1.2.0."
            ) from err
        _registered_for = id(transformers)
        _patch_trainer_or_hook()
        return True


def is_registered() -> bool:
    """Whether ``register()`` has succeeded for the ``paddleformers.transformers`` module now imported."""
    module = sys.modules.get(HOOK_TARGET)
    return module is not None and _registered_for == id(module)


def install_import_hook() -> None:
    """Run ``register()`` once ``paddleformers.transformers`` is imported (at once when it already is).

    Never imports PaddleFormers itself and never raises.
    """
    if os.environ.get(DISABLE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return
    with _lock:
        module = sys.modules.get(HOOK_TARGET)
        if module is not None:
            if not getattr(getattr(module, "__spec__", None), "_initializing", False):
                _register_quietly()
            return
        if not any(isinstance(f, _Hook) and f.target == HOOK_TARGET for f in sys.meta_path):
            sys.meta_path.insert(0, _Hook(HOOK_TARGET, _register_quietly))


def training_arguments(**kwargs: Any) -> Any:
    """PaddleFormers' ``TrainingArguments(**kwargs)`` with defaults that work for these models on any device.

    ``amp_master_grad`` defaults to True in PaddleFormers 1.2.0 and is a configuration error without fp16/bf16
    (always so on CPU): here it defaults to ``bf16 or fp16``. ``save_checkpoint_format`` and
    ``load_checkpoint_format`` default to ``"sharding_io"``: PaddleFormers' default ``"flex_checkpoint"`` writes
    distributed-checkpoint shards that 1.2.0 resumes only under ``paddle.distributed`` fleet (one plain process
    fails in ``get_hybrid_communicate_group``); its checkpoints still load alone here (the integration adds
    ``model.safetensors``). ``report_to`` defaults to ``["none"]``.
    """
    from paddleformers.trainer import TrainingArguments

    kwargs.setdefault("amp_master_grad", bool(kwargs.get("bf16") or kwargs.get("fp16")))
    kwargs.setdefault("save_checkpoint_format", "sharding_io")
    kwargs.setdefault("load_checkpoint_format", kwargs["save_checkpoint_format"])
    kwargs.setdefault("report_to", ["none"])
    return TrainingArguments(**kwargs)


# --------------------------------------------------------------------------- import hook
def _register_quietly() -> None:
    try:
        register()
    except Exception as err:  # noqa: BLE001 - never break `import paddleformers`
        logger.warning("paddle_distilroberta could not register with PaddleFormers (%s: %s).", type(err).__name__, err)


class _Hook(_pnlp._PaddleNLPImportHook):
    """A ``sys.meta_path`` finder that runs `callback` right after module `target` has executed."""

    def __init__(self, target: str, callback: Any) -> None:
        super().__init__()
        self.target = target
        self.callback = callback

    def find_spec(self, fullname, path, target=None):
        if fullname != self.target or self._busy:
            return None
        self._busy = True
        try:
            spec = self._find_with_other_finders(fullname, path, target)
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _pnlp._RegisteringLoader(spec.loader, self, self.callback)
        return spec


# --------------------------------------------------------------------------- registration steps
def _version() -> Optional[Version]:
    raw = getattr(sys.modules.get(ROOT), "__version__", None)
    if raw is None:
        try:
            from importlib.metadata import version as dist_version

            raw = dist_version(ROOT)
        except Exception:  # noqa: BLE001
            return None
    try:
        return Version(str(raw))
    except InvalidVersion:
        return None


def _owned_names() -> Set[str]:
    """Built-in names PaddleFormers itself ships (model and config tables): those stay PaddleFormers'."""
    auto_modeling = importlib.import_module(f"{HOOK_TARGET}.auto.modeling")
    owned = {n for key, value in auto_modeling.CONFIGURATION_MODEL_MAPPING.items()
             if not _pnlp._is_our_value(value) for n in key}
    auto_config = importlib.import_module(f"{HOOK_TARGET}.auto.configuration").AutoConfig
    for classes in getattr(auto_config, "MAPPING_NAMES", {}).values():
        for cls in classes:
            if not _pnlp._is_our_value(cls):
                owned.update(getattr(cls, "pretrained_init_configuration", None) or {})
    return owned


def _add_model_methods(parts: Any) -> None:
    """What PaddleFormers' Trainer and ``from_config`` call on a model/config, added to our base classes."""
    base = parts.modeling.DistilRobertaPretrainedModel
    if not hasattr(base, "get_hardware_flops"):
        def get_hardware_flops(self, *args: Any, **kwargs: Any):
            """Not computed: PaddleFormers' Trainer then logs no FLOPs figure (it catches NotImplementedError)."""
            raise NotImplementedError("paddle_distilroberta models do not report hardware FLOPs")

        base.get_hardware_flops = get_hardware_flops
    if not hasattr(base, "_from_config"):
        def _from_config(cls, config: Any, **kwargs: Any):
            """A new, randomly initialised model from `config` (PaddleFormers' ``AutoModel.from_config``)."""
            dtype = kwargs.pop("dtype", None) or kwargs.pop("torch_dtype", None)
            model = cls(config, **kwargs)
            if dtype is not None:
                model.to(dtype=dtype)
            return model

        base._from_config = classmethod(_from_config)
    config_class = parts.config_class
    if not hasattr(config_class, "get"):
        def get(self, key: str, default: Any = None) -> Any:
            """dict-style read of a field (PaddleFormers calls ``config.get("is_lora", False)``)."""
            return getattr(self, key, default)

        config_class.get = get


def _install_alias_package(transformers: types.ModuleType, parts: Any) -> None:
    """Make ``paddleformers.transformers.distilroberta(.modeling|.configuration|.tokenizer)`` importable.

    Not set as an attribute of ``paddleformers.transformers`` (a lazy module): its Auto classes import
    ``paddleformers.transformers.distilroberta.modeling``, which ``sys.modules`` now answers.
    """
    _pnlp.alias_package(ALIAS_PACKAGE, parts, "PaddleFormers")


def _auto_classes() -> Dict[str, Any]:
    auto_modeling = importlib.import_module(f"{HOOK_TARGET}.auto.modeling")
    return {name: getattr(auto_modeling, name) for name in auto_modeling.__all__ if hasattr(auto_modeling, name)}


def _task_of(auto_class: Any) -> Optional[str]:
    """The task suffix an Auto class builds ("Model", "ForSequenceClassification", ...), from its _name_mapping."""
    mapping = getattr(auto_class, "_name_mapping", None) or {}
    for key, value in mapping.items():
        if key.endswith("Model_Import_Class"):
            return value[len(key) - len("Model_Import_Class"):]
    name = auto_class.__name__
    return "Model" if name == "AutoModel" else (name[len("AutoModel"):] if name.startswith("AutoModelFor") else None)


def _register_models(names: Sequence[str]) -> None:
    auto_modeling = importlib.import_module(f"{HOOK_TARGET}.auto.modeling")
    _pnlp._front_insert(auto_modeling.MAPPING_NAMES, PREFIX, MODULE)
    for auto_name, auto_class in _auto_classes().items():
        task = _task_of(auto_class)
        name_mapping = getattr(auto_class, "_name_mapping", None)
        if name_mapping is None or task is None:
            continue
        name_mapping[PREFIX + "Model_Import_Class"] = PREFIX + task
        name_mapping[PREFIX + task] = MODULE
    # one table for every Auto class: the value goes through each class's _name_mapping (per task)
    _pnlp._add_builtin_names(auto_modeling.CONFIGURATION_MODEL_MAPPING, names, PREFIX + "Model", "AutoModel")
    base = auto_modeling._BaseAutoModelClass
    original = base.__dict__["from_config"].__func__
    if not getattr(original, _PATCH_MARK, False):
        @functools.wraps(original)
        def from_config(cls, config, **kwargs):
            if _is_our_config(config):
                return _model_class_for(cls, config)._from_config(config, **kwargs)
            return original(cls, config, **kwargs)

        setattr(from_config, _PATCH_MARK, True)
        base.from_config = classmethod(from_config)


def _is_our_config(config: Any) -> bool:
    return getattr(type(config), "__module__", "").startswith("paddle_distilroberta")


def _model_class_for(auto_class: Any, config: Any) -> type:
    task = _task_of(auto_class)
    modeling = importlib.import_module("paddle_distilroberta.modeling")
    model_class = getattr(modeling, PREFIX + (task or "Model"), None)
    if model_class is None:
        supported = sorted(n for n in modeling.__all__ if n.startswith(PREFIX + "For") or n == PREFIX + "Model")
        raise AttributeError(f"{auto_class.__name__}: paddle_distilroberta has no {PREFIX}{task}; it has {supported}")
    return model_class


def _register_config(parts: Any, names: Sequence[str]) -> None:
    auto_config = importlib.import_module(f"{HOOK_TARGET}.auto.configuration").AutoConfig
    config_class = parts.config_class
    auto_config.register(config_class.model_type, config_class, exist_ok=True)
    if names:
        if not auto_config.name2class:  # built lazily by AutoConfig.from_pretrained: build it the same way
            table: Dict[str, Any] = {}
            for classes in auto_config.MAPPING_NAMES.values():
                for cls in classes:
                    table.update({n: cls for n in getattr(cls, "pretrained_init_configuration", None) or {}})
            auto_config.name2class = table
        for name in names:
            if auto_config.name2class.get(name, config_class) is config_class:
                auto_config.name2class[name] = config_class


#: kwargs of PaddleFormers' AutoTokenizer.from_pretrained that this package's tokenizer does not take
_TOKENIZER_AUTO_ONLY = ("download_hub", "use_fast", "trust_remote_code", "tokenizer_type", "config", "_from_auto",
                        "use_auth_token", "gguf_file")


def _register_tokenizer(parts: Any, names: Sequence[str]) -> None:
    tokenizer_class = parts.tokenizer_class
    if tokenizer_class is None:
        return
    auto_tokenizer = importlib.import_module(f"{HOOK_TARGET}.auto.tokenizer").AutoTokenizer
    current = auto_tokenizer.__dict__.get("from_pretrained")
    original = current.__func__ if isinstance(current, classmethod) else getattr(auto_tokenizer.from_pretrained, "__func__")
    if getattr(original, _PATCH_MARK, False):
        original.__paddle_distilroberta_names__ = frozenset(names)  # type: ignore[attr-defined]
        return

    @functools.wraps(original)
    def from_pretrained(cls, pretrained_model_name_or_path, *inputs, **kwargs):
        if _is_our_tokenizer_source(pretrained_model_name_or_path, from_pretrained.__paddle_distilroberta_names__,
                                    kwargs.get("subfolder") or ""):
            for key in _TOKENIZER_AUTO_ONLY:
                kwargs.pop(key, None)
            return tokenizer_class.from_pretrained(pretrained_model_name_or_path, *inputs, **kwargs)
        return original(cls, pretrained_model_name_or_path, *inputs, **kwargs)

    from_pretrained.__paddle_distilroberta_names__ = frozenset(names)  # type: ignore[attr-defined]
    setattr(from_pretrained, _PATCH_MARK, True)
    auto_tokenizer.from_pretrained = classmethod(from_pretrained)


def _read_json(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            value = json.load(fh)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def _is_our_tokenizer_source(name_or_path: Any, names: frozenset, subfolder: str = "") -> bool:
    if not isinstance(name_or_path, (str, os.PathLike)):
        return False
    text = os.fspath(name_or_path)
    folder = os.path.join(text, subfolder) if subfolder else text
    if os.path.isdir(folder):
        if _read_json(os.path.join(folder, "tokenizer_config.json")).get("tokenizer_class") == _pnlp.TOKENIZER_CLASS_NAME:
            return True
        if _read_json(os.path.join(folder, "config.json")).get("model_type") == MODULE:
            return True
        # bare vocab.json + merges.txt (no config at all): PaddleFormers cannot read it; our BPE tokenizer can
        return (not any(os.path.exists(os.path.join(folder, f)) for f in ("tokenizer_config.json", "config.json"))
                and all(os.path.isfile(os.path.join(folder, f)) for f in ("vocab.json", "merges.txt")))
    return text in names


# --------------------------------------------------------------------------- Trainer
def complete_checkpoint(model: Any, output_dir: Union[str, os.PathLike], should_save: bool = True) -> bool:
    """Make `output_dir` (a Trainer save of `model`) load alone with ``from_pretrained``.

    When the Trainer wrote this package's parameter names as ``model_state.pdparams``
    (``save_checkpoint_format="sharding_io"``), only ``config.json`` is added. Otherwise (``flex_checkpoint``, the
    default: ``model_state/*.distcp`` shards that only the Trainer reads) ``config.json`` + ``model.safetensors``
    are written by ``save_pretrained``. Returns True when something was written.
    """
    while getattr(model, "_layers", None) is not None:
        model = model._layers
    if not should_save or not _pnlp._is_ours(model):
        return False
    folder = os.fspath(output_dir)
    model.config.architectures = [type(model).__name__]
    if os.path.isfile(os.path.join(folder, "model_state.pdparams")):
        model.config.save_pretrained(folder)
    else:
        model.save_pretrained(folder)
    return True


def patch_trainer() -> bool:
    """Hook PaddleFormers' ``Trainer`` for this package's models. Idempotent; False when the Trainer module is
    not (fully) imported yet.

    * ``_save`` (``save_model`` and every ``checkpoint-N`` go through it): the folders load alone
      (``complete_checkpoint``).
    * ``_load_rng_state``: PaddleFormers 1.2.0's single-process sampler (``RandomSamplerWithSeed``) reseeds Paddle's
      global generator with ``seed + epoch`` at every epoch start, which dropout then draws from; on resume the
      Trainer restores the checkpoint's generator state at step 0 of *every* epoch, after that reseed. So a run
      resumed from a checkpoint saved at an epoch's end, and every epoch after the resumed one, drew different
      dropout masks than the uninterrupted run (weights 2.6e-3 apart after 12 tiny steps). Here the checkpoint's
      state is restored once (the resumed epoch), and Paddle's generator keeps the epoch reseed when the checkpoint
      ended an epoch; the resumed run then ends at the uninterrupted run's weights (tested within 1e-5).
    """
    module = sys.modules.get(TRAINER_MODULE)
    trainer_class = getattr(module, "Trainer", None)
    if trainer_class is None:
        return False
    original = trainer_class.__dict__.get("_save")
    if original is None:
        logger.warning("paddle_distilroberta: %s has no Trainer._save; checkpoints will lack config.json.", TRAINER_MODULE)
        return False
    if getattr(original, _PATCH_MARK, False):
        return True

    @functools.wraps(original)
    def _save(self, output_dir=None, *args, **kwargs):
        result = original(self, output_dir, *args, **kwargs)
        folder = output_dir if output_dir is not None else self.args.output_dir
        if not getattr(self.args, "enable_auto_parallel", False):
            complete_checkpoint(self.model, folder, should_save=bool(getattr(self.args, "should_save", True)))
        return result

    setattr(_save, _PATCH_MARK, True)
    trainer_class._save = _save

    original_train = trainer_class.train

    @functools.wraps(original_train)
    def train(self, *args, **kwargs):
        self._pdr_rng_loads = 0  # _load_rng_state calls with a checkpoint during this train()
        return original_train(self, *args, **kwargs)

    setattr(train, _PATCH_MARK, True)
    trainer_class.train = train

    original_load_rng = trainer_class._load_rng_state

    @functools.wraps(original_load_rng)
    def _load_rng_state(self, checkpoint):
        if checkpoint is None or not _pnlp._is_ours(self.model):
            return original_load_rng(self, checkpoint)
        calls = getattr(self, "_pdr_rng_loads", 0)
        self._pdr_rng_loads = calls + 1
        if calls > 0:
            return None  # a later epoch: its sampler has just reseeded Paddle as the uninterrupted run did
        epoch = float(getattr(self.state, "epoch", 0.0) or 0.0)
        if epoch > 0 and abs(epoch - round(epoch)) < 1e-9:  # saved at an epoch's end: keep the new epoch's seed
            paddle = importlib.import_module("paddle")
            saved = _generator_states(paddle)
            result = original_load_rng(self, checkpoint)  # Python's and NumPy's generators as saved
            _set_generator_states(paddle, saved)
            return result
        return original_load_rng(self, checkpoint)

    setattr(_load_rng_state, _PATCH_MARK, True)
    trainer_class._load_rng_state = _load_rng_state
    return True


def _generator_states(paddle: Any) -> List[Any]:
    core = paddle.framework.core
    states = [core.default_cpu_generator().get_state()]
    if core.is_compiled_with_cuda():
        states += [core.default_cuda_generator(i).get_state() for i in range(core.get_cuda_device_count())]
    return states


def _set_generator_states(paddle: Any, states: List[Any]) -> None:
    core = paddle.framework.core
    core.default_cpu_generator().set_state(states[0])
    for i, state in enumerate(states[1:]):
        core.default_cuda_generator(i).set_state(state)


def _patch_trainer_quietly() -> None:
    try:
        patch_trainer()
    except Exception as err:  # noqa: BLE001
        logger.warning("paddle_distilroberta: could not hook PaddleFormers' Trainer (%s: %s).", type(err).__name__, err)


def _patch_trainer_or_hook() -> None:
    if getattr(sys.modules.get(TRAINER_MODULE), "Trainer", None) is not None:
        _patch_trainer_quietly()
    elif not any(isinstance(f, _Hook) and f.target == TRAINER_MODULE for f in sys.meta_path):
        sys.meta_path.insert(0, _Hook(TRAINER_MODULE, _patch_trainer_quietly))
