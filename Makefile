# gatekeeper: one non-recursive GNU Makefile.
#   make              build everything into $(B)/ (default build/)
#   make check        every test; the last line is "N passed, N failed"
#   make demo         the whole story on a temp socket and state dir (root)
#   make check-asan   the same suite on an ASan+UBSan build in build-asan/
#   make fuzz         run each libFuzzer target for FUZZ_SECONDS (clang)
#   make install      DESTDIR, PREFIX (nothing outside DESTDIR; never /etc)
#   make install-config  example config, catalogue and /etc/shells line,
#                     each only when absent (see README "Installing")
#   make deps         check (and as root install) the Debian packages

B        ?= build
SAN      ?=
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
BINDIR   ?= $(PREFIX)/bin
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
PAMDIR   ?= $(if $(MULTIARCH),/lib/$(MULTIARCH),/lib)/security
FUZZ_SECONDS ?= 60

CC       ?= cc
CLANG    ?= clang
PKGS     := libsodium sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lyubikey

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Werror
HARDEN   := -fstack-protector-strong -fstack-clash-protection -fPIC
ifeq ($(SAN),)
HARDEN   += -D_FORTIFY_SOURCE=2
OPT      := -O2 -g
else
OPT      := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
endif
CFLAGS_ALL  := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Ilib -Iclient \
               $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(OPT) -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDFLAGS)

