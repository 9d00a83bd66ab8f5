#include "csrf.h"
#include "crypto.h"

#include <algorithm>

namespace seam {

std::string
load_server_key(store &s)
{
    txn t = s.begin_write();
    if (auto key = t.get(table::meta, "csrf_key")) {
        return std::string(*key);
    }
    std::string key = random_bytes(32);
    t.put(table::meta, "csrf_key", key);
    t.commit();
    return key;
}

/* Each field length-prefixed, so that no two requests share a text. */
static std::string
csrf_message(std::string_view nonce, uint64_t issued,
             const authorization_request &r)
{
    std::string m = "seam-oauth csrf v1";
    for (std::string_view field :
         {nonce, std::string_view(r.client->id),
          std::string_view(r.redirect_uri), std::string_view(r.state),
          std::string_view(r.scope), std::string_view(r.code_challenge)})
    {
        m.append(std::to_string(field.size()));
        m.push_back(':');
        m.append(field);
    }
    m.append(std::to_string(issued));
    return m;
}

std::string
csrf_token(std::string_view key, std::string_view nonce, uint64_t now,
           const authorization_request &r)
{
    return std::to_string(now) + "."
           + base64url_encode(hmac_sha256(key, csrf_message(nonce, now, r)));
}

bool
csrf_valid(std::string_view key, std::string_view nonce,
           std::string_view token, uint64_t now, uint64_t ttl,
           const authorization_request &r)
{
    size_t dot = token.find('.');
    if (nonce.empty() || dot == 0 || dot == std::string_view::npos
        || dot > 19)
    {
        return false;
    }
    uint64_t issued = 0;
    for (char c : token.substr(0, dot)) {
        if (c < '0' || c > '9') {
            return false;
        }
        issued = issued * 10 + static_cast<uint64_t>(c - '0');
    }
    if (issued > now + 60 || now - std::min(now, issued) > ttl) {
        return false;
    }
    std::string expected = base64url_encode(
        hmac_sha256(key, csrf_message(nonce, issued, r)));
    return constant_time_equal(expected, token.substr(dot + 1));
}

/* "scheme://authority" with an http(s) scheme: the authority, else "". */
static std::string_view
authority_of(std::string_view url)
{
    size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return {};
    }
    std::string_view scheme = url.substr(0, sep);
    if (scheme != "https" && scheme != "http") {
        return {};
    }
    std::string_view rest = url.substr(sep + 3);
    return rest.substr(0, rest.find('/'));
}

source_verdict
judge_form_source(const form_source &s)
{
    if (s.fetch_site
        && (*s.fetch_site == "cross-site" || *s.fetch_site == "same-site"))
    {
        return source_verdict::cross_site;
    }
    if (!s.origin || *s.origin == "null") {
        return source_verdict::unknown;
    }
    /* an Origin is scheme://host[:port] and nothing more (RFC 6454 §7) */
    std::string_view origin = *s.origin;
    std::string_view authority = authority_of(origin);
    if (authority.empty() || authority.size() + origin.find("://") + 3
                                 != origin.size())
    {
        return source_verdict::cross_site;
    }
    if (!s.host.empty() && authority == s.host) {
        return source_verdict::same_origin;
    }
    if (!s.issuer.empty() && authority == authority_of(s.issuer)) {
        return source_verdict::same_origin;
    }
    return source_verdict::cross_site;
}

}  // namespace seam
