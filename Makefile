# pam_apikey / apikeyd / apikeyctl
#   make            build build/pam_apikey.so, build/apikeyd, build/apikeyctl
#   make deps       apt-get install the build and test dependencies this machine lacks
#   make check      every test (unit, integration through libpam, valgrind), with -Werror
#   make demo       no-install demo: daemon in build/demo, mint a key, log in
#   make fuzz       libFuzzer harnesses (clang), FUZZ_SECONDS=60 each
#   make bench      the benchmark (BENCHMARKS.md), writes build/bench.json
#   make install    DESTDIR= PREFIX= (default /usr/local)

PREFIX      ?= /usr/local
DESTDIR     ?=
BUILD       ?= build
PKG_CONFIG  ?= pkg-config
VERSION     := 0.1.0

# Only `make deps` installs packages (scripts/install-deps, apt-get): `make`,
# `make install` and a package build never do. make check, make demo and
# make demo-ssh call it first, so a fresh machine needs just those commands.
DEPS_STAMP  := $(BUILD)/.deps-ok

PAM_CFLAGS  := $(shell $(PKG_CONFIG) --cflags pam)
PAM_LIBS    := $(shell $(PKG_CONFIG) --libs pam)
DAEMON_PKGS := libsystemd sqlite3 libsodium inih
DAEMON_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DAEMON_PKGS) libpq)
DAEMON_LIBS := $(shell $(PKG_CONFIG) --libs $(DAEMON_PKGS))
# libpq: the fleet store (PostgreSQL), for apikeyd's store_pg*.c backend and
# apikeyctl's fleet and --db commands. Neither links it: apikeyd/libpq_dl.c
# loads it (dlopen) when a fleet store is used, so a host on SQLite never
# maps it and its 25 libraries. Its headers only; pam_apikey.so never uses it.
PQ_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libpq)
CTL_LIBS    := $(shell $(PKG_CONFIG) --libs sqlite3 libsodium)

PAMDIR      ?= $(shell $(PKG_CONFIG) --variable=libdir pam)/security
UNITDIR     ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd)
SYSUSERSDIR ?= $(shell $(PKG_CONFIG) --variable=sysusersdir systemd)
TMPFILESDIR ?= $(shell $(PKG_CONFIG) --variable=tmpfilesdir systemd)
SBINDIR     ?= $(PREFIX)/sbin
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
CONFDIR     := $(SYSCONFDIR)/apikeyd
# The Cockpit page (cockpit/, README "The API keys page in Cockpit").
COCKPITDIR  ?= $(PREFIX)/share/cockpit/apikey
COCKPIT_FILES := cockpit/manifest.json cockpit/index.html cockpit/apikeys.js cockpit/apikeys.css
COMPLETIONSDIR ?= $(or $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null),/usr/share/bash-completion/completions)

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wformat-security -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wno-missing-field-initializers
HARDEN   := -fstack-protector-strong -fstack-clash-protection -fcf-protection
# CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line (a
# package build passes dpkg-buildflags') come after ours, so they win, and
# are kept. -Werror only where chosen: make check and CI set WERROR.
CFLAGS   ?= -g -O2
CPPFLAGS ?=
LDFLAGS  ?=
WERROR   ?=
FORTIFY  := $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS)),,-D_FORTIFY_SOURCE=2)
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
# SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer build (make check
# runs the whole suite a second time with it, in $(BUILD)/asan).
ifeq ($(SANITIZE),1)
EXTRA_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
EXTRA_LDFLAGS += -fsanitize=address,undefined
endif
BASE_CFLAGS := -std=gnu11 $(WARN) $(WERROR) $(HARDEN) -D_GNU_SOURCE -DAPIKEY_VERSION='"$(VERSION)"' -Icommon \
               $(FORTIFY) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
RELRO    := -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed
PROG_CFLAGS := $(BASE_CFLAGS) -fPIE
PROG_LDFLAGS := -pie $(RELRO) $(LDFLAGS) $(EXTRA_LDFLAGS)
MOD_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden $(PAM_CFLAGS)
MOD_LDFLAGS := -shared $(RELRO) -Wl,-z,nodelete -Wl,--version-script=pam_apikey/pam_apikey.map -Wl,--no-undefined $(LDFLAGS) \
               $(EXTRA_LDFLAGS)

