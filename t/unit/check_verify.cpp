/*
 * verify.h on real stores and files: a store made by the core's own
 * functions is sound, with its counts; a record that is not its table's
 * kind, cut short or garbage is named with its table and key; a file cut
 * short, not LMDB's, not seam-oauth's, or damaged so that LMDB faults
 * reading it, is refused with why, and never ends the caller.
 */
#include "backup.h"
#include "helpers.h"
#include "records.h"
#include "store_files.h"
#include "suites.h"
#include "users.h"
#include "verify.h"

#include <lmdb.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

using namespace seam;

namespace {

/* Owners, a code, grants with access and refresh tokens: the core's own
 * records, one of each kind but sessions, throttles and ended owners. */
void
fill_with_records(store &s)
{
    ck_assert(add_user(s, "a@example.com", "$argon2id$fake", 1000)
              == user_change::done);
    ck_assert(add_user(s, "b@example.com", "$argon2id$fake", 1000)
              == user_change::done);
    redeem_fresh_code(s, "u_1", "devices", 1000, 1010, 86400);
    redeem_fresh_code(s, "u_2", "", 1000, 1010, 0);
    code_record c;
    c.client_id = "seam";
    c.user_id = "u_1";
    ck_assert(issue_code(s, c, 1000, 60).has_value());
}

size_t
count(const verify_report &r, table t)
{
    return r.records[static_cast<int>(t)];
}

size_t
damaged(const verify_report &r, table t)
{
    return r.damaged[static_cast<int>(t)];
}

void
put(store &s, table t, const std::string &key, const std::string &value)
{
    txn w = s.begin_write();
    w.put(t, key, value);
    w.commit();
}

}  // namespace

START_TEST(sound_store_counted)
{
    temp_store ts;
    store &s = ts.get();
    fill_with_records(s);
    verify_report r;
    {
        txn t = s.begin_read();
        r = verify_tables(t);
    }
    ck_assert(r.sound());
    ck_assert_int_eq(count(r, table::users), 2);
    ck_assert_int_eq(count(r, table::grants), 2);
    ck_assert_int_eq(count(r, table::tokens), 2);
    ck_assert_int_eq(count(r, table::refresh), 1);
    /* two tombstones and the code not redeemed */
    ck_assert_int_eq(count(r, table::codes), 3);
    ck_assert_int_eq(r.total_records(), 10);
    ck_assert_int_eq(r.total_damaged(), 0);
    ck_assert(r.problems.empty());

    /* read by a child, while this process has the store open */
    verify_report d = verify_store(ts.dir());
    ck_assert_msg(d.sound(), "%s", describe(d, "it").c_str());
    for (int i = 0; i < table_count; i++) {
        ck_assert_int_eq(d.records[i], r.records[i]);
    }
    std::string text = describe(d, "the store");
    ck_assert_contains(text, "users      2\n");
    ck_assert_contains(text, "codes      3\n");
    ck_assert_contains(text, "sound: the store, 10 records in 9 tables\n");
}
END_TEST

START_TEST(each_table_its_kind)
{
    struct {
        table t;
        std::string good;
        const char *wanted;
    } cases[] = {
        {table::users, encode(user_record{"u_1", "h", 1}), "an owner account"},
        {table::codes, encode(code_record{}), "a code"},
        {table::codes, encode(code_tombstone{}), "a code"},
        {table::tokens, encode(access_token_record{}), "an access token"},
        {table::grants, encode(grant_record{}), "a grant"},
        {table::refresh, encode(refresh_token_record{}), "a refresh token"},
        {table::sessions, encode(session_record{}), "a sign-in session"},
        {table::throttle, encode(throttle_record{}), "a throttle counter"},
        {table::owners, encode(owner_record{}), "an owner's ended access"},
    };
    for (const auto &c : cases) {
        ck_assert_std_eq(record_problem(c.t, "k", c.good), "");
        std::string cut = c.good.substr(0, c.good.size() - 1);
        std::string why = record_problem(c.t, "k", cut);
        ck_assert_contains(why, "a damaged record of ");
        ck_assert_contains(why, "cut short");
        std::string extra = record_problem(c.t, "k", c.good + "x");
        ck_assert_contains(extra, "a damaged record of ");
        ck_assert_std_eq(record_problem(c.t, "k", "garbage"),
                         std::string("not ") + c.wanted
                             + (c.t == table::codes
                                    ? " or a redeemed code's tombstone"
                                    : "")
                             + ": not a record of seam-oauth at all");
        ck_assert_contains(record_problem(c.t, "k", ""), "at all");
    }
    /* a record of the wrong table is named for what it is */
    ck_assert_std_eq(record_problem(table::tokens, "k",
                                    encode(grant_record{})),
                     "not an access token but a grant");
    ck_assert_std_eq(record_problem(table::users, "k",
                                    encode(session_record{})),
                     "not an owner account but a sign-in session");
    /* the meta table holds the CSRF key only */
    ck_assert_std_eq(record_problem(table::meta, "csrf_key",
                                    std::string(32, 'k')),
                     "");
    ck_assert_std_eq(record_problem(table::meta, "csrf_key", "short"),
                     "the CSRF key is 5 bytes, not 32");
    ck_assert_std_eq(record_problem(table::meta, "other",
                                    std::string(32, 'k')),
                     "a key seam-oauth never writes there");
}
END_TEST

