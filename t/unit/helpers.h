/*
 * Shared by the unit tests: std::string assertions for Check, and a
 * throw-away LMDB store.
 */
#pragma once

#include "codes.h"
#include "revocation.h"
#include "sessions.h"
#include "sweep.h"
#include "tokens.h"
#include "store.h"

#include <check.h>
#include <sys/types.h>
/* check.h's deprecated fail() macro breaks <ios> (basic_ios::fail) */
#undef fail

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

/* `s` with non-printable bytes as \xNN, for failure messages. */
std::string printable(std::string_view s);

/* Check's ck_assert_str_* keep a `const char *`, which would dangle for a
 * temporary std::string: compare std::strings instead. */
#define ck_assert_std_eq(X, Y)                                              \
    do {                                                                    \
        const std::string ck_x_(X), ck_y_(Y);                               \
        ck_assert_msg(ck_x_ == ck_y_, "Assertion '%s == %s' failed: "       \
                      "\"%s\" != \"%s\"", #X, #Y,                           \
                      printable(ck_x_).c_str(), printable(ck_y_).c_str());  \
    } while (0)

#define ck_assert_std_ne(X, Y)                                              \
    do {                                                                    \
        const std::string ck_x_(X), ck_y_(Y);                               \
        ck_assert_msg(ck_x_ != ck_y_, "Assertion '%s != %s' failed: "       \
                      "both \"%s\"", #X, #Y, printable(ck_x_).c_str());     \
    } while (0)

/* `haystack` contains `needle`. */
#define ck_assert_contains(HAYSTACK, NEEDLE)                                \
    do {                                                                    \
        const std::string ck_h_(HAYSTACK), ck_n_(NEEDLE);                   \
        ck_assert_msg(ck_h_.find(ck_n_) != std::string::npos,               \
                      "\"%s\" does not contain \"%s\"",                     \
                      printable(ck_h_).c_str(), printable(ck_n_).c_str());  \
    } while (0)

#define ck_assert_not_contains(HAYSTACK, NEEDLE)                            \
    do {                                                                    \
        const std::string ck_h_(HAYSTACK), ck_n_(NEEDLE);                   \
        ck_assert_msg(ck_h_.find(ck_n_) == std::string::npos,               \
                      "\"%s\" contains \"%s\"",                             \
                      printable(ck_h_).c_str(), printable(ck_n_).c_str());  \
    } while (0)

/* The tests of codes and access tokens ask for no refresh token
 * (redemption_request::refresh_token_ttl 0), so that a grant lives
 * exactly as long as its access tokens. */
template <typename Request>
void
without_refresh_token(Request &r)
{
    r.refresh_token_ttl = 0;
}

/* A code of `client` for `user`, issued at `issued_at` and redeemed at
 * `redeemed_at` (access token: an hour; refresh token: `refresh_ttl`, 0
 * for none); the redemption, which must succeed. */
seam::redemption redeem_fresh_code(seam::store &s, const std::string &user,
                                   const std::string &scope,
                                   uint64_t issued_at, uint64_t redeemed_at,
                                   uint64_t refresh_ttl,
                                   const std::string &client = "seam");

/* The 6 leading bytes of a secret's raw form or of its store key, as the
 * issue time in milliseconds (secrets.h), decoded here independently of
 * the library. */
uint64_t time_of(std::string_view bytes);

/* The directory main() made for this run (mkdtemp under /tmp); removed
 * with everything in it when the run ends, so that a failed test (Check
 * _exit()s a forked test on failure, skipping destructors) leaves nothing
 * behind. */
const std::string &unit_tmp_root();
void make_unit_tmp_root();
void remove_unit_tmp_root();

/* The size of `file`, which must exist. */
off_t size_of(const std::string &file);
/* `bytes` written over `file` at `at`. */
void overwrite(const std::string &file, off_t at, const std::string &bytes);

/* A fresh directory (mkdtemp) under the run's root. */
std::string make_temp_dir();
/* Removes `dir` and the files directly in it. */
void remove_dir(const std::string &dir);

/* A new LMDB environment (a 16 MiB map unless told) in its own temporary
 * directory; the destructor closes it and removes data.mdb, lock.mdb and
 * the directory. */
class temp_store {
public:
    explicit temp_store(size_t map_size = 16 << 20);
    ~temp_store();
    temp_store(const temp_store &) = delete;
    temp_store &operator=(const temp_store &) = delete;

    seam::store &get() { return *store_; }
    const std::string &dir() const { return dir_; }

private:
    std::string dir_;
    std::unique_ptr<seam::store> store_;
};

/* A compacted copy of `s` (backup.h, as seam-oauth backup makes it) in a
 * new directory: its path. */
std::string backup_copy(seam::store &s);

/* Puts 3000-byte values under "filler0", "filler1", ... in the meta table,
 * one per transaction, until the map is full; returns how many fit. */
int fill_store(seam::store &s);
