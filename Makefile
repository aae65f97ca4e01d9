# cri.runtimes: every set-up step and every gate, from a fresh Debian 12 machine.
#   make lab    the main job: a real local cluster configured by the collection
#   make test   every gate and suite (what .ci/run calls)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.tmp/collections
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# Ansible's own state stays in the checkout, never in ~/.ansible (issue 14): Molecule's
# prerun, ansible-galaxy, ansible's temp files (scripts/lib/ansible-env says why each).
export ANSIBLE_HOME := $(CURDIR)/.tmp/ansible-home
export ANSIBLE_LOCAL_TEMP := $(ANSIBLE_HOME)/tmp
export ANSIBLE_GALAXY_CACHE_DIR := $(ANSIBLE_HOME)/galaxy_cache
export ANSIBLE_REMOTE_TEMP := $(ANSIBLE_HOME)/remote-tmp
# pip's cache (the tool venv, ansible-test's venvs) in the documented cache, not ~/.cache/pip
export PIP_CACHE_DIR := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cri-runtimes/pip
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0

.PHONY: help deps venv link lint ruff mypy ansible-lint changelog-lint sanity units \
	units-floor build integration bench judge-containerd judge-kubelet judge-kata molecule e2e test home-snapshot home-check \
	docs-lint docsite ee \
	lab lab-status lab-down clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

deps: ## Debian packages and the pinned tool venv (idempotent, fast when present)
	@scripts/setup/install-deps
	@VENV=$(VENV) scripts/setup/make-venv
	@$(MAKE) --no-print-directory link

venv: deps

link:
	@mkdir -p $(COLLECTIONS)/ansible_collections/cri
	@ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/cri/runtimes

ruff: deps ## ruff check and ruff format --check
	ruff check .
	ruff format --check .

mypy: deps ## mypy (disallow_untyped_defs) on plugins/module_utils
	MYPYPATH=$(COLLECTIONS) mypy --config-file pyproject.toml \
		-p ansible_collections.cri.runtimes.plugins.module_utils

ansible-lint: deps ## ansible-lint, production profile, offline
	ansible-lint --offline --profile production

changelog-lint: deps ## antsibull-changelog lint of changelogs/
	antsibull-changelog lint

docs-lint: deps ## antsibull-docs lint-collection-docs (the docs gate of community collections), own venv
	PATH="$$(scripts/setup/make-ee-venv):$$PATH" antsibull-docs lint-collection-docs --plugin-docs .

docsite: deps ## build the collection's docsite with antsibull-docs + Sphinx (.tmp/docsite/build/html)
	scripts/run/docsite

ee: deps ## build (or reuse) the lab's execution environment image with ansible-builder (local base, no registry)
	CONTAINERS_CONF="$$(scripts/setup/podman-host-setup)" scripts/setup/ee-image

lint: ruff mypy ansible-lint changelog-lint docs-lint ## all static gates

sanity: deps ## ansible-test sanity from a clean copy, offline, empty ignore files
	VENV=$(VENV) scripts/run/ansible-test-sanity

units: deps ## pytest unit tests (no test collected is a failure)
	scripts/run/run-pytest tests/unit

units-floor: deps ## module_utils and module unit tests on Python 3.9, the managed-node floor (skipped without one)
	VENV=$(VENV) scripts/run/units-floor

judge-kubelet: deps ## systemd judges kubelet_dropin on every kubelet unit set of ../shared/corpus (one node container)
	scripts/run/run-pytest tests/judges/test_kubelet_corpus.py -v

build: deps ## build the collection, install the tarball, ansible-doc every module and role
	VENV=$(VENV) scripts/run/check-build

integration: deps ## ansible-test integration targets against real containerd (and the API server)
	@# the real kube-apiserver on 127.0.0.1 for the targets that need it, stopped even on failure
	trap 'scripts/setup/apiserver stop' EXIT; scripts/setup/apiserver start; eval "$$(scripts/setup/apiserver env)"; \
		VENV=$(VENV) scripts/run/ansible-test-integration

judge-containerd: deps ## real containerd 1.6/1.7/2.1 (Debian's debs, cached) judge containerd_config's edits and 2->3 migrations of the corpus and the CRI client's error path
	scripts/setup/containerd-debs
	scripts/run/run-pytest tests/judges/test_containerd_judge.py tests/judges/test_containerd_migrate_judge.py \
		tests/judges/test_cri_client_judge.py

judge-kata: deps ## Kata's TOML library (BurntSushi/toml, Debian's) judges toml_file's edits of Kata configs
	scripts/run/run-pytest tests/judges/test_kata_config_judge.py

bench: deps ## benchmarks (not part of make test): containerd_config against what operators do today
	python tests/benchmarks/bench_containerd_config.py
	python tests/benchmarks/bench_toml_scaling.py
	@# the idempotent site.yml converge on the lab's nodes against plain ping rounds (needs `make lab`)
	python tests/benchmarks/bench_converge.py

molecule: deps ## Molecule scenarios (podman, local debootstrap images; MOLECULE_JOBS=2: two at a time)
	scripts/run/molecule-run

e2e: deps ## end-to-end test against the lab
	VENV=$(VENV) scripts/run/e2e

# Every gate and suite in two lanes side by side (static gates, units, judges, build,
# integration, then e2e; Molecule two scenarios at a time), each suite's log in .tmp/test/,
# a summary of which failed; home-snapshot first and home-check last: make test fails when
# it created or changed anything outside the checkout and ~/.cache/cri-runtimes (issue 14).
# TEST_PARALLEL=0 runs the lanes one after the other (scripts/run/test-all).
test: deps ## every gate and suite (two lanes side by side; TEST_PARALLEL=0: one after the other)
	VENV=$(VENV) scripts/run/test-all

home-snapshot: ## record ~/.ansible, ~/.cache (but cri-runtimes), ~/.config, ~/.local, ~/.kube
	@python3 scripts/run/home-guard.py snapshot

home-check: ## fail, naming the paths, if any of those changed since home-snapshot
	@python3 scripts/run/home-guard.py check

lab: deps ## start a real local cluster configured by the collection, prove it with pods
	$(BIN)/python -m lab up

lab-status: deps ## nodes, labels, RuntimeClasses of a running lab
	$(BIN)/python -m lab status

lab-down: deps ## stop the lab, restore the host sysctls, remove containers and volumes
	$(BIN)/python -m lab down

clean: ## remove caches and build output (keeps the venv)
	rm -rf .tmp build tests/output .pytest_cache .ruff_cache .mypy_cache
