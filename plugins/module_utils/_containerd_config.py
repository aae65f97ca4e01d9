# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""containerd's config.toml: merges, imports, shorthands and the module run.

Every fact about containerd's config versions (where the CRI tables live in version N,
which release writes or reads which version, where a key moved, the built-in runc) lives
in ``_containerd_schema``; this file applies them:

* ``imports``: containerd 1.x replaces a whole ``plugins.<id>`` section with the
  imported one; containerd 2.0+ merges plugin sections key by key;
* a version-2 file may carry the version-3 plugin ids, which containerd 2.x reads
  (``cri_layout``).

Everything here is pure (no Ansible); ``run()`` drives a whole module call
through the small ``ModuleLike`` protocol of ``_files``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import os
import re
from dataclasses import dataclass, field
from typing import Any

from . import _containerd_migrate as _migrate
from . import _containerd_schema as schema
from . import _files
from ._containerd_schema import CRI_IMAGES, CRI_RUNTIME, CRI_V2, VERSIONS, SchemaError, cri_paths
from ._toml_edit import (
    Document,
    DottedKeyError,
    Path,
    TomlError,
    dotted,
    dotted_key,
    get_path,
    has_path,
    parse,
    render_value,
    same,
    scan,
)

__all__ = ["CRI_IMAGES", "CRI_RUNTIME", "CRI_V2", "VERSIONS", "cri_paths"]

DEFAULT_PATH = "/etc/containerd/config.toml"
DEFAULT_RUNTIME_TYPE = schema.RUNC_RUNTIME_TYPE  # what a runtimes item without runtime_type gets
CRI_KEYS = (
    "sandbox_image",
    "registry_config_path",
    "cni_bin_dir",
    "cni_conf_dir",
    "restrict_oom_score_adj",
    "enable_cdi",
    "systemd_cgroup_default",
)
_HANDLER_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class ConfigError(Exception):
    """Bad input or a file that cannot be merged safely; the message names file and key."""


# --------------------------------------------------------------------------- versions


parse_containerd_version = schema.parse_release
config_version_for = schema.written_version  # the config version `containerd config default` of a release writes


def file_version(data: dict[str, Any], name: str) -> int:
    """The version a parsed config declares; no ``version`` key means 1."""
    try:
        return schema.config_version(data, name)
    except SchemaError as exc:
        raise ConfigError(str(exc)) from None


def imports_merge_plugins(version: int, containerd: tuple[int, int, int] | None) -> bool:
    """True when imported plugin sections merge key by key (containerd 2.0+)."""
    return schema.merges_imported_plugins(version, containerd)


@dataclass
class Layout:
    """Where containerd will read each version-independent name, for one file and its imports."""

    paths: dict[str, Path]
    # plugin ids io.containerd.cri.v1.* may be written into a version-2 file (containerd 2.x reads them)
    v3_ids_ok: bool = False
    notes: list[str] = field(default_factory=list)


def cri_layout(version: int, eff: dict[str, Any], ctd: tuple[int, int, int] | None, name: str = "config") -> Layout:
    """The CRI paths containerd of generation ``ctd`` really reads, given the tables ``eff`` already has.

    ``eff`` is the effective data (the file merged with its imports). The ``version`` key alone
    does not decide it: a version-2 file may carry the version-3 plugin ids (AKS's template for
    containerd 2.x writes ``version = 2`` with ``io.containerd.cri.v1.runtime``/``.images``), and
    containerd 2.x reads those. Measured with containerd 2.1.9 (``config dump`` of version-2 files,
    see tests/judges): it migrates ``io.containerd.grpc.v1.cri`` into the version-3 ids key by key,
    a key already present under the version-3 id wins, and ``containerd.runtimes`` moves as ONE
    key: when ``io.containerd.cri.v1.runtime`` has a ``containerd.runtimes`` table, every handler
    under ``io.containerd.grpc.v1.cri`` is ignored. containerd 1.x never reads the version-3 ids.
    containerd 2.1.9 loads a version-1 file but drops its ``plugins.cri`` section (it logs
    "Ignoring unknown key"), so no version-1 handler reaches containerd 2.x.
    """
    v2 = cri_paths(version)
    if version != 2:
        return Layout(v2)
    reader = schema.reads_split_ids(ctd)
    has_rt = has_path(eff, ("plugins", CRI_RUNTIME))
    has_img = has_path(eff, ("plugins", CRI_IMAGES))
    if reader is False:
        layout = Layout(v2)
        if has_rt or has_img:
            layout.notes.append(
                f"{name}: containerd {_fmt(ctd)} ignores the plugins.{dotted((CRI_RUNTIME,))} and"
                f" plugins.{dotted((CRI_IMAGES,))} tables (containerd 2.x ids); the CRI settings go to"
                f" plugins.{dotted((CRI_V2,))}"
            )
        return layout
    v3 = cri_paths(3)
    paths = dict(v2)
    v3_runtimes = has_path(eff, v3["runtimes"])
    v2_runtimes = has_path(eff, v2["runtimes"])
    handler_keys = ("containerd", "runtimes", "default_runtime_name")  # containerd.runtimes moves as one key
    if v3_runtimes or (not v2_runtimes and has_rt and not has_path(eff, ("plugins", CRI_V2))):
        for key in handler_keys:
            paths[key] = v3[key]
    for key, path in v3.items():  # each other name follows its version-3 plugin once the file has that table
        if key not in handler_keys and ((path[1] == CRI_RUNTIME and has_rt) or (path[1] == CRI_IMAGES and has_img)):
            paths[key] = path
    layout = Layout(paths, v3_ids_ok=bool(reader) or has_rt or has_img)
    if v3_runtimes and v2_runtimes:
        ignored = sorted(get_path(eff, v2["runtimes"]))
        layout.notes.append(
            f"{name}: containerd 2.x reads the handlers under plugins.{dotted((CRI_RUNTIME,))} and ignores"
            f" the ones under plugins.{dotted((CRI_V2,))} ({', '.join(ignored)})"
        )
    return layout


