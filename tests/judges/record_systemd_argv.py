# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record the argv real systemd gives a kubelet for each unit layout of CASES.

The unit tests of the command-line model (tests/unit/.../test_systemd_argv.py)
assert against what this script recorded, not against our expectation: for
each case the unit file, drop-ins and environment files are installed at their
real paths in a node container of the lab's image (systemd 252 on bookworm), a
stand-in kubelet at /usr/bin/kubelet writes its argv NUL-separated to a file,
the unit is started, and the argv (or the failure to start) is stored with the
warnings systemd logged while loading the unit.

Run it again after adding a case (it needs podman and the lab's node image):

    export CONTAINERS_CONF=$(scripts/setup/podman-host-setup)
    .venv/bin/python tests/judges/record_systemd_argv.py [--image IMAGE] [--keep] [--only CASE,...]

It starts (and removes) a container named ``sdmodel-judge-record``; the data
goes to tests/unit/plugins/module_utils/fixtures/systemd_argv.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "systemd_argv.json"
CONTAINER = "sdmodel-judge-record"
UNIT = "/etc/systemd/system/kubelet.service"
LIB_UNIT = "/usr/lib/systemd/system/kubelet.service"
DROPIN = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
LIB_DROPIN = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
ENV = "/etc/default/kubelet"
FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env"


def unit(body: str) -> str:
    """A minimal kubelet.service with ``body`` in its [Service] section."""
    return "[Unit]\nDescription=judge\n\n[Service]\n" + body


# Each case: id -> the files (absolute path -> text) of one kubelet.service layout.
CASES: dict[str, dict[str, str]] = {
    "braced-variable-is-one-word": {
        UNIT: unit(
            'Environment="KUBELET_CRI_ARGS=--container-runtime=remote --runtime-request-timeout=15m"\n'
            "ExecStart=/usr/bin/kubelet ${KUBELET_CRI_ARGS}\n"
        ),
    },
    "unbraced-variable-splits": {
        UNIT: unit(
            'Environment="KUBELET_CRI_ARGS=--container-runtime=remote  --runtime-request-timeout=15m"\n'
            "ExecStart=/usr/bin/kubelet $KUBELET_CRI_ARGS\n"
        ),
    },
    "unset-braced-variable-is-an-empty-word": {
        UNIT: unit("ExecStart=/usr/bin/kubelet --node-ip ${NODE_IP} --v=2\n"),
    },
    "unset-unbraced-variable-is-no-word": {
        UNIT: unit("ExecStart=/usr/bin/kubelet --node-ip $NODE_IP --v=2\n"),
    },
    "empty-unbraced-variable-is-no-word": {
        UNIT: unit('Environment="EMPTY="\nExecStart=/usr/bin/kubelet $EMPTY --v=2 ${EMPTY}\n'),
    },
    "braced-variable-inside-a-word": {
        UNIT: unit(
            'Environment="IP=10.0.0.1" "PORT=10250"\n'
            "ExecStart=/usr/bin/kubelet --node-ip=${IP} --address=${IP}:${PORT} --x=${UNSET}end\n"
        ),
    },
    "unbraced-variable-inside-a-word": {
        UNIT: unit('Environment="IP=10.0.0.1"\nExecStart=/usr/bin/kubelet --node-ip=$IP pre$IP\n'),
    },
    "braced-variable-with-spaces-inside-a-word": {
        UNIT: unit('Environment="LABELS=a=1 b=2"\nExecStart=/usr/bin/kubelet --node-labels=${LABELS}\n'),
    },
    "dollar-dollar-and-percent-percent": {
        UNIT: unit('Environment="A=x%%y"\nExecStart=/usr/bin/kubelet --a=$$A --b=%% --c=100%%x $$ $${A} --d=$A\n'),
    },
    "specifiers-in-execstart": {
        UNIT: unit("ExecStart=/usr/bin/kubelet --n=%n --N=%N --p=%p --i=%i --t=%t --S=%S --E=%E --C=%C --L=%L\n"),
    },
    "specifier-in-environment-and-not-in-environment-file": {
        UNIT: unit(
            'Environment="A=%n" "B=100%%"\nEnvironmentFile=/etc/default/kubelet\n'
            "ExecStart=/usr/bin/kubelet --a=${A} --b=${B} --c=${C}\n"
        ),
        ENV: "C=%n %%\n",
    },
    "unknown-specifier-drops-the-execstart-line": {
        UNIT: unit("ExecStart=/usr/bin/kubelet --v=1\nExecStart=\nExecStart=/usr/bin/kubelet --v=2 --bad=%z\n"),
    },
    # %s is the manager user's shell from the user database (/bin/bash here): host-dependent, left out
    "more-specifiers-in-execstart": {
        UNIT: unit(
            "ExecStart=/usr/bin/kubelet --P=%P --I=%I --j=%j --J=%J --f=%f --T=%T --V=%V --d=%d --u=%u --U=%U "
            "--g=%g --G=%G --h=%h --y=%y --Y=%Y\n"
        ),
    },
    "at-prefix-sets-argv0": {
        UNIT: unit('Environment="A=--a"\nExecStart=@/usr/bin/kubelet kubelet-renamed --v=2 $A\n'),
    },
    "colon-prefix-no-substitution": {
        UNIT: unit('Environment="A=--a --b"\nExecStart=:/usr/bin/kubelet $A ${A} $$ --n=%n\n'),
    },
    "comment-inside-a-continuation": {
        UNIT: unit(
            "ExecStart=/usr/bin/kubelet \\\n    --v=2 \\\n# --commented=out \\\n; --also=out\n    --after=comment\n"
        ),
    },
    "continuation-joins-with-a-space": {
        UNIT: unit('Environment="A=one\\\n  two"\nExecStart=/usr/bin/kubelet --x=${A} $A\n'),
    },
    "unknown-escape-drops-the-environment-line": {
        UNIT: unit(
            'Environment="KUBELET_CRI_ARGS=--v=1"\n'
            'Environment="FIRST=--first" "KUBELET_CRI_ARGS=--a=\\q --v=3" "LAST=--last"\n'
            "ExecStart=/usr/bin/kubelet $KUBELET_CRI_ARGS $FIRST $LAST\n"
        ),
    },
    "unbalanced-quote-drops-the-environment-line": {
        UNIT: unit('Environment="A=--v=1"\nEnvironment="B=--b" "A=--v=2\nExecStart=/usr/bin/kubelet $A $B\n'),
    },
    "invalid-assignment-is-skipped-alone": {
        UNIT: unit('Environment="A=--a" --oops "B=--b" 9X=1\nExecStart=/usr/bin/kubelet $A $B\n'),
    },
    "known-escapes-in-environment": {
        UNIT: unit(
            'Environment="A=tab\\there" "B=\\x41\\u00e9" "C=s\\sp"\n'
            "ExecStart=/usr/bin/kubelet --a=${A} --b=${B} --c=${C}\n"
        ),
    },
    "quotes-inside-a-variable-value": {
        UNIT: unit(
            'Environment="LABELS=--node-labels=\'a=1 b=2\' --v=2" "ODD=it\'s" "HALF=say \\"hi"\n'
            "ExecStart=/usr/bin/kubelet $LABELS\n"
        ),
    },
    "quotes-inside-a-split-variable-value": {
        UNIT: unit(
            'Environment="ODD=--a=it\'s --b" "Q=--c=\\"x y\\" --d" "BS=--e=a\\\\\\\\ b"\n'
            "ExecStart=/usr/bin/kubelet $ODD $Q $BS\n"
        ),
    },
    "environment-reset": {
        UNIT: unit(
            'Environment="A=--a" "B=--b"\nEnvironment=\nEnvironment="B=--b2"\nExecStart=/usr/bin/kubelet $A $B\n'
        ),
    },
    "later-environment-wins": {
        UNIT: unit('Environment="A=--a1"\nEnvironment="A=--a2"\nExecStart=/usr/bin/kubelet $A\n'),
        DROPIN: '[Service]\nEnvironment="A=--a3"\n',
    },
    "environment-file-overrides-environment": {
        UNIT: unit(
            'EnvironmentFile=/etc/default/kubelet\nEnvironment="A=--from-environment" "B=--b"\n'
            "ExecStart=/usr/bin/kubelet $A $B\n"
        ),
        ENV: "A=--from-file\n",
    },
    "later-environment-file-wins": {
        UNIT: unit(
            "EnvironmentFile=/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\n"
            "EnvironmentFile=-/etc/sysconfig/kubelet\n"
            "ExecStart=/usr/bin/kubelet $A $B\n"
        ),
        FLAGS_ENV: "A=--a-flags\nB=--b-flags\nB=--b-flags-again\n",
        ENV: "A=--a-default\n",
    },
    "environment-file-forms": {
        UNIT: unit(
            "EnvironmentFile=/etc/default/kubelet\n"
            "ExecStart=/usr/bin/kubelet ${A} ${B} ${C} ${D} ${E} ${F} ${G} ${H} ${I} ${J} ${K} ${L} ${M}\n"
        ),
        ENV: (
            "# comment\n"
            "; also a comment\n"
            'A="--x=1 --y=2"\n'
            "B='--z=\"q\" \\n'\n"
            "C=--plain\\ word  \n"
            'D="multi \\\nline"\n'
            "export E=e\n"
            'F=half"quoted\n'
            "G=x #not a comment\n"
            'H="a\\$b\\`c\\"d\\\\e\\qf"\n'
            "  I  =  spaced  \n"
            "J='one'two\"three\"\n"
            "K=cont\\\ninued\n"
            "L=\n"
            "M=last\n"
            'M="wins"\n'
        ),
    },
    "environment-file-bad-lines": {
        UNIT: unit("EnvironmentFile=/etc/default/kubelet\nExecStart=/usr/bin/kubelet ${A} ${B} ${C} ${D}\n"),
        ENV: 'just words\nA=a\n9B=b\nB-C=c\nC=c\nD="unterminated\n',
    },
    "split-variable-from-environment-file": {
        UNIT: unit("EnvironmentFile=/etc/default/kubelet\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n"),
        ENV: 'KUBELET_EXTRA_ARGS="--node-labels=\'a=1 b=2\' --v=2 --x=\\"y z\\""\n',
    },
    "missing-optional-environment-file": {
        UNIT: unit("EnvironmentFile=-/etc/default/kubelet\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS --v=2\n"),
    },
    "execstart-reset-in-dropin-and-packaged-layout": {
        LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
        LIB_DROPIN: (
            "[Service]\n"
            'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf'
            ' --kubeconfig=/etc/kubernetes/kubelet.conf"\n'
            'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\n'
            "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
            "EnvironmentFile=-/etc/default/kubelet\n"
            "ExecStart=\n"
            "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS "
            "$KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n"
        ),
        FLAGS_ENV: 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n',
        ENV: "KUBELET_EXTRA_ARGS=--node-ip=10.0.0.5\n",
    },
    "quoted-words-and-prefixes-in-execstart": {
        UNIT: unit(
            'ExecStart=-/usr/bin/kubelet "--node-labels=a=1 b=2" \'--x=y z\' pre"mid dle"post '
            "--e=\\x41\\t --f=a\\;b ;\n"
        ),
    },
    "environment-file-quote-joins": {
        UNIT: unit(
            "EnvironmentFile=/etc/default/kubelet\nExecStart=/usr/bin/kubelet ${A} ${B} ${C} ${D} ${E} ${F} ${G} ${H}\n"
        ),
        ENV: (
            "A='one'\"two\"\n"
            "B=\"a\"'b'c\n"
            "C=a'b c'd\n"
            'D="x" # after\n'
            "   # indented comment\n"
            "E='unterminated\n"
            "more'\n"
            "F=trailing\\\n"
            'G=  "  lead"\n'
            "H=v1\n"
        ),
    },
    "odd-dollars-and-unknown-specifier-in-environment": {
        UNIT: unit(
            'Environment="A=%z" "B=ok"\nEnvironment="C=  "\n'
            "ExecStart=/usr/bin/kubelet --a=${A} --b=${B} --x=$ --y=a$ --z=${UNCLOSED $C ${C}\n"
        ),
    },
    "indented-comment-inside-a-continuation": {
        UNIT: unit(
            'Environment="A=--a" \\\n  # "B=--b" \\\n  "C=--c"\n'
            "ExecStart=/usr/bin/kubelet \\\n    --v=2 \\\n    # --commented \\\n    $A $B $C\n"
        ),
    },
    "execstart-semicolon-separates-commands": {
        UNIT: unit("ExecStart=/usr/bin/kubelet --v=2 \\; --x ; /bin/true\n"),
    },
    # the splitting rules one scanner (_systemd_unit.iter_words) applies with three flag sets
    "split-variable-backslashes": {
        UNIT: unit('Environment="X=--f=\\\\x41 --g=\\\\q" "BS=--e=c\\\\"\nExecStart=/usr/bin/kubelet $X $BS\n'),
    },
    "execstart-octal-space-and-unknown-escapes": {
        UNIT: unit('ExecStart=/usr/bin/kubelet --o=\\101 --s=a\\sb --u=\\q "--d=x\\"y"\n'),
    },
    "dollar-is-literal-in-environment": {
        UNIT: unit('Environment="A=$B" "B=--b" "C=${B}x"\nExecStart=/usr/bin/kubelet --a=${A} --c=${C} $A\n'),
    },
    "quote-opening-after-the-name-in-environment": {
        UNIT: unit("Environment=A=\"--a b\" B='--c d'\nExecStart=/usr/bin/kubelet ${A} ${B}\n"),
    },
    "continuation-inside-a-quoted-execstart-word": {
        UNIT: unit('ExecStart=/usr/bin/kubelet "--a=x \\\n  y" --v=2\n'),
    },
    "quoted-dollar-word-still-splits": {
        UNIT: unit('Environment="A=--a --b"\nExecStart=/usr/bin/kubelet "$A" \'${A}\'\n'),
    },
}


STUB = "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
# our own sample of what kubeadm writes at join (not from the corpus)
KUBEADM_FLAGS = (
    'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock '
    '--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
)
SYSCONFIG = "/etc/sysconfig/kubelet"


def corpus(name: str) -> dict[str, str]:
    """A corpus file, by name: read at recording and test time, never copied into the repository."""
    return {"corpus": f"kubelet/{name}"}


# Real unit sets of the corpus, installed at their real paths (plus stubs for the units they require).
CORPUS_CASES: dict[str, dict[str, Any]] = {
    "corpus-eks-al2-docker": {
        UNIT: corpus("eks-al2-kubelet-docker.service"),
        "/run/systemd/system/docker.service": STUB,
        "/etc/eks/kubelet/environment": "KUBELET_ARGS=--node-ip=10.0.0.7\n",
    },
    "corpus-eks-al2023-nodeadm": {
        UNIT: corpus("eks-al2023-nodeadm-kubelet.service"),
        "/etc/eks/kubelet/environment": 'NODEADM_KUBELET_ARGS="--node-ip=10.0.0.7 --hostname-override=ip-10-0-0-7"\n',
        "/etc/systemd/system/kubelet.service.d/environment.conf": corpus(
            "eks-nodeadm-e2e-expected-environment-dropin.conf"
        ),
    },
    "corpus-fedora-contrib": {
        UNIT: corpus("k8s-contrib-fedora-init-kubelet.service"),
        "/etc/kubernetes/kubelet": corpus("k8s-contrib-fedora-etc-kubernetes-kubelet.env"),
        "/run/systemd/system/docker.service": STUB,
        "/var/lib/kubelet/config.yaml": "",
    },
    "corpus-krel-rpm": {
        LIB_UNIT: corpus("k8s-release-krel-kubelet.service"),
        LIB_DROPIN: corpus("k8s-release-krel-rpm-10-kubeadm.conf"),
        SYSCONFIG: corpus("k8s-release-krel-sysconfig-kubelet.env"),
        FLAGS_ENV: KUBEADM_FLAGS,
    },
    "corpus-kubepkg-deb": {
        LIB_UNIT: corpus("k8s-release-krel-kubelet.service"),
        LIB_DROPIN: corpus("k8s-release-kubepkg-deb-10-kubeadm.conf"),
        ENV: "KUBELET_EXTRA_ARGS=--node-labels=zone=a,rack=7 --v=2\n",
        FLAGS_ENV: KUBEADM_FLAGS,
    },
    "corpus-kubeadm-2017-etc-layout": {
        LIB_UNIT: corpus("k8s-release-krel-kubelet.service"),
        DROPIN: corpus("k8s-release-2017-xenial-post-1.8-10-kubeadm.conf"),
    },
    "corpus-kind": {
        UNIT: corpus("kind-base-kubelet.service"),
        DROPIN: corpus("kind-base-10-kubeadm.conf"),
        "/etc/systemd/system/kubelet.service.d/11-kind.conf": corpus("kind-base-11-kind.conf"),
        ENV: corpus("kind-base-etc-default-kubelet.env"),
        FLAGS_ENV: KUBEADM_FLAGS,
        "/var/lib/kubelet/config.yaml": "",
    },
    "corpus-kubekey": {
        UNIT: corpus("kubekey-kubelet.service"),
        DROPIN: corpus("kubekey-10-kubeadm-dropin.rendered.conf"),
        ENV: "KUBELET_EXTRA_ARGS=--v=4\n",
        FLAGS_ENV: KUBEADM_FLAGS,
    },
    "corpus-image-builder": {
        LIB_UNIT: corpus("k8s-release-krel-kubelet.service"),
        LIB_DROPIN: corpus("image-builder-10-kubeadm.rendered.conf"),
        "/usr/lib/systemd/system/kubelet.service.d/11-resource-sizing.conf": corpus(
            "image-builder-11-resource-sizing.rendered.conf"
        ),
        SYSCONFIG: "KUBELET_EXTRA_ARGS=--max-pods=50\n",
        ENV: "KUBELET_EXTRA_ARGS=--max-pods=60\n",
        "/run/kubelet/extra-args.env": "KUBELET_EXTRA_ARGS=--max-pods=70 --v=2\n",
        FLAGS_ENV: KUBEADM_FLAGS,
    },
    "corpus-minikube": {
        "/lib/systemd/system/kubelet.service": corpus("k8s-release-krel-kubelet.service"),
        DROPIN: corpus("minikube-10-kubeadm.rendered.conf"),
    },
}
SOCK = "unix:///run/containerd/containerd.sock"
EKS_UNIT = {"corpus": "kubelet/eks-al2-kubelet-containerd.service"}
EKS_STUBS = {
    "/run/systemd/system/containerd.service": STUB,
    "/run/systemd/system/sandbox-image.service": STUB,
}

# Edits: the files, a kubelet_dropin request (DropinRequest's fields); recorded are the argv before,
# the files our edit writes, the argv after, and what a second run would still change.
EDITS: dict[str, dict[str, Any]] = {
    "remove-flag-whose-value-is-a-variable": {
        "files": {
            LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
            DROPIN: (
                '[Service]\nEnvironment="NODE_IP=10.0.0.5" "PODS=50"\nEnvironment="KUBELET_CRI_ARGS=--v=2"\n'
                "ExecStart=\nExecStart=/usr/bin/kubelet --node-ip $NODE_IP --max-pods ${PODS} $KUBELET_CRI_ARGS\n"
            ),
        },
        "request": {"path": DROPIN, "remove": ["node-ip", "max-pods"]},
    },
    "remove-flag-whose-value-is-an-unset-braced-variable": {
        "files": {
            LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
            DROPIN: "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --node-ip ${NODE_IP} --v=2\n",
        },
        "request": {"path": DROPIN, "remove": ["node-ip"]},
    },
    "remove-flag-whose-value-is-in-an-environment-file": {
        "files": {
            LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
            DROPIN: (
                "[Service]\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\n"
                "ExecStart=/usr/bin/kubelet \\\n    --node-ip \\\n    $NODE_IP \\\n    --v=2\n"
            ),
            ENV: "NODE_IP='10.0.0.5'\n",
        },
        "request": {"path": DROPIN, "remove": ["node-ip"], "flags": {"v": 3}},
    },
    "braced-variable-garbage-word-is-replaced": {
        "files": {
            LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
            DROPIN: (
                '[Service]\nEnvironment="KUBELET_CRI_ARGS=--container-runtime=remote --runtime-request-timeout=15m"\n'
                "ExecStart=\nExecStart=/usr/bin/kubelet ${KUBELET_CRI_ARGS}\n"
            ),
        },
        "request": {
            "path": DROPIN,
            "variable": "KUBELET_ARGS",
            "flags": {"container-runtime": "remote", "runtime-request-timeout": "15m"},
        },
    },
    "edit-variable-holding-specifiers": {
        "files": {
            LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
            DROPIN: (
                '[Service]\nEnvironment="ARGS=--node-labels=unit=%N,load=100%%"\n'
                "ExecStart=\nExecStart=/usr/bin/kubelet $ARGS\n"
            ),
        },
        "request": {"path": DROPIN, "variable": "ARGS", "flags": {"v": 2, "eviction-hard": "memory.available<5%"}},
    },
    "remove-literal-flag-across-comment-lines": {
        "files": {
            LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
            DROPIN: (
                "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet \\\n"
                "    --v=2 \\\n"
                "# the node's address:\n"
                "    --node-ip \\\n"
                "    10.0.0.5 \\\n"
                "    --max-pods=50\n"
            ),
        },
        "request": {"path": DROPIN, "remove": ["node-ip"], "flags": {"max-pods": 60}},
    },
    "move-flag-out-of-quoted-environment-file-value": {
        "files": {
            LIB_UNIT: unit("ExecStart=/usr/bin/kubelet\n"),
            DROPIN: (
                "[Service]\nEnvironmentFile=-/etc/default/kubelet\n"
                "ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n"
            ),
            ENV: "KUBELET_EXTRA_ARGS=\"--node-labels='zone=a b' --v=2 --max-pods 50\"\n",
        },
        "request": {"path": DROPIN, "flags": {"v": 4}, "remove": ["max-pods"]},
    },
    "eks-al2-flag-already-in-the-unit": {
        "files": {UNIT: EKS_UNIT, **EKS_STUBS},
        "request": {"path": DROPIN, "unit_path": UNIT, "flags": {"container-runtime-endpoint": SOCK}},
    },
    "eks-al2-flag-already-in-the-unit-and-another-one": {
        "files": {UNIT: EKS_UNIT, **EKS_STUBS},
        "request": {"path": DROPIN, "unit_path": UNIT, "flags": {"container-runtime-endpoint": SOCK, "v": 2}},
    },
}


# ---------------------------------------------------------------------------------------------------
# The part that runs inside the container (python3 of the node image), one case per call.
RUNNER = r"""
import json, os, subprocess, sys, time
case = json.load(sys.stdin)
ARGV = "/run/judge-argv"
def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)
written, made = [], []
def write(path, text, mode=0o644):
    d = os.path.dirname(path)
    todo = []
    while not os.path.isdir(d):
        todo.append(d); d = os.path.dirname(d)
    for d in reversed(todo):
        os.mkdir(d); made.append(d)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    written.append(path)
# the stand-in kubelet: argv NUL-separated (argv[0] first), then it sleeps like a daemon
for STANDIN in case["standins"]:
  write(STANDIN, "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" > " + ARGV + ".tmp\nmv " + ARGV + ".tmp " + ARGV
        + "\nexec sleep infinity\n", 0o755)
# judge-only drop-in: a plain service (no READY=1 needed), nothing run before or after it, no restarts
write("/run/systemd/system/kubelet.service.d/zz-judge.conf",
      "[Service]\nType=simple\nRestart=no\nExecStartPre=\nExecStartPost=\n")
for path, text in case["files"].items():
    write(path, text)
cursor = sh("journalctl", "-n", "0", "--show-cursor", "-q").stdout.strip().split("cursor: ")[-1]
if os.path.exists(ARGV):
    os.unlink(ARGV)
sh("systemctl", "daemon-reload")
start = sh("systemctl", "start", "kubelet.service", check=False)
deadline = time.monotonic() + 10
while start.returncode == 0 and not os.path.exists(ARGV) and time.monotonic() < deadline:
    time.sleep(0.05)
argv = None
if os.path.exists(ARGV):
    with open(ARGV, "rb") as f:
        argv = [w.decode() for w in f.read().split(b"\0")[:-1]]
time.sleep(0.2)
log = sh("journalctl", "-o", "cat", "--no-pager", "--after-cursor", cursor, "_PID=1", check=False).stdout
warnings = [ln for ln in log.splitlines() if "kubelet.service" in ln and ":" in ln
            and not ln.startswith(("Starting", "Finished", "Stopped", "Started"))
            and "Deactivated successfully" not in ln and "Reloading" not in ln]
sh("systemctl", "stop", "kubelet.service", check=False)
sh("systemctl", "reset-failed", "kubelet.service", check=False)
for path in reversed(written):
    os.unlink(path)
for d in reversed(made):
    if not os.listdir(d):
        os.rmdir(d)
if os.path.exists(ARGV):
    os.unlink(ARGV)
sh("systemctl", "daemon-reload")
print(json.dumps({"argv": argv, "started": start.returncode == 0, "systemd_log": warnings}))
"""


def podman(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], check=True, capture_output=True, text=True, **kwargs)


