#include "login_check.h"

#include <nlohmann/json.hpp>

namespace seam {

using json = nlohmann::json;

bool
valid_identifier(std::string_view identifier)
{
    if (identifier.empty() || identifier.size() > 256) {
        return false;
    }
    for (unsigned char c : identifier) {
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

bool
valid_user_id(std::string_view user_id)
{
    if (user_id.empty() || user_id.size() > 255 || user_id.front() == ' '
        || user_id.back() == ' ')
    {
        return false;
    }
    for (unsigned char c : user_id) {
        if (c < 0x20 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

std::string
login_check_body(std::string_view identifier, std::string_view password,
                 std::string_view client_id)
{
    json body = {{"email", std::string(identifier)},
                 {"password", std::string(password)},
                 {"client_id", std::string(client_id)}};
    try {
        /* UTF-8 as typed (ensure_ascii off); not UTF-8: no account */
        return body.dump(-1, ' ', false, json::error_handler_t::strict);
    } catch (const json::exception &) {
        return "";
    }
}

static account_check
unavailable(std::string why)
{
    account_check c;
    c.result = account_check::verdict::unavailable;
    c.why = "the login check " + std::move(why);
    return c;
}

account_check
login_check_verdict(const login_check_answer &answer, std::string_view field)
{
    int status = answer.status;
    if (answer.nginx_status) {
        /* nginx's error log says why, in the line before ours */
        return unavailable("could not be reached: nginx answered "
                           + std::to_string(answer.nginx_status)
                           + " in its place");
    }
    if (status == 401 || status == 403 || status == 404) {
        return account_check{};   /* wrong credentials */
    }
    if (status < 200 || status > 299) {
        return unavailable(status == 0 ? "gave no answer"
                           : "answered " + std::to_string(status));
    }
    std::string_view body = answer.body;
    if (!answer.whole || body.size() > login_check_max_answer) {
        return unavailable("answered " + std::to_string(status)
                           + " with a body that could not be read whole "
                             "(at most "
                           + std::to_string(login_check_max_answer)
                           + " bytes are, with subrequest_output_buffer_size "
                             "16k in its location)");
    }
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return unavailable("answered " + std::to_string(status)
                           + " without a JSON object");
    }
    auto it = doc.find(std::string(field));
    std::string id;
    if (it != doc.end() && it->is_string()) {
        id = it->get<std::string>();
    } else if (it != doc.end() && it->is_number_unsigned()) {
        id = std::to_string(it->get<uint64_t>());
    } else if (it != doc.end() && it->is_number_integer()) {
        id = std::to_string(it->get<int64_t>());
    }
    if (!valid_user_id(id)) {
        return unavailable("answered " + std::to_string(status) + " without "
                           "a usable \"" + std::string(field)
                           + "\" (a string of 1 to 255 printable ASCII "
                             "characters, or an integer)");
    }
    account_check c;
    c.result = account_check::verdict::ok;
    c.user_id = std::move(id);
    return c;
}

}  // namespace seam
