#include "owners.h"
#include "records.h"
#include "revocation.h"

#include <string>
#include <vector>

namespace seam {

static bool
ended(const std::optional<owner_record> &o, uint64_t issued_ms)
{
    return o && (o->removed || issued_ms <= o->revoked_at);
}

size_t
end_owner_access(txn &t, std::string_view user_id, uint64_t now_ms,
                 bool removed)
{
    t.put(table::owners, user_id, encode(owner_record{now_ms, removed}));

    std::vector<std::string> grants, sessions;
    t.scan(table::grants, "", [&](std::string_view k, std::string_view v) {
        auto g = decode_grant(v);
        if (g && g->user_id == user_id) {
            grants.emplace_back(k);
        }
        return true;
    });
    t.scan(table::sessions, "", [&](std::string_view k, std::string_view v) {
        auto s = decode_session(v);
        if (s && s->user_id == user_id) {
            sessions.emplace_back(k);
        }
        return true;
    });
    for (const std::string &id : grants) {
        revoke_grant(t, id);
    }
    for (const std::string &key : sessions) {
        t.del(table::sessions, key);
    }
    return grants.size();
}

void
start_owner_access(txn &t, std::string_view user_id, uint64_t now_ms)
{
    if (t.get(table::owners, user_id)) {
        t.put(table::owners, user_id, encode(owner_record{now_ms, false}));
    }
}

bool
owner_access_ended(txn &t, std::string_view user_id, uint64_t issued_ms)
{
    auto v = t.get(table::owners, user_id);
    return v && ended(decode_owner(*v), issued_ms);
}

bool
owner_access_ended(store &s, std::string_view user_id, uint64_t issued_ms)
{
    std::optional<owner_record> o;
    s.read_one(table::owners, user_id,
               [&](std::string_view v) { o = decode_owner(v); });
    return ended(o, issued_ms);
}

}  // namespace seam
