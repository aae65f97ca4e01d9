# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubelet facts shared by the modules, the filters and the role: flags, versions, config.

* flag names and values: validation, normalisation (the kubelet treats ``_`` and
  ``-`` alike), parsing a command line into flags, rendering flags;
* versions: which flags a kubelet version no longer accepts, and where each CRI
  setting belongs (a flag or a KubeletConfiguration field) for that version;
* the KubeletConfiguration document: deep merge and comparison by data (Go
  durations compare by length of time, so ``15m`` equals ``15m0s``);
* containerd's ``SystemdCgroup`` from a parsed ``containerd config dump``.

Nothing here imports Ansible or any third-party library.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from . import _containerd_schema as schema

# aliases are evaluated at run time: `str | None` would need Python 3.10 on the managed node
Version = tuple[int, int, int]
FlagValue = Optional[str]  # None: a bare flag (``--flag``), which means ``--flag=true``


class KubeletError(ValueError):
    """Bad input or a situation the caller must resolve; the message names the flag, key or file."""


# -- flags ---------------------------------------------------------------------------------------

_FLAG_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_BAD_VALUE_CHARS = re.compile(r"[\s\"'\\]")


def normalize_flag_name(name: str) -> str:
    """``--container_runtime`` → ``container-runtime``; raise KubeletError on a malformed name."""
    raw = name
    if not isinstance(name, str):
        raise KubeletError(f"flag name {raw!r} is not a string")
    if name.startswith("--"):
        name = name[2:]
    elif name.startswith("-"):
        name = name[1:]
    if not _FLAG_NAME.match(name):
        raise KubeletError(
            f"flag name {raw!r} is not a kubelet flag name: expected lowercase letters, digits and dashes "
            "with an optional leading '--', like 'container-runtime-endpoint' (no '=' and no value)"
        )
    return name.replace("_", "-")


def check_flag_value(name: str, value: str) -> str:
    """Refuse values systemd would split or unquote: whitespace, quotes, backslashes."""
    for quote in "\"'":
        if value.count(quote) % 2:
            raise KubeletError(f"flag --{name}: value {value!r} has an unbalanced {quote} quote")
    if _BAD_VALUE_CHARS.search(value):
        raise KubeletError(
            f"flag --{name}: value {value!r} contains whitespace, a quote or a backslash; systemd splits "
            "$VARIABLE at whitespace and such a value cannot reach the kubelet as one argument"
        )
    return value


def desired_values(name: str, value: Any) -> list[FlagValue]:
    """The occurrences a requested flag value stands for.

    ``True`` is a bare flag, ``False`` is ``=false``, a list repeats the flag once
    per element, anything else is ``--name=value``.
    """
    items = value if isinstance(value, list) else [value]
    if not items:
        raise KubeletError(f"flag --{name}: an empty list sets nothing; use remove to remove the flag")
    out: list[FlagValue] = []
    for item in items:
        if item is True:
            out.append(None)
        elif item is False:
            out.append("false")
        elif item is None:
            raise KubeletError(f"flag --{name}: no value given; use true for a bare flag or remove to remove it")
        elif isinstance(item, (dict, list)):
            raise KubeletError(f"flag --{name}: value {item!r} must be a string, number or boolean")
        else:
            out.append(check_flag_value(name, str(item)))
    return out


@dataclass
class FlagWord:
    """A flag found in a list of command-line words: which words it spans and its value."""

    name: str  # normalised
    value: FlagValue
    first: int  # index of the flag word
    last: int  # index of its last word (the value word for ``--flag value``)