# --------------------------------------------------------------------------- pure data ops


def deep_merge(base: dict[str, Any], frag: dict[str, Any], merge_arrays: bool = False) -> dict[str, Any]:
    """A new dict: tables merge recursively, scalars and arrays replace (or union)."""
    out = dict(base)
    for key, value in frag.items():
        cur = out.get(key)
        if isinstance(value, dict) and isinstance(cur, dict):
            out[key] = deep_merge(cur, value, merge_arrays)
        elif merge_arrays and isinstance(value, list) and isinstance(cur, list):
            out[key] = union(cur, value)
        else:
            out[key] = value
    return out


def union(first: list[Any], second: list[Any]) -> list[Any]:
    out = list(first)
    for item in second:
        if not any(same(item, have) for have in out):
            out.append(item)
    return out


def without(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """A copy of ``data`` without ``path`` (no error when absent)."""
    if not has_path(data, path):
        return data
    if len(path) == 1:
        return {k: v for k, v in data.items() if k != path[0]}
    out = dict(data)
    out[path[0]] = without(data[path[0]], path[1:])
    return out


def _assign(data: dict[str, Any], path: Path, value: Any) -> None:
    cur = data
    for part in path[:-1]:
        cur = cur.setdefault(part, {})
    cur[path[-1]] = value


def check_values(frag: Any, where: Path = ()) -> None:
    """Refuse what TOML cannot hold (null, non-string keys)."""
    if isinstance(frag, dict):
        for key, value in frag.items():
            if not isinstance(key, str):
                raise ConfigError(f"fragment: key {key!r} at {dotted(where) or 'top level'} must be a string")
            check_values(value, (*where, key))
    elif isinstance(frag, list):
        for item in frag:
            check_values(item, where)
    elif frag is None:
        raise ConfigError(f"fragment: {dotted(where)} is null; TOML has no null (use remove to delete a key)")


def check_shapes(data: dict[str, Any], frag: dict[str, Any], name: str, where: Path = ()) -> None:
    """A table must meet a table and a value a value, or the merge is refused."""
    for key, value in frag.items():
        path = (*where, key)
        if key not in data:
            continue
        cur = data[key]
        if isinstance(value, dict) and not isinstance(cur, dict):
            what = "an array of tables" if isinstance(cur, list) and cur and isinstance(cur[0], dict) else "a value"
            raise ConfigError(f"{name}: {dotted(path)} is {what}, not a table, but the fragment needs a table there")
        if isinstance(cur, dict) and not isinstance(value, dict):
            raise ConfigError(
                f"{name}: {dotted(path)} is a table; the fragment would replace it with the value {value!r}"
                " (remove it first if that is meant)"
            )
        if isinstance(value, dict):
            check_shapes(cur, value, name, path)


def check_fragment_version(frag: dict[str, Any], version: int, name: str, v3_ids_ok: bool = False) -> None:
    """Refuse plugin keys that belong to another config version than the file's (``schema`` says which).

    ``v3_ids_ok``: the file is a version-2 file that containerd 2.x reads (see ``cri_layout``).
    """
    plugins = frag.get("plugins")
    if not isinstance(plugins, dict):
        return
    own = schema.cri_plugin_ids(version)
    gone = schema.moved_out(version)
    for plugin, body in plugins.items():
        if version in schema.SHORT_ID_VERSIONS and plugin.startswith("io.containerd."):
            raise ConfigError(
                f"{name}: is a version {version} config, which names plugins by short id (plugins.cri);"
                f" the fragment uses plugins.{dotted((plugin,))}"
            )
        if plugin in schema.DISABLEABLE_CRI_IDS and plugin not in own:
            _refuse_foreign_cri_id(plugin, version, name, own, v3_ids_ok)
        if not isinstance(body, dict):
            continue
        for key in body:
            if ("plugins", plugin, key) in gone:
                since, dst = gone[("plugins", plugin, key)]
                raise ConfigError(
                    f"{name}: is a version {version} config; plugins.{dotted((plugin, key))} is a version"
                    f" {since - 1} key that version {since} moved to plugins.{dotted(dst[1:])}"
                )


def _refuse_foreign_cri_id(plugin: str, version: int, name: str, own: tuple[str, ...], v3_ids_ok: bool) -> None:
    """A CRI plugin id of another config version than ``version`` (the file's)."""
    first = min(v for v, ids in schema.CRI_PLUGIN_IDS.items() if plugin in ids)
    if first < version:
        raise ConfigError(
            f"{name}: is a version {version} config; plugins.{dotted((plugin,))} is a version {first} key"
            f" (use plugins.{dotted((own[0],))})"
        )
    if v3_ids_ok and version in schema.CRI_V3_IDS_READ_IN:
        return
    gen = next(g for g in schema.GENERATIONS if g.writes == first)
    raise ConfigError(
        f"{name}: is a version {version} config; plugins.{dotted((plugin,))} exists only in version {first}+"
        f" (containerd {gen.since[0]}.{gen.since[1]}+); in version {version} the CRI settings are under"
        f" plugins.{dotted((own[0],))}"
    )


# --------------------------------------------------------------------------- shorthands


def runtime_table(item: dict[str, Any]) -> dict[str, Any]:
    """The runtime table a ``runtimes`` item describes (only the keys it names)."""
    table: dict[str, Any] = {"runtime_type": item.get("runtime_type") or DEFAULT_RUNTIME_TYPE}
    for key in ("runtime_path", "privileged_without_host_devices", "pod_annotations", "container_annotations"):
        if item.get(key) is not None:
            table[key] = item[key]
    for key, value in (item.get("extra") or {}).items():
        table[key] = value
    if item.get("options"):
        table["options"] = dict(item["options"])
    return table


def shorthand_fragment(
    version: int,
    data: dict[str, Any],
    runtimes: list[dict[str, Any]],
    cri: dict[str, Any],
    *,
    containerd: tuple[int, int, int] | None = None,
    name: str = "config",
    paths: dict[str, Path] | None = None,
    eff: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Path]]:
    """Turn ``runtimes`` and ``cri`` into a fragment and removals.

    ``paths``: where each name goes (``cri_layout``; default: the paths of ``version``).
    ``eff``: the effective data (file and imports) the defaults are looked up in (default ``data``).
    """
    paths = paths or cri_paths(version)
    eff = data if eff is None else eff
    frag: dict[str, Any] = {}
    removes: list[Path] = []
    defaults = [item["name"] for item in runtimes if item.get("default") and item.get("state", "present") == "present"]
    if len(defaults) > 1:
        raise ConfigError(f"runtimes: only one handler can be the default, got {', '.join(defaults)}")
    current_default = data_get(eff, paths["default_runtime_name"])
    seen = set()
    for item in runtimes:
        handler = item.get("name")
        if not isinstance(handler, str) or not _HANDLER_NAME.fullmatch(handler) or len(handler) > 63:
            raise ConfigError(
                f"runtimes: handler name {handler!r} must be a DNS label (lowercase letters, digits, '-',"
                " at most 63 characters), as a RuntimeClass handler is"
            )
        if handler in seen:
            raise ConfigError(f"runtimes: handler {handler} is listed twice")
        seen.add(handler)
        where = (*paths["runtimes"], handler)
        if item.get("state", "present") == "absent":
            if current_default == handler:
                raise ConfigError(
                    f"{name}: cannot remove handler {handler}: it is {dotted(paths['default_runtime_name'])};"
                    " make another handler the default first"
                )
            removes.append(where)
            continue
        _assign(frag, where, runtime_table(item))
        if item.get("default"):
            _assign(frag, paths["default_runtime_name"], handler)
    _cri_fragment(
        frag,
        removes,
        cri,
        paths=paths,
        eff=eff,
        current_default=current_default,
        version=version,
        containerd=containerd,
    )
    return frag, removes


