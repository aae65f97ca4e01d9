# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection set-up and error wording; requests themselves are tested against the real API server."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _kube

KUBECONFIG: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "c", "cluster": {"server": "https://10.0.0.1:6443", "insecure-skip-tls-verify": True}}],
    "users": [{"name": "u", "user": {"token": "from-kubeconfig"}}, {"name": "v", "user": {"token": "other"}}],
    "contexts": [
        {"name": "one", "context": {"cluster": "c", "user": "u"}},
        {"name": "two", "context": {"cluster": "c", "user": "v"}},
    ],
    "current-context": "one",
}


class Exc(Exception):
    def __init__(self, status: int, body: Any = None, reason: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.body = body
        self.reason = reason


def _token(kube: _kube.Kube) -> str:
    cfg = kube.dynamic.configuration
    if cfg.refresh_api_key_hook is not None:
        cfg.refresh_api_key_hook(cfg)
    return cfg.api_key.get("BearerToken") or cfg.api_key.get("authorization")


def test_kubeconfig_dict_and_context() -> None:
    kube = _kube.connect({"kubeconfig": KUBECONFIG, "context": "two"})
    assert kube.host == "https://10.0.0.1:6443"
    assert _token(kube).endswith("other")
    assert kube.target == "context two"


def test_options_override_the_kubeconfig_and_survive_its_refresh() -> None:
    kube = _kube.connect({"kubeconfig": KUBECONFIG, "host": "https://127.0.0.1:1", "api_key": "mine"})
    cfg = kube.dynamic.configuration
    assert _token(kube) == "Bearer mine"
    assert cfg.host == "https://127.0.0.1:1"
    assert kube.target == "the api_key option"


def test_environment_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K8S_AUTH_HOST", "https://127.0.0.2:6443")
    monkeypatch.setenv("K8S_AUTH_API_KEY", "env-token")
    monkeypatch.setenv("K8S_AUTH_VERIFY_SSL", "false")
    kube = _kube.connect({})
    assert kube.host == "https://127.0.0.2:6443"
    assert _token(kube) == "Bearer env-token"
    assert kube.dynamic.configuration.verify_ssl is False


def test_missing_kubeconfig_file(tmp_path: Any) -> None:
    with pytest.raises(_kube.KubeError, match="does-not-exist does not exist"):
        _kube.connect({"kubeconfig": str(tmp_path / "does-not-exist")})


def test_bad_context() -> None:
    with pytest.raises(_kube.KubeError, match="cannot load"):
        _kube.connect({"kubeconfig": KUBECONFIG, "context": "nope"})


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (401, '{"message": "Unauthorized"}', ["401 Unauthorized", "refresh the kubeconfig"]),
        (403, '{"message": "user x cannot get y"}', ["forbidden (403): user x cannot get y", "RBAC"]),
        (409, b'{"message": "the object has been modified"}', ["conflict (409): the object has been modified"]),
        (422, '{"message": "handler: Invalid value"}', ["422 Invalid", "handler: Invalid value"]),
        (404, "not json", ["not found (404): not json"]),
        (500, None, ["answered 500 boom"]),
    ],
)
def test_api_error_wording(status: int, body: Any, words: list[str]) -> None:
    err = _kube.api_error(Exc(status, body, "boom"), "https://h", "kubeconfig k", "reading X")
    assert err.status == status
    assert str(err).startswith("reading X: ")
    for word in words:
        assert word in str(err)


def test_transport_error_wording() -> None:
    assert "cannot reach the Kubernetes API at https://h" in str(_kube.transport_error(OSError("refused"), "https://h"))
    tls = _kube.transport_error(Exception("SSLError: CERTIFICATE_VERIFY_FAILED"), "https://h")
    assert "ca_cert" in str(tls)
