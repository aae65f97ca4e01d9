# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config-version migration, key by key, against the facts of containerd's own migration code.

Version 2 -> 3 is also judged by the real containerd 2.1 (tests/judges/test_containerd_migrate_judge.py).
Version 3 -> 4 has no binary on these machines (Debian ships no containerd 2.3): it is checked here
against upstream's documented layout only (containerd's serviceMigrate in
cmd/containerd/server/config/config.go and the "Version 4" example of docs/man/containerd-config.toml.5.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._containerd_migrate import (
    MigrationError,
    dump_differences,
    migrate_text,
)
from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import parse

FIXTURES = Path(__file__).parent / "fixtures" / "containerd"
CORPUS = Path(os.environ.get("CRI_CORPUS_DIR") or Path(__file__).resolve().parents[5] / "shared" / "corpus")
CRI = '[plugins."io.containerd.grpc.v1.cri"]\n'
RT = ("plugins", "io.containerd.cri.v1.runtime")
IMG = ("plugins", "io.containerd.cri.v1.images")


def get(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def has(data: Any, path: tuple[str, ...]) -> bool:
    try:
        get(data, path)
    except (KeyError, TypeError):
        return False
    return True


def migrated(text: str, target: int = 3) -> dict[str, Any]:
    return parse(migrate_text(text, "config.toml", target).text, "test")


# (version-2 statement under its table, where containerd 2.x reads it in version 3, value there)
V2_TO_V3 = [
    # plugins/cri/images/plugin.go, migrateConfig: the image service's keys
    (CRI + 'sandbox_image = "p:1"\n', (*IMG, "pinned_images", "sandbox"), "p:1"),
    (CRI + "max_concurrent_downloads = 7\n", (*IMG, "max_concurrent_downloads"), 7),
    (CRI + 'image_pull_progress_timeout = "9m"\n', (*IMG, "image_pull_progress_timeout"), "9m"),
    (CRI + "image_pull_with_sync_fs = true\n", (*IMG, "image_pull_with_sync_fs"), True),
    (CRI + "stats_collect_period = 20\n", (*IMG, "stats_collect_period"), 20),
    (
        CRI + '[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/c"\n',
        (*IMG, "registry", "config_path"),
        "/c",
    ),
    (CRI + 'image_decryption = { key_model = "node" }\n', (*IMG, "image_decryption", "key_model"), "node"),
    (CRI + 'containerd.snapshotter = "native"\n', (*IMG, "snapshotter"), "native"),
    (
        '[plugins."io.containerd.grpc.v1.cri".containerd]\ndisable_snapshot_annotations = false\n',
        (*IMG, "disable_snapshot_annotations"),
        False,
    ),
    (
        '[plugins."io.containerd.grpc.v1.cri".containerd]\ndiscard_unpacked_layers = true\n',
        (*IMG, "discard_unpacked_layers"),
        True,
    ),
    # plugins/cri/runtime/plugin.go, migrateConfig: everything else to the runtime service
    (CRI + "enable_selinux = true\n", (*RT, "enable_selinux"), True),
    (CRI + "max_container_log_line_size = -1\n", (*RT, "max_container_log_line_size"), -1),
    (CRI + "restrict_oom_score_adj = true\n", (*RT, "restrict_oom_score_adj"), True),
    (
        '[plugins."io.containerd.grpc.v1.cri".containerd]\ndefault_runtime_name = "crun"\n',
        (*RT, "containerd", "default_runtime_name"),
        "crun",
    ),
    (
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]\nruntime_type = "io.containerd.kata.v2"\n',
        (*RT, "containerd", "runtimes", "kata", "runtime_type"),
        "io.containerd.kata.v2",
    ),
    (
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]\nsandbox_mode = "shim"\n',
        (*RT, "containerd", "runtimes", "kata", "sandboxer"),
        "shim",
    ),
    (
        '[plugins."io.containerd.grpc.v1.cri".cni]\nbin_dir = "/usr/lib/cni"\n',
        (*RT, "cni", "bin_dirs"),
        ["/usr/lib/cni"],
    ),
    ('[plugins."io.containerd.grpc.v1.cri".cni]\nconf_dir = "/n"\n', (*RT, "cni", "conf_dir"), "/n"),
    # plugins/cri/cri.go: the gRPC server keys stay with io.containerd.grpc.v1.cri
    (CRI + 'stream_server_port = "10010"\n', ("plugins", "io.containerd.grpc.v1.cri", "stream_server_port"), "10010"),
    (CRI + "disable_tcp_service = false\n", ("plugins", "io.containerd.grpc.v1.cri", "disable_tcp_service"), False),
    # other plugins (containerd 2.1.9's config dump; core/runtime/v2/shim_manager.go)
    (
        '[plugins."io.containerd.monitor.v1.cgroups"]\nno_prometheus = true\n',
        ("plugins", "io.containerd.monitor.task.v1.cgroups", "no_prometheus"),
        True,
    ),
    (
        '[plugins."io.containerd.internal.v1.restart"]\ninterval = "3s"\n',
        ("plugins", "io.containerd.monitor.container.v1.restart", "interval"),
        "3s",
    ),
    (
        '[plugins."io.containerd.runtime.v2.task"]\nsched_core = true\n',
        ("plugins", "io.containerd.shim.v1.manager", "env"),
        ["SCHED_CORE=1"],
    ),
    (
        '[plugins."io.containerd.runtime.v2.task"]\nsched_core = false\n',
        ("plugins", "io.containerd.runtime.v2.task", "sched_core"),
        False,
    ),
]