def _cri_fragment(
    frag: dict[str, Any],
    removes: list[Path],
    cri: dict[str, Any],
    *,
    paths: dict[str, Path],
    eff: dict[str, Any],
    current_default: Any,
    version: int,
    containerd: tuple[int, int, int] | None,
) -> None:
    """Add the ``cri`` shorthands to ``frag`` and ``removes``."""
    unknown = sorted(set(cri) - set(CRI_KEYS))
    if unknown:
        raise ConfigError(f"cri: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(CRI_KEYS)}")
    for key, value in cri.items():
        if value is None:
            continue
        if key == "systemd_cgroup_default":
            default = data_get(frag, paths["default_runtime_name"]) or schema.default_runtime_name(current_default)
            runtime = (*paths["runtimes"], default)
            _assign(frag, (*runtime, "options", "SystemdCgroup"), bool(value))
            if data_get(eff, (*runtime, "runtime_type")) is None and data_get(frag, (*runtime, "runtime_type")) is None:
                # a runtime table without runtime_type is a runtime with runtime_type "" to containerd 1.6
                # (config dump); io.containerd.runc.v2 is what `containerd config default` of 1.6, 1.7
                # and 2.1 writes for runc
                _assign(frag, (*runtime, "runtime_type"), DEFAULT_RUNTIME_TYPE)
        elif key in ("cni_bin_dir", "cni_conf_dir"):
            cni = paths["cni"]
            if key == "cni_conf_dir":
                _assign(frag, (*cni, "conf_dir"), value)
                continue
            use_list = schema.cni_bin_dirs_always(version) or (
                cni[1] == CRI_RUNTIME and (has_path(eff, (*cni, "bin_dirs")) or schema.cni_bin_dirs_read_by(containerd))
            )
            if use_list:
                _assign(frag, (*cni, "bin_dirs"), [value])
                removes.append((*cni, "bin_dir"))
            else:
                _assign(frag, (*cni, "bin_dir"), value)
                if cni[1] == CRI_RUNTIME:
                    removes.append((*cni, "bin_dirs"))
        else:
            _assign(frag, paths[key], value)


def data_get(data: dict[str, Any], path: Path) -> Any:
    try:
        return get_path(data, path)
    except KeyError:
        return None


def handlers(data: dict[str, Any], version: int) -> list[str]:
    return _handlers_at(data, cri_paths(version))


def _handlers_at(data: dict[str, Any], paths: dict[str, Path]) -> list[str]:
    runtimes = data_get(data, paths["runtimes"])
    return sorted(runtimes) if isinstance(runtimes, dict) else []


# --------------------------------------------------------------------------- the text merge


@dataclass
class Merge:
    text: str
    data: dict[str, Any]
    version: int


