# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a kubelet's unit really lives on a node, and where our flags should go.

Three facts decide this, each kept here once:

* **systemd's search path and precedence** (systemd.unit(5), "Unit File Load
  Path"; systemd-delta(1)): the fragment is the first ``<dir>/<unit>`` along the
  load path; drop-ins are every ``*.conf`` of ``<dir>/<unit>.d/`` (and of the
  type-level ``<dir>/service.d/``) in every load-path directory, a file in a
  higher-priority directory MASKING a same-named one in a lower-priority
  directory (``/etc`` > ``/run`` > ``/usr/local/lib`` > ``/usr/lib`` and
  ``/lib``), and the survivors are applied in file-name order whatever their
  directory. A running systemd tells the same with ``systemctl show -p
  FragmentPath -p DropInPaths``; the search path is the fallback when it does
  not run (a chroot, an image build).
* **the packagers' extension points** (kubernetes/release, krel "latest"
  templates ``kubeadm/10-kubeadm.conf`` and ``kubelet/kubelet.env``; deb and rpm
  alike): the packaged drop-in sits at ``%{_unitdir}/kubelet.service.d/
  10-kubeadm.conf`` (``/usr/lib/systemd/system`` or ``/lib/systemd/system``),
  sources ``/etc/default/kubelet`` (deb) or ``/etc/sysconfig/kubelet`` (rpm)
  and hands ``$KUBELET_EXTRA_ARGS`` to the kubelet: that variable, in that file,
  is where a site's flags belong. A copy of ``10-kubeadm.conf`` in
  ``/etc/systemd/system/kubelet.service.d/`` would mask the packaged one.
* **our own drop-in** where no extension point exists: a file of our own name in
  ``/etc/systemd/system/<unit>.d/`` that sorts after kubeadm's ``10-*``, so that
  its ``Environment=`` and ``ExecStart=`` lines win.

Edits are planned as *seeds*: a meaning-preserving starting text for a file we
may write (``KUBELET_EXTRA_ARGS`` copied with its current value into the
extension file; a variable of another drop-in re-assigned with its current
value in ours; the effective ``ExecStart=`` copied into ours after a reset).
The drop-in editor then edits the seeded text like any file of its own, and the
kubelet's command line is unchanged by the seed itself.

Nothing here imports Ansible.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._kubelet import KubeletError
from ._systemd_unit import quote_word, render_env_file_line

Reader = Callable[[str], "str | None"]
Lister = Callable[[str], list[str]]

# systemd.unit(5), "Unit File Load Path", system mode, highest priority first. Debian's
# systemd (split-usr build) also reads /lib/systemd/system, between /usr/local/lib and /usr/lib.
UNIT_LOAD_PATH: tuple[str, ...] = (
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/run/systemd/generator.early",
    "/etc/systemd/system",
    "/etc/systemd/system.attached",
    "/run/systemd/system",
    "/run/systemd/system.attached",
    "/run/systemd/generator",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/run/systemd/generator.late",
)

# kubernetes/release, cmd/krel/templates/latest: kubeadm/10-kubeadm.conf sources
# /etc/default/kubelet (deb) or /etc/sysconfig/kubelet (rpm); kubelet/kubelet.env installs
# "KUBELET_EXTRA_ARGS=" there. The comment in 10-kubeadm.conf calls it the user's file for
# kubelet flag overrides.
EXTENSION_ENV_FILES: tuple[str, ...] = ("/etc/default/kubelet", "/etc/sysconfig/kubelet")
EXTENSION_VARIABLE = "KUBELET_EXTRA_ARGS"
# Where our own drop-in goes when no extension point exists: the administrator's directory
# (/etc wins over /run and /usr/lib), named to sort after kubeadm's 10-kubeadm.conf.
ADMIN_UNIT_DIR = "/etc/systemd/system"
OWN_DROPIN_NAME = "20-cri-runtimes.conf"
OWN_VARIABLE = "KUBELET_CRI_ARGS"


@dataclass
class NodeFiles:
    """How the planner sees the node's file system (the module passes os-based callables)."""

    read: Reader
    listdir: Lister
    exists: Callable[[str], bool]
    realpath: Callable[[str], str]


