# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd judges kubelet_dropin on every kubelet unit set of the real-world corpus.

For each set (tests/judges/kubelet_sets.py) one node container of the lab's image
(``scripts/setup/node-image bookworm``, systemd 252) gets the set's files at their real paths and
a STAND-IN kubelet (a small script, labelled as such: no kubelet of these versions can be
built here) at the ``ExecStart=`` path. It records the argv systemd hands it, NUL-separated,
answers ``--version`` like a kubelet of the set's version, sends ``READY=1`` when systemd
asks for it (``Type=notify``), then sleeps. A judge-only drop-in under
``/run/systemd/system/kubelet.service.d/`` resets ``ExecStartPre=``/``ExecStartPost=`` (they
call scripts the image lacks) and lifts the start rate limit; ``Requires=`` units the image
lacks are stubbed as oneshot units in ``/run/systemd/system``. None of that touches the
command line.

systemd starts the kubelet (argv before), ``cri.runtimes.kubelet_dropin`` runs through
``ansible-playbook`` over the containers.podman connection with the role's CRI request,
first in check mode (nothing on the node may change; its predicted command line must be
what systemd runs after the real run), then for real,
systemd restarts the kubelet (argv after), the module runs again, systemd restarts again.
Pass: each requested flag exactly once with its value; every other word as before, minus
the flags the version no longer accepts that the module reports removing; the second run
unchanged (changed=false, same argv); the module's reported command lines equal systemd's
argv word for word; the flags land in the file the set's layout calls for.

One container serves every set (reset in between). Skips with a reason when the corpus,
podman or the node image is unavailable.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .kubelet_sets import NOT_SYSTEMD, RESET_PATHS, SETS, UnitSet

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CRI_CORPUS_DIR", REPO.parent / "shared" / "corpus")) / "kubelet"
NAME = os.environ.get("KUBELET_JUDGE_CONTAINER", f"kubelayout-judge-{os.getpid()}")
SOCK = "unix:///run/containerd/containerd.sock"
ARGV_FILE = "/run/kubelet-judge/argv"
JUDGE_DROPIN = "/run/systemd/system/kubelet.service.d/99-judge.conf"
ENV = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}

STAND_IN = textwrap.dedent(
    """\
    #!/usr/bin/python3
    # STAND-IN kubelet of the systemd judge (tests/judges/test_kubelet_corpus.py), not a kubelet:
    # records the argv systemd gives it, answers --version, sends READY=1, sleeps.
    import os, socket, sys, time
    if sys.argv[1:] == ["--version"]:
        print("Kubernetes {version}")
        sys.exit(0)
    os.makedirs("/run/kubelet-judge", exist_ok=True)
    with open("{argv}.tmp", "wb") as fh:
        fh.write(b"".join(os.fsencode(a) + b"\\0" for a in sys.argv))
    os.rename("{argv}.tmp", "{argv}")
    addr = os.environ.get("NOTIFY_SOCKET")
    if addr:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.sendto(b"READY=1", "\\0" + addr[1:] if addr.startswith("@") else addr)
    while True:
        time.sleep(3600)
    """
)
JUDGE_DROPIN_TEXT = textwrap.dedent(
    """\
    # Judge only (tests/judges): the ExecStartPre= scripts of these units do not exist in the
    # image; the judge restarts the unit more often than the default rate limit allows.
    [Unit]
    StartLimitIntervalSec=0
    [Service]
    ExecStartPre=
    ExecStartPost=
    """
)
STUB_UNIT = (
    "[Unit]\nDescription=judge stub for {name}\n[Service]\nType=oneshot\nExecStart=/bin/true\nRemainAfterExit=yes\n"
)


