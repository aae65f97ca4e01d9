# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drop-in editor over real-world kubelet unit layouts (kubeadm deb/rpm, pre-1.11, hand-edited)."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._kubelet import KubeletError
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_dropin import (
    DropinRequest,
    DropinResult,
    edit_dropin,
)

from .kubelet_files import SOCK, FakeFiles, fixture

DROPIN = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
RPM_DROPIN = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
UNIT = "/lib/systemd/system/kubelet.service"
FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env"
CLASSIC = {"container-runtime": "remote", "container-runtime-endpoint": SOCK, "runtime-request-timeout": "15m"}


class FakeFS(FakeFiles):
    def edit(self, **kwargs: Any) -> DropinResult:
        kwargs.setdefault("path", DROPIN)
        return edit_dropin(DropinRequest(**kwargs), self.read, self.listdir)

    def apply(self, result: DropinResult) -> None:
        self.write(result.texts_after)


def count(flags: list[str], name: str) -> int:
    return sum(1 for f in flags if f == f"--{name}" or f.startswith(f"--{name}="))


def test_kubeadm_deb_old_cluster_upgraded_to_1_27() -> None:
    """kubeadm-flags.env from an old cluster carries --container-runtime=remote: 1.27 would not start."""
    fs = FakeFS(
        {
            DROPIN: fixture("10-kubeadm-deb.conf"),
            UNIT: fixture("kubelet.service"),
            FLAGS_ENV: fixture("kubeadm-flags-old.env"),
        }
    )
    result = fs.edit(flags={"container-runtime-endpoint": SOCK}, version=(1, 27, 3))
    assert result.removed_unsupported == ["container-runtime"]
    assert {(f["flag"], f["path"]) for f in result.found} == {
        ("container-runtime", FLAGS_ENV),
        ("container-runtime-endpoint", FLAGS_ENV),
    }
    # --container-runtime goes; the endpoint is already as asked where kubeadm put it: it stays there
    assert result.texts_after[FLAGS_ENV] == (
        f'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint={SOCK} --pod-infra-container-image=k8s.gcr.io/pause:3.5"\n'
    )
    assert result.texts_after[DROPIN] == fixture("10-kubeadm-deb.conf")
    assert count(result.effective_after, "container-runtime-endpoint") == 1
    assert count(result.effective_after, "container-runtime") == 0
    assert not result.dropin_changed
    assert result.changed_paths == [FLAGS_ENV]
    fs.apply(result)
    again = fs.edit(flags={"container-runtime-endpoint": SOCK}, version=(1, 27, 3))
    assert again.changed_paths == []
    assert not again.dropin_changed
    # a different endpoint moves it into our variable, referenced from the drop-in's ExecStart=
    moved = fs.edit(flags={"container-runtime-endpoint": "unix:///run/crio/crio.sock"}, version=(1, 27, 3))
    after = moved.texts_after[DROPIN]
    assert 'Environment="KUBELET_CRI_ARGS=--container-runtime-endpoint=unix:///run/crio/crio.sock"\n' in after
    assert after.endswith("$KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS $KUBELET_CRI_ARGS\n")
    original = fixture("10-kubeadm-deb.conf").splitlines()
    kept = [ln for ln in after.splitlines() if ln in original]
    assert kept == [ln for ln in original if not ln.startswith("ExecStart=/usr/bin/kubelet")]
    assert moved.texts_after[FLAGS_ENV] == 'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=k8s.gcr.io/pause:3.5"\n'


def test_kubeadm_rpm_flag_in_sysconfig_moves_into_our_variable() -> None:
    sysconfig = "/etc/sysconfig/kubelet"
    fs = FakeFS(
        {
            RPM_DROPIN: fixture("10-kubeadm-rpm.conf"),
            "/usr/lib/systemd/system/kubelet.service": fixture("kubelet.service"),
            sysconfig: "KUBELET_EXTRA_ARGS=--runtime-request-timeout=2m\n",
        }
    )
    result = fs.edit(path=RPM_DROPIN, flags=CLASSIC, version=(1, 20, 2))
    assert result.unit_path == "/usr/lib/systemd/system/kubelet.service"
    assert result.texts_after[sysconfig] == 'KUBELET_EXTRA_ARGS=""\n'
    assert result.effective_after[-3:] == [
        "--container-runtime=remote",
        f"--container-runtime-endpoint={SOCK}",
        "--runtime-request-timeout=15m",
    ]
    assert result.conflicts == []


