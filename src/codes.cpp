#include "codes.h"
#include "crypto.h"
#include "owners.h"
#include "revocation.h"
#include "secrets.h"

#include <algorithm>

namespace seam {

std::optional<std::string>
issue_code(store &s, code_record code, uint64_t now, uint64_t ttl)
{
    code.expires_at = now + ttl;
    return store_secret(s, table::codes, encode(code));
}

bool
valid_code_verifier(std::string_view v)
{
    if (v.size() < 43 || v.size() > 128) {
        return false;
    }
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
               || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
               || c == '~';
    });
}

bool
valid_code_challenge(std::string_view c)
{
    return c.size() == 43 && base64url_decode(c).has_value();
}

std::string
s256_challenge(std::string_view verifier)
{
    return base64url_encode(sha256(verifier));
}

/* The checks of RFC 6749 §4.1.3 and RFC 7636 §4.6 on a live code. */
static oauth_error
check_code(const code_record &code, const redemption_request &req,
           std::string &why)
{
    if (req.now >= code.expires_at) {
        why = "the authorization code has expired";
        return oauth_error::invalid_grant;
    }
    if (code.client_id != req.client_id) {
        why = "the authorization code was issued to another client";
        return oauth_error::invalid_grant;
    }
    if (req.redirect_uri ? *req.redirect_uri != code.redirect_uri
                         : !req.redirect_uri_optional)
    {
        why = "redirect_uri does not match the authorization request";
        return oauth_error::invalid_grant;
    }
    if (code.code_challenge.empty()) {
        if (req.code_verifier) {
            why = "code_verifier sent but no code_challenge was";
            return oauth_error::invalid_grant;
        }
        return oauth_error::none;
    }
    if (!req.code_verifier || !valid_code_verifier(*req.code_verifier)
        || !constant_time_equal(s256_challenge(*req.code_verifier),
                                code.code_challenge))
    {
        why = "code_verifier does not match the code_challenge";
        return oauth_error::invalid_grant;
    }
    return oauth_error::none;
}

/* One redemption inside the caller's write transaction. */
static redemption
redeem_in(txn &t, const redemption_request &req)
{
    redemption out;
    const record_key stored = key_of(req.code);
    std::string_view key = stored.view();

    auto value = t.get(table::codes, key);
    if (!value) {
        out.error = oauth_error::invalid_grant;
        out.description = "unknown authorization code";
        return out;
    }

    if (kind_of(*value) == record_kind::code_tombstone) {
        auto stone = decode_tombstone(*value);
        if (stone && !stone->grant_id.empty()) {
            std::string grant_id = stone->grant_id;
            uint64_t expires_at = stone->expires_at;
            if (auto gv = t.get(table::grants, grant_id)) {
                if (auto g = decode_grant(*gv)) {
                    out.token.user_id = g->user_id;   /* for the audit */
                }
            }
            revoke_grant(t, grant_id);
            t.put(table::codes, key, encode(code_tombstone{expires_at, ""}));
            out.replay = true;
            out.revoked_grant = grant_id;
        }
        out.error = oauth_error::invalid_grant;
        out.description = "authorization code already used";
        return out;
    }

    auto code = decode_code(*value);
    if (!code) {
        throw store_error("undecodable code record", 0);
    }

    code_tombstone stone{code->expires_at, ""};
    out.error = check_code(*code, req, out.description);
    if (out.error == oauth_error::none
        && owner_access_ended(t, code->user_id, issued_ms(key)))
    {
        out.error = oauth_error::invalid_grant;
        out.description = "the owner's access was revoked";
    }
    if (out.error == oauth_error::none) {
        std::string grant_id = new_record_id(16);
        grant_record grant{code->client_id, code->user_id, code->scope,
                           req.now, {}, {}};
        mint_access_token(t, grant, grant_id, new_secret(), req.now,
                         req.access_token_ttl, code->scope, out);
        if (req.refresh_token_ttl != 0) {
            mint_refresh_token(t, grant, grant_id, new_secret(), req.now,
                              req.refresh_token_ttl, out);
        }
        t.put(table::grants, grant_id, encode(grant));
        stone.grant_id = grant_id;
    }
    /* a code is single-use whatever the outcome: a failed PKCE check
     * must not leave it open to another guess */
    t.put(table::codes, key, encode(stone));
    return out;
}

redemption
redeem_code(store &s, const redemption_request &req)
{
    return redeem_codes(s, {req}).front();
}

std::vector<redemption>
redeem_codes(store &s, const std::vector<redemption_request> &reqs)
{
    return redeem_codes(s, [&reqs](std::vector<redemption_request> &out) {
        out = reqs;
    });
}

std::vector<redemption>
redeem_codes(store &s,
             const std::function<void(std::vector<redemption_request> &)>
                 &collect)
{
    std::vector<redemption_request> reqs;
    std::vector<redemption> out;
    try {
        txn t = s.begin_write();
        collect(reqs);
        out.reserve(reqs.size());
        for (const redemption_request &req : reqs) {
            out.push_back(redeem_in(t, req));
        }
        t.commit();
    } catch (const store_error &e) {
        /* the transaction is gone, and every redemption in it: full, a
         * full disk or an I/O error */
        out.assign(reqs.size(), store_full_redemption(s, s.write_failure(e)));
    }
    return out;
}

}  // namespace seam