COMMON_SRC  := common/key.c common/wire.c common/proto.c common/transport.c
# Not linked into the module: only the daemon and the CLI need them.
TOOL_SRC    := common/duration.c common/restrict.c
MODULE_SRC  := $(wildcard pam_apikey/*.c)
DAEMON_SRC  := $(wildcard apikeyd/*.c)
CTL_SRC     := $(wildcard apikeyctl/*.c)
HEADERS     := $(wildcard common/*.h pam_apikey/*.h apikeyd/*.h apikeyctl/*.h bench/*.h)

# Quiet by default; `make V=1` shows every compile and link command in full
# (what blhc checks in a package build log).
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

# Objects per target: the module's are PIC with hidden visibility.
mod_obj  = $(patsubst %.c,$(BUILD)/mod/%.o,$(1))
prog_obj = $(patsubst %.c,$(BUILD)/prog/%.o,$(1))

PROGRAMS := $(BUILD)/pam_apikey.so $(BUILD)/apikeyd $(BUILD)/apikeyctl
TEST_PROGS := $(BUILD)/tests/test_key $(BUILD)/tests/test_wire $(BUILD)/tests/test_store $(BUILD)/tests/test_duration \
              $(BUILD)/tests/test_pwcache \
              $(BUILD)/tests/pam_driver $(BUILD)/tests/dlsym_check $(BUILD)/tests/keytool $(BUILD)/tests/sealtool \
              $(BUILD)/tests/soakload $(BUILD)/tests/failmalloc.so $(BUILD)/tests/bindswap.so \
              $(BUILD)/bench/apikey-bench $(BUILD)/tests/journal_sink

.PHONY: all tests check check-now check-package demo demo-now demo-ssh demo-ssh-now install uninstall clean deps fuzz
all: $(PROGRAMS)

$(BUILD)/mod/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(MOD_CFLAGS) -c $< -o $@

$(BUILD)/prog/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(PROG_CFLAGS) $(DAEMON_CFLAGS) $(PQ_CFLAGS) $(PAM_CFLAGS) -c $< -o $@

$(BUILD)/pam_apikey.so: $(call mod_obj,$(MODULE_SRC) $(COMMON_SRC)) pam_apikey/pam_apikey.map
	$(call msg,LD,$@)
	$(Q)$(CC) $(MOD_CFLAGS) -o $@ $(call mod_obj,$(MODULE_SRC) $(COMMON_SRC)) $(MOD_LDFLAGS) $(PAM_LIBS)

$(BUILD)/apikeyd: $(call prog_obj,$(DAEMON_SRC) $(COMMON_SRC) $(TOOL_SRC))
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS) $(DAEMON_LIBS)

# apikeyd/rowmac.c and store_pg_row.c: `--db URI list|show|disable|enable` read a fleet row
# and seal it as apikeyd does; libpq_dl.c loads libpq for them and for fleet.
$(BUILD)/apikeyctl: $(call prog_obj,$(CTL_SRC) $(COMMON_SRC) $(TOOL_SRC) apikeyd/rowmac.c apikeyd/store_pg_row.c \
                    apikeyd/libpq_dl.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS) $(CTL_LIBS)

# Unit tests link the daemon's objects except its main().
DAEMON_LIB_OBJ := $(call prog_obj,$(filter-out apikeyd/main.c,$(DAEMON_SRC)) $(COMMON_SRC) $(TOOL_SRC))

$(BUILD)/tests/test_key: $(call prog_obj,tests/unit/test_key.c) $(call prog_obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS)

$(BUILD)/tests/test_wire: $(call prog_obj,tests/unit/test_wire.c) $(call prog_obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS)

$(BUILD)/tests/test_pwcache: $(call prog_obj,tests/unit/test_pwcache.c apikeyd/pwcache.c)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS)

$(BUILD)/tests/test_store: $(call prog_obj,tests/unit/test_store.c) $(DAEMON_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS) $(DAEMON_LIBS)

$(BUILD)/tests/sealtool: $(call prog_obj,tests/sealtool.c) $(DAEMON_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS) $(DAEMON_LIBS)

$(BUILD)/tests/test_duration: $(call prog_obj,tests/unit/test_duration.c) $(call prog_obj,$(TOOL_SRC) $(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS)

$(BUILD)/tests/pam_driver: $(call prog_obj,tests/pam_driver.c)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS) $(PAM_LIBS)

$(BUILD)/tests/keytool: $(call prog_obj,tests/keytool.c) $(call prog_obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS)

# journald's stand-in in tests/integration/journal.sh.
$(BUILD)/tests/journal_sink: $(call prog_obj,tests/journal_sink.c)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS)

$(BUILD)/tests/dlsym_check: $(call prog_obj,tests/dlsym_check.c)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS) -ldl

# Load generator of tests/integration/soak.sh (and of storage_faults.sh).
$(BUILD)/tests/soakload: $(call prog_obj,tests/faults/soakload.c) $(call prog_obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS)

# LD_PRELOAD shim of storage_faults.sh: never with a sanitizer (it replaces
# malloc, and the test skips it under ASan), so not $(EXTRA_CFLAGS).
$(BUILD)/tests/failmalloc.so: tests/faults/failmalloc.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -std=gnu11 $(WARN) $(WERROR) $(HARDEN) -D_GNU_SOURCE $(FORTIFY) $(CPPFLAGS) $(CFLAGS) -fPIC -shared \
		$(RELRO) $(LDFLAGS) -o $@ $< -ldl

# LD_PRELOAD shim of listen_dir.sh (a symlink swapped in after bind()).
$(BUILD)/tests/bindswap.so: tests/faults/bindswap.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -std=gnu11 -g $(WARN) $(HARDEN) -D_GNU_SOURCE -fPIC -shared $(RELRO) -o $@ $< -ldl

tests: $(PROGRAMS) $(TEST_PROGS)

# make check: the dependencies first, then a second make that sees them (the
# pkg-config lines above are read when make starts), with -Werror.
check: $(DEPS_STAMP)
	+$(MAKE) --no-print-directory WERROR=-Werror check-now

check-now: $(PROGRAMS) $(TEST_PROGS)
	+$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=1 tests
	BUILD=$(BUILD) SAN_BUILD=$(BUILD)/asan tests/run

# The Debian packages (debian/, README "Install"): built twice as a non-root
# user without network (byte-identical), lintian, blhc; then installed,
# upgraded, removed and purged on a throwaway overlay of this machine, with
# the autopkgtest (debian/tests/login) run on the installed packages.
check-package: $(DEPS_STAMP) $(BUILD)/tests/pam_driver
	BUILD=$(BUILD) TESTS="bash tests/package/build.sh;bash tests/package/install.sh" tests/run

# libFuzzer harnesses (tests/fuzz/, built with clang into $(BUILD)/fuzz): each
# runs FUZZ_SECONDS; a crash fails and is saved in tests/fuzz/crashes/.
# make check runs a 10-second pass (tests/integration/fuzz_smoke.sh).
FUZZ_SECONDS ?= 60
fuzz:
	BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# The benchmark (BENCHMARKS.md): make bench BENCH_KEYS=... BENCH_SECONDS=... BENCH_CLIENTS=...
BENCH_SRC := $(wildcard bench/*.c)
BENCH_KEYS ?= 1000000
BENCH_SECONDS ?= 2
BENCH_CLIENTS ?= 1,8,64
BENCH_ARGS ?=
# The PostgreSQL fleet store's rows (--pg, bench/pg-fleet.sh) run beside the
# SQLite ones when a PostgreSQL server is installed; BENCH_PG= leaves them out.
BENCH_PG ?= $(if $(wildcard /usr/lib/postgresql/*/bin/initdb),--pg=bench/pg-fleet.sh)

