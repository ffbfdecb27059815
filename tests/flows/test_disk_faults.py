"""Disks that refuse writes: a full raw/ folder, a full warehouse folder, read-only ones, a file-size ulimit.

Each sequence runs `scholarflow ingest` (a real CLI process, reporting to the session's Prefect
server) in a mount namespace of its own (`unshare`), where small tmpfs and read-only bind mounts
stand for the broken disks. After each step the script keeps the command's exit code, stderr and
a copy of the published warehouse outside the namespace; the asserts read them. Every refused
write must give one line naming the folder and what to do, exit 1, leave the published warehouse's
data as it was and no temporary file behind; the same ingest, once the disk can be written, succeeds.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import realdata
from tests.fault_server import content_digests, run_records

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.faults]

SCHOLARFLOW = str(Path(sys.executable).with_name("scholarflow"))
NAMESPACE = ["unshare", "--user", "--map-root-user", "--mount"]
# step NAME COMMAND...: run it, keep its exit code, stderr, the published copy and the temporaries left.
STEP = r"""
step() {
  name=$1; shift
  rc=0; "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?; echo $rc >"$OUT/$name.rc"
  if [ -f "$H/warehouse.duckdb" ]; then cp "$H/warehouse.duckdb" "$OUT/$name.duckdb"; fi
  find "$H" -name '*.tmp*' >"$OUT/$name.tmp"
}
"""


def _namespaces_work() -> bool:
    try:
        return subprocess.run([*NAMESPACE, "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """Eight real idb_2026 works lists as two JSON Lines files of four lists each."""
    folder = realdata("openalex/idb_2026")
    if not _namespaces_work():
        pytest.skip("this kernel gives no user and mount namespaces (unshare), which these tests mount disks in")
    root = tmp_path_factory.mktemp("disk-parts")
    listings = sorted(folder.glob("openalex_works_author_*.json"))[:8]
    files = []
    for n, group in enumerate((listings[:4], listings[4:]), 1):
        path = root / f"part{n}.jsonl"
        with path.open("w") as out:
            for listing in group:
                for work in json.loads(listing.read_bytes())["results"]:
                    out.write(json.dumps(work) + "\n")
        files.append(path)
    return files


def _sequence(script: str, home: Path, out: Path, parts: list[Path], prefect_api_url: str) -> dict:
    """Run `script` (shell, with `step`) in a mount namespace; return {step: {rc, err, published, tmp}}."""
    out.mkdir()
    home.mkdir()
    env = {**os.environ, "SF": SCHOLARFLOW, "H": str(home), "OUT": str(out), "P1": str(parts[0]), "P2": str(parts[1]),
           "SCHOLARFLOW_HOME": str(home), "PREFECT_API_URL": prefect_api_url}
    done = subprocess.run([*NAMESPACE, "sh", "-ec", STEP + script], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    steps = {}
    for rc in sorted(out.glob("*.rc")):
        name = rc.stem
        published = out / f"{name}.duckdb"
        steps[name] = {"rc": int(rc.read_text()), "err": (out / f"{name}.err").read_text(),
                       "published": published if published.exists() else None,
                       "tmp": (out / f"{name}.tmp").read_text().split()}
    return steps


def _refused(step: dict, folder: Path, what: str) -> None:
    """One line naming the folder and what happened, exit 1, no temporary file left."""
    said = step["err"].strip().splitlines()
    assert step["rc"] == 1, step["err"][-3000:]
    assert len(said) == 1 and said[0].startswith(f"error: can't write {folder}: {what}"), step["err"][-3000:]
    assert "then run again (the published warehouse is unchanged)" in said[0]
    assert "Traceback" not in step["err"] and step["tmp"] == []


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def raw_faults(parts, tmp_path_factory, prefect_api_url):
    """One warehouse through: a first ingest; then the second one with raw/ full, with raw/ read-only, with the
    warehouse folder read-only, under a file-size ulimit; then the second one with every disk writable."""
    root = tmp_path_factory.mktemp("raw-faults")
    steps = _sequence(r"""
