/*
 * redeem_queue.h in memory shared with forked processes, as nginx's
 * workers share it: one commit redeems what every process posted; a
 * committer that dies before its commit leaves requests that are redeemed
 * again, once; one that dies after its commit leaves answers that stand;
 * answers too large for a slot bounce back to their poster; the slots of a
 * dead poster are reclaimed; a full store and cancelled posts are
 * answered.
 */
#include "grants.h"
#include "helpers.h"
#include "redeem_queue.h"
#include "suites.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace seam;

namespace {

const char *const redirect = "https://x.integrations.getseam.com/cb";

/* Zeroed memory shared with the processes forked after it. */
class shared_memory {
public:
    explicit shared_memory(size_t bytes) : bytes_(bytes)
    {
        mem_ = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        ck_assert(mem_ != MAP_FAILED);
    }
    ~shared_memory() { munmap(mem_, bytes_); }
    void *get() const { return mem_; }

private:
    void *mem_;
    size_t bytes_;
};

/* A queue of `slots` slots in shared memory. */
struct test_queue {
    explicit test_queue(size_t slots)
        : mem(redeem_queue::bytes_for(slots))
    {
        redeem_queue::lay_out(mem.get(), redeem_queue::bytes_for(slots));
    }
    redeem_queue get() { return redeem_queue(mem.get()); }
    shared_memory mem;
};

std::string
issue(store &s, std::string scope = "devices")
{
    code_record c;
    c.client_id = "seam";
    c.redirect_uri = redirect;
    c.user_id = "u_1";
    c.scope = std::move(scope);
    auto code = issue_code(s, std::move(c), 1000, 60);
    ck_assert(code.has_value());
    return *code;
}

redemption_request
request_for(const std::string &code)
{
    redemption_request r;
    r.code = code;
    r.client_id = "seam";
    r.redirect_uri = std::string(redirect);
    r.now = 1010;
    r.access_token_ttl = 3600;
    r.refresh_token_ttl = 86400;
    return r;
}

size_t
post(redeem_queue &q, const redemption_request &req)
{
    auto slot = q.post(req);
    ck_assert(slot.has_value());
    return *slot;
}

/* The answer in `slot`, which must be a redemption that succeeded and
 * whose access token the store knows. */
redemption
answered_ok(redeem_queue &q, size_t slot, store &s)
{
    redeem_queue::answer a = q.poll(slot);
    ck_assert(a.state == redeem_queue::outcome::answered);
    ck_assert_std_eq(a.failure, "");
    ck_assert_msg(a.redeemed.error == oauth_error::none,
                  "redemption failed: %s", a.redeemed.description.c_str());
    ck_assert(!a.redeemed.replay);
    ck_assert_int_eq(a.redeemed.access_token.size(), 51);
    ck_assert_int_eq(a.redeemed.refresh_token.size(), 51);
    ck_assert_std_eq(a.redeemed.token.user_id, "u_1");
    ck_assert_std_eq(a.redeemed.token.scope, "devices");
    ck_assert_int_eq(a.redeemed.expires_in, 3600);
    auto live = find_access_token(s, a.redeemed.access_token, 1020);
    ck_assert(live.has_value());
    ck_assert_std_eq(live->grant_id, a.redeemed.token.grant_id);
    return a.redeemed;
}

/* Runs `child` in a forked process with a store of its own on `dir`
 * (lmdb.h: no env across fork) and returns its exit status. */
template <class Child>
pid_t
spawn(const std::string &dir, Child child)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        int status;
        {
            store_options o;
            o.path = dir;
            store own(o);
            status = child(own);
        }
        /* the parent's objects are not the child's to destroy */
        _exit(status);
    }
    return pid;
}

int
exit_status(pid_t pid)
{
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

}  // namespace

