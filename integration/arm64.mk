# arm64 (issue 14): an arm64 builder run under qemu user-mode emulation on an amd64 host, the
# buildpack's arm64 runtime, and the multi-arch buildpack. Included by integration/infra.mk.
#
#   arm64-emulation  qemu-user-static + binfmt_misc checked and set up (a clear error where the
#                    host cannot); nothing on an arm64 host
#   arm64-images     Debian 12 arm64 build and run images (debootstrap --arch arm64, second stage
#                    emulated; the amd64 Containerfiles, so the same labels, users and env)
#   arm64-lifecycle  the lifecycle cross-compiled (GOARCH=arm64) by build-lifecycle.sh
#   arm64-mirror     Debian 12's arm64 CPython 3.11.2 in python-build-standalone layout, as a
#                    dependency-catalog binding (verified in the arm64 run image, emulated)
#   runtime-arm64    the buildpack's own arm64 CPython + dependencies (aarch64 wheels)
#   package-multiarch  $(MULTIARCH_DIR) (buildpack.toml + linux/amd64/ + linux/arm64/, the
#                    layout `pack buildpack package` reads for [[targets]]),
#                    build/pybuildpack-amd64.cnb and build/pybuildpack-arm64.cnb; part of
#                    `make package`
#   publish-multiarch  pack buildpack package --publish of $(MULTIARCH_DIR) to
#                    PUBLISH_IMAGE (an OCI image index: linux/amd64 + linux/arm64)
#   arm64-builder    the arm64 builder ARM64_BUILDER (make-builder.sh, arm64 images, lifecycle
#                    and buildpack)
# ARM64=0 leaves all of it out (`make integration` then deselects the tests marked arm64); it is
# the default on a host that is not x86_64 (a native arm64 machine builds arm64 without this).

ARM64 ?= $(if $(filter x86_64,$(shell uname -m)),1,0)
ARM64_BUILD_IMAGE ?= localhost/pybuildpack/build:bookworm-arm64
ARM64_RUN_IMAGE ?= localhost/pybuildpack/run:bookworm-arm64
# A name derived from BUILDER, so each worktree's arm64 builder is its own (builder:arm64-test).
ARM64_BUILDER ?= $(subst :,:arm64-,$(BUILDER))

ARM64_LIFECYCLE_KEY := $(shell echo "$(LIFECYCLE_VERSION) $(GO_KEY) $(LIFECYCLE_GO_REPLACE) arm64" | cat - $(INTEG_TOOLS)/build-lifecycle.sh | sha256sum | cut -c1-12)
ARM64_LIFECYCLE_TGZ := $(TOOLS_DIR)/lifecycle-$(LIFECYCLE_VERSION)-arm64-$(ARM64_LIFECYCLE_KEY)/lifecycle-v$(LIFECYCLE_VERSION)+linux.arm64.tgz

# Debian 12's own CPython (3.11.2) for arm64; shared libraries from bookworm too.
ARM64_MIRROR_PYTHONS ?= 3.11:bookworm
ARM64_MIRROR_DEFAULT ?= 3.11
ARM64_MIRROR_LIB_SUITE ?= bookworm
ARM64_MIRROR_KEY := $(shell (echo "$(ARM64_MIRROR_PYTHONS) $(ARM64_MIRROR_DEFAULT) $(ARM64_MIRROR_LIB_SUITE)"; \
	cat $(INTEG_TOOLS)/make_arm64_mirror.py) | sha256sum | cut -c1-12)
ARM64_MIRROR_DIR := $(CACHE)/mirror-arm64/$(ARM64_MIRROR_KEY)

# The buildpack's own interpreter on arm64: the only arm64 CPython reachable here is Debian's.
ARM64_RUNTIME_PYTHON ?= 3.11
ARM64_RUNTIME := build/runtime-arm64
ARM64_STAGE := build/buildpack-arm64
# Outside the checkout: `pack build --buildpack <checkout>` takes a checkout holding a
# linux/<arch>/ tree for a multi-arch buildpack and then finds no buildpack.toml at its root.
MULTIARCH_DIR := $(CACHE)/stage/$(shell echo $(CURDIR) | sha256sum | cut -c1-12)/multiarch
PUBLISH_IMAGE ?=

