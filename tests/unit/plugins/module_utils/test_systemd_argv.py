# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command-line model against the argv REAL systemd gave a stand-in kubelet.

fixtures/systemd_argv.json was recorded by tests/judges/record_systemd_argv.py
in a node container of the lab's image (its "systemd" field names the version):
for each unit layout, the argv systemd passed (or null when it refused to start
the unit), and for each edit the files our editor wrote and the argv after
them. These tests hold our model to that record, not to our expectation.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._kubelet import KubeletError, parse_flags
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_dropin import (
    CommandLine,
    DropinRequest,
    build_command_line,
    edit_dropin,
)
from ansible_collections.cri.runtimes.plugins.module_utils._systemd_unit import UnitFile, parse_unit

DATA = json.loads((Path(__file__).parent / "fixtures" / "systemd_argv.json").read_text())
ROOT = Path(__file__).resolve().parents[4]
CORPUS = Path(os.environ.get("CRI_CORPUS_DIR") or ROOT / ".." / "shared" / "corpus")
# what systemd logs when it ignores part of a unit's environment: our model must warn as well
IGNORED = ("Invalid syntax", "Invalid environment assignment", "Ignoring invalid environment", "Failed to resolve")


def test_recorded_by_real_systemd() -> None:
    assert DATA["systemd"].startswith("systemd 252 ")
    assert len(DATA["cases"]) >= 40
    assert len([c for c in DATA["cases"] if c["id"].startswith("corpus-")]) >= 10
    assert len(DATA["edits"]) >= 6


UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system")


def kubelet_files(files: dict[str, str]) -> list[tuple[str, UnitFile, bool]]:
    """kubelet.service and its drop-ins in systemd's order, as systemd.unit(5) describes it.

    The unit file from the first directory of the search path that has one; the
    drop-ins of every directory sorted by file name, a name in an earlier
    directory masking the same name in a later one.
    """
    units = [f"{d}/kubelet.service" for d in UNIT_DIRS if f"{d}/kubelet.service" in files][:1]
    dropins: dict[str, str] = {}
    for directory in reversed(UNIT_DIRS):
        prefix = f"{directory}/kubelet.service.d/"
        for path in files:
            if path.startswith(prefix) and path.endswith(".conf"):
                dropins[path[len(prefix) :]] = path
    paths = units + [dropins[name] for name in sorted(dropins)]
    return [(p, parse_unit(files[p], p), False) for p in paths]


def model(files: dict[str, str]) -> CommandLine:
    return build_command_line(kubelet_files(files), files.get, edit_environment_files=True)


def files_of(case: dict[str, Any]) -> dict[str, str]:
    """The case's files; a corpus file is read from the corpus (skip when it is absent or changed)."""
    out = {}
    for path, stored in case["files"].items():
        if not isinstance(stored, dict):
            out[path] = stored
            continue
        source = CORPUS / stored["corpus"]
        if not source.is_file():
            pytest.skip(f"{source} is absent (set CRI_CORPUS_DIR to the corpus of real kubelet units)")
        if hashlib.sha256(source.read_bytes()).hexdigest() != stored["sha256"]:
            pytest.fail(f"{source} changed since it was recorded: run tests/judges/record_systemd_argv.py")
        out[path] = source.read_text()
    return out


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["id"] for c in DATA["cases"]])
def test_model_is_systemds_argv(case: dict[str, Any]) -> None:
    files = files_of(case)
    if case["argv"] is None:
        with pytest.raises(KubeletError):
            model(files)
        return
    cmd = model(files)
    assert [cmd.binary, *cmd.args] == case["argv"]
    ignored = [line for line in case["systemd_log"] if any(word in line for word in IGNORED)]
    assert len(cmd.warnings) == len(ignored), (cmd.warnings, ignored)


def listdir(files: dict[str, str]) -> Any:
    def inner(directory: str) -> list[str]:
        prefix = directory.rstrip("/") + "/"
        return sorted(p[len(prefix) :] for p in files if p.startswith(prefix) and "/" not in p[len(prefix) :])

    return inner


@pytest.mark.parametrize("case", DATA["edits"], ids=[e["id"] for e in DATA["edits"]])
def test_edit_judged_by_systemd(case: dict[str, Any]) -> None:
    files = files_of(case)
    assert [model(files).binary, *model(files).args] == case["argv"]
    assert case["error"] is None
    request = DropinRequest(**case["request"])
    result = edit_dropin(request, files.get, listdir(files))
    written = {p: t for p, t in result.texts_after.items() if t != (files.get(p) or "")}
    # systemd judged exactly these files: if the editor's output changes, record again
    assert written == case["files_after"], "the edit differs from what systemd judged: record again"
    after = {**files, **written}
    argv = case["argv_after"]
    assert [result.binary, *result.args_after] == argv
    assert [model(after).binary, *model(after).args] == argv
    flags, positional = parse_flags(argv[1:])
    assert positional == []  # a kubelet refuses any word that is no flag
    for name in request.flags:
        assert len([f for f in flags if f.name == name]) == 1, name
    for name in request.remove:
        assert not [f for f in flags if f.name == name], name
    before_flags = {(f.name, f.value) for f in parse_flags(case["argv"][1:])[0]}
    changed = set(request.flags) | set(request.remove)
    assert {(f.name, f.value) for f in flags if f.name not in changed} == {
        fv for fv in before_flags if fv[0] not in changed
    }
    assert edit_dropin(request, after.get, listdir(after)).changed_paths == case["second_run_changes"] == []


def test_eks_unit_already_holding_the_flag_is_left_alone() -> None:
    """Issue 10 item 5: the flag is in the unit's own ExecStart= with the requested value."""
    (case,) = [e for e in DATA["edits"] if e["id"] == "eks-al2-flag-already-in-the-unit"]
    assert case["files_after"] == {}
    assert case["argv_after"] == case["argv"]
