"""An import is all or nothing: kill -9, a full disk or a permission error leave the old
archive or the new one, never a mix, and the next command says which.

Every import here is a real `paperpress import` subprocess. Faults are real
signals and real errors: `PAPERPRESS_FAULT_AFTER=N` makes the journal kill
its own process after step N, a `sitecustomize.py` put on the subprocess's
PYTHONPATH makes its writes fail with ENOSPC (or its renames with EACCES)
at a chosen point, and a read-only folder is one the importing user really
cannot write.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from archive_helpers import day_text, entry, import_days, new_archive, run, tree, write

from generator.archive.content import load
from generator.core.paths import ContentPaths

ANCHOR = entry("Anchor Paper", "Dates this page.", when="Dec 1, 2025 1")
SHARED = entry("Shared Paper", "Listed on two days.", when="Jan 20 5")
# the base archive: two days
D1 = day_text("Feb 1", SHARED, ANCHOR, entry("Only On Feb 1", "Listed once."))
D2 = day_text("Mar 1", ANCHOR, entry("Shared Paper", "Later abstract.", when="Jan 20 9"),
              entry("Flash Paper", "Flash abstract.", when="Dec 12, 2023 40"),
              entry("Only On Mar 1", "Dropped by the re-scrape."))
# the import: a later snapshot of Mar 1 (drops two papers, updates one) and a new day
D2_LATER = day_text("Mar 1", ANCHOR,
                    entry("Flash Paper", "Newest flash abstract.", when="Dec 12, 2023 90"))
D3 = day_text("Apr 1", ANCHOR, entry("New Paper One", "First new."),
              entry("New Paper Two", "Second new.", when="Mar 30 7"),
              entry("Flash Paper", "Flash on April 1.", when="Dec 12, 2023 3"))
NOTE = "---\npick: true\npublished: 2026-03-02\n---\nThe curator's words.\n"
RECOVERED = ("paperpress: finished an interrupted import: ",
             "paperpress: discarded an interrupted import; the archive is as it was")


def paperpress(root: Path, *args: str | Path, env: dict[str, str] | None = None,
               **popen: object) -> subprocess.CompletedProcess[str]:
    """`paperpress --root ROOT ARGS` as a user runs it, with extra environment."""
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root),
                           *map(str, args)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
                          **popen)  # type: ignore[call-overload]


class Scenario:
    """An archive before a replacing import, the files to import, and the tree it gives."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.files = [write(base / "in" / "mar1-later.txt", D2_LATER),
                      write(base / "in" / "apr1.txt", D3)]
        self.archive = new_archive(base / "archive")
        assert import_days(self.archive, write(base / "in0" / "feb1.txt", D1),
                           write(base / "in0" / "mar1.txt", D2)) == 0
        write(self.archive / "content" / "notes" / "flash-paper.md", NOTE)
        self.before = tree(self.archive / "content")
        reference = self.copy("reference")
        assert import_days(reference, *self.files) == 0
        self.after = tree(reference / "content")
        assert self.after != self.before

    def copy(self, name: str) -> Path:
        target = self.base / name
        shutil.rmtree(target, ignore_errors=True)
        return Path(shutil.copytree(self.archive, target))

    def outcome(self, root: Path) -> str:
        """'before' or 'after'; fails on anything else (a mix, a journal left behind)."""
        got = tree(root / "content")
        assert got in (self.before, self.after), sorted(
            set(got.items()) ^ set(self.before.items()) ^ set(self.after.items()))
        return "before" if got == self.before else "after"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return Scenario(tmp_path_factory.mktemp("scenario"))


