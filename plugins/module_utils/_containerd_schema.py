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

STAY: KeyPath = ()  # a destination: the key keeps its path


@dataclass(frozen=True)
class Split:
    """A table whose keys go to different places in the next version: ``moves[key]`` or ``default``.

    ``moves`` maps a key to its new path (absolute) or to ``STAY``. A key not listed goes to
    ``default + (key,)`` (``STAY``: it stays; None: the key is unknown and a migration refuses it).
    """

    moves: Mapping[str, KeyPath]
    default: KeyPath | None = None
    # keys whose value becomes a one-element array on the way (cni.bin_dir -> cni.bin_dirs)
    wrap: frozenset[str] = frozenset()
    # the table this table's own header becomes when all its keys left (its main successor)
    primary: KeyPath | None = None
    # (key, value, new value): the key moves only while it holds that value, which is replaced
    only_if: tuple[tuple[str, Any, Any], ...] = ()

    def dest(self, key: str) -> KeyPath | None:
        if key in self.moves:
            return self.moves[key]
        if self.default is None:
            return None
        return (*self.default, key) if self.default else STAY


@dataclass(frozen=True)
class MigrationStep:
    """What containerd's own migration does from config version ``source`` to ``target``."""

    source: int
    target: int
    splits: Mapping[KeyPath, Split]
    # (pattern, new last key): a moved key whose new path matches ("*" = any key) is renamed,
    # unless the new name is set in the same table already
    renames: tuple[tuple[KeyPath, str], ...] = ()
    # runtime_type values the target's containerd no longer has (a handler using one cannot run)
    removed_runtime_types: tuple[str, ...] = ()
    runtimes_table: KeyPath = ()


# Version 2 -> 3 (containerd 2.0). containerd 2.x migrates a version-2 file in memory with each
# plugin's ConfigMigration: plugins/cri/images/plugin.go and plugins/cri/runtime/plugin.go
# (migrateConfig), plugins/cri/cri.go (the gRPC server keeps its streaming keys; docs/cri/config.md
# "Config version 3"):
# * the image service io.containerd.cri.v1.images takes sandbox_image (as pinned_images.sandbox),
#   registry, image_decryption, max_concurrent_downloads, image_pull_progress_timeout,
#   image_pull_with_sync_fs, stats_collect_period, and from the ``containerd`` table snapshotter,
#   disable_snapshot_annotations and discard_unpacked_layers;
# * io.containerd.grpc.v1.cri keeps disable_tcp_service, stream_server_address,
#   stream_server_port, stream_idle_timeout, enable_tls_streaming, x509_key_pair_streaming;
# * everything else goes to the runtime service io.containerd.cri.v1.runtime, the ``containerd``
#   and ``cni`` tables included; cni.bin_dir becomes the list cni.bin_dirs and a runtime's
#   sandbox_mode becomes sandboxer. Measured with containerd 2.1.9's config dump: a version-3
#   file with cni.bin_dir gets bin_dirs = [bin_dir, "/opt/cni/bin"], the migrated one [bin_dir];
#   a version-3 sandbox_mode is an unknown key;
# * other plugins (containerd 2.1.9's config dump of version-2 and version-3 files; sched_core:
#   core/runtime/v2/shim_manager.go, dropped when false): io.containerd.monitor.v1.cgroups became
#   io.containerd.monitor.task.v1.cgroups, io.containerd.internal.v1.restart became
#   io.containerd.monitor.container.v1.restart, io.containerd.runtime.v2.task's sched_core = true
#   became io.containerd.shim.v1.manager's env = ["SCHED_CORE=1"].
# containerd 2.0 removed the runc v1 shim and the runtime v1 (io.containerd.runtime.v1.linux):
# RELEASES.md, "Deprecated features".
IMAGES_KEYS_FROM_CRI: tuple[str, ...] = (
    "registry",
    "image_decryption",
    "max_concurrent_downloads",
    "image_pull_progress_timeout",
    "image_pull_with_sync_fs",
    "stats_collect_period",
)
IMAGES_KEYS_FROM_CONTAINERD: tuple[str, ...] = (
    "snapshotter",
    "disable_snapshot_annotations",
    "discard_unpacked_layers",
)
CRI_SERVER_KEYS: tuple[str, ...] = (
    "disable_tcp_service",
    "stream_server_address",
    "stream_server_port",
    "stream_idle_timeout",
    "enable_tls_streaming",
    "x509_key_pair_streaming",
)
# runtime keys named here so that a version-3 fragment setting them under the old id is refused
# by name (any other key of the version-2 CRI table goes to the runtime service too)
RUNTIME_KEYS_FROM_CRI: tuple[str, ...] = (
    "enable_cdi",
    "cdi_spec_dirs",
    "restrict_oom_score_adj",
    "enable_selinux",
    "max_container_log_line_size",
)
REMOVED_IN_2_0_RUNTIME_TYPES: tuple[str, ...] = ("io.containerd.runc.v1", "io.containerd.runtime.v1.linux")

