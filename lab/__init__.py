# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local lab: a real Kubernetes cluster on one machine, configured by cri.runtimes.

From the checkout (the Makefile's `make lab`, `make lab-status`, `make lab-down` call these):

    python -m lab up        build/reuse binaries and images, start everything, run site.yml, prove it
    python -m lab smoke     (again) run one pod per RuntimeClass and print where and how it ran
    python -m lab status    print the table without creating pods
    python -m lab down      stop everything, restore host sysctls, remove containers and volumes

What runs: etcd, kube-apiserver and kube-scheduler on the host (the API server listens
on the lab network's gateway only), and one podman systemd container per node in
lab/inventory.yml with containerd, runc, crun and runsc from Debian and the kubelet
built from Debian's kubernetes source. lab/prepare.yml makes each container what a
kubeadm-installed node looks like before our collection touches it; then
playbooks/site.yml configures containerd, the runtimes, the kubelet, node labels and
RuntimeClasses. Nothing of the collection's work is baked into the image.

Progress goes to stdout, one line per step with its duration; each step's output goes
to .lab/logs/<step>.log, and a failing step names its log.

Modules, each importing only those before it: cluster.py (paths, the Lab and its steps),
smoke.py (the smoke pods and the status table), cli.py (the commands); tests/e2e imports
them as `lab.cluster` and `lab.smoke`.
"""