def merge_text(
    text: str,
    name: str,
    frag: dict[str, Any],
    removes: list[Path],
    *,
    merge_arrays: bool = False,
    new_version: int | None = None,
    v3_ids_ok: bool = False,
    read_as: int | None = None,
) -> Merge:
    """Apply ``frag`` and ``removes`` to the TOML ``text``, keeping its style.

    ``removes`` are applied first, so removing a table that ``frag`` also gives
    replaces it as a whole. ``new_version``: the file says nothing yet (new or
    empty): write ``version``. When the merged data equals the file's data the
    text is returned unchanged; otherwise the result is parsed again and
    compared with the expected data, and a mismatch is an error, never a write.
    """
    doc = Document(text, name)
    before = doc.data
    check_values(frag)
    if new_version is not None:
        version = new_version
    elif read_as is not None and "version" not in before:
        version = read_as  # an imported file without a version key is read as the main file's version
    else:
        version = file_version(before, name)
    check_fragment_version(frag, version, name, v3_ids_ok)
    expected = before
    for path in removes:
        if not path:
            raise ConfigError("remove: an empty key path would remove the whole file")
        expected = without(expected, tuple(path))
    check_shapes(expected, frag, name)
    expected = deep_merge(expected, frag, merge_arrays)
    adds_version = new_version is not None and "version" not in before
    if adds_version:
        expected = {"version": new_version, **expected}
    elif same(_pruned(expected), _pruned(before)) and not any(
        has_path(before, tuple(p)) and not has_path(expected, tuple(p)) for p in removes
    ):
        # nothing to change in meaning: keep the text byte for byte (removing an empty table is a
        # change: an empty [...runtimes.kata] is a handler containerd loads with its defaults)
        return Merge(text, before, version)
    # removals first, so that removing a table and giving it in the fragment replaces it
    for path in removes:
        doc.delete(tuple(path))
    if adds_version:
        doc.set_value(("version",), new_version)
    _apply(doc, (), frag, merge_arrays)
    result = parse(doc.text, name)
    # an empty table and no table mean the same to containerd; removing the last dotted key of
    # a table removes the table, so empty tables are not compared
    if not same(_pruned(result), _pruned(expected)):
        raise ConfigError(f"{name}: internal error: the edited text does not hold the merged data; nothing written")
    return Merge(doc.text, result, version)


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _pruned(value[k]) for k in sorted(value)}
        return {k: v for k, v in out.items() if v != {}}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _apply(doc: Document, base: Path, frag: dict[str, Any], merge_arrays: bool) -> None:
    for key, value in frag.items():
        path = (*base, key)
        exists = has_path(doc.data, path)
        if isinstance(value, dict):
            if exists:
                _apply(doc, path, value, merge_arrays)
            else:
                doc.create_table(path, value)
            continue
        new = value
        if exists:
            cur = get_path(doc.data, path)
            if merge_arrays and isinstance(value, list) and isinstance(cur, list):
                new = union(cur, value)
            if same(cur, new):
                continue
        doc.set_value(path, new)


# --------------------------------------------------------------------------- imports


def _abs_import(entry: str, main_path: str) -> str:
    return entry if os.path.isabs(entry) else os.path.join(os.path.dirname(main_path), entry)


def import_covers(entry: str, main_path: str, target: str) -> bool:
    """Does the ``imports`` entry (a path or a glob, relative to the main file) name ``target``?"""
    pattern = os.path.normpath(_abs_import(entry, main_path))
    target = os.path.normpath(target)
    if pattern == target:
        return True
    # Go's filepath.Match: a wildcard never crosses a '/'
    pat_parts = pattern.split("/")
    tgt_parts = target.split("/")
    # equal lengths are checked first; zip(strict=) does not exist before Python 3.10 (managed-node floor 3.9)
    return len(pat_parts) == len(tgt_parts) and all(fnmatch.fnmatchcase(t, p) for p, t in zip(pat_parts, tgt_parts))


def imported_files(imports: list[Any], main_path: str) -> list[str]:
    """The files an ``imports`` list names today, in containerd's order (globs sorted)."""
    out: list[str] = []
    for entry in imports:
        if not isinstance(entry, str):
            continue
        full = _abs_import(entry, main_path)
        if any(c in full for c in "*?["):
            out.extend(sorted(glob.glob(full)))
        elif os.path.exists(full):
            out.append(full)
    return out


def effective(main: dict[str, Any], imported: list[dict[str, Any]], plugin_merge: bool) -> dict[str, Any]:
    """What containerd makes of a main config and its imports (CRI-relevant part)."""
    eff = dict(main)
    for data in imported:
        if plugin_merge:
            eff = deep_merge(eff, data)
            continue
        plugins = dict(eff.get("plugins") or {})
        plugins.update(data.get("plugins") or {})
        eff = deep_merge(
            {k: v for k, v in eff.items() if k != "plugins"}, {k: v for k, v in data.items() if k != "plugins"}
        )
        eff["plugins"] = plugins
    return eff


# --------------------------------------------------------------------------- secrets

# Registry credentials of the CRI plugin (containerd docs/cri/registry.md and config.md):
# registry.configs."<host>".auth.{username,password,auth,identitytoken} and the deprecated
# registry.auths."<host>" table with the same keys. ``username`` is not a secret.
SECRET_KEYS = frozenset(("password", "auth", "identitytoken"))
MASK = "********"


def is_secret(path: Path) -> bool:
    """Does this key path hold a registry credential?"""
    if not path or path[-1] not in SECRET_KEYS:
        return False
    return (len(path) >= 5 and path[-5:-3] == ("registry", "configs") and path[-2] == "auth") or (
        len(path) >= 4 and path[-4:-2] == ("registry", "auths")
    )


def secret_values(data: Any, path: Path = ()) -> set[str]:
    """Every credential string held in ``data``."""
    out: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            out |= secret_values(value, (*path, key))
    elif isinstance(data, str) and data and is_secret(path):
        out.add(data)
    return out


