# Real end-to-end integration infrastructure (included by the top-level Makefile).
#
# Everything slow is cached under $(CACHE), outside the checkout, keyed by version or by a hash
# of its recipe, so a second `make integration` only re-runs the tests:
#   tools       host packages (podman, runc, debootstrap, patchelf, skopeo), containers.conf,
#               the podman API socket, lifecycle + pack + crane built from their Go modules
#   images      Debian 12 build and run images from a debootstrap minbase rootfs
#   mirror      CPython archives (python-build-standalone layout) from this machine's pyenv
#               builds, as a `dependency-catalog` binding directory
#   trixie-*    the same for Debian 13: images, no-shell run image, a mirror of Debian's own
#               CPython packages (3.14 default, 3.13, 3.15), builder (TRIXIE_BUILDER)
#   ca-binding  a `ca-certificates` binding with the host's CA bundle (the HTTPS proxy's CA)
#   registry    `crane registry serve` on $(REGISTRY) (for the OCI buildpack image)
#   builder     integration/builder.toml + `pack builder create`
#   integration all of the above, then pytest integration/
# Variables for other targets: PACK CRANE LIFECYCLE_TGZ DOCKER_HOST MIRROR_DIR CA_BINDING_DIR
# BUILDER BUILD_IMAGE RUN_IMAGE PACK_HOME REGISTRY PACKAGE_IMAGE.

INTEG_DIR := $(CURDIR)/integration
INTEG_TOOLS := $(INTEG_DIR)/tools

LIFECYCLE_VERSION := 0.21.17
PACK_VERSION := 0.40.6
CRANE_VERSION := 0.21.9
# The Go module proxy reachable here answers 403 for github.com/osscontainertools/kaniko
# v1.28.3 (what lifecycle v0.21.17 requires) but serves v1.27.5 (what v0.21.11-14 require).
# kaniko is only linked into the `extender` phase (image extensions), which these builds do not
# use. Empty this to build with the module's own requirements.
LIFECYCLE_GO_REPLACE ?= github.com/osscontainertools/kaniko=github.com/osscontainertools/kaniko@v1.27.5
GO_KEY := $(shell go env GOVERSION 2>/dev/null || echo nogo)

TOOLS_DIR := $(CACHE)/tools
LIFECYCLE_KEY := $(shell echo "$(LIFECYCLE_VERSION) $(GO_KEY) $(LIFECYCLE_GO_REPLACE)" | cat - $(INTEG_TOOLS)/build-lifecycle.sh | sha256sum | cut -c1-12)
LIFECYCLE_TGZ := $(TOOLS_DIR)/lifecycle-$(LIFECYCLE_VERSION)-$(LIFECYCLE_KEY)/lifecycle-v$(LIFECYCLE_VERSION)+linux.x86-64.tgz
PACK := $(TOOLS_DIR)/pack-$(PACK_VERSION)-$(GO_KEY)/pack
CRANE := $(TOOLS_DIR)/crane-$(CRANE_VERSION)-$(GO_KEY)/crane
PODMAN_SOCK := $(CACHE)/podman/podman.sock
DOCKER_HOST := unix://$(PODMAN_SOCK)
PACK_HOME := $(CACHE)/pack-home

BUILD_IMAGE ?= localhost/pybuildpack/build:bookworm
RUN_IMAGE ?= localhost/pybuildpack/run:bookworm
NOSHELL_RUN_IMAGE ?= localhost/pybuildpack/run-noshell:bookworm
# A dotted registry name: podman's Docker-compatible API stores images that pack loads as
# `localhost/x` under `docker.io/localhost/x`, which the podman CLI then cannot find by name.
BUILDER ?= pybuildpack.test/builder:test
# The Debian 13 builder: its own images, and a name derived from BUILDER (builder:trixie-test).
TRIXIE_BUILD_IMAGE ?= localhost/pybuildpack/build:trixie
TRIXIE_RUN_IMAGE ?= localhost/pybuildpack/run:trixie
TRIXIE_NOSHELL_RUN_IMAGE ?= localhost/pybuildpack/run-noshell:trixie
TRIXIE_BUILDER ?= $(subst :,:trixie-,$(BUILDER))
BUILDPACK_ID := pybuildpack/python
# The buildpack the builder carries: this checkout (bin/, buildpack.toml, runtime/).
BUILDER_BUILDPACK ?= $(CURDIR)

