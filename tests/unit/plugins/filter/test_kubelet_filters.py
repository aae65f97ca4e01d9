# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's filters; containerd's SystemdCgroup is read from the real ``containerd config dump``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.filter import kubelet as filters

SOCK = "unix:///run/containerd/containerd.sock"


def dump(tmp_path: Path, config: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(config)
    proc = subprocess.run(
        ["containerd", "--config", str(path), "config", "dump"], capture_output=True, text=True, check=True
    )
    return proc.stdout


@pytest.mark.containerd
@pytest.mark.skipif(shutil.which("containerd") is None, reason="containerd is not installed")
@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("version = 2\n", False),  # containerd's default
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
            "  SystemdCgroup = true\n",
            True,
        ),
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "crun"\n'
            '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]\n  runtime_type = "io.containerd.runc.v2"\n'
            '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]\n  SystemdCgroup = true\n'
            '  BinaryName = "crun"\n',
            True,
        ),
    ],
)
def test_containerd_systemd_cgroup_from_a_real_dump(tmp_path: Path, config: str, expected: bool) -> None:
    assert filters.containerd_systemd_cgroup_filter(dump(tmp_path, config)) is expected


def test_containerd_systemd_cgroup_errors() -> None:
    with pytest.raises(AnsibleFilterError, match="not valid TOML"):
        filters.containerd_systemd_cgroup_filter("version = = 2")
    with pytest.raises(AnsibleFilterError, match="no CRI plugin table"):
        filters.containerd_systemd_cgroup_filter('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n')


def test_kubelet_cri_plan_filter() -> None:
    plan = filters.kubelet_cri_plan(
        "Kubernetes v1.20.2",
        {"container_runtime_endpoint": SOCK, "runtime_request_timeout": "15m", "cgroup_driver": "cgroupfs"},
        config_in_use=True,
    )
    assert plan == {
        "version": "v1.20.2",
        "flags": {"container-runtime": "remote", "container-runtime-endpoint": SOCK},
        # no image endpoint of its own: a stale --image-service-endpoint goes (1.20 has no such config field)
        "remove_flags": ["runtime-request-timeout", "cgroup-driver", "image-service-endpoint"],
        "config": {"runtimeRequestTimeout": "15m", "cgroupDriver": "cgroupfs"},
        "remove_config": [],
        "placement": {
            "container_runtime_endpoint": "flag",
            "runtime_request_timeout": "config",
            "cgroup_driver": "config",
        },
    }
    with pytest.raises(AnsibleFilterError, match="kubelet_cri_plan: runtime_request_timeout '1m' is below the floor"):
        filters.kubelet_cri_plan("1.20.2", {"runtime_request_timeout": "1m"})


def test_kubelet_cgroup_driver_filter() -> None:
    assert filters.kubelet_cgroup_driver_filter(["--cgroup-driver=systemd"], None) == {
        "driver": "systemd",
        "source": "flag --cgroup-driver",
        "from_cri": False,
    }
    # kubelet 1.34+ with containerd 2.x: the runtime's driver, whatever the flag says (KEP-4033)
    got = filters.kubelet_cgroup_driver_filter(
        ["--cgroup-driver=systemd"], None, "v1.34.0", "2.1.9", runtime_driver="cgroupfs"
    )
    assert got["driver"] == "cgroupfs"
    assert got["from_cri"] is True
    with pytest.raises(AnsibleFilterError, match="kubelet_cgroup_driver: cannot read a containerd version"):
        filters.kubelet_cgroup_driver_filter([], None, "v1.34.0", "containerd", runtime_driver="systemd")
    assert filters.FilterModule().filters()["kubelet_cgroup_driver"] is filters.kubelet_cgroup_driver_filter


@pytest.mark.parametrize(
    ("kubelet", "containerd", "refused"),
    [
        # what the containerd role's guard feeds in: `kubelet --version` and containerd_version
        ("Kubernetes v1.20.2", "2.1.9", "kubelet v1.20.2 with containerd v2.1.9 cannot work: containerd 2.0 removed"),
        ("Kubernetes v1.20.2", "containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6", ""),
        ("Kubernetes v1.23.0", "2.3.6", ""),
        ("Kubernetes v1.36.1", "1.7.36", "kubelet v1.36.1 with containerd v1.7.36 cannot work: kubelet 1.36+"),
        ("Kubernetes v1.36.1", "2.0.13", ""),
    ],
)
def test_kubelet_runtime_pair(kubelet: str, containerd: str, refused: str) -> None:
    problem = filters.kubelet_runtime_pair(kubelet, containerd)
    assert problem.startswith(refused) if refused else problem == ""
    assert bool(problem) == bool(refused)