START_TEST(one_commit_for_every_process)
{
    temp_store ts;
    test_queue tq(8);
    redeem_queue q = tq.get();
    std::string mine = issue(ts.get()), theirs = issue(ts.get());
    int to_child[2], from_child[2];
    ck_assert_int_eq(pipe(to_child), 0);
    ck_assert_int_eq(pipe(from_child), 0);

    /* the other process posts, then waits for the parent's commit */
    pid_t pid = spawn(ts.dir(), [&](store &own) {
        redeem_queue child_q(tq.mem.get());
        auto slot = child_q.post(request_for(theirs));
        char byte = slot ? 'p' : 'x';
        if (write(from_child[1], &byte, 1) != 1 || !slot
            || read(to_child[0], &byte, 1) != 1)
        {
            return 2;
        }
        redeem_queue::answer a = child_q.poll(*slot);
        if (a.state != redeem_queue::outcome::answered
            || a.redeemed.error != oauth_error::none
            || !find_access_token(own, a.redeemed.access_token, 1020))
        {
            return 3;
        }
        return 0;
    });

    char byte = 0;
    ck_assert_int_eq(read(from_child[0], &byte, 1), 1);
    ck_assert_int_eq(byte, 'p');
    size_t slot = post(q, request_for(mine));

    /* one transaction, one commit: both processes' redemptions */
    ck_assert_int_eq(q.commit(ts.get()), 2);
    ck_assert_int_eq(write(to_child[1], "c", 1), 1);
    answered_ok(q, slot, ts.get());
    ck_assert_int_eq(exit_status(pid), 0);

    /* nothing left to commit */
    ck_assert_int_eq(q.commit(ts.get()), 0);
}
END_TEST

START_TEST(answers_wait_for_the_commit)
{
    temp_store ts;
    test_queue tq(4);
    redeem_queue q = tq.get();
    size_t slot = post(q, request_for(issue(ts.get())));

    ck_assert(q.poll(slot).state == redeem_queue::outcome::waiting);
    bool seen_before_commit = false;
    q.commit(ts.get(), [&](redeem_queue::stage st) {
        if (st == redeem_queue::stage::answers_written) {
            seen_before_commit = true;
            ck_assert(q.poll(slot).state == redeem_queue::outcome::waiting);
        }
    });
    ck_assert(seen_before_commit);
    answered_ok(q, slot, ts.get());
    /* a slot is answered once: it is free after */
    ck_assert(q.poll(slot).state == redeem_queue::outcome::waiting);
}
END_TEST

START_TEST(committer_dies_before_commit)
{
    temp_store ts;
    test_queue tq(4);
    redeem_queue q = tq.get();
    std::string code1 = issue(ts.get()), code2 = issue(ts.get());
    size_t a = post(q, request_for(code1));
    size_t b = post(q, request_for(code2));

    /* a committer that dies with both taken, their answers written, and
     * the write lock held */
    pid_t pid = spawn(ts.dir(), [&](store &own) {
        redeem_queue child_q(tq.mem.get());
        child_q.commit(own, [](redeem_queue::stage st) {
            if (st == redeem_queue::stage::answers_written) {
                _exit(7);
            }
        });
        return 0;
    });
    ck_assert_int_eq(exit_status(pid), 7);
    ck_assert(q.poll(a).state == redeem_queue::outcome::waiting);

    /* the next committer redeems them again: once, not as a replay */
    ck_assert_int_eq(q.commit(ts.get()), 2);
    redemption ra = answered_ok(q, a, ts.get());
    redemption rb = answered_ok(q, b, ts.get());
    ck_assert_std_ne(ra.access_token, rb.access_token);

    /* and the codes are spent */
    redemption again = redeem_code(ts.get(), request_for(code1));
    ck_assert(again.error == oauth_error::invalid_grant);
}
END_TEST