_RT: KeyPath = ("plugins", CRI_RUNTIME)
_IMG: KeyPath = ("plugins", CRI_IMAGES)
V2_TO_V3 = MigrationStep(
    source=2,
    target=3,
    splits={
        ("plugins",): Split(
            moves={
                "io.containerd.monitor.v1.cgroups": ("plugins", "io.containerd.monitor.task.v1.cgroups"),
                "io.containerd.internal.v1.restart": ("plugins", "io.containerd.monitor.container.v1.restart"),
            },
            default=STAY,
        ),
        ("plugins", "io.containerd.runtime.v2.task"): Split(
            moves={"sched_core": ("plugins", "io.containerd.shim.v1.manager", "env")},
            default=STAY,
            only_if=(("sched_core", True, ["SCHED_CORE=1"]),),
        ),
        ("plugins", CRI_V2): Split(
            moves={
                "sandbox_image": (*_IMG, "pinned_images", "sandbox"),
                **{k: (*_IMG, k) for k in IMAGES_KEYS_FROM_CRI},
                **{k: (*_RT, k) for k in RUNTIME_KEYS_FROM_CRI},
                **dict.fromkeys(CRI_SERVER_KEYS, STAY),
            },
            default=_RT,
            primary=_RT,
        ),
        ("plugins", CRI_V2, "containerd"): Split(
            moves={k: (*_IMG, k) for k in IMAGES_KEYS_FROM_CONTAINERD},
            default=(*_RT, "containerd"),
            primary=(*_RT, "containerd"),
        ),
        ("plugins", CRI_V2, "cni"): Split(
            moves={"bin_dir": (*_RT, "cni", "bin_dirs")},
            default=(*_RT, "cni"),
            wrap=frozenset(("bin_dir",)),
            primary=(*_RT, "cni"),
        ),
    },
    renames=(((*_RT, "containerd", "runtimes", "*", "sandbox_mode"), "sandboxer"),),
    removed_runtime_types=REMOVED_IN_2_0_RUNTIME_TYPES,
    runtimes_table=("plugins", CRI_V2, "containerd", "runtimes"),
)

# Version 3 -> 4 (containerd 2.3): the server sections became plugins. Source:
# cmd/containerd/server/config/config.go, serviceMigrate, and its Config struct, which marks
# GRPC, TTRPC, Metrics and Debug's address/uid/gid "deprecated: use server plugin
# io.containerd.server.v1.*" but keeps [debug] level and format (the example of
# docs/man/containerd-config.toml.5.md shows level under the debug plugin; the code does not read
# it there). containerd derives the ttrpc address "<grpc address>.ttrpc" when [ttrpc] has none,
# and copies the message sizes to grpc-tcp. No containerd 2.3 runs on these machines: this step
# is checked against that source only.
_GRPC: KeyPath = ("plugins", SERVER_GRPC)
_GRPC_TCP: KeyPath = ("plugins", SERVER_GRPC_TCP)
V3_TO_V4 = MigrationStep(
    source=3,
    target=4,
    splits={
        ("grpc",): Split(
            moves={
                "address": (*_GRPC, "address"),
                "uid": (*_GRPC, "uid"),
                "gid": (*_GRPC, "gid"),
                "max_recv_message_size": (*_GRPC, "max_recv_message_size"),
                "max_send_message_size": (*_GRPC, "max_send_message_size"),
                "tcp_address": (*_GRPC_TCP, "address"),
                "tcp_tls_ca": (*_GRPC_TCP, "tls_ca"),
                "tcp_tls_cert": (*_GRPC_TCP, "tls_cert"),
                "tcp_tls_key": (*_GRPC_TCP, "tls_key"),
                "tcp_tls_common_name": (*_GRPC_TCP, "tls_common_name"),
            },
            primary=_GRPC,
        ),
        ("ttrpc",): Split(
            moves={k: ("plugins", SERVER_TTRPC, k) for k in ("address", "uid", "gid")},
            primary=("plugins", SERVER_TTRPC),
        ),
        ("debug",): Split(
            moves={
                **{k: ("plugins", SERVER_DEBUG, k) for k in ("address", "uid", "gid")},
                "level": STAY,
                "format": STAY,
            },
            primary=("plugins", SERVER_DEBUG),
        ),
        ("metrics",): Split(
            moves={
                "address": ("plugins", SERVER_METRICS, "address"),
                "grpc_histogram": ("plugins", "io.containerd.metrics.v1.grpc-prometheus", "grpc_histogram"),
            },
            primary=("plugins", SERVER_METRICS),
        ),
    },
)

