#include "redirect_policy.h"
#include "form.h"

#include <idn2.h>
#include <uriparser/Uri.h>

namespace seam {

namespace {

/* A parse of one URI by liburiparser, freed on scope exit. */
class parsed_uri {
public:
    explicit parsed_uri(std::string_view text) : text_(text)
    {
        const char *error_pos = nullptr;
        ok_ = text.size() <= max_redirect_uri
              && uriParseSingleUriExA(&uri_, text.data(),
                                      text.data() + text.size(), &error_pos)
                 == URI_SUCCESS;
    }
    ~parsed_uri() { uriFreeUriMembersA(&uri_); }
    parsed_uri(const parsed_uri &) = delete;
    parsed_uri &operator=(const parsed_uri &) = delete;

    bool ok() const { return ok_; }
    const UriUriA &uri() const { return uri_; }

    static bool present(const UriTextRangeA &r) { return r.first != nullptr; }
    static std::string_view view(const UriTextRangeA &r)
    {
        if (r.first == nullptr) {
            return {};
        }
        return {r.first, static_cast<size_t>(r.afterLast - r.first)};
    }

    /* The path as written: from the end of the authority to '?' or '#'. */
    std::string_view raw_path() const
    {
        const char *start = uri_.portText.first ? uri_.portText.afterLast
                                                : uri_.hostText.afterLast;
        if (start == nullptr) {
            return {};
        }
        if (uri_.hostData.ip6 != nullptr || present(uri_.hostData.ipFuture)) {
            if (uri_.portText.first == nullptr) {
                start++;    /* the closing ']' */
            }
        }
        const char *end = text_.data() + text_.size();
        std::string_view rest(start, static_cast<size_t>(end - start));
        size_t stop = rest.find_first_of("?#");
        return rest.substr(0, stop);
    }

private:
    std::string_view text_;
    UriUriA uri_{};
    bool ok_ = false;
};

bool
is_loopback_host(const parsed_uri &p)
{
    std::string_view host = parsed_uri::view(p.uri().hostText);
    return (p.uri().hostData.ip4 != nullptr && host == "127.0.0.1")
           || (p.uri().hostData.ip6 != nullptr && host == "::1");
}

bool
is_dns_label(std::string_view label)
{
    if (label.empty() || label.size() > 63 || label.front() == '-'
        || label.back() == '-')
    {
        return false;
    }
    for (char c : label) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
        /* "--" there marks an IDNA A-label (RFC 5891 §4.2.3.1): only a
         * valid one, which libidn2 decodes and encodes back unchanged, is
         * a host a browser will go to */
        std::string text(label);
        uint8_t *out = nullptr;
        int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t *>(
                                    text.c_str()),
                                &out,
                                IDN2_NONTRANSITIONAL | IDN2_ALABEL_ROUNDTRIP);
        bool ok = rc == IDN2_OK && out != nullptr
                  && text == reinterpret_cast<const char *>(out);
        idn2_free(out);
        return ok && label.substr(0, 4) == "xn--";
    }
    return true;
}

/* One or more lower-case ASCII DNS labels joined by dots. */
bool
is_dns_name(std::string_view name)
{
    if (name.empty() || name.size() > 253) {
        return false;
    }
    size_t pos = 0;
    for (;;) {
        size_t dot = name.find('.', pos);
        if (!is_dns_label(name.substr(pos, dot - pos))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        pos = dot + 1;
    }
}

/* A path segment that is "." or ".." once "%2e" is read as '.'. */
bool
is_dot_segment(std::string_view segment)
{
    std::string plain;
    for (size_t i = 0; i < segment.size(); i++) {
        if (segment[i] == '%' && i + 2 < segment.size()
            && segment[i + 1] == '2'
            && (segment[i + 2] == 'e' || segment[i + 2] == 'E'))
        {
            plain.push_back('.');
            i += 2;
        } else {
            plain.push_back(segment[i]);
        }
    }
    return plain == "." || plain == "..";
}

bool
path_is_plain(std::string_view path)
{
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t slash = path.find('/', pos);
        std::string_view segment = path.substr(pos, slash - pos);
        if (is_dot_segment(segment)) {
            return false;
        }
        if (slash == std::string_view::npos) {
            break;
        }
        pos = slash + 1;
    }
    /* an encoded '/' or '\' could move a path out of its prefix */
    for (size_t i = 0; i + 2 < path.size(); i++) {
        if (path[i] == '%') {
            std::string_view hex = path.substr(i + 1, 2);
            if (hex == "2f" || hex == "2F" || hex == "5c" || hex == "5C") {
                return false;
            }
        }
    }
    return true;
}

/* The URI as written without ":port" (RFC 8252 §7.3 lets only the port of
 * a loopback redirect vary). */
std::string
without_port(std::string_view text, const parsed_uri &p)
{
    if (!parsed_uri::present(p.uri().portText)) {
        return std::string(text);
    }
    const char *colon = p.uri().portText.first - 1;
    std::string out(text.data(), static_cast<size_t>(colon - text.data()));
    out.append(p.uri().portText.afterLast,
               static_cast<size_t>(text.data() + text.size()
                                   - p.uri().portText.afterLast));
    return out;
}

}  // namespace

