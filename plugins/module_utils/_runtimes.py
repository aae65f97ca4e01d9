# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which CRI runtime handlers a containerd configuration defines, and which of them can run.

Input is containerd's effective configuration as a parsed TOML mapping (ideally the
output of ``containerd config dump``, which has ``imports`` already merged). A handler
is *verified* when everything containerd needs to start it is on disk: its shim
binary (from ``runtime_type`` or ``runtime_path``), the OCI runtime the runc shim
would call (``options.BinaryName``, else ``runc``) and any ``options.ConfigPath``.

Pure functions; the caller passes how to look up commands and files, so tests
need no real system. Nothing here imports Ansible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from . import _containerd_schema as schema
from ._containerd_schema import RUNC_SHIM_TYPES

__all__ = ["RUNC_SHIM_TYPES"]

Which = Callable[[str], "str | None"]
Exists = Callable[[str], bool]


class RuntimeConfigError(ValueError):
    """The configuration has no readable CRI runtime table."""


@dataclass
class HandlerInfo:
    name: str
    runtime_type: str
    shim: str | None = None
    binary_name: str | None = None
    binary: str | None = None
    config_path: str | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["verified"] = self.verified
        return out


def config_version(config: Mapping[str, Any]) -> int:
    """The config's version; a version containerd does not have (0, 5, "2") is an error."""
    try:
        return schema.config_version(config)
    except schema.SchemaError as exc:
        raise RuntimeConfigError(str(exc)) from None


def containerd_table(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The CRI ``containerd`` table (holding ``runtimes``) for the config's version."""
    path = schema.cri_paths(config_version(config))["containerd"]
    table: Mapping[str, Any] = config
    for depth, part in enumerate(path, 1):
        inner = table.get(part, {})
        if not isinstance(inner, Mapping):
            raise RuntimeConfigError(f"{'.'.join(path[:depth])}: expected a table")
        table = inner
    return table


def default_runtime_name(config: Mapping[str, Any]) -> str:
    return schema.default_runtime_name(containerd_table(config).get("default_runtime_name"))


def shim_binary_name(runtime_type: str) -> str | None:
    """containerd's rule: ``a.b.NAME.VERSION`` -> ``containerd-shim-NAME-VERSION``."""
    parts = runtime_type.split(".")
    if len(parts) < 2 or not all(parts[-2:]):
        return None
    return f"containerd-shim-{parts[-2]}-{parts[-1]}"


def inspect_handler(name: str, table: Mapping[str, Any], which: Which, exists: Exists) -> HandlerInfo:
    runtime_type = table.get("runtime_type", "")
    info = HandlerInfo(name=name, runtime_type=runtime_type if isinstance(runtime_type, str) else "")
    if not info.runtime_type:
        info.missing.append("runtime_type is not set")
        return info
    runtime_path = table.get("runtime_path") or ""
    if runtime_path:
        info.shim = runtime_path if exists(runtime_path) else None
        if info.shim is None:
            info.missing.append(f"shim {runtime_path} (runtime_path) not found")
    elif info.runtime_type.startswith("/"):
        info.shim = info.runtime_type if exists(info.runtime_type) else None
        if info.shim is None:
            info.missing.append(f"shim {info.runtime_type} not found")
    else:
        shim_name = shim_binary_name(info.runtime_type)
        info.shim = which(shim_name) if shim_name else None
        if info.shim is None:
            info.missing.append(f"shim {shim_name or repr(info.runtime_type)} not found")
    options = table.get("options", {})
    options = options if isinstance(options, Mapping) else {}
    binary_name = options.get("BinaryName") or ""
    if info.runtime_type in RUNC_SHIM_TYPES or binary_name:
        info.binary_name = binary_name or schema.RUNC_BINARY
        info.binary = which(info.binary_name)
        if info.binary is None:
            info.missing.append(f"runtime binary {info.binary_name} not found")
    config_path = options.get("ConfigPath") or ""
    if config_path:
        info.config_path = config_path
        if not exists(config_path):
            info.missing.append(f"config file {config_path} (ConfigPath) not found")
    return info


def inspect_handlers(config: Mapping[str, Any], which: Which, exists: Exists) -> list[HandlerInfo]:
    """Every handler in the config, sorted by name."""
    runtimes = containerd_table(config).get("runtimes", {})
    if not isinstance(runtimes, Mapping):
        raise RuntimeConfigError("containerd.runtimes: expected a table")
    return [
        inspect_handler(str(name), table if isinstance(table, Mapping) else {}, which, exists)
        for name, table in sorted(runtimes.items())
    ]


def make_which(search_path: list[str], exists: Exists, is_executable: Callable[[str], bool]) -> Which:
    """A PATH lookup over ``search_path`` (absolute names are checked as they are)."""

    def which(command: str) -> str | None:
        if command.startswith("/"):
            return command if is_executable(command) else None
        for directory in search_path:
            candidate = f"{directory.rstrip('/')}/{command}"
            if exists(candidate) and is_executable(candidate):
                return candidate
        return None

    return which
