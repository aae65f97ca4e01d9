# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd's schema, table by table.

The expected values are written out here from containerd's documentation (docs/cri/config.md,
containerd-config.toml(5)) and from what the real 1.6/1.7/2.1 binaries were measured to do; they
are not computed from the tables under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _containerd_schema as S

RT = "io.containerd.cri.v1.runtime"
IMG = "io.containerd.cri.v1.images"
V2 = "io.containerd.grpc.v1.cri"


@pytest.mark.parametrize(
    ("data", "expected"),
    [({}, 1), ({"version": 1}, 1), ({"version": 2}, 2), ({"version": 3}, 3), ({"version": 4}, 4)],
)
def test_config_version(data: dict[str, Any], expected: int) -> None:
    assert S.config_version(data) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "unknown config version 5; containerd has config versions 1, 2, 3 and 4"),
        (0, r"unknown config version 0 \(version: expected a positive integer"),
        (-1, "unknown config version -1"),
        ("2", "unknown config version '2'"),
        (True, "unknown config version True"),
        (2.0, "unknown config version 2.0"),
    ],
)
def test_unknown_versions_are_refused(value: Any, message: str) -> None:
    with pytest.raises(S.SchemaError, match=message):
        S.config_version({"version": value}, "/etc/containerd/config.toml")
    with pytest.raises(S.SchemaError, match=r"^/etc/containerd/config\.toml: "):
        S.check_version(value, "/etc/containerd/config.toml")


@pytest.mark.parametrize(
    ("version", "name", "path"),
    [
        (1, "runtimes", ("plugins", "cri", "containerd", "runtimes")),
        (2, "runtimes", ("plugins", V2, "containerd", "runtimes")),
        (3, "runtimes", ("plugins", RT, "containerd", "runtimes")),
        (4, "runtimes", ("plugins", RT, "containerd", "runtimes")),
        (1, "containerd", ("plugins", "cri", "containerd")),
        (4, "default_runtime_name", ("plugins", RT, "containerd", "default_runtime_name")),
        (1, "sandbox_image", ("plugins", "cri", "sandbox_image")),
        (2, "sandbox_image", ("plugins", V2, "sandbox_image")),
        (3, "sandbox_image", ("plugins", IMG, "pinned_images", "sandbox")),
        (4, "sandbox_image", ("plugins", IMG, "pinned_images", "sandbox")),
        (2, "registry_config_path", ("plugins", V2, "registry", "config_path")),
        (3, "registry_config_path", ("plugins", IMG, "registry", "config_path")),
        (2, "cni", ("plugins", V2, "cni")),
        (3, "cni", ("plugins", RT, "cni")),
        (3, "enable_cdi", ("plugins", RT, "enable_cdi")),
        (4, "restrict_oom_score_adj", ("plugins", RT, "restrict_oom_score_adj")),
    ],
)
def test_cri_paths(version: int, name: str, path: tuple[str, ...]) -> None:
    assert S.cri_paths(version)[name] == path


def test_every_version_has_every_name() -> None:
    assert set(S.CRI_PATHS) == set(S.VERSIONS) == set(S.CRI_PLUGIN_IDS)
    for version in S.VERSIONS:
        assert set(S.cri_paths(version)) == set(S.CRI_NAMES)


def test_cri_paths_refuse_version_5_and_are_copies() -> None:
    with pytest.raises(S.SchemaError, match="unknown config version 5"):
        S.cri_paths(5)
    S.cri_paths(2)["runtimes"] = ("x",)
    assert S.cri_paths(2)["runtimes"] == ("plugins", V2, "containerd", "runtimes")


@pytest.mark.parametrize(
    ("data", "version", "expected"),
    [
        ({"version": 2, "plugins": {V2: {"containerd": {"a": 1}}}}, None, {"a": 1}),
        ({"version": 3, "plugins": {V2: {"containerd": {"a": 1}}}}, None, None),  # 2.x never reads it there
        ({"version": 3, "plugins": {RT: {"containerd": {"b": 2}}}}, None, {"b": 2}),
        ({"plugins": {"cri": {"containerd": {"c": 3}}}}, None, {"c": 3}),
        ({"version": 2, "plugins": {RT: {"containerd": {"b": 2}}}}, 3, {"b": 2}),  # read as another version
        ({"version": 2, "plugins": {V2: "not a table"}}, None, None),
    ],
)
def test_containerd_table(data: dict[str, Any], version: int | None, expected: Any) -> None:
    assert S.containerd_table(data, version) == expected


