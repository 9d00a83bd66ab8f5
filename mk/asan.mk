# make test-asan: the core library, the module, the CLI and the unit tests
# built with AddressSanitizer + UndefinedBehaviorSanitizer in $(ASAN_DIR)
# (never touching the normal build's files), then the unit tests and the
# whole request suite run against those builds, the module loaded into the
# stock $(NGINX_BIN) with the sanitizer runtime preloaded. Every report goes
# to a file in $(ASAN_LOGS); any report fails the target, even one that did
# not fail a test (mk/asan-logs.sh: only leaks of nginx's own memory, with no
# frame in our code, are let through).
#   make asan                 only build
#   make test-asan            build, run, fail on any report
#   ASAN_PROVE_JOBS=N         test files run in parallel by prove (default 1,
#                             as make test; 2 saves ~25 s but adds load to
#                             the timing-sensitive tests)
#
# clang, not gcc: with gcc the UBSan runtime is a library of its own next to
# libasan, and in such a process UBSan ignores log_path and writes to stderr
# (in nginx, into the error.log of a prefix the harness deletes). clang's
# ASan runtime carries UBSan and logs both to log_path.

ASAN_CC       ?= clang-14
ASAN_CXX      ?= clang++-14
ASAN_DIR      := $(BUILD)/asan
ASAN_LOGS     := $(ASAN_DIR)/logs
ASAN_GEN      := $(ASAN_DIR)/gen
ASAN_SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=undefined
# The normal build's flags, then: -O1 for exact stacks; no _FORTIFY_SOURCE
# (the __*_chk variants would bypass ASan's checks of memcpy and friends);
# warnings are the normal (gcc) build's business, not errors here.
ASAN_CXXFLAGS  = $(CXXFLAGS) -O1 -U_FORTIFY_SOURCE -Wno-error $(ASAN_SAN)
ASAN_CORE_OBJS := $(patsubst src/%.cpp,$(ASAN_DIR)/core/%.o,$(CORE_SRCS))
ASAN_LIB      := $(ASAN_DIR)/libseamoauth.a
ASAN_MODULE   := $(ASAN_DIR)/ngx_http_seam_oauth_module.so
ASAN_CLI      := $(ASAN_DIR)/seam-oauth
ASAN_UNIT     := $(ASAN_DIR)/unit-tests
ASAN_NGINX    := $(ASAN_DIR)/bin/nginx
ASAN_SUPP     := $(ASAN_DIR)/lsan.supp
ASAN_PROVE_JOBS ?= 1

# The stock nginx is not instrumented: the master gets the runtime preloaded
# at exec, the workers are forked from it and keep it.
ASAN_RUNTIME   = $(shell $(ASAN_CC) -print-file-name=libclang_rt.asan-x86_64.so)
# Named in the options rather than found in PATH: nginx workers run with an
# environment cleared of all but TZ.
ASAN_SYMBOLIZER = $(firstword $(wildcard /usr/lib/llvm-14/bin/llvm-symbolizer) \
                              $(shell command -v llvm-symbolizer))
# One runtime, one log_path (UBSAN_OPTIONS' would win): <exe>.<pid> files.
ASAN_COMMON    = log_path=$(CURDIR)/$(ASAN_LOGS)/report:log_exe_name=1$(if $(ASAN_SYMBOLIZER),:external_symbolizer_path=$(ASAN_SYMBOLIZER))
# Leak checks report (to the log) but do not abort or change the exit code:
# a worker that aborts at exit would fail every test for nginx's own leaks;
# mk/asan-logs.sh decides afterwards.
ASAN_RUN_ENV   = ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:$(ASAN_COMMON) \
                 LSAN_OPTIONS=exitcode=0:suppressions=$(CURDIR)/$(ASAN_SUPP):print_suppressions=0 \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1:$(ASAN_COMMON)

# LeakSanitizer suppressions; children of a suppressed leak are not reported.
# OpenSSL's per-thread DRBGs: once in ~300 worker exits, the DRBG that
# RAND_bytes set up for a thread-pool thread was reported leaked (with the
# primary DRBG under it). OpenSSL frees that state when the thread exits;
# nginx lets its pool threads finish exiting while exit() already runs
# OPENSSL_cleanup, which most likely loses that race now and then.
define ASAN_LSAN_SUPP
leak:RAND_get0_public
leak:RAND_get0_private
endef

