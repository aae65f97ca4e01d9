#!/usr/bin/python
# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kubelet_dropin
short_description: Set or remove kubelet flags in a systemd drop-in, knowing the kubelet's whole command line
version_added: 0.1.0
description:
  - Sets or removes kubelet command-line flags where the node's layout calls for them, and rebuilds the kubelet's
    effective command line the way systemd builds it.
  - The unit's fragment and drop-ins are those systemd reports (C(systemctl show -p FragmentPath -p DropInPaths)),
    or, when systemd does not run (a chroot, an image build) or a daemon-reload is pending, those its search path
    rules give (systemd.unit(5) - C(/etc) over C(/run) over C(/usr/local/lib) over C(/usr/lib) and C(/lib), a
    drop-in of the same name in a higher-priority directory masking the other, the rest applied in file-name order).
  - "Without O(path) the flags go to the extension point the packagers document: C(KUBELET_EXTRA_ARGS) in
    C(/etc/default/kubelet) (deb) or C(/etc/sysconfig/kubelet) (rpm), whichever C(EnvironmentFile=) of the effective
    unit sets it (kubernetes/release's C(10-kubeadm.conf), installed under C(/usr/lib/systemd/system) today). Only
    a unit with no such extension point gets a drop-in of our own, O(dropin_name) in
    C(/etc/systemd/system/<unit>.d/), which sorts after kubeadm's C(10-kubeadm.conf): it holds the variable
    C(KUBELET_CRI_ARGS) and, when the effective C(ExecStart=) does not reference it, a reset plus a copy of that
    C(ExecStart=) with C($KUBELET_CRI_ARGS) appended."
  - A flag that must change where the module may not edit (a packaged drop-in or the unit file) is overridden from
    that drop-in of our own - its variable re-assigned (a later C(Environment=) wins), or the C(ExecStart=) copied and
    edited there. Packaged files under C(/usr/lib) or C(/lib) are never written.
  - The module never writes a drop-in that masks another (or is masked by one), and warns about drop-ins on the node
    that already do (a copy of C(10-kubeadm.conf) in C(/etc) hides the packaged one, and with it C(--kubeconfig),
    C(--bootstrap-kubeconfig) and C(--config)).
  - The kubelet's effective command line is rebuilt word for word the way systemd 252 builds it (checked against
    the argv real systemd gives a kubelet), from the unit file and every drop-in of its C(.d) directory in name
    order - C(Environment=) lines with several quoted assignments and escapes, C(EnvironmentFile=) (with C(-))
    such as C(/var/lib/kubelet/kubeadm-flags.env), C(/etc/default/kubelet) or C(/etc/sysconfig/kubelet) (their
    values override C(Environment=)), C(ExecStart=) resets, backslash continuations (comment lines inside them
    are skipped), specifiers such as C(%n) and C(%%). In C(ExecStart=), C($VAR) as a word of its own is split at
    whitespace, C(${VAR}) is always one argument (an empty one when unset) and C($$) is C($).
  - What systemd ignores (an C(Environment=) word with an unknown escape and the rest of its line, an invalid
    assignment, a host-dependent specifier the module cannot resolve) is ignored the same way and reported as a
    warning naming the file and line.
  - A requested flag ends up set exactly once in the effective command line (once per value for a repeated flag).
    A flag already set exactly as requested is left where it is. Otherwise its other occurrences are removed
    (with a value word that follows the flag, as in C(--node-ip $NODE_IP)) where the module may edit them, overridden as above, or, in a place it can
    neither edit nor override, accepted when they already have the requested value and an error otherwise. The
    module reports every occurrence it found in RV(found).
  - Every line the module was not asked to change is written back byte for byte.
  - Knows which flags a kubelet version no longer accepts (C(--pod-infra-container-image) from 1.35,
    C(--container-runtime) from 1.27, the dockershim flags, C(--non-masquerade-cidr) and
    C(--experimental-check-node-capabilities-before-mount) from 1.24, C(--cadvisor-port) from 1.12,
    C(--allow-privileged) from 1.15) and removes them (O(remove_unsupported)) from the file that really carries them
    - C(/var/lib/kubelet/kubeadm-flags.env), where kubeadm wrote C(--pod-infra-container-image), included (with
    O(edit_environment_files)) - since the kubelet refuses to start with them. The version is O(kubelet_version), or read with
    C(kubelet --version) from the binary C(ExecStart=) runs.
  - Warns about flags the kubelet version still accepts but has deprecated for removal (C(--pod-infra-container-image)
    from 1.24 until its removal in 1.35), naming the file and line that set them.
  - With O(containerd_version) or O(containerd_binary) it refuses, before writing anything, a kubelet and containerd
    that cannot work together, naming both versions - a kubelet older than 1.23 with containerd 2.0 or later
    (containerd 2.0 removed CRI v1alpha2, the only CRI version those kubelets speak; such a kubelet runs only against
    containerd 1.6/1.7), and a kubelet 1.36 or later with containerd 1.x.
  - Does not reload systemd or restart the kubelet; RV(daemon_reload_needed) and RV(restart_needed) say what the
    change requires. The role P(cri.runtimes.kubelet#role) does both.
author:
  - cri.runtimes developers (@cri-runtimes)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - cri.runtimes.node_python
  - action_common_attributes.files
  - ansible.builtin.files
  - cri.runtimes.file_edit
options:
  unit:
    description:
      - The kubelet's systemd unit.
    type: str
    default: kubelet.service
  path:
    description:
      - A drop-in to edit (created with a C([Service]) section if missing), instead of the placement described
        above. Its directory's name tells the unit (C(kubelet.service.d) belongs to C(kubelet.service)).
      - The module refuses a path whose file name another drop-in of the unit already uses in another directory.
    type: path
  dropin_name:
    description:
      - The file name of the module's own drop-in in C(/etc/systemd/system/<unit>.d/), used when the unit has no
        extension point (and for overrides). It should sort after C(10-kubeadm.conf).
    type: str
    default: 20-cri-runtimes.conf
  variable:
    description:
      - The environment variable that holds the flags this module sets.
      - By default C(KUBELET_EXTRA_ARGS) where the packagers' environment file provides it, else
        C(KUBELET_CRI_ARGS) (a variable of its own, so the variables kubeadm and operators own are left alone).
      - If an environment file sets the variable, the module edits it there (when O(edit_environment_files=true));
        otherwise it is an C(Environment=) line of the drop-in.
      - C(ExecStart=) must use it as a word of its own, C($VARIABLE); C(${VARIABLE}) is one argument to systemd,
        whatever it holds, and is refused.
    type: str
  flags:
    description:
      - Flags to set, by name (with or without the leading C(--); C(_) and C(-) are the same to the kubelet).
      - A string or number gives C(--name=value); V(true) gives the bare C(--name); V(false) gives C(--name=false);
        a list repeats the flag once per element, in order.
      - Values may not contain whitespace, quotes or backslashes (systemd splits C($VARIABLE) at whitespace).
    type: dict
    default: {}
  remove:
    description:
      - Flags to remove from the effective command line, wherever the module may edit them.
    type: list
    elements: str
    default: []
  edit_environment_files:
    description:
      - Whether the module may edit the environment files C(EnvironmentFile=) names (for example to remove a flag
        that kubeadm wrote into C(kubeadm-flags.env)). With V(false) such a flag must already have the requested
        value, or the module fails.
    type: bool
    default: true
  kubelet_version:
    description:
      - The kubelet version (V(1.20.2), V(v1.27.3) or the output of C(kubelet --version)).
      - If omitted, the module runs the C(ExecStart=) binary with C(--version) when that binary exists; if it does
        not, no version checks are made.
    type: str
  containerd_version:
    description:
      - The containerd version the kubelet talks to (V(2.1.9), V(v1.7.24) or the output of C(containerd --version)),
        for the version guard described above. Takes precedence over O(containerd_binary).
    type: str
  containerd_binary:
    description:
      - The containerd binary to ask with C(--version) when O(containerd_version) is not given (a name is looked up
        on the PATH). When it is not installed (yet), the guard is skipped and RV(containerd_version) is null.
      - Without either option no guard applies.
    type: str
  remove_unsupported:
    description:
      - Remove flags the kubelet version no longer accepts from every place the module may edit (reported in
        RV(removed_unsupported)). With V(false) they are only reported as a warning.
    type: bool
    default: true
  unit_path:
    description:
      - The unit file (fragment) to use instead of the one systemd reports or its search path finds.
    type: path
notes:
  - Values are compared by meaning, so a bare C(--flag) equals C(--flag=true) and C(15m) equals C(15m0s).
  - "Sources: systemd.unit(5) (load path, drop-ins, precedence); kubernetes/release's krel templates
    C(kubeadm/10-kubeadm.conf) and C(kubelet/kubelet.env) (the packaged layout and C(KUBELET_EXTRA_ARGS))."
  - Kubelets from 1.27 on read the CRI endpoint from the KubeletConfiguration; see M(cri.runtimes.kubelet_config)
    and the role P(cri.runtimes.kubelet#role), which decides per version.
seealso:
  - module: cri.runtimes.kubelet_config
"""

EXAMPLES = r"""
- name: Point a kubeadm node's kubelet (1.20) at containerd (KUBELET_EXTRA_ARGS in /etc/default/kubelet on a deb node)
  cri.runtimes.kubelet_dropin:
    flags:
      container-runtime: remote
      container-runtime-endpoint: unix:///run/containerd/containerd.sock
      runtime-request-timeout: 15m
  register: dropin

- name: Reload systemd and restart the kubelet when needed
  ansible.builtin.systemd_service:
    name: kubelet
    state: restarted
    daemon_reload: "{{ dropin.daemon_reload_needed }}"
  when: dropin.restart_needed

- name: A kubelet 1.27+ refuses --container-runtime; remove it wherever kubeadm left it
  cri.runtimes.kubelet_dropin:
    kubelet_version: "1.28.2"
    remove:
      - container-runtime-endpoint

- name: Repeated and bare flags, in a variable of your choice
  cri.runtimes.kubelet_dropin:
    path: /etc/systemd/system/kubelet.service.d/20-labels.conf
    variable: KUBELET_EXTRA_ARGS
    flags:
      register-with-taints:
        - sandbox=gvisor:NoSchedule
        - sandbox=kata:NoSchedule
      fail-swap-on: false
      skip-headers: true
"""

RETURN = r"""
found:
  description: Every occurrence, before the change, of a flag the module was asked to set or remove or that the
    kubelet version no longer accepts.
  returned: always
  type: list
  elements: dict
  sample:
    - flag: container-runtime
      value: remote
      path: /var/lib/kubelet/kubeadm-flags.env
      line: 1
      variable: KUBELET_KUBEADM_ARGS
removed_unsupported:
  description: Flags removed because O(kubelet_version) no longer accepts them.
  returned: always
  type: list
  elements: str
  sample: [container-runtime]
effective_flags:
  description: The kubelet's flags after the change (before it, in check mode the would-be result), in command-line
    order.
  returned: always
  type: list
  elements: str
  sample: ["--config=/var/lib/kubelet/config.yaml", "--container-runtime-endpoint=unix:///run/containerd/containerd.sock"]
effective_flags_before:
  description: The kubelet's flags before the change.
  returned: always
  type: list
  elements: str
effective_args:
  description: The kubelet's arguments after the change (before it, in check mode the would-be result), word for
    word as systemd passes them (without the program itself).
  returned: always
  type: list
  elements: str
  sample: ["--config", "/var/lib/kubelet/config.yaml", "--container-runtime-endpoint=unix:///run/containerd/containerd.sock"]
conflicts:
  description: Flags (not managed here) that are set more than once with different values; the last one wins.
  returned: always
  type: list
  elements: str
kubelet_version:
  description: The kubelet version the checks used, or null if it was neither given nor readable.
  returned: always
  type: str
  sample: v1.20.2
containerd_version:
  description: The containerd version the guard used, or null if it was neither given nor readable.
  returned: always
  type: str
  sample: v1.6.20
changed_files:
  description: The files the module changed (or would change in check mode).
  returned: always
  type: list
  elements: str
daemon_reload_needed:
  description: Whether systemd must re-read its units (the drop-in changed).
  returned: always
  type: bool
restart_needed:
  description: Whether the kubelet must be restarted for the change to take effect.
  returned: always
  type: bool
backup_files:
  description: Backups taken, by file.
  returned: when O(backup=true) and something changed
  type: dict
unit_path:
  description: The unit file used to find the effective C(ExecStart=), if any.
  returned: always
  type: str
command_line:
  description: The kubelet's argv after the change (in check mode, the would-be one), word for word as systemd will
    build it, the binary first.
  returned: always
  type: list
  elements: str
  sample: ["/usr/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml"]
command_line_before:
  description: The kubelet's argv before the change.
  returned: always
  type: list
  elements: str
layout:
  description: The unit's fragment and drop-ins the module used, and where it learnt them (V(systemctl) or
    V(search path)).
  returned: always
  type: dict
  sample:
    unit: kubelet.service
    fragment_path: /usr/lib/systemd/system/kubelet.service
    dropin_paths: [/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf]
    source: systemctl
placement:
  description: Where the flags go (C(path), C(variable), C(kind) V(environment-file) or V(drop-in)) and why.
  returned: always
  type: dict
  sample:
    path: /etc/default/kubelet
    variable: KUBELET_EXTRA_ARGS
    kind: environment-file
    reason: the unit sources /etc/default/kubelet and passes $KUBELET_EXTRA_ARGS to the kubelet
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cri.runtimes.plugins.module_utils._files import FileError
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet import KubeletError
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_layout import OWN_DROPIN_NAME
from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_node import run


def main():
    module = AnsibleModule(
        argument_spec={
            "unit": {"type": "str", "default": "kubelet.service"},
            "path": {"type": "path"},
            "dropin_name": {"type": "str", "default": OWN_DROPIN_NAME},
            "variable": {"type": "str"},
            "flags": {"type": "dict", "default": {}},
            "remove": {"type": "list", "elements": "str", "default": []},
            "edit_environment_files": {"type": "bool", "default": True},
            "kubelet_version": {"type": "str"},
            "containerd_version": {"type": "str"},
            "containerd_binary": {"type": "str"},
            "remove_unsupported": {"type": "bool", "default": True},
            "unit_path": {"type": "path"},
            "backup": {"type": "bool", "default": False},
        },
        add_file_common_args=True,
        supports_check_mode=True,
    )
    try:
        outcome = run(module, module._diff)
    except (KubeletError, FileError) as exc:
        module.fail_json(msg=str(exc))
    for warning in outcome.warnings:
        module.warn(warning)
    module.exit_json(**outcome.result)


if __name__ == "__main__":
    main()