@pytest.mark.parametrize(("body", "path", "value"), V2_TO_V3, ids=[".".join(c[1][1:]) for c in V2_TO_V3])
def test_each_version_2_key_lands_where_containerd_2_reads_it(body: str, path: tuple[str, ...], value: Any) -> None:
    data = migrated("version = 2\n" + body)
    assert data["version"] == 3
    assert get(data, path) == value
    cri = data.get("plugins", {}).get("io.containerd.grpc.v1.cri", {})
    assert set(cri) <= {"stream_server_port", "disable_tcp_service"}


V3_TO_V4 = [
    # cmd/containerd/server/config/config.go, serviceMigrate
    ('[grpc]\naddress = "/run/containerd/containerd.sock"\n', ("plugins", "io.containerd.server.v1.grpc", "address")),
    ("[grpc]\nmax_recv_message_size = 1\n", ("plugins", "io.containerd.server.v1.grpc", "max_recv_message_size")),
    ('[grpc]\ntcp_address = "127.0.0.1:1"\n', ("plugins", "io.containerd.server.v1.grpc-tcp", "address")),
    ('[grpc]\ntcp_tls_cert = "/c"\n', ("plugins", "io.containerd.server.v1.grpc-tcp", "tls_cert")),
    ('[ttrpc]\naddress = "/t"\n', ("plugins", "io.containerd.server.v1.ttrpc", "address")),
    ('[debug]\naddress = "/d"\n', ("plugins", "io.containerd.server.v1.debug", "address")),
    ('[debug]\nlevel = "info"\n', ("debug", "level")),
    ('[metrics]\naddress = "127.0.0.1:1338"\n', ("plugins", "io.containerd.server.v1.metrics", "address")),
    ("[metrics]\ngrpc_histogram = true\n", ("plugins", "io.containerd.metrics.v1.grpc-prometheus", "grpc_histogram")),
]


@pytest.mark.parametrize(("body", "path"), V3_TO_V4, ids=[".".join(c[1]) for c in V3_TO_V4])
def test_each_version_3_server_key_lands_in_its_version_4_plugin(body: str, path: tuple[str, ...]) -> None:
    """Stand-in for a judge: no containerd 2.3 here; the layout is upstream's source and man page."""
    before = parse(body, "test")
    data = migrated("version = 3\n" + body, 4)
    assert data["version"] == 4
    assert get(data, path) == next(iter(next(iter(before.values())).values()))
    for table in ("grpc", "ttrpc", "metrics"):
        assert not data.get(table), f"[{table}] is not read by containerd 2.3"
    assert set(data.get("debug", {})) <= {"level", "format"}


def test_version_4_layout_matches_the_upstream_man_page_example() -> None:
    """The man page's version-4 example, written back as version 3, migrates to its own server tables."""
    example = CORPUS / "containerd" / "containerd-man5-example-v4.toml"
    if not example.is_file():
        pytest.skip(f"corpus file absent: {example} (set CRI_CORPUS_DIR)")
    upstream = parse(example.read_text(), "test")
    v3 = (
        "version = 3\n[grpc]\n"
        f'address = "{upstream["plugins"]["io.containerd.server.v1.grpc"]["address"]}"\n'
        f'[ttrpc]\naddress = "{upstream["plugins"]["io.containerd.server.v1.ttrpc"]["address"]}"\n'
        f'[debug]\naddress = "{upstream["plugins"]["io.containerd.server.v1.debug"]["address"]}"\n'
    )
    ours = migrated(v3, 4)
    for plugin in ("io.containerd.server.v1.grpc", "io.containerd.server.v1.ttrpc", "io.containerd.server.v1.debug"):
        assert ours["plugins"][plugin]["address"] == upstream["plugins"][plugin]["address"]


