# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small connection to the Kubernetes API with the ``kubernetes`` Python client.

Connection options follow ``kubernetes.core``'s names and environment
variables (``K8S_AUTH_*``), so a play that already talks to a cluster with
``kubernetes.core.k8s`` needs no new settings. Requests go through the
client's ``DynamicClient.request``, which has kept its shape across client
releases; bodies and answers are plain dicts.

Failures become :class:`KubeError` with a message a person can act on:
unreachable server, TLS trouble, 401, 403, 404, 409, 422.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.dynamic import DynamicClient

    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR: str | None = None
except ImportError as exc:  # pragma: no cover - depends on the host
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = str(exc)

# Connection options, named as in kubernetes.core, with their environment fallbacks.
AUTH_ARG_SPEC: dict[str, dict[str, Any]] = {
    "kubeconfig": {"type": "raw"},
    "context": {"type": "str"},
    "host": {"type": "str"},
    "api_key": {"type": "str", "no_log": True},
    "client_cert": {"type": "path", "aliases": ["cert_file"]},
    "client_key": {"type": "path", "aliases": ["key_file"], "no_log": False},
    "ca_cert": {"type": "path", "aliases": ["ssl_ca_cert"]},
    "validate_certs": {"type": "bool", "aliases": ["verify_ssl"]},
    "proxy": {"type": "str"},
    "request_timeout": {"type": "int", "default": 30},
}
ENV_FALLBACK = {
    "kubeconfig": "K8S_AUTH_KUBECONFIG",
    "context": "K8S_AUTH_CONTEXT",
    "host": "K8S_AUTH_HOST",
    "api_key": "K8S_AUTH_API_KEY",
    "client_cert": "K8S_AUTH_CERT_FILE",
    "client_key": "K8S_AUTH_KEY_FILE",
    "ca_cert": "K8S_AUTH_SSL_CA_CERT",
    "validate_certs": "K8S_AUTH_VERIFY_SSL",
    "proxy": "K8S_AUTH_PROXY",
}
FIELD_MANAGER = "cri.runtimes"


