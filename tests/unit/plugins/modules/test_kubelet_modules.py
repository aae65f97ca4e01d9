# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubelet_dropin and kubelet_config through main(), on real files in tmp_path."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from unittest import mock

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.cri.runtimes.plugins.modules import kubelet_config, kubelet_dropin

from .runner import ModuleFail, run_module

FIXTURES = Path(__file__).parents[1] / "module_utils" / "fixtures" / "kubelet"
SOCK = "unix:///run/containerd/containerd.sock"


@pytest.fixture
def node(tmp_path: Path) -> dict[str, Path]:
    """A kubeadm-style layout under tmp_path: unit, drop-in, kubeadm-flags.env from an old cluster."""
    unit_dir = tmp_path / "system"
    dropin_dir = unit_dir / "kubelet.service.d"
    dropin_dir.mkdir(parents=True)
    flags_env = tmp_path / "kubeadm-flags.env"
    flags_env.write_text((FIXTURES / "kubeadm-flags-old.env").read_text())
    (unit_dir / "kubelet.service").write_text((FIXTURES / "kubelet.service").read_text())
    dropin = dropin_dir / "10-kubeadm.conf"
    dropin.write_text(
        (FIXTURES / "10-kubeadm-deb.conf")
        .read_text()
        .replace("/var/lib/kubelet/kubeadm-flags.env", str(flags_env))
        .replace("/etc/default/kubelet", str(tmp_path / "default-kubelet"))
    )
    return {"dropin": dropin, "env": flags_env, "root": tmp_path}


def test_dropin_four_runs(node: dict[str, Path]) -> None:
    args = {
        "path": str(node["dropin"]),
        "flags": {"container-runtime-endpoint": SOCK, "runtime-request-timeout": "15m"},
        "kubelet_version": "v1.27.1",
    }
    before = node["dropin"].read_text(), node["env"].read_text()
    first = run_module(kubelet_dropin.main, args, check=True, diff=True)
    assert first["changed"]
    assert first["daemon_reload_needed"]
    assert first["restart_needed"]
    assert (node["dropin"].read_text(), node["env"].read_text()) == before  # check mode wrote nothing
    assert first["removed_unsupported"] == ["container-runtime"]
    assert len(first["diff"]) == 2
    assert sorted(d["before_header"] for d in first["diff"]) == sorted([str(node["env"]), str(node["dropin"])])

    second = run_module(kubelet_dropin.main, args)
    assert second["changed"]
    assert second["kubelet_version"] == "v1.27.1"
    assert "--container-runtime" not in node["env"].read_text().replace("--container-runtime-endpoint", "")
    # the endpoint was already as asked in the environment file: it stays there, once
    assert f"--container-runtime-endpoint={SOCK}" in node["env"].read_text()
    assert "KUBELET_CRI_ARGS=--runtime-request-timeout=15m" in node["dropin"].read_text()
    assert second["effective_flags"].count(f"--container-runtime-endpoint={SOCK}") == 1
    assert second["effective_args"].count(f"--container-runtime-endpoint={SOCK}") == 1
    assert "--runtime-request-timeout=15m" in second["effective_args"]

    for check in (True, False):
        again = run_module(kubelet_dropin.main, args, check=check)
        assert not again["changed"]
        assert not again["daemon_reload_needed"]
        assert not again["restart_needed"]


def test_dropin_backup_and_mode(node: dict[str, Path]) -> None:
    result = run_module(
        kubelet_dropin.main,
        {"path": str(node["dropin"]), "flags": {"v": 2}, "backup": True, "mode": "0640"},
    )
    assert result["changed"]
    backup = result["backup_files"][str(node["dropin"])]
    assert "KUBELET_CRI_ARGS" not in Path(backup).read_text()
    assert stat.S_IMODE(os.stat(node["dropin"]).st_mode) == 0o640


