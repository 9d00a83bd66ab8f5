/*
 * What the operator's CLI lists: grants (all, or those of one owner or
 * one client), as the tab-separated lines scripts already parse or as
 * JSON, and the times it shows.
 */
#pragma once

#include "revocation.h"
#include "store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace seam {

/* `t` (seconds since the epoch) as 2025-01-31T12:00:00Z */
std::string format_time(uint64_t t);

struct grant_filter {
    /* an owner's e-mail (an account of the store) or, when no account
     * has it, a user_id (a device cloud's, say); "" for every owner */
    std::string user;
    std::string client_id;          /* "" for every client */
};

struct grant_row {
    grant_info info;
    std::string email;              /* the owner's account, "" when none */
};

/* The grants `filter` selects, in the store's order (by grant id). */
std::vector<grant_row> grant_rows(store &s, uint64_t now,
                                  const grant_filter &filter);

/* grant id, client, e-mail ("-" for none), user_id, scope ("-" for
 * none), creation time, "N live token(s)": tab-separated, no newline */
std::string grant_line(const grant_row &r);

/* One JSON array, an object per grant: grant_id, client_id, email (null
 * for none), user_id, scope (a string, "" for none), created_at (as
 * format_time), live_tokens (a number). */
std::string grants_json(const std::vector<grant_row> &rows);

}  // namespace seam