def test_kubeadm_rpm_keeps_sysconfig_when_not_allowed_and_reports_the_conflict() -> None:
    sysconfig = "/etc/sysconfig/kubelet"
    fs = FakeFS(
        {RPM_DROPIN: fixture("10-kubeadm-rpm.conf"), sysconfig: "KUBELET_EXTRA_ARGS=--runtime-request-timeout=2m\n"}
    )
    with pytest.raises(KubeletError) as err:
        fs.edit(path=RPM_DROPIN, flags=CLASSIC, edit_environment_files=False)
    assert "flag --runtime-request-timeout is also set where this module may not edit it" in str(err.value)
    assert "/etc/sysconfig/kubelet: line 1 (variable KUBELET_EXTRA_ARGS): --runtime-request-timeout=2m" in str(
        err.value
    )
    # the same value there is fine: the flag stays where it is, once
    fs.files[sysconfig] = "KUBELET_EXTRA_ARGS=--runtime-request-timeout=15m0s\n"
    result = fs.edit(path=RPM_DROPIN, flags=CLASSIC, edit_environment_files=False)
    assert sysconfig not in result.texts_after
    assert count(result.effective_after, "runtime-request-timeout") == 1
    assert "--runtime-request-timeout" not in result.texts_after[RPM_DROPIN]


def test_pre_1_11_layout_many_variables() -> None:
    fs = FakeFS({DROPIN: fixture("10-kubeadm-pre111.conf")})
    result = fs.edit(flags=dict(CLASSIC, **{"cgroup-driver": "cgroupfs"}), version=(1, 20, 2))
    after = result.texts_after[DROPIN]
    # flags 1.20 no longer accepts are gone, the variables that held them stay (empty)
    assert sorted(result.removed_unsupported) == ["allow-privileged", "cadvisor-port"]
    assert 'Environment="KUBELET_CADVISOR_ARGS="\n' in after
    assert 'Environment="KUBELET_SYSTEM_PODS_ARGS=--pod-manifest-path=/etc/kubernetes/manifests"\n' in after
    assert 'Environment="KUBELET_CGROUP_ARGS="\n' in after
    assert 'Environment="KUBELET_NETWORK_ARGS=--network-plugin=cni' in after  # still valid in 1.20
    assert count(result.effective_after, "cgroup-driver") == 1
    assert "--cgroup-driver=cgroupfs" in result.effective_after
    new_line = after.splitlines().index(
        'Environment="KUBELET_CRI_ARGS=--container-runtime=remote '
        f'--container-runtime-endpoint={SOCK} --runtime-request-timeout=15m --cgroup-driver=cgroupfs"'
    )
    assert after.splitlines()[new_line - 1].startswith('Environment="KUBELET_CERTIFICATE_ARGS=')
    fs.apply(result)
    assert fs.edit(flags=dict(CLASSIC, **{"cgroup-driver": "cgroupfs"}), version=(1, 20, 2)).changed_paths == []


def test_pre_1_11_layout_on_1_24_drops_dockershim_flags() -> None:
    fs = FakeFS({DROPIN: fixture("10-kubeadm-pre111.conf")})
    result = fs.edit(flags={"container-runtime-endpoint": SOCK}, version=(1, 24, 0))
    assert {"network-plugin", "cni-conf-dir", "cni-bin-dir"} <= set(result.removed_unsupported)
    assert 'Environment="KUBELET_NETWORK_ARGS="\n' in result.texts_after[DROPIN]


def test_hand_edited_continuations_and_several_assignments() -> None:
    fs = FakeFS({DROPIN: fixture("hand-edited.conf")})
    result = fs.edit(flags=CLASSIC, version=(1, 20, 2))
    after = result.texts_after[DROPIN]
    assert after == (
        "; edited by hand on node-3 after the containerd switch\n"
        "[Service]\n"
        'Environment="KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf" '
        "'KUBELET_CGROUP_ARGS=--cgroup-driver=cgroupfs'\n"
        'Environment="KUBELET_EXTRA_ARGS=--node-labels=zone=a \\\n'
        '    --fail-swap-on=false"\n'
        "# the runtime, as the old wiki said\n"
        'Environment="KUBELET_RUNTIME=--container-runtime=remote"\n'
        f'Environment="KUBELET_CRI_ARGS=--container-runtime-endpoint={SOCK} --runtime-request-timeout=15m"\n'
        "ExecStart=\n"
        "ExecStart=/usr/bin/kubelet \\\n"
        "    $KUBELET_KUBECONFIG_ARGS \\\n"
        "    $KUBELET_CGROUP_ARGS \\\n"
        "    $KUBELET_RUNTIME $KUBELET_EXTRA_ARGS $KUBELET_CRI_ARGS\n"
        "Restart=always\n"
    )
    found = {f["flag"]: f for f in result.found}
    assert found["container-runtime-endpoint"]["value"] == "unix:///var/run/dockershim.sock"
    assert found["container-runtime-endpoint"]["variable"] is None  # a literal word of ExecStart=
    assert found["container-runtime-endpoint"]["line"] == 9
    assert found["runtime-request-timeout"] == {
        "flag": "runtime-request-timeout",
        "value": "5m",
        "path": DROPIN,
        "line": 7,
        "variable": "KUBELET_RUNTIME",
    }


