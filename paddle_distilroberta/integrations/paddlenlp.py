"""Registration of this package with PaddleNLP's Auto classes (optional, lazy, idempotent).

After registration, ``paddlenlp.transformers.AutoModel`` (and every ``AutoModelFor...``),
``AutoConfig`` and ``AutoTokenizer`` return *this* package's classes for folders saved by this
package (``"architectures": ["DistilRobertaFor..."]``, ``"model_type": "distilroberta"``,
``"tokenizer_class": "DistilRobertaTokenizer"``) and for the names in ``configs/registry.json``
(``"distilroberta-base"``, ``"distilbert/distilroberta-base"``, ...), while PaddleNLP's own
models (``RobertaModel``, ``BertModel``, ...) keep resolving as before. A name that PaddleNLP
already ships (e.g. ``"roberta-base"`` for its ``RobertaBPETokenizer``) stays PaddleNLP's.

PaddleNLP is never imported by ``import paddle_distilroberta``: ``install_import_hook()`` (called
by the package ``__init__``) puts a ``sys.meta_path`` finder in place that runs ``register()``
right after ``paddlenlp.transformers`` has been imported, or registers at once when it already
has been. A broken PaddleNLP install (e.g. the aistudio-sdk ``ImportError`` raised inside
paddlenlp) never breaks this package; a failed registration is logged as a warning.
Set ``PADDLE_DISTILROBERTA_NO_PADDLENLP=1`` to turn the hook off.

Trainer checkpoints: PaddleNLP's ``Trainer._save`` calls ``model.save_pretrained`` only for its own
``PretrainedModel``; any other model is saved as a bare ``model_state.pdparams``. The same hook therefore
wraps ``paddlenlp.trainer.Trainer._save`` (``patch_trainer()``) so that, for this package's models, it also
writes ``config.json`` (``architectures``, ``id2label``, ...). ``trainer.save_model()`` and every
``checkpoint-N`` then hold config + weights (+ the tokenizer files when the Trainer was given a tokenizer)
and load with ``from_pretrained(folder)`` alone, here and through PaddleNLP's Auto classes; resuming and
``load_best_model_at_end`` read ``model_state.pdparams`` exactly as before.

How PaddleNLP picks a class (checked against the 3.0.0b4 source; 2.8.x noted where it differs):

* ``auto/modeling.py``: a folder's ``architectures[-1]`` is matched by *substring* against the
  keys of ``MAPPING_NAMES`` (longest first in 3.x, insertion order in 2.8, hence our key goes to the
  front: ``"Roberta"`` is a substring of ``"DistilRobertaModel"``), then each Auto class's own
  ``_name_mapping`` gives the task class and the module ``paddlenlp.transformers.<module>.modeling``
  it is imported from; built-in names are exact keys of each Auto class's ``_pretrained_model_dict``.
* ``auto/tokenizer.py``: built-in names in ``AutoTokenizer._tokenizer_mapping``; then
  ``tokenizer_config.json``'s ``tokenizer_class``, found through ``TOKENIZER_MAPPING._extra_content``
  (``AutoTokenizer.register``); then the config's ``model_type``. 2.8 instead matches
  ``TOKENIZER_MAPPING_NAMES`` (class name -> module) and falls back to a substring of the path.
* ``auto/configuration.py``: ``CONFIG_MAPPING[model_type]`` (``AutoConfig.register``, which does
  *not* require a ``PretrainedConfig`` subclass; it calls ``config_class.from_dict(dict, **kwargs)``)
  and ``AutoConfig.name2class`` for built-in names.
"""
from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import logging
import os
import sys
import threading
import types
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, MutableMapping, Optional, Sequence, Set, Tuple, Union

from packaging.version import InvalidVersion, Version

logger = logging.getLogger(__name__)

__all__ = [
    "register", "install_import_hook", "is_registered", "MIN_PADDLENLP_VERSION", "TESTED_PADDLENLP_VERSIONS",
    # Trainer
    "patch_trainer", "complete_checkpoint", "epoch_seed_callback", "group_by_length", "parse_finetune_args",
    "ModelArguments", "DatasetArguments",
]

#: Class-name prefix PaddleNLP's Auto classes match (``MAPPING_NAMES`` key).
PREFIX = "DistilRoberta"
#: Folder name PaddleNLP imports our classes from: ``paddlenlp.transformers.<MODULE>.modeling``.
MODULE = "distilroberta"
ALIAS_PACKAGE = f"paddlenlp.transformers.{MODULE}"
TOKENIZER_CLASS_NAME = "DistilRobertaTokenizer"
#: The module whose import triggers registration.
HOOK_TARGET = "paddlenlp.transformers"
#: Environment variable that turns the import hook off.
DISABLE_ENV = "PADDLE_DISTILROBERTA_NO_PADDLENLP"