# Only the store and the hashing of the daemon: its audit_open() would
# interpose on libaudit's, which libpam calls.
BENCH_DAEMON_OBJ := $(call prog_obj,apikeyd/hashkey.c apikeyd/log.c apikeyd/rowmac.c apikeyd/store.c apikeyd/libpq_dl.c $(wildcard apikeyd/store_sqlite*.c apikeyd/store_pg*.c) $(COMMON_SRC))

$(BUILD)/bench/apikey-bench: $(call prog_obj,$(BENCH_SRC)) $(BENCH_DAEMON_OBJ)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $^ $(PROG_LDFLAGS) $(DAEMON_LIBS) $(PAM_LIBS) -lm

.PHONY: bench
bench: $(PROGRAMS) $(BUILD)/bench/apikey-bench
	$(BUILD)/bench/apikey-bench --build $(BUILD) --out $(BUILD)/bench.json --keys $(BENCH_KEYS) \
		--seconds $(BENCH_SECONDS) --clients $(BENCH_CLIENTS) $(BENCH_PG) $(BENCH_ARGS)

demo: $(DEPS_STAMP)
	+$(MAKE) --no-print-directory demo-now

demo-now: $(PROGRAMS) $(BUILD)/tests/pam_driver
	BUILD=$(BUILD) scripts/demo

