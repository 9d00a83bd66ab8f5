/*
 * config.h: the seam_oauth_client options, the checks on a finished
 * client, the lookups and scope splitting (RFC 6749 §3.3).
 */
#include "config.h"
#include "crypto.h"
#include "helpers.h"
#include "suites.h"

#include <unistd.h>

#include <fstream>

using namespace seam;

START_TEST(options)
{
    client_config c;
    c.id = "seam";
    ck_assert_std_eq(configure_client(c, "secret=abc"), "");
    ck_assert(c.secret_hash == sha256("abc"));
    ck_assert_std_eq(configure_client(c, "name=Seam <Intercom>"), "");
    ck_assert_std_eq(c.name, "Seam <Intercom>");
    ck_assert_std_eq(configure_client(c, "scope=devices access_codes"), "");
    ck_assert_uint_eq(c.scopes.size(), 2);
    ck_assert_std_eq(c.scopes[1], "access_codes");
    ck_assert(!c.require_pkce);
    ck_assert_std_eq(configure_client(c, "pkce=required"), "");
    ck_assert(c.require_pkce);
    ck_assert_std_eq(configure_client(c, "pkce=optional"), "");
    ck_assert(!c.require_pkce);
    ck_assert(!c.intercom_guide);
    ck_assert_std_eq(configure_client(c, "intercom_guide"), "");
    ck_assert(c.intercom_guide);
    ck_assert(c.redirects.empty());
    ck_assert_std_eq(
        configure_client(c, "redirect=https://*.integrations.getseam.com/"),
        "");
    ck_assert(!c.redirects.empty());
    ck_assert(c.redirects.match("https://x.integrations.getseam.com/cb"));
    ck_assert_std_eq(configure_client(c, "default_scope=devices"), "");
    ck_assert_std_eq(finish_client(c), "");
}
END_TEST

START_TEST(refresh_consent_introspect_options)
{
    client_config c;
    c.id = "seam";
    /* the defaults: refresh tokens reused, consent asked, own tokens only */
    ck_assert(!c.rotate_refresh_tokens);
    ck_assert(c.consent);
    ck_assert(!c.introspect);

    ck_assert_std_eq(configure_client(c, "refresh=rotate"), "");
    ck_assert(c.rotate_refresh_tokens);
    ck_assert_std_eq(configure_client(c, "refresh=reuse"), "");
    ck_assert(!c.rotate_refresh_tokens);
    ck_assert_std_eq(configure_client(c, "refresh=rotate"), "");

    ck_assert_std_eq(configure_client(c, "consent=off"), "");
    ck_assert(!c.consent);
    ck_assert_std_eq(configure_client(c, "consent=on"), "");
    ck_assert(c.consent);
    ck_assert_std_eq(configure_client(c, "consent=off"), "");

    ck_assert_std_eq(configure_client(c, "introspect"), "");
    ck_assert(c.introspect);

    /* each option leaves the others alone */
    ck_assert(c.rotate_refresh_tokens);
    ck_assert(!c.consent);
    ck_assert(!c.intercom_guide);
    ck_assert(!c.require_pkce);

    /* misspelt values are refused, and change nothing */
    for (const char *bad : {"refresh=", "refresh=rotated", "refresh=Rotate",
                            "refresh", "consent=", "consent=no",
                            "consent=OFF", "consent", "introspect=on",
                            "introspect=1", "Introspect"})
    {
        ck_assert_msg(!configure_client(c, bad).empty(), "\"%s\" accepted",
                      bad);
    }
    ck_assert(c.rotate_refresh_tokens);
    ck_assert(!c.consent);
    ck_assert(c.introspect);
    ck_assert_contains(configure_client(c, "refresh=rotated"),
                       "refresh=rotated");
}
END_TEST

START_TEST(option_errors)
{
    client_config c;
    ck_assert(!configure_client(c, "secret=").empty());
    ck_assert(c.secret_hash.empty());
    ck_assert_contains(configure_client(c, "redirect=http://evil.example/cb"),
                       "http://evil.example/cb");
    ck_assert(c.redirects.empty());
    ck_assert(!configure_client(c, "redirect=").empty());
    ck_assert(!configure_client(c, "scope=a  b").empty());
    ck_assert(!configure_client(c, "pkce=plain").empty());
    ck_assert_contains(configure_client(c, "bogus=1"), "bogus=1");
    ck_assert(!configure_client(c, "").empty());
    ck_assert(!configure_client(c, "Secret=abc").empty());
}
END_TEST