MIRROR_VERSIONS ?= 3.13.0 3.12.1 3.11.7
MIRROR_DEFAULT ?= 3.13
MIRROR_KEY := $(shell (echo "$(MIRROR_VERSIONS) $(MIRROR_DEFAULT)"; cat $(INTEG_TOOLS)/make_mirror.py; \
	for v in $(MIRROR_VERSIONS); do stat -c '%s %Y' $${PYENV_ROOT:-/root/.pyenv}/versions/$$v/bin/python$${v%.*} 2>/dev/null; done) | sha256sum | cut -c1-12)
MIRROR_DIR := $(CACHE)/mirror/$(MIRROR_KEY)
# The Debian 13 builder's mirror: Debian's own CPython packages (3.14 and 3.15 from sid, 3.13
# from trixie; shared libraries from trixie) in pbs layout, default 3.14 like buildpack.toml.
# The bookworm mirror keeps MIRROR_DEFAULT 3.13: Debian's 3.14 needs glibc 2.38, bookworm has 2.36.
TRIXIE_MIRROR_PYTHONS ?= 3.14:sid 3.13:trixie 3.15:sid
TRIXIE_MIRROR_DEFAULT ?= 3.14
TRIXIE_MIRROR_LIB_SUITE ?= trixie
TRIXIE_MIRROR_KEY := $(shell (echo "$(TRIXIE_MIRROR_PYTHONS) $(TRIXIE_MIRROR_DEFAULT) $(TRIXIE_MIRROR_LIB_SUITE)"; \
	cat $(INTEG_TOOLS)/make_debian_mirror.py) | sha256sum | cut -c1-12)
TRIXIE_MIRROR_DIR := $(CACHE)/mirror-trixie/$(TRIXIE_MIRROR_KEY)
CA_BINDING_DIR := $(CACHE)/bindings/ca-certificates
HOST_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

export DOCKER_HOST PACK_HOME

# ---------------------------------------------------------------------------------------- tools
.PHONY: tools host-packages podman-service
host-packages:
	@$(INTEG_TOOLS)/ensure-host.sh

podman-service: host-packages
	@$(INTEG_TOOLS)/podman-service.sh $(PODMAN_SOCK)

$(LIFECYCLE_TGZ):
	@echo "tools: building lifecycle v$(LIFECYCLE_VERSION)"
	@start=$$(date +%s); $(INTEG_TOOLS)/build-lifecycle.sh $(LIFECYCLE_VERSION) $@ $(LIFECYCLE_GO_REPLACE) \
	  && echo "tools: lifecycle took $$(( $$(date +%s) - start ))s"

$(PACK):
	@echo "tools: building pack v$(PACK_VERSION)"
	@start=$$(date +%s); $(INTEG_TOOLS)/build-pack.sh $(PACK_VERSION) $@ \
	  && echo "tools: pack took $$(( $$(date +%s) - start ))s"

$(CRANE):
	@echo "tools: building crane v$(CRANE_VERSION)"
	@start=$$(date +%s); $(INTEG_TOOLS)/build-crane.sh $(CRANE_VERSION) $@ \
	  && echo "tools: crane took $$(( $$(date +%s) - start ))s"

tools: host-packages podman-service $(LIFECYCLE_TGZ) $(PACK) $(CRANE)
	@mkdir -p $(PACK_HOME)

# ------------------------------------------------------------------------------------- registry
# A local OCI registry (plain HTTP on loopback, which pack and crane accept without TLS):
# `make package` publishes the buildpack image there (PACKAGE_IMAGE).
REGISTRY ?= 127.0.0.1:5000
BUILDPACK_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' buildpack.toml | head -1)
PACKAGE_IMAGE ?= $(REGISTRY)/pybuildpack/python:$(BUILDPACK_VERSION)
.PHONY: registry
registry: tools
	@$(INTEG_TOOLS)/registry-service.sh $(CRANE) $(REGISTRY) $(CACHE)/registry

# --------------------------------------------------------------------------------------- images
.PHONY: images
images: host-packages
	@$(INTEG_TOOLS)/build-images.sh bookworm $(CACHE) $(BUILD_IMAGE) $(RUN_IMAGE)

.PHONY: noshell-image
noshell-image: images
	@$(INTEG_TOOLS)/build-noshell-image.sh $(RUN_IMAGE) $(NOSHELL_RUN_IMAGE)

