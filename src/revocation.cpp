#include "revocation.h"
#include "owners.h"
#include "crypto.h"
#include "secrets.h"

#include <algorithm>

namespace seam {

bool
revoke_grant(txn &t, std::string_view grant_id)
{
    auto value = t.get(table::grants, grant_id);
    if (!value) {
        return false;
    }
    auto grant = decode_grant(*value);
    if (grant) {
        for (const token_ref &ref : grant->access_tokens) {
            t.del(table::tokens, ref.hash);
        }
        for (const token_ref &ref : grant->refresh_tokens) {
            t.del(table::refresh, ref.hash);
        }
    }
    t.del(table::grants, grant_id);
    return true;
}

size_t
live_tokens(const grant_record &g, uint64_t now)
{
    return static_cast<size_t>(
        std::count_if(g.access_tokens.begin(), g.access_tokens.end(),
                      [now](const token_ref &r) {
                          return r.expires_at > now;
                      }));
}

bool
grant_alive(const grant_record &g, uint64_t now)
{
    return live_tokens(g, now) != 0
           || std::any_of(g.refresh_tokens.begin(), g.refresh_tokens.end(),
                          [now](const token_ref &r) {
                              return r.expires_at > now;
                          });
}

bool
revoke_token(store &s, std::string_view token, std::string_view client_id,
             revoked_token *what)
{
    const record_key stored = key_of(token);
    std::string_view key = stored.view();
    txn t = s.begin_write();
    bool done = false;
    revoked_token out;
    if (auto v = t.get(table::tokens, key)) {
        auto at = decode_access_token(*v);
        if (at && at->client_id == client_id) {
            out.user_id = at->user_id;
            out.grant_id = hex_encode(at->grant_id);
            done = t.del(table::tokens, key);
        }
    } else if (auto rv = t.get(table::refresh, key)) {
        /* RFC 7009 §2.1: revoking a refresh token ends its grant */
        auto rt = decode_refresh_token(*rv);
        if (rt && rt->client_id == client_id) {
            std::string grant_id = rt->grant_id;
            if (auto gv = t.get(table::grants, grant_id)) {
                if (auto g = decode_grant(*gv)) {
                    out.user_id = g->user_id;
                }
            }
            out.grant_id = hex_encode(grant_id);
            out.whole_grant = true;
            done = revoke_grant(t, grant_id);
            t.del(table::refresh, key);
        }
    }
    t.commit();
    if (done && what) {
        *what = std::move(out);
    }
    return done;
}

token_info
introspect_token(store &s, std::string_view token, uint64_t now)
{
    token_info info;
    const record_key stored = key_of(token);
    std::string_view key = stored.view();
    txn t = s.begin_read();
    if (auto v = t.get(table::tokens, key)) {
        if (auto at = decode_access_token(*v); at && now < at->expires_at) {
            info = {true, false, at->client_id, at->user_id, at->scope,
                    at->expires_at};
        }
        return info;
    }
    auto rv = t.get(table::refresh, key);
    auto rt = rv ? decode_refresh_token(*rv) : std::nullopt;
    if (!rt || now >= rt->expires_at || rt->rotated_at != 0) {
        return info;
    }
    std::string grant_id = rt->grant_id;
    auto gv = t.get(table::grants, grant_id);
    auto grant = gv ? decode_grant(*gv) : std::nullopt;
    if (grant) {
        info = {true, true, rt->client_id, grant->user_id, grant->scope,
                rt->expires_at};
    }
    return info;
}

std::vector<grant_info>
list_grants(store &s, uint64_t now)
{
    std::vector<grant_info> out;
    txn t = s.begin_read();
    t.scan(table::grants, "", [&](std::string_view k, std::string_view v) {
        if (auto g = decode_grant(v)) {
            size_t live = live_tokens(*g, now);
            out.push_back({hex_encode(k), std::move(*g), live});
        }
        return true;
    });
    return out;
}

bool
revoke_grant_hex(store &s, std::string_view grant_id_hex)
{
    auto id = hex_decode(grant_id_hex);
    if (!id) {
        return false;
    }
    txn t = s.begin_write();
    bool found = revoke_grant(t, *id);
    t.commit();
    return found;
}

size_t
revoke_user_grants(store &s, std::string_view user_id)
{
    txn t = s.begin_write();
    size_t n = end_owner_access(t, user_id, now_ms(), false);
    t.commit();
    return n;
}

}  // namespace seam