def _run(args: list[str], *, check: bool = True, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(args, input=stdin, capture_output=True, env=ENV, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: rc={proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return proc


class Node:
    """The judge's node container."""

    def __init__(self, name: str) -> None:
        self.name = name

    def sh(self, script: str, *, check: bool = True) -> str:
        return _run(["podman", "exec", self.name, "sh", "-c", script], check=check).stdout.decode()

    def put(self, files: dict[str, tuple[bytes, int]]) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for path, (data, mode) in files.items():
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size, info.mode = len(data), mode
                tar.addfile(info, io.BytesIO(data))
        _run(["podman", "exec", "-i", self.name, "tar", "-x", "--no-same-owner", "-C", "/"], stdin=buf.getvalue())

    def reset(self) -> None:
        stubs = " ".join(f"/run/systemd/system/{s}" for s in ("containerd.service", "docker.service"))
        self.sh(
            "systemctl stop kubelet.service >/dev/null 2>&1; systemctl reset-failed >/dev/null 2>&1; "
            f"rm -rf {' '.join(RESET_PATHS)} {stubs} /run/systemd/system/sandbox-image.service; "
            "systemctl daemon-reload",
            check=False,
        )

    def checksums(self) -> str:
        """Every file a kubelet set or the module may touch, with its checksum."""
        dirs = "/etc/systemd/system /usr/lib/systemd/system /etc/default /etc/sysconfig /var/lib/kubelet /etc/eks"
        return self.sh(f"find {dirs} -type f 2>/dev/null | sort | xargs -r sha256sum", check=False)

    def start_and_read_argv(self, what: str) -> list[str]:
        """(Re)start the kubelet after a daemon-reload; the argv systemd gave the stand-in."""
        self.sh(f"rm -f {ARGV_FILE}; systemctl daemon-reload; systemctl restart kubelet.service", check=False)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            out = _run(["podman", "exec", self.name, "cat", ARGV_FILE], check=False)
            if out.returncode == 0 and out.stdout:
                return [w.decode() for w in out.stdout.split(b"\0")[:-1]]
            time.sleep(0.2)
        status = self.sh("systemctl status --no-pager -l kubelet.service; journalctl -u kubelet -n 20", check=False)
        raise AssertionError(f"{what}: the kubelet did not start under systemd:\n{status}")


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    if not CORPUS.is_dir():
        pytest.skip(f"no kubelet corpus at {CORPUS} (set CRI_CORPUS_DIR; the corpus is not part of the collection)")
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed: the systemd judge needs a node container")
    conf = _run([str(REPO / "scripts" / "setup" / "podman-host-setup")]).stdout.decode().strip()
    ENV["CONTAINERS_CONF"] = conf
    image = _run([str(REPO / "scripts" / "setup" / "node-image"), "bookworm"]).stdout.decode().strip()
    _run(["podman", "rm", "-f", NAME], check=False)
    _run(
        [
            "podman", "run", "-d", "--name", NAME, "--privileged", "--cgroupns=private",
            "--systemd=always", "--runtime", "runc", image,
        ]
    )  # fmt: skip
    try:
        box = Node(NAME)
        deadline = time.monotonic() + 60
        while box.sh("systemctl is-system-running", check=False).strip() not in ("running", "degraded"):
            if time.monotonic() > deadline:
                raise AssertionError("the node container's systemd did not come up in 60 s")
            time.sleep(0.5)
        yield box
    finally:
        _run(["podman", "rm", "-f", "-t", "0", NAME], check=False)


def request_for(version: str) -> dict[str, Any]:
    """The kubelet role's usual CRI request (flags placement), per kubelet version."""
    minor = int(version.lstrip("v").split(".")[1])
    flags: dict[str, Any] = {"container-runtime-endpoint": SOCK, "runtime-request-timeout": "15m"}
    if minor < 24:
        flags["container-runtime"] = "remote"
    return {"flags": flags, "remove": ["container-runtime"] if minor >= 24 else []}


def run_module(
    node: Node, args: dict[str, Any], tmp: Path, *, fail: bool = False, check: bool = False
) -> dict[str, Any]:
    """kubelet_dropin through ansible-playbook over the containers.podman connection."""
    playbook = tmp / "judge.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "hosts": "all",
                    "gather_facts": False,
                    "tasks": [{"name": "judge", "cri.runtimes.kubelet_dropin": args, "register": "out"}],
                }
            ]
        )
    )
    env = {**ENV, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1"}
    proc = subprocess.run(
        [
            shutil.which("ansible-playbook") or "ansible-playbook",
            "-i", f"{node.name},", "-c", "containers.podman.podman",
            "-e", "ansible_python_interpreter=/usr/bin/python3", str(playbook),
            *(["--check", "--diff"] if check else []),
        ],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    try:
        report = json.loads(proc.stdout)
        result: dict[str, Any] = report["plays"][0]["tasks"][0]["hosts"][node.name]
    except (ValueError, KeyError, IndexError) as exc:
        detail = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        raise AssertionError(f"ansible-playbook gave no result ({exc}):\n{detail}") from exc
    assert bool(result.get("failed")) is fail, f"failed={result.get('failed')}: {result.get('msg')}"
    return result


def flag_words(argv: list[str]) -> list[tuple[str, str | None, list[str]]]:
    """(name, value, words) per flag of a kubelet argv, read independently of the module's parser."""
    out: list[tuple[str, str | None, list[str]]] = []
    i = 1
    while i < len(argv):
        word = argv[i]
        if word.startswith("-") and len(word) > 1:
            name, sep, value = word.lstrip("-").partition("=")
            if sep:
                out.append((name, value, [word]))
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                out.append((name, argv[i + 1], [word, argv[i + 1]]))
                i += 1
            else:
                out.append((name, None, [word]))
        else:
            out.append(("", word, [word]))  # a positional word (Fedora's $KUBELET_KUBECONFIG)
        i += 1
    return out


def same(a: str | None, b: str) -> bool:
    return a == b or (a, b) in {("15m0s", "15m")}


def install(node: Node, unit_set: UnitSet) -> None:
    files: dict[str, tuple[bytes, int]] = {}
    for path, source in unit_set.files.items():
        data = (CORPUS / source[len("corpus:") :]).read_bytes() if source.startswith("corpus:") else source.encode()
        files[path] = (data, 0o644)
    version = unit_set.version
    files[unit_set.binary] = (STAND_IN.replace("{version}", version).replace("{argv}", ARGV_FILE).encode(), 0o755)
    files[JUDGE_DROPIN] = (JUDGE_DROPIN_TEXT.encode(), 0o644)
    for stub in unit_set.stubs:
        files[f"/run/systemd/system/{stub}"] = (STUB_UNIT.format(name=stub).encode(), 0o644)
    node.put(files)
    node.sh("mkdir -p /var/lib/kubelet")  # WorkingDirectory= of the Fedora unit


def test_every_corpus_file_is_judged_or_explained() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"no kubelet corpus at {CORPUS}")
    used = {n for s in SETS for n in s.corpus_names()} | set(NOT_SYSTEMD)
    missing = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "README.md")
    assert [n for n in missing if n not in used] == []