# ------------------------------------------------------------------------------- emulation/images
.PHONY: arm64-emulation arm64-images arm64-lifecycle arm64-mirror runtime-arm64 arm64-builder
arm64-emulation:
	@$(INTEG_TOOLS)/ensure-arm64-emulation.sh

arm64-images: host-packages arm64-emulation
	@$(INTEG_TOOLS)/build-arm64-images.sh $(CACHE) $(ARM64_BUILD_IMAGE) $(ARM64_RUN_IMAGE)

arm64-lifecycle: $(ARM64_LIFECYCLE_TGZ)

$(ARM64_LIFECYCLE_TGZ): | arm64-emulation
	@echo "tools: building lifecycle v$(LIFECYCLE_VERSION) for arm64 (GOARCH=arm64)"
	@start=$$(date +%s); GOARCH=arm64 nice -n 10 $(INTEG_TOOLS)/build-lifecycle.sh $(LIFECYCLE_VERSION) $@ \
	  $(LIFECYCLE_GO_REPLACE) && echo "tools: arm64 lifecycle took $$(( $$(date +%s) - start ))s"

# ------------------------------------------------------------------------------------ mirror
arm64-mirror: $(ARM64_MIRROR_DIR)/catalog.toml

$(ARM64_MIRROR_DIR)/catalog.toml: | arm64-images
	@echo "arm64-mirror: packing Debian's arm64 CPython $(ARM64_MIRROR_PYTHONS) into $(ARM64_MIRROR_DIR)"
	@start=$$(date +%s); rm -rf $(ARM64_MIRROR_DIR).tmp \
	  && DEB_CACHE=$(CACHE)/debs $(HOST_PYTHON) $(INTEG_TOOLS)/make_arm64_mirror.py $(ARM64_MIRROR_DIR).tmp \
	       $(ARM64_MIRROR_DEFAULT) $(ARM64_RUN_IMAGE) $(ARM64_MIRROR_LIB_SUITE) $(ARM64_MIRROR_PYTHONS) \
	  && $(INTEG_TOOLS)/verify-mirror.sh $(ARM64_MIRROR_DIR).tmp $(ARM64_RUN_IMAGE) \
	  && rm -rf $(ARM64_MIRROR_DIR) && mv $(ARM64_MIRROR_DIR).tmp $(ARM64_MIRROR_DIR) \
	  && find $(CACHE)/mirror-arm64 -mindepth 1 -maxdepth 1 ! -name $(ARM64_MIRROR_KEY) -exec rm -rf {} + \
	  && echo "arm64-mirror: took $$(( $$(date +%s) - start ))s"

# ----------------------------------------------------------------------------------- runtime
runtime-arm64: dev arm64-mirror
	$(PY) scripts/make_runtime.py --arch arm64 --python $(ARM64_RUNTIME_PYTHON) --cache $(CACHE) \
	  --catalog $(ARM64_MIRROR_DIR)/catalog.toml --dest $(ARM64_RUNTIME)

# ------------------------------------------------------------------------------------ package
# stage-buildpack DEST RUNTIME: the files a packaged buildpack ships (as `make package` stages
# them), without buildpack.toml (the multi-arch layout keeps it at the root).
define stage-buildpack
rm -rf $(1) && mkdir -p $(1)
cp -a bin README.md $(wildcard locks) $(1)/
cp -a $(2) $(1)/runtime
tar -C . --exclude __pycache__ -cf - pybuildpack | tar -C $(1) -xf -
endef

