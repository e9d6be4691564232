# atrium - build, test, demo. See README.md.
#
#   make                build ./atrium
#   make demo           install what is missing, start the loopback servers
#                       with demo content, run atrium as alice
#   make check          install what is missing, build, run every test
#   make sanitize       the same tests on an ASan+UBSan build
#   make fuzz           build the libFuzzer targets (clang); fuzz-smoke runs them
#   make bench          run the benchmarks against their peers
#   make run            atrium with your own configuration
#   make install PREFIX=/usr/local
#   make MODULES="mail docs"   build without some modules

MODULES ?= mail chat docs sheets files
PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc

PKGS = ncursesw icu-uc icu-i18n sqlite3 libsodium expat
# compiled against, not linked: loaded when first needed (core/dl.c)
PKGS_DL = libzip libxml-2.0 libstrophe
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wno-unused-parameter
ifeq ($(CI),true)
WARN += -Werror
endif
ifdef WERROR
WARN += -Werror
endif

OPT ?= -O2 -g
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -I. \
	$(shell pkg-config --cflags $(PKGS) $(PKGS_DL)) \
	$(foreach m,$(MODULES),-DMOD_$(shell echo $(m) | tr a-z A-Z)) \
	$(CFLAGS) $(XCFLAGS)
LDLIBS_ALL = -Wl,--as-needed $(shell pkg-config --libs $(PKGS)) -lpthread -ldl -lm $(LDLIBS)

CORE_SRC = $(wildcard core/*.c)
I18N_SRC = $(wildcard i18n/*.c)
TUI_SRC = $(wildcard tui/*.c)
STORE_SRC = $(wildcard store/*.c)
NET_SRC = $(wildcard net/*.c)
# code one module uses from another comes along (mail and chat write in the
# docs editor; files merges through docs and sheets), its tab does not
MOD_CODE = $(sort $(MODULES) $(if $(filter mail chat files,$(MODULES)),docs) \
	$(if $(filter files,$(MODULES)),sheets))
MOD_SRC = $(wildcard modules/*.c) $(foreach m,$(MOD_CODE),$(wildcard modules/$(m)/*.c))
APP_SRC = $(filter-out app/main.c,$(wildcard app/*.c))
LIB_SRC = $(CORE_SRC) $(I18N_SRC) $(STORE_SRC) $(NET_SRC) $(TUI_SRC) $(MOD_SRC) $(APP_SRC)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)

BIN = $(if $(filter build,$(BUILD)),atrium,$(BUILD)/atrium)

.PHONY: all deps demo check unit sanitize fuzz fuzz-smoke bench run install \
	clean servers-up servers-down format

all: $(BIN)

$(BIN): $(BUILD)/app/main.o $(BUILD)/libatrium.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/libatrium.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The module list is part of the build: rebuild when it changes.
$(BUILD)/.modules: FORCE
	@mkdir -p $(BUILD)
	@echo "$(MODULES)" | cmp -s - $@ || echo "$(MODULES)" > $@
FORCE:

$(BUILD)/%.o: %.c $(BUILD)/.modules
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libatrium.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags cmocka) -o $@ $< \
		$(BUILD)/libatrium.a $(LDLIBS_ALL) $(shell pkg-config --libs cmocka)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libatrium.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libatrium.a $(LDLIBS_ALL)

-include $(LIB_OBJ:.o=.d) $(BUILD)/app/main.d

deps:
	@mk/deps.sh build

unit: $(BIN) $(UNIT_BIN)

check:
	@mk/deps.sh check
	@$(MAKE) --no-print-directory unit
	@ATRIUM_BIN=$(CURDIR)/$(BIN) ATRIUM_UNIT_DIR=$(BUILD)/tests tests/run

# GnuTLS and p11-kit are linked in (not left to come with the dlopen'd
# libetpan) so their thread-local storage is static: LeakSanitizer of GCC 12
# crashes at exit ("Tracer caught signal 11", a bogus DTLS range) walking a
# dlopen'd library's dynamic TLS. The code under test is the same.
SAN_LIBS = -Wl,--no-as-needed -l:libgnutls.so.30 -l:libp11-kit.so.0 -Wl,--as-needed
sanitize:
	@mk/deps.sh check
	@$(MAKE) --no-print-directory BUILD=build-san \
		XCFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		OPT="-O1 -g" LDLIBS="$(SAN_LIBS)" unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ATRIUM_BIN=$(CURDIR)/build-san/atrium ATRIUM_UNIT_DIR=build-san/tests \
		tests/run

fuzz:
	@mk/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
		XCFLAGS="-fsanitize=fuzzer-no-link,address,undefined" OPT="-O1 -g" \
		build-fuzz/libatrium.a
	@mkdir -p build-fuzz/fuzz
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		echo "  FUZZ $$n"; \
		clang $(CFLAGS_ALL) -fsanitize=fuzzer,address,undefined -O1 -g \
		-o build-fuzz/fuzz/$$n $$f build-fuzz/libatrium.a $(LDLIBS_ALL) || exit 1; \
	done

fuzz-smoke: fuzz
	@for f in build-fuzz/fuzz/fuzz_*; do n=$$(basename $$f); \
		mkdir -p build-fuzz/corpus/$$n; \
		$$f -max_total_time=$${FUZZ_SECONDS:-20} -print_final_stats=0 \
			build-fuzz/corpus/$$n tests/fuzz/corpus/$${n#fuzz_} >build-fuzz/$$n.log 2>&1 \
			&& echo "ok $$n" || { echo "FAIL $$n"; tail -30 build-fuzz/$$n.log; exit 1; }; \
	done

bench: $(BIN)
	@mk/deps.sh bench
	@bench/run

servers-up:
	@tests/servers/up
servers-down:
	@tests/servers/down

demo:
	@mk/deps.sh demo
	@$(MAKE) --no-print-directory all
	@tests/servers/up --demo
	@. /tmp/atrium-servers/env && ./atrium --config /tmp/atrium-servers/alice/config \
		--home /tmp/atrium-servers/alice/home

run: $(BIN)
	./$(BIN)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/atrium
	install -m 644 docs/atrium.1 $(DESTDIR)$(PREFIX)/share/man/man1/atrium.1

format:
	clang-format -i $(wildcard */*.c */*.h modules/*/*.c modules/*/*.h)

clean:
	rm -rf build build-san build-fuzz atrium
