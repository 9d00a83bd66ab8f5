/*
 * The redirect policy of a client registered with an exact URI, a
 * loopback URI and Seam's host pattern, matched against arbitrary input:
 * what it accepts must be accepted again unchanged, must have the shape
 * its rule allows, and append_query on it never yields CR, LF or space.
 */
#include "form.h"
#include "fuzz_common.h"
#include "redirect_policy.h"

#include <optional>
#include <utility>
#include <vector>

using namespace seam;

namespace {

const char exact_uri[] = "https://integrations.getseam.com/cb";
const char loopback_uri[] = "http://127.0.0.1/cb";
const char pattern[] = "https://*.integrations.getseam.com/";
const char prefix_pattern[] = "https://*.integrations.getseam.com/oauth";
const std::string_view host_suffix = ".integrations.getseam.com";

redirect_policy
policy_of(std::vector<const char *> rules)
{
    redirect_policy p;
    for (const char *rule : rules) {
        std::string error = p.add(rule);
        FUZZ_CHECK(error.empty(), std::string(rule) + ": " + error);
    }
    return p;
}

/* "." or ".." once %2e is read as '.' */
bool
dot_segment(std::string_view segment)
{
    std::string plain;
    for (size_t i = 0; i < segment.size(); i++) {
        if (segment.substr(i, 3) == "%2e" || segment.substr(i, 3) == "%2E") {
            plain.push_back('.');
            i += 2;
        } else {
            plain.push_back(segment[i]);
        }
    }
    return plain == "." || plain == "..";
}

/* What Seam's host pattern lets through, checked on the bytes. The '@'
 * rule applies to the authority: RFC 3986 allows '@' in a path or query,
 * and the policy lets it through there on purpose ("any path and query"). */
void
check_pattern_shape(std::string_view uri, std::string_view prefix)
{
    FUZZ_CHECK(fuzz::starts_with(uri, "https://"), uri);
    FUZZ_CHECK(!fuzz::has_unsafe_byte(uri), uri);
    FUZZ_CHECK(uri.find_first_of("\\#") == std::string_view::npos, uri);

    std::string_view rest = uri.substr(8);
    size_t end = rest.find_first_of("/?");
    std::string_view host = rest.substr(0, end);
    FUZZ_CHECK(host.find('@') == std::string_view::npos, uri);
    FUZZ_CHECK(host.size() > host_suffix.size()
               && fuzz::ends_with(host, host_suffix), uri);
    for (char c : host) {
        FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '.', uri);
    }
    FUZZ_CHECK(host.find("..") == std::string_view::npos, uri);

    std::string_view path = end == std::string_view::npos
                            ? std::string_view()
                            : rest.substr(end);
    path = path.substr(0, path.find('?'));
    if (prefix == "/") {
        FUZZ_CHECK(path.empty() || path[0] == '/', uri);
    } else {
        FUZZ_CHECK(path == prefix
                   || fuzz::starts_with(path, std::string(prefix) + "/"),
                   uri);
    }
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t slash = path.find('/', pos);
        FUZZ_CHECK(!dot_segment(path.substr(pos, slash - pos)), uri);
        if (slash == std::string_view::npos) {
            break;
        }
        pos = slash + 1;
    }
}

/* http://127.0.0.1/cb, or the same with a non-empty numeric port */
void
check_loopback_shape(std::string_view uri)
{
    if (uri == loopback_uri) {
        return;
    }
    std::string_view head = "http://127.0.0.1:";
    FUZZ_CHECK(fuzz::starts_with(uri, head) && fuzz::ends_with(uri, "/cb"),
               uri);
    std::string_view port = uri.substr(head.size(),
                                       uri.size() - head.size() - 3);
    FUZZ_CHECK(!port.empty(), uri);
    for (char c : port) {
        FUZZ_CHECK(c >= '0' && c <= '9', uri);
    }
}

/* append_query on an accepted URI: percent-encoded pairs after '?' or
 * '&', nothing a header could split on, and the pairs decode back. */
