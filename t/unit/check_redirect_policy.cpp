/*
 * redirect_policy.h: which redirect_uri values a client may use. Rows
 * 1-14 of the hostile-input table in docs/security.md, once against an
 * exact registered URI and once against Seam's host pattern, plus the
 * loopback rule (RFC 8252 §7.3), registration errors and append_query.
 */
#include "authorize.h"
#include "form.h"
#include "redirect_policy.h"
#include "helpers.h"
#include "suites.h"

using namespace seam;

namespace {

const char *const exact_uri = "https://integrations.getseam.com/cb";
const char *const seam_pattern = "https://*.integrations.getseam.com/";

redirect_policy
policy_of(const char *rule)
{
    redirect_policy p;
    std::string error = p.add(rule);
    ck_assert_msg(error.empty(), "rule \"%s\" refused: %s", rule,
                  error.c_str());
    return p;
}

void
refused(const redirect_policy &p, std::string_view uri)
{
    auto m = p.match(uri);
    ck_assert_msg(!m, "\"%s\" was accepted (as \"%s\")",
                  printable(uri).c_str(),
                  m ? printable(*m).c_str() : "");
}

void
accepted(const redirect_policy &p, std::string_view uri,
         std::string_view expected)
{
    auto m = p.match(uri);
    ck_assert_msg(m.has_value(), "\"%s\" was refused",
                  printable(uri).c_str());
    ck_assert_std_eq(*m, expected);
}

}  // namespace

/* ---- exact registered URI: every row refused ------------------------- */

START_TEST(exact_accepts_itself)
{
    redirect_policy p = policy_of(exact_uri);
    accepted(p, exact_uri, exact_uri);
    ck_assert(!p.empty());
    ck_assert(redirect_policy().empty());
}
END_TEST

START_TEST(exact_rows_1_to_3_other_hosts)
{
    redirect_policy p = policy_of(exact_uri);
    refused(p, "https://evil.example/cb");                          /* 1 */
    refused(p, "https://evil-integrations.getseam.com/cb");         /* 2 */
    refused(p, "https://integrations.getseam.com.evil.example/cb"); /* 3 */
    refused(p, "https://x.integrations.getseam.com/cb");
}
END_TEST

START_TEST(exact_rows_4_5_userinfo_backslash)
{
    redirect_policy p = policy_of(exact_uri);
    refused(p, "https://integrations.getseam.com@evil.example/cb");  /* 4 */
    refused(p, "https://evil.example@integrations.getseam.com/cb");
    refused(p, "https://evil.example\\@integrations.getseam.com/cb"); /* 5 */
    refused(p, "https://integrations.getseam.com\\.evil.example/cb");
    refused(p, "https://integrations.getseam.com\\cb");
}
END_TEST

START_TEST(exact_row_6_paths)
{
    redirect_policy p = policy_of(exact_uri);
    refused(p, "https://integrations.getseam.com/cb/../../evil");
    refused(p, "https://integrations.getseam.com/cb/extra");
    refused(p, "https://integrations.getseam.com/cb/");
    refused(p, "https://integrations.getseam.com/cb?x=1");
    refused(p, "https://integrations.getseam.com/cb?");
    refused(p, "https://integrations.getseam.com/c");
    refused(p, "https://integrations.getseam.com/cbx");
    refused(p, "https://integrations.getseam.com/./cb");
}
END_TEST

START_TEST(exact_row_7_case)
{
    redirect_policy p = policy_of(exact_uri);
    refused(p, "https://INTEGRATIONS.getseam.com/cb");
    refused(p, "https://integrations.getseam.com/CB");
    refused(p, "HTTPS://integrations.getseam.com/cb");
}
END_TEST

START_TEST(exact_row_8_percent)
{
    redirect_policy p = policy_of(exact_uri);
    refused(p, "https://integrations.getseam.com%2Fcb");
    refused(p, "https://integrations.getseam.com/cb%2F");
    refused(p, "https://integrations.getseam.com/%63b");   /* %63 = 'c' */
    refused(p, "https://integrations.getseam.com%40evil.example/cb");
    refused(p, "https://integrations.getseam.com/cb/%2e%2e/evil");
    refused(p, "https://integrations.getseam.com/cb%252F");
    refused(p, "https://integrations.getseam.com%2F@evil.example");
}
END_TEST

