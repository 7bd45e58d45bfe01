"""Exception types of paddle_distilroberta.

Each one also inherits the matching built-in, so `except ValueError` (etc.) keeps working.
"""
from __future__ import annotations


class DistilRobertaError(Exception):
    """Base class of every error this package raises on purpose."""


class UnknownModelError(DistilRobertaError, ValueError):
    """A pretrained name or path that no source knows."""


class RegistryFormatError(DistilRobertaError, ValueError):
    """`configs/registry.json` (or a config file it names) does not follow the schema."""


class WeightMappingError(DistilRobertaError, ValueError):
    """A checkpoint whose tensors do not fit the model (unknown, missing or mis-shaped keys)."""


class UnsafeCheckpointError(DistilRobertaError, ValueError):
    """A pickled checkpoint that asks to run code or build objects other than tensors."""


class CheckpointFormatError(DistilRobertaError, ValueError):
    """A checkpoint file that is truncated, corrupt, or in a format this package does not read."""


class ChecksumError(DistilRobertaError, OSError):
    """A downloaded file whose size or sha256 differs from what its source published."""


class NotInCacheError(DistilRobertaError, FileNotFoundError):
    """Offline mode (or local_files_only) and the file is not in any local cache."""


class DownloadError(DistilRobertaError, OSError):
    """Every source of a file failed; the message lists each source and its result."""