def test_caller_named_variable_in_environment_file() -> None:
    default = "/etc/default/kubelet"
    fs = FakeFS({DROPIN: fixture("10-kubeadm-deb.conf"), default: "# local tweaks\nKUBELET_EXTRA_ARGS='--v=2'\n"})
    result = fs.edit(variable="KUBELET_EXTRA_ARGS", flags=CLASSIC, version=(1, 20, 2))
    assert result.texts_after[default] == (
        "# local tweaks\n"
        f"KUBELET_EXTRA_ARGS='--v=2 --container-runtime=remote --container-runtime-endpoint={SOCK} "
        "--runtime-request-timeout=15m'\n"
    )
    assert not result.dropin_changed  # already referenced by ExecStart=


def test_new_dropin_copies_the_unit_execstart() -> None:
    dropin = "/etc/systemd/system/kubelet.service.d/20-cri.conf"
    fs = FakeFS({UNIT: fixture("kubelet.service")})
    result = fs.edit(path=dropin, flags={"container-runtime-endpoint": SOCK, "fail-swap-on": False})
    assert result.texts_before[dropin] is None
    assert result.texts_after[dropin] == (
        "[Service]\n"
        f'Environment="KUBELET_CRI_ARGS=--container-runtime-endpoint={SOCK} --fail-swap-on=false"\n'
        "ExecStart=\n"
        "ExecStart=/usr/bin/kubelet $KUBELET_CRI_ARGS\n"
    )
    assert result.effective_after == [f"--container-runtime-endpoint={SOCK}", "--fail-swap-on=false"]


def test_later_dropin_owning_execstart_is_an_error() -> None:
    fs = FakeFS(
        {
            UNIT: fixture("kubelet.service"),
            "/etc/systemd/system/kubelet.service.d/90-local.conf": (
                "[Service]\nExecStart=\nExecStart=/usr/local/bin/kubelet $LOCAL\n"
            ),
        }
    )
    with pytest.raises(
        KubeletError, match=r"ExecStart= comes from /etc/systemd/system/kubelet.service.d/90-local.conf: line 3"
    ):
        fs.edit(flags={"container-runtime-endpoint": SOCK})
    # naming the variable that drop-in references works: our drop-in defines it
    result = fs.edit(variable="LOCAL", flags={"container-runtime-endpoint": SOCK})
    assert result.texts_after[DROPIN] == f'[Service]\nEnvironment="LOCAL=--container-runtime-endpoint={SOCK}"\n'


def test_unit_literal_flag_conflict_is_an_error() -> None:
    fs = FakeFS({UNIT: "[Service]\nExecStart=/usr/bin/kubelet --runtime-request-timeout=2m\n", DROPIN: ""})
    with pytest.raises(KubeletError, match=r"/lib/systemd/system/kubelet.service: line 2 \(ExecStart=\)"):
        fs.edit(flags={"runtime-request-timeout": "15m"})


def test_repeated_bare_and_removed_flags() -> None:
    fs = FakeFS({DROPIN: fixture("10-kubeadm-deb.conf")})
    result = fs.edit(flags={"--register-with-taints": ["a=b:NoSchedule", "c=d:NoExecute"], "--skip-headers": True})
    fs.apply(result)
    assert result.effective_after == [
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "--config=/var/lib/kubelet/config.yaml",
        "--register-with-taints=a=b:NoSchedule",
        "--register-with-taints=c=d:NoExecute",
        "--skip-headers",
    ]
    assert (
        fs.edit(
            flags={"register-with-taints": ["a=b:NoSchedule", "c=d:NoExecute"], "skip_headers": "true"}
        ).changed_paths
        == []
    )
    changed = fs.edit(flags={"register-with-taints": ["c=d:NoExecute"]})
    assert count(changed.effective_after, "register-with-taints") == 1
    removed = fs.edit(remove=["--skip-headers", "register-with-taints", "config"])
    fs.apply(removed)
    assert removed.effective_after == [
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
    ]
    assert 'Environment="KUBELET_CONFIG_ARGS="\n' in fs.files[DROPIN]