START_TEST(exact_rows_9_to_11)
{
    redirect_policy p = policy_of(exact_uri);
    refused(p, "https://integrations.getseam.com/cb#x");             /* 9 */
    refused(p, "https://integrations.getseam.com/cb#");
    refused(p, "https://integrations.getse\xd0\xb0m.com/cb");        /* 10 */
    refused(p, "https://integrations.xn--getsm-3ve.com/cb");
    refused(p, "http://integrations.getseam.com/cb");                /* 11 */
    refused(p, "javascript:alert(1)");
    refused(p, "data:text/html,<script>alert(1)</script>");
    refused(p, "//evil.example");
    refused(p, "//integrations.getseam.com/cb");
    refused(p, "");
    refused(p, std::string("https://integrations.getseam.com/cb\0", 36));
    refused(p, "https://integrations.getseam.com/cb ");
}
END_TEST

/* ---- Seam's host pattern -------------------------------------------- */

START_TEST(pattern_valid)
{
    redirect_policy p = policy_of(seam_pattern);
    accepted(p, "https://x.integrations.getseam.com/cb",
             "https://x.integrations.getseam.com/cb");
    /* the query is kept */
    accepted(p, "https://x.integrations.getseam.com/cb?session=1",
             "https://x.integrations.getseam.com/cb?session=1");
    /* several labels */
    accepted(p, "https://a.b.integrations.getseam.com/",
             "https://a.b.integrations.getseam.com/");
    accepted(p, "https://a-1.b2.integrations.getseam.com/x/y",
             "https://a-1.b2.integrations.getseam.com/x/y");
    /* no path at all is under "/" */
    accepted(p, "https://x.integrations.getseam.com",
             "https://x.integrations.getseam.com");
}
END_TEST

START_TEST(pattern_rows_1_to_3)
{
    redirect_policy p = policy_of(seam_pattern);
    refused(p, "https://evil.example/cb");                            /* 1 */
    refused(p, "https://evil-integrations.getseam.com/cb");           /* 2 */
    refused(p, "https://x.evil-integrations.getseam.com/cb");
    refused(p, "https://xintegrations.getseam.com/cb");
    refused(p, "https://integrations.getseam.com.evil.example/cb");   /* 3 */
    refused(p, "https://x.integrations.getseam.com.evil.example/cb");
    /* the bare suffix has no label before it */
    refused(p, "https://integrations.getseam.com/cb");
    refused(p, "https://.integrations.getseam.com/cb");
    refused(p, "https://a..integrations.getseam.com/cb");
    refused(p, "https://x.integrations.getseam.com./cb");
    refused(p, "https://-x.integrations.getseam.com/cb");
    refused(p, "https://x-.integrations.getseam.com/cb");
    refused(p, "https://x_y.integrations.getseam.com/cb");
    refused(p, "https://" + std::string(64, 'a')
                   + ".integrations.getseam.com/");
}
END_TEST

START_TEST(pattern_rows_4_5)
{
    redirect_policy p = policy_of(seam_pattern);
    refused(p, "https://x.integrations.getseam.com@evil.example/cb");  /* 4 */
    refused(p, "https://evil.example@x.integrations.getseam.com/cb");
    refused(p, "https://user:pw@x.integrations.getseam.com/cb");
    refused(p, "https://@x.integrations.getseam.com/cb");
    refused(p, "https://evil.example\\@x.integrations.getseam.com/cb"); /* 5 */
    refused(p, "https://x.integrations.getseam.com\\.evil.example/cb");
    refused(p, "https://x.integrations.getseam.com/cb\\..\\evil");
}
END_TEST

