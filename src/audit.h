/*
 * The audit log (seam_oauth_audit_log, and the CLI's --audit-log): one
 * JSON object a line for each event an operator must be able to account
 * for later: sign-ins, consents, grants created and revoked, code and
 * refresh replays (and the revocation each caused), refreshes, revoked
 * tokens, owners added, removed and disconnected. Fields: time (RFC 3339,
 * UTC, milliseconds), event, result where there is one, client_id,
 * user_id, grant_id, scope, remote_addr, request_id, source, and the
 * CLI's operator (the user who ran it, or sudo's caller); an empty
 * field is left out. Never a password, a code, a token, or the name a
 * failed sign-in typed (owners type passwords into that field too).
 */
#pragma once

#include "events.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace seam {

/* Where an event was seen. */
struct audit_context {
    uint64_t time_ms = 0;          /* since the epoch */
    std::string_view remote_addr;  /* the client's address, or "" */
    std::string_view request_id;   /* nginx's $request_id, or "" */
    std::string_view source = "nginx";   /* or "cli" */
    std::string_view operator_name;      /* the CLI's: who ran it */
};

/* Whether the event goes to the audit log (metrics count them all). */
bool audited(event_kind kind);

/* The event's line, newline included; "" when it is not audited. */
std::string audit_line(const event &e, const audit_context &ctx);

/* 2026-12-01T16:04:05.123Z */
std::string rfc3339_ms(uint64_t time_ms);

}  // namespace seam
