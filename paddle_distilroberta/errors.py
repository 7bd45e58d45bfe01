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


class ConfigError(DistilRobertaError, ValueError, TypeError):
    """A config field of the wrong type or out of its allowed range, or an unknown keyword argument.

    The message names the field, the value and what is allowed. It is both a ValueError and a TypeError,
    so either `except` catches it whichever the cause.
    """


class ChecksumError(DistilRobertaError, OSError):
    """A downloaded file whose size or sha256 differs from what its source published."""


class NotInCacheError(DistilRobertaError, FileNotFoundError):
    """Offline mode (or local_files_only) and the file is not in any local cache."""


class DownloadError(DistilRobertaError, OSError):
    """Every source of a file failed; the message lists each source and its result."""


class HTTPStatusError(DownloadError):
    """A server answered with an HTTP error status that retrying will not fix (e.g. 404)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class RetriesExhaustedError(DownloadError):
    """Transient failures (5xx, connection errors, timeouts, cut-off bodies) outlasted the retries."""

    def __init__(self, message: str, reason: str, timed_out: bool) -> None:
        super().__init__(message)
        self.reason = reason
        self.timed_out = timed_out


class RemoteFileMissing(DistilRobertaError, FileNotFoundError):
    """A source does not have the file (404), or, offline, the local cache does not hold it."""


class SourceFailure(DistilRobertaError, OSError):
    """A source could not deliver a file it should have; `result` is a short reason for error summaries."""

    def __init__(self, message: str, result: str) -> None:
        super().__init__(message)
        self.result = result