demo-ssh: $(DEPS_STAMP)
	+$(MAKE) --no-print-directory demo-ssh-now

demo-ssh-now: $(PROGRAMS)
	BUILD=$(BUILD) scripts/demo-ssh

# The stamp says the list in scripts/install-deps was installed once; a
# changed list runs it again.
deps:
	scripts/install-deps
	@mkdir -p $(BUILD) && touch $(DEPS_STAMP)

$(DEPS_STAMP): scripts/install-deps
	scripts/install-deps
	@mkdir -p $(BUILD) && touch $@

install: $(PROGRAMS)
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
	           $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(BUILD)/pam_apikey.so $(DESTDIR)$(PAMDIR)/pam_apikey.so
	install -m 0755 $(BUILD)/apikeyd $(DESTDIR)$(SBINDIR)/apikeyd
	install -m 0755 $(BUILD)/apikeyctl $(DESTDIR)$(BINDIR)/apikeyctl
	# userdel's hook (USERDEL_CMD in /etc/login.defs; README, apikeyd(8)).
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' scripts/apikey-userdel.in \
		> $(DESTDIR)$(SBINDIR)/apikey-userdel
	chmod 0755 $(DESTDIR)$(SBINDIR)/apikey-userdel
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/apikeyd.service.in > $(DESTDIR)$(UNITDIR)/apikeyd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/apikeyd.service
	install -m 0644 systemd/apikeyd.socket systemd/apikeyd-control.socket $(DESTDIR)$(UNITDIR)/
	install -m 0644 systemd/apikeyd.sysusers $(DESTDIR)$(SYSUSERSDIR)/apikeyd.conf
	install -m 0644 systemd/apikeyd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/apikeyd.conf
	install -m 0644 man/apikeyctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/apikeyd.8 man/pam_apikey.8 man/apikey-userdel.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(CONFDIR)/apikeyd.conf.d $(DESTDIR)$(COMPLETIONSDIR)
	install -m 0644 completion/apikeyctl $(DESTDIR)$(COMPLETIONSDIR)/apikeyctl
	install -d $(DESTDIR)$(COCKPITDIR)
	install -m 0644 $(COCKPIT_FILES) $(DESTDIR)$(COCKPITDIR)/
	# An admin's configuration stays as it is.
	[ -e $(DESTDIR)$(CONFDIR)/apikeyd.conf ] || install -m 0644 systemd/apikeyd.conf $(DESTDIR)$(CONFDIR)/apikeyd.conf
	DESTDIR='$(DESTDIR)' scripts/post-install

uninstall:
	-[ -z '$(DESTDIR)' ] && [ -d /run/systemd/system ] && systemctl disable --now apikeyd.socket apikeyd-control.socket apikeyd.service
	rm -f $(DESTDIR)$(PAMDIR)/pam_apikey.so $(DESTDIR)$(SBINDIR)/apikeyd $(DESTDIR)$(BINDIR)/apikeyctl \
	      $(DESTDIR)$(SBINDIR)/apikey-userdel $(DESTDIR)$(MANDIR)/man8/apikey-userdel.8 \
	      $(DESTDIR)$(UNITDIR)/apikeyd.service $(DESTDIR)$(UNITDIR)/apikeyd.socket \
	      $(DESTDIR)$(UNITDIR)/apikeyd-control.socket $(DESTDIR)$(SYSUSERSDIR)/apikeyd.conf \
	      $(DESTDIR)$(TMPFILESDIR)/apikeyd.conf $(DESTDIR)$(MANDIR)/man1/apikeyctl.1 \
	      $(DESTDIR)$(MANDIR)/man8/apikeyd.8 $(DESTDIR)$(MANDIR)/man8/pam_apikey.8
	rm -f $(DESTDIR)$(COMPLETIONSDIR)/apikeyctl
	rm -f $(addprefix $(DESTDIR)$(COCKPITDIR)/,$(notdir $(COCKPIT_FILES)))
	-rmdir $(DESTDIR)$(COCKPITDIR) 2>/dev/null
	# The configuration goes only if the admin did not change it.
	-cmp -s systemd/apikeyd.conf $(DESTDIR)$(CONFDIR)/apikeyd.conf && rm -f $(DESTDIR)$(CONFDIR)/apikeyd.conf
	-rmdir $(DESTDIR)$(CONFDIR)/apikeyd.conf.d $(DESTDIR)$(CONFDIR) 2>/dev/null

clean:
	rm -rf $(BUILD)
