"""Name -> local folder resolution (placeholder: local folders only; issue 3 adds the registry and downloads)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ..errors import UnknownModelError


def resolve_pretrained(
    name_or_path: "str | os.PathLike[str]",
    *,
    kind: str = "model",
    cache_dir: Optional["str | os.PathLike[str]"] = None,
    revision: Optional[str] = None,
    local_files_only: bool = False,
    token: Optional[str] = None,
    force_download: bool = False,
    subfolder: str = "",
) -> Path:
    """Return a local folder that holds the files of `kind` for `name_or_path`.

    `kind="model"`: config.json (or model_config.json) plus weights; `kind="tokenizer"`: tokenizer files.
    """
    path = Path(name_or_path) / subfolder if subfolder else Path(name_or_path)
    if path.is_dir():
        return path
    raise UnknownModelError(f"{str(name_or_path)!r} is not a local folder, and no pretrained registry is available yet.")
