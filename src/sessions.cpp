#include "sessions.h"
#include "owners.h"
#include "secrets.h"

namespace seam {

uint64_t
session_issued_ms(std::string_view cookie)
{
    return issued_ms(key_of(cookie).view());
}

std::optional<std::string>
create_session(store &s, session_record session)
{
    return store_secret(s, table::sessions, encode(session));
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
    /* an owner removed or disconnected since it signed in */
    if (found && owner_access_ended(s, found->user_id,
                                    session_issued_ms(cookie)))
    {
        return std::nullopt;
    }
    return found;
}

}  // namespace seam