@pytest.mark.parametrize(
    ("dropin", "kwargs", "message"),
    [
        (
            '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet "--v=2\n',
            {},
            r"line 3: ExecStart=: unbalanced \" quote",
        ),
        (
            "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --node-labels=%z\n",
            {},
            r"line 3: ExecStart=: unknown specifier %z",
        ),
        (
            '[Service]\nEnvironment="KUBELET_CRI_ARGS=--v=1"\n'
            "ExecStart=\nExecStart=/usr/bin/kubelet ${KUBELET_CRI_ARGS}\n",
            {},
            r"uses \$\{KUBELET_CRI_ARGS\}, which systemd passes as ONE argument",
        ),
        ("[Service\nExecStart=/usr/bin/kubelet\n", {}, "line 1: malformed section header"),
        (
            "[Service]\nExecStart=/usr/bin/kubelet\nExecStart=/usr/bin/kubelet --v=2\n",
            {},
            "several ExecStart= without a reset",
        ),
        ("[Service]\nRestart=always\n", {}, "no ExecStart= for the kubelet"),
        (
            "[Service]\nExecStart=\nExecStart=:/usr/bin/kubelet $KUBELET_CRI_ARGS\n",
            {},
            "has the ':' prefix: systemd substitutes no variable there",
        ),
        (None, {"flags": {"Container Runtime": "remote"}}, "is not a kubelet flag name"),
        (None, {"flags": {"node-labels": 'a="b'}}, 'unbalanced " quote'),
        (None, {"flags": {"container-runtime": "remote"}, "version": (1, 27, 0)}, "was removed in kubelet v1.27.0"),
        (None, {"flags": {"v": 2}, "remove": ["--v"]}, "both set and removed"),
        (None, {"variable": "9LIVES"}, "not a valid environment variable name"),
    ],
)
def test_bad_input_is_a_clear_error(dropin: str | None, kwargs: dict[str, Any], message: str) -> None:
    fs = FakeFS({DROPIN: dropin if dropin is not None else fixture("10-kubeadm-deb.conf")})
    kwargs.setdefault("flags", {"v": 2})
    with pytest.raises(KubeletError, match=message):
        fs.edit(**kwargs)


def test_what_systemd_ignores_is_a_warning_not_an_error() -> None:
    """systemd 252 ignores these (and logs it); the kubelet still starts, so the edit goes on and says so."""
    dropin = (
        "[Service]\n"
        'Environment="A=--a" --oops "B=it\\qs" "C=--c"\n'
        "EnvironmentFile=/etc/default/kubelet\n"
        "ExecStart=\nExecStart=/usr/bin/kubelet $A $B $C $KUBELET_EXTRA_ARGS\n"
    )
    fs = FakeFS({DROPIN: dropin, "/etc/default/kubelet": "export KUBELET_EXTRA_ARGS=--v=2\n"})
    result = fs.edit(flags={"v": 3})
    assert result.effective_before == ["--a"]
    assert result.effective_after == ["--a", "--v=3"]
    assert result.warnings == [
        f"{DROPIN}: line 2: Environment=: expected NAME=value, got '--oops'; systemd ignores it",
        f'{DROPIN}: line 2: Environment=: unknown escape \\q in: "A=--a" --oops "B=it\\qs" "C=--c"; '
        "systemd ignores the rest of the line (Invalid syntax)",
        "/etc/default/kubelet: line 1: 'export KUBELET_EXTRA_ARGS' is not a valid variable name; "
        "systemd ignores this assignment",
    ]


