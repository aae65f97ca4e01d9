# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd's configuration schema: every fact about config versions, in one place.

Where is the runtimes table of config version N? Which containerd writes or reads
version N? Where did a key of version 2 go in version 3? The answers are the tables
below, keyed by config version (or by a pair of versions for a move), so that code
which edits, reads or migrates a config iterates them instead of repeating the facts
in ``if version == ...`` chains. Modules and filters import this file; the
containerd role reads it through the ``cri.runtimes.containerd_schema`` filter.

Sources (upstream containerd, checked 2026):

* ``docs/cri/config.md`` ("Config versions", "Full configuration"): version 1 is
  containerd 1.0's (no ``version`` key, short plugin ids, ``[plugins.cri]``);
  version 2 from 1.3 (full ids, ``io.containerd.grpc.v1.cri``), still read by 2.x;
  version 3 from 2.0 splits the CRI plugin into ``io.containerd.cri.v1.runtime``
  (runtimes, CNI, CDI, SELinux, ...) and ``io.containerd.cri.v1.images`` (registry,
  ``pinned_images.sandbox``, decryption); ``io.containerd.grpc.v1.cri`` keeps only the
  streaming server settings.
* ``docs/man/containerd-config.toml.5.md`` (main, 2.3): "Version 4 is the latest
  config version. Older configs are automatically migrated on startup"; the
  top-level ``[grpc]``, ``[ttrpc]``, ``[debug]`` and ``[metrics]`` sections are
  deprecated in version 4 in favour of the ``io.containerd.server.v1.grpc``,
  ``.grpc-tcp``, ``.ttrpc``, ``.debug`` and ``.metrics`` plugins; the CRI tables keep
  their version-3 places.
* Measured here with containerd 1.6.20, 1.7.24 and 2.1.9 (``tests/judges``):
  containerd 2.1 loads a version-1 file but drops its ``plugins.cri`` section
  ("Ignoring unknown key"); 2.x reads the ``io.containerd.cri.v1.*`` ids in a
  version-2 file too (AKS writes such files); 1.x replaces a whole imported plugin
  section, 2.x merges it key by key.

Pure data and small functions: nothing here imports Ansible or reads a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KeyPath = tuple[str, ...]  # a key path in a parsed TOML document
Release = tuple[int, int, int]  # a containerd release, e.g. (1, 7, 24)


class SchemaError(ValueError):
    """A value the schema does not know (a config version 5, a plugin id of another version)."""


# --------------------------------------------------------------------------- config versions

VERSIONS: tuple[int, ...] = (1, 2, 3, 4)
LATEST_VERSION = VERSIONS[-1]
IMPLIED_VERSION = 1  # a file without a ``version`` key is version 1 (containerd-config.toml(5))


def _known() -> str:
    return ", ".join(str(v) for v in VERSIONS[:-1]) + f" and {VERSIONS[-1]}"


def check_version(value: Any, name: str = "") -> int:
    """``value`` as a known config version, else SchemaError (5 and above are refused everywhere)."""
    where = f"{name}: " if name else ""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SchemaError(
            f"{where}unknown config version {value!r} (version: expected a positive integer;"
            f" containerd has config versions {_known()})"
        )
    if value not in VERSIONS:
        raise SchemaError(
            f"{where}unknown config version {value!r}; containerd has config versions {_known()}"
            f" (version {LATEST_VERSION} is containerd 2.3's)"
        )
    return value


def config_version(data: Mapping[str, Any], name: str = "") -> int:
    """The version a parsed config declares; no ``version`` key means 1."""
    if "version" not in data:
        return IMPLIED_VERSION
    return check_version(data["version"], name)


# --------------------------------------------------------------------------- plugin ids

CRI_V1 = "cri"  # version 1 names plugins by their short id
CRI_V2 = "io.containerd.grpc.v1.cri"
CRI_RUNTIME = "io.containerd.cri.v1.runtime"
CRI_IMAGES = "io.containerd.cri.v1.images"
# the server plugins of version 4 (containerd-config.toml(5), 2.3)
SERVER_GRPC = "io.containerd.server.v1.grpc"
SERVER_GRPC_TCP = "io.containerd.server.v1.grpc-tcp"
SERVER_TTRPC = "io.containerd.server.v1.ttrpc"
SERVER_DEBUG = "io.containerd.server.v1.debug"
SERVER_METRICS = "io.containerd.server.v1.metrics"