def _masked(value: Any, path: Path) -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, (*path, k)) for k, v in value.items()}
    return MASK if is_secret(path) and isinstance(value, str) else value


def mask_text(text: str, name: str) -> str:
    """``text`` (a TOML document) with every registry credential value replaced by ``MASK``.

    Only the values of credential keys change; every other character is kept, so a diff of
    two masked texts shows exactly the other changes.
    """
    try:
        data = parse(text, name)
        if not secret_values(data):
            return text
        stmts = scan(text).stmts
    except Exception:  # a text that cannot be scanned is shown as nothing rather than in clear
        return f"# {name}: not shown (it may hold registry credentials and could not be masked)\n"
    out = text
    for stmt in reversed(stmts):
        if stmt.kind != "kv":
            continue
        value = get_path(data, stmt.path) if has_path(data, stmt.path) else None
        if is_secret(stmt.path) and isinstance(value, str):
            new = render_value(MASK, stmt.quote)
        elif isinstance(value, dict) and secret_values(value, stmt.path):
            new = render_value(_masked(value, stmt.path), stmt.quote)
        else:
            continue
        out = out[: stmt.val_start] + new + out[stmt.val_end :]
    if any(render_value(v) in out or f"'{v}'" in out for v in secret_values(data)):
        # a credential also appears elsewhere (a comment, an array): hide the text rather than show it
        return f"# {name}: not shown (it holds registry credentials that could not all be masked)\n"
    return out


