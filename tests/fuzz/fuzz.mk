# tests/fuzz/fuzz.mk - builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c)
# into $(BUILD)/fuzz/fuzz_<name>, against the project's own sources, with
# clang, libFuzzer, ASan and UBSan. tests/fuzz/run.sh calls it from the top
# of the tree:   make -f tests/fuzz/fuzz.mk BUILD=build
#
# A new harness tests/fuzz/fuzz_NAME.c links util.c and common/*.c; one that
# needs more sets fuzz_NAME_SRC and fuzz_NAME_LIBS below.

BUILD      ?= build
FUZZ_CC    ?= clang
PKG_CONFIG ?= pkg-config
OUT        := $(BUILD)/fuzz

FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags pam libsystemd sqlite3 libsodium libpq)
# apikeyctl's fleet commands (apikeyctl/fleet*.c) talk libpq and read SQLite.
CTL_LIBS   := $(shell $(PKG_CONFIG) --libs libpq sqlite3 libsodium)
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link -D_GNU_SOURCE \
               -DAPIKEY_VERSION='"fuzz"' -Icommon -Itests/fuzz -Wall -Wextra -MMD -MP $(PKG_CFLAGS)
FUZZ_LDFLAGS := -fsanitize=fuzzer $(FUZZ_SANITIZE)

COMMON_SRC := common/key.c common/wire.c common/proto.c common/transport.c common/duration.c common/restrict.c
UTIL_SRC   := tests/fuzz/util.c

HARNESSES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

# Defaults: the harness, the helpers and common/.
$(foreach h,$(HARNESSES),$(eval fuzz_$(h)_SRC ?= tests/fuzz/fuzz_$(h).c $(UTIL_SRC) $(COMMON_SRC)))

# Includes apikeyd/auth.c (for its static read_request), links the rest of the daemon.
fuzz_request_SRC := tests/fuzz/fuzz_request.c $(UTIL_SRC) $(COMMON_SRC) \
                    $(filter-out apikeyd/main.c apikeyd/auth.c,$(wildcard apikeyd/*.c))
fuzz_request_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd sqlite3 libsodium inih libpq)
# The control handlers on a real store: the daemon without its main(); the
# admin group and the connection (no event loop) are the harness's (ld --wrap).
fuzz_control_SRC := tests/fuzz/fuzz_control.c $(UTIL_SRC) $(COMMON_SRC) $(filter-out apikeyd/main.c,$(wildcard apikeyd/*.c))
fuzz_control_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd sqlite3 libsodium inih libpq) -lpthread -Wl,--wrap=peer_is_admin \
                     -Wl,--wrap=conn_queue -Wl,--wrap=conn_produce
# Includes pam_apikey/client.c and pam_apikey.c; links the module's other files.
fuzz_reply_SRC := tests/fuzz/fuzz_reply.c $(UTIL_SRC) tests/fuzz/pamstub.c $(COMMON_SRC) \
                  pam_apikey/args.c pam_apikey/verdict.c pam_apikey/session.c
fuzz_reply_LIBS := $(shell $(PKG_CONFIG) --libs pam)
fuzz_module_args_SRC := tests/fuzz/fuzz_module_args.c $(UTIL_SRC) tests/fuzz/pamstub.c pam_apikey/args.c
fuzz_module_args_LIBS := $(shell $(PKG_CONFIG) --libs pam)
# apikeyctl's sources besides main(): its own files, and the daemon's row
# MAC (`--db URI disable|enable` seal a fleet row as apikeyd does).
CTL_SRC := $(filter-out apikeyctl/main.c,$(wildcard apikeyctl/*.c)) apikeyd/rowmac.c apikeyd/store_pg_row.c \
           apikeyd/libpq_dl.c
# apikeyctl without its main().
fuzz_cli_args_SRC := tests/fuzz/fuzz_cli_args.c $(UTIL_SRC) $(COMMON_SRC) $(CTL_SRC)
fuzz_cli_args_LIBS := $(CTL_LIBS)
# Includes apikeyctl/main.c (for its static run()); the connection is the
# harness's (ld --wrap).
fuzz_ctl_reply_SRC := tests/fuzz/fuzz_ctl_reply.c $(UTIL_SRC) $(COMMON_SRC) $(CTL_SRC)
fuzz_ctl_reply_LIBS := -Wl,--wrap=transport_connect -Wl,--wrap=transport_check_peer $(CTL_LIBS)

obj = $(patsubst %.c,$(OUT)/obj/%.o,$(1))

.PHONY: all list
all: $(HARNESSES:%=$(OUT)/fuzz_%) $(OUT)/fuzz_shim.so

list:
	@echo $(HARNESSES)

define harness
$(OUT)/fuzz_$(1): $$(call obj,$$(fuzz_$(1)_SRC))
	@echo "  LD     $$@"
	@$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $$@ $$^ $$(fuzz_$(1)_LIBS)
endef
$(foreach h,$(HARNESSES),$(eval $(call harness,$(h))))

# The PAM module through which pamstub.c runs module code (not instrumented:
# it only calls back).
$(OUT)/fuzz_shim.so: tests/fuzz/shim_module.c tests/fuzz/fuzz.h tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  LD     $@"
	@$(FUZZ_CC) -std=gnu11 -g -O1 -fPIC -shared -fvisibility=hidden -Itests/fuzz -Wall -Wextra $(PKG_CFLAGS) \
		-o $@ $< $(shell $(PKG_CONFIG) --libs pam)

# The harnesses themselves build without a warning.
$(OUT)/obj/tests/fuzz/%.o: FUZZ_CFLAGS += -Werror

$(OUT)/obj/%.o: %.c tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  CC     $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)

# The seed corpus, regenerated from gen_corpus.c (not part of the build:
# the corpus is committed).
.PHONY: corpus
corpus: $(OUT)/gen_corpus
	$(OUT)/gen_corpus tests/fuzz/corpus

$(OUT)/gen_corpus: tests/fuzz/gen_corpus.c tests/fuzz/ctl_commands.h common/key.c common/wire.c common/proto.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -D_GNU_SOURCE -Icommon -Itests/fuzz -Wall -Wextra -Werror -o $@ $(filter %.c,$^)