@dataclass
class UnitLayout:
    """A unit's fragment and effective drop-ins, in the order systemd applies them."""

    unit: str
    fragment_path: str | None
    dropin_paths: list[str]
    source: str  # "systemctl" or "search path"
    load_path: tuple[str, ...] = UNIT_LOAD_PATH
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "fragment_path": self.fragment_path,
            "dropin_paths": list(self.dropin_paths),
            "source": self.source,
        }


def unit_name(name: str) -> str:
    """``kubelet`` → ``kubelet.service``; a name with a unit suffix is kept."""
    if not name or "/" in name:
        raise KubeletError(f"unit {name!r} is not a unit name such as kubelet.service")
    return name if "." in name else f"{name}.service"


def dropin_dir_names(unit: str) -> list[str]:
    """The drop-in directory names that apply to ``unit``: its own, then the type-level one."""
    suffix = unit.rsplit(".", 1)[1]
    return [f"{unit}.d", f"{suffix}.d"]


def search_layout(
    unit: str,
    lister: Lister,
    exists: Callable[[str], bool],
    load_path: tuple[str, ...],
    realpath: Callable[[str], str] = str,
) -> UnitLayout:
    """The layout systemd would load for ``unit`` from the files on disk (systemd.unit(5))."""
    fragment = next((os.path.join(d, unit) for d in load_path if exists(os.path.join(d, unit))), None)
    chosen: dict[str, str] = {}
    for directory in load_path:  # highest priority first: the first file of a name wins
        for dir_name in dropin_dir_names(unit):
            dropin_dir = os.path.join(directory, dir_name)
            for name in lister(dropin_dir):
                if not name.endswith(".conf"):
                    continue
                path = os.path.join(dropin_dir, name)
                if name not in chosen:
                    chosen[name] = path
                elif realpath(chosen[name]) == realpath(path):
                    chosen[name] = _usr_spelling(chosen[name], path)
    return UnitLayout(
        unit=unit,
        fragment_path=fragment,
        dropin_paths=[chosen[n] for n in sorted(chosen)],
        source="search path",
        load_path=load_path,
    )


def _usr_spelling(a: str, b: str) -> str:
    """Of two spellings of one file (merged /usr: /lib -> usr/lib), the /usr one, as systemd reports drop-ins."""
    return b if b.startswith("/usr/") and not a.startswith("/usr/") else a


def parse_systemctl_show(text: str) -> dict[str, str]:
    """``Key=value`` lines of ``systemctl show -p ...`` as a dict."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def systemctl_layout(unit: str, show: Mapping[str, str], load_path: tuple[str, ...]) -> UnitLayout | None:
    """The layout a running systemd reports, or None when it cannot be used (not loaded, reload pending)."""
    load_state = show.get("LoadState", "")
    if load_state == "masked":
        where = show.get("FragmentPath") or "/dev/null"
        raise KubeletError(f"{unit} is masked (FragmentPath={where}): unmask it first")
    if load_state != "loaded" or not show.get("FragmentPath"):
        return None
    if show.get("NeedDaemonReload", "no") == "yes":
        return None  # systemd's view is stale: the files on disk are what it will load next
    return UnitLayout(
        unit=unit,
        fragment_path=show["FragmentPath"],
        dropin_paths=show.get("DropInPaths", "").split(),
        source="systemctl",
        load_path=load_path,
    )


def load_path_with(path: str | None) -> tuple[str, ...]:
    """The load path, plus the directory of an explicitly named drop-in's unit when it is elsewhere."""
    if not path:
        return UNIT_LOAD_PATH
    unit_dir = os.path.dirname(os.path.dirname(path))
    return UNIT_LOAD_PATH if unit_dir in UNIT_LOAD_PATH else (unit_dir, *UNIT_LOAD_PATH)


def same_named(
    path: str, unit: str, lister: Lister, load_path: tuple[str, ...], realpath: Callable[[str], str]
) -> list[str]:
    """Other drop-ins of ``unit`` with the file name of ``path`` (one spelling per file), highest priority first."""
    name = os.path.basename(path)
    mine = realpath(path)
    found: dict[str, str] = {}
    for directory in load_path:
        for dir_name in dropin_dir_names(unit):
            other = os.path.join(directory, dir_name, name)
            if name not in lister(os.path.dirname(other)):
                continue
            real = realpath(other)
            if real != mine:
                found[real] = _usr_spelling(found[real], other) if real in found else other
    return list(found.values())


def _priority(path: str, load_path: tuple[str, ...]) -> int:
    directory = os.path.dirname(os.path.dirname(path))
    return load_path.index(directory) if directory in load_path else len(load_path)


