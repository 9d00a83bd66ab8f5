# ngx_http_seam_oauth_module: build, demo, tests.
#   make setup   install every dependency (Debian packages)
#   make         build the module, the CLI and the unit tests
#   make run     start the demo on 127.0.0.1:8080 (make stop stops it);
#                LOGIN=device-cloud: the device cloud's accounts instead
#   make test    unit tests (Check) and request tests (prove)
#   make deb     the Debian package, in build/deb/ (checked by lintian)
#   make test-deb  install it on this machine and test it (root; changes
#                the system, so not part of make test)

SHELL       := /bin/bash
NGINX_SRC   ?= /usr/share/nginx/src
NGINX_BIN   ?= /usr/sbin/nginx
BUILD       := build
GEN         := $(BUILD)/gen
RUN         := run
DEMO_PORT   ?= 8080
DEMO_EMAIL  := owner@example.com
DEMO_PASSWORD := intercom-demo-pass
# the owners' accounts of the demo: the store's, or device-cloud (a
# stand-in for the device cloud's login API, seam_oauth_login_check)
LOGIN       ?= store

PACKAGES := build-essential nginx-core nginx-dev liblmdb-dev lmdb-utils \
            libssl-dev liburiparser-dev libidn2-dev nlohmann-json3-dev libargon2-dev \
            check pkg-config libtest-base-perl curl \
            python3 python3-prometheus-client python3-authlib python3-requests python3-selenium \
            chromium chromium-driver wrk nodejs \
            clang-14 libclang-rt-14-dev llvm-14 \
            debhelper dpkg-dev lintian logrotate ssl-cert libio-socket-ssl-perl

CXX      ?= g++
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -fPIC \
            -fstack-protector-strong -D_FORTIFY_SOURCE=2
CORE_LIBS := -llmdb -lcrypto -luriparser -largon2 -lidn2
# nginx's configure flags for the module: Debian's own (debian/rules
# passes dpkg-buildflags' ones, as Debian builds its nginx modules)
NGX_CC_OPT ?= -g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2
NGX_LD_OPT ?= -Wl,-z,relro -Wl,-z,now -fPIC

CORE_SRCS := $(wildcard src/*.cpp)
CORE_OBJS := $(patsubst src/%.cpp,$(BUILD)/core/%.o,$(CORE_SRCS))
CORE_LIB  := $(BUILD)/libseamoauth.a
UNIT_SRCS := $(wildcard t/unit/*.cpp)
MODULE    := $(BUILD)/ngx_http_seam_oauth_module.so
CLI       := $(BUILD)/seam-oauth
UNIT      := $(BUILD)/unit-tests

.PHONY: all setup run stop test unit prove clean bench FORCE

.DEFAULT_GOAL := all

# fuzzing (fuzz, fuzz-smoke), sanitizers (test-asan) and the Debian
# package (deb, test-deb), each in its file
include mk/fuzz.mk mk/asan.mk mk/deb.mk

all: $(MODULE) $(CLI) $(UNIT)

setup:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y $(PACKAGES)

$(BUILD)/core/%.o: src/%.cpp $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	rm -f $@
	ar rcs $@ $^

# html/ templates compiled into the module as raw string literals
TEMPLATES := html/login.html html/consent.html html/error.html
$(GEN)/seam_oauth_templates.inc: $(TEMPLATES) mk/templates.sh
	bash mk/templates.sh $@ $(TEMPLATES)

# The adapter: nginx's own Makefile builds it (config lists its sources
# and every header it may include), C++17 by a flag of its objects'
# own: nginx 1.22 has no per-module flags, and its CFLAGS also compile
# the module list, which is C.
ADAPTER_SRCS := ngx_http_seam_oauth_module.cpp $(wildcard src/ngx/*.cpp)
ADAPTER_DEPS := $(wildcard src/ngx/*.h src/*.h)
NGX_MAKE      = $(MAKE) -C $(1)/nginx -f objs/Makefile modules \
                --eval='objs/addon/%.o: CFLAGS += $(2)'

# configure again when the set of headers changes: config lists them
$(BUILD)/headers: FORCE
	@mkdir -p $(dir $@)
	@echo $(ADAPTER_DEPS) | cmp -s - $@ || echo $(ADAPTER_DEPS) > $@

# configure once against the installed nginx's own source and flags
$(BUILD)/nginx/objs/Makefile: config $(BUILD)/headers
	rm -rf $(BUILD)/nginx
	mkdir -p $(BUILD)/nginx
	cp -r $(NGINX_SRC)/. $(BUILD)/nginx/
	cd $(BUILD)/nginx && . ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt='$(NGX_CC_OPT)' --with-ld-opt='$(NGX_LD_OPT)' \
	    --add-dynamic-module=$(CURDIR) > configure.log

# nginx's Makefile decides what to compile again (its objects depend on
# the headers config lists, the .so on the core library)
$(MODULE): $(BUILD)/nginx/objs/Makefile $(ADAPTER_SRCS) $(ADAPTER_DEPS) \
           $(CORE_LIB) $(GEN)/seam_oauth_templates.inc
	+$(call NGX_MAKE,$(BUILD),-std=c++17)
	# a new file, not rewritten in place: a running nginx maps the old one
	cp $(BUILD)/nginx/objs/ngx_http_seam_oauth_module.so $@.tmp && mv $@.tmp $@

$(CLI): tools/seam-oauth.cpp $(CORE_LIB) $(wildcard src/*.h)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -Isrc $< -o $@ $(CORE_LIB) $(CORE_LIBS)

$(UNIT): $(UNIT_SRCS) $(wildcard t/unit/*.h) $(CORE_LIB)
	$(CXX) $(CXXFLAGS) -Wno-missing-field-initializers -Isrc -It/unit \
	    $(UNIT_SRCS) $(LDFLAGS) -o $@ $(CORE_LIB) $(CORE_LIBS) \
	    $$(pkg-config --libs check)

test: unit prove fuzz-smoke

unit: $(UNIT)
	$(UNIT)

# holds the store's write lock for the reload tests (t/tools/)
TEST_HOLD := $(BUILD)/seam-test-hold
$(TEST_HOLD): t/tools/hold_write_lock.cpp $(CORE_LIB) $(wildcard src/*.h)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -Isrc $< -o $@ $(CORE_LIB) $(CORE_LIBS)

prove: $(MODULE) $(CLI) $(TEST_HOLD)
	prove -I t/lib -r t/

# the benchmark (bench/run.sh; under 10 minutes, loopback only)
BENCH_TOOLS := $(BUILD)/seam-bench-fill $(BUILD)/seam-bench-check \
               $(BUILD)/seam-bench-redeem
$(BUILD)/seam-bench-%: bench/%.cpp $(CORE_LIB)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -Isrc $< -o $@ $(CORE_LIB) $(CORE_LIBS)

bench: $(MODULE) $(CLI) $(BENCH_TOOLS)
	bash bench/run.sh

run: $(MODULE) $(CLI)
	@tools/demo.sh start $(DEMO_PORT) $(DEMO_EMAIL) $(DEMO_PASSWORD) $(LOGIN)

stop:
	@tools/demo.sh stop

clean:
	rm -rf $(BUILD)
