# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd_config's main(): what a user sees on disk and in the result."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._toml_edit import get_path, parse
from ansible_collections.cri.runtimes.plugins.modules import containerd_config

from .runner import ModuleFail, run_module

CONTAINERD = shutil.which("containerd")
needs_containerd = pytest.mark.skipif(CONTAINERD is None, reason="needs the containerd binary (make test installs it)")
CRI = "io.containerd.grpc.v1.cri"
CRUN = {"name": "crun", "options": {"BinaryName": "/usr/bin/crun"}}
BASE = f'# managed by hand\nversion = 2\n\n[plugins."{CRI}"]\n  sandbox_image = "local/pause:1"  # keep\n'


def run(args: dict, **kw: bool) -> dict:
    return run_module(containerd_config.main, args, **kw)


def dump(path: Path) -> dict:
    out = subprocess.run(
        [str(CONTAINERD), "--config", str(path), "config", "dump"], capture_output=True, text=True, check=True
    ).stdout
    return parse(out, "dump")


def test_check_then_real_then_idempotent(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    args = {"path": str(cfg), "runtimes": [CRUN], "validate": ""}
    res = run(args, check=True, diff=True)
    assert res["changed"]
    assert res["restart_needed"]
    assert cfg.read_text() == BASE
    assert res["handlers"] == ["crun"]
    assert "crun" in res["diff"][0]["after"]
    assert res["diff"][0]["before"] == BASE
    res = run(args)
    assert res["changed"]
    assert res["version"] == 2
    text = cfg.read_text()
    assert text.startswith(BASE)
    assert run(args, check=True)["changed"] is False
    res = run(args)
    assert res["changed"] is False
    assert res["restart_needed"] is False
    assert cfg.read_text() == text


def test_directory_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModuleFail, match=f"{tmp_path}: is a directory"):
        run({"path": str(tmp_path), "runtimes": [CRUN], "validate": ""})


def test_invalid_toml_names_file_line_column_and_leaves_it(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    bad = 'version = 2\n[plugins."x"]\n  a = [1, 2\n'
    cfg.write_text(bad)
    with pytest.raises(ModuleFail, match=rf"{cfg}: line \d+, column \d+"):
        run({"path": str(cfg), "runtimes": [CRUN], "validate": ""})
    assert cfg.read_text() == bad


def test_failing_validate_leaves_file_untouched_and_reports_stderr(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    with pytest.raises(ModuleFail, match=r"validation with .* failed .*rejected by policy") as exc:
        run({"path": str(cfg), "runtimes": [CRUN], "validate": "sh -c 'echo rejected by policy >&2; exit 3' %s"})
    assert "file left unchanged" in exc.value.result["msg"]
    assert cfg.read_text() == BASE
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]


def test_version_mismatch_with_existing_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    with pytest.raises(ModuleFail, match="is a version 2 config, not version 3"):
        run({"path": str(cfg), "version": 3, "runtimes": [CRUN], "validate": ""})


def test_fragment_of_v3_into_v2_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    frag = {"plugins": {"io.containerd.cri.v1.runtime": {"enable_cdi": True}}}
    with pytest.raises(ModuleFail, match="exists only in version 3"):
        run({"path": str(cfg), "fragment": frag, "validate": ""})
    assert cfg.read_text() == BASE


def test_unknown_version_in_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("version = 7\n")
    with pytest.raises(ModuleFail, match="unknown config version 7"):
        run({"path": str(cfg), "runtimes": [CRUN], "validate": ""})


def test_create_false_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModuleFail, match="does not exist and create=false"):
        run({"path": str(tmp_path / "nope.toml"), "create": False, "validate": ""})


def test_new_file_at_requested_version(tmp_path: Path) -> None:
    cfg = tmp_path / "sub" / "config.toml"
    res = run({"path": str(cfg), "version": 3, "runtimes": [{**CRUN, "default": True}], "validate": ""})
    data = parse(cfg.read_text(), "c")
    assert data["version"] == 3
    base = ("plugins", "io.containerd.cri.v1.runtime", "containerd")
    assert get_path(data, (*base, "default_runtime_name")) == "crun"
    assert res["handlers"] == ["crun"]
    assert res["version"] == 3


def test_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text(BASE)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    res = run({"path": str(link), "runtimes": [CRUN], "validate": "", "mode": "0600"})
    assert link.is_symlink()
    assert "crun" in real.read_text()
    assert res["path"] == str(real)
    assert oct(real.stat().st_mode & 0o777) == "0o600"