MIN_PADDLENLP_VERSION = Version("2.5.0")
#: Versions whose Auto-class internals this module was written against (3.0.0b4 is tested).
TESTED_PADDLENLP_VERSIONS = ("2.8.1", "3.0.0b4")
_FIRST_UNTESTED = Version("3.1.0.dev0")

_lock = threading.RLock()
_registered_for: Optional[int] = None  # id() of the paddlenlp.transformers module registered with
_warned_untested = False


# --------------------------------------------------------------------------- public API
def register() -> bool:
    """Register this package's models, config and tokenizer with PaddleNLP's Auto classes.

    Safe to call any number of times (each step checks what is already there) and safe to call
    without PaddleNLP: it then logs a warning and returns False.

    Returns:
        True when PaddleNLP now resolves this package's names and folders to this package's classes,
        False when PaddleNLP is missing, broken or older than ``MIN_PADDLENLP_VERSION``.

    Raises:
        RuntimeError: PaddleNLP imported fine but its Auto-class tables are not shaped as expected
            (an untested PaddleNLP version); the message names the table.
    """
    global _registered_for
    with _lock:
        transformers = _import_paddlenlp_transformers()
        if transformers is None:
            return False
        version = _paddlenlp_version()
        if version is None or version < MIN_PADDLENLP_VERSION:
            logger.warning(
                "paddle_distilroberta: PaddleNLP %s is older than %s; not registering with its Auto classes. "
                "Use paddle_distilroberta's classes directly, or upgrade PaddleNLP.",
                version,
                MIN_PADDLENLP_VERSION,
            )
            return False
        _warn_if_untested(version)
        parts = _our_components()
        names = _pretrained_names()
        owned = _paddlenlp_owned_names()
        if owned & set(names):
            logger.debug("paddle_distilroberta: names PaddleNLP ships stay PaddleNLP's: %s", sorted(owned & set(names)))
        names = [name for name in names if name not in owned]
        try:
            _install_alias_package(transformers, parts)
            _register_models(parts, names)
            _register_config(parts, names)
            _register_tokenizer(parts, names, version)
        except (AttributeError, KeyError, TypeError) as err:
            raise RuntimeError(
                f"paddle_distilroberta could not register with PaddleNLP {version}: its Auto-class tables differ "
                f"from the tested versions {TESTED_PADDLENLP_VERSIONS} ({type(err).__name__}: {err}). "
                "Use paddle_distilroberta's classes directly, or pin paddlenlp==3.0.0b4."
            ) from err
        if _registered_for != id(transformers):
            logger.debug("paddle_distilroberta: registered with PaddleNLP %s (%d names).", version, len(names))
        _registered_for = id(transformers)
        _patch_trainer_or_hook()
        return True


def is_registered() -> bool:
    """Whether ``register()`` has succeeded for the ``paddlenlp.transformers`` module now imported."""
    module = sys.modules.get(HOOK_TARGET)
    return module is not None and _registered_for == id(module)


def install_import_hook() -> None:
    """Arrange for ``register()`` to run once ``paddlenlp.transformers`` is imported.

    Registers at once when ``paddlenlp.transformers`` is already imported; otherwise puts a finder at the
    front of ``sys.meta_path`` (once) that wraps the loader of ``paddlenlp.transformers`` so that
    ``register()`` runs right after the module has executed. Never imports PaddleNLP itself and never raises.
    """
    if os.environ.get(DISABLE_ENV, "").strip().lower() in ("1", "true", "yes"):
        logger.debug("paddle_distilroberta: %s is set; not hooking into PaddleNLP.", DISABLE_ENV)
        return
    with _lock:
        module = sys.modules.get(HOOK_TARGET)
        if module is not None:
            if getattr(getattr(module, "__spec__", None), "_initializing", False):
                logger.debug("paddle_distilroberta: %s is still being imported; cannot hook it.", HOOK_TARGET)
            else:
                _register_quietly()
                _patch_trainer_or_hook()
            return
        if not any(type(finder) is _PaddleNLPImportHook for finder in sys.meta_path):
            sys.meta_path.insert(0, _PaddleNLPImportHook())
        _patch_trainer_or_hook()


