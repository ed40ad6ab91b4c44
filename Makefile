# pybuildpack developer targets. Everything a test needs is installed by these targets;
# slow things (Go builds, base images, CPython archives, the dev venv) are cached outside
# the checkout under $(CACHE), keyed by what they were made from.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE ?= $(or $(PYBUILDPACK_CACHE),$(HOME)/.cache/pybuildpack-dev)
HOST_PYTHON ?= python3
DEV_KEY := $(shell sha256sum pyproject.toml | cut -c1-12)
DEVENV := $(CACHE)/devenv/$(DEV_KEY)
PY := $(DEVENV)/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: help
help:
	@echo "make run       build and run a sample app with pack (APP=integration/apps/<name>)"
	@echo "make test      lint, unit tests and the real pack/lifecycle integration suite"
	@echo "make unit      unit tests only"
	@echo "make lint      ruff + mypy --strict"
	@echo "make runtime   put the buildpack's own CPython in ./runtime"
	@echo "make package   pack the buildpack into build/pybuildpack.cnb and the OCI image PACKAGE_IMAGE"
	@echo "make update-catalog   regenerate the CPython catalog in buildpack.toml"
	@echo "make update-locks     regenerate locks/ (runtime and tool dependencies, with hashes)"
	@echo "make bench     build apps with ours, the seed's Dockerfiles and a floor buildpack; print medians (BENCH_ROUNDS=3)"

