"""Which processes are alive, and the temporary files of those that are not.

A process killed with SIGKILL (or a machine that stopped) leaves its temporary files behind: a
half-written published copy, a half-landed body. Each such file names its writer's pid, so the
next writer can tell debris from a file being written and remove it.

`kill_point` is where the fault tests kill a process at an exact moment (SCHOLARFLOW_KILL_AT).
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

__all__ = ["pid_alive", "remove_debris", "discard", "kill_point"]


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_debris(folder: Path, pattern: str, name: re.Pattern) -> list[Path]:
    """Remove the files under `folder` matching the glob `pattern` whose name's `pid` group (matched by
    `name`) is a process that no longer runs; return what was removed. This process's own are kept."""
    removed = []
    for path in Path(folder).glob(pattern):
        m = name.search(path.name)
        if not m or int(m.group("pid")) == os.getpid() or pid_alive(int(m.group("pid"))):
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:  # gone already, or not ours to remove: the next writer tries again
            pass
    return removed


def discard(path: Path) -> None:
    """Remove a temporary file if it is there; where the file system refuses (read-only, gone), keep quiet:
    the first failure is the one to report, and the next writer's `remove_debris` sweeps what is left."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def kill_point(name: str) -> None:
    """Kill this process with SIGKILL here when SCHOLARFLOW_KILL_AT names this point ("land": a fetched body
    written but not yet in place; "publish": the published copy written but not yet renamed): a test hook (a failpoint),
    so a kill -9 lands at a chosen moment instead of wherever a signal happens to arrive. Unset, it does nothing."""
    if os.environ.get("SCHOLARFLOW_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