def test_dropin_reads_the_version_from_the_execstart_binary(node: dict[str, Path]) -> None:
    fake = node["root"] / "kubelet"
    fake.write_text("#!/bin/sh\necho 'Kubernetes v1.28.0'\n")
    fake.chmod(0o755)
    node["dropin"].write_text(node["dropin"].read_text().replace("/usr/bin/kubelet", str(fake)))
    result = run_module(kubelet_dropin.main, {"path": str(node["dropin"])}, check=True)
    assert result["kubelet_version"] == "v1.28.0"
    assert result["removed_unsupported"] == ["container-runtime"]
    assert result["changed"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"flags": {"container runtime": "remote"}}, "is not a kubelet flag name"),
        ({"flags": {"node-labels": 'zone="a'}}, 'unbalanced " quote'),
        ({"flags": {"container-runtime": "remote"}, "kubelet_version": "1.27.0"}, "was removed in kubelet v1.27.0"),
    ],
)
def test_dropin_bad_input_leaves_files_alone(node: dict[str, Path], args: dict, message: str) -> None:
    before = node["dropin"].read_bytes(), node["env"].read_bytes()
    with pytest.raises(ModuleFail, match=message):
        run_module(kubelet_dropin.main, {"path": str(node["dropin"]), **args})
    assert (node["dropin"].read_bytes(), node["env"].read_bytes()) == before


def test_dropin_removes_pod_infra_image_from_kubeadm_flags_env_for_1_35(node: dict[str, Path]) -> None:
    """kubeadm wrote --pod-infra-container-image into kubeadm-flags.env; kubelet 1.35 refuses it (#133779)."""
    args = {"path": str(node["dropin"]), "kubelet_version": "1.35.0"}
    before = node["dropin"].read_bytes(), node["env"].read_bytes()
    preview = run_module(kubelet_dropin.main, args, check=True, diff=True)
    assert (node["dropin"].read_bytes(), node["env"].read_bytes()) == before  # check mode wrote nothing
    assert preview["changed"]
    assert preview["removed_unsupported"] == ["container-runtime", "pod-infra-container-image"]
    assert preview["changed_files"] == [str(node["env"])]  # the file that really carries it
    (diff,) = preview["diff"]
    assert diff["before_header"] == str(node["env"])
    assert "--pod-infra-container-image=k8s.gcr.io/pause:3.5" in diff["before"]
    assert "pod-infra-container-image" not in diff["after"]
    assert [f for f in preview["found"] if f["flag"] == "pod-infra-container-image"] == [
        {
            "flag": "pod-infra-container-image",
            "value": "k8s.gcr.io/pause:3.5",
            "path": str(node["env"]),
            "line": 1,
            "variable": "KUBELET_KUBEADM_ARGS",
        }
    ]
    done = run_module(kubelet_dropin.main, args)
    assert done["changed"]
    assert node["env"].read_text() == f'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint={SOCK}"\n'
    assert node["dropin"].read_bytes() == before[0]
    for check in (True, False):
        assert not run_module(kubelet_dropin.main, args, check=check)["changed"]


def test_dropin_warns_about_pod_infra_image_before_1_35(node: dict[str, Path]) -> None:
    """From 1.24 (#108045) the flag is deprecated: kept (the kubelet still starts), with a warning naming the file."""
    warnings: list[str] = []
    with mock.patch.object(basic.AnsibleModule, "warn", lambda _self, text: warnings.append(text)):
        result = run_module(kubelet_dropin.main, {"path": str(node["dropin"]), "kubelet_version": "1.34.2"}, check=True)
    assert result["removed_unsupported"] == ["container-runtime"]
    (warning,) = [w for w in warnings if "pod-infra-container-image" in w]
    assert warning.startswith(f"--pod-infra-container-image ({node['env']}: line 1 (variable KUBELET_KUBEADM_ARGS))")
    assert "deprecated since kubelet v1.24.0 and kubelet v1.35.0 refuses to start with it" in warning