def test_version_2_to_4_runs_both_steps() -> None:
    data = migrated(f'version = 2\n[grpc]\naddress = "/s"\n{CRI}sandbox_image = "p:1"\n', 4)
    assert data["version"] == 4
    assert data["plugins"]["io.containerd.server.v1.grpc"]["address"] == "/s"
    assert get(data, (*IMG, "pinned_images", "sandbox")) == "p:1"


def test_a_custom_grpc_socket_keeps_its_derived_ttrpc_socket_in_version_4() -> None:
    result = migrate_text('version = 3\n[grpc]\naddress = "/run/k3s/containerd.sock"\n', "c", 4)
    data = parse(result.text, "test")
    assert data["plugins"]["io.containerd.server.v1.ttrpc"]["address"] == "/run/k3s/containerd.sock.ttrpc"
    assert any("ttrpc" in note for note in result.notes)


COMMENTED = """\
# top comment
version = 2

[plugins]
  # the CRI plugin
  [plugins."io.containerd.grpc.v1.cri"]
    # the pause image
    sandbox_image = "registry.k8s.io/pause:3.10"  # pinned
    enable_cdi = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      # overlayfs
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
  # another tool's table
  [plugins."io.containerd.gc.v1.scheduler"]
    pause_threshold = 0.02
"""


def test_comments_order_and_other_tables_are_kept() -> None:
    out = migrate_text(COMMENTED, "c", 3).text
    for line in COMMENTED.splitlines():
        if line.strip().startswith("#"):
            assert line.strip() in out
    # a moved key takes the comment directly above it (and its own trailing comment) along
    assert (
        '  [plugins."io.containerd.cri.v1.images"]\n    # overlayfs\n    snapshotter = "overlayfs"\n\n'
        '    [plugins."io.containerd.cri.v1.images".pinned_images]\n'
        '      # the pause image\n      sandbox = "registry.k8s.io/pause:3.10"  # pinned\n'
    ) in out
    # the other tool's table is untouched and still last
    assert out.endswith(
        '  # another tool\'s table\n  [plugins."io.containerd.gc.v1.scheduler"]\n    pause_threshold = 0.02\n'
    )
    # the CRI header (and the comment above it) names the runtime plugin now
    assert '# the CRI plugin\n  [plugins."io.containerd.cri.v1.runtime"]\n    enable_cdi = true' in out


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.toml")))
def test_fixtures_migrate_idempotently_and_keep_every_comment(name: str) -> None:
    text = (FIXTURES / name).read_text()
    data = parse(text, "test")
    version = data.get("version", 1) if data else 0
    if version in (1, 4):
        with pytest.raises(MigrationError):
            migrate_text(text, name, 3)
        return
    once = migrate_text(text, name, 3)
    again = migrate_text(once.text, name, 3)
    assert not again.changed
    comments = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#")]
    assert all(c in once.text for c in comments)


def test_crlf_and_bom_are_kept() -> None:
    text = "\ufeffversion = 2\r\n" + CRI.replace("\n", "\r\n") + 'sandbox_image = "p"\r\nenable_cdi = true\r\n'
    out = migrate_text(text, "c", 3).text
    assert out.startswith("\ufeffversion = 3\r\n")
    assert "\n" not in out.replace("\r\n", "")
    assert parse(out[1:], "test")["plugins"]["io.containerd.cri.v1.images"]["pinned_images"]["sandbox"] == "p"


def test_single_quoted_plugin_ids_stay_single_quoted() -> None:
    text = "version = 2\n[plugins.'io.containerd.grpc.v1.cri']\nsandbox_image = 'p'\n"
    assert "[plugins.'io.containerd.cri.v1.images'.pinned_images]" in migrate_text(text, "c", 3).text


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.katacli]\n'
            'runtime_type = "io.containerd.runc.v1"\n',
            r"handler katacli uses runtime_type 'io.containerd.runc.v1', which containerd 2.0 removed",
        ),
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.old]\n'
            'runtime_type = "io.containerd.runtime.v1.linux"\n',
            r"handler old uses runtime_type 'io.containerd.runtime.v1.linux'",
        ),
        ('[plugins.cri]\nsandbox_image = "p"\n', r"is a version 1 config"),
        ("version = 4\n", r"newer than the target version 3"),
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n'
            'containerd = { snapshotter = "native", default_runtime_name = "runc" }\n',
            r"line 3: plugins\.\"io\.containerd\.grpc\.v1\.cri\"\.containerd is an inline table",
        ),
        (
            'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "a"\n'
            '[plugins."io.containerd.cri.v1.images".pinned_images]\nsandbox = "b"\n',
            r"both become plugins\.\"io\.containerd\.cri\.v1\.images\"\.pinned_images\.sandbox",
        ),
        ("version = 3\n[grpc]\nunknown_key = 1\n", None),
    ],
    ids=["runc-v1", "runtime-v1-linux", "version-1", "newer", "inline-split", "both-layouts", "unknown-v4-key"],
)
def test_refusals_name_file_and_key(text: str, match: str | None) -> None:
    target = 4 if "[grpc]" in text else 3
    with pytest.raises(
        MigrationError, match=match or r"config\.toml: grpc\.unknown_key: config version 4 has no place"
    ):
        migrate_text(text, "config.toml", target)