# The plugin ids that hold CRI settings in a config of each version. In version 3+
# io.containerd.grpc.v1.cri still exists (the CRI gRPC service and its streaming server).
CRI_PLUGIN_IDS: dict[int, tuple[str, ...]] = {
    1: (CRI_V1,),
    2: (CRI_V2,),
    3: (CRI_RUNTIME, CRI_IMAGES, CRI_V2),
    4: (CRI_RUNTIME, CRI_IMAGES, CRI_V2),
}
# Versions that name plugins by short id (``cri``); the others use full ids (``io.containerd.*``).
SHORT_ID_VERSIONS: tuple[int, ...] = (1,)
# Versions older than 3 whose files may carry the version-3 ids, which containerd 2.x then reads
# (AKS's template for containerd 2.x writes ``version = 2`` with io.containerd.cri.v1.*).
CRI_V3_IDS_READ_IN: tuple[int, ...] = (2,)
# The CRI ids a ``disabled_plugins`` list may carry, whatever the version: 1.x migrates a
# version-1 short id, and a list written for another generation keeps its ids.
DISABLEABLE_CRI_IDS: tuple[str, ...] = (CRI_V1, CRI_V2, CRI_RUNTIME, CRI_IMAGES)


def cri_plugin_ids(version: int) -> tuple[str, ...]:
    return CRI_PLUGIN_IDS[check_version(version)]


def without_cri(disabled: list[Any]) -> list[Any]:
    """A ``disabled_plugins`` list with every CRI plugin id taken out (order kept)."""
    return [p for p in disabled if p not in DISABLEABLE_CRI_IDS]


# --------------------------------------------------------------------------- where the CRI names live

# The version-independent names this collection manages, and where each lives per version.
# ``containerd`` is the table holding ``default_runtime_name`` and ``runtimes``.
CRI_NAMES: tuple[str, ...] = (
    "containerd",
    "runtimes",
    "default_runtime_name",
    "sandbox_image",
    "registry_config_path",
    "cni",
    "restrict_oom_score_adj",
    "enable_cdi",
)


def _paths(runtime: str, images: str, sandbox: KeyPath) -> dict[str, KeyPath]:
    rt: KeyPath = ("plugins", runtime)
    img: KeyPath = ("plugins", images)
    return {
        "containerd": (*rt, "containerd"),
        "runtimes": (*rt, "containerd", "runtimes"),
        "default_runtime_name": (*rt, "containerd", "default_runtime_name"),
        "sandbox_image": (*img, *sandbox),
        "registry_config_path": (*img, "registry", "config_path"),
        "cni": (*rt, "cni"),
        "restrict_oom_score_adj": (*rt, "restrict_oom_score_adj"),
        "enable_cdi": (*rt, "enable_cdi"),
    }


CRI_PATHS: dict[int, dict[str, KeyPath]] = {
    1: _paths(CRI_V1, CRI_V1, ("sandbox_image",)),
    2: _paths(CRI_V2, CRI_V2, ("sandbox_image",)),
    3: _paths(CRI_RUNTIME, CRI_IMAGES, ("pinned_images", "sandbox")),
    4: _paths(CRI_RUNTIME, CRI_IMAGES, ("pinned_images", "sandbox")),  # version 4 keeps version 3's CRI places
}


def cri_paths(version: int) -> dict[str, KeyPath]:
    """Where each of ``CRI_NAMES`` lives in a config of ``version`` (a copy the caller may change)."""
    return dict(CRI_PATHS[check_version(version)])


def get(data: Mapping[str, Any], path: KeyPath) -> Any:
    """The value at ``path``, or None when a part is missing or not a table."""
    cur: Any = data
    for part in path:
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def containerd_table(data: Mapping[str, Any], version: int | None = None) -> Any:
    """The CRI ``containerd`` table (``default_runtime_name``, ``runtimes``) of ``data``, or None.

    ``version``: default the version ``data`` declares. The caller checks the shape.
    """
    return get(data, CRI_PATHS[config_version(data) if version is None else check_version(version)]["containerd"])


# --------------------------------------------------------------------------- the built-in runtime

# containerd's CRI plugin runs a pod without a RuntimeClass on ``default_runtime_name``,
# "runc" by default, and has a built-in runc handler of type io.containerd.runc.v2 while the
# file has no runtimes table of its own (docs/cri/config.md; checked with 1.6's config dump:
# a runtimes table in the file replaces the built-in one).
DEFAULT_RUNTIME_NAME = "runc"
RUNC_RUNTIME_TYPE = "io.containerd.runc.v2"  # what `containerd config default` of 1.6, 1.7 and 2.1 writes
RUNC_SHIM_TYPES: tuple[str, ...] = ("io.containerd.runc.v1", "io.containerd.runc.v2")
RUNC_BINARY = "runc"  # what the runc shim runs without options.BinaryName


def default_runtime_name(value: Any) -> str:
    """The handler a ``default_runtime_name`` value means (unset or empty: runc)."""
    return value if isinstance(value, str) and value else DEFAULT_RUNTIME_NAME


# --------------------------------------------------------------------------- moves between versions