START_TEST(pattern_row_6_any_path)
{
    redirect_policy p = policy_of(seam_pattern);
    /* any path on a matching host */
    accepted(p, "https://x.integrations.getseam.com/cb/extra",
             "https://x.integrations.getseam.com/cb/extra");
    accepted(p, "https://x.integrations.getseam.com/cb/",
             "https://x.integrations.getseam.com/cb/");
    accepted(p, "https://x.integrations.getseam.com/cb?x=1",
             "https://x.integrations.getseam.com/cb?x=1");
    /* but no dot segments, plain or encoded */
    refused(p, "https://x.integrations.getseam.com/cb/../../evil");
    refused(p, "https://x.integrations.getseam.com/cb/./x");
    refused(p, "https://x.integrations.getseam.com/..");
    refused(p, "https://x.integrations.getseam.com/cb/%2e%2e/evil");
    refused(p, "https://x.integrations.getseam.com/cb/%2E./evil");
}
END_TEST

START_TEST(pattern_row_7_case)
{
    redirect_policy p = policy_of(seam_pattern);
    /* the path is free, so its case is too */
    accepted(p, "https://x.integrations.getseam.com/CB",
             "https://x.integrations.getseam.com/CB");
    /* the host must be lower-case ASCII */
    refused(p, "https://X.integrations.getseam.com/cb");
    refused(p, "https://x.INTEGRATIONS.getseam.com/cb");
    refused(p, "https://x.integrations.getseam.COM/cb");
    refused(p, "https://INTEGRATIONS.getseam.com/cb");
    refused(p, "HTTPS://x.integrations.getseam.com/cb");
}
END_TEST

START_TEST(pattern_row_8_percent)
{
    redirect_policy p = policy_of(seam_pattern);
    /* any percent-encoding in the authority */
    refused(p, "https://x.integrations.getseam.com%2F@evil.example");
    refused(p, "https://x%2Eintegrations.getseam.com/cb");
    refused(p, "https://%78.integrations.getseam.com/cb");
    refused(p, "https://evil.example%40x.integrations.getseam.com/cb");
    refused(p, "https://x.integrations.getseam.com%2Fcb");
    /* an encoded '/' or '\' in the path */
    refused(p, "https://x.integrations.getseam.com/cb%2Fevil");
    refused(p, "https://x.integrations.getseam.com/cb%2fevil");
    refused(p, "https://x.integrations.getseam.com/cb%5Cevil");
    /* decoded once only: "%252F" stays as written (a literal "%2F"
     * once the client decodes it), it is never turned into '/' */
    accepted(p, "https://x.integrations.getseam.com/cb%252Fevil",
             "https://x.integrations.getseam.com/cb%252Fevil");
}
END_TEST

START_TEST(pattern_rows_9_to_11)
{
    redirect_policy p = policy_of(seam_pattern);
    refused(p, "https://x.integrations.getseam.com/cb#x");            /* 9 */
    refused(p, "https://x.integrations.getseam.com/cb#");
    refused(p, "https://x.integrations.getseam.com/cb?a=1#x");
    refused(p, "https://x.integrations.getse\xd0\xb0m.com/cb");       /* 10 */
    refused(p, "https://\xd0\xb0.integrations.getseam.com/cb");
    refused(p, "https://x.integrations.xn--getsm-3ve.com/cb");
    refused(p, "http://x.integrations.getseam.com/cb");               /* 11 */
    refused(p, "javascript:alert(1)");
    refused(p, "javascript://x.integrations.getseam.com/%0aalert(1)");
    refused(p, "data:text/html,<script>alert(1)</script>");
    refused(p, "//evil.example");
    refused(p, "//x.integrations.getseam.com/cb");
    refused(p, "wss://x.integrations.getseam.com/cb");
    /* control bytes and spaces */
    refused(p, "https://x.integrations.getseam.com /cb");
    refused(p, "https://x.integrations.getseam.com/c b");
    refused(p, "https://x.integrations.getseam.com/cb\r\nSet-Cookie:x=1");
    refused(p, std::string("https://x.integrations.getseam.com/\0", 36));
    /* an IP literal is not a DNS name */
    refused(p, "https://127.0.0.1/cb");
    refused(p, "https://[::1]/cb");
}
END_TEST

