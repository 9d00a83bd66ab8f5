/*
 * Owner passwords: argon2id from libargon2 with OWASP's minimum
 * (m = 19 MiB, t = 2, p = 1), stored in the PHC string format so the
 * parameters travel with each hash. Slow on purpose: call only from a
 * thread-pool thread or the CLI, never from nginx's event loop.
 */
#pragma once

#include <string>
#include <string_view>

namespace seam {

struct password_params {
    unsigned time_cost = 2;
    unsigned memory_kib = 19 * 1024;
    unsigned parallelism = 1;
};

/* The encoded argon2id hash of `password` with a fresh 16-byte salt. */
std::string hash_password(std::string_view password,
                          const password_params &p = {});

/* True when `password` matches `encoded`; false for any malformed hash. */
bool verify_password(std::string_view password, std::string_view encoded);

/* Burns the same work as a real check, for unknown accounts, so that the
 * time to answer does not tell which e-mail addresses exist. */
void verify_password_decoy(std::string_view password);

}  // namespace seam