# The arm64 tree is byte-compiled by its own (arm64) interpreter, in the arm64 run image, which
# then imports the buildpack's entry point and dependencies the way bin/build runs them.
.PHONY: package-multiarch stage-multiarch
stage-multiarch: runtime runtime-arm64 arm64-images
	$(call stage-buildpack,$(MULTIARCH_DIR).tmp/linux/amd64,runtime)
	runtime/python/bin/python3 -m compileall -q $(MULTIARCH_DIR).tmp/linux/amd64/pybuildpack
	$(call stage-buildpack,$(MULTIARCH_DIR).tmp/linux/arm64,$(ARM64_RUNTIME))
	podman run --rm --arch arm64 --network none --user 0:0 -v $(MULTIARCH_DIR).tmp/linux/arm64:/bp \
	  --entrypoint /bin/sh $(ARM64_RUN_IMAGE) -euc '/bp/runtime/python/bin/python3 -m compileall -q /bp/pybuildpack; \
	  cd /bp && runtime/python/bin/python3 -E -s -c "import platform, pybuildpack.cli, pydantic; \
	  print(\"stage-multiarch: arm64 runtime\", platform.machine(), platform.python_version(), \"pydantic\", pydantic.VERSION)"'
	cp buildpack.toml $(MULTIARCH_DIR).tmp/
	rm -rf $(MULTIARCH_DIR) && mv $(MULTIARCH_DIR).tmp $(MULTIARCH_DIR)
	@# the arm64 buildpack as one directory (for the arm64 builder)
	rm -rf $(ARM64_STAGE) && cp -a $(MULTIARCH_DIR)/linux/arm64 $(ARM64_STAGE) && cp buildpack.toml $(ARM64_STAGE)/

# One .cnb per architecture: pack picks linux/<arch>/ for --target linux/<arch>.
package-multiarch: stage-multiarch tools
	@for arch in amd64 arm64; do \
	  $(PACK) buildpack package build/pybuildpack-$$arch.cnb --path $(MULTIARCH_DIR) --format file \
	    --target linux/$$arch >build/pack-package-$$arch.log 2>&1 || { cat build/pack-package-$$arch.log; exit 1; }; \
	done
	@ls -la build/pybuildpack-amd64.cnb build/pybuildpack-arm64.cnb

# The OCI image index (linux/amd64 + linux/arm64), as pack makes it from buildpack.toml's
# [[targets]]: make publish-multiarch PUBLISH_IMAGE=registry.example.com/pybuildpack/python:0.1.0
.PHONY: publish-multiarch
publish-multiarch: package-multiarch
	@test -n "$(PUBLISH_IMAGE)" || { echo "publish-multiarch: set PUBLISH_IMAGE=<registry>/<name>:<tag>" >&2; exit 2; }
	$(PACK) buildpack package $(PUBLISH_IMAGE) --path $(MULTIARCH_DIR) --publish
	$(CRANE) manifest $(PUBLISH_IMAGE)

# ------------------------------------------------------------------------------------ builder
# No [[targets]] in the arm64 builder.toml: with a daemon (podman) `pack builder create` keeps
# only the target matching the daemon's own arch (amd64) and fails on an arm64-only list;
# without targets, pack takes os/arch from the build image (arm64).
arm64-builder: tools arm64-images arm64-lifecycle stage-multiarch
	@mkdir -p $(CACHE)/builder-arm64
	@sed -e '/^\[\[targets\]\]/,/^ *version = /d' $(INTEG_DIR)/builder.toml.in >$(CACHE)/builder-arm64/builder.toml.in
	@PACK=$(PACK) $(INTEG_TOOLS)/make-builder.sh $(CACHE)/builder-arm64/builder.toml.in $(CACHE)/builder-arm64/builder.toml \
	  $(ARM64_BUILDER) $(abspath $(ARM64_STAGE)) $(BUILDPACK_ID) $(ARM64_LIFECYCLE_TGZ) $(ARM64_BUILD_IMAGE) \
	  $(ARM64_RUN_IMAGE) $(CACHE)/builder-arm64/$(subst :,_,$(subst /,_,$(ARM64_BUILDER))) 12 bookworm

# ---------------------------------------------------------------------------- hooks into infra.mk
ifeq ($(ARM64),1)
integration-infra: arm64-images arm64-mirror arm64-builder
package: package-multiarch
else
PYTEST_ARGS += -m "integration and not arm64"
endif

INTEGRATION_ENV += \
	PYBUILDPACK_ARM64_BUILDER=$(ARM64_BUILDER) \
	PYBUILDPACK_ARM64_MIRROR_DIR=$(ARM64_MIRROR_DIR) \
	PYBUILDPACK_ARM64_RUN_IMAGE=$(ARM64_RUN_IMAGE) \
	PYBUILDPACK_MULTIARCH_DIR=$(MULTIARCH_DIR)
