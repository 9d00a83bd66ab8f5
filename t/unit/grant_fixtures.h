/*
 * Fixtures of the tests of codes, tokens, revocation, sessions and the
 * sweep: codes issued on a temporary store, redeemed and refreshed, with
 * the checks each test would otherwise repeat.
 */
#pragma once

#include "codes.h"
#include "helpers.h"
#include "revocation.h"
#include "sessions.h"
#include "tokens.h"

#include <optional>
#include <string>

/* the fixtures speak of the core's types */
using namespace seam;

/* The redirect_uri of every code, and a PKCE verifier (RFC 7636 B). */
extern const char *const redirect;
extern const char *const verifier;

code_record
make_code(std::string user = "u_1", std::string challenge = "");

redemption_request
make_request(const std::string &code, uint64_t now = 1010);

std::string
issue(store &s, code_record c = make_code(), uint64_t now = 1000,
      uint64_t ttl = 60);

/* Redeems a fresh code and returns the redemption, which must succeed. */
redemption
redeem_ok(store &s, const redemption_request &req);

size_t
entries(store &s, table t);

extern const std::string rotation_key;

/* A code redeemed at `now` (the code lives 1000..1060) with a refresh
 * token: the access token lives an hour, the refresh token a day. */
redemption
redeem_with_refresh(store &s, uint64_t now = 1010,
                    std::string scope = "devices access_codes",
                    std::string user = "u_1");

refresh_request
make_refresh(const std::string &token, uint64_t now, bool rotate = false);

redemption
refresh_ok(store &s, const refresh_request &req);

/* A refresh that must fail with `error`. */
redemption
refresh_fails(store &s, const refresh_request &req,
              oauth_error error = oauth_error::invalid_grant);

std::optional<refresh_token_record>
refresh_record(store &s, const std::string &token);

std::optional<grant_record>
grant_of(store &s, const std::string &grant_id);

/* An inactive introspection says nothing else (RFC 7662 §2.2). */
void
expect_inactive(const token_info &i);

/* What rotation at `rotated_at` (seconds) derives from the refresh token
 * it replaces: the rotation's time, then an HMAC of the old token. */
std::string
derived(const std::string &label, const std::string &refresh_token,
        uint64_t rotated_at, const std::string &key = rotation_key);