$(DEVENV)/.ok: pyproject.toml
	$(HOST_PYTHON) -m venv $(DEVENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(HOST_PYTHON) scripts/dev_requirements.py dev | xargs -d "\n" $(PY) -m pip install --quiet
	touch $@

.PHONY: dev
dev: $(DEVENV)/.ok

.PHONY: unit
unit: dev
	$(PY) -m pytest -q -n 2 tests

.PHONY: lint
lint: dev
	$(PY) -m ruff check pybuildpack tests integration scripts bench
	$(PY) -m ruff format --check pybuildpack tests integration scripts bench
	$(PY) -m mypy pybuildpack

# The buildpack's own interpreter, from the CPython mirror made here (RUNTIME_CATALOG, an
# operator-style catalog.toml); on a machine that reaches GitHub, RUNTIME_CATALOG= uses the
# buildpack.toml catalog itself.
RUNTIME_PYTHON ?= 3.13
# The runtime is native code: a package carries the runtime of the machine that made it.
RUNTIME_ARCH := $(shell uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)
RUNTIME_CATALOG ?= $(MIRROR_DIR)/catalog.toml
RUNTIME_SOURCES := locks/runtime.txt scripts/make_runtime.py

.PHONY: runtime
runtime: dev $(if $(RUNTIME_CATALOG),mirror)
	$(PY) scripts/make_runtime.py --python $(RUNTIME_PYTHON) --cache $(CACHE) \
	  $(if $(RUNTIME_CATALOG),--catalog $(RUNTIME_CATALOG)) --dest runtime

# The packaged buildpack: a staged copy with only what runs, byte-compiled, then pack: the
# .cnb file, and the OCI image published to the local registry (PACKAGE_IMAGE, see
# integration/infra.mk), for `--buildpack docker://...` and builder.toml `uri`s. One
# architecture, the machine's: the runtime is native code (see README, "OCI image").
STAGE := build/buildpack
.PHONY: package
package: runtime tools registry
	rm -rf $(STAGE) && mkdir -p $(STAGE)
	cp -a bin buildpack.toml README.md locks $(STAGE)/
	cp -a runtime $(STAGE)/runtime
	tar -C . --exclude __pycache__ -cf - pybuildpack | tar -C $(STAGE) -xf -
	runtime/python/bin/python3 -m compileall -q --invalidation-mode unchecked-hash $(STAGE)/pybuildpack
	$(PACK) buildpack package build/pybuildpack.cnb --config package.toml --format file \
	  --target linux/$(RUNTIME_ARCH)
	@ls -la build/pybuildpack.cnb
	$(PACK) buildpack package $(PACKAGE_IMAGE) --config package.toml --format image --publish \
	  --target linux/$(RUNTIME_ARCH)
	$(CRANE) digest $(PACKAGE_IMAGE) | tee build/pybuildpack.image-digest

# Build a sample app with real pack + lifecycle on the builder made here, then run it.
APP ?= integration/apps/flask_gunicorn
RUN_PORT ?= 8080
SAMPLE_IMAGE ?= pybuildpack.test/sample:latest
# PACK_VOLUME_KEY: pack names its cache volumes from this key instead of keeping a random key
# per image in $(PACK_HOME)/volume-keys.toml, a file that two pack builds at once can corrupt.
RUN_VOLUME_KEY ?= make-run
.PHONY: run
run: integration-infra
	@PACK_VOLUME_KEY=$${PACK_VOLUME_KEY:-$(RUN_VOLUME_KEY)} $(HOST_PYTHON) integration/pack_cache.py $(SAMPLE_IMAGE)
	PACK_VOLUME_KEY=$${PACK_VOLUME_KEY:-$(RUN_VOLUME_KEY)} $(PACK) build $(SAMPLE_IMAGE) --path $(APP) --builder $(BUILDER) --trust-builder \
	  --pull-policy never --docker-host inherit \
	  --volume $(MIRROR_DIR):/platform/bindings/cpython-mirror:ro \
	  --volume $(CA_BINDING_DIR):/platform/bindings/ca-certificates:ro
	@echo "Serving $(APP) on http://127.0.0.1:$(RUN_PORT)/ (Ctrl-C stops it)"
	podman run --rm --init -e PORT=$(RUN_PORT) -p 127.0.0.1:$(RUN_PORT):$(RUN_PORT) $(SAMPLE_IMAGE)

.PHONY: update-catalog
update-catalog: dev
	$(PY) scripts/update_catalog.py

# locks/: the runtime's and each tool's dependency tree, pinned with hashes (uv pip compile)
.PHONY: update-locks
update-locks: dev
	PATH=$(DEVENV)/bin:$$PATH $(PY) scripts/update_locks.py

.PHONY: test
test: lint unit integration

# The benchmark (not part of `make test`): see bench/bench.py and README "Performance".
BENCH_ROUNDS ?= 3
BENCH_ARGS ?=
FLOOR_BUILDER ?= pybuildpack.test/bench-floor:latest
BENCH_WORK := $(CACHE)/bench/work
BENCH_PYTHON_VERSION := 3.12.1
BENCH_UV_VERSION := $(shell sed -n 's/^uv = "\(.*\)"/\1/p' buildpack.toml | head -1)
.PHONY: bench bench-infra
bench-infra: integration-infra
	@bench/images/build.sh $(CACHE) $(MIRROR_DIR) $(CA_BINDING_DIR)/ca-certificates.crt \
	  $(BENCH_PYTHON_VERSION) $(BENCH_UV_VERSION) $(HOST_PYTHON)
	@PACK=$(PACK) $(INTEG_TOOLS)/make-builder.sh bench/floor/builder.toml.in $(CACHE)/bench/floor-builder.toml \
	  $(FLOOR_BUILDER) $(CURDIR)/bench/floor/buildpack bench/floor $(LIFECYCLE_TGZ) $(BUILD_IMAGE) $(RUN_IMAGE) \
	  $(CACHE)/bench/floor-builder

bench: dev bench-infra
	PACK=$(PACK) BUILDER=$(BUILDER) FLOOR_BUILDER=$(FLOOR_BUILDER) MIRROR_DIR=$(MIRROR_DIR) \
	  CA_BINDING_DIR=$(CA_BINDING_DIR) BENCH_WORK=$(BENCH_WORK) RUN_IMAGE=$(RUN_IMAGE) PACK_VOLUME_KEY=$${PACK_VOLUME_KEY:-bench} \
	  $(PY) bench/bench.py --rounds $(BENCH_ROUNDS) $(BENCH_ARGS)

include integration/infra.mk
