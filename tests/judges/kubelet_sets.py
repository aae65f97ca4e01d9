# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubelet unit sets of ../shared/corpus/kubelet, grouped as their projects install them.

Each set names the files at their REAL paths on a node: the unit, its drop-ins and the
environment files they source. A file is either a corpus file (``corpus:NAME``, byte for
byte) or a small text of ours (labelled in ``ours``: what kubeadm, nodeadm or an operator
writes at run time and no repository holds). Where a project's own unit is not in the
corpus, the official kubelet.service of kubernetes/release stands in for it (said per set).

``microk8s-default-args-kubelet.args`` is not a systemd file: microk8s's snap wrapper reads
it line by line and passes the lines to the kubelet itself, so systemd never builds that
command line and kubelet_dropin does not edit it. It is listed in NOT_SYSTEMD, and the
coverage test fails when a corpus file is neither in a set nor listed there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

USR_UNIT = "/usr/lib/systemd/system/kubelet.service"
USR_DROPIN = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
LIB_UNIT = "/lib/systemd/system/kubelet.service"
ETC_UNIT = "/etc/systemd/system/kubelet.service"
ETC_DROPINS = "/etc/systemd/system/kubelet.service.d"
FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env"
CONFIG_YAML = "/var/lib/kubelet/config.yaml"

# What kubeadm writes at `kubeadm init/join` (cmd/kubeadm/app/phases/kubelet/flags.go): the
# endpoint of the runtime it detected and the sandbox image; ours, not a repository file.
KUBEADM_FLAGS_TODAY = (
    'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock '
    '--pod-infra-container-image=registry.k8s.io/pause:3.9"\n'
)
KUBEADM_FLAGS_DOCKERSHIM = (
    'KUBELET_KUBEADM_ARGS="--network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.2"\n'
)
# kubeadm's /var/lib/kubelet/config.yaml, trimmed (kind's unit has ConditionPathExists= on it).
KUBELET_CONFIG = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
NODEADM_ENV = (
    'NODEADM_KUBELET_ARGS="--node-ip=10.0.0.5 --hostname-override=ip-10-0-0-5.ec2.internal '
    "--config=/etc/kubernetes/kubelet/config.json --config-dir=/etc/kubernetes/kubelet/config.json.d "
    "--kubeconfig=/var/lib/kubelet/kubeconfig "
    '--image-credential-provider-bin-dir=/etc/eks/image-credential-provider"\n'
)

# The 2017 xenial kubeadm layout, judged at the kubelet it shipped with and after an upgrade to 1.20.
XENIAL_2017 = {
    LIB_UNIT: "corpus:k8s-release-krel-kubelet.service",
    f"{ETC_DROPINS}/10-kubeadm.conf": "corpus:k8s-release-2017-xenial-post-1.8-10-kubeadm.conf",
}
XENIAL_2017_OURS = "the unit: kubernetes/release's kubelet.service stands in for the 2017 one (same ExecStart=)"


@dataclass
class UnitSet:
    name: str
    version: str  # what the stand-in kubelet answers to --version
    files: dict[str, str]  # real path -> "corpus:NAME" or text
    binary: str = "/usr/bin/kubelet"
    stubs: list[str] = field(default_factory=list)  # Requires= units the image lacks
    ours: str = ""  # which texts are ours, and stand-ins
    expect_path: str = ""  # the file the module should write the flags into
    # a known defect of the command-line model, fixed elsewhere: the second run may change again
    # (and only that); the test fails once the defect is gone, so that the marker is dropped
    xfail: str = ""

    def corpus_names(self) -> list[str]:
        return [v[len("corpus:") :] for v in self.files.values() if v.startswith("corpus:")]