def check_no_masking(
    path: str, unit: str, lister: Lister, load_path: tuple[str, ...], realpath: Callable[[str], str]
) -> None:
    """Refuse to write a drop-in that masks, or is masked by, a same-named drop-in of the unit."""
    for other in same_named(path, unit, lister, load_path, realpath):
        if _priority(other, load_path) > _priority(path, load_path):
            raise KubeletError(
                f"writing {path} would mask {other}: systemd reads only one drop-in of a name, the one in the "
                "higher-priority directory (systemd.unit(5)), and every setting of the other would be lost. "
                "Leave path unset (the module then uses the packagers' extension point or a drop-in of its own "
                "name) or choose another file name"
            )
        raise KubeletError(
            f"{path} is masked by {other} (same name, higher-priority directory): systemd ignores {path}, "
            "so editing it would change nothing. Edit the other file or choose another file name"
        )


def masking_warnings(layout: UnitLayout, lister: Lister, realpath: Callable[[str], str]) -> list[str]:
    """Effective drop-ins that hide a same-named drop-in in a lower-priority directory."""
    out = []
    for path in layout.dropin_paths:
        for other in same_named(path, layout.unit, lister, layout.load_path, realpath):
            if _priority(other, layout.load_path) > _priority(path, layout.load_path):
                out.append(
                    f"{path} masks {other}: systemd ignores every line of {other} "
                    "(a copy of a packaged drop-in in /etc hides the packaged one)"
                )
    return out


# -- placement ---------------------------------------------------------------------------------


@dataclass
class Placement:
    """Where an edit goes: the drop-in the editor calls its own, the variable, and seed texts."""

    path: str
    variable: str
    kind: str  # "environment-file" or "drop-in"
    target: str  # the file that holds the variable after the edit
    seeds: dict[str, str] = field(default_factory=dict)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.target, "variable": self.variable, "kind": self.kind, "reason": self.reason}


def own_dropin_path(unit: str, name: str = OWN_DROPIN_NAME) -> str:
    if "/" in name or not name.endswith(".conf"):
        raise KubeletError(f"drop-in name {name!r} must be a file name ending in .conf")
    return os.path.join(ADMIN_UNIT_DIR, f"{unit}.d", name)


def choose_extension_file(sourced: list[str], setter: str | None, exists: Callable[[str], bool]) -> str | None:
    """The packagers' environment file to hold KUBELET_EXTRA_ARGS, among those the unit sources.

    ``sourced``: the ``EnvironmentFile=`` paths of the effective unit, in order; ``setter``:
    the environment file that sets the variable today (None if none does). A later file
    overrides an earlier one, so the file that sets it now wins; else the last that exists;
    else the last one sourced.
    """
    candidates = [p for p in sourced if p in EXTENSION_ENV_FILES]
    if not candidates:
        return None
    if setter is not None:
        return setter if setter in candidates else None
    existing = [p for p in candidates if exists(p)]
    return (existing or candidates)[-1]


def seed_env_assignment(text: str | None, variable: str, words: list[str]) -> str:
    """``text`` with ``VARIABLE=<words>`` appended (the variable's current value: no change in meaning)."""
    body = text or ""
    if body and not body.endswith("\n"):
        body += "\n"
    return body + render_env_file_line(variable, " ".join(words), "")


def seed_dropin_lines(text: str | None, lines: list[str]) -> str:
    """Our drop-in with ``lines`` added to its ``[Service]`` section (one is added when missing)."""
    body = text or ""
    if not lines:
        return body
    if body and not body.endswith("\n"):
        body += "\n"
    sections = [ln.strip() for ln in body.splitlines() if ln.strip().startswith("[")]
    if not sections or sections[-1] != "[Service]":
        body += ("\n" if body else "") + "[Service]\n"
    return body + "".join(lines)


def env_override_line(variable: str, words: list[str]) -> str:
    """An ``Environment=`` line that re-assigns ``variable`` to the same words."""
    return f"Environment={quote_word(f'{variable}=' + ' '.join(words))}\n"


def exec_copy_lines(exec_value: str) -> list[str]:
    """Reset ``ExecStart=`` and repeat the effective command, byte for byte (continuations kept)."""
    return ["ExecStart=\n", f"ExecStart={exec_value.strip()}\n"]