def parse_flags(words: list[str]) -> tuple[list[FlagWord], list[int]]:
    """Find the flags in ``words``; return them and the indexes of words that are not flags.

    ``--name=value``, ``--name`` (bare) and ``--name value`` (a following word
    that is not a flag is the value: the kubelet takes no positional arguments)
    are understood; ``-v=2`` is the short form of ``--v=2``.
    """
    flags: list[FlagWord] = []
    others: list[int] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-") and len(word) > 1 and word != "--":
            body = word.lstrip("-")
            name, sep, value = body.partition("=")
            norm = name.replace("_", "-")
            if sep:
                flags.append(FlagWord(norm, value, i, i))
            elif i + 1 < len(words) and not words[i + 1].startswith("-"):
                flags.append(FlagWord(norm, words[i + 1], i, i + 1))
                i += 1
            else:
                flags.append(FlagWord(norm, None, i, i))
        else:
            others.append(i)
        i += 1
    return flags, others


def render_flag(name: str, value: FlagValue) -> str:
    return f"--{name}" if value is None else f"--{name}={value}"


def _bool_text(value: FlagValue) -> str | None:
    if value is None:
        return "true"
    low = value.lower()
    if low in ("true", "t", "1"):
        return "true"
    if low in ("false", "f", "0"):
        return "false"
    return None


def same_value(a: FlagValue, b: FlagValue) -> bool:
    """Do two flag values mean the same? (bare == true, ``15m`` == ``15m0s``)."""
    if a == b:
        return True
    ba, bb = _bool_text(a), _bool_text(b)
    if ba is not None and bb is not None and (a is None or b is None):
        return ba == bb
    if a is None or b is None:
        return False
    da, db = parse_duration(a), parse_duration(b)
    return da is not None and da == db


def same_values(a: list[FlagValue], b: list[FlagValue]) -> bool:
    return len(a) == len(b) and all(same_value(a[i], b[i]) for i in range(len(a)))


# -- Go durations ---------------------------------------------------------------------------------

# golang/go src/time/format.go (ParseDuration, unitMap): "[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+";
# "0" (signed or not) needs no unit; microseconds are "us", "\u00b5s" (U+00B5 micro sign) or
# "\u03bcs" (U+03BC Greek small letter mu).
_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_UNIT_ALTERNATIVES = "|".join(re.escape(u) for u in sorted(_DURATION_UNITS, key=len, reverse=True))
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(" + _UNIT_ALTERNATIVES + ")")


def parse_duration(text: str) -> float | None:
    """Seconds in a Go duration (``15m``, ``1h30m``, ``-2m0s``, ``+0``, ``5\u00b5s``); None if it is not one."""
    if not isinstance(text, str) or not text:
        return None
    sign = -1.0 if text[0] == "-" else 1.0
    rest = text[1:] if text[0] in "+-" else text
    if rest == "0":
        return 0.0
    if not rest:
        return None
    total = 0.0
    while rest:
        m = _DURATION.match(rest)
        if not m:
            return None
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        rest = rest[m.end() :]
    return sign * total


# -- versions -------------------------------------------------------------------------------------

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str, what: str = "kubelet") -> Version:
    """``Kubernetes v1.20.2`` (``kubelet --version``), ``v1.27.3`` or ``1.27`` → (1, 27, 3).

    Also ``containerd --version`` (``containerd github.com/containerd/containerd/v2 v2.1.9 ...``,
    Debian's ``... 1.6.20~ds1 ...``): the first dotted version in the text.
    """
    m = _VERSION.search(text or "")
    if not m:
        raise KubeletError(f"cannot read a {what} version from {text!r}; expected something like 'v1.27.3'")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def as_version(version: Version | str | None, what: str = "kubelet") -> Version | None:
    """A version tuple from a tuple, a version text or None."""
    return parse_version(version, what) if isinstance(version, str) else version


def version_text(version: Version) -> str:
    return "v{}.{}.{}".format(*version)