step 1-before "$SF" ingest "$P1"
mount -t tmpfs -o size=64k tmpfs "$H/raw"
step 2-raw-full "$SF" ingest "$P2"
find "$H/raw" -name '*.tmp*' >"$OUT/raw-full-debris"
umount "$H/raw"
mount --bind "$H/raw" "$H/raw"; mount -o remount,bind,ro "$H/raw"
step 3-raw-read-only "$SF" ingest "$P2"
umount "$H/raw"
mount --bind "$H" "$H"; mount -o remount,bind,ro "$H"
step 4-home-read-only "$SF" ingest "$P2"
umount "$H"
step 5-file-size-limit prlimit --fsize=1048576 "$SF" ingest "$P2"
step 6-again "$SF" ingest "$P2"
""", root / "data", root / "out", parts, prefect_api_url)
    return steps, root


def test_a_full_or_read_only_raw_folder_fails_the_run_in_one_line_and_the_next_run_succeeds(raw_faults):
    steps, root = raw_faults
    home = root / "data"
    before = content_digests(steps["1-before"]["published"])
    assert steps["1-before"]["rc"] == 0
    _refused(steps["2-raw-full"], home / "raw", "no space left on its device; free some space there")
    assert (root / "out" / "raw-full-debris").read_text() == ""  # not even inside the full tmpfs
    _refused(steps["3-raw-read-only"], home / "raw", "it is on a read-only file system; mount it writable")
    for name in ("2-raw-full", "3-raw-read-only"):  # the warehouse could be written: the failure is recorded and published
        assert content_digests(steps[name]["published"]) == before
    statuses = run_records(steps["3-raw-read-only"]["published"])
    assert [s for s, _ in statuses] == ["succeeded", "failed", "failed"]
    assert all("StorageError: can't write" in e for _, e in statuses[1:])


def test_a_read_only_warehouse_folder_or_a_file_size_limit_refuses_and_leaves_the_published_file_as_it_was(raw_faults):
    steps, root = raw_faults
    home = root / "data"
    _refused(steps["4-home-read-only"], home / ".warehouse.work.duckdb", "it is on a read-only file system")
    assert _sha(steps["4-home-read-only"]["published"]) == _sha(steps["3-raw-read-only"]["published"])
    _refused(steps["5-file-size-limit"], home, "a file grew over the file system's (or ulimit's) size limit")
    assert content_digests(steps["5-file-size-limit"]["published"]) == content_digests(steps["1-before"]["published"])
    again = steps["6-again"]
    assert again["rc"] == 0 and again["tmp"] == [], again["err"][-3000:]
    statuses = [s for s, _ in run_records(again["published"])]
    assert statuses[0] == "succeeded" and statuses[-1] == "succeeded" and "running" not in statuses
    assert content_digests(again["published"]) != content_digests(steps["1-before"]["published"])


def test_a_full_warehouse_folder_fails_the_run_in_one_line_and_the_next_run_converges(parts, raw_faults, tmp_path,
                                                                                       prefect_api_url):
    """The warehouse's own folder full (raw/ has room): DuckDB can't write its file. The published file is
    byte for byte as it was; the next run, with space, succeeds with the failed run recorded as failed, and ends
    where a run that never met a full disk ends (the raw-faults sequence's last step)."""
    steps = _sequence(r"""
mount -t tmpfs -o size=96m tmpfs "$H"
mkdir "$H/raw"; mount -t tmpfs -o size=256m tmpfs "$H/raw"
step 1-before "$SF" ingest "$P1"
fallocate -l $(( ($(df -k --output=avail "$H" | tail -1) - 1024) * 1024 )) "$H/filler"
step 2-full "$SF" ingest "$P2"
rm "$H/filler"
step 3-again "$SF" ingest "$P2"
""", tmp_path / "data", tmp_path / "out", parts, prefect_api_url)
    _refused(steps["2-full"], tmp_path / "data", "no space left on its device; free some space there")
    assert _sha(steps["2-full"]["published"]) == _sha(steps["1-before"]["published"])
    again = steps["3-again"]
    assert again["rc"] == 0 and again["tmp"] == [], again["err"][-3000:]
    statuses = run_records(again["published"])
    assert [s for s, _ in statuses] == ["succeeded", "failed", "succeeded"]
    # recorded by the failed run itself when the disk took that much, else by the next run
    assert "StorageError: can't write" in statuses[1][1] or "marked failed by the next run" in statuses[1][1]
    assert content_digests(again["published"]) == content_digests(raw_faults[0]["6-again"]["published"])
