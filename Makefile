# SPDX-License-Identifier: GPL-2.0-only
#
# loopx: one verb per target; `make help` lists them.
#
# The module is built against a Debian kernel that the VM tests boot, found
# at build time (scripts/kver.sh), never against `uname -r`: by default the
# newest 6.1, with KSERIES=6.12 the newest 6.12, with KVER=<version> exactly
# that one.
#
# One source, several kernels: kbuild writes its objects next to the
# sources, and objects (and modpost's files) from one kernel must never be
# linked into a module for another.  So only the default kernel (the newest
# 6.1) builds in kernel/, giving kernel/loopx.ko as always; any other kernel
# builds in its own shadow tree, build/kmod/<KVER>/kernel/, made of symlinks
# to kernel/*, giving build/kmod/<KVER>/kernel/loopx.ko.  Both can exist side
# by side; the tests (tests/func/lib.sh) load the one for the running kernel.

KSERIES	?= 6.1
# Quiet here: packaging targets need no kernel; kobj says what is missing.
KVER	?= $(shell scripts/kver.sh $(KSERIES) 2>/dev/null)
KDIR	?= /lib/modules/$(KVER)/build
KDEF	:= $(shell scripts/kver.sh 6.1 2>/dev/null)
VERSION	:= $(shell cat VERSION)
TOOLS	:= build/tools
KSRC	:= /usr/src/linux-source-6.1.tar.xz

ifeq ($(KVER),$(KDEF))
KOBJ	:= $(CURDIR)/kernel
else
KOBJ	:= $(CURDIR)/build/kmod/$(KVER)/kernel
endif
# The drop-in loop module (kernel/Kbuild, LOOPX_AS_LOOP=y): its objects are
# compiled with other flags, so it always builds in a shadow tree.
DROPIN	:= $(CURDIR)/build/dropin/$(KVER)/kernel
DKMS_SRC := /usr/src

# W=1 and -Werror for our own builds; DKMS builds leave both out so that a
# newer compiler cannot break a user's install.  So is the test-only
# fail_init parameter (kernel/main.c).  sparse builds with the same flags,
# or it would leave a kernel/loopx.ko without fail_init behind.
KMAKE	= $(MAKE) -C $(KDIR) M=$(KOBJ) LOOPX_VERSION=$(VERSION)
OWNFLAGS = W=1 LOOPX_WERROR=y LOOPX_FAULT_INJECTION=y

.PHONY: all kobj modules xfertest flavours dropin cli helpers check checkpatch kernel-doc \
	sparse shellcheck unit vmtest test demo bench dkms-install dkms-install-loop dkms-remove \
	deb clean help

all: modules xfertest cli helpers

# The shadow tree for a non-default kernel: fresh links on every build, so
# files added to or removed from kernel/ are followed.  include/ is linked
# too, for the driver's <linux/loopx.h> (kernel/Kbuild).
kobj:
	@test -n "$(KVER)" || { scripts/kver.sh $(KSERIES); exit 1; }
