/*
 * What happened, as the core decides it: a use case puts the events of a
 * request into the answer it returns (http_answer::events), and whoever
 * sends that answer counts them for the metrics (metrics.h) and writes
 * the audited ones to the audit log (audit.h): the adapter for nginx's
 * requests, the CLI for the operator's commands. Never a password, a
 * code or a token: the ids of who and what.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace seam {

enum class event_kind : uint8_t {
    /* /authorize */
    sign_in_ok,
    sign_in_failed,            /* wrong credentials */
    sign_in_locked,            /* a throttle's lock: nothing was checked */
    sign_in_unavailable,       /* the store or the login check failed */
    consent_approved,
    consent_denied,
    code_issued,
    /* the token endpoint */
    grant_created,             /* a code redeemed: a new grant */
    redemption_failed,         /* invalid_grant */
    code_replay,               /* a used code again: its grant revoked */
    redemption_invalid_client,
    redemption_unavailable,    /* the store could not be written */
    refresh_ok,
    refresh_failed,
    refresh_replay,            /* a replaced refresh token: grant revoked */
    refresh_unavailable,
    /* RFC 7009, RFC 7662 */
    token_revoked,
    revocation_invalid_client,
    introspection_active,
    introspection_inactive,
    introspection_invalid_client,
    /* the operator's CLI */
    grant_revoked,
    owner_disconnected,        /* grant revoke --user */
    owner_added,
    owner_removed,
    store_restored,            /* seam-oauth restore */
};

constexpr size_t event_kind_count =
    static_cast<size_t>(event_kind::store_restored) + 1;

struct event {
    event_kind kind = event_kind::sign_in_ok;
    std::string client_id;
    std::string user_id;
    std::string grant_id;          /* hex, as seam-oauth grant list shows */
    std::string scope;
};

}  // namespace seam
