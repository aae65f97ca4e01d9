# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The containerd_runtime_info module's run: containerd's effective config, then its handlers (_runtimes.py).

The effective config is ``containerd --config PATH config dump`` when a
containerd binary is found (imports merged, defaults filled in), else the file
as it is. The binary's own directory joins the search path for the shims.
Nothing here imports Ansible: the module is used through a small protocol.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from ._kubelet import KubeletError, containerd_systemd_cgroup
from ._runtimes import RuntimeConfigError, Which, config_version, default_runtime_name, inspect_handlers, make_which
from ._toml_edit import TomlError, parse


class InfoError(Exception):
    """The config cannot be read; ``details`` go into the module's failure result."""

    def __init__(self, msg: str, **details: Any) -> None:
        super().__init__(msg)
        self.details = details


class ModuleLike(Protocol):
    params: dict[str, Any]

    def run_command(self, args: Any, **kwargs: Any) -> tuple[int, str, str]: ...

    def get_bin_path(self, arg: str, required: bool = False, opt_dirs: list[str] | None = None) -> str | None: ...


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _which(search: list[str]) -> Which:
    return make_which(search, os.path.exists, _executable)


def _service_state(module: ModuleLike, unit: str) -> dict[str, bool]:
    systemctl = module.get_bin_path("systemctl")
    states = {}
    for verb in ("is-active", "is-enabled"):
        _rc, stdout, _err = module.run_command([systemctl, verb, unit]) if systemctl else (1, "", "")
        states[verb] = stdout.strip()
    return {"active": states["is-active"] == "active", "enabled": states["is-enabled"] == "enabled"}


def node_facts(module: ModuleLike, containerd: str | None = None) -> dict[str, Any]:
    """What the node has, read without TOML: containerd's version, whether the file exists, the unit's state.

    Returned with every result, failures included, so a role learns these in the same task round.
    """
    if containerd is None:
        containerd = _which(list(module.params["search_paths"]))(module.params["containerd_bin"])
    out: dict[str, Any] = {"containerd_version": None, "config_exists": os.path.exists(module.params["path"])}
    if containerd:
        rc, stdout, _err = module.run_command([containerd, "--version"])
        out["containerd_version"] = (stdout.strip().splitlines() or [""])[0] if rc == 0 else None
    if module.params.get("service"):
        out["service"] = _service_state(module, module.params["service"])
    return out


def effective_config(module: ModuleLike, path: str, containerd: str | None, facts: dict[str, Any]) -> tuple[str, str]:
    """(TOML text, source) of the config at ``path``: containerd's dump when there is a binary, else the file."""
    if containerd:
        rc, out, err = module.run_command([containerd, "--config", path, "config", "dump"])
        if rc != 0:
            raise InfoError(f"{path}: containerd config dump failed: {err.strip() or out.strip()}", rc=rc, **facts)
        return out, "config dump"
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), "file"
    except FileNotFoundError:
        return "", "file"
    except OSError as exc:
        raise InfoError(f"{path}: cannot read: {exc}", **facts) from exc


def _systemd_cgroup(dump: dict[str, Any]) -> bool | None:
    """The default runtime's ``SystemdCgroup`` in containerd's dump (what the kubelet role must agree with).

    Null when the dump has no CRI table: the kubelet role then asks containerd itself and fails with the reason.
    """
    try:
        return containerd_systemd_cgroup(dump)
    except KubeletError:
        return None


def run(module: ModuleLike) -> dict[str, Any]:
    """One module call: the handlers of the effective config and which of them can run; the module's result."""
    path = module.params["path"]
    search = list(module.params["search_paths"])
    containerd = _which(search)(module.params["containerd_bin"])
    facts = node_facts(module, containerd)
    if containerd:
        search.append(os.path.dirname(containerd))  # containerd also finds shims beside itself
    text, source = effective_config(module, path, containerd, facts)
    try:
        config = parse(text, path if source == "file" else f"{path} (containerd config dump)")
        handlers = inspect_handlers(config, _which(search), os.path.exists)
        version = config_version(config)
        default = default_runtime_name(config)
    except RuntimeConfigError as exc:
        raise InfoError(f"{path}: {exc}", **facts) from exc
    except TomlError as exc:  # names the file (or the dump), line and column
        raise InfoError(f"not valid TOML: {exc}", **facts) from exc
    disabled = config.get("disabled_plugins", [])
    return {
        "systemd_cgroup": _systemd_cgroup(config) if source == "config dump" else None,
        "changed": False,
        **facts,
        "disabled_plugins": [str(p) for p in disabled] if isinstance(disabled, list) else [],
        "source": source,
        "version": version,
        "default_runtime_name": default,
        "handlers": [h.as_dict() for h in handlers],
        "verified": sorted(h.name for h in handlers if h.verified),
    }
