#include "tokens.h"
#include "crypto.h"
#include "owners.h"
#include "revocation.h"
#include "scope.h"
#include "secrets.h"

#include <algorithm>

namespace seam {

redemption
store_full_redemption(store &s, std::string why)
{
    redemption out;
    out.error = oauth_error::temporarily_unavailable;
    out.description = "the token store cannot be written";
    out.store_full = true;
    out.store_message = why.empty() ? s.full_message() : std::move(why);
    return out;
}

void
mint_access_token(txn &t, grant_record &grant, const std::string &grant_id,
                 std::string secret, uint64_t now, uint64_t ttl,
                 const std::string &scope, redemption &out)
{
    std::string key = key_of(secret).str();
    out.access_token = std::move(secret);
    out.token = {now + ttl, grant_id, grant.user_id, grant.client_id, scope};
    out.expires_in = ttl;
    t.put(table::tokens, key, encode(out.token));
    grant.access_tokens.push_back({key, out.token.expires_at});
}

void
mint_refresh_token(txn &t, grant_record &grant, const std::string &grant_id,
                  std::string secret, uint64_t now, uint64_t ttl,
                  redemption &out)
{
    std::string key = key_of(secret).str();
    out.refresh_token = std::move(secret);
    refresh_token_record rt{now + ttl, grant_id, grant.client_id, 0};
    t.put(table::refresh, key, encode(rt));
    grant.refresh_tokens.push_back({key, rt.expires_at});
}

/* Drops references to tokens that have expired (the sweeper deletes the
 * records), so a grant refreshed for years stays small. */
static void
prune(grant_record &g, uint64_t now)
{
    auto dead = [now](const token_ref &r) { return r.expires_at <= now; };
    g.access_tokens.erase(std::remove_if(g.access_tokens.begin(),
                                         g.access_tokens.end(), dead),
                          g.access_tokens.end());
    g.refresh_tokens.erase(std::remove_if(g.refresh_tokens.begin(),
                                          g.refresh_tokens.end(), dead),
                           g.refresh_tokens.end());
}

bool
find_access_token(store &s, std::string_view token, uint64_t now,
                  access_token_record &out)
{
    record_key key = key_of(token);
    bool live = false;
    /* one capture, so std::function keeps it inline */
    struct {
        uint64_t now;
        access_token_record *out;
        bool *live;
    } call{now, &out, &live};
    s.read_one(table::tokens, key.view(),
               [&call](std::string_view value) {
                   access_token_view v;
                   if (!decode_access_token(value, v)
                       || call.now >= v.expires_at)
                   {
                       return;
                   }
                   access_token_record &r = *call.out;
                   r.expires_at = v.expires_at;
                   r.grant_id.assign(v.grant_id);
                   r.user_id.assign(v.user_id);
                   r.client_id.assign(v.client_id);
                   r.scope.assign(v.scope);
                   *call.live = true;
               });
    return live;
}

std::optional<access_token_record>
find_access_token(store &s, std::string_view token, uint64_t now)
{
    access_token_record r;
    if (!find_access_token(s, token, now, r)) {
        return std::nullopt;
    }
    return r;
}

/* A rotated pair, derived from the refresh token it replaces so that a
 * replay in the grace window can be answered with the same pair: the
 * rotation's time (in seconds, kept in the old refresh token's record)
 * and an HMAC of the old token. */
static std::string
derive(std::string_view key, std::string_view label,
       std::string_view refresh_token, uint64_t rotated_at)
{
    std::string message = "seam-oauth rotation v1 ";
    message.append(label);
    message.push_back('\0');
    message.append(refresh_token);
    return make_secret(rotated_at * 1000, hmac_sha256(key, message));
}

redemption
refresh_grant(store &s, const refresh_request &req)
{
    redemption out;
    auto fail = [&out](oauth_error e, std::string why) {
        out.error = e;
        out.description = std::move(why);
        return out;
    };

    try {
        txn t = s.begin_write();
        const record_key stored = key_of(req.refresh_token);
        std::string_view key = stored.view();
        auto value = t.get(table::refresh, key);
        auto rt = value ? decode_refresh_token(*value) : std::nullopt;
        if (!rt || req.now >= rt->expires_at) {
            return fail(oauth_error::invalid_grant,
                        "unknown or expired refresh token");
        }
        if (rt->client_id != req.client_id) {
            return fail(oauth_error::invalid_grant,
                        "the refresh token was issued to another client");
        }
        std::string grant_id = rt->grant_id;
        auto gv = t.get(table::grants, grant_id);
        auto grant = gv ? decode_grant(*gv) : std::nullopt;
        if (!grant) {
            return fail(oauth_error::invalid_grant, "the grant was revoked");
        }
        if (owner_access_ended(t, grant->user_id, record_id_ms(grant_id))) {
            revoke_grant(t, grant_id);
            t.commit();
            return fail(oauth_error::invalid_grant,
                        "the owner's access was revoked");
        }

        /* RFC 6749 §6: a narrower scope may be asked for, never a wider */
        std::string scope = grant->scope;
        if (req.scope) {
            std::vector<std::string> asked;
            if (!split_scope(*req.scope, asked) || asked.empty()) {
                return fail(oauth_error::invalid_scope, "malformed scope");
            }
            if (!scope_within(*req.scope, grant->scope)) {
                return fail(oauth_error::invalid_scope,
                            "scope exceeds what was granted");
            }
            scope = *req.scope;
        }

        if (rt->rotated_at != 0) {
            /* compared without subtracting: workers' clocks may differ by a
             * second, and a replay "before" the rotation is in the window */
            if (req.rotate && req.now <= rt->rotated_at + req.grace) {
                /* the same pair again: concurrent refreshes agree */
                std::string at = derive(req.key, "access", req.refresh_token,
                                        rt->rotated_at);
                auto atv = t.get(table::tokens, key_of(at).view());
                auto rec = atv ? decode_access_token(*atv) : std::nullopt;
                if (!rec || req.now >= rec->expires_at) {
                    return fail(oauth_error::invalid_grant,
                                "the refresh token was replaced");
                }
                out.access_token = at;
                out.token = *rec;
                out.expires_in = rec->expires_at - req.now;
                out.refresh_token = derive(req.key, "refresh",
                                           req.refresh_token, rt->rotated_at);
                return out;
            }
            revoke_grant(t, grant_id);
            t.commit();
            out.replay = true;
            out.revoked_grant = grant_id;
            out.token.user_id = grant->user_id;
            return fail(oauth_error::invalid_grant,
                        "refresh token reused: the grant is revoked");
        }

        prune(*grant, req.now);
        if (req.rotate) {
            mint_access_token(t, *grant, grant_id,
                             derive(req.key, "access", req.refresh_token,
                                    req.now),
                             req.now, req.access_token_ttl, scope, out);
            mint_refresh_token(t, *grant, grant_id,
                              derive(req.key, "refresh", req.refresh_token,
                                     req.now),
                              req.now, req.refresh_token_ttl, out);
            rt->rotated_at = req.now;
        } else {
            mint_access_token(t, *grant, grant_id, new_secret(), req.now,
                             req.access_token_ttl, scope, out);
            out.refresh_token = req.refresh_token;
            rt->expires_at = req.now + req.refresh_token_ttl;
            for (token_ref &ref : grant->refresh_tokens) {
                if (ref.hash == key) {
                    ref.expires_at = rt->expires_at;
                }
            }
        }
        t.put(table::refresh, key, encode(*rt));
        t.put(table::grants, grant_id, encode(*grant));
        t.commit();
    } catch (const store_error &e) {
        out = store_full_redemption(s, s.write_failure(e));
    }
    return out;
}

}  // namespace seam
