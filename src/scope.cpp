#include "scope.h"

namespace seam {

bool
split_scope(std::string_view scope, std::vector<std::string> &out)
{
    out.clear();
    if (scope.empty()) {
        return true;
    }
    size_t pos = 0;
    for (;;) {
        size_t sp = scope.find(' ', pos);
        std::string_view token = scope.substr(pos, sp - pos);
        if (token.empty()) {
            return false;
        }
        for (unsigned char c : token) {
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        out.emplace_back(token);
        if (sp == std::string_view::npos) {
            return true;
        }
        pos = sp + 1;
    }
}

std::string
join_scope(const std::vector<std::string> &scopes)
{
    std::string out;
    for (const std::string &s : scopes) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out.append(s);
    }
    return out;
}

/* Whether `list` (space-separated) holds `one`. */
static bool
contains(std::string_view list, std::string_view one)
{
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t sp = list.find(' ', pos);
        if (list.substr(pos, sp - pos) == one) {
            return true;
        }
        if (sp == std::string_view::npos) {
            return false;
        }
        pos = sp + 1;
    }
    return false;
}

bool
scope_within(std::string_view asked, std::string_view allowed)
{
    size_t pos = 0;
    while (pos < asked.size()) {
        size_t sp = asked.find(' ', pos);
        std::string_view one = asked.substr(pos, sp - pos);
        if (!one.empty() && !contains(allowed, one)) {
            return false;
        }
        if (sp == std::string_view::npos) {
            break;
        }
        pos = sp + 1;
    }
    return true;
}

}  // namespace seam