.PHONY: asan test-asan asan-force

asan: $(ASAN_MODULE) $(ASAN_CLI) $(ASAN_UNIT) $(ASAN_NGINX)

# Rewritten only when the compilers or flags change, to rebuild then.
ASAN_STAMP := $(ASAN_DIR)/flags
ASAN_STAMP_TEXT = $(ASAN_CC) $(ASAN_CXX) $(ASAN_CXXFLAGS) $(ASAN_NGX_CC_OPT) $(ASAN_NGX_LD_OPT) $(ASAN_PER_OBJECT)
$(ASAN_STAMP): asan-force
	@mkdir -p $(dir $@)
	@echo "$(ASAN_STAMP_TEXT)" | cmp -s - $@ || echo "$(ASAN_STAMP_TEXT)" > $@

# Sources by absolute path, so that reports name them so.
$(ASAN_DIR)/core/%.o: src/%.cpp $(wildcard src/*.h) $(ASAN_STAMP)
	@mkdir -p $(dir $@)
	$(ASAN_CXX) $(ASAN_CXXFLAGS) -c $(CURDIR)/$< -o $@

$(ASAN_LIB): $(ASAN_CORE_OBJS)
	rm -f $@
	ar rcs $@ $^

# the top Makefile's templates, in our own directory
$(ASAN_GEN)/seam_oauth_templates.inc: $(TEMPLATES) mk/templates.sh
	bash mk/templates.sh $@ $(TEMPLATES)

# Debian's flags for the module, plus the sanitizers; -z nodelete keeps the
# module mapped after nginx's dlclose at exit, so that leak reports (made
# after it) can still name our functions.
ASAN_NGX_CC_OPT = -g -O1 -fstack-protector-strong -Wformat -Werror=format-security -fPIC \
                  -Wno-error $(ASAN_SAN)
ASAN_NGX_LD_OPT = -Wl,-z,relro -Wl,-z,now -Wl,-z,nodelete -fPIC $(ASAN_SAN)

# The module's config takes the core library and the generated header from
# $ngx_addon_dir/build: the addon dir given to configure is a mirror of the
# repository (symlinks) whose build/ is $(ASAN_DIR). Configure's test
# programs are linked with the sanitizers too: without leak checks, which
# would fail feature tests and so change the module's binary signature.
$(ASAN_DIR)/nginx/objs/Makefile: config $(ASAN_STAMP) $(BUILD)/headers
	rm -rf $(ASAN_DIR)/nginx $(ASAN_DIR)/addon
	mkdir -p $(ASAN_DIR)/nginx $(ASAN_DIR)/addon
	for f in $(CURDIR)/*; do \
	    [ "$${f##*/}" = $(BUILD) ] || ln -s "$$f" $(ASAN_DIR)/addon/; \
	done
	ln -s .. $(ASAN_DIR)/addon/build
	cp -r $(NGINX_SRC)/. $(ASAN_DIR)/nginx/
	cd $(ASAN_DIR)/nginx && . ./conf_flags && \
	    ASAN_OPTIONS=detect_leaks=0 ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc=$(ASAN_CC) --with-cc-opt='$(ASAN_NGX_CC_OPT)' \
	    --with-ld-opt='$(ASAN_NGX_LD_OPT)' \
	    --add-dynamic-module=$(CURDIR)/$(ASAN_DIR)/addon > configure.log

# Per object, in target-specific variables (NGX_MAKE): clang-14 defaults
# to C++14 where gcc 12 has gnu++17, and the adapter is C++17; the
# generated module list gets no ASan: it defines ngx_modules (and _names,
# _order), which nginx defines too and exports, so the dynamic linker binds
# the module's references to nginx's own, and clang's global
# instrumentation (through those references) would poison nginx's array
# after 16 bytes, a false global-buffer-overflow on every reload in
# ngx_cycle_modules. nginx's Makefile knows what to compile again (config
# lists the headers and the core library).
ASAN_MODLIST_O := objs/ngx_http_seam_oauth_module_modules.o
ASAN_PER_OBJECT = --eval='$(ASAN_MODLIST_O): CFLAGS += -fno-sanitize=address'
$(ASAN_MODULE): $(ASAN_DIR)/nginx/objs/Makefile $(ADAPTER_SRCS) $(ADAPTER_DEPS) \
                $(ASAN_LIB) $(ASAN_GEN)/seam_oauth_templates.inc
	+$(call NGX_MAKE,$(ASAN_DIR),-std=c++17) $(ASAN_PER_OBJECT)
	cp $(ASAN_DIR)/nginx/objs/ngx_http_seam_oauth_module.so $@.tmp && mv $@.tmp $@