# Debian 13 (trixie): the same recipe on a trixie minbase rootfs.
.PHONY: trixie-images trixie-noshell-image
trixie-images: host-packages
	@$(INTEG_TOOLS)/build-images.sh trixie $(CACHE) $(TRIXIE_BUILD_IMAGE) $(TRIXIE_RUN_IMAGE)

trixie-noshell-image: trixie-images
	@$(INTEG_TOOLS)/build-noshell-image.sh $(TRIXIE_RUN_IMAGE) $(TRIXIE_NOSHELL_RUN_IMAGE)

# --------------------------------------------------------------------------------------- mirror
.PHONY: mirror
mirror: $(MIRROR_DIR)/catalog.toml

$(MIRROR_DIR)/catalog.toml: | images
	@echo "mirror: packing CPython $(MIRROR_VERSIONS) into $(MIRROR_DIR)"
	@start=$$(date +%s); rm -rf $(MIRROR_DIR).tmp \
	  && $(HOST_PYTHON) $(INTEG_TOOLS)/make_mirror.py $(MIRROR_DIR).tmp $(MIRROR_DEFAULT) $(MIRROR_VERSIONS) \
	  && $(INTEG_TOOLS)/verify-mirror.sh $(MIRROR_DIR).tmp $(RUN_IMAGE) \
	  && rm -rf $(MIRROR_DIR) && mv $(MIRROR_DIR).tmp $(MIRROR_DIR) \
	  && find $(CACHE)/mirror -mindepth 1 -maxdepth 1 ! -name $(MIRROR_KEY) -exec rm -rf {} + \
	  && echo "mirror: took $$(( $$(date +%s) - start ))s"

# Made from the archive's current packages (listed with their sha256 in SOURCES.txt), kept until
# the recipe changes: the same .debs give byte-identical archives.
.PHONY: trixie-mirror
trixie-mirror: $(TRIXIE_MIRROR_DIR)/catalog.toml

$(TRIXIE_MIRROR_DIR)/catalog.toml: | trixie-images
	@echo "trixie-mirror: packing Debian's CPython $(TRIXIE_MIRROR_PYTHONS) into $(TRIXIE_MIRROR_DIR)"
	@start=$$(date +%s); rm -rf $(TRIXIE_MIRROR_DIR).tmp \
	  && DEB_CACHE=$(CACHE)/debs $(HOST_PYTHON) $(INTEG_TOOLS)/make_debian_mirror.py $(TRIXIE_MIRROR_DIR).tmp \
	       $(TRIXIE_MIRROR_DEFAULT) $(TRIXIE_RUN_IMAGE) $(TRIXIE_MIRROR_LIB_SUITE) $(TRIXIE_MIRROR_PYTHONS) \
	  && $(INTEG_TOOLS)/verify-mirror.sh $(TRIXIE_MIRROR_DIR).tmp $(TRIXIE_RUN_IMAGE) \
	  && rm -rf $(TRIXIE_MIRROR_DIR) && mv $(TRIXIE_MIRROR_DIR).tmp $(TRIXIE_MIRROR_DIR) \
	  && find $(CACHE)/mirror-trixie -mindepth 1 -maxdepth 1 ! -name $(TRIXIE_MIRROR_KEY) -exec rm -rf {} + \
	  && echo "trixie-mirror: took $$(( $$(date +%s) - start ))s"

# ----------------------------------------------------------------------------------- ca-binding
.PHONY: ca-binding
ca-binding:
	@mkdir -p $(CA_BINDING_DIR)
	@echo ca-certificates >$(CA_BINDING_DIR)/type.tmp && mv $(CA_BINDING_DIR)/type.tmp $(CA_BINDING_DIR)/type
	@cmp -s $(HOST_CA_BUNDLE) $(CA_BINDING_DIR)/ca-certificates.crt \
	  || cp $(HOST_CA_BUNDLE) $(CA_BINDING_DIR)/ca-certificates.crt

# -------------------------------------------------------------------------------------- builder
BUILDER_PREREQS := tools images
ifeq ($(abspath $(BUILDER_BUILDPACK)),$(CURDIR))
BUILDER_PREREQS += runtime
endif

.PHONY: builder
builder: $(BUILDER_PREREQS)
	@PACK=$(PACK) $(INTEG_TOOLS)/make-builder.sh $(INTEG_DIR)/builder.toml.in $(INTEG_DIR)/builder.toml \
	  $(BUILDER) $(abspath $(BUILDER_BUILDPACK)) $(BUILDPACK_ID) $(LIFECYCLE_TGZ) $(BUILD_IMAGE) $(RUN_IMAGE) $(CACHE)/builder

