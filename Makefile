# SPDX-License-Identifier: GPL-2.0-only
#
# loopx: one verb per target; `make help` lists them.
#
# The module is built against the Debian 6.1 kernel that the VM tests boot,
# found at build time (scripts/kver.sh), never against `uname -r`.

KVER	?= $(shell scripts/kver.sh)
KDIR	?= /lib/modules/$(KVER)/build
VERSION	:= $(shell cat VERSION)
TOOLS	:= build/tools
KSRC	:= /usr/src/linux-source-6.1.tar.xz

# W=1 and -Werror for our own builds; DKMS builds leave both out so that a
# newer compiler cannot break a user's install.
KMAKE	= $(MAKE) -C $(KDIR) M=$(CURDIR)/kernel LOOPX_VERSION=$(VERSION)

.PHONY: all modules cli helpers check checkpatch sparse shellcheck unit \
	vmtest test demo bench clean help

all: modules cli helpers

modules:
	$(KMAKE) W=1 LOOPX_WERROR=y modules

cli:
	$(MAKE) -C cli

helpers:
	$(MAKE) -C tests/helpers

# checkpatch is not in the headers package: take it from the source tarball.
$(TOOLS)/checkpatch.pl:
	mkdir -p $(TOOLS)
	tar -xJf $(KSRC) -C $(TOOLS) --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch

# Kernel-style C everywhere: the module, the CLI, the test helpers.
CSRC	= $(filter-out %.mod.c,$(wildcard kernel/*.[ch])) cli/*.[ch] \
	  tests/unit/*.[ch] tests/helpers/*.c tests/stress/*.[ch] bench/*.c \
	  include/uapi/linux/*.h

checkpatch: $(TOOLS)/checkpatch.pl
	perl $(TOOLS)/checkpatch.pl --no-tree --strict --show-types --terse \
		-f $(CSRC)
	@# .checkpatch.conf lets LINUX_VERSION_CODE pass; it stays in compat.h
	@! grep -l LINUX_VERSION_CODE $(CSRC) | grep -v kernel/compat.h

sparse:
	@command -v sparse >/dev/null || { echo "install sparse"; exit 1; }
	$(KMAKE) C=2 LOOPX_WERROR=y modules 2>&1 | tee build/sparse.log
	@! grep -E 'warning|error' build/sparse.log

shellcheck:
	shellcheck -x -P SCRIPTDIR scripts/*.sh scripts/demo .ci/run tests/func/*.sh \
		tests/vm/*.sh tests/stress/*.sh bench/*.sh

unit:
	$(MAKE) -C tests/unit run

check: checkpatch sparse shellcheck unit

# The functional suite in a QEMU guest running the Debian 6.1 kernel.
vmtest: all
	tests/vm/run-in-vm.sh -- tests/func/run.sh $(T)

# What CI runs: static checks, unit tests, then the VM suite.
test:
	scripts/test-all.sh

demo: all
	tests/vm/run-in-vm.sh -- scripts/demo.sh

bench: all
	bench/bench.sh

clean:
	-$(KMAKE) clean
	$(MAKE) -C cli clean
	$(MAKE) -C tests/helpers clean
	$(MAKE) -C tests/stress clean
	$(MAKE) -C tests/unit clean
	rm -rf build

help:
	@echo "all        module, CLI and test helpers"
	@echo "modules    kernel/loopx.ko against $(KDIR) (W=1, -Werror)"
	@echo "cli        cli/loopx"
	@echo "check      checkpatch, sparse, shellcheck, unit tests"
	@echo "unit       host-side unit tests"
	@echo "vmtest     functional tests in the VM (T=NNN for one)"
	@echo "test       everything CI runs; ends with 'N passed, N failed'"
	@echo "demo       attach, partition, mkfs, use, detach, in the VM"
	@echo "bench      fio: raw file vs stock loop vs loopx, in the VM"
	@echo "clean      remove build output"
