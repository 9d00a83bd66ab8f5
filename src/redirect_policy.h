/*
 * Which redirect_uri values a client may use (RFC 6749 §3.1.2, RFC 9700
 * §2.1, RFC 8252 §7.3) and Seam's host pattern: the URI is parsed with
 * liburiparser (RFC 3986) and decided on the parsed parts, and the URI the
 * owner is sent to is rebuilt from the parts that were checked.
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seam {

class redirect_policy {
public:
    // Registers a rule; returns "" or why the rule is refused.
    //  - an absolute URI, compared byte for byte: https, or http on a
    //    loopback host (127.0.0.1 and [::1] may then use any port);
    //  - a host pattern "https://*.example.com/prefix": https on any host
    //    made of one or more DNS labels before ".example.com", no userinfo,
    //    no port, a path under /prefix, any query, no fragment.
    std::string add(std::string_view rule);

    /* The URI to redirect to when `requested` is allowed. */
    std::optional<std::string> match(std::string_view requested) const;

    bool empty() const { return rules_.empty(); }

private:
    struct rule {
        bool pattern = false;
        bool loopback = false;     /* exact http://127.0.0.1 or [::1] */
        std::string uri;           /* exact: the registered URI */
        std::string uri_without_port;   /* loopback: for RFC 8252 §7.3 */
        std::string host_suffix;   /* pattern: ".example.com" */
        std::string path_prefix;   /* pattern: "/" or "/prefix" */
    };

    std::optional<std::string> match_pattern(const rule &r,
                                              std::string_view requested)
        const;

    std::vector<rule> rules_;
};

/* `base` with the pairs appended as a percent-encoded query: after '&'
 * when `base` already has a query, after '?' otherwise. */
std::string
append_query(std::string_view base,
             const std::vector<std::pair<std::string, std::string>> &pairs);

/* Whether `uri`'s query already names a parameter of the authorization
 * response (code, state, error, error_description, error_uri, iss): the
 * client would then see two of it, and many parsers take the first, the
 * attacker's (RFC 9700 §4.1). A name that does not decode counts. */
bool carries_response_parameter(std::string_view uri);

/* Longest redirect_uri considered at all. */
constexpr size_t max_redirect_uri = 2048;

}  // namespace seam