def test_a_versionless_dropin_is_read_as_its_main_files_version_and_gets_the_target_version() -> None:
    text = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]\nruntime_type = "io.containerd.kata.v2"\n'
    result = migrate_text(text, "d.toml", 3, read_as=2)
    data = parse(result.text, "test")
    assert data["version"] == 3
    assert has(data, (*RT, "containerd", "runtimes", "kata"))
    # a versionless file with nothing to move is left alone
    other = '[plugins."io.containerd.gc.v1.scheduler"]\npause_threshold = 0.02\n'
    assert not migrate_text(other, "d.toml", 3, read_as=2).changed


def test_empty_tables_survive_the_move() -> None:
    """An empty runtime table is a handler containerd loads with its defaults: it must move, not vanish."""
    text = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]\n'
    assert migrated(text)["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"]["kata"] == {}


DUMP = """version = 3
root = '/var/lib/containerd'

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = '{sandbox}'
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
    runtime_type = '{runc}'
"""


def test_equal_dumps_have_no_differences() -> None:
    text = DUMP.format(sandbox="local/pause:1", runc="io.containerd.runc.v2")
    assert dump_differences(text, text, "containerd github.com/containerd/containerd/v2 2.1.9~ds1 2.1.9~ds1-2") == {
        "differences": [],
        "known": [],
    }


def test_a_differing_key_is_named_with_both_values() -> None:
    before = DUMP.format(sandbox="local/pause:1", runc="io.containerd.runc.v2")
    after = DUMP.format(sandbox="local/pause:1", runc="io.containerd.runc.v1")
    out = dump_differences(before, after, "containerd github.com/containerd/containerd/v2 2.1.9")
    assert out["differences"] == [
        "plugins.io.containerd.cri.v1.runtime.containerd.runtimes.runc.runtime_type:"
        " 'io.containerd.runc.v2' -> 'io.containerd.runc.v1'"
    ]
    assert out["known"] == []


@pytest.mark.parametrize(("version", "known"), [("2.1.8", True), ("2.0.5", True), ("2.1.9", False), ("2.2.0", False)])
def test_the_sandbox_image_of_issue_11600_is_known_only_before_the_fix(version: str, known: bool) -> None:
    before = DUMP.format(sandbox="registry.k8s.io/pause:3.10", runc="io.containerd.runc.v2")
    after = DUMP.format(sandbox="local/pause:1", runc="io.containerd.runc.v2")
    out = dump_differences(before, after, f"containerd github.com/containerd/containerd/v2 {version}")
    assert len(out["known" if known else "differences"]) == 1
    assert len(out["differences" if known else "known"]) == 0
    if known:
        assert "containerd issue 11600" in out["known"][0]


def test_an_array_of_tables_of_a_plugin_that_stays_is_kept() -> None:
    """containerd 1.7's own `config default` carries [[...transfer.v1.local.unpack_config]]: it must migrate."""
    text = (
        "version = 2\n"
        "[plugins]\n"
        '  [plugins."io.containerd.transfer.v1.local"]\n'
        "    max_concurrent_downloads = 3\n"
        '    [[plugins."io.containerd.transfer.v1.local".unpack_config]]\n'
        '      platform = "linux/amd64"  # the node\'s platform\n'
        '      snapshotter = "overlayfs"\n'
    )
    out = migrate_text(text, "config.toml", 3)
    assert out.text == text.replace("version = 2", "version = 3")


def test_an_array_of_tables_that_would_move_is_refused() -> None:
    text = 'version = 2\n[[plugins."io.containerd.monitor.v1.cgroups".x]]\n  a = 1\n'
    with pytest.raises(MigrationError, match=r"line 2: .*monitor.v1.cgroups.*is an array of tables"):
        migrate_text(text, "config.toml", 3)