@pytest.mark.parametrize(
    ("version", "ids"),
    [(1, ("cri",)), (2, (V2,)), (3, (RT, IMG, V2)), (4, (RT, IMG, V2))],
)
def test_cri_plugin_ids(version: int, ids: tuple[str, ...]) -> None:
    assert S.cri_plugin_ids(version) == ids


@pytest.mark.parametrize(
    ("disabled", "expected"),
    [
        ([], []),
        (["cri"], []),
        (
            ["io.containerd.snapshotter.v1.zfs", V2, "io.containerd.nri.v1.nri"],
            ["io.containerd.snapshotter.v1.zfs", "io.containerd.nri.v1.nri"],
        ),
        ([RT, IMG], []),
    ],
)
def test_without_cri(disabled: list[str], expected: list[str]) -> None:
    assert S.without_cri(disabled) == expected


@pytest.mark.parametrize(("value", "expected"), [(None, "runc"), ("", "runc"), (3, "runc"), ("crun", "crun")])
def test_default_runtime_name(value: Any, expected: str) -> None:
    assert S.default_runtime_name(value) == expected


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        (("plugins", V2, "containerd", "runtimes", "kata"), 2, 3, ("plugins", RT, "containerd", "runtimes", "kata")),
        (("plugins", V2, "sandbox_image"), 2, 3, ("plugins", IMG, "pinned_images", "sandbox")),
        (("plugins", V2, "sandbox_image"), 2, 4, ("plugins", IMG, "pinned_images", "sandbox")),
        (("plugins", V2, "registry", "config_path"), 2, 3, ("plugins", IMG, "registry", "config_path")),
        (("plugins", V2, "stream_server_port"), 2, 3, ("plugins", V2, "stream_server_port")),  # stays
        (("plugins", "cri", "containerd", "runtimes"), 1, 3, ("plugins", RT, "containerd", "runtimes")),
        (("plugins", "cri", "sandbox_image"), 1, 2, ("plugins", V2, "sandbox_image")),
        (("grpc", "address"), 3, 4, ("plugins", "io.containerd.server.v1.grpc", "address")),
        (("grpc", "tcp_address"), 3, 4, ("plugins", "io.containerd.server.v1.grpc-tcp", "address")),
        (("grpc", "tcp_tls_cert"), 2, 4, ("plugins", "io.containerd.server.v1.grpc-tcp", "tls_cert")),
        (("ttrpc", "address"), 3, 4, ("plugins", "io.containerd.server.v1.ttrpc", "address")),
        # serviceMigrate (cmd/containerd/server/config/config.go) keeps [debug] level and format
        (("debug", "level"), 3, 4, ("debug", "level")),
        (("debug", "address"), 3, 4, ("plugins", "io.containerd.server.v1.debug", "address")),
        (
            ("metrics", "grpc_histogram"),
            3,
            4,
            ("plugins", "io.containerd.metrics.v1.grpc-prometheus", "grpc_histogram"),
        ),
        # plugins/cri/images/plugin.go and plugins/cri/runtime/plugin.go, migrateConfig
        (("plugins", V2, "containerd", "snapshotter"), 2, 3, ("plugins", IMG, "snapshotter")),
        (
            ("plugins", V2, "containerd", "disable_snapshot_annotations"),
            2,
            3,
            ("plugins", IMG, "disable_snapshot_annotations"),
        ),
        (("plugins", V2, "containerd", "discard_unpacked_layers"), 2, 3, ("plugins", IMG, "discard_unpacked_layers")),
        (("plugins", V2, "max_concurrent_downloads"), 2, 3, ("plugins", IMG, "max_concurrent_downloads")),
        (("plugins", V2, "image_pull_progress_timeout"), 2, 3, ("plugins", IMG, "image_pull_progress_timeout")),
        (("plugins", V2, "enable_unprivileged_ports"), 2, 3, ("plugins", RT, "enable_unprivileged_ports")),
        (("plugins", V2, "cni", "bin_dir"), 2, 3, ("plugins", RT, "cni", "bin_dirs")),
        (("plugins", "io.containerd.monitor.v1.cgroups"), 2, 3, ("plugins", "io.containerd.monitor.task.v1.cgroups")),
        (("metrics",), 3, 4, ("plugins", "io.containerd.server.v1.metrics")),
        (("grpc", "address"), 2, 3, ("grpc", "address")),  # version 3 still has [grpc]
        (("root",), 1, 4, ("root",)),
        (("plugins", RT, "cni"), 3, 3, ("plugins", RT, "cni")),
    ],
)
def test_moved(path: tuple[str, ...], old: int, new: int, expected: tuple[str, ...]) -> None:
    assert S.moved(path, old, new) == expected


