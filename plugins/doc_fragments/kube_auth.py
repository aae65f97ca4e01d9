# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # Connection options, named (and read from the environment) as in kubernetes.core.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file, or the kubeconfig itself as a dictionary.
      - Without it (and without O(host)) the default kubeconfig (C(~/.kube/config) or E(KUBECONFIG)) is used,
        then the in-cluster service account.
      - Read from E(K8S_AUTH_KUBECONFIG) when not given.
    type: raw
  context:
    description:
      - The kubeconfig context to use. Read from E(K8S_AUTH_CONTEXT) when not given.
    type: str
  host:
    description:
      - The API server URL, such as V(https://127.0.0.1:6443); overrides the kubeconfig's server.
      - Read from E(K8S_AUTH_HOST) when not given.
    type: str
  api_key:
    description:
      - A bearer token; overrides the kubeconfig's credentials. Read from E(K8S_AUTH_API_KEY) when not given.
    type: str
  client_cert:
    description:
      - A client certificate file. Read from E(K8S_AUTH_CERT_FILE) when not given.
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - The key of O(client_cert). Read from E(K8S_AUTH_KEY_FILE) when not given.
    type: path
    aliases: [key_file]
  ca_cert:
    description:
      - The CA certificate that signed the API server's certificate. Read from E(K8S_AUTH_SSL_CA_CERT) when not given.
    type: path
    aliases: [ssl_ca_cert]
  validate_certs:
    description:
      - Whether to verify the API server's certificate. Default is the kubeconfig's setting (verify).
      - Read from E(K8S_AUTH_VERIFY_SSL) when not given.
    type: bool
    aliases: [verify_ssl]
  proxy:
    description:
      - An HTTP proxy URL for the API requests. Read from E(K8S_AUTH_PROXY) when not given.
    type: str
  request_timeout:
    description:
      - Seconds to wait for each API request.
    type: int
    default: 30
requirements:
  - kubernetes (the Python client) on the host that runs the module, usually the controller.
notes:
  - An unreachable server, rejected credentials (401) and missing RBAC grants (403) end the task with a
    message that says which, and what to change.
"""
