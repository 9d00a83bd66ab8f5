/*
 * The bearer check in front of the device API (RFC 6750): the token is
 * read from the Authorization header only (§2.1; query and body tokens
 * are not accepted), looked up by its key (secrets.h) in one LMDB read.
 */
#pragma once

#include "oauth_error.h"
#include "http_answer.h"
#include "records.h"
#include "store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

enum class bearer_header {
    token,          /* "Bearer <b64token>" */
    missing,        /* no Authorization header: 401 without error */
    other_scheme,   /* e.g. Basic: 401 with the Bearer challenge */
    malformed,      /* bad syntax: 400 invalid_request */
};

/* Reads "Bearer <b64token>" (scheme case-insensitive, one space, RFC 6750
 * §2.1 b64token); on `token`, `token_out` views into `header`. */
bearer_header parse_bearer(std::optional<std::string_view> header,
                           std::string_view &token_out);

struct bearer_result {
    int status = 204;
    oauth_error error = oauth_error::none;
    std::string challenge;         /* WWW-Authenticate, when not 204 */
    access_token_record token;
};

/* The whole check: parse, hash, one read, and the scopes the location
 * requires (space-separated, all needed). Event loop only. */
bearer_result check_bearer(store &s, std::optional<std::string_view> header,
                           std::string_view realm, uint64_t now,
                           std::string_view required_scope = {});

/* The same into `r`: a caller that keeps one result for its checks
 * reuses its strings' capacity, so a warm check allocates nothing. */
void check_bearer(store &s, std::optional<std::string_view> header,
                  std::string_view realm, uint64_t now,
                  std::string_view required_scope, bearer_result &r);

/*
 * A denial carried from the auth_request subrequest to the error_page
 * location behind it (auth_request passes only 401 and 403 on, so a 400
 * travels as a 401; the main request's variables survive the internal
 * redirect): "STATUS ERROR CHALLENGE", ERROR "-" when there is none.
 * Written into a buffer of denial_size() bytes, with no heap allocation:
 * a denial is the path an attacker chooses.
 */
size_t denial_size(const bearer_result &r);
char *write_denial(char *out, const bearer_result &r);
/* The challenge inside a written denial: the WWW-Authenticate value. */
std::string_view denial_challenge(std::string_view denial);

/* What a client gets for a denial: its status, its challenge, a JSON
 * error and no-store. No denial at all means the 401 or 403 was not the
 * check's (nginx's own access rules: deny, limit_except): 403 forbidden,
 * with no challenge, as the token was fine. A garbled one is a 401 with
 * the plain challenge. */
http_answer denial_answer(std::string_view denial, std::string_view realm);

/* `scope` is named in an insufficient_scope challenge (RFC 6750 §3). */
std::string bearer_challenge(std::string_view realm, oauth_error error,
                             std::string_view scope = {});

}  // namespace seam