def test_backup_and_mode(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    res = run({"path": str(cfg), "runtimes": [CRUN], "validate": "", "backup": True})
    assert res["backup_file"]
    assert Path(res["backup_file"]).read_text() == BASE
    res = run({"path": str(cfg), "runtimes": [CRUN], "validate": "", "mode": "0640"})
    assert res["changed"] is True
    assert res["restart_needed"] is False
    assert oct(cfg.stat().st_mode & 0o777) == "0o640"


def test_crlf_file_stays_crlf(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_bytes(BASE.replace("\n", "\r\n").encode())
    run({"path": str(cfg), "runtimes": [CRUN], "validate": ""})
    data = cfg.read_bytes()
    assert b"crun" in data
    assert data.count(b"\n") == data.count(b"\r\n")


@needs_containerd
def test_default_validate_uses_real_containerd(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    # a value of the wrong type is valid TOML that containerd itself refuses
    frag = {"plugins": {CRI: {"sandbox_image": 3}}}
    with pytest.raises(ModuleFail, match=r"config dump.*failed"):
        run({"path": str(cfg), "fragment": frag})
    assert cfg.read_text() == BASE
    run({"path": str(cfg), "runtimes": [CRUN]})
    assert get_path(dump(cfg), ("plugins", CRI, "containerd", "runtimes", "crun", "options", "BinaryName"))


@needs_containerd
def test_dropin_that_would_drop_cri_settings_on_containerd_1x_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    dropin = tmp_path / "conf.d" / "50-crun.toml"
    # what a naive drop-in does on this containerd (1.6): the main file's sandbox_image is lost
    naive = tmp_path / "naive.toml"
    naive.write_text(
        f'version = 2\n[plugins."{CRI}".containerd.runtimes.crun]\n  runtime_type = "io.containerd.runc.v2"\n'
    )
    both = tmp_path / "both.toml"
    both.write_text(BASE.replace("version = 2\n", f'version = 2\nimports = ["{naive}"]\n'))
    assert get_path(dump(both), ("plugins", CRI, "sandbox_image")) != "local/pause:1"
    # the module says so instead of writing it
    with pytest.raises(ModuleFail, match="replaces a whole plugin section") as exc:
        run({"path": str(cfg), "dropin": str(dropin), "runtimes": [CRUN]})
    assert str(cfg) in exc.value.result["msg"]
    assert cfg.read_text() == BASE
    assert not dropin.exists()


@needs_containerd
def test_dropin_for_a_section_only_it_sets(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("# main\nversion = 2\n")
    dropin = tmp_path / "conf.d" / "50-crun.toml"
    args = {"path": str(cfg), "dropin": str(dropin), "runtimes": [CRUN], "cri": {"sandbox_image": "local/pause:2"}}
    res = run(args, check=True)
    assert res["changed"]
    assert not dropin.exists()
    assert res["handlers"] == ["crun"]
    res = run(args)
    assert res["changed"]
    assert res["dropin"] == str(dropin)
    assert parse(cfg.read_text(), "c")["imports"] == [str(dropin)]
    data = dump(cfg)
    assert get_path(data, ("plugins", CRI, "sandbox_image")) == "local/pause:2"
    assert get_path(data, ("plugins", CRI, "containerd", "runtimes", "crun", "options", "BinaryName"))
    assert run(args)["changed"] is False


def test_dropin_keeps_existing_imports_and_globs(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('version = 3\nimports = ["/other/file.toml", "conf.d/*.toml"]\n')
    dropin = tmp_path / "conf.d" / "50-crun.toml"
    res = run({"path": str(cfg), "dropin": str(dropin), "runtimes": [CRUN], "validate": ""})
    assert res["changed"]
    assert res["version"] == 3
    assert res["handlers"] == ["crun"]
    assert cfg.read_text() == 'version = 3\nimports = ["/other/file.toml", "conf.d/*.toml"]\n'
    assert parse(dropin.read_text(), "d")["version"] == 3


def test_dropin_is_rolled_back_when_the_main_file_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("version = 3\n")
    dropin = tmp_path / "conf.d" / "50-crun.toml"
    # accepts the drop-in (no imports in it), refuses the main file once it imports the drop-in
    validate = """sh -c 'if grep -q imports "$0"; then echo main refused >&2; exit 1; fi' %s"""
    with pytest.raises(ModuleFail, match="main refused"):
        run({"path": str(cfg), "dropin": str(dropin), "runtimes": [CRUN], "validate": validate})
    assert cfg.read_text() == "version = 3\n"
    assert not dropin.exists()


# ---------------------------------------------------------------- remove: the flat-list mistake (issue 10, item 7)
KATA = (
    f'version = 2\n[plugins."{CRI}".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n'
    f'[plugins."{CRI}".containerd.runtimes.kata]\n  runtime_type = "io.containerd.kata.v2"\n'
    "[debug]\n  level = 'info'\n"
)


def test_a_flat_remove_list_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(KATA)
    flat = ["plugins", CRI, "containerd", "runtimes", "kata"]
    with pytest.raises(ModuleFail, match=r"reads as 5 separate removals .* write the path as one entry") as exc:
        run({"path": str(cfg), "remove": flat, "validate": ""})
    assert f'plugins."{CRI}".containerd.runtimes.kata' in exc.value.result["msg"]
    assert cfg.read_text() == KATA


@pytest.mark.parametrize(
    "entry",
    [["plugins", CRI, "containerd", "runtimes", "kata"], f'plugins."{CRI}".containerd.runtimes.kata'],
    ids=["list", "dotted-string"],
)
def test_remove_one_path_as_a_list_or_a_dotted_string(tmp_path: Path, entry) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(KATA)
    res = run({"path": str(cfg), "remove": [entry], "validate": ""})
    assert res["changed"]
    assert res["handlers"] == ["runc"]
    data = parse(cfg.read_text(), "c")
    assert sorted(get_path(data, ("plugins", CRI, "containerd", "runtimes"))) == ["runc"]
    assert data["debug"] == {"level": "info"}
    assert run({"path": str(cfg), "remove": [entry], "validate": ""})["changed"] is False


@pytest.mark.parametrize("entry", [["plugins"], "plugins", ["debug"]])
def test_a_whole_top_level_table_needs_remove_top_level(tmp_path: Path, entry) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(KATA)
    with pytest.raises(ModuleFail, match=r"would delete the whole top-level table .* remove_top_level: true"):
        run({"path": str(cfg), "remove": [entry], "validate": ""})
    assert cfg.read_text() == KATA
    res = run({"path": str(cfg), "remove": [entry], "remove_top_level": True, "validate": ""})
    assert res["changed"]
    top = entry if isinstance(entry, str) else entry[0]
    assert top not in parse(cfg.read_text(), "c")


def test_a_top_level_value_can_be_removed_and_a_bad_dotted_key_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("version = 2\noom_score = -999\n")
    assert run({"path": str(cfg), "remove": ["oom_score"], "validate": ""})["changed"]
    assert cfg.read_text() == "version = 2\n"
    with pytest.raises(ModuleFail, match=r"remove: 'plugins\.\"io' is not a TOML dotted key"):
        run({"path": str(cfg), "remove": ['plugins."io'], "validate": ""})


# ---------------------------------------------------------------- registry credentials never shown (issue 10, item 6)
CREDS = (
    "version = 2\n"
    f'[plugins."{CRI}".registry.configs."reg.example:5000".auth]\n'
    '  username = "deploy"\n'
    '  password = "s3cr3t-PASS"\n'
    f'[plugins."{CRI}".registry.configs."other.example".auth]\n'
    "  auth = 'ZGVwbG95OnMzY3IzdA=='\n"
    f'[plugins."{CRI}".registry.configs."inline.example"]\n'
    '  auth = { username = "u2", identitytoken = "tok-123456" }\n'
    f'[plugins."{CRI}".registry.auths."old.example"]\n'
    '  password = "legacy-pw"\n'
    '# a password = "not a secret: a comment"\n'
)
SECRETS = ("s3cr3t-PASS", "ZGVwbG95OnMzY3IzdA==", "tok-123456", "legacy-pw")


def test_diff_masks_registry_credentials_and_nothing_else(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(CREDS)
    for check in (True, False):
        res = run({"path": str(cfg), "runtimes": [CRUN], "validate": ""}, check=check, diff=True)
        shown = repr(res)
        for secret in SECRETS:
            assert secret not in shown
        before = res["diff"][0]["before"]
        # only the four credential values differ from the file; usernames and comments stay
        expected = CREDS
        for secret in SECRETS:
            expected = expected.replace(secret, "********")
        assert before == expected
        assert '"deploy"' in before
        assert "u2" in before
        after = res["diff"][0]["after"].splitlines()
        assert all(line in after for line in expected.splitlines())
        assert 'BinaryName = "/usr/bin/crun"' in [line.strip() for line in after]
    assert all(secret in cfg.read_text() for secret in SECRETS)  # the file itself keeps the credentials


def test_error_messages_mask_registry_credentials(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(CREDS)
    # a shape clash repeats the fragment's value in the message
    frag = {"plugins": {CRI: {"registry": {"configs": {"reg.example:5000": {"auth": "s3cr3t-PASS"}}}}}}
    with pytest.raises(ModuleFail) as exc:
        run({"path": str(cfg), "fragment": frag, "validate": ""})
    assert "would replace it with the value '********'" in exc.value.result["msg"]
    # a validator that prints the staged file: its output is in the message, masked
    with pytest.raises(ModuleFail) as exc:
        run({"path": str(cfg), "runtimes": [CRUN], "validate": "sh -c 'cat \"$1\" >&2; exit 1' _ %s"})
    msg = exc.value.result["msg"]
    assert "validation with" in msg
    assert 'username = "deploy"' in msg
    for secret in SECRETS:
        assert secret not in repr(exc.value.result)
    assert cfg.read_text() == CREDS


def test_a_credential_repeated_outside_its_key_hides_the_whole_text(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(CREDS + 'mirrors = ["s3cr3t-PASS"]\n')
    res = run({"path": str(cfg), "runtimes": [CRUN], "validate": ""}, check=True, diff=True)
    assert "s3cr3t-PASS" not in repr(res)
    assert "not shown" in res["diff"][0]["before"]


# ---------------------------------------------------------------- attributes checked before the write (item 11)
@pytest.mark.parametrize(
    ("extra", "match"), [({"mode": "rwxbad"}, "mode 'rwxbad'"), ({"owner": "no-such-user-cri"}, "owner")]
)
def test_bad_attributes_fail_with_the_content_untouched(tmp_path: Path, extra: dict, match: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(BASE)
    for check in (True, False):
        with pytest.raises(ModuleFail, match=rf"{cfg}: {match}.*nothing was written"):
            run({"path": str(cfg), "runtimes": [CRUN], "validate": "", **extra}, check=check)
    assert cfg.read_text() == BASE


def test_bad_attributes_in_dropin_mode_write_neither_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("version = 2\n")
    dropin = tmp_path / "conf.d" / "crun.toml"
    with pytest.raises(ModuleFail, match="mode 'rwxbad'"):
        run({"path": str(cfg), "dropin": str(dropin), "runtimes": [CRUN], "validate": "", "mode": "rwxbad"})
    assert cfg.read_text() == "version = 2\n"
    assert not dropin.exists()
    run({"path": str(cfg), "dropin": str(dropin), "runtimes": [CRUN], "validate": ""})
    assert dropin.exists()


def test_a_drop_in_without_a_version_key_is_read_as_the_main_files_version(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    dropin = tmp_path / "conf.d" / "crun.toml"
    dropin.parent.mkdir()
    cfg.write_text(f'version = 2\nimports = ["{dropin}"]\n')
    dropin.write_text("# fragment, no version key\n[debug]\n  level = 'info'\n")
    res = run({"path": str(cfg), "dropin": str(dropin), "runtimes": [CRUN], "validate": ""})
    assert res["changed"]
    assert res["version"] == 2
    data = parse(dropin.read_text(), "d")
    assert "version" not in data
    assert get_path(data, ("plugins", CRI, "containerd", "runtimes", "crun", "options")) == {
        "BinaryName": "/usr/bin/crun"
    }
    if CONTAINERD:
        assert "crun" in dump(cfg)["plugins"][CRI]["containerd"]["runtimes"]


def test_version_4_server_sections_warn_with_their_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """containerd-config.toml(5) of 2.3: [grpc], [ttrpc], [debug] and [metrics] are deprecated in version 4."""
    from ansible.module_utils import basic

    warnings: list[str] = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda _self, warning: warnings.append(warning))
    cfg = tmp_path / "config.toml"
    cfg.write_text("version = 4\n")
    run({"path": str(cfg), "fragment": {"debug": {"level": "debug"}, "grpc": {"uid": 0}, "root": "/x"}, "validate": ""})
    assert warnings == [
        "[debug] is deprecated in config version 4 (it is a plugin's setting now:"
        ' [plugins."io.containerd.server.v1.debug"])',
        "[grpc] is deprecated in config version 4 (it is a plugin's setting now:"
        ' [plugins."io.containerd.server.v1.grpc"])',
    ]
    warnings.clear()
    cfg.write_text("version = 3\n")
    run({"path": str(cfg), "fragment": {"debug": {"level": "debug"}}, "validate": ""})
    assert warnings == []
