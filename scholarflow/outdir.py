"""Output folders written whole: built beside the target, then swapped in; never over someone else's files."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from core.errors import UserError

__all__ = ["replaced_folder", "ordinary_permissions"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def ordinary_permissions(root: Path) -> None:
    """Give `root` and everything in it the modes a plain `mkdir`/`open` would: 0777/0666 less the umask
    (0755/0644 under the usual 022), so a web server running as another user can serve them.

    `tempfile.mkdtemp` makes its folder 0700 whatever the umask; this undoes that.
    """
    mask = _umask()
    os.chmod(root, 0o777 & ~mask)
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            os.chmod(os.path.join(folder, d), 0o777 & ~mask)
        for f in files:
            os.chmod(os.path.join(folder, f), 0o666 & ~mask)


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
        ordinary_permissions(tmp)
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
