# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the kubelet role uses to decide where settings go; the logic lives in module_utils/_kubelet.py."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.cri.runtimes.plugins.module_utils._kubelet import (
    KubeletError,
    check_runtime_pair,
    containerd_systemd_cgroup,
    kubelet_cgroup_driver,
    parse_version,
    plan_cri,
)
from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import TomlError, have_parser, parse


def kubelet_cri_plan(
    version: str,
    settings: dict[str, Any],
    config_in_use: bool = False,
    placement: str = "auto",
    containerd_version: str | None = None,
) -> dict[str, Any]:
    try:
        return plan_cri(
            str(version),
            settings,
            config_in_use=bool(config_in_use),
            placement=placement,
            containerd_version=str(containerd_version) if containerd_version else None,
        ).as_dict()
    except KubeletError as exc:
        raise AnsibleFilterError(f"kubelet_cri_plan: {exc}") from exc


def containerd_systemd_cgroup_filter(dump: str) -> bool:
    if not have_parser():
        raise AnsibleFilterError(
            "containerd_systemd_cgroup: needs Python 3.11+ (tomllib), tomli or tomlkit on the controller"
        )
    try:
        return containerd_systemd_cgroup(parse(dump, "containerd config dump"))
    except KubeletError as exc:
        raise AnsibleFilterError(f"containerd_systemd_cgroup: {exc}") from exc
    except TomlError as exc:  # names the line and column
        raise AnsibleFilterError(f"containerd_systemd_cgroup: not valid TOML: {exc}") from exc


def kubelet_cgroup_driver_filter(
    flags: list[str],
    config: dict[str, Any] | None = None,
    kubelet_version: str | None = None,
    containerd_version: str | None = None,
    runtime_driver: str | None = None,
) -> dict[str, Any]:
    try:
        driver, source = kubelet_cgroup_driver(
            list(flags or []),
            config,
            kubelet_version=str(kubelet_version) if kubelet_version else None,
            containerd_version=str(containerd_version) if containerd_version else None,
            runtime_driver=runtime_driver or None,
        )
    except KubeletError as exc:
        raise AnsibleFilterError(f"kubelet_cgroup_driver: {exc}") from exc
    return {"driver": driver, "source": source, "from_cri": source.startswith("CRI")}


def kubelet_runtime_pair(kubelet_version: str, containerd_version: str) -> str:
    """Why this kubelet cannot work with this containerd ('' when the pair works)."""
    try:
        check_runtime_pair(parse_version(str(kubelet_version)), parse_version(str(containerd_version), "containerd"))
    except KubeletError as exc:
        return str(exc)
    return ""


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "kubelet_cri_plan": kubelet_cri_plan,
            "containerd_systemd_cgroup": containerd_systemd_cgroup_filter,
            "kubelet_cgroup_driver": kubelet_cgroup_driver_filter,
            "kubelet_runtime_pair": kubelet_runtime_pair,
        }