def test_moves_only_go_up() -> None:
    with pytest.raises(S.SchemaError, match="from config version 3 down to 2"):
        S.moved(("plugins",), 3, 2)
    with pytest.raises(S.SchemaError, match="unknown config version 5"):
        S.moved(("plugins",), 4, 5)


def test_moves_are_single_steps_and_a_parent_follows_its_children() -> None:
    assert sorted(S.MOVES) == [(v, v + 1) for v in S.VERSIONS[:-1]]
    for moves in S.MOVES.values():
        srcs = [m.src for m in moves]
        for i, src in enumerate(srcs):
            # a move listed later never lies under an earlier one (it could never match)
            assert not any(later[: len(src)] == src for later in srcs[i + 1 :]), src


def test_the_moved_v2_keys_name_where_version_3_reads_them() -> None:
    gone = S.moved_out(3)
    assert gone[("plugins", V2, "sandbox_image")] == (3, ("plugins", IMG, "pinned_images", "sandbox"))
    assert gone[("plugins", V2, "containerd")] == (3, ("plugins", RT, "containerd"))
    # the version-1 CRI table became io.containerd.grpc.v1.cri, whose main successor in version 3 is the
    # runtime plugin (its streaming-server keys stay, each listed on its own)
    assert gone[("plugins", "cri")] == (2, ("plugins", RT))
    assert ("plugins", V2, "stream_server_port") not in gone
    assert gone[("plugins", V2, "max_concurrent_downloads")] == (3, ("plugins", IMG, "max_concurrent_downloads"))
    assert ("grpc",) not in gone
    assert S.moved_out(4)[("grpc",)] == (4, ("plugins", "io.containerd.server.v1.grpc"))
    assert S.moved_out(1) == {}


@pytest.mark.parametrize(
    ("version", "sections"),
    [(1, ()), (2, ()), (3, ()), (4, ("debug", "grpc", "metrics", "ttrpc"))],
)
def test_deprecated_sections(version: int, sections: tuple[str, ...]) -> None:
    assert S.deprecated_sections(version) == sections


@pytest.mark.parametrize(
    ("output", "release"),
    [
        ("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", (1, 6, 20)),
        ("containerd containerd.io 1.7.24 88bf19b2105c8b17560993bee28a01ddc2f97182", (1, 7, 24)),
        ("containerd github.com/containerd/containerd/v2 v2.1.9 abcdef", (2, 1, 9)),
        ("2.3.0", (2, 3, 0)),
        ("1.7", (1, 7, 0)),
        ("no version here", None),
    ],
)
def test_parse_release(output: str, release: tuple[int, int, int] | None) -> None:
    assert S.parse_release(output) == release