def mask_message(message: str, secrets: set[str]) -> str:
    """An error or warning text with every known credential value replaced."""
    for secret in sorted(secrets, key=len, reverse=True):
        # whole values only: a password "pass" must not turn the word "password" into "********word"
        message = re.sub(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", MASK, message)
    return message


# --------------------------------------------------------------------------- the module run


class ModuleLike(_files.ModuleLike):
    def get_bin_path(self, arg: str, required: bool = False, opt_dirs: list[str] | None = None) -> str | None: ...

    def warn(self, warning: str) -> None: ...


@dataclass
class Outcome:
    changed: bool = False
    path: str = ""
    dropin: str | None = None
    version: int = 0
    handlers: list[str] = field(default_factory=list)
    restart_needed: bool = False
    backup_file: str | None = None
    # every file whose text changed (would change, in check mode), in the order written, and the backup of each:
    # a migration writes the drop-ins and the main file, and a rollback needs every one of them
    changed_files: list[str] = field(default_factory=list)
    backup_files: dict[str, str] = field(default_factory=dict)
    diff: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_result(self, with_diff: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "changed": self.changed,
            "path": self.path,
            "version": self.version,
            "handlers": self.handlers,
            "restart_needed": self.restart_needed,
            "backup_file": self.backup_file,
            "changed_files": self.changed_files,
            "backup_files": self.backup_files,
        }
        if self.dropin:
            out["dropin"] = self.dropin
        if with_diff:
            out["diff"] = self.diff
        return out


def containerd_version(module: ModuleLike) -> tuple[tuple[int, int, int] | None, str | None]:
    binary = module.get_bin_path("containerd")
    if not binary:
        return None, None
    rc, out, _err = module.run_command([binary, "--version"])
    return (parse_containerd_version(out) if rc == 0 else None), binary


@dataclass
class Plan:
    """Everything one call will do, before anything is written."""

    version: int
    writes: list[tuple[_files.Current, str]]
    effective: dict[str, Any]
    dropin: str | None = None
    frag: dict[str, Any] = field(default_factory=dict)
    layout: Layout | None = None


def _read(path: str) -> tuple[_files.Current, str, dict[str, Any]]:
    cur = _files.read_current(path)
    text = _files.decode(cur.data, cur.path)
    return cur, text, parse(text, cur.path)


def _versions(main: _files.Current, data: dict[str, Any], wanted: int | None, ctd: Any) -> tuple[int, int | None]:
    """The file's config version, and the version to write into a new (or empty) file."""
    if not data:  # new, empty or only comments: the caller's or the binary's version
        version = wanted or config_version_for(ctd)
        return version, version
    version = file_version(data, main.path)
    if wanted and wanted != version:
        implied = " (no version key means 1)" if "version" not in data else ""
        raise ConfigError(f"{main.path}: is a version {version} config{implied}, not version {wanted}")
    return version, None


def dotted_key_path(text: str) -> Path:
    """A TOML dotted key (``plugins."io.containerd.grpc.v1.cri".containerd``) as a key path."""
    try:
        return dotted_key(
            text, 'quote a key that holds dots: plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata'
        )
    except DottedKeyError as exc:
        raise ConfigError(f"remove: {exc}") from exc


def _removes(params: dict[str, Any], data: dict[str, Any], name: str) -> list[Path]:
    """The ``remove`` entries as key paths; refuse a top-level table unless ``remove_top_level``.

    An entry is a list of key names or a TOML dotted-key string. Ansible makes each string of a
    flat list (``[plugins, io.containerd.grpc.v1.cri, containerd, runtimes, kata]``) an entry of
    its own, which would delete the whole ``[plugins]`` table; that and every other removal of a
    whole top-level table needs ``remove_top_level: true``.
    """
    raw = params.get("remove") or []
    removes: list[Path] = []
    for entry in raw:
        if isinstance(entry, str):
            removes.append(dotted_key_path(entry))
        elif isinstance(entry, (list, tuple)) and entry and all(isinstance(x, str) for x in entry):
            removes.append(tuple(entry))
        else:
            raise ConfigError(
                f"remove: each entry must be a non-empty list of key names or a TOML dotted key, got {entry!r}"
            )
    if params.get("remove_top_level"):
        return removes
    flat = [e[0] if isinstance(e, list) and len(e) == 1 else e for e in raw]
    if len(flat) > 1 and all(isinstance(e, str) for e in flat):
        joined = tuple(flat)
        if has_path(data, joined):
            raise ConfigError(
                f"remove: {flat!r} reads as {len(flat)} separate removals (Ansible makes each string of a flat"
                f" list its own entry), but together they name {dotted(joined)} in {name}; write the path as one"
                f" entry: remove: [{flat!r}] or remove: ['{dotted(joined)}']"
            )
    for path in removes:
        if len(path) == 1 and isinstance(data.get(path[0]), dict):
            raise ConfigError(
                f"remove: {list(path)!r} would delete the whole top-level table [{dotted(path)}] of {name}."
                " If one longer path was meant, write it as one entry (a list of keys, or a dotted key string such"
                " as 'plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata'); set remove_top_level: true"
                " if the whole table is meant"
            )
    return removes


def plan(params: dict[str, Any], ctd: tuple[int, int, int] | None) -> Plan:
    """Read the file(s) and compute every new text; raises ConfigError/TomlError/FileError."""
    main = _read(params["path"])
    main_cur, _main_text, main_data = main
    if not main_cur.exists and not params["create"]:
        raise ConfigError(f"{main_cur.path}: does not exist and create=false")
    version, new_version = _versions(main_cur, main_data, params.get("version"), ctd)
    plugin_merge = imports_merge_plugins(version, ctd)
    drop = _read_dropin(params.get("dropin"), main_cur, version)
    target_cur, _target_text, target_data = drop or main
    eff_before = _effective_now(main_cur.path, main_data, drop[0].path if drop else None, target_data, plugin_merge)
    layout = cri_layout(version, eff_before, ctd, target_cur.path)
    _refuse_unread_v1(version, ctd, params, target_cur.path)
    _refuse_removed_shims(params, ctd, target_cur.path)
    short, short_removes = shorthand_fragment(
        version,
        target_data,
        params.get("runtimes") or [],
        params.get("cri") or {},
        containerd=ctd,
        name=target_cur.path,
        paths=layout.paths,
        eff=eff_before,
    )
    frag = deep_merge(short, params.get("fragment") or {})
    edit = _Edit(
        frag,
        short_removes + _removes(params, target_data, target_cur.path),
        bool(params.get("merge_arrays")),
        new_version,
        layout,
        plugin_merge,
    )
    if drop is None:
        return _plan_main_only(main, version, edit)
    return _plan_with_dropin(main, drop, version, edit, ctd)


@dataclass
class _Edit:
    """What to merge into the target file, and how."""

    frag: dict[str, Any]
    removes: list[Path]
    merge_arrays: bool
    new_version: int | None  # the main file's version key to write, when it has none
    layout: Layout
    plugin_merge: bool  # whether this containerd merges an import's plugin tables key by key


def _read_dropin(
    dropin: str | None, main_cur: _files.Current, version: int
) -> tuple[_files.Current, str, dict[str, Any]] | None:
    """The drop-in to edit (None without one), refused when it is the main file or of another version."""
    if not dropin:
        return None
    drop_cur, drop_text, drop_data = _read(dropin)
    if os.path.normpath(drop_cur.path) == os.path.normpath(main_cur.path):
        raise ConfigError(f"{drop_cur.path}: dropin must be another file than path")
    # a drop-in without a version key is read as the main file's version (containerd 2.1.9 loads a
    # versionless import of a version-3 main with its version-3 tables; Talos writes such fragments)
    if "version" in drop_data and file_version(drop_data, drop_cur.path) != version:
        raise ConfigError(
            f"{drop_cur.path}: is a version {file_version(drop_data, drop_cur.path)} config"
            f" but {main_cur.path} is version {version}"
        )
    return drop_cur, drop_text, drop_data


def _plan_main_only(main: tuple[_files.Current, str, dict[str, Any]], version: int, edit: _Edit) -> Plan:
    """The edit goes into the main file; the effective config follows its imports."""
    main_cur, main_text, _data = main
    main_new = merge_text(
        main_text,
        main_cur.path,
        edit.frag,
        edit.removes,
        merge_arrays=edit.merge_arrays,
        new_version=edit.new_version,
        v3_ids_ok=edit.layout.v3_ids_ok,
    )
    imported = [
        _read(f)[2]
        for f in imported_files(list(main_new.data.get("imports") or []), main_cur.path)
        if not _same_file(f, main_cur.path)
    ]
    eff = effective(main_new.data, imported, edit.plugin_merge)
    return Plan(version, [(main_cur, main_new.text)], eff, frag=edit.frag, layout=edit.layout)


def _plan_with_dropin(
    main: tuple[_files.Current, str, dict[str, Any]],
    drop: tuple[_files.Current, str, dict[str, Any]],
    version: int,
    edit: _Edit,
    ctd: tuple[int, int, int] | None,
) -> Plan:
    """The edit goes into the drop-in; the main file only gains the import of it (written last)."""
    main_cur, main_text, main_data = main
    drop_cur, drop_text, drop_data = drop
    drop_new = merge_text(
        drop_text,
        drop_cur.path,
        edit.frag,
        edit.removes,
        merge_arrays=edit.merge_arrays,
        new_version=version if not drop_data else None,
        v3_ids_ok=edit.layout.v3_ids_ok,
        read_as=version,
    )
    imports = list(main_data.get("imports") or [])
    main_frag: dict[str, Any] = {}
    if not any(isinstance(e, str) and import_covers(e, main_cur.path, drop_cur.path) for e in imports):
        main_frag["imports"] = [*imports, drop_cur.path]
    main_new = merge_text(main_text, main_cur.path, main_frag, [], new_version=edit.new_version)
    ordered = _imported_with(main_new.data, main_cur.path, drop_cur.path, drop_new.data)
    if not edit.plugin_merge:
        _refuse_section_loss(drop_cur.path, drop_new.data, [(main_cur.path, main_new.data), *ordered], ctd)
    eff = effective(main_new.data, [d for _f, d in ordered], edit.plugin_merge)
    return Plan(
        version,
        [(drop_cur, drop_new.text), (main_cur, main_new.text)],
        eff,
        drop_cur.path,
        edit.frag,
        layout=edit.layout,
    )


def _imported_with(
    main_data: dict[str, Any], main_path: str, dropin: str, drop_data: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The files main's imports name, in order, with ``drop_data`` standing for the drop-in."""
    files = imported_files(list(main_data.get("imports") or []), main_path)
    if not any(_same_file(f, dropin) for f in files):
        files.append(dropin)  # not on disk yet (or not imported yet), so no glob found it
    return [(f, drop_data if _same_file(f, dropin) else _read(f)[2]) for f in files if not _same_file(f, main_path)]


def _effective_now(
    main_path: str,
    main_data: dict[str, Any],
    dropin: str | None,
    drop_data: dict[str, Any],
    plugin_merge: bool,
) -> dict[str, Any]:
    """What containerd reads today from the main file, its imports and the drop-in (before any edit)."""
    if dropin is None:
        files = imported_files(list(main_data.get("imports") or []), main_path)
        imported = [_read(f)[2] for f in files if not _same_file(f, main_path)]
        return effective(main_data, imported, plugin_merge)
    return effective(main_data, [d for _f, d in _imported_with(main_data, main_path, dropin, drop_data)], plugin_merge)


def _refuse_unread_v1(version: int, ctd: tuple[int, int, int] | None, params: dict[str, Any], name: str) -> None:
    """containerd 2.x drops the CRI section of a version-1 file: a handler put there would never load."""
    if version == 1 and schema.reads_cri(version, ctd) is False and (params.get("runtimes") or params.get("cri")):
        raise ConfigError(
            f"{name}: is a version 1 config (no version key), and containerd {_fmt(ctd)} ignores its plugins.cri"
            " section (it logs 'Ignoring unknown key'), so runtimes and cri settings there would never load;"
            " convert the file first (containerd config migrate) or set version = 2 with the version 2 plugin ids"
        )


def _refuse_removed_shims(params: dict[str, Any], ctd: tuple[int, int, int] | None, name: str) -> None:
    """containerd 2.0 removed the runc v1 shim and runtime v1: a handler on one could never run on 2.x."""
    if ctd is None or ctd[0] < 2:
        return
    for item in params.get("runtimes") or []:
        rtype = item.get("runtime_type")
        if item.get("state", "present") == "present" and rtype in schema.REMOVED_IN_2_0_RUNTIME_TYPES:
            raise ConfigError(
                f"{name}: handler {item.get('name')}: runtime_type {rtype!r} was removed in containerd 2.0"
                f" (containerd RELEASES.md, deprecated features) and this node's containerd is {_fmt(ctd)};"
                f" use {schema.RUNC_RUNTIME_TYPE}"
            )


def _same_file(a: str, b: str) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def _refuse_section_loss(
    dropin: str, data: dict[str, Any], others: list[tuple[str, dict[str, Any]]], ctd: tuple[int, int, int] | None
) -> None:
    """containerd 1.x: an imported plugin section replaces the one of the main file (and earlier imports)."""
    mine = set((data.get("plugins") or {}).keys())
    for owner, other in others:
        if _same_file(owner, dropin):
            continue
        clash = sorted(mine & set((other.get("plugins") or {}).keys()))
        if clash:
            raise ConfigError(
                f"{dropin}: containerd {_fmt(ctd)} replaces a whole plugin section with an imported one, and"
                f" {owner} also sets plugins.{dotted((clash[0],))}: importing this drop-in would drop those"
                " settings. Merge into the main config (omit dropin), or use containerd 2.0+, which merges"
                " imported plugin sections key by key"
            )


def _known_secrets(params: dict[str, Any]) -> set[str]:
    """Credentials in the files the call reads and in its fragment (best effort: for masking only)."""
    found = secret_values(params.get("fragment") or {})
    for path in (params.get("path"), params.get("dropin")):
        if not path:
            continue
        with contextlib.suppress(Exception):  # the real read in plan() reports any error
            cur = _files.read_current(path)
            found |= secret_values(parse(_files.decode(cur.data, cur.path), cur.path))
    return found


def run(module: ModuleLike, diff_mode: bool) -> Outcome:
    """One module call: plan, validate, write, report; registry credentials never in what it returns."""
    secrets = _known_secrets(module.params)
    try:
        outcome = _run(module, diff_mode)
    except (ConfigError, TomlError, _files.FileError) as exc:
        if not secrets:
            raise
        raise type(exc)(mask_message(str(exc), secrets)) from None
    outcome.warnings = [mask_message(w, secrets) for w in outcome.warnings]
    return outcome


def _run(module: ModuleLike, diff_mode: bool) -> Outcome:
    params = module.params
    ctd, binary = containerd_version(module)
    validate = params.get("validate")
    if params.get("config_version"):
        _refuse_old_reader(params, ctd, validate)
    if validate is None:
        validate = f"{binary} --config %s config dump" if binary else ""
    the_plan = migration_plan(params) if params.get("config_version") else plan(params, ctd)
    paths = the_plan.layout.paths if the_plan.layout else cri_paths(the_plan.version)
    outcome = Outcome(
        path=the_plan.writes[-1][0].path,
        dropin=the_plan.dropin,
        version=the_plan.version,
        handlers=_handlers_at(the_plan.effective, paths),
    )
    if the_plan.layout:
        outcome.warnings.extend(the_plan.layout.notes)
    default = schema.default_runtime_name(data_get(the_plan.effective, paths["default_runtime_name"]))
    if outcome.handlers and default not in outcome.handlers:
        # a runtimes table in the file replaces containerd's built-in one (checked with 1.6's config dump)
        outcome.warnings.append(
            f"the CRI default_runtime_name is {default!r} but the configured handlers are"
            f" {', '.join(outcome.handlers)}: containerd's CRI plugin will not start until {default!r} is"
            " configured too (or another handler is made the default)"
        )
    for key in schema.deprecated_sections(the_plan.version):
        if key in the_plan.frag:
            where = dotted(schema.moved((key,), schema.VERSIONS[0], the_plan.version))
            outcome.warnings.append(
                f"[{key}] is deprecated in config version {the_plan.version} (it is a plugin's setting now: [{where}])"
            )
    _write_all(module, the_plan, outcome, validate, diff_mode)
    return outcome


# --------------------------------------------------------------------------- migration (config_version)

# the oldest containerd that reads each config version (containerd RELEASES.md; version.ConfigVersion)
READER_OF_VERSION = {3: (2, 0, 0), 4: (2, 3, 0)}
_EDITS = ("fragment", "runtimes", "cri", "remove", "dropin")


def _refuse_old_reader(params: dict[str, Any], ctd: tuple[int, int, int] | None, validate: str | None) -> None:
    target = params["config_version"]
    edits = [key for key in _EDITS if params.get(key)]
    if edits:
        raise ConfigError(
            f"config_version migrates the config on its own; {', '.join(edits)} cannot be combined with it in one"
            " task (migrate first, then merge in a second task)"
        )
    reader = READER_OF_VERSION[target]
    if validate is None and ctd is not None and ctd < reader:
        raise ConfigError(
            f"{params['path']}: config version {target} needs containerd {_fmt(reader)} or newer, and this node's"
            f" containerd is {_fmt(ctd)}, which would refuse the migrated file; install the new containerd first (or"
            " set validate to its binary, e.g. '/opt/containerd-2/bin/containerd --config %s config dump')"
        )


def migration_plan(params: dict[str, Any]) -> Plan:
    """Migrate ``path`` and every file its imports name (recursively, as containerd follows them)."""
    target = params["config_version"]
    main_cur, main_text, main_data = _read(params["path"])
    if not main_cur.exists or not main_data:
        raise ConfigError(f"{main_cur.path}: does not exist or is empty; there is nothing to migrate")
    version = file_version(main_data, main_cur.path)
    if version > target:
        raise ConfigError(f"{main_cur.path}: is a version {version} config, newer than config_version {target}")
    writes: list[tuple[_files.Current, str]] = []
    notes: list[str] = []
    merged: list[dict[str, Any]] = []
    seen: set[str] = {os.path.normpath(main_cur.path)}
    pending = imported_files(list(main_data.get("imports") or []), main_cur.path)
    while pending:
        path = pending.pop(0)
        if os.path.normpath(path) in seen:
            continue
        seen.add(os.path.normpath(path))
        cur, text, data = _read(path)
        migrated = _migrate_one(text, cur.path, target, version)
        writes.append((cur, migrated.text))
        notes.extend(migrated.notes)
        merged.append(parse(migrated.text, cur.path))
        pending.extend(imported_files(list(data.get("imports") or []), cur.path))
    main = _migrate_one(main_text, main_cur.path, target, version)
    notes.extend(main.notes)
    writes.append((main_cur, main.text))  # the main file last: it is what containerd reads first
    eff = effective(parse(main.text, main_cur.path), merged, True)
    return Plan(target, writes, eff, layout=Layout(cri_paths(target), notes=notes))


def _migrate_one(text: str, name: str, target: int, main_version: int) -> _migrate.Migration:
    try:
        return _migrate.migrate_text(text, name, target, read_as=main_version)
    except _migrate.MigrationError as exc:
        raise ConfigError(str(exc)) from None


def _write_all(module: ModuleLike, the_plan: Plan, outcome: Outcome, validate: str, diff_mode: bool) -> None:
    changes = [_change(cur, new_text, diff_mode) for cur, new_text in the_plan.writes]
    # the drop-in first, the main file last: a refused main file puts the drop-in back
    written = _files.write_files(
        module, changes, validate=validate or None, backup=module.params["backup"], diff=diff_mode
    )
    outcome.changed = written.changed
    outcome.restart_needed = bool(written.changed_paths)
    outcome.diff = written.diffs
    outcome.changed_files = list(written.changed_paths)
    outcome.backup_files = dict(written.backups)
    if written.backups:
        outcome.backup_file = list(written.backups.values())[-1]


def _change(cur: _files.Current, new_text: str, diff_mode: bool) -> _files.Change:
    """The write of ``new_text``; its diff texts (only computed for diff mode) never show a credential."""
    before = after = ""
    if diff_mode:
        before = mask_text(cur.data.decode("utf-8") if cur.exists else "", cur.path)
        after = mask_text(new_text, cur.path)
    return _files.Change(cur, new_text.encode("utf-8"), before, after)


def _fmt(version: tuple[int, int, int] | None) -> str:
    return ".".join(str(x) for x in version) if version else "1.x (no binary found; assumed from the config version)"