def node_image() -> str:
    return subprocess.run(
        [str(ROOT / "scripts" / "setup" / "node-image"), "bookworm"], check=True, capture_output=True, text=True
    ).stdout.strip()


def start_container(image: str) -> None:
    podman("rm", "-f", CONTAINER)
    podman(
        "run",
        "-d",
        "--name",
        CONTAINER,
        "--privileged",
        "--cgroupns=private",
        "--systemd=always",
        "--runtime",
        "runc",
        image,
        "/usr/local/sbin/cri-node-init",
    )
    deadline = time.monotonic() + 60
    while True:
        state = subprocess.run(
            ["podman", "exec", CONTAINER, "systemctl", "is-system-running"], check=False, capture_output=True, text=True
        ).stdout.strip()
        if state in ("running", "degraded"):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{CONTAINER}: systemd did not finish booting ({state})")
        time.sleep(1)


def record(name: str, files: dict[str, str]) -> dict[str, Any]:
    standins = sorted(
        {"/usr/bin/kubelet", *re.findall(r"^ExecStart=[-@:+!]*(/\S*/kubelet)\b", "\n".join(files.values()), re.M)}
    )
    payload = json.dumps({"files": files, "standins": standins})
    out = podman("exec", "-i", CONTAINER, "python3", "-c", RUNNER, input=payload)
    result = json.loads(out.stdout)
    return {"id": name, "files": files, **result}


