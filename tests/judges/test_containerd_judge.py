# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real containerd judges containerd_config's edits of real third-party files.

Every containerd file of the corpus (``../shared/corpus/containerd``, or ``$CRI_CORPUS_DIR``)
and every fixture of our own goes through the module's real code path (its ``main()`` with
a real AnsibleModule, as Ansible runs it) with a handler through ``runtimes`` and a CRI
setting through ``cri``, twice. Pass when:

* the first run changes the file and keeps every key and every comment of the original
  (a line may change only where the request changes a value: ``SystemdCgroup``);
* the second run reports ``changed=false`` and leaves the bytes as they are;
* the result in diff mode holds none of the file's registry credentials;
* the real containerd of that generation loads the result (``containerd --config FILE
  config dump`` exits 0) and its effective config holds the handler (with its
  ``BinaryName``) and the default runtime with ``SystemdCgroup = true`` and a non-empty
  ``runtime_type``. The dump is read with Python's ``tomllib``, not with our editor.

Which containerd judges which file (Debian's binaries, fetched by scripts/setup/containerd-debs):
version 1 by 1.6 and 1.7 (containerd 2.1 loads a version-1 file but drops its CRI section,
so the module refuses to place a handler there; checked below); version 2 by 1.6, 1.7 and
2.1 (2.x migrates it in memory); version 3 by 2.1; version 4 by parse only (no containerd
2.3 in Debian). A file whose ``imports`` name a file this machine lacks is judged by parse
only for containerd 1.x, which refuses a missing import (2.1 loads it). The verdict table is
printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils._containerd_config import secret_values
from ansible_collections.cri.runtimes.plugins.modules import containerd_config
from tests.unit.plugins.modules.runner import ModuleFail, run_module

from .verdicts import VERDICTS

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CRI_CORPUS_DIR") or ROOT.parent / "shared" / "corpus") / "containerd"
FIXTURES = ROOT / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "containerd"
CACHE = Path(
    os.environ.get("CONTAINERD_DEBS_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cri-runtimes" / "containerd"
)
SUITE = "containerd_config"
HANDLER = "judge-crun"
BINARY_NAME = "/usr/bin/crun"
REQUEST: dict[str, Any] = {
    "runtimes": [{"name": HANDLER, "options": {"BinaryName": BINARY_NAME}}],
    "cri": {"systemd_cgroup_default": True},
}
# Debian suite -> the generation its containerd stands for
SUITE_GENERATION = {"bookworm": "1.6", "trixie": "1.7", "sid": "2.1"}
GENERATIONS_FOR_VERSION = {1: ["1.6", "1.7"], 2: ["1.6", "1.7", "2.1"], 3: ["2.1"], 4: ["parse"]}
# files that fail only because the TOML editor refuses a valid edit (issue 10, item 9): another
# change fixes the editor; strict, so that the marker must go once it passes
EDITOR_REFUSALS: dict[str, str] = {}


def _binaries() -> dict[str, Path]:
    manifest = CACHE / "judges.txt"
    out: dict[str, Path] = {}
    if manifest.is_file():
        for line in manifest.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] in SUITE_GENERATION and Path(parts[2]).is_file():
                out[SUITE_GENERATION[parts[0]]] = Path(parts[2])
    return out


BINARIES = _binaries()


def version_of(text: str) -> int | None:
    """The declared config version; None for a file that declares nothing (empty: the binary decides)."""
    data = tomllib.loads(text.lstrip("\ufeff"))
    if not data:
        return None
    return int(data.get("version", 1))


def judged_files() -> list[tuple[str, Path]]:
    """Every config the containerd judges read: the corpus's (when present), then our fixtures."""
    files: list[tuple[str, Path]] = []
    if CORPUS.is_dir():
        files += [(f"corpus/{p.name}", p) for p in sorted(CORPUS.glob("*.toml"))]
    files += [(f"ours/{p.name}", p) for p in sorted(FIXTURES.glob("*.toml"))]
    return files


def _cases() -> Iterator[Any]:
    for label, path in judged_files():
        version = version_of(path.read_text(encoding="utf-8"))
        gens = GENERATIONS_FOR_VERSION[version] if version else ["1.6", "1.7", "2.1"]
        for gen in gens:
            marks = []
            if path.name in EDITOR_REFUSALS:
                marks.append(pytest.mark.xfail(reason=EDITOR_REFUSALS[path.name], strict=True))
            yield pytest.param(label, path, gen, id=f"{label}@{gen}", marks=marks)


CASES = list(_cases())


def _missing_imports(text: str, directory: Path) -> list[str]:
    imports = tomllib.loads(text.lstrip("\ufeff")).get("imports") or []
    missing = []
    for entry in imports:
        if not isinstance(entry, str) or any(c in entry for c in "*?["):
            continue  # a glob that matches nothing is no error to containerd
        full = entry if os.path.isabs(entry) else str(directory / entry)
        if not os.path.exists(full):
            missing.append(entry)
    return missing


def leaves(data: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(data, dict):
        out: dict[tuple[str, ...], Any] = {}
        for key, value in data.items():
            out.update(leaves(value, (*prefix, key)))
        return out
    return {prefix: data}


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def _dump(binary: Path, config: Path) -> tuple[int, str, str]:
    proc = subprocess.run(
        [str(binary), "--config", str(config), "config", "dump"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _cri_runtime_table(dump: dict[str, Any], gen: str) -> dict[str, Any]:
    plugin = "io.containerd.grpc.v1.cri" if gen.startswith("1.") else "io.containerd.cri.v1.runtime"
    return dump["plugins"][plugin]["containerd"]


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Put one judge binary first on PATH as ``containerd``, as if it were the node's."""

    def put(binary: Path) -> Path:
        bindir = tmp_path / "bin"
        bindir.mkdir(exist_ok=True)
        link = bindir / "containerd"
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(binary)
        monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
        return link

    return put


def _verdict(label: str, gen: str, verdict: str, detail: str) -> None:
    VERDICTS.append((SUITE, label, gen, verdict, detail))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is absent ({CORPUS}; set CRI_CORPUS_DIR): corpus skipped")
def test_corpus_present() -> None:
    assert sorted(CORPUS.glob("*.toml")), f"{CORPUS} holds no .toml file"


@pytest.mark.parametrize(("label", "source", "gen"), CASES)
def test_module_edit_is_loaded_by_real_containerd(label: str, source: Path, gen: str, tmp_path: Path, on_path) -> None:
    judge_gen = "2.1" if gen == "parse" else gen
    if judge_gen not in BINARIES:
        pytest.skip(f"containerd {judge_gen} is not in {CACHE} (run scripts/setup/containerd-debs)")
    original = source.read_text(encoding="utf-8")
    workdir = tmp_path / "etc"
    workdir.mkdir()
    config = workdir / "config.toml"
    config.write_text(original, encoding="utf-8")
    on_path(BINARIES[judge_gen])
    missing = _missing_imports(original, workdir)
    parse_only = ""
    if gen == "parse":
        parse_only = "config version 4 needs containerd 2.3+, which Debian does not ship"
    elif missing and judge_gen.startswith("1."):
        parse_only = f"imports {', '.join(missing)}, absent here; containerd 1.x refuses a missing import"
    # the module validates with the node's containerd by default; parse-only cases cannot load
    args = {"path": str(config), **REQUEST}
    if parse_only:
        args["validate"] = ""
    try:
        first = run_module(containerd_config.main, args, diff=True)
    except ModuleFail as exc:
        _verdict(label, gen, "FAILED", f"module: {exc.result['msg'][:160]}")
        raise
    edited = config.read_text(encoding="utf-8")
    try:
        _check_kept(original, edited)
        assert first["changed"], "the first run reported changed=false"
        shown = "\n".join(_strings(first))
        secrets = secret_values(tomllib.loads(original.lstrip("\ufeff")))
        leaked = [v for v in secrets if f'"{v}"' in shown or f"'{v}'" in shown]
        assert not leaked, f"registry credentials in the result (diff mode): {len(leaked)} value(s)"
        second = run_module(containerd_config.main, args)
        assert second["changed"] is False, "the second run reported changed=true"
        assert config.read_text(encoding="utf-8") == edited, "the second run changed the bytes"
        assert HANDLER in first["handlers"], f"the module reports handlers {first['handlers']}"
        if parse_only:
            _check_parsed(edited, first["version"])
            _verdict(label, gen, "parse-only", parse_only)
            return
        _check_loaded(BINARIES[gen], config, gen)
    except AssertionError as exc:
        _verdict(label, gen, "FAILED", str(exc).splitlines()[0][:160])
        raise
    note = f"; imports {', '.join(missing)} absent (2.1 loads without it)" if missing else ""
    _verdict(label, gen, "loaded", f"handler and SystemdCgroup in containerd {gen}'s config dump{note}")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _check_kept(original: str, edited: str) -> None:
    before = leaves(tomllib.loads(original.lstrip("\ufeff")))
    after = leaves(tomllib.loads(edited.lstrip("\ufeff")))
    changed = {k: (v, after.get(k)) for k, v in before.items() if after.get(k, KeyError) != v}
    # the request sets SystemdCgroup of the default runtime; nothing else may change
    lost = {k: v for k, v in changed.items() if k[-1] != "SystemdCgroup"}
    assert not lost, f"keys lost or changed: {sorted('.'.join(k) for k in lost)[:5]}"
    assert _is_subsequence(_comments(original), _comments(edited)), "a comment of the original is lost or moved"
    kept = set(edited.splitlines())
    gone = [ln for ln in original.splitlines() if ln.strip() and ln not in kept and "SystemdCgroup" not in ln]
    # an inline table that gains a key is rewritten as a whole; no corpus file has one on the path
    assert not gone, f"lines of the original are gone: {gone[:3]}"


def _check_parsed(edited: str, version: int) -> None:
    data = tomllib.loads(edited)
    plugin = "io.containerd.grpc.v1.cri" if version <= 2 else "io.containerd.cri.v1.runtime"
    runtime = data["plugins"][plugin]["containerd"]["runtimes"][HANDLER]
    assert runtime["options"]["BinaryName"] == BINARY_NAME


def _check_loaded(binary: Path, config: Path, gen: str) -> None:
    rc, out, err = _dump(binary, config)
    assert rc == 0, f"containerd {gen} refused the edited file: {err.strip()[-300:]}"
    ctd = _cri_runtime_table(tomllib.loads(out), gen)
    runtimes = ctd["runtimes"]
    assert HANDLER in runtimes, f"containerd {gen} does not load {HANDLER}; it has {sorted(runtimes)}"
    assert runtimes[HANDLER]["options"]["BinaryName"] == BINARY_NAME
    default = ctd["default_runtime_name"]
    assert runtimes[default]["options"]["SystemdCgroup"] is True, f"{default}: SystemdCgroup not true in the dump"
    assert runtimes[default]["runtime_type"], f"{default}: runtime_type is empty in containerd {gen}'s dump"


V1_FILES = [c for c in CASES if c.values[2] == "1.6" and version_of(c.values[1].read_text(encoding="utf-8")) == 1]


@pytest.mark.parametrize(("label", "source", "gen"), V1_FILES)
def test_containerd_2_drops_a_version_1_cri_section_and_the_module_refuses(
    label: str, source: Path, gen: str, tmp_path: Path, on_path
) -> None:
    """containerd 2.1 loads a version-1 file without its CRI section: a handler there would never load."""
    if "2.1" not in BINARIES:
        pytest.skip(f"containerd 2.1 is not in {CACHE} (run scripts/setup/containerd-debs)")
    config = tmp_path / "config.toml"
    config.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    on_path(BINARIES["2.1"])
    rc, out, _err = _dump(BINARIES["2.1"], config)
    names = set(re.findall(r"^\s*\[plugins\.cri\.containerd\.runtimes\.([^.\]]+)\]", config.read_text(), re.M))
    names.discard("runc")  # containerd 2.x's built-in default handler, present in every dump
    if rc == 0 and names:
        loaded = set(_cri_runtime_table(tomllib.loads(out), "2.1").get("runtimes", {}))
        assert not (names & loaded), f"containerd 2.1 loaded {names & loaded} from a version-1 file"
    before = config.read_bytes()
    with pytest.raises(ModuleFail, match="version 1 config"):
        run_module(containerd_config.main, {"path": str(config), **REQUEST})
    assert config.read_bytes() == before
    _verdict(label, "2.1", "refused", "v1: containerd 2.1 drops plugins.cri; the module refuses, file unchanged")


def test_judges_are_real_binaries() -> None:
    """The cache holds Debian's containerd of each generation, not something else."""
    if not BINARIES:
        pytest.skip(f"no containerd judges in {CACHE} (run scripts/setup/containerd-debs)")
    for gen, binary in BINARIES.items():
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
        assert re.search(rf"\b{re.escape(gen)}\.\d+", out), f"{binary}: {out}"
        assert shutil.which("containerd") != str(binary)


def _run_and_dump(tmp_path: Path, on_path, gen: str, text: str, args: dict[str, Any]) -> dict[str, Any]:
    if gen not in BINARIES:
        pytest.skip(f"containerd {gen} is not in {CACHE} (run scripts/setup/containerd-debs)")
    config = tmp_path / "config.toml"
    config.write_text(text)
    on_path(BINARIES[gen])
    assert run_module(containerd_config.main, {"path": str(config), **args})["changed"]
    rc, out, err = _dump(BINARIES[gen], config)
    assert rc == 0, err
    return _cri_runtime_table(tomllib.loads(out), gen)


@pytest.mark.parametrize("gen", ["1.6", "1.7", "2.1"])
def test_systemd_cgroup_alone_gives_the_new_runc_table_a_runtime_type(gen: str, tmp_path: Path, on_path) -> None:
    """Item 8: a runc table written only for SystemdCgroup had runtime_type "" in containerd 1.6."""
    text = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "local/pause:1"\n'
    ctd = _run_and_dump(tmp_path, on_path, gen, text, {"cri": {"systemd_cgroup_default": True}})
    assert ctd["runtimes"]["runc"]["runtime_type"] == "io.containerd.runc.v2"
    assert ctd["runtimes"]["runc"]["options"]["SystemdCgroup"] is True


BOTH_LAYOUTS = (
    "version = 2\n"
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n'
    '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n'
)


@pytest.mark.parametrize("gen", ["1.6", "1.7", "2.1"])
def test_a_version_2_file_with_both_layouts_gets_the_handler_where_each_generation_reads(
    gen: str, tmp_path: Path, on_path
) -> None:
    """Item 4: containerd 2.1 reads only the io.containerd.cri.v1.runtime handlers of such a file, 1.x the others."""
    ctd = _run_and_dump(tmp_path, on_path, gen, BOTH_LAYOUTS, REQUEST)
    assert ctd["runtimes"][HANDLER]["options"]["BinaryName"] == BINARY_NAME


TALOS_FRAGMENT = CORPUS / "talos-cri-registry-fragment-noversion-v3layout.toml"


@pytest.mark.skipif(not TALOS_FRAGMENT.is_file(), reason=f"corpus file absent: {TALOS_FRAGMENT}")
def test_a_versionless_fragment_is_a_drop_in_of_its_main_files_version(tmp_path: Path, on_path) -> None:
    """Talos writes its CRI fragment without a version key; containerd 2.1 reads it as the main file's version."""
    if "2.1" not in BINARIES:
        pytest.skip(f"containerd 2.1 is not in {CACHE} (run scripts/setup/containerd-debs)")
    fragment = tmp_path / "conf.d" / "cri.toml"
    fragment.parent.mkdir()
    original = TALOS_FRAGMENT.read_text(encoding="utf-8")
    fragment.write_text(original, encoding="utf-8")
    main = tmp_path / "config.toml"
    main.write_text(f'version = 3\nimports = ["{fragment}"]\n')
    on_path(BINARIES["2.1"])
    args = {"path": str(main), "dropin": str(fragment), **REQUEST}
    first = run_module(containerd_config.main, args, diff=True)
    assert first["changed"]
    assert main.read_text() == f'version = 3\nimports = ["{fragment}"]\n'
    edited = fragment.read_text(encoding="utf-8")
    assert "version" not in tomllib.loads(edited)
    _check_kept(original, edited)
    assert run_module(containerd_config.main, args)["changed"] is False
    _check_loaded(BINARIES["2.1"], main, "2.1")
    _verdict("corpus/" + TALOS_FRAGMENT.name, "2.1", "loaded", "as the drop-in of a version-3 main (dropin=)")


SYSTEMD_RUNC = ".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n"
DUMP_CASES = {
    # (file, generation) -> the SystemdCgroup the kubelet role must read from that generation's dump
    "v1": ("[plugins.cri" + SYSTEMD_RUNC, {"1.6": True, "1.7": True, "2.1": False}),  # 2.x drops plugins.cri
    "v2": ('version = 2\n[plugins."io.containerd.grpc.v1.cri"' + SYSTEMD_RUNC, {"1.6": True, "1.7": True, "2.1": True}),
    # AKS's shape: the 2.x ids in a version-2 file; 1.x ignores them, 2.x reads them
    "v2-with-v3-ids": (
        'version = 2\n[plugins."io.containerd.cri.v1.runtime"' + SYSTEMD_RUNC,
        {"1.6": False, "1.7": False, "2.1": True},
    ),
    "v3": ('version = 3\n[plugins."io.containerd.cri.v1.runtime"' + SYSTEMD_RUNC, {"2.1": True}),
}


@pytest.mark.parametrize("gen", ["1.6", "1.7", "2.1"])
@pytest.mark.parametrize("case", sorted(DUMP_CASES))
def test_the_kubelet_filter_reads_each_generations_dump_by_its_version(tmp_path: Path, case: str, gen: str) -> None:
    """containerd_systemd_cgroup reads the CRI table of the dump's config version (the schema's), as containerd did."""
    from ansible_collections.cri.runtimes.plugins.filter.kubelet import containerd_systemd_cgroup_filter

    text, expected = DUMP_CASES[case]
    if gen not in expected:
        pytest.skip(f"containerd {gen} does not load a {case} file")
    if gen not in BINARIES:
        pytest.skip(f"containerd {gen} is not in {CACHE} (run scripts/setup/containerd-debs)")
    config = tmp_path / "config.toml"
    config.write_text(text)
    dump = subprocess.run(
        [str(BINARIES[gen]), "--config", str(config), "config", "dump"], capture_output=True, text=True, check=True
    ).stdout
    assert containerd_systemd_cgroup_filter(dump) is expected[gen]