void
check_append(std::string_view base,
             const std::vector<std::pair<std::string, std::string>> &pairs)
{
    std::string out = append_query(base, pairs);
    FUZZ_CHECK(fuzz::starts_with(out, base), out);
    std::string_view added = std::string_view(out).substr(base.size());
    FUZZ_CHECK(!fuzz::has_unsafe_byte(added), out);
    FUZZ_CHECK(added.find_first_of("\r\n #") == std::string_view::npos, out);
    if (pairs.empty()) {
        FUZZ_CHECK(added.empty(), out);
        return;
    }
    bool had_query = base.find('?') != std::string_view::npos;
    if (!had_query) {
        FUZZ_CHECK(!added.empty() && added[0] == '?', out);
        added.remove_prefix(1);
    } else if (!base.empty() && base.back() != '?' && base.back() != '&') {
        FUZZ_CHECK(!added.empty() && added[0] == '&', out);
        added.remove_prefix(1);
    }
    size_t pos = 0;
    for (const auto &p : pairs) {
        size_t amp = added.find('&', pos);
        std::string_view piece = added.substr(pos, amp - pos);
        size_t eq = piece.find('=');
        FUZZ_CHECK(eq != std::string_view::npos, out);
        std::string name, value;
        FUZZ_CHECK(form_decode(piece.substr(0, eq), name) && name == p.first,
                   out);
        FUZZ_CHECK(form_decode(piece.substr(eq + 1), value)
                   && value == p.second, out);
        pos = amp == std::string_view::npos ? added.size() + 1 : amp + 1;
    }
    FUZZ_CHECK(pos == added.size() + 1, out);
}

}  // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const redirect_policy full =
        policy_of({exact_uri, loopback_uri, pattern});
    static const redirect_policy exact_only = policy_of({exact_uri});
    static const redirect_policy loopback_only = policy_of({loopback_uri});
    static const redirect_policy pattern_only = policy_of({pattern});
    static const redirect_policy prefix_only = policy_of({prefix_pattern});

    std::string_view in = fuzz::bytes(data, size);

    std::optional<std::string> e = exact_only.match(in);
    std::optional<std::string> l = loopback_only.match(in);
    std::optional<std::string> p = pattern_only.match(in);
    std::optional<std::string> m = full.match(in);

    /* the rules are tried in order; the first that accepts decides */
    std::optional<std::string> first = e ? e : l ? l : p;
    FUZZ_CHECK(m == first, in);

    if (e) {
        FUZZ_CHECK(in == exact_uri && *e == exact_uri, in);
    } else {
        FUZZ_CHECK(in != exact_uri, in);
    }
    if (l) {
        FUZZ_CHECK(*l == in, *l);
        check_loopback_shape(*l);
    }
    if (p) {
        check_pattern_shape(in, "/");
        check_pattern_shape(*p, "/");
        FUZZ_CHECK(pattern_only.match(*p) == p, *p);
    }
    if (auto q = prefix_only.match(in)) {
        check_pattern_shape(in, "/oauth");
        check_pattern_shape(*q, "/oauth");
        FUZZ_CHECK(prefix_only.match(*q) == q, *q);
        FUZZ_CHECK(p.has_value(), in);   /* "/oauth..." is under "/" too */
    }

    if (m) {
        /* idempotent: the URI we redirect to is accepted as itself */
        FUZZ_CHECK(!m->empty() && m->size() <= max_redirect_uri, *m);
        FUZZ_CHECK(full.match(*m) == m, *m);
        FUZZ_CHECK(!fuzz::has_unsafe_byte(*m), *m);
        FUZZ_CHECK(m->find('#') == std::string::npos, *m);

        std::string value(in);
        check_append(*m, {});
        check_append(*m, {{"code", value}, {"state", value}});
        check_append(*m, {{value, "x"}, {"iss", "https://as.example"}});
    }

    std::string value(in);
    for (const char *base :
         {"https://a.integrations.getseam.com/cb",
          "https://a.integrations.getseam.com/cb?x=1",
          "https://a.integrations.getseam.com/cb?",
          "https://a.integrations.getseam.com/cb?x=1&"})
    {
        check_append(base, {{"error", "invalid_request"},
                            {"error_description", value},
                            {"state", value}});
    }
    return 0;
}