# --------------------------------------------------------------------------- import hook
def _register_quietly() -> None:
    """Run ``register()``; log (never raise) whatever goes wrong, so PaddleNLP's import still succeeds."""
    try:
        register()
    except Exception as err:  # noqa: BLE001 - a registration failure must never break `import paddlenlp`
        logger.warning(
            "paddle_distilroberta could not register with PaddleNLP's Auto classes (%s: %s). PaddleNLP works as "
            "before; load this package's models with paddle_distilroberta's own classes.",
            type(err).__name__,
            err,
        )


class _RegisteringLoader(importlib.abc.Loader):
    """Wraps the real loader of ``paddlenlp.transformers``; registers after the module has executed."""

    def __init__(self, loader: importlib.abc.Loader, finder: Any, callback: Any = None) -> None:
        self._loader = loader
        self._finder = finder
        self._callback = callback if callback is not None else _register_quietly

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Optional[types.ModuleType]:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        try:
            self._loader.exec_module(module)
        finally:  # the module keeps its real loader (inspect, importlib.resources, reload use it)
            module.__loader__ = self._loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self._loader
        self._finder.remove()
        self._callback()

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, is_package, resource readers, ...
        return getattr(self._loader, name)


class _PaddleNLPImportHook(importlib.abc.MetaPathFinder):
    """A ``sys.meta_path`` finder that only acts on ``paddlenlp.transformers``; it finds nothing itself.

    Subclasses act on another module (`target`) and run another callback once it has executed.
    """

    target = HOOK_TARGET

    def __init__(self) -> None:
        self._busy = False

    def _after_exec(self) -> None:
        _register_quietly()

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[types.ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname != self.target or self._busy:
            return None
        self._busy = True
        try:
            spec = self._find_with_other_finders(fullname, path, target)
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _RegisteringLoader(spec.loader, self, self._after_exec)
        return spec

    def _find_with_other_finders(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[types.ModuleType]
    ) -> Optional[importlib.machinery.ModuleSpec]:
        for finder in list(sys.meta_path):
            if finder is self or isinstance(finder, _PaddleNLPImportHook):
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def remove(self) -> None:
        """Take this finder off ``sys.meta_path`` (after the import it waited for succeeded)."""
        with _lock:
            if self in sys.meta_path:
                sys.meta_path.remove(self)


# --------------------------------------------------------------------------- helpers
def _import_paddlenlp_transformers() -> Optional[types.ModuleType]:
    try:
        return importlib.import_module(HOOK_TARGET)
    except Exception as err:  # noqa: BLE001 - e.g. ImportError from aistudio_sdk raised inside paddlenlp
        logger.warning(
            "paddle_distilroberta: PaddleNLP is not importable (%s: %s); not registering with its Auto classes. "
            "paddle_distilroberta itself works without PaddleNLP.",
            type(err).__name__,
            err,
        )
        return None


def _paddlenlp_version() -> Optional[Version]:
    raw = getattr(sys.modules.get("paddlenlp"), "__version__", None)
    try:
        return Version(str(raw)) if raw is not None else None
    except InvalidVersion:
        logger.warning("paddle_distilroberta: cannot parse PaddleNLP's version %r.", raw)
        return None


def _warn_if_untested(version: Version) -> None:
    global _warned_untested
    if version >= _FIRST_UNTESTED and not _warned_untested:
        _warned_untested = True
        logger.warning(
            "paddle_distilroberta: PaddleNLP %s is newer than the versions its registration was written for %s; "
            "registering anyway. Report a bug if AutoModel/AutoTokenizer pick the wrong class.",
            version,
            TESTED_PADDLENLP_VERSIONS,
        )


class _Components:
    """This package's modules and classes that PaddleNLP should see."""

    def __init__(self) -> None:
        self.modeling = importlib.import_module("paddle_distilroberta.modeling")
        self.configuration = importlib.import_module("paddle_distilroberta.configuration")
        self.config_class = self.configuration.DistilRobertaConfig
        self.model_classes: Dict[str, type] = {
            name: getattr(self.modeling, name) for name in self.modeling.__all__ if name.startswith(PREFIX)
        }
        self.tokenization: Optional[types.ModuleType] = None
        self.tokenizer_class: Optional[type] = None
        try:
            self.tokenization = importlib.import_module("paddle_distilroberta.tokenization")
            self.tokenizer_class = getattr(self.tokenization, TOKENIZER_CLASS_NAME)
        except (ImportError, AttributeError) as err:
            logger.warning(
                "paddle_distilroberta: the tokenizer is not importable (%s: %s); AutoTokenizer is not registered.",
                type(err).__name__,
                err,
            )

    def exported(self) -> Dict[str, type]:
        """Every class PaddleNLP may look up by name (``getattr(paddlenlp.transformers, name)``)."""
        out = dict(self.model_classes)
        out[self.config_class.__name__] = self.config_class
        if self.tokenizer_class is not None:
            out[self.tokenizer_class.__name__] = self.tokenizer_class
        return out


def _our_components() -> _Components:
    return _Components()


def _pretrained_names() -> List[str]:
    """Every registry name and alias (an empty list, with a warning, when the registry cannot load)."""
    try:
        registry = importlib.import_module("paddle_distilroberta.pretrained.registry")
        if hasattr(registry, "all_names"):
            return list(registry.all_names())
        names: List[str] = []
        for name in registry.list_pretrained():
            names.append(name)
            names.extend(getattr(registry.get_spec(name), "aliases", ()))
        return names
    except Exception as err:  # noqa: BLE001 - folders still work without the registry
        logger.warning(
            "paddle_distilroberta: pretrained registry unavailable (%s: %s); registering no names.",
            type(err).__name__,
            err,
        )
        return []


def _paddlenlp_owned_names() -> Set[str]:
    """Names PaddleNLP itself ships in any Auto table (model, tokenizer or config): those stay PaddleNLP's in all
    of them, so that e.g. ``AutoModel`` and ``AutoTokenizer`` never split one name between two libraries."""
    tables: List[Any] = []
    auto_modeling = importlib.import_module("paddlenlp.transformers.auto.modeling")
    for auto_name in auto_modeling.__all__:
        tables.append(getattr(getattr(auto_modeling, auto_name, None), "_pretrained_model_dict", None) or {})
    auto_tokenizer = importlib.import_module("paddlenlp.transformers.auto.tokenizer").AutoTokenizer
    tables.append(getattr(auto_tokenizer, "_tokenizer_mapping", None) or {})
    owned = {name for table in tables for key, value in table.items() if not _is_our_value(value) for name in key}
    auto_config = importlib.import_module("paddlenlp.transformers.auto.configuration").AutoConfig
    for classes in getattr(auto_config, "MAPPING_NAMES", {}).values():
        for cls in classes:
            if not _is_our_value(cls):
                owned.update(getattr(cls, "pretrained_init_configuration", {}) or {})
    return owned


def alias_package(alias: str, parts: _Components, library: str) -> types.ModuleType:
    """Put the package `alias` (e.g. ``paddlenlp.transformers.distilroberta``) and its ``.modeling``,
    ``.configuration`` and ``.tokenizer`` into ``sys.modules``, pointing at this package's modules and classes
    (shared by the PaddleNLP and PaddleFormers integrations, whose Auto classes import such a module path)."""
    package = sys.modules.get(alias)
    if package is None or not getattr(package, "__paddle_distilroberta_alias__", False):
        package = types.ModuleType(alias, f"Alias of paddle_distilroberta, for {library}'s Auto classes.")
        package.__path__ = []  # a package, so that `<alias>.modeling` imports resolve from sys.modules
        package.__package__ = alias
        package.__spec__ = importlib.machinery.ModuleSpec(alias, None, is_package=True)
        package.__paddle_distilroberta_alias__ = True
    submodules = {"modeling": parts.modeling, "configuration": parts.configuration}
    if parts.tokenization is not None:
        submodules["tokenizer"] = parts.tokenization
    exported = parts.exported()
    for attr, module in submodules.items():
        setattr(package, attr, module)
        sys.modules[f"{alias}.{attr}"] = module
    for name, cls in exported.items():
        setattr(package, name, cls)
    package.__all__ = sorted(exported)
    sys.modules[alias] = package
    return package


def _install_alias_package(transformers: types.ModuleType, parts: _Components) -> None:
    """Make ``paddlenlp.transformers.distilroberta(.modeling|.configuration|.tokenizer)`` importable."""
    package = alias_package(ALIAS_PACKAGE, parts, "PaddleNLP")
    exported = parts.exported()
    setattr(transformers, MODULE, package)
    for name, cls in exported.items():
        current = getattr(transformers, name, None)
        if current is not None and current is not cls and getattr(current, "__module__", "").startswith("paddlenlp."):
            logger.warning("paddle_distilroberta: paddlenlp.transformers already has its own %s; leaving it.", name)
            continue
        setattr(transformers, name, cls)


def _front_insert(mapping: MutableMapping[Any, Any], key: Any, value: Any) -> None:
    """Set ``mapping[key] = value`` and move the key to the front (for insertion-order substring matching)."""
    mapping[key] = value
    if isinstance(mapping, OrderedDict):
        mapping.move_to_end(key, last=False)
    elif next(iter(mapping)) != key:  # a plain dict: rebuild with our key first
        items = [(k, v) for k, v in mapping.items() if k != key]
        mapping.clear()
        mapping[key] = value
        mapping.update(items)


def _add_builtin_names(
    table: MutableMapping[Tuple[str, ...], Any], names: Iterable[str], value: Any, what: str
) -> None:
    """Add ``tuple(names) -> value`` to a PaddleNLP name table, never taking a name PaddleNLP already owns."""
    for key in [k for k, v in table.items() if _is_our_value(v)]:
        del table[key]  # our earlier registration: replaced below (keeps register() idempotent)
    taken = {name for key in table for name in key}
    fresh = tuple(name for name in names if name not in taken)
    clashes = sorted(set(names) & taken)
    if clashes:
        logger.debug("paddle_distilroberta: %s keeps PaddleNLP's own built-in names %s.", what, clashes)
    if fresh:
        _front_insert(table, fresh, value)


def _is_our_value(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith(PREFIX)
    if isinstance(value, (list, tuple)):
        return any(_is_our_value(v) for v in value)
    return getattr(value, "__module__", "").startswith("paddle_distilroberta")


def _auto_task(auto_name: str, tasks_by_auto: Dict[str, str]) -> Optional[str]:
    if auto_name in tasks_by_auto:
        return tasks_by_auto[auto_name]
    if auto_name == "AutoModel":
        return "Model"
    if auto_name.startswith("AutoModelFor"):
        return auto_name[len("AutoModel") :]
    return None


def _register_models(parts: _Components, names: Sequence[str]) -> None:
    auto_modeling = importlib.import_module("paddlenlp.transformers.auto.modeling")
    _front_insert(auto_modeling.MAPPING_NAMES, PREFIX, MODULE)
    tasks_by_auto = {auto: task for task, auto in getattr(auto_modeling, "MAPPING_TASKS", {}).items()}
    for auto_name in auto_modeling.__all__:
        auto_class = getattr(auto_modeling, auto_name, None)
        name_mapping = getattr(auto_class, "_name_mapping", None)
        task = _auto_task(auto_name, tasks_by_auto)
        if name_mapping is None or task is None:
            continue  # e.g. AutoInferenceModelForCausalLM: no name tables
        # exactly what get_name_mapping(task) would hold for our prefix; for a task we do not implement,
        # PaddleNLP then raises its "module ... only supports the following classes" error.
        name_mapping[PREFIX + "Model_Import_Class"] = PREFIX + task
        name_mapping[PREFIX + task] = MODULE
        pretrained = getattr(auto_class, "_pretrained_model_dict", None)
        if pretrained is not None:
            _add_builtin_names(pretrained, names, PREFIX + "Model", auto_name)


def _register_config(parts: _Components, names: Sequence[str]) -> None:
    auto_configuration = importlib.import_module("paddlenlp.transformers.auto.configuration")
    auto_config = auto_configuration.AutoConfig
    config_class = parts.config_class
    if hasattr(auto_config, "register"):  # 3.x: CONFIG_MAPPING[model_type]; no PretrainedConfig subclass needed
        auto_config.register(config_class.model_type, config_class, exist_ok=True)
    if names and hasattr(auto_config, "name2class"):
        if not auto_config.name2class:  # built lazily by AutoConfig.from_pretrained: build it the same way
            table: Dict[str, Any] = {}
            for classes in auto_config.MAPPING_NAMES.values():
                for cls in classes:
                    table.update({name: cls for name in getattr(cls, "pretrained_init_configuration", {})})
            auto_config.name2class = table
        for name in names:
            if auto_config.name2class.get(name, config_class) is config_class:
                auto_config.name2class[name] = config_class


def _register_tokenizer(parts: _Components, names: Sequence[str], version: Version) -> None:
    tokenizer_class = parts.tokenizer_class
    if tokenizer_class is None:
        return
    auto_tokenizer_module = importlib.import_module("paddlenlp.transformers.auto.tokenizer")
    auto_tokenizer = auto_tokenizer_module.AutoTokenizer
    if version >= Version("3.0.0.dev0") and hasattr(auto_tokenizer, "register"):
        # `tokenizer_class` in tokenizer_config.json, or model_type "distilroberta" in config.json.
        # Our tokenizer is not a PretrainedTokenizerFast subclass, so it goes in the "slow" slot.
        auto_tokenizer.register(parts.config_class, slow_tokenizer_class=tokenizer_class, exist_ok=True)
    else:  # 2.x: class name -> module folder, matched in insertion order (also by path substring)
        _front_insert(auto_tokenizer_module.TOKENIZER_MAPPING_NAMES, tokenizer_class.__name__, MODULE)
    table = auto_tokenizer._tokenizer_mapping
    sample = next((v for v in table.values() if not _is_our_value(v)), None)
    value: Any = [(tokenizer_class, False)] if isinstance(sample, list) else tokenizer_class  # 2.8: [(cls, is_fast)]
    _add_builtin_names(table, names, value, "AutoTokenizer")
    _know_transformers_class_name(auto_tokenizer_module, tokenizer_class)


#: The `tokenizer_class` this package writes into tokenizer_config.json: transformers' name for the RoBERTa BPE
#: tokenizer, so that transformers' AutoTokenizer reads our folders. PaddleNLP has no tokenizer registered under
#: that name (its lookup returns None and AutoTokenizer fails), so this fills the gap without shadowing anything.
TRANSFORMERS_TOKENIZER_NAME = "RobertaTokenizer"


def _know_transformers_class_name(auto_tokenizer_module: Any, tokenizer_class: type) -> None:
    """Make PaddleNLP's `tokenizer_class_from_name("RobertaTokenizer")` return our tokenizer (it returned None)."""
    lookup = getattr(auto_tokenizer_module, "tokenizer_class_from_name", None)
    if lookup is None or getattr(lookup, _PATCH_MARK_TOKENIZER, False):
        return

    def tokenizer_class_from_name(class_name: str):
        found = lookup(class_name)
        if found is None and class_name == TRANSFORMERS_TOKENIZER_NAME:
            return tokenizer_class
        return found

    setattr(tokenizer_class_from_name, _PATCH_MARK_TOKENIZER, True)
    tokenizer_class_from_name.__wrapped__ = lookup  # type: ignore[attr-defined]
    auto_tokenizer_module.tokenizer_class_from_name = tokenizer_class_from_name


_PATCH_MARK_TOKENIZER = "_paddle_distilroberta_knows_roberta_tokenizer"


# --------------------------------------------------------------------------- Trainer checkpoints
#: The module that defines PaddleNLP's ``Trainer``; its ``_save`` is wrapped once it has been imported.
TRAINER_MODULE = "paddlenlp.trainer.trainer"
_PATCH_MARK = "_paddle_distilroberta_completes_checkpoints"


def complete_checkpoint(model: Any, output_dir: Union[str, os.PathLike], should_save: bool = True) -> bool:
    """Write ``config.json`` (with ``architectures``, ``id2label``, ...) for `model` into `output_dir`.

    PaddleNLP's Trainer saves a model that is not its own ``PretrainedModel`` as a bare state dict
    (``model_state.pdparams``, this package's parameter names). This package's ``from_pretrained`` reads that
    file, so the config is all a checkpoint lacks to load alone. Returns True when a config was written:
    `model` (after PaddleNLP's ``unwrap_model``-style ``_layers`` unwrapping) is one of this package's models
    and this process is the one that saves.
    """
    while getattr(model, "_layers", None) is not None:  # paddle.DataParallel and friends
        model = model._layers
    if not should_save or not _is_ours(model):
        return False
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(output_dir)  # atomic write of config.json
    return True


def patch_trainer() -> bool:
    """Wrap ``paddlenlp.trainer.Trainer._save`` so that every folder it writes for our models loads alone.

    ``Trainer._save`` is what both ``trainer.save_model()`` and every ``checkpoint-N`` go through (3.0.0b4:
    ``save_model`` -> ``_save``; ``_save_checkpoint`` -> ``save_model``). After the original has written
    ``model_state.pdparams`` (and the tokenizer files when the Trainer holds a tokenizer), the wrapper adds
    ``config.json`` (see ``complete_checkpoint``). Resuming (``resume_from_checkpoint``) and
    ``load_best_model_at_end`` keep reading ``model_state.pdparams`` as before. Idempotent; returns False when
    ``paddlenlp.trainer.trainer`` is not (fully) imported yet or has no ``Trainer._save``.
    """
    module = sys.modules.get(TRAINER_MODULE)
    trainer_class = getattr(module, "Trainer", None)  # None while the module is still executing
    if trainer_class is None:
        return False
    original = getattr(trainer_class, "_save", None)
    if original is None or not hasattr(trainer_class, "train"):
        logger.warning("paddle_distilroberta: %s has no Trainer._save; checkpoints will lack config.json.", TRAINER_MODULE)
        return False
    if getattr(original, _PATCH_MARK, False):
        return True

    @functools.wraps(original)
    def _save(self, output_dir=None, *args, **kwargs):
        result = original(self, output_dir, *args, **kwargs)
        folder = output_dir if output_dir is not None else self.args.output_dir
        complete_checkpoint(self.model, folder, should_save=bool(getattr(self.args, "should_save", True)))
        return result

    setattr(_save, _PATCH_MARK, True)
    trainer_class._save = _save

    original_train = trainer_class.train

    @functools.wraps(original_train)
    def train(self, *args, **kwargs):
        if _is_ours(self.model) and not any(getattr(cb, _PATCH_MARK, False) for cb in self.callback_handler.callbacks):
            self.add_callback(epoch_seed_callback())
        return original_train(self, *args, **kwargs)

    setattr(train, _PATCH_MARK, True)
    trainer_class.train = train
    return True


def _is_ours(model: Any) -> bool:
    while getattr(model, "_layers", None) is not None:
        model = model._layers
    return isinstance(model, importlib.import_module("paddle_distilroberta.modeling").DistilRobertaPretrainedModel)


def epoch_seed_callback() -> Any:
    """A ``TrainerCallback`` that seeds NumPy's global RNG with ``args.seed + epoch`` at every epoch start.

    Why: in one process PaddleNLP 3.0.0b4 shuffles with ``paddle.io.BatchSampler(shuffle=True)``, which draws
    each epoch's order from NumPy's global RNG; on ``resume_from_checkpoint`` it jumps straight to the saved
    epoch, so that epoch's order is drawn from a freshly seeded RNG and differs from the uninterrupted run's
    (the multi-process ``DistributedBatchSampler`` already seeds by epoch). With the order a function of
    (seed, epoch), a resumed run replays the uninterrupted one; the RNG state saved in the checkpoint is
    restored by the Trainer after the skipped steps, as before. ``patch_trainer`` adds it to ``Trainer.train``
    for this package's models; pass it in ``callbacks=`` for any other model.
    """
    from paddlenlp.trainer import TrainerCallback

    class EpochSeedCallback(TrainerCallback):
        def on_epoch_begin(self, args, state, control, **kwargs):
            import numpy as np

            from ..data import LengthGroupedBatchSampler

            epoch = int(float(state.epoch or 0.0) + 1e-6)  # the epoch that begins (state.epoch = epochs done)
            np.random.seed((int(args.seed) + epoch) % (2**32))
            sampler = getattr(kwargs.get("train_dataloader"), "batch_sampler", None)
            if isinstance(sampler, LengthGroupedBatchSampler):  # group_by_length(): its order follows the epoch too
                sampler.set_epoch(epoch)

    callback = EpochSeedCallback()
    setattr(callback, _PATCH_MARK, True)
    return callback


def _patch_trainer_quietly() -> None:
    try:
        patch_trainer()
    except Exception as err:  # noqa: BLE001 - never break PaddleNLP's import
        logger.warning("paddle_distilroberta: could not hook PaddleNLP's Trainer (%s: %s).", type(err).__name__, err)


def _patch_trainer_or_hook() -> None:
    """Patch the Trainer now when it is imported, else once it is (a finder like the registration one)."""
    if TRAINER_MODULE in sys.modules:
        _patch_trainer_quietly()
    elif not any(isinstance(finder, _TrainerImportHook) for finder in sys.meta_path):
        sys.meta_path.insert(0, _TrainerImportHook())


class _TrainerImportHook(_PaddleNLPImportHook):
    """Acts only on ``paddlenlp.trainer.trainer``; patches ``Trainer._save`` right after it has executed."""

    target = TRAINER_MODULE

    def _after_exec(self) -> None:
        _patch_trainer_quietly()


def group_by_length(trainer: Any, lengths: Optional[Sequence[int]] = None, mega_batch_mult: int = 50) -> Any:
    """Let `trainer` (PaddleNLP's ``Trainer``) train on batches of similar length (transformers' ``group_by_length``).

    Its training batches then come from ``paddle_distilroberta.data.LengthGroupedBatchSampler`` (shuffled
    mega-batches sorted by length; sharded per data-parallel rank, each rank the same number of batches), so
    dynamic padding (``DataCollatorWithPadding``) pads much less. The order is a function of (``args.seed``,
    epoch), set at each epoch start, so ``resume_from_checkpoint`` replays it. `lengths` defaults to
    ``len(item["input_ids"])`` of every training example. Returns `trainer`.
    """
    from ..data import LengthGroupedBatchSampler

    args = trainer.args
    if lengths is None:
        lengths = [len(trainer.train_dataset[i]["input_ids"]) for i in range(len(trainer.train_dataset))]
    lengths = list(lengths)

    def _get_train_sampler():
        return LengthGroupedBatchSampler(
            lengths, args.per_device_train_batch_size, shuffle=True, drop_last=args.dataloader_drop_last,
            mega_batch_mult=mega_batch_mult, seed=int(args.seed),
            num_replicas=max(1, int(args.dataset_world_size)), rank=int(args.dataset_rank))

    trainer._get_train_sampler = _get_train_sampler
    if not any(getattr(cb, _PATCH_MARK, False) for cb in trainer.callback_handler.callbacks):
        trainer.add_callback(epoch_seed_callback())
    return trainer


# --------------------------------------------------------------------------- fine-tuning scripts
def finish_distributed(args: Any) -> None:
    """End a data-parallel run cleanly: every rank waits for the others before the process group is torn down
    (without it rank 0 aborted on exit under ``paddle.distributed.launch``). Nothing to do in one process."""
    if getattr(args, "world_size", 1) > 1:
        import paddle

        paddle.distributed.barrier()
        paddle.distributed.destroy_process_group()


@dataclass
class ModelArguments:
    """The model flags of every ``examples/run_*.py`` (transformers' names)."""

    model_name_or_path: str = field(default="distilroberta-base", metadata={"help": "name or folder"})
    tokenizer_name: Optional[str] = field(default=None, metadata={"help": "tokenizer, if not the model's"})
    cache_dir: Optional[str] = field(default=None, metadata={"help": "download cache"})


@dataclass
class DatasetArguments:
    """Where the data of a ``run_*.py`` comes from (a ``datasets`` name or local files) and how much of it is used;
    each script subclasses it with its own flags (file formats: the script's docstring)."""

    dataset_name: Optional[str] = field(default=None, metadata={"help": "datasets name (or local files)"})
    dataset_config_name: Optional[str] = field(default=None, metadata={"help": "datasets config"})
    train_file: Optional[str] = field(default=None, metadata={"help": "local training file"})
    validation_file: Optional[str] = field(default=None, metadata={"help": "local evaluation file"})
    max_train_samples: Optional[int] = field(default=None, metadata={"help": "keep the first N training examples"})
    max_eval_samples: Optional[int] = field(default=None, metadata={"help": "keep the first N eval examples"})


def parse_finetune_args(dataclass_types: Sequence[type], argv: Optional[Sequence[str]] = None) -> Tuple[Any, ...]:
    """Parse transformers-style ``run_*.py`` flags into `dataclass_types` + PaddleNLP's ``TrainingArguments``.

    ``--config FILE.yaml`` (anywhere on the command line) supplies defaults for any of those fields (the
    files in ``configs/finetune/``); flags given on the command line win. Unknown YAML keys are an error.
    Defaults that differ from PaddleNLP's: ``report_to=none`` and ``device`` = ``gpu`` when Paddle sees a GPU,
    else ``cpu``. Returns one instance per dataclass, the ``TrainingArguments`` last.
    """
    import paddle
    from paddlenlp.trainer import PdArgumentParser, TrainingArguments

    parser = PdArgumentParser(tuple(dataclass_types) + (TrainingArguments,))
    args = list(sys.argv[1:] if argv is None else argv)
    defaults: Dict[str, Any] = {"report_to": ["none"]}
    defaults["device"] = "gpu" if paddle.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0 else "cpu"
    for flag in ("--config", "--config_file"):
        if flag in args:
            at = args.index(flag)
            if at + 1 >= len(args):
                raise SystemExit(f"{flag} needs a YAML file")
            path = args[at + 1]
            del args[at: at + 2]
            import yaml

            with open(path, encoding="utf-8") as fh:
                values = yaml.safe_load(fh) or {}
            if not isinstance(values, dict):
                raise SystemExit(f"{path}: expected a mapping of argument names to values")
            known = {action.dest for action in parser._actions}
            unknown = sorted(set(values) - known)
            if unknown:
                raise SystemExit(f"{path}: unknown argument(s) {unknown}")
            defaults.update(values)
    parser.set_defaults(**defaults)
    for action in parser._actions:
        if action.dest in defaults:
            action.required = False
    return tuple(parser.parse_args_into_dataclasses(args=args))