# The Debian 13 builder: the same template and buildpack on the trixie images.
.PHONY: trixie-builder
trixie-builder: $(subst images,trixie-images,$(BUILDER_PREREQS))
	@PACK=$(PACK) $(INTEG_TOOLS)/make-builder.sh $(INTEG_DIR)/builder.toml.in $(INTEG_DIR)/builder-trixie.toml \
	  $(TRIXIE_BUILDER) $(abspath $(BUILDER_BUILDPACK)) $(BUILDPACK_ID) $(LIFECYCLE_TGZ) $(TRIXIE_BUILD_IMAGE) \
	  $(TRIXIE_RUN_IMAGE) $(CACHE)/builder-trixie/$(subst :,_,$(subst /,_,$(TRIXIE_BUILDER))) 13 trixie

# ---------------------------------------------------------------------------------- integration
INTEGRATION_ENV = \
	PYBUILDPACK_CACHE=$(CACHE) \
	PYBUILDPACK_SOURCE=$(CURDIR) \
	PYBUILDPACK_PACKAGE=$(CURDIR)/build/pybuildpack.cnb \
	PYBUILDPACK_PACKAGE_IMAGE=$(PACKAGE_IMAGE) \
	PYBUILDPACK_PACK=$(PACK) \
	PYBUILDPACK_CRANE=$(CRANE) \
	PYBUILDPACK_LIFECYCLE_TGZ=$(LIFECYCLE_TGZ) \
	PYBUILDPACK_MIRROR_DIR=$(MIRROR_DIR) \
	PYBUILDPACK_CA_BINDING_DIR=$(CA_BINDING_DIR) \
	PYBUILDPACK_BUILDER=$(BUILDER) \
	PYBUILDPACK_BUILD_IMAGE=$(BUILD_IMAGE) \
	PYBUILDPACK_RUN_IMAGE=$(RUN_IMAGE) \
	PYBUILDPACK_NOSHELL_RUN_IMAGE=$(NOSHELL_RUN_IMAGE) \
	PYBUILDPACK_TRIXIE_BUILDER=$(TRIXIE_BUILDER) \
	PYBUILDPACK_TRIXIE_MIRROR_DIR=$(TRIXIE_MIRROR_DIR) \
	PYBUILDPACK_TRIXIE_RUN_IMAGE=$(TRIXIE_RUN_IMAGE) \
	PYBUILDPACK_TRIXIE_NOSHELL_RUN_IMAGE=$(TRIXIE_NOSHELL_RUN_IMAGE) \
	DOCKER_HOST=$(DOCKER_HOST) \
	PACK_HOME=$(PACK_HOME)

# PYTEST_ARGS lets you pick tests: make integration PYTEST_ARGS="-k flask"
# Builds wait mostly on the network and on image export, so two run at once (pytest-xdist);
# each test file stays on one worker, so builds a file shares are made once.
INTEGRATION_JOBS ?= 2
INTEGRATION_JOBS_ARGS := $(if $(filter-out 0 1,$(INTEGRATION_JOBS)),-n $(INTEGRATION_JOBS) --dist loadfile)
PYTEST_ARGS ?=
.PHONY: integration integration-infra
integration-infra: tools images noshell-image mirror ca-binding builder \
	trixie-images trixie-noshell-image trixie-mirror trixie-builder

# `package` (pack buildpack package: the .cnb file and the OCI image) is tested too.
integration: dev integration-infra package
	$(INTEGRATION_ENV) $(PY) -m pytest -q -rA -m integration $(INTEGRATION_JOBS_ARGS) $(PYTEST_ARGS) integration

# Print the variables (for scripts and for humans).
.PHONY: integration-env
integration-env:
	@$(foreach v,PACK CRANE LIFECYCLE_TGZ DOCKER_HOST PACK_HOME MIRROR_DIR CA_BINDING_DIR BUILDER BUILD_IMAGE RUN_IMAGE \
	  TRIXIE_MIRROR_DIR TRIXIE_BUILDER TRIXIE_BUILD_IMAGE TRIXIE_RUN_IMAGE REGISTRY PACKAGE_IMAGE,echo "$(v)=$($(v))";)

# arm64 under emulation and the multi-arch buildpack (issue 14).
include $(INTEG_DIR)/arm64.mk
