# Fuzzing: libFuzzer targets for every parser of untrusted input (see
# fuzz/README.md), built with clang against the core compiled again with
# the same sanitizers, and a differential check of the redirect policy
# against the WHATWG URL parser (Node's URL).
#   make fuzz-smoke   each target a few seconds over a fresh copy of its
#                     seeds, then the differential check (part of make test)
#   make fuzz         each target FUZZ_SECONDS (60) over a corpus that
#                     grows in $(BUILD)/fuzz/long, then the differential
#                     check over it
#   make fuzz-seeds   writes the records target's seeds again, in the
#                     current record format (after records.cpp changes)
# Included by the Makefile, which defines BUILD, CORE_LIBS and SHELL.

# included before the Makefile's first target: nothing here may become
# the default goal
fuzz_default_goal := $(.DEFAULT_GOAL)

FUZZ_CXX      ?= clang++-14
FUZZ_CXXFLAGS := -std=c++17 -g -O1 -Isrc
FUZZ_SAN      := address,undefined -fno-sanitize-recover=undefined
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_SECONDS  ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

# the biggest translation units first, so that a parallel build ends early
fuzz_big_srcs  := src/token_endpoint.cpp src/server_metadata.cpp
FUZZ_CORE_SRCS := $(filter $(fuzz_big_srcs),$(wildcard src/*.cpp)) \
                  $(filter-out $(fuzz_big_srcs),$(wildcard src/*.cpp))
FUZZ_CORE_OBJS := $(patsubst src/%.cpp,$(FUZZ_DIR)/obj/%.o,$(FUZZ_CORE_SRCS))
FUZZ_CORE      := $(FUZZ_DIR)/libseamoauth-fuzz.a
FUZZ_TARGETS   := $(patsubst fuzz/fuzz_%.cpp,%,$(wildcard fuzz/fuzz_*.cpp))
FUZZ_BINS      := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_ORACLE    := $(FUZZ_DIR)/redirect_oracle

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-seeds

$(FUZZ_DIR)/obj/%.o: src/%.cpp $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
	    -c $< -o $@

$(FUZZ_CORE): $(FUZZ_CORE_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.cpp fuzz/fuzz_common.h $(FUZZ_CORE) \
                    $(wildcard src/*.h)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) \
	    $< -o $@ $(FUZZ_CORE) $(CORE_LIBS)

# ordinary programs (no libFuzzer main), sanitizers kept on
$(FUZZ_DIR)/redirect_oracle $(FUZZ_DIR)/record_seeds: \
$(FUZZ_DIR)/%: fuzz/%.cpp $(FUZZ_CORE) $(wildcard src/*.h)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
	    $< -o $@ $(FUZZ_CORE) $(CORE_LIBS)

fuzz-build: $(FUZZ_BINS) $(FUZZ_ORACLE)

fuzz-seeds: $(FUZZ_DIR)/record_seeds
	$< fuzz/corpus/records

# the build runs FUZZ_JOBS wide unless make was already given -j
fuzz_build_jobs = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(FUZZ_JOBS))

# the differential check runs even when a target failed; either failure
# fails the goal
fuzz-smoke:
	@$(MAKE) --no-print-directory $(fuzz_build_jobs) fuzz-build
	@status=0; \
	fuzz/run_fuzzers.sh --fresh $(FUZZ_SMOKE_SECONDS) $(FUZZ_DIR) \
	    $(FUZZ_DIR)/smoke $(FUZZ_TARGETS) || status=1; \
	fuzz/differential.sh $(FUZZ_ORACLE) $(FUZZ_DIR)/smoke/differential \
	    fuzz/corpus/redirect_policy \
	    $(FUZZ_DIR)/smoke/corpus/redirect_policy || status=1; \
	exit $$status

fuzz:
	@$(MAKE) --no-print-directory $(fuzz_build_jobs) fuzz-build
	@status=0; \
	fuzz/run_fuzzers.sh $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_DIR)/long \
	    $(FUZZ_TARGETS) || status=1; \
	fuzz/differential.sh $(FUZZ_ORACLE) $(FUZZ_DIR)/long/differential \
	    fuzz/corpus/redirect_policy \
	    $(FUZZ_DIR)/long/corpus/redirect_policy || status=1; \
	exit $$status

.DEFAULT_GOAL := $(fuzz_default_goal)
