#include "cookies.h"
#include "crypto.h"

namespace seam {

std::string_view
cookie_value(std::string_view value, size_t chars)
{
    if (value.size() != chars) {
        return {};
    }
    for (char c : value) {
        if (base64url_value(static_cast<unsigned char>(c)) < 0) {
            return {};
        }
    }
    return value;
}

static bool
safe_path(std::string_view path)
{
    if (path.empty() || path.front() != '/') {
        return false;
    }
    for (unsigned char c : path) {
        if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '"'
            || c == '\\')
        {
            return false;
        }
    }
    return true;
}

std::string
cookie_path(std::string_view uri, std::string_view fallback)
{
    if (safe_path(uri)) {
        return std::string(uri);
    }
    if (safe_path(fallback)) {
        return std::string(fallback);
    }
    return "/";
}

std::string
set_cookie(std::string_view name, std::string_view value, uint64_t max_age,
           same_site site, const cookie_attributes &attributes)
{
    if (cookie_value(value, value.size()).empty()) {
        value = {};
    }
    std::string c(name);
    c.push_back('=');
    c.append(value);
    c.append("; Path=").append(cookie_path(attributes.path, "/"));
    c.append("; Max-Age=").append(std::to_string(max_age));
    c.append("; HttpOnly; SameSite=");
    c.append(site == same_site::strict ? "Strict" : "Lax");
    if (attributes.secure) {
        c.append("; Secure");
    }
    return c;
}

}  // namespace seam