def corpus_dir() -> Path:
    return Path(os.environ.get("CRI_CORPUS_DIR") or (ROOT / ".." / "shared" / "corpus")).resolve()


def resolve_files(files: dict[str, Any]) -> dict[str, str]:
    """Case files with corpus references read from the corpus (never copied into the repository)."""
    out = {}
    for path, text in files.items():
        out[path] = (corpus_dir() / text["corpus"]).read_text() if isinstance(text, dict) else text
    return out


def stored_files(files: dict[str, Any]) -> dict[str, Any]:
    """Case files as stored: corpus references carry the sha256 of the file they were recorded with."""
    out: dict[str, Any] = {}
    for path, text in files.items():
        if isinstance(text, dict):
            digest = hashlib.sha256((corpus_dir() / text["corpus"]).read_bytes()).hexdigest()
            out[path] = {"corpus": text["corpus"], "sha256": digest}
        else:
            out[path] = text
    return out


def our_edit(files: dict[str, str], request: dict[str, Any]) -> tuple[dict[str, str], list[str], str | None]:
    """Run the collection's editor on ``files``: (texts it writes, paths a second run changes, error)."""
    tree = Path(tempfile.mkdtemp(prefix="record-argv-"))
    (tree / "ansible_collections" / "cri").mkdir(parents=True)
    os.symlink(ROOT, tree / "ansible_collections" / "cri" / "runtimes")
    sys.path.insert(0, str(tree))
    from ansible_collections.cri.runtimes.plugins.module_utils._kubelet import KubeletError
    from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_dropin import (
        DropinRequest,
        edit_dropin,
    )

    current = dict(files)

    def listdir(directory: str) -> list[str]:
        prefix = directory.rstrip("/") + "/"
        return sorted(p[len(prefix) :] for p in current if p.startswith(prefix) and "/" not in p[len(prefix) :])

    try:
        first = edit_dropin(DropinRequest(**request), current.get, listdir)
    except KubeletError as exc:
        return {}, [], str(exc)
    written = {p: t for p, t in first.texts_after.items() if t != (current.get(p) or "")}
    current.update(written)
    second = edit_dropin(DropinRequest(**request), current.get, listdir)
    return written, second.changed_paths, None


