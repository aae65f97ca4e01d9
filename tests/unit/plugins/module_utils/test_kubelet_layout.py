# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit layout (systemd's search path), placement (extension points, own drop-in) and masking.

systemd itself judges the same cases on real files: tests/judges/test_kubelet_corpus.py.
"""

from __future__ import annotations

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._kubelet import KubeletError, parse_version
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_layout import (
    UNIT_LOAD_PATH,
    UnitLayout,
    check_no_masking,
    masking_warnings,
    parse_systemctl_show,
    search_layout,
    systemctl_layout,
)
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_placement import EditSpec, PlannedEdit, run_edit

from .kubelet_files import FIXTURES, SOCK, FakeFiles

USR = "/usr/lib/systemd/system"
ETC = "/etc/systemd/system"
REQUEST = {"container-runtime-endpoint": SOCK, "runtime-request-timeout": "15m"}


class Node(FakeFiles):
    def layout(self) -> UnitLayout:
        return search_layout("kubelet.service", self.listdir, self.exists, UNIT_LOAD_PATH)

    def edit(self, **kwargs: object) -> PlannedEdit:
        spec = EditSpec(**kwargs)  # type: ignore[arg-type]
        return run_edit(self.layout(), spec, self.node())

    def apply(self, planned: PlannedEdit) -> None:
        self.write({path: planned.result.texts_after[path] for path in planned.result.changed_paths})


def today_deb() -> Node:
    return Node(
        {
            f"{USR}/kubelet.service": (FIXTURES / "kubelet.service").read_text(),
            f"{USR}/kubelet.service.d/10-kubeadm.conf": (FIXTURES / "10-kubeadm-deb.conf").read_text(),
            "/etc/default/kubelet": "KUBELET_EXTRA_ARGS=\n",
            "/var/lib/kubelet/kubeadm-flags.env": 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///x.sock"\n',
        }
    )


def test_search_path_masks_by_name_and_orders_by_name() -> None:
    node = Node(
        {
            f"{USR}/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet\n",
            f"{USR}/kubelet.service.d/10-kubeadm.conf": "",
            f"{USR}/kubelet.service.d/30-late.conf": "",
            f"{ETC}/kubelet.service.d/10-kubeadm.conf": "",
            "/run/systemd/system/kubelet.service.d/20-run.conf": "",
            f"{USR}/service.d/05-all-services.conf": "",
            f"{ETC}/kubelet.service.d/README": "",
        }
    )
    layout = node.layout()
    assert layout.fragment_path == f"{USR}/kubelet.service"
    assert layout.dropin_paths == [
        f"{USR}/service.d/05-all-services.conf",
        f"{ETC}/kubelet.service.d/10-kubeadm.conf",
        "/run/systemd/system/kubelet.service.d/20-run.conf",
        f"{USR}/kubelet.service.d/30-late.conf",
    ]
    warnings = masking_warnings(layout, node.listdir, str)
    assert warnings == [
        f"{ETC}/kubelet.service.d/10-kubeadm.conf masks {USR}/kubelet.service.d/10-kubeadm.conf: systemd ignores "
        f"every line of {USR}/kubelet.service.d/10-kubeadm.conf (a copy of a packaged drop-in in /etc hides the "
        "packaged one)"
    ]


def test_systemctl_show_is_used_unless_stale() -> None:
    show = parse_systemctl_show(
        f"FragmentPath=/lib/systemd/system/kubelet.service\nDropInPaths={USR}/kubelet.service.d/10-kubeadm.conf "
        f"{ETC}/kubelet.service.d/20-cri-runtimes.conf\nNeedDaemonReload=no\nLoadState=loaded\n"
    )
    layout = systemctl_layout("kubelet.service", show, UNIT_LOAD_PATH)
    assert layout is not None
    assert layout.source == "systemctl"
    assert layout.dropin_paths[1] == f"{ETC}/kubelet.service.d/20-cri-runtimes.conf"
    assert systemctl_layout("kubelet.service", {**show, "NeedDaemonReload": "yes"}, UNIT_LOAD_PATH) is None
    assert systemctl_layout("kubelet.service", {"LoadState": "not-found"}, UNIT_LOAD_PATH) is None
    with pytest.raises(KubeletError, match="masked"):
        systemctl_layout("kubelet.service", {"LoadState": "masked", "FragmentPath": "/dev/null"}, UNIT_LOAD_PATH)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (f"{ETC}/kubelet.service.d/10-kubeadm.conf", f"would mask {USR}/kubelet.service.d/10-kubeadm.conf"),
        ("/usr/local/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", "is masked by"),
    ],
)
def test_a_drop_in_that_masks_or_is_masked_is_refused(path: str, message: str) -> None:
    node = today_deb()
    node.files[f"{ETC}/kubelet.service.d/10-kubeadm.conf"] = "" if "local" in path else node.files.get(path, "")
    if "local" not in path:
        del node.files[f"{ETC}/kubelet.service.d/10-kubeadm.conf"]
    with pytest.raises(KubeletError, match=message):
        check_no_masking(path, "kubelet.service", node.listdir, UNIT_LOAD_PATH, str)


def test_the_old_default_path_is_refused_on_todays_layout() -> None:
    node = today_deb()
    with pytest.raises(KubeletError) as err:
        node.edit(flags=REQUEST, path=f"{ETC}/kubelet.service.d/10-kubeadm.conf", version=(1, 30, 0))
    assert f"{ETC}/kubelet.service.d/10-kubeadm.conf would mask {USR}/kubelet.service.d/10-kubeadm.conf" in str(
        err.value
    )


def test_todays_deb_layout_gets_kubelet_extra_args_and_keeps_the_packaged_files() -> None:
    node = today_deb()
    packaged = node.files[f"{USR}/kubelet.service.d/10-kubeadm.conf"]
    first = node.edit(flags=REQUEST, version=parse_version("v1.30.0"))
    assert first.placement.as_dict()["path"] == "/etc/default/kubelet"
    assert first.placement.variable == "KUBELET_EXTRA_ARGS"
    assert sorted(first.result.changed_paths) == ["/etc/default/kubelet", "/var/lib/kubelet/kubeadm-flags.env"]
    node.apply(first)
    assert node.files["/etc/default/kubelet"] == (
        f'KUBELET_EXTRA_ARGS="--container-runtime-endpoint={SOCK} --runtime-request-timeout=15m"\n'
    )
    assert node.files[f"{USR}/kubelet.service.d/10-kubeadm.conf"] == packaged
    assert first.argv_after[:4] == [
        "/usr/bin/kubelet",
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "--config=/var/lib/kubelet/config.yaml",
    ]
    second = node.edit(flags=REQUEST, version=(1, 30, 0))
    assert second.result.changed_paths == []


def test_a_read_only_run_writes_nothing_and_seeds_nothing() -> None:
    node = today_deb()
    del node.files["/etc/default/kubelet"]
    planned = node.edit()
    assert planned.result.changed_paths == []
    assert planned.placement.seeds == {}


def test_kubekey_environment_value_survives_the_new_environment_file() -> None:
    """KubeKey sets KUBELET_EXTRA_ARGS with Environment=; the file we create must carry that value on."""
    node = Node(
        {
            f"{ETC}/kubelet.service": "[Service]\nExecStart=/usr/local/bin/kubelet\n",
            f"{ETC}/kubelet.service.d/10-kubeadm.conf": (
                "[Service]\nEnvironmentFile=-/etc/default/kubelet\n"
                'Environment="KUBELET_EXTRA_ARGS=--node-ip=192.168.0.2 --hostname-override=node1"\n'
                "ExecStart=\nExecStart=/usr/local/bin/kubelet $KUBELET_EXTRA_ARGS\n"
            ),
        }
    )
    planned = node.edit(flags=REQUEST, version=(1, 28, 0))
    assert planned.result.changed_paths == ["/etc/default/kubelet"]
    assert planned.result.texts_before["/etc/default/kubelet"] is None
    assert planned.argv_after == [
        "/usr/local/bin/kubelet",
        "--node-ip=192.168.0.2",
        "--hostname-override=node1",
        f"--container-runtime-endpoint={SOCK}",
        "--runtime-request-timeout=15m",
    ]


def test_flags_of_a_drop_in_we_may_not_edit_are_overridden_from_ours() -> None:
    """The 2017 drop-in's --cadvisor-port and --allow-privileged stop a 1.20 kubelet: re-assign their variables."""
    node = Node(
        {
            "/lib/systemd/system/kubelet.service": (FIXTURES / "kubelet.service").read_text(),
            f"{ETC}/kubelet.service.d/10-kubeadm.conf": (FIXTURES / "10-kubeadm-pre111.conf").read_text(),
        }
    )
    planned = node.edit(flags={**REQUEST, "container-runtime": "remote"}, version=(1, 20, 2))
    ours = f"{ETC}/kubelet.service.d/20-cri-runtimes.conf"
    assert planned.result.changed_paths == [ours]
    assert sorted(planned.result.removed_unsupported) == ["allow-privileged", "cadvisor-port"]
    text = planned.result.texts_after[ours]
    assert 'Environment="KUBELET_CADVISOR_ARGS="' in text
    assert 'Environment="KUBELET_SYSTEM_PODS_ARGS=--pod-manifest-path=/etc/kubernetes/manifests"' in text
    assert not [w for w in planned.argv_after if w.startswith(("--cadvisor-port", "--allow-privileged"))]
    assert "--cgroup-driver=systemd" in planned.argv_after
    node.apply(planned)
    assert node.edit(flags={**REQUEST, "container-runtime": "remote"}, version=(1, 20, 2)).result.changed_paths == []


def test_a_unit_without_extension_point_gets_our_drop_in_with_an_execstart_copy() -> None:
    node = Node({f"{USR}/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet \\\n    --v=2\n"})
    planned = node.edit(flags=REQUEST, version=(1, 30, 0))
    ours = f"{ETC}/kubelet.service.d/20-cri-runtimes.conf"
    assert planned.placement.kind == "drop-in"
    assert planned.result.changed_paths == [ours]
    assert planned.argv_after == [
        "/usr/bin/kubelet",
        "--v=2",
        f"--container-runtime-endpoint={SOCK}",
        "--runtime-request-timeout=15m",
    ]


def test_no_unit_is_a_clear_error() -> None:
    with pytest.raises(KubeletError, match="no unit file found"):
        Node({}).edit(flags=REQUEST, version=(1, 30, 0))