/*
 * IDN under the pattern: the code accepts any label that is a valid
 * lower-case ASCII DNS label (letters, digits, inner hyphens, at most
 * 63 bytes), so an A-label ("xn--...", RFC 5890) is a label like any
 * other: its owner is whoever controls *.integrations.getseam.com, so
 * there is no homograph of the suffix. A raw Unicode (U-label) host, an
 * upper-case "XN--" and an A-label ending in '-' are refused.
 */
START_TEST(pattern_idn_label)
{
    redirect_policy p = policy_of(seam_pattern);
    accepted(p, "https://xn--80ak6aa92e.integrations.getseam.com/cb",
             "https://xn--80ak6aa92e.integrations.getseam.com/cb");
    refused(p, "https://XN--80ak6aa92e.integrations.getseam.com/cb");
    refused(p, "https://xn--80ak6aa92e-.integrations.getseam.com/cb");
    refused(p, "https://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80"
               ".integrations.getseam.com/cb");
}
END_TEST

START_TEST(pattern_port_refused)
{
    redirect_policy p = policy_of(seam_pattern);
    refused(p, "https://x.integrations.getseam.com:443/cb");
    refused(p, "https://x.integrations.getseam.com:8443/cb");
    refused(p, "https://x.integrations.getseam.com:/cb");
}
END_TEST

START_TEST(pattern_path_prefix)
{
    redirect_policy p = policy_of("https://*.example.com/oauth");
    accepted(p, "https://a.example.com/oauth", "https://a.example.com/oauth");
    accepted(p, "https://a.example.com/oauth/cb?x=1",
             "https://a.example.com/oauth/cb?x=1");
    refused(p, "https://a.example.com/");
    refused(p, "https://a.example.com");
    refused(p, "https://a.example.com/other/oauth");
    refused(p, "https://a.example.com/oauth/../admin");
    refused(p, "https://a.example.com/OAUTH/cb");

    /* a prefix ending in '/' */
    redirect_policy q = policy_of("https://*.example.com/oauth/");
    accepted(q, "https://a.example.com/oauth/cb",
             "https://a.example.com/oauth/cb");
    refused(q, "https://a.example.com/oauthx");
    refused(q, "https://a.example.com/oauth");
}
END_TEST

/* redirect_policy.h: "a path under /prefix". /oauthx and /oauth-evil are
 * not under /oauth: the prefix must end on a segment boundary. */
START_TEST(pattern_path_prefix_segment_boundary)
{
    redirect_policy p = policy_of("https://*.example.com/oauth");
    refused(p, "https://a.example.com/oauthx");
    refused(p, "https://a.example.com/oauth-evil/cb");
}
END_TEST

START_TEST(overlong_uri)
{
    redirect_policy p = policy_of(seam_pattern);
    std::string base = "https://x.integrations.getseam.com/";
    std::string ok = base + std::string(max_redirect_uri - base.size(), 'a');
    accepted(p, ok, ok);
    refused(p, ok + "a");
}
END_TEST

START_TEST(several_rules)
{
    redirect_policy p;
    ck_assert_std_eq(p.add(exact_uri), "");
    ck_assert_std_eq(p.add("https://*.example.org/"), "");
    accepted(p, exact_uri, exact_uri);
    accepted(p, "https://a.example.org/z", "https://a.example.org/z");
    refused(p, "https://x.integrations.getseam.com/cb");
}
END_TEST

/* ---- rows 12 and 13: before the policy, in the form and /authorize --- */

static oauth_config
seam_config()
{
    oauth_config config;
    client_config c;
    c.id = "seam";
    ck_assert_std_eq(c.redirects.add(seam_pattern), "");
    config.clients.push_back(c);
    return config;
}

START_TEST(row_12_redirect_uri_twice)
{
    form_result f = parse_form(
        "client_id=seam&response_type=code"
        "&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com%2Fcb"
        "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb");
    ck_assert(f.status == form_status::duplicate);
    ck_assert_std_eq(f.name, "redirect_uri");
    /* evil first, good second: the same */
    f = parse_form("redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
                   "&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com");
    ck_assert(f.status == form_status::duplicate);
}
END_TEST

