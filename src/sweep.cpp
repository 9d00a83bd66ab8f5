#include "sweep.h"
#include "records.h"
#include "revocation.h"
#include "throttle.h"

#include <functional>

namespace seam {

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
            /* collected in this write transaction: no one else can have
             * changed them since */
            for (const std::string &k : keys) {
                t.del(p.tbl, k);
                (*p.count)++;
            }
            t.commit();
        } while (!from.empty());
    }
    return counts;
}

std::string
describe(const sweep_counts &c)
{
    return std::to_string(c.codes) + " codes, " + std::to_string(c.tokens)
           + " tokens, " + std::to_string(c.grants) + " grants, "
           + std::to_string(c.sessions) + " sessions, "
           + std::to_string(c.throttles) + " throttles";
}

bool
any(const sweep_counts &c)
{
    return c.codes || c.tokens || c.grants || c.sessions || c.throttles;
}

}  // namespace seam