@pytest.mark.parametrize("how", ["version", "binary"])
def test_dropin_version_guard_refuses_before_writing(node: dict[str, Path], how: str) -> None:
    """kubelet 1.20 cannot use containerd 2.x (no CRI v1alpha2): refused, naming both versions, nothing written."""
    fake = node["root"] / "containerd"
    fake.write_text("#!/bin/sh\necho 'containerd github.com/containerd/containerd/v2 2.1.9+unknown '\n")
    fake.chmod(0o755)
    args = {"path": str(node["dropin"]), "kubelet_version": "v1.20.2", "flags": {"v": 2}}
    args.update({"containerd_version": "2.1.9"} if how == "version" else {"containerd_binary": str(fake)})
    before = node["dropin"].read_bytes(), node["env"].read_bytes()
    with pytest.raises(ModuleFail) as err:
        run_module(kubelet_dropin.main, args)
    assert err.value.result["msg"].startswith("kubelet v1.20.2 with containerd v2.1.9 cannot work")
    assert "kubelet v1.20.2 runs only against containerd 1.6/1.7" in err.value.result["msg"]
    assert (node["dropin"].read_bytes(), node["env"].read_bytes()) == before
    fake.write_text("#!/bin/sh\necho 'containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6'\n")
    args.pop("containerd_version", None)
    args["containerd_binary"] = str(fake)
    assert run_module(kubelet_dropin.main, args, check=True)["containerd_version"] == "v1.7.24"
    args["containerd_binary"] = str(node["root"] / "not-installed")
    assert run_module(kubelet_dropin.main, args, check=True)["containerd_version"] is None


def test_dropin_malformed_file_is_named(node: dict[str, Path]) -> None:
    node["dropin"].write_text('[Service]\nExecStart=\nExecStart=/usr/bin/kubelet "$A\n')
    with pytest.raises(ModuleFail) as err:
        run_module(kubelet_dropin.main, {"path": str(node["dropin"]), "flags": {"v": 2}})
    assert f"{node['dropin']}: line 3: ExecStart=: unbalanced" in err.value.result["msg"]


CONFIG = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
cgroupDriver: systemd
runtimeRequestTimeout: 15m0s
"""


def test_config_four_runs(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG)
    args = {"path": str(path), "settings": {"containerRuntimeEndpoint": SOCK, "runtimeRequestTimeout": "15m"}}
    first = run_module(kubelet_config.main, args, check=True, diff=True)
    assert first["changed"]
    assert first["restart_needed"]
    assert path.read_text() == CONFIG
    assert "containerRuntimeEndpoint" in first["diff"]["after"]
    second = run_module(kubelet_config.main, args)
    assert second["changed"]
    data = yaml.safe_load(path.read_text())
    assert data["containerRuntimeEndpoint"] == SOCK
    assert data["runtimeRequestTimeout"] == "15m0s"  # equal duration: kept as written
    assert list(data)[:2] == ["apiVersion", "kind"]
    for check in (True, False):
        again = run_module(kubelet_config.main, args, check=check)
        assert not again["changed"]
        assert not again["restart_needed"]


def test_config_new_file_and_remove(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.yaml"
    result = run_module(kubelet_config.main, {"path": str(path), "settings": {"cgroupDriver": "cgroupfs"}}, check=True)
    assert result["changed"]
    assert not path.exists()
    result = run_module(kubelet_config.main, {"path": str(path), "settings": {"cgroupDriver": "cgroupfs"}})
    assert yaml.safe_load(path.read_text()) == {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cgroupDriver": "cgroupfs",
    }
    removed = run_module(kubelet_config.main, {"path": str(path), "remove": ["cgroupDriver"]})
    assert removed["changed"]
    assert "cgroupDriver" not in yaml.safe_load(path.read_text())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: KubeletConfiguration\nfoo: [1, 2\n", "not valid YAML"),
        ("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n", "not KubeletConfiguration"),
        ("- a\n- b\n", "expected a KubeletConfiguration mapping"),
        # the v1 group version holds only CredentialProviderConfig: a KubeletConfiguration is v1beta1 only
        (
            "apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n",
            r"config\.yaml: apiVersion 'kubelet\.config\.k8s\.io/v1' \(that group version holds only "
            r"CredentialProviderConfig\): a KubeletConfiguration is kubelet\.config\.k8s\.io/v1beta1 only",
        ),
    ],
)
def test_config_bad_file_untouched(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ModuleFail, match=message) as err:
        run_module(kubelet_config.main, {"path": str(path), "settings": {"cgroupDriver": "systemd"}})
    assert str(path) in err.value.result["msg"]
    assert path.read_text() == text