START_TEST(committer_dies_after_commit)
{
    temp_store ts;
    test_queue tq(4);
    redeem_queue q = tq.get();
    std::string code = issue(ts.get());
    size_t slot = post(q, request_for(code));

    pid_t pid = spawn(ts.dir(), [&](store &own) {
        redeem_queue child_q(tq.mem.get());
        child_q.commit(own, [](redeem_queue::stage st) {
            if (st == redeem_queue::stage::committed) {
                _exit(8);
            }
        });
        return 0;
    });
    ck_assert_int_eq(exit_status(pid), 8);
    /* committed but not published */
    ck_assert(q.poll(slot).state == redeem_queue::outcome::waiting);

    /* the next committer publishes the answer and redeems nothing */
    ck_assert_int_eq(q.commit(ts.get()), 0);
    answered_ok(q, slot, ts.get());
    redemption again = redeem_code(ts.get(), request_for(code));
    ck_assert(again.error == oauth_error::invalid_grant);
}
END_TEST

START_TEST(commit_after_another_writer_reuses_the_id)
{
    /* The dead committer's transaction id goes to the next writer, which
     * here is not a committer of the queue: its commit must not pass for
     * the dead one's. */
    temp_store ts;
    test_queue tq(4);
    redeem_queue q = tq.get();
    std::string code = issue(ts.get());
    size_t slot = post(q, request_for(code));

    pid_t pid = spawn(ts.dir(), [&](store &own) {
        redeem_queue child_q(tq.mem.get());
        child_q.commit(own, [](redeem_queue::stage st) {
            if (st == redeem_queue::stage::answers_written) {
                _exit(7);
            }
        });
        return 0;
    });
    ck_assert_int_eq(exit_status(pid), 7);
    issue(ts.get());                       /* another writer commits */

    ck_assert_int_eq(q.commit(ts.get()), 1);
    answered_ok(q, slot, ts.get());
}
END_TEST

START_TEST(large_answer_bounces)
{
    temp_store ts;
    test_queue tq(4);
    redeem_queue q = tq.get();
    /* a scope too long for a slot's answer */
    std::string big = issue(ts.get(), std::string(3100, 's'));
    size_t small = post(q, request_for(issue(ts.get())));
    size_t large = post(q, request_for(big));
    size_t small2 = post(q, request_for(issue(ts.get())));

    ck_assert_int_eq(q.commit(ts.get()), 2);
    answered_ok(q, small, ts.get());
    answered_ok(q, small2, ts.get());
    ck_assert(q.poll(large).state == redeem_queue::outcome::bounced);
    /* the bounced code is untouched: its poster redeems it alone */
    redemption alone = redeem_code(ts.get(), request_for(big));
    ck_assert(alone.error == oauth_error::none);
    ck_assert_int_eq(alone.token.scope.size(), 3100);
}
END_TEST

START_TEST(large_request_not_posted)
{
    test_queue tq(4);
    redeem_queue q = tq.get();
    redemption_request r = request_for("x");
    r.code_verifier = std::string(redeem_queue::request_room, 'v');
    ck_assert(!q.post(r).has_value());
}
END_TEST

START_TEST(dead_posters_slots_reclaimed)
{
    temp_store ts;
    test_queue tq(3);
    redeem_queue q = tq.get();
    std::string code = issue(ts.get());

    /* a poster that fills every slot and dies */
    pid_t pid = spawn(ts.dir(), [&](store &) {
        redeem_queue child_q(tq.mem.get());
        for (int i = 0; i < 3; i++) {
            if (!child_q.post(request_for(code))) {
                return 2;
            }
        }
        return child_q.post(request_for(code)) ? 3 : 0;
    });
    ck_assert_int_eq(exit_status(pid), 0);

    /* its posts are dropped, not redeemed for nobody */
    size_t slot = post(q, request_for(code));
    ck_assert_int_eq(q.commit(ts.get()), 1);
    answered_ok(q, slot, ts.get());
}
END_TEST

START_TEST(live_posters_slots_kept)
{
    test_queue tq(2);
    redeem_queue q = tq.get();
    post(q, request_for("a"));
    post(q, request_for("b"));
    ck_assert(!q.post(request_for("c")).has_value());
    ck_assert_int_eq(q.reclaim(), 0);
}
END_TEST