START_TEST(row_13_client_id)
{
    oauth_config config = seam_config();
    const char *uri = "&redirect_uri=https%3A%2F%2Fx.integrations.getseam.com"
                      "%2Fcb&response_type=code";

    /* missing (and no intercom_guide client to default to) */
    form_result f = parse_form(std::string("state=s") + uri);
    ck_assert(f.status == form_status::ok);
    authorization_check c = check_authorization(f.values, config);
    ck_assert(c.result == authorization_check::outcome::show_error);

    /* unknown */
    f = parse_form(std::string("client_id=evil") + uri);
    c = check_authorization(f.values, config);
    ck_assert(c.result == authorization_check::outcome::show_error);

    /* a prefix or a case variant of a known one */
    f = parse_form(std::string("client_id=SEAM") + uri);
    ck_assert(check_authorization(f.values, config).result
              == authorization_check::outcome::show_error);
    f = parse_form(std::string("client_id=sea") + uri);
    ck_assert(check_authorization(f.values, config).result
              == authorization_check::outcome::show_error);

    /* NUL: stopped by the parser */
    f = parse_form(std::string("client_id=seam%00") + uri);
    ck_assert(f.status == form_status::nul_byte);

    /* 10 KB: stopped by the parser ... */
    f = parse_form("client_id=" + std::string(10240, 'a') + uri);
    ck_assert(f.status == form_status::too_long);
    /* ... and unknown anyway */
    params p;
    p.add("client_id", std::string(10240, 'a'));
    p.add("redirect_uri", "https://x.integrations.getseam.com/cb");
    ck_assert(check_authorization(p, config).result
              == authorization_check::outcome::show_error);

    /* the good one passes */
    f = parse_form(std::string("client_id=seam") + uri);
    c = check_authorization(f.values, config);
    ck_assert(c.result == authorization_check::outcome::ok);
}
END_TEST

/* ---- row 14: loopback (RFC 8252 §7.3) -------------------------------- */

START_TEST(loopback_any_port)
{
    redirect_policy p = policy_of("http://127.0.0.1/cb");
    accepted(p, "http://127.0.0.1/cb", "http://127.0.0.1/cb");
    accepted(p, "http://127.0.0.1:5555/cb", "http://127.0.0.1:5555/cb");
    accepted(p, "http://127.0.0.1:80/cb", "http://127.0.0.1:80/cb");
    /* only the port may differ */
    refused(p, "http://127.0.0.1:5555/cb?other=1");
    refused(p, "http://127.0.0.1/cb?other=1");
    refused(p, "http://127.0.0.1:5555/cb/");
    refused(p, "http://127.0.0.1:5555/other");
    refused(p, "http://127.0.0.2:5555/cb");
    refused(p, "http://127.0.0.1:5555/cb#x");
    refused(p, "https://127.0.0.1:5555/cb");
    refused(p, "http://localhost:5555/cb");
    refused(p, "http://evil@127.0.0.1:5555/cb");
    /* an empty port is not a port */
    refused(p, "http://127.0.0.1:/cb");
    refused(p, "http://127.0.0.1:5555:6666/cb");
}
END_TEST

START_TEST(loopback_ipv6)
{
    redirect_policy p = policy_of("http://[::1]/cb");
    accepted(p, "http://[::1]/cb", "http://[::1]/cb");
    accepted(p, "http://[::1]:5555/cb", "http://[::1]:5555/cb");
    refused(p, "http://[::1]:5555/cb?x=1");
    refused(p, "http://[::2]:5555/cb");
}
END_TEST

/* redirect_policy.h: "127.0.0.1 and [::1] may then use any port"; RFC 8252
 * §7.3: "MUST allow any port to be specified at the time of the request" —
 * also when the registered URI names one. */
START_TEST(loopback_registered_with_port)
{
    redirect_policy p = policy_of("http://127.0.0.1:8080/cb");
    accepted(p, "http://127.0.0.1:8080/cb", "http://127.0.0.1:8080/cb");
    accepted(p, "http://127.0.0.1:5555/cb", "http://127.0.0.1:5555/cb");
    refused(p, "http://127.0.0.1:5555/cb?x=1");
}
END_TEST