# Flags a kubelet no longer accepts from the given release on: such a flag stops it from starting
# ("unknown flag"). Each entry cites the kubernetes/kubernetes pull request or CHANGELOG that removed it.
FLAG_REMOVED_IN: dict[str, Version] = {
    "cadvisor-port": (1, 12, 0),
    "allow-privileged": (1, 15, 0),
    # dockershim went away in 1.24 and took its flags along (CHANGELOG-1.24, "Node Binaries":
    # kubernetes/kubernetes#106907)
    "docker-endpoint": (1, 24, 0),
    "image-pull-progress-deadline": (1, 24, 0),
    "network-plugin": (1, 24, 0),
    "network-plugin-mtu": (1, 24, 0),
    "cni-bin-dir": (1, 24, 0),
    "cni-conf-dir": (1, 24, 0),
    "cni-cache-dir": (1, 24, 0),
    "experimental-dockershim-root-directory": (1, 24, 0),
    # kubenet's flag, gone with the dockershim: kubernetes/kubernetes#107096 (CHANGELOG-1.24)
    "non-masquerade-cidr": (1, 24, 0),
    # CHANGELOG-1.24, urgent upgrade notes: kubernetes/kubernetes#104732 ("With CSI now GA")
    "experimental-check-node-capabilities-before-mount": (1, 24, 0),
    # CHANGELOG-1.27: the only value left was "remote" (kubernetes/kubernetes#114017)
    "container-runtime": (1, 27, 0),
    # CHANGELOG-1.35, urgent upgrade notes: kubernetes/kubernetes#133779; the sandbox image is the
    # runtime's (containerd's sandbox_image / pinned_images.sandbox). kubeadm wrote the flag into
    # /var/lib/kubelet/kubeadm-flags.env, so nodes upgraded in place still carry it there.
    "pod-infra-container-image": (1, 35, 0),
}

# Flags a kubelet still accepts but has announced it will drop: warned about, never removed
# on our own (the kubelet still starts). Release that deprecated each, with the source.
FLAG_DEPRECATED_IN: dict[str, Version] = {
    # kubernetes/kubernetes#91373 (CHANGELOG-1.19, deprecation)
    "experimental-check-node-capabilities-before-mount": (1, 19, 0),
    # kubernetes/kubernetes#108045 (CHANGELOG-1.24, deprecation): only keeps the pause image
    # from image garbage collection, which the runtime does itself (kubernetes/kubernetes#118544)
    "pod-infra-container-image": (1, 24, 0),
    # kubernetes/kubernetes#112136 (CHANGELOG-1.27): now the KubeletConfiguration field
    # imageServiceEndpoint; an unset one means "the runtime endpoint"
    "image-service-endpoint": (1, 27, 0),
}


def deprecated_flags(version: Version) -> dict[str, tuple[Version, Version | None]]:
    """Flags ``version`` accepts but warns about: name → (deprecated in, removed in or None)."""
    return {
        name: (since, FLAG_REMOVED_IN.get(name))
        for name, since in FLAG_DEPRECATED_IN.items()
        if since <= version and not (name in FLAG_REMOVED_IN and version >= FLAG_REMOVED_IN[name])
    }


def deprecation_warning(name: str, version: Version, where: str) -> str:
    """The warning for a deprecated flag found at ``where`` (file and line)."""
    since, gone = deprecated_flags(version)[name]
    end = f"kubelet {version_text(gone)} refuses to start with it" if gone else "it will be removed"
    return (
        f"--{name} ({where}) is deprecated since kubelet {version_text(since)} and {end}; "
        f"kubelet {version_text(version)} still accepts it. Remove it before upgrading"
    )


# -- which containerd can serve which kubelet ----------------------------------------------------------

# containerd RELEASES.md, "Kubernetes Support": CRI v1 is served from containerd 1.5/1.6 and used by
# kubelets from 1.23; "CRI v1alpha2 ... is not present in containerd v2.0". A kubelet older than
# 1.23 speaks only v1alpha2, so it cannot talk to containerd 2.x at all.
CRI_V1_KUBELET: Version = (1, 23, 0)
CONTAINERD_WITHOUT_V1ALPHA2: Version = (2, 0, 0)
# KEP-4033 (cgroup driver from CRI): the kubelet asks the runtime for its cgroup driver through the
# RuntimeConfig CRI call, which containerd implements from 2.0 (containerd/containerd#8722). GA in
# kubelet 1.34 (kubernetes/website#51446, feature gate KubeletCgroupDriverFromCRI): --cgroup-driver
# and cgroupDriver are then ignored. The feature gate's page says the kubelet stops falling back to
# them in 1.36, so a runtime without RuntimeConfig (containerd 1.x) no longer works there
# (kubernetes/kubernetes#136731, the change; #133774: "v1.35 will be the last kubernetes version to
# support containerd 1.x").
CGROUP_DRIVER_FROM_CRI_KUBELET: Version = (1, 34, 0)
CONTAINERD_RUNTIME_CONFIG: Version = (2, 0, 0)
NO_CGROUP_FALLBACK_KUBELET: Version = (1, 36, 0)