START_TEST(damaged_named_and_counted)
{
    temp_store ts;
    store &s = ts.get();
    fill_with_records(s);
    /* a grant where an access token belongs, under a hash's key */
    put(s, table::tokens, std::string("\x01\xff\x10", 3),
        encode(grant_record{}));
    /* an owner account whose password hash is cut short */
    std::string user = encode(user_record{"u_9", "$argon2id$x", 5});
    put(s, table::users, "c@example.com", user.substr(0, 8));
    verify_report r;
    {
        txn t = s.begin_read();
        r = verify_tables(t);
    }
    ck_assert(!r.sound());
    ck_assert_int_eq(r.total_damaged(), 2);
    ck_assert_int_eq(damaged(r, table::tokens), 1);
    ck_assert_int_eq(damaged(r, table::users), 1);
    ck_assert_int_eq(count(r, table::users), 3);
    ck_assert_int_eq(r.problems.size(), 2);
    ck_assert_std_eq(r.problems[0],
                     "users \"c@example.com\": a damaged record of an owner "
                     "account: cut short, or a length or a number out of "
                     "bounds");
    ck_assert_std_eq(r.problems[1],
                     "tokens 01ff10: not an access token but a grant");
    std::string text = describe(r, "the store");
    ck_assert_contains(text, "users      3 (1 damaged)\n");
    ck_assert_contains(text, "  tokens 01ff10: not an access token");
    ck_assert_contains(text, "not sound: the store, 2 of 12 records "
                             "damaged\n");
    /* the child's report is the same */
    verify_report d = verify_store(ts.dir());
    ck_assert(!d.sound());
    ck_assert(d.unusable.empty());
    ck_assert(d.problems == r.problems);

    /* many: every one counted, the first ones named */
    for (int i = 0; i < 30; i++) {
        put(s, table::sessions, "s" + std::to_string(100 + i), "bad");
    }
    {
        txn t = s.begin_read();
        r = verify_tables(t);
    }
    ck_assert_int_eq(r.total_damaged(), 32);
    ck_assert_int_eq(r.problems.size(), verify_named_problems);
    ck_assert_contains(describe(r, "it"), "  ... and 12 more\n");
}
END_TEST

START_TEST(files_refused_with_why)
{
    temp_store ts;
    fill_with_records(ts.get());
    std::string copy = backup_copy(ts.get());
    verify_report r = verify_file(copy);
    ck_assert_msg(r.sound(), "%s", describe(r, "it").c_str());
    ck_assert_int_eq(r.total_records(), 10);

    std::string dir = copy.substr(0, copy.rfind('/'));
    std::string cut = dir + "/cut.mdb";
    std::string cmd = "cp " + copy + " " + cut;
    ck_assert_int_eq(system(cmd.c_str()), 0);
    ck_assert_int_eq(truncate(cut.c_str(), size_of(cut) / 2), 0);
    r = verify_file(cut);
    ck_assert(!r.sound());
    ck_assert_contains(r.unusable, "the file \"" + cut + "\": it is cut "
                                   "short: ");
    ck_assert_not_contains(r.unusable, "restore");

    std::string text = dir + "/text.mdb";
    {
        int fd = open(text.c_str(), O_WRONLY | O_CREAT, 0600);
        std::string junk(10000, 'x');
        ck_assert_int_eq(write(fd, junk.data(), junk.size()), 10000);
        close(fd);
    }
    ck_assert_contains(verify_file(text).unusable, "it is not an LMDB file");
    ck_assert_contains(verify_file(dir + "/none.mdb").unusable,
                       "cannot read it: No such file or directory");
    ck_assert_contains(verify_file(dir).unusable, "not a regular file");
    ck_assert_contains(describe(verify_file(text), "x"), "not sound: the "
                                                          "file ");

    /* LMDB's, but not a store of ours: no table of seam-oauth's */
    std::string other = dir + "/other.mdb";
    MDB_env *env;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_open(env, other.c_str(), MDB_NOSUBDIR, 0600), 0);
    MDB_txn *t;
    MDB_dbi dbi;
    ck_assert_int_eq(mdb_txn_begin(env, nullptr, 0, &t), 0);
    ck_assert_int_eq(mdb_dbi_open(t, nullptr, 0, &dbi), 0);
    MDB_val k{5, const_cast<char *>("hello")}, v{5, const_cast<char *>("world")};
    ck_assert_int_eq(mdb_put(t, dbi, &k, &v, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(t), 0);
    mdb_env_close(env);
    ck_assert_std_eq(verify_file(other).unusable,
                     "the file \"" + other + "\": it is not a seam-oauth "
                     "store: it has no table \"meta\"");

    /* a store directory without data.mdb */
    std::string empty = make_temp_dir();
    ck_assert_contains(verify_store(empty).unusable, "has no data.mdb");
}
END_TEST

/* The last page of a compacted copy is the main database's root: with a
 * count of entries far past the page, LMDB's search reads beyond the end
 * of the file and faults (SIGBUS). The check runs in a child, so this
 * process goes on and says why. */
START_TEST(faulting_file_reported)
{
    temp_store ts;
    fill_with_records(ts.get());
    std::string copy = backup_copy(ts.get());
    off_t last = size_of(copy) - 4096;
    uint16_t lower = 0xfff0;
    overwrite(copy, last + 12,
              std::string(reinterpret_cast<const char *>(&lower), 2));
    /* whole by its meta pages: only reading its pages shows the damage */
    ck_assert_std_eq(check_lmdb_file(copy), "");
    verify_report r = verify_file(copy);
    ck_assert(!r.sound());
    ck_assert_contains(r.unusable, "the file \"" + copy + "\": its pages "
                                   "are damaged: LMDB faulted reading them (");
}
END_TEST

Suite *
verify_suite()
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sound_store_counted);
    tcase_add_test(tc, each_table_its_kind);
    tcase_add_test(tc, damaged_named_and_counted);
    tcase_add_test(tc, files_refused_with_why);
    tcase_add_test(tc, faulting_file_reported);
    suite_add_tcase(s, tc);
    return s;
}
