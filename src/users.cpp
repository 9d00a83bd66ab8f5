#include "users.h"
#include "ascii.h"
#include "crypto.h"
#include "owners.h"
#include "secrets.h"

namespace seam {

std::string
normalize_email(std::string_view email)
{
    return ascii_lower(email);
}

bool
valid_email(std::string_view email)
{
    if (email.size() < 3 || email.size() > 254) {
        return false;
    }
    size_t at = email.find('@');
    if (at == 0 || at == std::string_view::npos || at == email.size() - 1) {
        return false;
    }
    for (unsigned char c : email) {
        if (c <= 0x20 || c >= 0x7f) {
            return false;
        }
    }
    return true;
}

/* Whether an owner of the store has `user_id`; owners are few, and added
 * by hand: a scan in the adding transaction. */
static bool
id_taken(txn &t, std::string_view user_id)
{
    bool taken = false;
    t.scan(table::users, "", [&](std::string_view, std::string_view v) {
        auto u = decode_user(v);
        taken = u && u->user_id == user_id;
        return !taken;
    });
    return taken;
}

user_change
add_user(store &s, std::string_view email, const std::string &password_hash,
         uint64_t now, std::string *user_id_out, std::string_view user_id)
{
    std::string key = normalize_email(email);
    try {
        txn t = s.begin_write();
        if (t.get(table::users, key)) {
            return user_change::exists;
        }
        if (!user_id.empty() && id_taken(t, user_id)) {
            return user_change::id_taken;
        }
        user_record u{user_id.empty() ? "u_" + hex_encode(random_bytes(16))
                                      : std::string(user_id),
                      password_hash, now};
        t.put(table::users, key, encode(u));
        start_owner_access(t, u.user_id, now_ms());
        t.commit();
        if (user_id_out) {
            *user_id_out = u.user_id;
        }
    } catch (const store_full &) {
        return user_change::full;
    }
    return user_change::done;
}

user_change
set_password(store &s, std::string_view email,
             const std::string &password_hash)
{
    std::string key = normalize_email(email);
    try {
        txn t = s.begin_write();
        auto value = t.get(table::users, key);
        auto u = value ? decode_user(*value) : std::nullopt;
        if (!u) {
            return user_change::not_found;
        }
        u->password_hash = password_hash;
        t.put(table::users, key, encode(*u));
        t.commit();
    } catch (const store_full &) {
        return user_change::full;
    }
    return user_change::done;
}

user_change
remove_user(store &s, std::string_view email)
{
    std::string key = normalize_email(email);
    txn t = s.begin_write();
    auto value = t.get(table::users, key);
    auto u = value ? decode_user(*value) : std::nullopt;
    if (!u) {
        return user_change::not_found;
    }
    std::string user_id = u->user_id;
    t.del(table::users, key);
    /* its grants, sessions and codes, in the same transaction: none of
     * them outlives the account */
    end_owner_access(t, user_id, now_ms(), true);
    t.commit();
    return user_change::done;
}

std::optional<user_record>
find_user(store &s, std::string_view email)
{
    txn t = s.begin_read();
    auto value = t.get(table::users, normalize_email(email));
    return value ? decode_user(*value) : std::nullopt;
}

std::vector<std::pair<std::string, user_record>>
list_users(store &s)
{
    std::vector<std::pair<std::string, user_record>> out;
    txn t = s.begin_read();
    t.scan(table::users, "", [&](std::string_view k, std::string_view v) {
        if (auto u = decode_user(v)) {
            out.emplace_back(std::string(k), std::move(*u));
        }
        return true;
    });
    return out;
}

}  // namespace seam
