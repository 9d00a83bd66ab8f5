/*
 * password.h: argon2id hashes in PHC format. Three hashes in all (~50 ms
 * each with OWASP's parameters).
 */
#include "helpers.h"
#include "password.h"
#include "suites.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace seam;

START_TEST(hash_and_verify)
{
    std::string h = hash_password("correct horse");
    /* argon2id, OWASP minimum parameters, in the hash */
    ck_assert_std_eq(h.substr(0, 31), "$argon2id$v=19$m=19456,t=2,p=1$");
    ck_assert(verify_password("correct horse", h));
    ck_assert(!verify_password("correct horsE", h));
    ck_assert(!verify_password("correct horse ", h));
    ck_assert(!verify_password("", h));

    /* malformed hashes: false, never a throw or a crash */
    ck_assert(!verify_password("correct horse", ""));
    ck_assert(!verify_password("correct horse", "$argon2id$"));
    ck_assert(!verify_password("correct horse", "$argon2id$garbage"));
    ck_assert(!verify_password("correct horse", h.substr(0, h.size() - 5)));
    ck_assert(!verify_password("correct horse", h.substr(0, 31)));
    ck_assert(!verify_password("correct horse", "plain text"));
    /* another variant of the same hash is refused, not downgraded to */
    std::string argon2i = "$argon2i$" + h.substr(10);
    ck_assert(!verify_password("correct horse", argon2i));
    /* one changed byte in the digest */
    std::string bad = h;
    bad[bad.size() - 2] = bad[bad.size() - 2] == 'A' ? 'B' : 'A';
    ck_assert(!verify_password("correct horse", bad));
    /* a NUL inside the hash string */
    std::string nul = h;
    nul[20] = '\0';
    ck_assert(!verify_password("correct horse", nul));
}
END_TEST

START_TEST(salted)
{
    /* cheap parameters for the second hash: only the salt matters here */
    password_params cheap;
    cheap.time_cost = 1;
    cheap.memory_kib = 64;
    std::string a = hash_password("same", cheap);
    std::string b = hash_password("same", cheap);
    ck_assert_std_ne(a, b);
    ck_assert_contains(a, "$m=64,t=1,p=1$");
    ck_assert(verify_password("same", a));
    ck_assert(verify_password("same", b));
    ck_assert(!verify_password("Same", b));
}
END_TEST

/* A check runs at SCHED_IDLE where the thread can come back from it
 * (root here), and always leaves the thread as it found it: the sign-in's
 * commits that follow in the same thread must not run at idle priority. */
START_TEST(hashing_priority)
{
    std::string h = hash_password("idle");
    std::atomic<pid_t> tid{0};
    std::atomic<bool> done{false};
    int policy_after = -1, nice_before = 0, nice_after = 0;
    bool verified = false;

    std::thread hasher([&] {
        tid = static_cast<pid_t>(syscall(SYS_gettid));
        nice_before = getpriority(PRIO_PROCESS, 0);
        verified = verify_password("idle", h);
        policy_after = sched_getscheduler(0);
        nice_after = getpriority(PRIO_PROCESS, 0);
        done = true;
    });
    bool saw_idle = false;
    while (!done) {
        if (tid != 0 && sched_getscheduler(tid) == SCHED_IDLE) {
            saw_idle = true;
        }
        /* not a busy loop: an idle-class hash runs only on a free core */
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    hasher.join();

    ck_assert(verified);
    ck_assert_int_eq(policy_after, SCHED_OTHER);
    if (geteuid() == 0) {
        ck_assert(saw_idle);
        ck_assert_int_eq(nice_after, nice_before);
    } else {
        /* no way back from idle without privilege: nice 10 instead,
         * where the thread stays */
        ck_assert(!saw_idle);
        if (nice_before <= 10) {
            ck_assert_int_eq(nice_after, 10);
        }
    }
}
END_TEST

Suite *
password_suite()
{
    Suite *s = suite_create("password");
    TCase *tc = tcase_create("argon2id");
    tcase_add_test(tc, hash_and_verify);
    tcase_add_test(tc, salted);
    tcase_add_test(tc, hashing_priority);
    /* hashes at production cost, and one at idle priority: slow when the
     * machine is busy */
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