def _series(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def check_runtime_pair(kubelet: Version, containerd: Version) -> None:
    """Refuse a kubelet/containerd pair that cannot work, naming both versions and what does work."""
    both = f"kubelet {version_text(kubelet)} with containerd {version_text(containerd)}"
    if kubelet < CRI_V1_KUBELET and containerd >= CONTAINERD_WITHOUT_V1ALPHA2:
        raise KubeletError(
            f"{both} cannot work: containerd 2.0 removed CRI v1alpha2, the only CRI version a kubelet older "
            f"than {_series(CRI_V1_KUBELET)} speaks (CRI v1 needs kubelet {_series(CRI_V1_KUBELET)}+). "
            f"kubelet {version_text(kubelet)} runs only against containerd 1.6/1.7; "
            f"upgrade the kubelet to {_series(CRI_V1_KUBELET)}+ before containerd 2.x"
        )
    if kubelet >= NO_CGROUP_FALLBACK_KUBELET and containerd < CONTAINERD_RUNTIME_CONFIG:
        raise KubeletError(
            f"{both} cannot work: kubelet {_series(NO_CGROUP_FALLBACK_KUBELET)}+ takes its cgroup driver from "
            "the runtime's RuntimeConfig CRI call, which containerd 1.x lacks, and no longer supports "
            f"containerd 1.x. Upgrade containerd to 2.x before the kubelet"
        )


def cgroup_driver_from_cri(kubelet: Version | None, containerd: Version | None) -> bool:
    """Does this kubelet take its cgroup driver from this containerd (and ignore its own setting)?"""
    if kubelet is None or containerd is None:
        return False
    return kubelet >= CGROUP_DRIVER_FROM_CRI_KUBELET and containerd >= CONTAINERD_RUNTIME_CONFIG


# KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields and the release that added them.
CONFIG_FIELD_SINCE: dict[str, Version] = {
    "runtimeRequestTimeout": (1, 10, 0),
    "cgroupDriver": (1, 10, 0),
    # kubernetes/kubernetes#112136 (CHANGELOG-1.27): both CRI endpoints became config fields
    "containerRuntimeEndpoint": (1, 27, 0),
    "imageServiceEndpoint": (1, 27, 0),
}

# The CRI settings the role manages: flag name and KubeletConfiguration field.
CRI_SETTINGS: dict[str, tuple[str, str]] = {
    "container_runtime_endpoint": ("container-runtime-endpoint", "containerRuntimeEndpoint"),
    "runtime_request_timeout": ("runtime-request-timeout", "runtimeRequestTimeout"),
    "cgroup_driver": ("cgroup-driver", "cgroupDriver"),
    # an unset image endpoint is the runtime endpoint (kubelet --help); managed with it, see plan_cri
    "image_service_endpoint": ("image-service-endpoint", "imageServiceEndpoint"),
}

# Below this, the kubelet gives up on CRI calls (sandbox creation under gVisor or Kata, image
# unpacking on a busy node) that are merely slow; it is the kubelet's own default.
RUNTIME_REQUEST_TIMEOUT_FLOOR = "2m"
CGROUP_DRIVERS = ("systemd", "cgroupfs")


def removed_flags(version: Version) -> dict[str, Version]:
    """The flags ``version`` no longer accepts, with the release that removed each."""
    return {name: since for name, since in FLAG_REMOVED_IN.items() if version >= since}


@dataclass
class CriPlan:
    """Where each CRI setting goes for one kubelet: flags to set/remove, config fields to set."""

    version: str
    flags: dict[str, str] = field(default_factory=dict)
    remove_flags: list[str] = field(default_factory=list)
    config: dict[str, str] = field(default_factory=dict)
    placement: dict[str, str] = field(default_factory=dict)
    remove_config: list[str] = field(default_factory=list)  # config fields to drop (a stale image endpoint)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "flags": dict(self.flags),
            "remove_flags": list(self.remove_flags),
            "config": dict(self.config),
            "remove_config": list(self.remove_config),
            "placement": dict(self.placement),
        }