@dataclass(frozen=True)
class Move:
    """A key (or a whole table) at ``src`` in the older version lives at ``dst`` in the newer one."""

    src: KeyPath
    dst: KeyPath


# Keyed by (older, newer) version, one step at a time. Within a step a longer source path
# is listed before a shorter one it lies under (``moved`` takes the first match).
MOVES: dict[tuple[int, int], tuple[Move, ...]] = {
    # containerd 1.x reads a version-1 file by giving each short plugin id its full id
    # (only the CRI plugin's is listed: it is the one this collection edits)
    (1, 2): (Move(("plugins", CRI_V1), ("plugins", CRI_V2)),),
    # docs/cri/config.md: the CRI plugin split in version 3 (containerd 2.0)
    (2, 3): (
        Move(("plugins", CRI_V2, "containerd"), ("plugins", CRI_RUNTIME, "containerd")),
        Move(("plugins", CRI_V2, "cni"), ("plugins", CRI_RUNTIME, "cni")),
        Move(("plugins", CRI_V2, "enable_cdi"), ("plugins", CRI_RUNTIME, "enable_cdi")),
        Move(("plugins", CRI_V2, "cdi_spec_dirs"), ("plugins", CRI_RUNTIME, "cdi_spec_dirs")),
        Move(("plugins", CRI_V2, "restrict_oom_score_adj"), ("plugins", CRI_RUNTIME, "restrict_oom_score_adj")),
        Move(("plugins", CRI_V2, "enable_selinux"), ("plugins", CRI_RUNTIME, "enable_selinux")),
        Move(
            ("plugins", CRI_V2, "max_container_log_line_size"),
            ("plugins", CRI_RUNTIME, "max_container_log_line_size"),
        ),
        Move(("plugins", CRI_V2, "registry"), ("plugins", CRI_IMAGES, "registry")),
        Move(("plugins", CRI_V2, "sandbox_image"), ("plugins", CRI_IMAGES, "pinned_images", "sandbox")),
        Move(("plugins", CRI_V2, "image_decryption"), ("plugins", CRI_IMAGES, "image_decryption")),
    ),
    # containerd-config.toml(5) of 2.3: the server sections became plugins in version 4; the TCP
    # listener of [grpc] is its own plugin (grpc-tcp: address, tls_cert, tls_key, tls_ca)
    (3, 4): (
        Move(("grpc", "tcp_address"), ("plugins", SERVER_GRPC_TCP, "address")),
        Move(("grpc", "tcp_tls_cert"), ("plugins", SERVER_GRPC_TCP, "tls_cert")),
        Move(("grpc", "tcp_tls_key"), ("plugins", SERVER_GRPC_TCP, "tls_key")),
        Move(("grpc", "tcp_tls_ca"), ("plugins", SERVER_GRPC_TCP, "tls_ca")),
        Move(("grpc",), ("plugins", SERVER_GRPC)),
        Move(("ttrpc",), ("plugins", SERVER_TTRPC)),
        Move(("debug",), ("plugins", SERVER_DEBUG)),
        Move(("metrics",), ("plugins", SERVER_METRICS)),
    ),
}


def steps(old: int, new: int) -> list[tuple[int, int]]:
    """The single-version steps from ``old`` up to ``new`` (empty when equal)."""
    check_version(old)
    check_version(new)
    if new < old:
        raise SchemaError(f"no move from config version {old} down to {new}: containerd only migrates upward")
    return [(v, v + 1) for v in range(old, new)]


def moved(path: KeyPath, old: int, new: int) -> KeyPath:
    """Where the key at ``path`` of a version-``old`` config lives in version ``new``."""
    for step in steps(old, new):
        for move in MOVES[step]:
            if path[: len(move.src)] == move.src:
                path = (*move.dst, *path[len(move.src) :])
                break
    return path


def moved_out(version: int) -> dict[KeyPath, tuple[int, KeyPath]]:
    """Keys of older versions that a config of ``version`` no longer reads.

    Old path -> (the version that moved it, where it lives in ``version``). A version-3 file
    that still sets ``plugins."io.containerd.grpc.v1.cri".sandbox_image`` sets a key nothing reads.
    """
    out: dict[KeyPath, tuple[int, KeyPath]] = {}
    for step in steps(IMPLIED_VERSION, check_version(version)):
        for move in MOVES[step]:
            out[move.src] = (step[1], moved(move.dst, step[1], version))
    return out


def deprecated_sections(version: int) -> tuple[str, ...]:
    """Top-level sections a config of ``version`` should set through plugins instead (``grpc`` in 4)."""
    return tuple(sorted({src[0] for src in moved_out(version) if src[0] != "plugins"}))


# --------------------------------------------------------------------------- containerd generations