@pytest.mark.parametrize("unit_set", [pytest.param(s, id=s.name) for s in SETS])
def test_systemd_judges_the_edit(node: Node, unit_set: UnitSet, tmp_path: Path) -> None:
    node.reset()
    install(node, unit_set)
    before = node.start_and_read_argv("before the edit")
    assert before[0] == unit_set.binary

    request = request_for(unit_set.version)
    sums = node.checksums()
    predicted = run_module(node, request, tmp_path, check=True)
    assert node.checksums() == sums, "check mode wrote to the node"
    first = run_module(node, request, tmp_path)
    after = node.start_and_read_argv("after the first run")
    second = run_module(node, request, tmp_path)
    again = node.start_and_read_argv("after the second run")

    # what the module says systemd runs is what systemd runs, word for word (check mode predicts it)
    assert predicted["command_line"] == after
    assert predicted["changed"] is True
    assert sorted(d["after_header"] for d in predicted["diff"]) == sorted(first["changed_files"])
    assert first["command_line_before"] == before
    assert first["command_line"] == after
    assert second["command_line"] == again

    # each requested flag exactly once, with its value
    flags = flag_words(after)
    for name, value in request["flags"].items():
        got = [f for f in flags if f[0] == name]
        assert len(got) == 1, f"--{name}: {got} in {after}"
        assert same(got[0][1], value), f"--{name}: {got} in {after}"
    # every other flag and word as before, minus the flags the version no longer accepts
    removed = set(first["removed_unsupported"]) | set(request["remove"])
    managed = set(request["flags"]) | removed
    kept_before = sorted(w for n, _v, ws in flag_words(before) if n not in managed for w in ws)
    kept_after = sorted(w for n, _v, ws in flags if n not in managed for w in ws)
    assert kept_after == kept_before
    for name in removed:
        assert not [f for f in flags if f[0] == name], f"--{name} is still in {after}"

    # the flags went where the layout calls for, and no packaged file was touched
    assert first["placement"]["path"] == unit_set.expect_path, first["placement"]
    assert not [p for p in first["changed_files"] if p.startswith(("/usr/lib/", "/lib/"))]

    # the second run changes nothing
    if unit_set.xfail:  # only this known defect is expected; every check above still applies
        if second["changed_files"] == [] and again == after:
            pytest.fail(f"{unit_set.name}: the second run is unchanged now: drop its xfail ({unit_set.xfail})")
        pytest.xfail(f"{unit_set.xfail}: the second run changed {second['changed_files']}")
    assert second["changed_files"] == [], second["command_line"]
    assert second["changed"] is False
    assert again == after


def test_refuses_to_mask_the_packaged_dropin(node: Node, tmp_path: Path) -> None:
    """The old role default, a same-named drop-in in /etc, would mask today's packaged 10-kubeadm.conf."""
    unit_set = next(s for s in SETS if s.name == "today-kubeadm-deb")
    node.reset()
    install(node, unit_set)
    before = node.start_and_read_argv("before")
    masking = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
    out = run_module(node, {**request_for(unit_set.version), "path": masking}, tmp_path, fail=True)
    assert masking in out["msg"]
    assert "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf" in out["msg"]
    assert node.sh(f"test -e {masking} && echo present || echo absent").strip() == "absent"
    assert node.start_and_read_argv("after the refusal") == before
    assert "--kubeconfig=/etc/kubernetes/kubelet.conf" in before