def test_flag_value_from_a_variable_is_removed_with_the_flag() -> None:
    dropin = (
        '[Service]\nEnvironment="NODE_IP=10.0.0.5 --v=2"\n'
        "ExecStart=\nExecStart=/usr/bin/kubelet \\\n    --node-ip \\\n# the address\\\n    $NODE_IP\n"
    )
    fs = FakeFS({DROPIN: dropin})
    result = fs.edit(remove=["node-ip"])
    assert result.args_before == ["--node-ip", "10.0.0.5", "--v=2"]
    assert result.args_after == ["--v=2"]
    assert result.texts_after[DROPIN] == (
        '[Service]\nEnvironment="NODE_IP=--v=2"\n'
        "ExecStart=\nExecStart=/usr/bin/kubelet \\\n# the address\\\n    $NODE_IP\n"
    )


def test_flag_value_from_a_fixed_place_cannot_be_removed() -> None:
    dropin = "[Service]\nEnvironmentFile=/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet --node-ip $IP\n"
    fs = FakeFS({DROPIN: dropin, "/etc/default/kubelet": "IP=10.0.0.5\n"})
    with pytest.raises(KubeletError, match=r"--node-ip must be removed but is set in /etc/default/kubelet: line 1"):
        fs.edit(remove=["node-ip"], edit_environment_files=False)


def test_missing_required_environment_file_is_reported() -> None:
    dropin = "[Service]\nEnvironmentFile=/etc/kubelet.env\nExecStart=\nExecStart=/usr/bin/kubelet $X\n"
    fs = FakeFS({DROPIN: dropin})
    result = fs.edit(flags={"v": 2})
    assert result.warnings == ["EnvironmentFile /etc/kubelet.env does not exist and has no '-' prefix"]


def test_percent_and_braced_variables() -> None:
    dropin = (
        '[Service]\nEnvironment="ARGS=--hostname-override=node%%1"\nExecStart=\nExecStart=/usr/bin/kubelet ${ARGS}\n'
    )
    fs = FakeFS({DROPIN: dropin})
    result = fs.edit(variable="ARGS", flags={"hostname-override": "node%1"})
    assert result.changed_paths == []
    assert result.effective_after == ["--hostname-override=node%1"]


def test_dropin_without_service_section_gets_one() -> None:
    fs = FakeFS({UNIT: fixture("kubelet.service"), DROPIN: "[Unit]\nAfter=containerd.service"})
    result = fs.edit(flags={"container-runtime-endpoint": SOCK})
    assert result.texts_after[DROPIN] == (
        "[Unit]\nAfter=containerd.service\n\n[Service]\n"
        f'Environment="KUBELET_CRI_ARGS=--container-runtime-endpoint={SOCK}"\n'
        "ExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CRI_ARGS\n"
    )


def test_environment_reset_and_environment_file_precedence() -> None:
    env_file = "/etc/kubelet.env"
    dropin = (
        "[Service]\n"
        'Environment="X=--v=1"\n'
        "Environment=\n"  # resets: X is gone
        "EnvironmentFile=-/etc/kubelet.env\n"
        'Environment="Y=--v=3"\n'  # the environment file overrides Environment=, whatever the order
        "ExecStart=\nExecStart=/usr/bin/kubelet $X $Y\n"
    )
    fs = FakeFS({DROPIN: dropin, env_file: "Y=--v=2\n"})
    result = fs.edit(flags={"v": 4})
    assert result.effective_before == ["--v=2"]
    assert [f["path"] for f in result.found] == [env_file]
    assert result.texts_after[env_file] == 'Y=""\n'
    assert result.effective_after == ["--v=4"]
    with pytest.raises(KubeletError, match=r"/etc/kubelet.env: line 1 \(variable Y\): --v=2"):
        fs.edit(flags={"v": 4}, edit_environment_files=False)


def test_specifiers_in_our_variable_survive_an_edit() -> None:
    dropin = (
        "[Service]\n"
        'Environment="ARGS=--hostname-override=%H --node-labels=unit=%N,load=100%%"\n'
        "ExecStart=\nExecStart=/usr/bin/kubelet $ARGS\n"
    )
    fs = FakeFS({DROPIN: dropin})
    result = fs.edit(variable="ARGS", flags={"v": 2, "eviction-hard": "memory.available<5%"})
    assert result.effective_before == ["--hostname-override=%H", "--node-labels=unit=kubelet,load=100%"]
    assert result.texts_after[DROPIN] == dropin.replace("100%%", "100%% --v=2 --eviction-hard=memory.available<5%%")
    assert result.warnings == [f"{DROPIN}: line 2: Environment=: ARGS: cannot resolve %H here (it depends on the host)"]
    fs.apply(result)
    assert fs.edit(variable="ARGS", flags={"v": 2, "eviction-hard": "memory.available<5%"}).changed_paths == []