class KubeError(Exception):
    """A request failed; ``status`` is the HTTP status (0 when none came back)."""

    def __init__(self, message: str, status: int = 0, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


def _setting(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None and name in ENV_FALLBACK:
        env = os.environ.get(ENV_FALLBACK[name])
        if env is not None and name == "validate_certs":
            return env.lower() in ("1", "true", "yes", "on")
        return env
    return value


def _describe_target(params: dict[str, Any]) -> str:
    where = _setting(params, "kubeconfig")
    context = _setting(params, "context")
    parts = []
    if isinstance(where, str):
        parts.append(f"kubeconfig {where}")
    if context:
        parts.append(f"context {context}")
    if _setting(params, "api_key"):
        return "the api_key option"
    return ", ".join(parts) or "the default kubeconfig"


@dataclass
class Kube:
    """A connected client: ``request`` returns the decoded JSON answer."""

    dynamic: Any
    host: str
    target: str
    timeout: int

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        query: dict[str, Any] | None = None,
        content_type: str | None = None,
        action: str = "",
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"_request_timeout": self.timeout}
        if content_type:
            params["content_type"] = content_type
        query = dict(query or {})
        if method.upper() in ("POST", "PUT", "PATCH"):
            query.setdefault("fieldManager", FIELD_MANAGER)
        if query:
            params["query_params"] = list(query.items())
        try:
            answer = self.dynamic.request(method, path, body=body, serializer=lambda _client, data: data, **params)
        except ApiException as exc:
            raise api_error(exc, self.host, self.target, action or f"{method.upper()} {path}") from None
        except Exception as exc:  # urllib3 and ssl errors
            raise transport_error(exc, self.host) from None
        return answer if isinstance(answer, dict) else {}


def status_body(exc: Any) -> dict[str, Any]:
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except ValueError:
            return {"message": body.strip()}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def api_error(exc: Any, host: str, target: str, action: str) -> KubeError:
    """Turn an API failure into a message that says what to do about it."""
    status = int(getattr(exc, "status", 0) or 0)
    body = status_body(exc)
    server_msg = body.get("message") or getattr(exc, "reason", "") or ""
    if status == 401:
        msg = (
            f"{action}: the API server at {host} rejected the credentials (401 Unauthorized). "
            f"The token or client certificate from {target} is not valid there: "
            "refresh the kubeconfig, pick another context, or pass api_key."
        )
    elif status == 403:
        msg = (
            f"{action}: forbidden (403): {server_msg}. The credentials from {target} authenticate, "
            "but RBAC does not allow this: bind the user to a ClusterRole granting these verbs "
            "(see the module documentation for the list) or use an admin kubeconfig."
        )
    elif status == 409:
        msg = f"{action}: conflict (409): {server_msg}"
    elif status == 422:
        msg = f"{action}: the API server rejected the object (422 Invalid): {server_msg}"
    elif status == 404:
        msg = f"{action}: not found (404): {server_msg}"
    else:
        msg = f"{action}: the API server answered {status} {getattr(exc, 'reason', '')}: {server_msg}".rstrip(": ")
    return KubeError(msg, status, body)


def transport_error(exc: Exception, host: str) -> KubeError:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in type(exc).__name__ or "SSLError" in text:
        return KubeError(
            f"TLS verification of the API server at {host} failed: {text}. Give the cluster's CA "
            "with ca_cert (or in the kubeconfig), or set validate_certs=false for a throwaway test cluster."
        )
    return KubeError(
        f"cannot reach the Kubernetes API at {host}: {text}. Is the API server running, and are "
        "the kubeconfig's server address and the proxy setting right?"
    )


def _apply(cfg: Any, overrides: dict[str, Any]) -> None:
    for attr, value in overrides.items():
        setattr(cfg, attr, value)


class _NoDiscovery:
    """DynamicClient's discoverer, unused: requests name their paths, so nothing is discovered or cached."""

    def __init__(self, client: Any, cache_file: Any) -> None:
        self.client = client


def _load(params: dict[str, Any], cfg: Any, target: str) -> None:
    """Fill ``cfg`` from the kubeconfig (path or dict), the default kubeconfig, or the in-cluster account."""
    kubeconfig = _setting(params, "kubeconfig")
    context = _setting(params, "context")
    try:
        if isinstance(kubeconfig, dict):
            k8s_config.load_kube_config_from_dict(
                kubeconfig, context=context, client_configuration=cfg, persist_config=False
            )
        elif kubeconfig:
            path = os.path.expanduser(str(kubeconfig))
            if not os.path.exists(path):
                raise KubeError(f"kubeconfig {path} does not exist")
            k8s_config.load_kube_config(
                config_file=path, context=context, client_configuration=cfg, persist_config=False
            )
        elif not _setting(params, "host"):
            try:
                k8s_config.load_kube_config(context=context, client_configuration=cfg, persist_config=False)
            except (ConfigException, OSError):
                k8s_config.load_incluster_config(client_configuration=cfg)
    except ConfigException as exc:
        raise KubeError(f"cannot load {target}: {exc}") from None


def _overrides(params: dict[str, Any]) -> dict[str, Any]:
    """Configuration attributes that the individual options set, over the kubeconfig's."""
    out: dict[str, Any] = {}
    host = _setting(params, "host")
    if host:
        out["host"] = host
    api_key = _setting(params, "api_key")
    if api_key:
        # "BearerToken" is the name newer clients look up, "authorization" the older ones'.
        out["api_key"] = {"BearerToken": f"Bearer {api_key}", "authorization": f"Bearer {api_key}"}
        out["api_key_prefix"] = {}
    for option, attr in (("client_cert", "cert_file"), ("client_key", "key_file"), ("ca_cert", "ssl_ca_cert")):
        value = _setting(params, option)
        if value:
            out[attr] = os.path.expanduser(str(value))
    validate = _setting(params, "validate_certs")
    if validate is not None:
        out["verify_ssl"] = bool(validate)
    proxy = _setting(params, "proxy")
    if proxy:
        out["proxy"] = proxy
    return out


def connect(params: dict[str, Any], dynamic_factory: Callable[[Any], Any] | None = None) -> Kube:
    """Build a client from kubernetes.core-style connection parameters.

    Order: an explicit ``kubeconfig`` (path or dict), else ``host`` alone,
    else the default kubeconfig, else the in-cluster service account. The
    individual options then override what the kubeconfig said.
    """
    if not HAS_KUBERNETES:
        raise KubeError(f"the kubernetes Python library is missing: {KUBERNETES_IMPORT_ERROR}")
    cfg = k8s_client.Configuration()
    target = _describe_target(params)
    _load(params, cfg, target)
    overrides = _overrides(params)
    _apply(cfg, overrides)
    # The kubeconfig loader refreshes credentials before requests by loading the kubeconfig
    # into the configuration again (server included): re-apply the options after it.
    hook = getattr(cfg, "refresh_api_key_hook", None)
    if hook is not None and overrides:
        if "api_key" in overrides:
            cfg.refresh_api_key_hook = None
        else:

            def refresh(conf: Any) -> None:
                hook(conf)
                _apply(conf, overrides)

            setattr(cfg, "refresh_api_key_hook", refresh)  # noqa: B010 - the client types it as None
    timeout = int(params.get("request_timeout") or 30)
    api_client = k8s_client.ApiClient(configuration=cfg)
    try:
        if dynamic_factory is not None:
            dynamic = dynamic_factory(api_client)
        else:
            dynamic = DynamicClient(api_client, discoverer=_NoDiscovery)
    except ApiException as exc:
        raise api_error(exc, cfg.host, target, "connecting") from None
    except Exception as exc:
        raise transport_error(exc, cfg.host) from None
    return Kube(dynamic=dynamic, host=cfg.host, target=target, timeout=timeout)