START_TEST(secret_file)
{
    std::string dir = make_temp_dir();
    std::string path = dir + "/secret";
    {
        std::ofstream out(path);
        out << "from-file\r\n\n";
    }
    client_config c;
    ck_assert_std_eq(configure_client(c, "secret_file=" + path), "");
    ck_assert(c.secret_hash == sha256("from-file"));

    std::string empty = dir + "/empty";
    {
        std::ofstream out(empty);
        out << "\n";
    }
    ck_assert_contains(configure_client(c, "secret_file=" + empty), "empty");
    ck_assert_contains(configure_client(c, "secret_file=" + dir + "/none"),
                       "cannot read");
    unlink(path.c_str());
    unlink(empty.c_str());
    remove_dir(dir);
}
END_TEST

START_TEST(finish_errors)
{
    client_config c;
    ck_assert_std_eq(configure_client(c, "secret=abc"), "");
    ck_assert_std_eq(configure_client(c, "redirect=https://a.example/cb"), "");

    c.id = "";
    ck_assert(!finish_client(c).empty());
    c.id = std::string(129, 'a');
    ck_assert(!finish_client(c).empty());
    c.id = std::string(128, 'a');
    ck_assert_std_eq(finish_client(c), "");
    c.id = "has space";
    ck_assert(!finish_client(c).empty());
    c.id = "tab\t";
    ck_assert(!finish_client(c).empty());
    c.id = "caf\xc3\xa9";
    ck_assert(!finish_client(c).empty());
    c.id = "ok";
    ck_assert_std_eq(finish_client(c), "");

    client_config no_secret;
    no_secret.id = "x";
    ck_assert_std_eq(
        configure_client(no_secret, "redirect=https://a.example/cb"), "");
    ck_assert_contains(finish_client(no_secret), "secret");

    client_config no_redirect;
    no_redirect.id = "x";
    ck_assert_std_eq(configure_client(no_redirect, "secret=s"), "");
    ck_assert_contains(finish_client(no_redirect), "redirect");
}
END_TEST

/* default_scope= (RFC 6749 §3.3): a subset of scope=, in either order of
 * options; required for an intercom-guide client that has scopes, as
 * Seam's intercom guide sends none. */
START_TEST(default_scope_option)
{
    client_config c;
    c.id = "seam";
    ck_assert_std_eq(configure_client(c, "secret=s"), "");
    ck_assert_std_eq(configure_client(c, "redirect=https://a.example/cb"), "");
    ck_assert_std_eq(configure_client(c, "default_scope=b a"), "");
    ck_assert_std_eq(configure_client(c, "scope=a b c"), "");
    ck_assert_uint_eq(c.default_scopes.size(), 2);
    ck_assert_std_eq(join_scope(c.default_scopes), "b a");
    ck_assert_std_eq(finish_client(c), "");
    ck_assert(scope_allowed(c, "c"));
    ck_assert(!scope_allowed(c, "d"));
    ck_assert(!scope_allowed(c, ""));

    ck_assert_std_eq(configure_client(c, "default_scope=a d"), "");
    ck_assert_contains(finish_client(c), "default_scope \"d\" is not in");
    ck_assert(!configure_client(c, "default_scope=").empty());
    ck_assert(!configure_client(c, "default_scope=a  b").empty());

    /* the intercom guide sends no scope: scopes need a default */
    client_config g;
    g.id = "seam";
    ck_assert_std_eq(configure_client(g, "secret=s"), "");
    ck_assert_std_eq(configure_client(g, "redirect=https://a.example/cb"), "");
    ck_assert_std_eq(configure_client(g, "intercom_guide"), "");
    ck_assert_std_eq(finish_client(g), "");
    ck_assert_std_eq(configure_client(g, "scope=a b"), "");
    ck_assert_contains(finish_client(g), "give it a default_scope=");
    ck_assert_std_eq(configure_client(g, "default_scope=a"), "");
    ck_assert_std_eq(finish_client(g), "");
}
END_TEST

START_TEST(lookups)
{
    oauth_config config;
    ck_assert_ptr_null(config.find("a"));
    ck_assert_ptr_null(config.intercom_guide_client());
    client_config a, b;
    a.id = "a";
    b.id = "b";
    b.intercom_guide = true;
    config.clients = {a, b};
    ck_assert_ptr_eq(config.find("a"), &config.clients[0]);
    ck_assert_ptr_eq(config.find("b"), &config.clients[1]);
    ck_assert_ptr_null(config.find("A"));
    ck_assert_ptr_null(config.find(""));
    ck_assert_ptr_null(config.find(std::string_view("a\0", 2)));
    ck_assert_ptr_eq(config.intercom_guide_client(), &config.clients[1]);
}
END_TEST