LIB_SRC  := $(sort $(wildcard lib/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIBGK    := $(B)/libgk.a

PROGS    := $(B)/gatekeeperd $(B)/gkctl $(B)/gk-shell $(B)/gk-approve $(B)/gk-audit

DAEMON_SRC := $(sort $(wildcard gatekeeperd/*.c))
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(B)/obj/%.o)
CLIENT_SRC := client/client.c $(sort $(wildcard client/gk_*.c))
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(B)/obj/%.o)

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(B)/tests/replay_%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
TEST_HELPERS := $(B)/tests/softkey $(B)/tests/rawdecide $(B)/tests/runprobe

.PHONY: all deps check check-build check-asan demo fuzz fuzz-build install clean
# Keep intermediate objects: make must not print "rm ..." after the summary.
.SECONDARY:
.DEFAULT_GOAL := all

all: $(PROGS)

deps:
	@sh scripts/deps.sh

# Objects wait for the dependency check without being rebuilt by it.
$(B)/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(LIBGK): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/gatekeeperd: $(DAEMON_OBJ) $(LIBGK)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/gkctl $(B)/gk-shell $(B)/gk-approve $(B)/gk-audit: $(B)/%: \
    $(B)/obj/client/%.o $(CLIENT_OBJ) $(LIBGK)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PKG_LIBS) \
	    $(EXTRA_LIBS)

# gk-shell: its daemon dealings. libedit is not linked: gk-shell loads it
# (by this soname) only for an interactive session, so that "gk-shell -c"
# starts with libc alone.
LIBEDIT_SONAME = $(or $(shell objdump -p \
    "$$(pkg-config --variable=libdir libedit 2>/dev/null)/libedit.so" \
    2>/dev/null | awk '$$1 == "SONAME" { print $$2 }'),libedit.so.2)
$(B)/gk-shell: $(B)/obj/client/shell_request.o
$(B)/obj/client/gk-shell.o: CFLAGS_ALL += -DGK_LIBEDIT='"$(LIBEDIT_SONAME)"'

# Tests -----------------------------------------------------------------
$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(LIBGK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs cmocka)

# Replays link the fuzz build of lib/ (alloc_fail.h force-included, so
# allocations can be made to fail) and the same entry point as the fuzzers.
FA_CFLAGS := -Itests/fuzz -include tests/fuzz/alloc_fail.h
FA_LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj-fa/%.o)
$(B)/obj-fa/%.o: %.c tests/fuzz/alloc_fail.h | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(FA_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/obj-fa/tests/fuzz/alloc_fail.o: tests/fuzz/alloc_fail.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/fuzz -MMD -MP -c -o $@ $<

$(B)/tests/replay_%: $(B)/obj-fa/tests/fuzz/fuzz_%.o \
    $(B)/obj-fa/tests/fuzz/alloc_fail.o $(B)/obj/tests/fuzz/replay_main.o \
    $(FA_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/tests/softkey: $(B)/obj/tests/softkey.o $(LIBGK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/tests/runprobe: $(B)/obj/tests/runprobe.o $(LIBGK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/tests/rawdecide: $(B)/obj/tests/rawdecide.o $(B)/obj/tests/reqdigest.o \
    $(CLIENT_OBJ) $(LIBGK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# check-build: everything the suite runs, built; GK_ONLY=GLOB (a test's
# name as run.sh prints it, e.g. e2e_test_exec) runs only matching tests.
check: check-build
	@sh tests/run.sh $(B)

check-build: all $(UNIT_BIN) $(REPLAY_BIN) $(TEST_HELPERS)

check-asan:
	@$(MAKE) --no-print-directory B=build-asan SAN=1 check

# The demo: a daemon, two approvers with soft YubiKeys, an admin's mkfs,
# a replayed OTP, the audit log verified and tampered with. Needs root (the
# people are numeric uids); touches nothing outside one temp dir.
demo: all $(B)/tests/softkey | deps
	@sh scripts/demo.sh $(B)

# Fuzzing (clang/libFuzzer) ----------------------------------------------
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
              -Ilib $(PKG_CFLAGS)
$(B)/fuzz/alloc_fail.o: tests/fuzz/alloc_fail.c tests/fuzz/alloc_fail.h | deps
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) -Itests/fuzz -c -o $@ $<
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(B)/fuzz/alloc_fail.o \
    tests/fuzz/alloc_fail.h | deps
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) -Itests/fuzz -include tests/fuzz/alloc_fail.h \
	    -o $@ $< $(LIB_SRC) $(FUZZ_EXTRA) $(B)/fuzz/alloc_fail.o $(PKG_LIBS)

# su's parser lives beside the PAM module.
$(B)/tests/replay_suargs: $(B)/obj-fa/pam_module/suargs.o
$(B)/fuzz/fuzz_suargs: pam_module/suargs.c
$(B)/fuzz/fuzz_suargs: FUZZ_EXTRA := pam_module/suargs.c

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@for f in $(FUZZ_BIN); do \
		t=$$(basename $$f); c=tests/fuzz/corpus/$${t#fuzz_}; \
		mkdir -p $(B)/fuzz/corpus-$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
		    $(B)/fuzz/corpus-$$t $$c || exit 1; \
	done

# Hardening (tests/adversarial/) ---------------------------------------------
# gkstress: raw bytes, held connections, clients at once, commands in a row.
$(B)/tests/gkstress: $(B)/obj/tests/gkstress.o $(CLIENT_OBJ) $(LIBGK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

check-build: $(B)/tests/gkstress

# auditedit: rewrites an audit log as an attacker with the file would.
$(B)/tests/auditedit: $(B)/obj/tests/auditedit.o $(LIBGK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

check-build: $(B)/tests/auditedit

# PAM module (pam_module/) ----------------------------------------------------
# pam_gatekeeper.so: the module, its sudo parser and the few libgk files
# that speak the wire protocol or spot an OTP (otpshape.c: no libsodium),
# all -fPIC; a version script lets only pam_sm_* out. A sanitizer build
# also makes a plain copy for the tests with the real sudo, which cannot
# load an ASan-instrumented module.
PAM_SRC     := pam_module/pam_gatekeeper.c pam_module/suargs.c \
               pam_module/gate.c
PAM_LIB_SRC := lib/buf.c lib/err.c lib/escape.c lib/frame.c lib/msg.c \
               lib/otpshape.c lib/safefile.c client/client.c
PAM_OBJ     := $(PAM_SRC:%.c=$(B)/obj/%.o) $(PAM_LIB_SRC:%.c=$(B)/obj/%.o)
PAM_MAP     := pam_module/pam_gatekeeper.map
PAM_LDFLAGS := -shared -Wl,-z,relro,-z,now -Wl,--no-undefined \
               -Wl,--version-script=$(PAM_MAP)
PAM_LIBS    := -lpam

all: $(B)/pam_gatekeeper.so

$(B)/pam_gatekeeper.so: $(PAM_OBJ) $(PAM_MAP)
	$(CC) $(OPT) $(PAM_LDFLAGS) -o $@ $(PAM_OBJ) $(PAM_LIBS)

$(B)/tests/test_pam_suargs: $(B)/obj/pam_module/suargs.o

# sudo's approval plugin: decides what sudo executes (sudo_plugin(5)).
SUDO_SRC    := pam_module/approval_plugin.c pam_module/gate.c
SUDO_OBJ    := $(SUDO_SRC:%.c=$(B)/obj/%.o) $(PAM_LIB_SRC:%.c=$(B)/obj/%.o)
SUDO_MAP    := pam_module/approval_plugin.map
SUDO_LDFLAGS := -shared -Wl,-z,relro,-z,now -Wl,--no-undefined \
               -Wl,--version-script=$(SUDO_MAP)

all: $(B)/gatekeeper_approval.so

$(B)/gatekeeper_approval.so: $(SUDO_OBJ) $(SUDO_MAP)
	$(CC) $(OPT) $(SUDO_LDFLAGS) -o $@ $(SUDO_OBJ)

$(B)/tests/pamdrive: $(B)/obj/tests/pam/pamdrive.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lpam

check-build: $(B)/tests/pamdrive

ifneq ($(SAN),)
$(B)/tests/pam_gatekeeper_plain.so: $(PAM_SRC) $(PAM_LIB_SRC) $(PAM_MAP) | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -D_FORTIFY_SOURCE=2 $(WARN) \
	    -fstack-protector-strong -fPIC -Ilib -Iclient $(PKG_CFLAGS) \
	    $(PAM_LDFLAGS) -o $@ $(PAM_SRC) $(PAM_LIB_SRC) $(PAM_LIBS)
$(B)/tests/gatekeeper_approval_plain.so: $(SUDO_SRC) $(PAM_LIB_SRC) $(SUDO_MAP) | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -D_FORTIFY_SOURCE=2 $(WARN) \
	    -fstack-protector-strong -fPIC -Ilib -Iclient $(PKG_CFLAGS) \
	    $(SUDO_LDFLAGS) -o $@ $(SUDO_SRC) $(PAM_LIB_SRC)

# the probe sudo runs in test_sudo_plugin.sh: plain too (sudo strips the
# environment an instrumented program needs).
$(B)/tests/runprobe_plain: tests/runprobe.c lib/escape.c lib/buf.c lib/err.c | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -Ilib -o $@ \
	    tests/runprobe.c lib/escape.c lib/buf.c lib/err.c

check-build: $(B)/tests/pam_gatekeeper_plain.so \
    $(B)/tests/gatekeeper_approval_plain.so $(B)/tests/runprobe_plain
endif

install: install-pam
install-pam: $(B)/pam_gatekeeper.so
	install -d $(DESTDIR)$(PAMDIR)
	install -m 0644 $(B)/pam_gatekeeper.so $(DESTDIR)$(PAMDIR)/
.PHONY: install-pam

# Install -------------------------------------------------------------------
# `make install` writes only under $(DESTDIR): programs, man pages, the
# systemd unit, PAM examples and the catalogue under $(DATADIR). It never
# touches /etc. gk-notify-mail, the example notifier, goes to $(LIBEXECDIR).
# The PAM module goes to the system's PAM directory whatever PREFIX is
# (Debian multiarch: /lib/x86_64-linux-gnu/security), since PAM looks
# nowhere else. `make install-config` is the only rule that writes under
# $(DESTDIR)/etc, and only what is absent.
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/gatekeeper
UNITDIR  ?= $(PREFIX)/lib/systemd/system
LIBEXECDIR ?= $(PREFIX)/libexec/gatekeeper
CONFDIR  := /etc/gatekeeper
MAN_SRC  := $(sort $(wildcard man/*.[158]))
CATALOGUE := $(sort $(wildcard policies/*.policy))

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(DATADIR)/policies/examples $(DESTDIR)$(DATADIR)/pam.d \
	    $(DESTDIR)$(PAMDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(B)/gatekeeperd $(B)/gkctl $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(B)/gk-shell $(B)/gk-approve $(B)/gk-audit \
	    $(DESTDIR)$(BINDIR)/
	install -m 0644 $(B)/pam_gatekeeper.so $(DESTDIR)$(PAMDIR)/
	install -m 0755 dist/notify/gk-notify-mail $(DESTDIR)$(LIBEXECDIR)/
	install -m 0644 $(B)/gatekeeper_approval.so $(DESTDIR)$(LIBEXECDIR)/
	for m in $(MAN_SRC); do \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit 1; \
	done
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/gatekeeperd.service.in \
	    >$(DESTDIR)$(UNITDIR)/gatekeeperd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/gatekeeperd.service
	install -m 0644 $(CATALOGUE) $(DESTDIR)$(DATADIR)/policies/
	install -m 0644 policies/examples/*.policy \
	    $(DESTDIR)$(DATADIR)/policies/examples/
	install -m 0644 dist/pam.d/sshd dist/pam.d/sudo dist/pam.d/su \
	    $(DESTDIR)$(DATADIR)/pam.d/
	install -m 0644 dist/gatekeeperd.conf dist/shells.txt $(DESTDIR)$(DATADIR)/
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' dist/sudo.conf \
	    >$(DESTDIR)$(DATADIR)/sudo.conf
	chmod 0644 $(DESTDIR)$(DATADIR)/sudo.conf

# Each step only when its target is absent: an operator's edited config,
# catalogue or /etc/shells is never overwritten. The catalogue is copied
# only when $(CONFDIR)/policies does not exist at all (a file the operator
# removed on purpose must not come back).
.PHONY: install-config
install-config:
	install -d -m 0755 $(DESTDIR)$(CONFDIR)
	@if [ -e $(DESTDIR)$(CONFDIR)/gatekeeperd.conf ]; then \
		echo "$(DESTDIR)$(CONFDIR)/gatekeeperd.conf exists: not touched"; \
	else \
		echo "install -m 0644 dist/gatekeeperd.conf $(DESTDIR)$(CONFDIR)/"; \
		install -m 0644 dist/gatekeeperd.conf $(DESTDIR)$(CONFDIR)/; \
	fi
	@if [ -e $(DESTDIR)$(CONFDIR)/policies ]; then \
		echo "$(DESTDIR)$(CONFDIR)/policies exists: not touched"; \
	else \
		echo "install -m 0644 $(CATALOGUE) $(DESTDIR)$(CONFDIR)/policies/"; \
		install -d -m 0755 $(DESTDIR)$(CONFDIR)/policies && \
		install -m 0644 $(CATALOGUE) $(DESTDIR)$(CONFDIR)/policies/; \
	fi
	@install -d $(DESTDIR)/etc
	@if grep -qx '$(BINDIR)/gk-shell' $(DESTDIR)/etc/shells 2>/dev/null; then \
		echo "$(DESTDIR)/etc/shells already lists $(BINDIR)/gk-shell"; \
	else \
		echo "adding $(BINDIR)/gk-shell to $(DESTDIR)/etc/shells"; \
		echo '$(BINDIR)/gk-shell' >>$(DESTDIR)/etc/shells; \
	fi

clean:
	rm -rf build build-asan

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# Benchmarks (tests/bench/; never part of make check) ------------------------
# make bench: the issue 7 targets at full size (a 10,000,000-record log; a
# few minutes). make bench-quick: the same lines on small sizes (< 60 s).
# Both need root and print one "ratio" line per target.
.PHONY: bench bench-quick
$(B)/tests/bench: $(B)/obj/tests/bench/bench.o $(B)/obj/tests/reqdigest.o \
    $(CLIENT_OBJ) $(LIBGK)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

bench: all $(B)/tests/bench
	@$(B)/tests/bench $(B)

bench-quick: all $(B)/tests/bench
	@$(B)/tests/bench $(B) --quick