@pytest.mark.parametrize(
    ("release", "writes", "reads_cri", "split_ids", "merges"),
    [
        ((1, 6, 20), 2, (1, 2), False, False),
        ((1, 7, 24), 2, (1, 2), False, False),
        ((2, 0, 0), 3, (2, 3), True, True),
        ((2, 1, 9), 3, (2, 3), True, True),
        ((2, 2, 1), 3, (2, 3), True, True),
        ((2, 3, 0), 4, (2, 3, 4), True, True),
        ((3, 0, 0), 4, (2, 3, 4), True, True),  # the newest generation known
    ],
)
def test_generations(
    release: tuple[int, int, int], writes: int, reads_cri: tuple[int, ...], split_ids: bool, merges: bool
) -> None:
    assert S.written_version(release) == writes
    assert tuple(v for v in S.VERSIONS if S.reads_cri(v, release)) == reads_cri
    assert S.reads_split_ids(release) is split_ids
    assert S.merges_imported_plugins(2, release) is merges


def test_unknown_release() -> None:
    assert S.generation(None) is None
    assert S.written_version(None) == 2  # assumed 1.x, as `containerd config default` of 1.3-1.7 writes
    assert S.reads_split_ids(None) is None
    assert S.reads_cri(1, None) is None
    # without a binary the file's version decides how imports merge
    assert [S.merges_imported_plugins(v, None) for v in S.VERSIONS] == [False, False, True, True]


@pytest.mark.parametrize(
    ("version", "release", "always", "read_by"),
    [
        (2, (1, 7, 24), False, False),
        (3, (2, 0, 0), False, False),
        (3, (2, 1, 9), False, True),
        (4, (2, 3, 0), True, True),
        (4, None, True, False),
    ],
)
def test_cni_bin_dirs(version: int, release: tuple[int, int, int] | None, always: bool, read_by: bool) -> None:
    assert S.cni_bin_dirs_always(version) is always
    assert S.cni_bin_dirs_read_by(release) is read_by


def test_supported_series() -> None:
    assert S.SUPPORTED_SERIES == ("1.6", "1.7", "2.0", "2.1", "2.2", "2.3")
    assert S.series_supported("1.7")
    assert S.series_supported("2.3")
    assert not S.series_supported("1.5")


def test_release_series_drop_1_6() -> None:
    # 1.6 reached its end of life in August 2025: installed from a distro (bookworm) it is accepted,
    # from upstream's release archives it is not; 1.7 stays as the legacy series, 2.3 is the LTS.
    assert S.RELEASE_SERIES == ("1.7", "2.0", "2.1", "2.2", "2.3")
    assert S.series_supported("1.6")
    assert not S.release_series_supported("1.6")
    assert S.release_series_supported("1.7")
    assert S.release_series_supported("2.3")
    assert S.facts()["release_series"] == list(S.RELEASE_SERIES)


def test_facts_are_plain_data() -> None:
    facts = S.facts()
    assert facts["versions"] == [1, 2, 3, 4]
    assert facts["disableable_cri_ids"] == ["cri", V2, RT, IMG]
    assert facts["cri_paths"][3]["runtimes"] == ["plugins", RT, "containerd", "runtimes"]
    assert facts["default_runtime_name"] == "runc"
    assert facts["runc_runtime_type"] == "io.containerd.runc.v2"
    assert [g["writes"] for g in facts["generations"]] == [2, 3, 4]


def test_every_reader_refuses_version_5_alike() -> None:
    """The module, the info module's reader and the kubelet filter's reader give one answer for version 5."""
    from ansible_collections.cri.runtimes.plugins.module_utils import _containerd_config as C
    from ansible_collections.cri.runtimes.plugins.module_utils import _kubelet as K
    from ansible_collections.cri.runtimes.plugins.module_utils import _runtimes as R

    config = {"version": 5, "plugins": {RT: {"containerd": {"runtimes": {}}}}}
    same = "unknown config version 5; containerd has config versions 1, 2, 3 and 4"
    with pytest.raises(C.ConfigError, match=same):
        C.file_version(config, "/etc/containerd/config.toml")
    with pytest.raises(R.RuntimeConfigError, match=same):
        R.inspect_handlers(config, lambda _c: None, lambda _p: False)
    with pytest.raises(K.KubeletError, match=same):
        K.containerd_systemd_cgroup(config)