@dataclass(frozen=True)
class Generation:
    """What one line of containerd releases does with config files."""

    name: str
    since: tuple[int, int]  # its first release (major, minor)
    writes: int  # the version `containerd config default` writes
    reads_cri: tuple[int, ...]  # the versions whose CRI tables it reads
    reads_split_ids: bool  # reads io.containerd.cri.v1.* (in a version-2 file too)
    merges_imported_plugins: bool  # an imported plugin section merges key by key (1.x: replaces)


GENERATIONS: tuple[Generation, ...] = (
    Generation("1.x", (1, 3), writes=2, reads_cri=(1, 2), reads_split_ids=False, merges_imported_plugins=False),
    Generation("2.0-2.2", (2, 0), writes=3, reads_cri=(2, 3), reads_split_ids=True, merges_imported_plugins=True),
    Generation("2.3+", (2, 3), writes=4, reads_cri=(2, 3, 4), reads_split_ids=True, merges_imported_plugins=True),
)
# The release series the containerd role installs (meta/argument_specs.yml documents it); the
# judges run 1.6, 1.7 and 2.1 (Debian has no 2.2 or 2.3, so version 4 is checked by parse only).
SUPPORTED_SERIES: tuple[str, ...] = ("1.6", "1.7", "2.0", "2.1", "2.2")
# CNI's bin_dir became the list bin_dirs in containerd 2.1 (only one of the two may be set)
CNI_BIN_DIRS_SINCE: tuple[int, int] = (2, 1)

_RELEASE_RE = re.compile(r"\bv?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_release(output: str) -> Release | None:
    """``containerd --version`` output (or ``1.7.24``) to (major, minor, patch), or None."""
    for token in output.split()[1:] if output.startswith("containerd") else output.split():
        m = _RELEASE_RE.match(token)
        if m:
            return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    return None


def generation(release: Release | None) -> Generation | None:
    """The generation of a release; None when the release is unknown (no binary found)."""
    if release is None:
        return None
    found = GENERATIONS[0]
    for gen in GENERATIONS:
        if release[:2] >= gen.since:
            found = gen
    return found


def written_version(release: Release | None) -> int:
    """The version `containerd config default` of ``release`` writes (unknown: 1.x's, version 2)."""
    gen = generation(release)
    return gen.writes if gen else GENERATIONS[0].writes


def reads_split_ids(release: Release | None) -> bool | None:
    """Whether ``release`` reads io.containerd.cri.v1.* tables; None when the release is unknown."""
    gen = generation(release)
    return None if gen is None else gen.reads_split_ids


def reads_cri(version: int, release: Release | None) -> bool | None:
    """Whether ``release`` reads the CRI tables of a version-``version`` file; None when unknown."""
    gen = generation(release)
    return None if gen is None else check_version(version) in gen.reads_cri


def merges_imported_plugins(version: int, release: Release | None) -> bool:
    """True when imported plugin sections merge key by key; an unknown release is judged by the version."""
    gen = generation(release)
    if gen is not None:
        return gen.merges_imported_plugins
    return check_version(version) >= GENERATIONS[1].writes


def cni_bin_dirs_always(version: int) -> bool:
    """Whether every containerd that reads a version-``version`` file takes CNI ``bin_dirs`` (version 4)."""
    return all(g.since >= CNI_BIN_DIRS_SINCE for g in GENERATIONS if check_version(version) in g.reads_cri)


def cni_bin_dirs_read_by(release: Release | None) -> bool:
    """Whether ``release`` (when known) takes CNI ``bin_dirs``, the list that replaced ``bin_dir`` in 2.1."""
    return release is not None and release[:2] >= CNI_BIN_DIRS_SINCE


def series_supported(series: str) -> bool:
    return series in SUPPORTED_SERIES


# --------------------------------------------------------------------------- for roles


def facts() -> dict[str, Any]:
    """The schema as plain data (lists and dicts), for the ``containerd_schema`` filter."""
    return {
        "versions": list(VERSIONS),
        "latest_version": LATEST_VERSION,
        "supported_series": list(SUPPORTED_SERIES),
        "cri_plugin_ids": {v: list(ids) for v, ids in CRI_PLUGIN_IDS.items()},
        "disableable_cri_ids": list(DISABLEABLE_CRI_IDS),
        "cri_paths": {v: {k: list(p) for k, p in paths.items()} for v, paths in CRI_PATHS.items()},
        "default_runtime_name": DEFAULT_RUNTIME_NAME,
        "runc_runtime_type": RUNC_RUNTIME_TYPE,
        "generations": [
            {
                "name": g.name,
                "since": ".".join(str(x) for x in g.since),
                "writes": g.writes,
                "reads_cri": list(g.reads_cri),
            }
            for g in GENERATIONS
        ],
    }
