#include "bearer.h"
#include "ascii.h"
#include "scope.h"
#include "tokens.h"

#include <algorithm>
#include <array>

namespace seam {

static const size_t max_token = 512;

/* RFC 6750 §2.1 b64token characters, as a table: one load per byte */
static constexpr std::array<bool, 256> b64token_chars = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; c++) {
        t[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
               || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
               || c == '~' || c == '+' || c == '/';
    }
    return t;
}();

static bool
b64token_char(char c)
{
    return b64token_chars[static_cast<unsigned char>(c)];
}

bearer_header
parse_bearer(std::optional<std::string_view> header,
             std::string_view &token_out)
{
    if (!header) {
        return bearer_header::missing;
    }
    std::string_view h = *header;
    size_t sp = h.find(' ');
    std::string_view scheme = h.substr(0, sp);
    bool is_bearer = scheme.size() == 6
                     && ascii_starts_with_ci(scheme, "bearer");
    if (!is_bearer) {
        return scheme.empty() ? bearer_header::malformed
                              : bearer_header::other_scheme;
    }
    if (sp == std::string_view::npos) {
        return bearer_header::malformed;
    }
    std::string_view token = h.substr(sp + 1);
    size_t end = 0;
    while (end < token.size() && b64token_char(token[end])) {
        end++;
    }
    if (end == 0) {
        return bearer_header::malformed;
    }
    while (end < token.size() && token[end] == '=') {
        end++;
    }
    if (end != token.size() || token.size() > max_token) {
        return bearer_header::malformed;
    }
    token_out = token;
    return bearer_header::token;
}

/* Into `c`, replacing what it held: the reused result's string, so that a
 * denial (the path an attacker chooses) allocates nothing once warm. */
static void
build_challenge(std::string &c, std::string_view realm, oauth_error error,
                std::string_view scope)
{
    c.assign("Bearer realm=\"").append(realm).append("\"");
    if (error != oauth_error::none) {
        c.append(", error=\"").append(wire_name(error)).append("\"");
    }
    /* only a scope of RFC 6749 §3.3's characters: a required scope can
     * come from a variable, and nothing else may reach the header */
    bool plain = !scope.empty();
    for (char ch : scope) {
        plain = plain && (ch == ' ' || (ch >= 0x21 && ch <= 0x7e
                                        && ch != '"' && ch != '\\'));
    }
    if (plain) {
        c.append(", scope=\"").append(scope).append("\"");
    }
}

std::string
bearer_challenge(std::string_view realm, oauth_error error,
                 std::string_view scope)
{
    std::string c;
    build_challenge(c, realm, error, scope);
    return c;
}

bearer_result
check_bearer(store &s, std::optional<std::string_view> header,
             std::string_view realm, uint64_t now,
             std::string_view required_scope)
{
    bearer_result r;
    check_bearer(s, header, realm, now, required_scope, r);
    return r;
}

void
check_bearer(store &s, std::optional<std::string_view> header,
             std::string_view realm, uint64_t now,
             std::string_view required_scope, bearer_result &r)
{
    r.status = 204;
    r.error = oauth_error::none;
    r.challenge.clear();
    /* a denial carries no token, not even the last check's */
    r.token.expires_at = 0;
    r.token.grant_id.clear();
    r.token.user_id.clear();
    r.token.client_id.clear();
    r.token.scope.clear();
    std::string_view token;
    switch (parse_bearer(header, token)) {
    case bearer_header::missing:
    case bearer_header::other_scheme:
        r.status = 401;
        break;
    case bearer_header::malformed:
        r.status = 400;
        r.error = oauth_error::invalid_request;
        break;
    case bearer_header::token:
        if (find_access_token(s, token, now, r.token)) {
            if (scope_within(required_scope, r.token.scope)) {
                return;
            }
            /* RFC 6750 §3.1: 403, naming the scope that is needed */
            r.status = 403;
            r.error = oauth_error::insufficient_scope;
            build_challenge(r.challenge, realm, r.error, required_scope);
            return;
        }
        r.status = 401;
        r.error = oauth_error::invalid_token;
        break;
    }
    build_challenge(r.challenge, realm, r.error, {});
}

static std::string_view
denial_error(const bearer_result &r)
{
    std::string_view error = wire_name(r.error);
    return error.empty() ? std::string_view("-") : error;
}

size_t
denial_size(const bearer_result &r)
{
    return 4 + denial_error(r).size() + 1 + r.challenge.size();
}

char *
write_denial(char *out, const bearer_result &r)
{
    int status = r.status;
    *out++ = static_cast<char>('0' + status / 100 % 10);
    *out++ = static_cast<char>('0' + status / 10 % 10);
    *out++ = static_cast<char>('0' + status % 10);
    *out++ = ' ';
    std::string_view error = denial_error(r);
    out = std::copy(error.begin(), error.end(), out);
    *out++ = ' ';
    return std::copy(r.challenge.begin(), r.challenge.end(), out);
}

std::string_view
denial_challenge(std::string_view denial)
{
    size_t sp = denial.size() > 4 ? denial.find(' ', 4)
                                  : std::string_view::npos;
    return sp == std::string_view::npos ? std::string_view()
                                        : denial.substr(sp + 1);
}

http_answer
denial_answer(std::string_view denial, std::string_view realm)
{
    if (denial.empty()) {
        http_answer a;
        a.status = 403;
        a.body = "{\"error\":\"forbidden\"}";
        a.headers.emplace_back("Cache-Control", "no-store");
        return a;
    }
    int status = 401;
    std::string_view error;
    std::string challenge;
    size_t sp = denial.size() > 4 ? denial.find(' ', 4)
                                  : std::string_view::npos;
    bool digits = denial.size() > 4 && denial[3] == ' ';
    for (size_t i = 0; digits && i < 3; i++) {
        digits = denial[i] >= '0' && denial[i] <= '9';
    }
    if (digits && sp != std::string_view::npos) {
        status = (denial[0] - '0') * 100 + (denial[1] - '0') * 10
                 + (denial[2] - '0');
        error = denial.substr(4, sp - 4);
        challenge = std::string(denial.substr(sp + 1));
    } else {
        challenge = bearer_challenge(realm, oauth_error::none);
    }
    http_answer a;
    a.status = status;
    a.body = error.empty() || error == "-"
             ? "{\"error\":\"unauthorized\"}"
             : "{\"error\":\"" + std::string(error) + "\"}";
    a.headers.emplace_back("WWW-Authenticate", std::move(challenge));
    a.headers.emplace_back("Cache-Control", "no-store");
    return a;
}

}  // namespace seam