SETS: list[UnitSet] = [
    UnitSet(
        name="today-kubeadm-deb",
        version="v1.30.0",
        files={
            USR_UNIT: "corpus:k8s-release-krel-kubelet.service",
            USR_DROPIN: "corpus:k8s-release-kubepkg-deb-10-kubeadm.conf",
            "/etc/default/kubelet": "corpus:k8s-release-krel-sysconfig-kubelet.env",
            FLAGS_ENV: KUBEADM_FLAGS_TODAY,
            CONFIG_YAML: KUBELET_CONFIG,
        },
        ours="kubeadm-flags.env and config.yaml as kubeadm 1.30 writes them",
        expect_path="/etc/default/kubelet",
    ),
    UnitSet(
        name="today-kubeadm-rpm",
        version="v1.29.4",
        files={
            USR_UNIT: "corpus:k8s-release-krel-kubelet.service",
            USR_DROPIN: "corpus:k8s-release-krel-rpm-10-kubeadm.conf",
            "/etc/sysconfig/kubelet": "corpus:k8s-release-krel-sysconfig-kubelet.env",
            FLAGS_ENV: KUBEADM_FLAGS_TODAY,
            CONFIG_YAML: KUBELET_CONFIG,
        },
        ours="kubeadm-flags.env and config.yaml as kubeadm writes them",
        expect_path="/etc/sysconfig/kubelet",
    ),
    UnitSet(
        name="old-etc-kubeadm-deb",
        version="v1.20.2",
        files={
            LIB_UNIT: "corpus:k8s-release-krel-kubelet.service",
            f"{ETC_DROPINS}/10-kubeadm.conf": "corpus:k8s-release-kubepkg-deb-10-kubeadm.conf",
            FLAGS_ENV: KUBEADM_FLAGS_DOCKERSHIM,
            CONFIG_YAML: KUBELET_CONFIG,
        },
        ours="kubeadm-flags.env of a dockershim-era node; no /etc/default/kubelet (the module creates it)",
        expect_path="/etc/default/kubelet",
    ),
    UnitSet(
        name="xenial-2017-kubeadm-1.10",
        version="v1.10.13",
        files=XENIAL_2017,
        ours=XENIAL_2017_OURS,
        expect_path=f"{ETC_DROPINS}/20-cri-runtimes.conf",
    ),
    UnitSet(
        name="xenial-2017-kubeadm-upgraded-to-1.20",
        version="v1.20.2",
        files=XENIAL_2017,
        ours=XENIAL_2017_OURS,
        expect_path=f"{ETC_DROPINS}/20-cri-runtimes.conf",
    ),
    UnitSet(
        name="kind",
        version="v1.30.0",
        files={
            ETC_UNIT: "corpus:kind-base-kubelet.service",
            f"{ETC_DROPINS}/10-kubeadm.conf": "corpus:kind-base-10-kubeadm.conf",
            f"{ETC_DROPINS}/11-kind.conf": "corpus:kind-base-11-kind.conf",
            "/etc/default/kubelet": "corpus:kind-base-etc-default-kubelet.env",
            FLAGS_ENV: KUBEADM_FLAGS_TODAY,
            CONFIG_YAML: KUBELET_CONFIG,
        },
        ours="kubeadm-flags.env and config.yaml as kubeadm writes them",
        expect_path="/etc/default/kubelet",
    ),
    UnitSet(
        name="kubekey",
        version="v1.28.0",
        binary="/usr/local/bin/kubelet",
        files={
            ETC_UNIT: "corpus:kubekey-kubelet.service",
            f"{ETC_DROPINS}/10-kubeadm.conf": "corpus:kubekey-10-kubeadm-dropin.rendered.conf",
            CONFIG_YAML: KUBELET_CONFIG,
        },
        ours="config.yaml; no /etc/default/kubelet (the module creates it, keeping KubeKey's KUBELET_EXTRA_ARGS)",
        expect_path="/etc/default/kubelet",
    ),
    UnitSet(
        name="image-builder-capi",
        version="v1.30.0",
        files={
            USR_UNIT: "corpus:k8s-release-krel-kubelet.service",
            USR_DROPIN: "corpus:image-builder-10-kubeadm.rendered.conf",
            "/usr/lib/systemd/system/kubelet.service.d/11-resource-sizing.conf": (
                "corpus:image-builder-11-resource-sizing.rendered.conf"
            ),
            "/etc/default/kubelet": "corpus:k8s-release-krel-sysconfig-kubelet.env",
            CONFIG_YAML: KUBELET_CONFIG,
        },
        ours="the unit: kubernetes/release's kubelet.service (image-builder installs the package's)",
        expect_path="/etc/default/kubelet",
    ),
    UnitSet(
        name="eks-al2-containerd",
        version="v1.29.0",
        files={ETC_UNIT: "corpus:eks-al2-kubelet-containerd.service"},
        stubs=["containerd.service", "sandbox-image.service"],
        expect_path=f"{ETC_DROPINS}/20-cri-runtimes.conf",
        # run 1 copies the unit's ExecStart= (which already holds the endpoint) into our drop-in;
        # run 2 then finds the endpoint there and moves it into KUBELET_CRI_ARGS: issue 10 item 5
    ),
    UnitSet(
        name="eks-al2-docker",
        version="v1.23.17",
        files={ETC_UNIT: "corpus:eks-al2-kubelet-docker.service"},
        stubs=["docker.service"],
        expect_path=f"{ETC_DROPINS}/20-cri-runtimes.conf",
    ),
    UnitSet(
        name="eks-al2023-nodeadm",
        version="v1.30.0",
        files={
            ETC_UNIT: "corpus:eks-al2023-nodeadm-kubelet.service",
            f"{ETC_DROPINS}/environment.conf": "corpus:eks-nodeadm-e2e-expected-environment-dropin.conf",
            "/etc/eks/kubelet/environment": NODEADM_ENV,
        },
        ours="/etc/eks/kubelet/environment as nodeadm writes it at boot",
        expect_path=f"{ETC_DROPINS}/20-cri-runtimes.conf",
    ),
    UnitSet(
        name="fedora-kubernetes-node",
        version="v1.20.2",
        files={
            USR_UNIT: "corpus:k8s-contrib-fedora-init-kubelet.service",
            "/etc/kubernetes/kubelet": "corpus:k8s-contrib-fedora-etc-kubernetes-kubelet.env",
        },
        stubs=["docker.service"],
        expect_path=f"{ETC_DROPINS}/20-cri-runtimes.conf",
    ),
    UnitSet(
        name="minikube",
        version="v1.36.2",
        binary="/var/lib/minikube/binaries/v1.36.2/kubelet",
        files={
            LIB_UNIT: "corpus:k8s-release-krel-kubelet.service",
            f"{ETC_DROPINS}/10-kubeadm.conf": "corpus:minikube-10-kubeadm.rendered.conf",
        },
        ours="the unit: kubernetes/release's kubelet.service stands in for minikube's",
        expect_path=f"{ETC_DROPINS}/20-cri-runtimes.conf",
    ),
]

NOT_SYSTEMD = {
    "microk8s-default-args-kubelet.args": (
        "microk8s's snap wrapper passes this file's lines to the kubelet; no systemd unit builds that command "
        "line, and kubelet_dropin does not edit it"
    ),
}

# Every path any set installs, and what the module may create: removed between sets.
RESET_PATHS = sorted(
    {p for s in SETS for p in s.files}
    | {
        "/etc/systemd/system/kubelet.service.d",
        "/usr/lib/systemd/system/kubelet.service.d",
        "/run/systemd/system/kubelet.service.d",
        "/etc/default/kubelet",
        "/etc/sysconfig",
        "/etc/kubernetes",
        "/etc/eks",
        "/var/lib/kubelet",
        "/var/lib/minikube",
        "/usr/local/bin/kubelet",
        "/usr/bin/kubelet",
        "/run/kubelet-judge",
    }
)