MIGRATIONS: dict[int, MigrationStep] = {2: V2_TO_V3, 3: V3_TO_V4}
# containerd's default gRPC socket (defaults/defaults_unix.go); its ttrpc socket is that + ".ttrpc"
DEFAULT_GRPC_ADDRESS = "/run/containerd/containerd.sock"


@dataclass(frozen=True)
class Move:
    """A key (or a whole table) at ``src`` in the older version lives at ``dst`` in the newer one."""

    src: KeyPath
    dst: KeyPath


def _moves_of(step: MigrationStep) -> tuple[Move, ...]:
    """The step's key table as prefix moves, deeper tables first (``moved`` takes the first match).

    A key that stays is listed as a move onto itself, so that its table's move does not take it;
    a key that moves only with one value (``only_if``) is left out.
    """
    out: list[Move] = []
    for root in sorted(step.splits, key=len, reverse=True):
        split = step.splits[root]
        only = {k for k, _v, _n in split.only_if}
        for key, dst in split.moves.items():
            if key not in only:
                out.append(Move((*root, key), dst if dst != STAY else (*root, key)))
        whole = split.default if split.default else split.primary
        if whole:
            out.append(Move(root, whole))
    return tuple(out)


# Keyed by (older, newer) version, one step at a time. Within a step a longer source path
# is listed before a shorter one it lies under (``moved`` takes the first match).
MOVES: dict[tuple[int, int], tuple[Move, ...]] = {
    # containerd 1.x reads a version-1 file by giving each short plugin id its full id
    # (only the CRI plugin's is listed: it is the one this collection edits)
    (1, 2): (Move(("plugins", CRI_V1), ("plugins", CRI_V2)),),
    (2, 3): _moves_of(V2_TO_V3),
    (3, 4): _moves_of(V3_TO_V4),
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
            if move.src != move.dst:  # a key that stays is no key of an older version
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
# The release series the containerd role installs from upstream's archives (meta/argument_specs.yml
# documents them; the role's defaults pin a checksum for the newest release of each): 1.7 is the legacy
# series (end of life September 2026) and 2.3 the LTS (containerd RELEASES.md, "Support horizon").
# 1.6 reached its end of life in August 2025: it is no longer installed from releases.
RELEASE_SERIES: tuple[str, ...] = ("1.7", "2.0", "2.1", "2.2", "2.3")
# The series the role accepts once installed: the release series plus 1.6, because distro installs
# keep the distribution's containerd (Debian bookworm's 1.6.20, the lab's first node; the role checks
# the installed series against this list). The judges run 1.6, 1.7 and 2.1 (Debian has no 2.2 or 2.3,
# so version 4 is checked by parse only).
SUPPORTED_SERIES: tuple[str, ...] = ("1.6", *RELEASE_SERIES)
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


def release_series_supported(series: str) -> bool:
    """Whether the role installs ``series`` from upstream's release archives (1.6 only from a distro)."""
    return series in RELEASE_SERIES


# --------------------------------------------------------------------------- for roles


def facts() -> dict[str, Any]:
    """The schema as plain data (lists and dicts), for the ``containerd_schema`` filter."""
    return {
        "versions": list(VERSIONS),
        "latest_version": LATEST_VERSION,
        "supported_series": list(SUPPORTED_SERIES),
        "release_series": list(RELEASE_SERIES),
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