START_TEST(cancelled_post_not_redeemed)
{
    temp_store ts;
    test_queue tq(2);
    redeem_queue q = tq.get();
    std::string code = issue(ts.get());
    size_t slot = post(q, request_for(code));
    ck_assert(q.cancel(slot));
    ck_assert(!q.cancel(slot));
    ck_assert_int_eq(q.commit(ts.get()), 0);
    redemption alone = redeem_code(ts.get(), request_for(code));
    ck_assert(alone.error == oauth_error::none);
}
END_TEST

START_TEST(unknown_code_answered)
{
    temp_store ts;
    test_queue tq(2);
    redeem_queue q = tq.get();
    size_t slot = post(q, request_for(std::string(51, 'A')));
    ck_assert_int_eq(q.commit(ts.get()), 1);
    redeem_queue::answer a = q.poll(slot);
    ck_assert(a.state == redeem_queue::outcome::answered);
    ck_assert(a.redeemed.error == oauth_error::invalid_grant);
    ck_assert_std_eq(a.redeemed.description, "unknown authorization code");
}
END_TEST

START_TEST(full_store_answered)
{
    temp_store ts(256 << 10);
    test_queue tq(2);
    redeem_queue q = tq.get();
    std::string code = issue(ts.get());
    size_t slot = post(q, request_for(code));
    fill_store(ts.get());
    q.commit(ts.get());
    redeem_queue::answer a = q.poll(slot);
    ck_assert(a.state == redeem_queue::outcome::answered);
    ck_assert(a.redeemed.store_full);
    ck_assert(a.redeemed.error == oauth_error::temporarily_unavailable);
    ck_assert(a.redeemed.access_token.empty());
}
END_TEST

START_TEST(stale_queue_records_dropped)
{
    temp_store ts;
    test_queue tq(2), other(2);
    redeem_queue q = tq.get();
    {
        /* a queue's record last written at 1970-01-01T00:00:01 */
        txn t = ts.get().begin_write();
        t.put(table::meta, "redeem_queue:00000000000000aa",
              std::string("\x03\x01\x05\x01", 4));
        t.commit();
    }
    redeem_queue live = other.get();
    post(live, request_for(issue(ts.get())));
    ck_assert_int_eq(live.commit(ts.get()), 1);

    post(q, request_for(issue(ts.get())));
    ck_assert_int_eq(q.commit(ts.get()), 1);
    txn t = ts.get().begin_read();
    ck_assert(!t.get(table::meta, "redeem_queue:00000000000000aa"));
    ck_assert(t.get(table::meta, live.commit_key()).has_value());
    ck_assert(t.get(table::meta, q.commit_key()).has_value());
    ck_assert_std_ne(live.commit_key(), q.commit_key());
}
END_TEST

START_TEST(not_laid_out_refused)
{
    shared_memory mem(redeem_queue::bytes_for(1));
    bool refused = false;
    try {
        redeem_queue q(mem.get());
    } catch (const std::runtime_error &) {
        refused = true;
    }
    ck_assert(refused);
}
END_TEST

Suite *
redeem_queue_suite()
{
    Suite *s = suite_create("redeem_queue");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, one_commit_for_every_process);
    tcase_add_test(tc, answers_wait_for_the_commit);
    tcase_add_test(tc, committer_dies_before_commit);
    tcase_add_test(tc, committer_dies_after_commit);
    tcase_add_test(tc, commit_after_another_writer_reuses_the_id);
    tcase_add_test(tc, large_answer_bounces);
    tcase_add_test(tc, large_request_not_posted);
    tcase_add_test(tc, dead_posters_slots_reclaimed);
    tcase_add_test(tc, live_posters_slots_kept);
    tcase_add_test(tc, cancelled_post_not_redeemed);
    tcase_add_test(tc, unknown_code_answered);
    tcase_add_test(tc, full_store_answered);
    tcase_add_test(tc, stale_queue_records_dropped);
    tcase_add_test(tc, not_laid_out_refused);
    suite_add_tcase(s, tc);
    return s;
}
