"""Output folders written whole: built beside the target, then swapped in; never over someone else's files."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from core.errors import UserError

__all__ = ["replaced_folder"]


@contextmanager
def replaced_folder(out: Path, marker: str, command: str) -> Iterator[Path]:
    """Yield a fresh folder beside `out`; on success it replaces `out` whole, on failure it vanishes.

    `out` must be new, empty, or a folder this command wrote before (it holds `marker`).
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / marker).exists())):
        raise UserError(f"{out} exists and was not written by `{command}`; choose an empty or new folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise UserError(f"can't write to {out}: {exc.strerror or exc}") from None
    try:
        yield tmp
        (tmp / marker).write_text(f"written by {command}\n", encoding="utf-8")
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
