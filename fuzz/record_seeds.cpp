/*
 * Writes the seed corpus of the records target in the current format:
 * one valid value of every record kind, and a few broken ones (cut short,
 * a byte too many, the wrong version, an unknown kind). Run it whenever
 * records.cpp changes its encoding: make fuzz-seeds.
 *
 *   record_seeds DIR
 */
#include "records.h"

#include <cstdio>
#include <fstream>
#include <string>

using namespace seam;

namespace {

bool
write(const std::string &dir, const std::string &name,
      const std::string &value)
{
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out << value;
    return static_cast<bool>(out);
}

}  // namespace

int
main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 64;
    }
    const std::string dir = argv[1];
    const std::string hash(32, '\x5a');

    code_record code;
    code.expires_at = 1700000060;
    code.client_id = "seam";
    code.redirect_uri = "https://acme.integrations.getseam.com/cb";
    code.user_id = "u-1";
    code.scope = "devices";
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    code_tombstone tomb;
    tomb.expires_at = 1700000060;
    tomb.grant_id = hash.substr(0, 16);

    grant_record grant;
    grant.client_id = "seam";
    grant.user_id = "u-1";
    grant.scope = "devices access_codes";
    grant.created_at = 1700000000;
    grant.access_tokens = {{hash, 1700003600}, {hash, UINT64_MAX}};
    grant.refresh_tokens = {{hash, 1702592000}};

    access_token_record access;
    access.expires_at = 1700003600;
    access.grant_id = hash.substr(0, 16);
    access.user_id = "u-1";
    access.client_id = "seam";
    access.scope = "devices";

    user_record user;
    user.user_id = "u-1";
    user.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    user.created_at = 1700000000;

    refresh_token_record refresh;
    refresh.expires_at = 1702592000;
    refresh.grant_id = hash.substr(0, 16);
    refresh.client_id = "seam";

    session_record session;
    session.expires_at = 1700000300;
    session.user_id = "u-1";
    session.email = "owner@example.com";
    session.auth_time = 1700000000;

    throttle_record throttle;
    throttle.window_start = 1700000000;
    throttle.failures = 7;
    throttle.locked_until = 1700000004;
    throttle.last_lockout = 4;

    const std::pair<const char *, std::string> seeds[] = {
        {"code", encode(code)},
        {"tombstone", encode(tomb)},
        {"tombstone-failed", encode(code_tombstone{})},
        {"grant", encode(grant)},
        {"grant-empty", encode(grant_record{})},
        {"access-token", encode(access)},
        {"user", encode(user)},
        {"refresh-token", encode(refresh)},
        {"session", encode(session)},
        {"throttle", encode(throttle)},
    };
    bool ok = true;
    for (const auto &s : seeds) {
        ok &= write(dir, s.first, s.second);
    }
    std::string c = encode(code);
    ok &= write(dir, "broken-code-cut-short", c.substr(0, c.size() - 3));
    ok &= write(dir, "broken-session-extra-byte",
                encode(session) + std::string(1, '\0'));
    std::string v = encode(user);
    v[1] = static_cast<char>(v[1] + 1);
    ok &= write(dir, "broken-user-next-version", v);
    ok &= write(dir, "broken-unknown-kind", std::string("\x7f") + c.substr(1));
    return ok ? 0 : 1;
}