START_TEST(scopes)
{
    std::vector<std::string> out{"stale"};
    ck_assert(split_scope("", out));
    ck_assert_uint_eq(out.size(), 0);
    ck_assert(split_scope("a", out));
    ck_assert_uint_eq(out.size(), 1);
    ck_assert(split_scope("a b:c !#[]~", out));
    ck_assert_uint_eq(out.size(), 3);
    ck_assert_std_eq(out[2], "!#[]~");
    ck_assert(!split_scope(" a", out));
    ck_assert(!split_scope("a ", out));
    ck_assert(!split_scope("a  b", out));
    ck_assert(!split_scope(" ", out));
    ck_assert(!split_scope("a\"", out));
    ck_assert(!split_scope("a\\b", out));
    ck_assert(!split_scope("a\tb", out));
    ck_assert(!split_scope("\xc3\xa9", out));
    ck_assert(!split_scope(std::string("a\0", 2), out));
}
END_TEST

/* The checks nginx -t reports, with the defaults passing them. */
START_TEST(config_checks)
{
    oauth_config c;
    ck_assert_std_eq(c.check(), "");
    c.code_ttl = 601;
    ck_assert_contains(c.check(), "seam_oauth_code_ttl");
    c.code_ttl = 600;
    ck_assert_std_eq(c.check(), "");
    c.refresh_token_ttl = 59;
    ck_assert_contains(c.check(), "seam_oauth_refresh_token_ttl");
    c = oauth_config();
    c.throttle_ip = 0;
    ck_assert_contains(c.check(), "_ip");
    c = oauth_config();
    c.throttle_client = uint64_t(UINT32_MAX) + 1;
    ck_assert_contains(c.check(), "_client");
    c = oauth_config();
    c.throttle_window = 0;
    ck_assert_contains(c.check(), "seam_oauth_throttle_window");
    c = oauth_config();
    c.issuer = "auth.example.com";
    ck_assert_contains(c.check(), "seam_oauth_issuer");
    c.issuer = "https://auth.example.com";
    ck_assert_std_eq(c.check(), "");

    /* the policies carry the window and the longest lock */
    c.throttle_account = 7;
    c.throttle_max_lockout = 60;
    ck_assert_uint_eq(c.account_throttle().limit, 7);
    ck_assert_uint_eq(c.account_throttle().max_lockout, 60);
    ck_assert_uint_eq(c.ip_throttle().limit, 20);
    ck_assert_uint_eq(c.client_throttle().window, 900);
}
END_TEST

START_TEST(clients_added)
{
    oauth_config c;
    ck_assert_std_eq(add_client(c, "seam", {"secret=s",
                                            "redirect=https://a.example/cb",
                                            "intercom_guide"}),
                     "");
    ck_assert_std_eq(c.find("seam")->name, "seam");
    ck_assert_contains(add_client(c, "seam", {"secret=s",
                                              "redirect=https://b.example/"}),
                       "defined twice");
    ck_assert_contains(add_client(c, "other", {"secret=s",
                                               "redirect=https://b.example/",
                                               "intercom_guide"}),
                       "only one client");
    ck_assert_contains(add_client(c, "x", {"secret=s", "bogus"}),
                       "unknown option");
    ck_assert_contains(add_client(c, "x", {"secret=s"}), "redirect");
    ck_assert_std_eq(add_client(c, "named", {"secret=s", "name=Named One",
                                             "redirect=https://b.example/"}),
                     "");
    ck_assert_std_eq(c.find("named")->name, "Named One");
    ck_assert_uint_eq(c.clients.size(), 2);
}
END_TEST

START_TEST(issuers)
{
    oauth_config c;
    ck_assert_std_eq(issuer_of(c, false, "auth.example.com:8080"),
                     "http://auth.example.com:8080");
    ck_assert_std_eq(issuer_of(c, true, "auth.example.com"),
                     "https://auth.example.com");
    c.issuer = "https://id.example.com";
    ck_assert_std_eq(issuer_of(c, false, "10.0.0.1"), "https://id.example.com");
}
END_TEST

Suite *
config_suite()
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, options);
    tcase_add_test(tc, refresh_consent_introspect_options);
    tcase_add_test(tc, option_errors);
    tcase_add_test(tc, secret_file);
    tcase_add_test(tc, finish_errors);
    tcase_add_test(tc, default_scope_option);
    tcase_add_test(tc, lookups);
    tcase_add_test(tc, scopes);
    tcase_add_test(tc, config_checks);
    tcase_add_test(tc, clients_added);
    tcase_add_test(tc, issuers);
    suite_add_tcase(s, tc);
    return s;
}