ifneq ($(KOBJ),$(CURDIR)/kernel)
	mkdir -p $(KOBJ)
	find $(KOBJ) -maxdepth 1 -type l -delete
	ln -s $(CURDIR)/kernel/Kbuild $(filter-out %.mod.c,$(wildcard \
		$(CURDIR)/kernel/*.[ch])) $(KOBJ)/
	ln -sfn $(CURDIR)/include $(KOBJ)/../include
endif

modules: kobj
	$(KMAKE) $(OWNFLAGS) modules

# The transform module of the tests (tests/xfer), linked against loopx's
# exported symbols, in its own tree per kernel.
XFERT	:= $(CURDIR)/build/xfertest/$(KVER)
xfertest: modules
	mkdir -p $(XFERT)
	ln -sf $(CURDIR)/tests/xfer/Kbuild $(CURDIR)/tests/xfer/loopx_xfer_test.c \
		$(XFERT)/
	$(MAKE) -C $(KDIR) M=$(XFERT) KBUILD_EXTRA_SYMBOLS=$(KOBJ)/Module.symvers \
		LOOPX_INCLUDE=$(CURDIR)/include W=1 LOOPX_WERROR=y modules

# Debian's other 6.1 flavours (their headers, no image to boot): a build
# check, as strict as the default kernel's.
flavours:
	$(MAKE) KVER=$(KDEF:-amd64=-rt-amd64) modules
	$(MAKE) KVER=$(KDEF:-amd64=-cloud-amd64) modules

# A build check of the drop-in, as strict as the module's own.
dropin:
	mkdir -p $(DROPIN)
	find $(DROPIN) -maxdepth 1 -type l -delete
	ln -s $(CURDIR)/kernel/Kbuild $(filter-out %.mod.c,$(wildcard \
		$(CURDIR)/kernel/*.[ch])) $(DROPIN)/
	ln -sfn $(CURDIR)/include $(DROPIN)/../include
	$(MAKE) -C $(KDIR) M=$(DROPIN) LOOPX_VERSION=$(VERSION) W=1 \
		LOOPX_WERROR=y LOOPX_AS_LOOP=y modules

# DKMS, for the running kernel and every kernel installed later (root).
# The trees in /usr/src are what the packages install too.
dkms-install:
	@command -v dkms >/dev/null || { echo "install dkms"; exit 1; }
	scripts/dkms-tree.sh $(DKMS_SRC)/loopx-$(VERSION)
	dkms install loopx/$(VERSION)

# The drop-in loop module: modprobe loop gets loopx in compat mode.
dkms-install-loop:
	@command -v dkms >/dev/null || { echo "install dkms"; exit 1; }
	scripts/dkms-tree.sh --loop $(DKMS_SRC)/loopx-loop-$(VERSION)
	dkms install loopx-loop/$(VERSION)

dkms-remove:
	for m in loopx loopx-loop; do \
		if dkms status -m $$m -v $(VERSION) | grep -q .; then \
			dkms remove $$m/$(VERSION) --all || exit 1; \
		fi; \
		rm -rf $(DKMS_SRC)/$$m-$(VERSION); \
	done

# Debian packages, built with debhelper and dh-dkms from a copy of the
# tree (dpkg-buildpackage writes next to its source): build/deb/*.deb.
deb:
	scripts/make-deb.sh build/deb

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
	  tests/unit/*.[ch] tests/helpers/*.c tests/xfer/*.c tests/stress/*.[ch] bench/*.c \
	  include/uapi/linux/*.h include/linux/*.h

checkpatch: $(TOOLS)/checkpatch.pl
	perl $(TOOLS)/checkpatch.pl --no-tree --strict --show-types --terse \
		-f $(CSRC)
	@# .checkpatch.conf lets LINUX_VERSION_CODE pass; it stays in compat.h
	@! grep -l LINUX_VERSION_CODE $(CSRC) | grep -v kernel/compat.h

sparse: kobj
	@command -v sparse >/dev/null || { echo "install sparse"; exit 1; }
	mkdir -p build
	$(KMAKE) C=2 $(OWNFLAGS) modules 2>&1 | tee build/sparse-$(KVER).log
	@! grep -E 'warning|error' build/sparse-$(KVER).log

# kernel-doc of the module and the uapi header, with the kernel's own
# script: any line it prints is a warning.
KDOC	= $(filter-out %.mod.c,$(wildcard kernel/*.[ch])) include/uapi/linux/*.h include/linux/*.h

kernel-doc:
	@test -f $(KDIR)/scripts/kernel-doc || { echo "no $(KDIR)/scripts/kernel-doc"; exit 1; }
	mkdir -p build
	perl $(KDIR)/scripts/kernel-doc -none $(KDOC) 2>&1 | tee build/kernel-doc.log
	@! grep -q . build/kernel-doc.log

shellcheck:
	shellcheck -x -P SCRIPTDIR scripts/*.sh scripts/demo .ci/run tests/func/*.sh \
		tests/lib/*.sh tests/pkg/*.sh tests/vm/*.sh tests/stress/*.sh bench/*.sh

unit:
	$(MAKE) -C tests/unit run

check: checkpatch kernel-doc sparse shellcheck unit

# The functional suite in a QEMU guest running the kernel built for.
vmtest: all
	tests/vm/run-in-vm.sh --kernel $(KVER) -- tests/func/run.sh $(T)

# What CI runs: static checks, unit tests, then the VM suite.
test:
	scripts/test-all.sh

demo: all
	tests/vm/run-in-vm.sh -- scripts/demo.sh

bench: all
	bench/bench.sh

# Cleans kernel/ (with the default kernel's kbuild) and every shadow tree
# (with build/).
clean:
	-$(MAKE) -C /lib/modules/$(KDEF)/build M=$(CURDIR)/kernel clean
	$(MAKE) -C cli clean
	$(MAKE) -C tests/helpers clean
	$(MAKE) -C tests/stress clean
	$(MAKE) -C tests/unit clean
	rm -rf build

help:
	@echo "all        module, CLI and test helpers"
	@echo "modules    the module against $(KDIR) (W=1, -Werror),"
	@echo "           in $(KOBJ); KSERIES=6.12 or KVER=<ver> for another kernel"
	@echo "flavours   build checks against 6.1's -rt and -cloud headers"
	@echo "dropin     the drop-in loop module (compat by default), a build check"
	@echo "dkms-install, dkms-install-loop, dkms-remove"
	@echo "           loopx.ko / the drop-in loop.ko through DKMS (root)"
	@echo "deb        loopx, loopx-dkms, loopx-loop-dkms packages in build/deb"
	@echo "cli        cli/loopx"
	@echo "check      checkpatch, kernel-doc, sparse, shellcheck, unit tests"
	@echo "unit       host-side unit tests"
	@echo "vmtest     functional tests in the VM (T=NNN for one)"
	@echo "test       everything CI runs; ends with 'N passed, N failed'"
	@echo "demo       attach, partition, mkfs, use, detach, in the VM"
	@echo "bench      fio: raw file vs stock loop vs loopx, in the VM"
	@echo "clean      remove build output"
