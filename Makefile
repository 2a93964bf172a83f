# natctl — build, test, demo, docs and install. Every target installs missing Debian packages first.
PREFIX ?= /usr/local
SWIFT ?= swift

.PHONY: all deps build demo test docs docs-check install release clean

all: build

deps:
	@scripts/deps.sh

build: deps
	$(SWIFT) build --build-tests

# The main job on the built-in lab: probe from behind real Linux NATs (no internet needed).
demo: deps
	$(SWIFT) build --product natctl
	scripts/demo.sh

# All tests: unit, loopback end-to-end, CLI, coturn interop, lab (root), the generated-docs
# check, and a check that nothing (namespaces, processes) was left behind. All tests use Swift
# Testing, so XCTest (which would report "0 tests") is not run. Suites run one after another
# (--no-parallel): on two cores, tests that wait on subprocesses would otherwise hold Swift's
# concurrency threads while others wait on packets with deadlines; the lab suites, most of the
# time, are serialized anyway, and the rest takes about 30 s in a row. Then what users install:
# `make install` into a temporary prefix (one release build) and every command run once from it,
# so a failure that only the optimiser brings out cannot land (scripts/smoke-install.sh). Then a
# fuzz smoke: the libFuzzer harnesses built with sanitizers into .build-fuzz, 20 s each (about 3
# minutes cold).
# NATCTL_PORTMAP=off: probe must not ask this machine's own gateway (UPnP, NAT-PMP, PCP) from
# the root namespace; lab tests that test port mapping ask for it with --portmap.
test: export NATCTL_PORTMAP := off
test: build
	scripts/docs.sh --check
	$(SWIFT) test --skip-build --disable-xctest --no-parallel
	scripts/smoke-install.sh
	SWIFT=$(SWIFT) scripts/fuzz.sh --ci
	scripts/check-leftovers.sh

docs: build
	scripts/docs.sh

release: deps
	$(SWIFT) build -c release --product natctl

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 .build/release/natctl $(DESTDIR)$(PREFIX)/bin/natctl
	install -m 644 Man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 Completions/natctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/natctl
	install -m 644 Completions/_natctl $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_natctl
	install -m 644 Completions/natctl.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/natctl.fish

clean:
	rm -rf .build