START_TEST(https_exact_port_must_match)
{
    /* only loopback http URIs get the any-port rule */
    redirect_policy p = policy_of("https://app.example.com/cb");
    refused(p, "https://app.example.com:8443/cb");
    refused(p, "https://app.example.com:443/cb");
}
END_TEST

/* ---- registration ---------------------------------------------------- */

START_TEST(registration_errors)
{
    const char *bad[] = {
        "/cb",                                 /* relative */
        "cb",
        "//integrations.getseam.com/cb",       /* no scheme */
        "https://integrations.getseam.com/cb#x",
        "https://integrations.getseam.com/cb#",
        "http://integrations.getseam.com/cb",  /* plain http, not loopback */
        "http://10.0.0.1/cb",
        "https://user@integrations.getseam.com/cb",
        "https://user:pw@integrations.getseam.com/cb",
        "javascript:alert(1)",
        "https://*.com/",                      /* one label */
        "https://*.Example.com/",              /* upper case */
        "https://*.example.com:8443/",         /* port */
        "https://*.user@example.com/",
        "https://*./",
        "https://*..example.com/",
        "https://*.-example.com/",
        "https://*.example.com/cb#x",
        "https://*.example.com/cb?x=1",
        "https://*.example.com/a/../b",
        "https://*.example.com/%2e%2e",
        "https://*.example.com/a%2Fb",
        "https://*.example.com/a\\b",
        "https://*.*.example.com/",
        "http://*.example.com/",
        "",
        "https://integrations.getseam.com/c b",
    };
    for (const char *rule : bad) {
        redirect_policy p;
        std::string error = p.add(rule);
        ck_assert_msg(!error.empty(), "rule \"%s\" was accepted", rule);
        ck_assert_msg(p.empty(), "refused rule \"%s\" was kept", rule);
    }
}
END_TEST

START_TEST(registration_ok)
{
    const char *good[] = {
        "https://integrations.getseam.com/cb",
        "https://integrations.getseam.com/cb?fixed=1",
        "https://example.com:8443/cb",
        "http://127.0.0.1/cb",
        "http://[::1]:9000/cb",
        "https://*.integrations.getseam.com/",
        "https://*.integrations.getseam.com",
        "https://*.example.com/oauth/cb",
    };
    for (const char *rule : good) {
        redirect_policy p;
        std::string error = p.add(rule);
        ck_assert_msg(error.empty(), "rule \"%s\" refused: %s", rule,
                      error.c_str());
        ck_assert(!p.empty());
    }
}
END_TEST

/* ---- append_query ---------------------------------------------------- */

START_TEST(append_query_separator)
{
    ck_assert_std_eq(append_query("https://a.example/cb", {{"code", "x"}}),
                     "https://a.example/cb?code=x");
    ck_assert_std_eq(append_query("https://a.example/cb?session=1",
                                  {{"code", "x"}, {"state", "s"}}),
                     "https://a.example/cb?session=1&code=x&state=s");
    ck_assert_std_eq(append_query("https://a.example/cb?", {{"code", "x"}}),
                     "https://a.example/cb?code=x");
    ck_assert_std_eq(append_query("https://a.example/cb?a=1&",
                                  {{"code", "x"}}),
                     "https://a.example/cb?a=1&code=x");
    ck_assert_std_eq(append_query("https://a.example/cb", {}),
                     "https://a.example/cb");
    ck_assert_std_eq(append_query("https://a.example/cb",
                                  {{"a", "1"}, {"b", "2"}}),
                     "https://a.example/cb?a=1&b=2");
}
END_TEST

START_TEST(append_query_encodes)
{
    std::string out = append_query(
        "https://x.integrations.getseam.com/cb?session=1",
        {{"code", "c0de"}, {"state", "a&b=c d\r\n\"><script>"}});
    ck_assert_std_eq(out, "https://x.integrations.getseam.com/cb?session=1"
                          "&code=c0de&state=a%26b%3Dc%20d%0D%0A%22%3E%3C"
                          "script%3E");
    ck_assert_not_contains(out, "\r");
    ck_assert_not_contains(out, "<");
    ck_assert_not_contains(out, " ");

    /* the state decodes back to what was sent */
    std::string query = out.substr(out.find('?') + 1);
    form_result f = parse_form(query);
    ck_assert(f.status == form_status::ok);
    ck_assert_std_eq(f.values.value("state"), "a&b=c d\r\n\"><script>");
    ck_assert_std_eq(f.values.value("session"), "1");

    /* names are encoded too */
    ck_assert_std_eq(append_query("https://a.example/", {{"a b", "+"}}),
                     "https://a.example/?a%20b=%2B");
}
END_TEST