def record_edit(name: str, case: dict[str, Any]) -> dict[str, Any]:
    files = resolve_files(case["files"])
    before = record(name, files)
    written, again, error = our_edit(files, case["request"])
    entry = {
        "id": name,
        "files": stored_files(case["files"]),
        "request": case["request"],
        "argv": before["argv"],
        "error": error,
        "files_after": written,
        "second_run_changes": again,
    }
    if error is None:
        after = record(name, {**files, **written})
        entry["argv_after"] = after["argv"]
    return entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", help="node image (default: scripts/setup/node-image bookworm)")
    parser.add_argument("--keep", action="store_true", help="keep the container afterwards")
    parser.add_argument("--only", help="record only these cases (comma-separated), print them, write no data")
    args = parser.parse_args()
    image = args.image or node_image()
    start_container(image)
    try:
        version = podman("exec", CONTAINER, "systemctl", "--version").stdout.splitlines()[0]
        if args.only:
            for name in args.only.split(","):
                if name in EDITS:
                    got = record_edit(name, EDITS[name])
                else:
                    got = record(name, resolve_files({**CASES, **CORPUS_CASES}[name]))
                print(json.dumps(got, indent=1))
            return 0
        cases = [record(name, files) for name, files in CASES.items()]
        cases += [
            {**record(name, resolve_files(files)), "files": stored_files(files)} for name, files in CORPUS_CASES.items()
        ]
        edits = [record_edit(name, case) for name, case in EDITS.items()]
    finally:
        if not args.keep:
            podman("rm", "-f", CONTAINER)
    data = {
        "comment": "Recorded by tests/judges/record_systemd_argv.py: the argv real systemd gave a stand-in "
        "/usr/bin/kubelet (argv[0] first; null: the unit did not start). Do not edit by hand.",
        "systemd": version,
        "image": image,
        "cases": cases,
        "edits": edits,
    }
    DATA.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"{DATA.relative_to(ROOT)}: {len(cases)} cases and {len(edits)} edits recorded with {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
