# ngx_http_seam_oauth_module: build, demo, tests.
#   make setup   install every dependency (Debian packages)
#   make         build the module, the CLI and the unit tests
#   make run     start the demo on 127.0.0.1:8080 (make stop stops it)
#   make test    unit tests (Check) and request tests (prove)

SHELL       := /bin/bash
NGINX_SRC   ?= /usr/share/nginx/src
NGINX_BIN   ?= /usr/sbin/nginx
BUILD       := build
GEN         := $(BUILD)/gen
RUN         := run
DEMO_PORT   ?= 8080
DEMO_EMAIL  := owner@example.com
DEMO_PASSWORD := intercom-demo-pass

PACKAGES := build-essential nginx-core nginx-dev liblmdb-dev lmdb-utils \
            libssl-dev liburiparser-dev libidn2-dev nlohmann-json3-dev libargon2-dev \
            check pkg-config libtest-base-perl curl \
            python3-authlib python3-requests python3-selenium \
            chromium chromium-driver wrk nodejs \
            clang-14 libclang-rt-14-dev llvm-14

CXX      ?= g++
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -fPIC \
            -fstack-protector-strong -D_FORTIFY_SOURCE=2
CORE_LIBS := -llmdb -lcrypto -luriparser -largon2 -lidn2

CORE_SRCS := $(wildcard src/*.cpp)
CORE_OBJS := $(patsubst src/%.cpp,$(BUILD)/core/%.o,$(CORE_SRCS))
CORE_LIB  := $(BUILD)/libseamoauth.a
UNIT_SRCS := $(wildcard t/unit/*.cpp)
MODULE    := $(BUILD)/ngx_http_seam_oauth_module.so
CLI       := $(BUILD)/seam-oauth
UNIT      := $(BUILD)/unit-tests

.PHONY: all setup run stop test unit prove clean bench

.DEFAULT_GOAL := all

# fuzzing (fuzz, fuzz-smoke) and sanitizers (test-asan), each in its file
include mk/fuzz.mk mk/asan.mk

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
$(GEN)/seam_oauth_templates.inc: html/login.html html/consent.html html/error.html
	@mkdir -p $(GEN)
	for page in login consent error; do \
	    printf 'static const char seam_oauth_%s_html[] = R"SEAMHTML(' $$page; \
	    cat html/$$page.html; printf ')SEAMHTML";\n'; \
	done > $@

# configure once against the installed nginx's own source and flags
$(BUILD)/nginx/objs/Makefile: config
	rm -rf $(BUILD)/nginx
	mkdir -p $(BUILD)/nginx
	cp -r $(NGINX_SRC)/. $(BUILD)/nginx/
	cd $(BUILD)/nginx && . ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt='-g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2' \
	    --with-ld-opt='-Wl,-z,relro -Wl,-z,now -fPIC' \
	    --add-dynamic-module=$(CURDIR) > configure.log

$(MODULE): $(BUILD)/nginx/objs/Makefile ngx_http_seam_oauth_module.cpp $(CORE_LIB) \
           $(GEN)/seam_oauth_templates.inc $(wildcard src/*.h)
	# nginx's own Makefile knows neither the core library nor the headers
	# of src/: drop the .so, and the adapter's object unless only the
	# library changed (as mk/asan.mk does)
	rm -f $(BUILD)/nginx/objs/ngx_http_seam_oauth_module.so \
	    $(if $(filter-out $(CORE_LIB),$?),$(BUILD)/nginx/objs/addon/*/ngx_http_seam_oauth_module.o)
	$(MAKE) -C $(BUILD)/nginx -f objs/Makefile modules
	# a new file, not rewritten in place: a running nginx maps the old one
	cp $(BUILD)/nginx/objs/ngx_http_seam_oauth_module.so $@.tmp && mv $@.tmp $@

$(CLI): tools/seam-oauth.cpp $(CORE_LIB)
	$(CXX) $(CXXFLAGS) -Isrc $< -o $@ $(CORE_LIB) $(CORE_LIBS)

$(UNIT): $(UNIT_SRCS) $(wildcard t/unit/*.h) $(CORE_LIB)
	$(CXX) $(CXXFLAGS) -Wno-missing-field-initializers -Isrc -It/unit \
	    $(UNIT_SRCS) -o $@ $(CORE_LIB) $(CORE_LIBS) \
	    $$(pkg-config --libs check)

test: unit prove fuzz-smoke

unit: $(UNIT)
	$(UNIT)

prove: $(MODULE) $(CLI)
	prove -I t/lib -r t/

# the benchmark (bench/run.sh; under 10 minutes, loopback only)
$(BUILD)/seam-bench-fill: bench/fill.cpp $(CORE_LIB)
	$(CXX) $(CXXFLAGS) -Isrc $< -o $@ $(CORE_LIB) $(CORE_LIBS)

$(BUILD)/seam-bench-check: bench/check.cpp $(CORE_LIB)
	$(CXX) $(CXXFLAGS) -Isrc $< -o $@ $(CORE_LIB) $(CORE_LIBS)

$(BUILD)/seam-bench-redeem: bench/redeem.cpp $(CORE_LIB)
	$(CXX) $(CXXFLAGS) -Isrc $< -o $@ $(CORE_LIB) $(CORE_LIBS)

bench: $(MODULE) $(CLI) $(BUILD)/seam-bench-fill $(BUILD)/seam-bench-check \
       $(BUILD)/seam-bench-redeem
	bash bench/run.sh

run: $(MODULE) $(CLI)
	@tools/demo.sh start $(DEMO_PORT) $(DEMO_EMAIL) $(DEMO_PASSWORD)

stop:
	@tools/demo.sh stop

clean:
	rm -rf $(BUILD)