/* A redirect_uri whose query already names a response parameter (RFC
 * 9700 §4.1): the client would get two. */
START_TEST(response_parameters)
{
    for (const char *bad :
         {"https://a.example/cb?code=x", "https://a.example/cb?a=1&state=x",
          "https://a.example/cb?error", "https://a.example/cb?iss=x",
          "https://a.example/cb?error_description=x&b",
          "https://a.example/cb?error_uri=x", "https://a.example/cb?%63ode=x",
          "https://a.example/cb?c%6fde=x#f", "https://a.example/cb?%zz=1"})
    {
        ck_assert_msg(carries_response_parameter(bad), "%s", bad);
    }
    for (const char *good :
         {"https://a.example/cb", "https://a.example/cb?session=1",
          "https://a.example/cb?codes=1&my_state=2", "https://a.example/cb?",
          "https://a.example/cb?x=code&y=state", "https://a.example/cb#code=1"})
    {
        ck_assert_msg(!carries_response_parameter(good), "%s", good);
    }
    redirect_policy p;
    ck_assert_contains(p.add("https://a.example/cb?state=fixed"),
                       "must not carry the authorization response's");
    ck_assert_std_eq(p.add("https://a.example/cb?session=1"), "");
}
END_TEST

Suite *
redirect_policy_suite()
{
    Suite *s = suite_create("redirect_policy");
    TCase *tc = tcase_create("exact");
    tcase_add_test(tc, exact_accepts_itself);
    tcase_add_test(tc, exact_rows_1_to_3_other_hosts);
    tcase_add_test(tc, exact_rows_4_5_userinfo_backslash);
    tcase_add_test(tc, exact_row_6_paths);
    tcase_add_test(tc, exact_row_7_case);
    tcase_add_test(tc, exact_row_8_percent);
    tcase_add_test(tc, exact_rows_9_to_11);
    tcase_add_test(tc, https_exact_port_must_match);
    suite_add_tcase(s, tc);

    tc = tcase_create("pattern");
    tcase_add_test(tc, pattern_valid);
    tcase_add_test(tc, pattern_rows_1_to_3);
    tcase_add_test(tc, pattern_rows_4_5);
    tcase_add_test(tc, pattern_row_6_any_path);
    tcase_add_test(tc, pattern_row_7_case);
    tcase_add_test(tc, pattern_row_8_percent);
    tcase_add_test(tc, pattern_rows_9_to_11);
    tcase_add_test(tc, pattern_idn_label);
    tcase_add_test(tc, pattern_port_refused);
    tcase_add_test(tc, pattern_path_prefix);
    tcase_add_test(tc, pattern_path_prefix_segment_boundary);
    tcase_add_test(tc, overlong_uri);
    tcase_add_test(tc, several_rules);
    suite_add_tcase(s, tc);

    tc = tcase_create("request");
    tcase_add_test(tc, row_12_redirect_uri_twice);
    tcase_add_test(tc, row_13_client_id);
    suite_add_tcase(s, tc);

    tc = tcase_create("loopback");
    tcase_add_test(tc, loopback_any_port);
    tcase_add_test(tc, loopback_ipv6);
    tcase_add_test(tc, loopback_registered_with_port);
    suite_add_tcase(s, tc);

    tc = tcase_create("registration");
    tcase_add_test(tc, registration_errors);
    tcase_add_test(tc, registration_ok);
    suite_add_tcase(s, tc);

    tc = tcase_create("append_query");
    tcase_add_test(tc, append_query_separator);
    tcase_add_test(tc, append_query_encodes);
    tcase_add_test(tc, response_parameters);
    suite_add_tcase(s, tc);
    return s;
}
