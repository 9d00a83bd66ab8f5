#include "listing.h"
#include "users.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <map>

namespace seam {

std::string
format_time(uint64_t t)
{
    char buf[32];
    time_t tt = static_cast<time_t>(t);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::vector<grant_row>
grant_rows(store &s, uint64_t now, const grant_filter &filter)
{
    std::map<std::string, std::string> email_of;
    for (const auto &[email, u] : list_users(s)) {
        email_of[u.user_id] = email;
    }
    /* by e-mail as grant revoke --user takes it, else by user_id */
    std::string user_id = filter.user;
    if (!filter.user.empty()) {
        if (auto u = find_user(s, filter.user)) {
            user_id = u->user_id;
        }
    }
    std::vector<grant_row> rows;
    for (grant_info &g : list_grants(s, now)) {
        if ((!user_id.empty() && g.grant.user_id != user_id)
            || (!filter.client_id.empty()
                && g.grant.client_id != filter.client_id))
        {
            continue;
        }
        auto e = email_of.find(g.grant.user_id);
        rows.push_back({std::move(g), e == email_of.end() ? "" : e->second});
    }
    return rows;
}

std::string
grant_line(const grant_row &r)
{
    const grant_record &g = r.info.grant;
    return r.info.grant_id + "\t" + g.client_id + "\t"
           + (r.email.empty() ? "-" : r.email) + "\t" + g.user_id + "\t"
           + (g.scope.empty() ? "-" : g.scope) + "\t"
           + format_time(g.created_at) + "\t"
           + std::to_string(r.info.live_tokens) + " live token(s)";
}

std::string
grants_json(const std::vector<grant_row> &rows)
{
    nlohmann::json out = nlohmann::json::array();
    for (const grant_row &r : rows) {
        const grant_record &g = r.info.grant;
        out.push_back({
            {"grant_id", r.info.grant_id},
            {"client_id", g.client_id},
            {"email", r.email.empty() ? nlohmann::json(nullptr)
                                      : nlohmann::json(r.email)},
            {"user_id", g.user_id},
            {"scope", g.scope},
            {"created_at", format_time(g.created_at)},
            {"live_tokens", r.info.live_tokens},
        });
    }
    /* strings the owners chose (e-mails, ids) may be any bytes: replaced
     * rather than thrown on when they are not UTF-8 */
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace seam
