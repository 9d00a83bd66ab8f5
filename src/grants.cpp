#include "grants.h"
#include "clients.h"
#include "crypto.h"
#include "secrets.h"
#include "throttle.h"

#include <algorithm>

namespace seam {

std::optional<std::string>
issue_code(store &s, code_record code, uint64_t now, uint64_t ttl)
{
    std::string secret = new_secret();
    code.expires_at = now + ttl;
    try {
        txn t = s.begin_write();
        t.put(table::codes, key_of(secret).view(), encode(code));
        t.commit();
    } catch (const store_full &) {
        return std::nullopt;
    }
    return secret;
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

/* Stores `secret` as an access token of `grant` and puts it in `out`. */
static void
add_access_token(txn &t, grant_record &grant, const std::string &grant_id,
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

static void
add_refresh_token(txn &t, grant_record &grant, const std::string &grant_id,
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
            revoke_grant(t, grant_id);
            t.put(table::codes, key, encode(code_tombstone{expires_at, ""}));
            out.replay = true;
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
    if (out.error == oauth_error::none) {
        std::string grant_id = new_record_id(16);
        grant_record grant{code->client_id, code->user_id, code->scope,
                           req.now, {}, {}};
        add_access_token(t, grant, grant_id, new_secret(), req.now,
                         req.access_token_ttl, code->scope, out);
        if (req.refresh_token_ttl != 0) {
            add_refresh_token(t, grant, grant_id, new_secret(), req.now,
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

static redemption
store_full_redemption()
{
    redemption out;
    out.error = oauth_error::temporarily_unavailable;
    out.description = "the token store is full";
    out.store_full = true;
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
    } catch (const store_full &) {
        /* the transaction is gone, and every redemption in it */
        out.assign(reqs.size(), store_full_redemption());
    }
    return out;
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

static size_t
live_tokens(const grant_record &g, uint64_t now)
{
    return static_cast<size_t>(
        std::count_if(g.access_tokens.begin(), g.access_tokens.end(),
                      [now](const token_ref &r) {
                          return r.expires_at > now;
                      }));
}

static bool
grant_alive(const grant_record &g, uint64_t now)
{
    return live_tokens(g, now) != 0
           || std::any_of(g.refresh_tokens.begin(), g.refresh_tokens.end(),
                          [now](const token_ref &r) {
                              return r.expires_at > now;
                          });
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

        /* RFC 6749 §6: a narrower scope may be asked for, never a wider */
        std::string scope = grant->scope;
        if (req.scope) {
            std::vector<std::string> asked, granted;
            if (!split_scope(*req.scope, asked) || asked.empty()) {
                return fail(oauth_error::invalid_scope, "malformed scope");
            }
            split_scope(grant->scope, granted);
            for (const std::string &one : asked) {
                if (std::find(granted.begin(), granted.end(), one)
                    == granted.end())
                {
                    return fail(oauth_error::invalid_scope,
                                "scope exceeds what was granted");
                }
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
            return fail(oauth_error::invalid_grant,
                        "refresh token reused: the grant is revoked");
        }

        prune(*grant, req.now);
        if (req.rotate) {
            add_access_token(t, *grant, grant_id,
                             derive(req.key, "access", req.refresh_token,
                                    req.now),
                             req.now, req.access_token_ttl, scope, out);
            add_refresh_token(t, *grant, grant_id,
                              derive(req.key, "refresh", req.refresh_token,
                                     req.now),
                              req.now, req.refresh_token_ttl, out);
            rt->rotated_at = req.now;
        } else {
            add_access_token(t, *grant, grant_id, new_secret(), req.now,
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
    } catch (const store_full &) {
        out = redemption{};
        out.error = oauth_error::temporarily_unavailable;
        out.description = "the token store is full";
        out.store_full = true;
    }
    return out;
}

bool
revoke_token(store &s, std::string_view token, std::string_view client_id)
{
    const record_key stored = key_of(token);
    std::string_view key = stored.view();
    txn t = s.begin_write();
    bool done = false;
    if (auto v = t.get(table::tokens, key)) {
        auto at = decode_access_token(*v);
        if (at && at->client_id == client_id) {
            done = t.del(table::tokens, key);
        }
    } else if (auto rv = t.get(table::refresh, key)) {
        /* RFC 7009 §2.1: revoking a refresh token ends its grant */
        auto rt = decode_refresh_token(*rv);
        if (rt && rt->client_id == client_id) {
            std::string grant_id = rt->grant_id;
            done = revoke_grant(t, grant_id);
            t.del(table::refresh, key);
        }
    }
    t.commit();
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

std::optional<std::string>
create_session(store &s, session_record session)
{
    std::string secret = new_secret();
    try {
        txn t = s.begin_write();
        t.put(table::sessions, key_of(secret).view(), encode(session));
        t.commit();
    } catch (const store_full &) {
        return std::nullopt;
    }
    return secret;
}

std::optional<session_record>
find_session(store &s, std::string_view cookie, uint64_t now)
{
    std::optional<session_record> found;
    s.read_one(table::sessions, key_of(cookie).view(),
               [&](std::string_view v) { found = decode_session(v); });
    if (found && now >= found->expires_at) {
        return std::nullopt;
    }
    return found;
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

static std::optional<std::string>
hex_decode(std::string_view hex)
{
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) {
        unsigned v = 0;
        for (size_t j = i; j < i + 2; j++) {
            char c = hex[j];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
            else return std::nullopt;
        }
        out.push_back(static_cast<char>(v));
    }
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
    std::vector<std::string> ids;
    txn t = s.begin_write();
    t.scan(table::grants, "", [&](std::string_view k, std::string_view v) {
        auto g = decode_grant(v);
        if (g && g->user_id == user_id) {
            ids.emplace_back(k);
        }
        return true;
    });
    for (const std::string &id : ids) {
        revoke_grant(t, id);
    }
    t.commit();
    return ids.size();
}

/* Collects up to `batch` keys of `tbl` that `expired` selects, from `from`
 * on; returns the key to resume at, or "" when the table is done. */
template <typename Pred>
static std::string
collect(txn &t, table tbl, const std::string &from, size_t batch,
        Pred expired, std::vector<std::string> &keys)
{
    std::string resume;
    size_t visited = 0;
    /* bound the keys visited too: the write lock is held meanwhile */
    t.scan(tbl, from, [&](std::string_view k, std::string_view v) {
        if (keys.size() >= batch || visited++ >= batch * 16) {
            resume = std::string(k);
            return false;
        }
        if (expired(v)) {
            keys.emplace_back(k);
        }
        return true;
    });
    return resume;
}

sweep_counts
sweep_expired(store &s, uint64_t now, size_t batch)
{
    sweep_counts counts;

    auto code_expired = [now](std::string_view v) {
        if (auto c = decode_code(v)) {
            return c->expires_at <= now;
        }
        if (auto stone = decode_tombstone(v)) {
            return stone->expires_at <= now;
        }
        return false;
    };
    auto token_expired = [now](std::string_view v) {
        auto tok = decode_access_token(v);
        return tok && tok->expires_at <= now;
    };
    auto refresh_expired = [now](std::string_view v) {
        auto rt = decode_refresh_token(v);
        return rt && rt->expires_at <= now;
    };
    auto session_expired = [now](std::string_view v) {
        auto session = decode_session(v);
        return session && session->expires_at <= now;
    };
    /* a day covers any sensible throttle window */
    auto throttle_done = [now](std::string_view v) {
        return throttle_expired(v, now, 86400);
    };
    auto grant_dead = [now](std::string_view v) {
        auto g = decode_grant(v);
        return g && !grant_alive(*g, now);
    };

    struct pass {
        table tbl;
        std::function<bool(std::string_view)> expired;
        size_t *count;
    } passes[] = {
        {table::codes, code_expired, &counts.codes},
        {table::tokens, token_expired, &counts.tokens},
        {table::refresh, refresh_expired, &counts.tokens},
        {table::sessions, session_expired, &counts.sessions},
        {table::throttle, throttle_done, &counts.throttles},
        {table::grants, grant_dead, &counts.grants},
    };

    for (const pass &p : passes) {
        std::string from;
        do {
            std::vector<std::string> keys;
            txn t = s.begin_write();
            from = collect(t, p.tbl, from, batch, p.expired, keys);
            for (const std::string &k : keys) {
                /* re-check under this write txn: the value may have changed
                 * since a concurrent writer committed */
                auto v = t.get(p.tbl, k);
                if (v && p.expired(*v)) {
                    t.del(p.tbl, k);
                    (*p.count)++;
                }
            }
            t.commit();
        } while (!from.empty());
    }
    return counts;
}

}  // namespace seam