def plan_cri(
    version: Version | str,
    settings: Mapping[str, str | None],
    *,
    config_in_use: bool,
    placement: str = "auto",
    containerd_version: Version | str | None = None,
) -> CriPlan:
    """Decide, for one kubelet version, which CRI setting goes in a flag and which in the config file.

    ``settings`` maps ``container_runtime_endpoint``, ``runtime_request_timeout``
    and ``cgroup_driver`` to values (None or missing: not managed).

    * ``--container-runtime=remote`` is set below 1.24 (the default there is the
      dockershim) and removed from 1.24 on (a no-op then, and fatal from 1.27).
    * ``auto``: a setting goes into the KubeletConfiguration when the kubelet
      reads one (``config_in_use``) and its version has the field
      (``containerRuntimeEndpoint`` from 1.27); otherwise into its flag.
    * ``flags`` / ``config`` force one side; ``config`` fails for a field the
      version lacks.

    A setting placed in the config file also removes its flag: a flag
    overrides the file, so a stale flag would win.

    * ``image_service_endpoint`` unset while ``container_runtime_endpoint`` is
      managed: ``--image-service-endpoint`` is removed (and the
      ``imageServiceEndpoint`` field, where the version has it and a config file is
      read), so the kubelet pulls images from the runtime it runs pods on and a
      stale dockershim socket cannot survive.
    * ``cgroup_driver`` with a kubelet that takes the driver from the runtime
      (:func:`cgroup_driver_from_cri`, given ``containerd_version``) is left
      alone: the kubelet ignores it (placement ``cri``).
    """
    ver = parse_version(version) if isinstance(version, str) else version
    ctrd = as_version(containerd_version, "containerd")
    if placement not in ("auto", "flags", "config"):
        raise KubeletError(f"placement must be one of auto, flags, config; got {placement!r}")
    unknown = sorted(set(settings) - set(CRI_SETTINGS))
    if unknown:
        raise KubeletError(f"unknown CRI setting(s) {', '.join(unknown)}; known: {', '.join(CRI_SETTINGS)}")
    plan = CriPlan(version=version_text(ver))
    if ver < (1, 24, 0):
        plan.flags["container-runtime"] = "remote"
    else:
        plan.remove_flags.append("container-runtime")
    for key, (flag, config_field) in CRI_SETTINGS.items():
        value = settings.get(key)
        if value is None or value == "":
            if key == "image_service_endpoint" and settings.get("container_runtime_endpoint"):
                _drop_image_endpoint(plan, ver, config_in_use, placement)
            continue
        value = str(value)
        _check_setting(key, value)
        if key == "cgroup_driver" and cgroup_driver_from_cri(ver, ctrd):
            plan.placement[key] = "cri"
            continue
        field_ok = ver >= CONFIG_FIELD_SINCE[config_field]
        if placement == "config" and not field_ok:
            raise KubeletError(
                f"{key}: kubelet {version_text(ver)} has no KubeletConfiguration field {config_field} "
                f"(added in {version_text(CONFIG_FIELD_SINCE[config_field])}); use placement=flags or auto"
            )
        to_config = placement == "config" or (placement == "auto" and config_in_use and field_ok)
        if to_config:
            plan.config[config_field] = value
            plan.remove_flags.append(flag)
            plan.placement[key] = "config"
        else:
            plan.flags[flag] = value
            plan.placement[key] = "flag"
    return plan


