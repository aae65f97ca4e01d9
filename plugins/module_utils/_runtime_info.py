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


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _which(search: list[str]) -> Which:
    return make_which(search, os.path.exists, _executable)


def effective_config(module: ModuleLike, path: str, search: list[str]) -> tuple[str, str]:
    """(TOML text, source) of the config at ``path``; ``search`` gains the containerd binary's directory."""
    containerd = _which(search)(module.params["containerd_bin"])
    if containerd:
        search.append(os.path.dirname(containerd))
        rc, out, err = module.run_command([containerd, "--config", path, "config", "dump"])
        if rc != 0:
            raise InfoError(f"{path}: containerd config dump failed: {err.strip() or out.strip()}", rc=rc)
        return out, "config dump"
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), "file"
    except FileNotFoundError:
        return "", "file"
    except OSError as exc:
        raise InfoError(f"{path}: cannot read: {exc}") from exc


def run(module: ModuleLike) -> dict[str, Any]:
    """One module call: the handlers of the effective config and which of them can run; the module's result."""
    path = module.params["path"]
    search = list(module.params["search_paths"])
    text, source = effective_config(module, path, search)
    try:
        config = parse(text, path if source == "file" else f"{path} (containerd config dump)")
        handlers = inspect_handlers(config, _which(search), os.path.exists)
        version = config_version(config)
        default = default_runtime_name(config)
    except RuntimeConfigError as exc:
        raise InfoError(f"{path}: {exc}") from exc
    except TomlError as exc:  # names the file (or the dump), line and column
        raise InfoError(f"not valid TOML: {exc}") from exc
    return {
        "changed": False,
        "source": source,
        "version": version,
        "default_runtime_name": default,
        "handlers": [h.as_dict() for h in handlers],
        "verified": sorted(h.name for h in handlers if h.verified),
    }
