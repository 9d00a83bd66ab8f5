/*
 * Scopes (RFC 6749 §3.3): space-separated lists of scope-tokens. One place
 * for splitting, joining and the subset check that the bearer check, the
 * authorization request and a refresh each need.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace seam {

/* Scopes split on single spaces; false when a scope-token has a character
 * RFC 6749 §3.3 does not allow or two spaces touch. */
bool split_scope(std::string_view scope, std::vector<std::string> &out);

/* The scopes joined with single spaces. */
std::string join_scope(const std::vector<std::string> &scopes);

/* Whether every scope in `asked` is one of `allowed` (both space-
 * separated; empty entries are ignored). Allocates nothing: the bearer
 * check calls it on every request. */
bool scope_within(std::string_view asked, std::string_view allowed);

}  // namespace seam