def _drop_image_endpoint(plan: CriPlan, ver: Version, config_in_use: bool, placement: str) -> None:
    """No image endpoint of its own: the kubelet then uses the runtime endpoint for images too."""
    plan.remove_flags.append("image-service-endpoint")
    if ver >= CONFIG_FIELD_SINCE["imageServiceEndpoint"] and (config_in_use or placement == "config"):
        plan.remove_config.append("imageServiceEndpoint")


def _check_setting(key: str, value: str) -> None:
    if key == "cgroup_driver" and value not in CGROUP_DRIVERS:
        raise KubeletError(f"cgroup_driver must be one of {', '.join(CGROUP_DRIVERS)}; got {value!r}")
    if key == "runtime_request_timeout":
        seconds = parse_duration(value)
        floor = parse_duration(RUNTIME_REQUEST_TIMEOUT_FLOOR)
        if seconds is None:
            raise KubeletError(f"runtime_request_timeout {value!r} is not a duration like '15m' or '2m30s'")
        if floor is not None and seconds < floor:
            raise KubeletError(
                f"runtime_request_timeout {value!r} is below the floor of {RUNTIME_REQUEST_TIMEOUT_FLOOR} "
                "(the kubelet's own default): slow sandbox starts would fail"
            )
    if key in ("container_runtime_endpoint", "image_service_endpoint") and not re.match(
        r"^(unix|tcp|npipe)://\S+$", value
    ):
        raise KubeletError(f"{key} {value!r} must be a URL such as unix:///run/containerd/containerd.sock")


# -- KubeletConfiguration ----------------------------------------------------------------------------

# k8s.io/kubelet/config: a KubeletConfiguration exists only as kubelet.config.k8s.io/v1beta1
# (config/v1beta1/types.go); the v1 group version holds only CredentialProviderConfig
# (config/v1/types.go, GA in 1.26 by KEP-2133). The kubelet refuses any other apiVersion.
CONFIG_API_VERSION = "kubelet.config.k8s.io/v1beta1"
CONFIG_SKELETON: dict[str, Any] = {"apiVersion": CONFIG_API_VERSION, "kind": "KubeletConfiguration"}


def check_config_document(data: Any, path: str) -> dict[str, Any]:
    """The parsed file must be a KubeletConfiguration mapping (an empty file counts as a new one)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KubeletError(f"{path}: expected a KubeletConfiguration mapping, found {type(data).__name__}")
    kind = data.get("kind")
    if kind is not None and kind != "KubeletConfiguration":
        raise KubeletError(f"{path}: kind is {kind!r}, not KubeletConfiguration")
    api = data.get("apiVersion")
    if api is not None and api != CONFIG_API_VERSION:
        why = " (that group version holds only CredentialProviderConfig)" if api == "kubelet.config.k8s.io/v1" else ""
        raise KubeletError(
            f"{path}: apiVersion {api!r}{why}: a KubeletConfiguration is {CONFIG_API_VERSION} only, "
            "the kubelet would refuse this file"
        )
    return data


def same_data(a: Any, b: Any) -> bool:
    """Compare config data; strings that are equal Go durations compare equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_data(a[i], b[i]) for i in range(len(a)))
    if isinstance(a, str) and isinstance(b, str) and a != b:
        da, db = parse_duration(a), parse_duration(b)
        return da is not None and da == db
    return bool(type(a) is type(b) and a == b)


def merge_config(current: dict[str, Any], settings: Mapping[str, Any], remove: list[str]) -> dict[str, Any]:
    """Deep-merge ``settings`` into ``current`` and drop the dotted ``remove`` keys; a new dict.

    Mappings merge key by key; any other value replaces, unless it is the same
    data already (then the file's spelling is kept).
    """
    result = copy.deepcopy(current) if current else copy.deepcopy(CONFIG_SKELETON)
    for key in ("apiVersion", "kind"):
        result.setdefault(key, CONFIG_SKELETON[key])
    _merge_into(result, settings, "")
    for dotted in remove:
        _remove_key(result, dotted)
    return result