$(ASAN_CLI): tools/seam-oauth.cpp $(ASAN_LIB) $(wildcard src/*.h) $(ASAN_STAMP)
	$(ASAN_CXX) $(ASAN_CXXFLAGS) -Isrc $(CURDIR)/$< -o $@ $(ASAN_LIB) $(CORE_LIBS)

$(ASAN_UNIT): $(UNIT_SRCS) $(wildcard t/unit/*.h) $(ASAN_LIB) $(ASAN_STAMP)
	$(ASAN_CXX) $(ASAN_CXXFLAGS) -Wno-missing-field-initializers -Isrc -It/unit \
	    $(addprefix $(CURDIR)/,$(UNIT_SRCS)) -o $@ $(ASAN_LIB) $(CORE_LIBS) \
	    $$(pkg-config --libs check)

# nginx as the harness starts it (TEST_NGINX_BINARY), with the runtime
# preloaded; nothing else (perl, python, the CLI) gets it. nginx is built
# without frame pointers, where the fast unwinder stops: allocation stacks
# come from the slow one, so that a pool or buffer that our code has nginx
# allocate (ngx_create_pool, ngx_alloc) still shows our frames when leaked.
$(ASAN_NGINX): mk/asan.mk
	@mkdir -p $(dir $@)
	@test -f "$(ASAN_RUNTIME)" || { echo "no $(ASAN_RUNTIME) (libclang-rt-14-dev)"; exit 1; }
	printf '#!/bin/sh\nASAN_OPTIONS="$$ASAN_OPTIONS:fast_unwind_on_malloc=0" LD_PRELOAD=%s exec %s "$$@"\n' \
	    $(ASAN_RUNTIME) $(NGINX_BIN) > $@.tmp
	chmod +x $@.tmp && mv $@.tmp $@

# Each step runs even when an earlier one failed, so that one run shows every
# report; the target fails on a failed step or on any report. nginx processes
# that still have our ASan module mapped once prove is done were left behind
# (a master killed by a report orphans its workers): killed, and a failure.
test-asan: asan $(TEST_HOLD)
	@rm -rf $(ASAN_LOGS) && mkdir -p $(ASAN_LOGS)
	$(file >$(ASAN_SUPP),$(ASAN_LSAN_SUPP))
	@export $(ASAN_RUN_ENV); status=0; \
	echo "== unit tests (ASan+UBSan)"; \
	$(ASAN_UNIT) || status=1; \
	echo "== request tests (ASan+UBSan module in $(NGINX_BIN))"; \
	TEST_NGINX_BINARY=$(CURDIR)/$(ASAN_NGINX) \
	SEAM_OAUTH_MODULE=$(CURDIR)/$(ASAN_MODULE) \
	SEAM_OAUTH_CLI=$(CURDIR)/$(ASAN_CLI) \
	    prove -j$(ASAN_PROVE_JOBS) -I t/lib -r t/ || status=1; \
	left=$$(grep -lsF "$(CURDIR)/$(ASAN_MODULE)" /proc/[0-9]*/maps | cut -d/ -f3); \
	if [ -n "$$left" ]; then \
	    status=1; \
	    echo "test-asan: nginx processes left running (a master that died?), killed:" $$left; \
	    kill -9 $$left; \
	fi; \
	echo "== sanitizer reports"; \
	bash mk/asan-logs.sh $(ASAN_LOGS) $(CURDIR)/ || status=1; \
	if [ $$status = 0 ]; then echo "test-asan: OK, no sanitizer reports"; fi; \
	exit $$status