std::string
redirect_policy::add(std::string_view text)
{
    static const std::string_view pattern_head = "https://*.";

    if (text.substr(0, pattern_head.size()) == pattern_head) {
        std::string_view rest = text.substr(pattern_head.size());
        size_t slash = rest.find('/');
        std::string_view host = rest.substr(0, slash);
        std::string_view prefix = slash == std::string_view::npos
                                  ? std::string_view("/")
                                  : rest.substr(slash);
        if (!is_dns_name(host) || host.find('.') == std::string_view::npos) {
            return "a host pattern needs a lower-case DNS name with at least "
                   "two labels after \"*.\"";
        }
        if (prefix.find_first_of("?#%\\") != std::string_view::npos
            || !path_is_plain(prefix))
        {
            return "a host pattern's path must be a plain path prefix";
        }
        rule r;
        r.pattern = true;
        r.host_suffix = "." + std::string(host);
        r.path_prefix = std::string(prefix);
        rules_.push_back(std::move(r));
        return "";
    }

    parsed_uri p(text);
    if (!p.ok() || !parsed_uri::present(p.uri().scheme)
        || !parsed_uri::present(p.uri().hostText))
    {
        return "a redirect URI must be absolute (RFC 6749 §3.1.2)";
    }
    if (text.find('#') != std::string_view::npos) {
        return "a redirect URI must not have a fragment (RFC 6749 §3.1.2)";
    }
    std::string_view scheme = parsed_uri::view(p.uri().scheme);
    std::string_view host = parsed_uri::view(p.uri().hostText);
    bool loopback = is_loopback_host(p);
    if (scheme != "https"
        && !(scheme == "http" && (loopback || host == "localhost")))
    {
        return "a redirect URI must use https, or http on a loopback host "
               "(RFC 9700 §2.6)";
    }
    if (parsed_uri::present(p.uri().userInfo)) {
        return "a redirect URI must not carry userinfo";
    }
    if (carries_response_parameter(text)) {
        return "a redirect URI must not carry the authorization response's "
               "parameters (code, state, error, iss) in its query";
    }
    rule r;
    r.loopback = scheme == "http" && loopback;
    r.uri = std::string(text);
    if (r.loopback) {
        r.uri_without_port = without_port(text, p);
    }
    rules_.push_back(std::move(r));
    return "";
}

std::optional<std::string>
redirect_policy::match(std::string_view requested) const
{
    if (requested.empty() || requested.size() > max_redirect_uri) {
        return std::nullopt;
    }
    for (const rule &r : rules_) {
        if (r.pattern) {
            if (auto uri = match_pattern(r, requested)) {
                return uri;
            }
            continue;
        }
        if (requested == r.uri) {
            return r.uri;
        }
        if (r.loopback) {
            /* RFC 8252 §7.3: only the port of a loopback URI may differ */
            parsed_uri p(requested);
            if (p.ok() && parsed_uri::present(p.uri().portText)
                && p.uri().portText.first != p.uri().portText.afterLast
                && without_port(requested, p) == r.uri_without_port)
            {
                return std::string(requested);
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string>
redirect_policy::match_pattern(const rule &r, std::string_view requested)
    const
{
    if (requested.find('#') != std::string_view::npos) {
        return std::nullopt;
    }

    parsed_uri p(requested);
    if (!p.ok()) {
        return std::nullopt;
    }
    const UriUriA &u = p.uri();
    if (parsed_uri::view(u.scheme) != "https"
        || parsed_uri::present(u.userInfo)
        || parsed_uri::present(u.portText)
        || parsed_uri::present(u.fragment)
        || u.hostData.ip4 != nullptr || u.hostData.ip6 != nullptr
        || parsed_uri::present(u.hostData.ipFuture))
    {
        return std::nullopt;
    }

    std::string_view host = parsed_uri::view(u.hostText);
    if (host.size() <= r.host_suffix.size()
        || host.substr(host.size() - r.host_suffix.size()) != r.host_suffix
        || !is_dns_name(host))
    {
        return std::nullopt;
    }

    /* the prefix ends on a segment boundary: "/oauth" does not cover
     * "/oauthx" */
    std::string_view path = p.raw_path();
    bool prefix_ok = (path.substr(0, r.path_prefix.size()) == r.path_prefix
                      && (r.path_prefix.back() == '/'
                          || path.size() == r.path_prefix.size()
                          || path[r.path_prefix.size()] == '/'))
                     || (path.empty() && r.path_prefix == "/");
    if (!prefix_ok || !path_is_plain(path)) {
        return std::nullopt;
    }

    std::string uri = "https://";
    uri.append(host);
    uri.append(path);
    if (parsed_uri::present(u.query)) {
        uri.push_back('?');
        uri.append(parsed_uri::view(u.query));
    }
    return uri;
}

std::string
append_query(std::string_view base,
             const std::vector<std::pair<std::string, std::string>> &pairs)
{
    std::string out(base);
    bool has_query = base.find('?') != std::string_view::npos;
    for (const auto &p : pairs) {
        if (!has_query) {
            out.push_back('?');
            has_query = true;
        } else if (out.back() != '?' && out.back() != '&') {
            out.push_back('&');
        }
        out.append(percent_encode(p.first));
        out.push_back('=');
        out.append(percent_encode(p.second));
    }
    return out;
}

bool
carries_response_parameter(std::string_view uri)
{
    size_t q = uri.find('?');
    if (q == std::string_view::npos) {
        return false;
    }
    std::string_view query = uri.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        std::string name;
        /* as the client's parser will read it: decoded once */
        if (!form_decode(pair.substr(0, pair.find('=')), name)) {
            return true;
        }
        for (std::string_view reserved :
             {"code", "state", "error", "error_description", "error_uri",
              "iss"})
        {
            if (name == reserved) {
                return true;
            }
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query = query.substr(amp + 1);
    }
    return false;
}

}  // namespace seam