def recover_with_check(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `check` (the next command), which must settle the archive; its stderr."""
    capsys.readouterr()
    status = run(root, "check", "--quiet")
    err = capsys.readouterr().err
    assert status == 0, err
    return err


# -- kill -9 ------------------------------------------------------------------
def test_kill_after_every_step_leaves_the_old_or_the_new_archive(scenario: Scenario,
                                                                 capsys) -> None:
    seen: dict[str, int] = {"before": 0, "after": 0}
    step = 0
    while True:
        step += 1
        assert step < 200, "the import never finished"
        root = scenario.copy("killed")
        done = paperpress(root, "import", "--quiet", *scenario.files,
                          env={"PAPERPRESS_FAULT_AFTER": str(step)})
        if done.returncode == 0:
            break
        assert done.returncode == -signal.SIGKILL, done.stderr
        assert os.path.lexists(root / "content" / ".journal") or \
            os.path.lexists(root / "content" / ".journal.done")
        err = recover_with_check(root, capsys)
        state = scenario.outcome(root)
        seen[state] += 1
        if err:  # killed with only the finished journal's removal left: nothing to say
            assert err.startswith(RECOVERED[0] if state == "after" else RECOVERED[1]), err
        else:
            assert state == "after", step
    assert scenario.outcome(root) == "after"
    assert seen["before"] >= 8 and seen["after"] >= 10, seen  # staging, then apply steps


def test_a_kill_during_recovery_is_recovered_by_the_next_command(scenario: Scenario,
                                                                 capsys) -> None:
    """Killed mid-apply, then the recovering command killed too: still old or new."""
    for first, second in ((14, 1), (14, 3), (20, 2)):
        root = scenario.copy("twice")
        done = paperpress(root, "import", "--quiet", *scenario.files,
                          env={"PAPERPRESS_FAULT_AFTER": str(first)})
        assert done.returncode == -signal.SIGKILL
        again = paperpress(root, "check", env={"PAPERPRESS_FAULT_AFTER": str(second)})
        assert again.returncode == -signal.SIGKILL
        assert recover_with_check(root, capsys).startswith(RECOVERED[0])
        assert scenario.outcome(root) == "after"


def test_random_kills_leave_the_old_or_the_new_archive(scenario: Scenario, capsys) -> None:
    rng = random.Random(20260521)
    timing = scenario.copy("timed")
    started = time.monotonic()
    assert paperpress(timing, "import", "--quiet", *scenario.files).returncode == 0
    span = time.monotonic() - started
    outcomes = []
    for _ in range(30):
        root = scenario.copy("random")
        proc = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root),
                                 "import", "--quiet", *map(str, scenario.files)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.0) * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        err = recover_with_check(root, capsys)
        outcomes.append(scenario.outcome(root))
        assert err == "" or err.startswith(RECOVERED)
    assert set(outcomes) <= {"before", "after"}


def test_every_command_that_reads_the_archive_recovers_first(scenario: Scenario,
                                                             tmp_path: Path) -> None:
    for command in (("note", "anchor-paper"), ("build", "--out", tmp_path / "site"),
                    ("import", tmp_path / "in" / "may1.txt")):
        write(tmp_path / "in" / "may1.txt", day_text("May 1", entry("May Paper", "New.",
                                                                  when="Dec 1, 2025 1")))
        root = scenario.copy("each")
        assert paperpress(root, "import", "--quiet", *scenario.files,
                          env={"PAPERPRESS_FAULT_AFTER": "16"}).returncode == -signal.SIGKILL
        done = paperpress(root, "--quiet", *command)
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith(RECOVERED[0]), (command, done.stderr)
        assert not os.path.lexists(root / "content" / ".journal")
        papers = tree(root / "content" / "papers")
        papers.pop("may-paper.yaml", None)
        assert papers == {k[len("papers/"):]: v for k, v in scenario.after.items()
                          if k.startswith("papers/")}, command


# -- full disk ------------------------------------------------------------------
SITECUSTOMIZE = r'''
"""Faults for one subprocess: ENOSPC after a byte budget, EACCES on the Nth rename."""
import builtins, errno, io, os

ROOT = os.environ["FAULT_ROOT"]
BUDGET = [int(os.environ.get("FAULT_ENOSPC_AFTER", "-1"))]
RENAME_AT = int(os.environ.get("FAULT_RENAME_AT", "0"))
RENAME_ON = os.environ.get("FAULT_RENAME_ON", "once")
RENAMES = [0]


def inside(path):
    try:
        return os.path.abspath(os.fsdecode(path)).startswith(ROOT)
    except TypeError:
        return False


def fd_inside(fd):
    try:
        return inside(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return False


def spend(count):
    if BUDGET[0] < 0:
        return
    if count > BUDGET[0]:
        BUDGET[0] = 0
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    BUDGET[0] -= count


class Counted:
    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        spend(len(data))
        return self._handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)

    def __getattr__(self, name):
        return getattr(self._handle, name)


def writing(mode):
    return any(c in mode for c in "wax+")


real_write, real_fdopen, real_open = os.write, os.fdopen, io.open


def write(fd, data):
    if fd_inside(fd):
        spend(len(data))
    return real_write(fd, data)


def fdopen(fd, mode="r", *args, **kwargs):
    handle = real_fdopen(fd, mode, *args, **kwargs)
    return Counted(handle) if writing(mode) and fd_inside(fd) else handle


def open_(file, mode="r", *args, **kwargs):
    handle = real_open(file, mode, *args, **kwargs)
    return Counted(handle) if writing(mode) and not isinstance(file, int) and inside(file) \
        else handle


def failing(real):
    def call(src, dst, *args, **kwargs):
        if RENAME_AT and inside(dst):
            RENAMES[0] += 1
            if RENAMES[0] == RENAME_AT or (RENAME_ON == "from" and RENAMES[0] > RENAME_AT):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(dst))
        return real(src, dst, *args, **kwargs)
    return call


os.write, os.fdopen, io.open, builtins.open = write, fdopen, open_, open_
os.replace, os.rename = failing(os.replace), failing(os.rename)
'''


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults")
    write(folder / "sitecustomize.py", SITECUSTOMIZE)
    return folder


def faulty(faults: Path, root: Path, **settings: str) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(faults), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "FAULT_ROOT": str(root.resolve()), **settings}


def staged_bytes(scenario: Scenario) -> int:
    changed = {k: v for k, v in scenario.after.items() if scenario.before.get(k) != v}
    return sum(map(len, changed.values()))


def test_a_full_disk_leaves_the_old_archive_and_names_the_file(scenario: Scenario,
                                                               faults: Path, capsys) -> None:
    total = staged_bytes(scenario)
    for budget in (0, 1, 100, 400, total // 3, total // 2, total - 200, total - 1):
        root = scenario.copy("full")
        done = paperpress(root, "import", "--quiet", *scenario.files,
                          env=faulty(faults, root, FAULT_ENOSPC_AFTER=str(budget)))
        assert done.returncode == 1, (budget, done.stderr)
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("content/"), lines
        assert "No space left on device; nothing was changed" in lines[0]
        assert scenario.outcome(root) == "before", budget
        assert recover_with_check(root, capsys) == ""  # nothing was left to resolve
    root = scenario.copy("room")
    done = paperpress(root, "import", "--quiet", *scenario.files,
                      env=faulty(faults, root, FAULT_ENOSPC_AFTER=str(total + 10_000)))
    assert done.returncode == 0, done.stderr
    assert scenario.outcome(root) == "after"


# -- permission errors ----------------------------------------------------------
def test_a_rename_refused_while_applying_is_undone(scenario: Scenario, faults: Path,
                                                  capsys) -> None:
    outcomes = []
    for at in range(1, 40):
        root = scenario.copy("refused")
        done = paperpress(root, "import", "--quiet", *scenario.files,
                          env=faulty(faults, root, FAULT_RENAME_AT=str(at)))
        if done.returncode == 1:
            lines = done.stderr.splitlines()
            assert len(lines) == 1, lines
            named = lines[0].split(":")[0].removeprefix("content/")
            assert named in scenario.after or named == ".journal/record", lines
            assert lines[0].endswith(": cannot write: Permission denied; nothing was changed")
        else:
            assert done.returncode == 0, done.stderr
        recover_with_check(root, capsys)
        outcomes.append(scenario.outcome(root))
        assert outcomes[-1] == ("before" if done.returncode else "after"), at
        if done.returncode == 0 and outcomes.count("after") >= 3:
            break
    assert outcomes.count("before") >= 10


def test_an_apply_that_cannot_be_undone_is_finished_by_the_next_command(
        scenario: Scenario, faults: Path, capsys) -> None:
    root = scenario.copy("stuck")
    done = paperpress(root, "import", "--quiet", *scenario.files,
                      env=faulty(faults, root, FAULT_RENAME_AT="5", FAULT_RENAME_ON="from"))
    assert done.returncode == 1
    assert "the next paperpress command finishes it" in done.stderr
    assert recover_with_check(root, capsys).startswith(RECOVERED[0])
    assert scenario.outcome(root) == "after"


def without_privileges() -> list[str]:
    """A command prefix under which permissions apply: as root, chmod does not stop writes,
    so the command runs without the capabilities that override them."""
    if os.getuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot drop the override")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def test_a_read_only_days_folder_leaves_the_old_archive(scenario: Scenario, capsys) -> None:
    root = scenario.copy("read-only")
    days = root / "content" / "days"
    days.chmod(0o555)
    try:
        done = subprocess.run([*without_privileges(), sys.executable, "-m", "generator",
                               "--root", str(root), "import", "--quiet", *map(str, scenario.files)],
                              capture_output=True, text=True, timeout=120)
    finally:
        days.chmod(0o755)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "content/days: this folder is not writable (read-only, or its permissions); "
        "nothing was changed"]
    assert scenario.outcome(root) == "before"
    assert recover_with_check(root, capsys) == ""


# -- the journal itself ----------------------------------------------------------
def test_check_reports_an_interrupted_import_it_cannot_finish(scenario: Scenario,
                                                             capsys) -> None:
    root = scenario.copy("unfinished")
    assert paperpress(root, "import", "--quiet", *scenario.files,
                      env={"PAPERPRESS_FAULT_AFTER": "14"}).returncode == -signal.SIGKILL
    days = root / "content" / "days"
    days.chmod(0o555)
    try:
        done = subprocess.run([*without_privileges(), sys.executable, "-m", "generator",
                               "--root", str(root), "check"],
                              capture_output=True, text=True, timeout=120)
    finally:
        days.chmod(0o755)
    assert done.returncode == 1
    assert done.stderr == (
        "content/.journal: an interrupted import could not be finished: "
        "content/days/2026-03-01.yaml: Permission denied; fix that and run the command "
        "again\n")
    assert recover_with_check(root, capsys).startswith(RECOVERED[0])
    assert scenario.outcome(root) == "after"


def test_check_reports_a_journal_it_cannot_resolve(scenario: Scenario, capsys) -> None:
    root = scenario.copy("garbled")
    write(root / "content" / ".journal" / "record", '{"writes": ["../../outside"]}')
    capsys.readouterr()
    assert run(root, "check") == 1
    err = capsys.readouterr().err
    assert err.startswith("content/.journal/record: an interrupted import's journal is not a "
                          "record this version of paperpress wrote; move content/.journal out")
    assert len(err.splitlines()) == 1
    assert run(root, "import", *scenario.files) == 1  # nothing runs over it
    assert tree(root / "content") == {**scenario.before, ".journal/record": b'{"writes": '
                                      b'["../../outside"]}'}


def test_check_reports_papers_no_day_lists(scenario: Scenario, capsys) -> None:
    """What an interrupted import used to leave: paper files without their day."""
    root = scenario.copy("orphans")
    (root / "content" / "days" / "2026-03-01.yaml").unlink()
    (root / "content" / "scraped" / "2026-03-01.txt").unlink()
    capsys.readouterr()
    assert run(root, "check") == 1
    assert capsys.readouterr().err == "".join(
        f"content/papers/{pid}.yaml: no day lists this paper: import the day that lists it "
        "again, or delete the file\n" for pid in ("flash-paper", "only-on-mar-1"))


def test_an_idle_archive_has_no_journal_git_sees(scenario: Scenario, capsys) -> None:
    root = scenario.copy("git")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=root, check=True)
    killed = paperpress(root, "import", "--quiet", *scenario.files,
                        env={"PAPERPRESS_FAULT_AFTER": "6"})
    assert killed.returncode == -signal.SIGKILL
    paths = ContentPaths(root)
    load(paths, strict=True)  # the loader and the stray-file scan pass over a journal
    recover_with_check(root, capsys)
    assert paperpress(root, "import", "--quiet", *scenario.files).returncode == 0
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=root, capture_output=True, text=True, check=True).stdout
    assert status and ".journal" not in status and ".paperpress-cache" not in status
    assert not [p for p in paths.content.iterdir() if p.name.startswith(".journal")]