def _merge_into(target: dict[str, Any], settings: Mapping[str, Any], prefix: str) -> None:
    for key, value in settings.items():
        if not isinstance(key, str) or not key:
            raise KubeletError(f"config key {prefix}{key!r} must be a non-empty string")
        if key in ("apiVersion", "kind") and not prefix:
            check_config_document({key: value}, "settings")
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge_into(target[key], value, f"{prefix}{key}.")
        elif not (key in target and same_data(target[key], value)):
            target[key] = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)


def _remove_key(target: dict[str, Any], dotted: str) -> None:
    """Remove a dotted key; keys that contain dots themselves (``memory.available``) are matched whole."""
    parts = dotted.split(".")
    if not all(parts):
        raise KubeletError(f"remove: {dotted!r} is not a dotted key such as 'evictionHard.memory.available'")
    node: Any = target
    i = 0
    while isinstance(node, dict):
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in node:
                if j == len(parts):
                    del node[key]
                    return
                node, i = node[key], j
                break
        else:
            return


# -- cgroup driver agreement ----------------------------------------------------------------------------


def containerd_systemd_cgroup(dump: Mapping[str, Any]) -> bool:
    """The ``SystemdCgroup`` option of containerd's default CRI runtime, from a parsed config dump.

    The dump's ``version`` decides where its CRI ``containerd`` table is (``_containerd_schema``):
    containerd 1.x dumps version 2, 2.0-2.2 version 3, 2.3 version 4, each with its own tables
    (a 1.x dump of a file with the 2.x ids leaves those out; checked with 1.6.20 and 2.1.9).
    Absent means false (containerd's default).
    """
    try:
        version = schema.config_version(dump)
    except schema.SchemaError as exc:
        raise KubeletError(f"containerd config dump: {exc}") from None
    ctrd = schema.containerd_table(dump, version)
    if not isinstance(ctrd, Mapping):
        where = ".".join(schema.cri_paths(version)["containerd"])
        raise KubeletError(
            f"containerd config dump has no CRI plugin table ({where} for config version {version});"
            " is the CRI plugin disabled?"
        )
    name = schema.default_runtime_name(ctrd.get("default_runtime_name"))
    runtime = (ctrd.get("runtimes") or {}).get(name) or {}
    options = runtime.get("options") or {}
    return bool(options.get("SystemdCgroup", False))


def kubelet_cgroup_driver(
    flags: list[str],
    config: Mapping[str, Any] | None,
    *,
    kubelet_version: Version | str | None = None,
    containerd_version: Version | str | None = None,
    runtime_driver: str | None = None,
) -> tuple[str, str]:
    """The cgroup driver a kubelet uses and where that comes from (CRI, flag, config file, default).

    With a kubelet that takes the driver from the runtime (:func:`cgroup_driver_from_cri`)
    the runtime's driver (``runtime_driver``, from containerd's ``SystemdCgroup``) is the one
    it uses, whatever ``--cgroup-driver`` or ``cgroupDriver`` say.
    """
    kver, cver = as_version(kubelet_version), as_version(containerd_version, "containerd")
    if runtime_driver and cgroup_driver_from_cri(kver, cver):
        return runtime_driver, (
            f"CRI RuntimeConfig (kubelet {version_text(kver or (0, 0, 0))} with containerd "
            f"{version_text(cver or (0, 0, 0))}: --cgroup-driver and cgroupDriver are ignored)"
        )
    driver = ""
    for word in flags:
        found = parse_flags([word])[0]
        if found and found[0].name == "cgroup-driver" and found[0].value:
            driver = found[0].value
    if driver:
        return driver, "flag --cgroup-driver"
    if config and config.get("cgroupDriver"):
        return str(config["cgroupDriver"]), "KubeletConfiguration cgroupDriver"
    return "cgroupfs", "kubelet default"
