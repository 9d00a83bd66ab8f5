/*
 * store_files.h on real LMDB files: a whole data.mdb passes; one empty,
 * cut short of its last commit, or with a garbage meta page is refused
 * with its reason; a directory or file another user cannot use is named
 * with the fix (security.md L1, L6).
 */
#include "helpers.h"
#include "store.h"
#include "store_files.h"
#include "suites.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

using namespace seam;

namespace {

/* A store with some records, closed: the directory holding it. */
std::string
closed_store()
{
    std::string dir = make_temp_dir();
    store_options o;
    o.path = dir;
    o.grow_step = 0;
    store s(o);
    for (int i = 0; i < 200; i++) {
        txn t = s.begin_write();
        t.put(table::users, "user" + std::to_string(i), std::string(300, 'x'));
        t.commit();
    }
    return dir;
}

store_user
nobody()
{
    store_user u;
    u.any = false;
    u.uid = 65534;
    u.gid = 65534;
    u.name = "nobody";
    return u;
}

}  // namespace

START_TEST(whole_and_missing)
{
    std::string dir = closed_store();
    ck_assert_std_eq(check_data_file(dir), "");
    ck_assert_std_eq(prepare_store(dir, store_user{}), "");
    /* a store not made yet is not an error: the first worker makes it */
    std::string empty_dir = make_temp_dir();
    ck_assert_std_eq(check_data_file(empty_dir), "");
    remove_dir(dir);
    remove_dir(empty_dir);
}
END_TEST

/* A worker checks data.mdb while another process commits, each commit
 * lengthening the file (no room written ahead): the check must never take
 * the file for one cut short. It reads the meta pages first, then the
 * size: a commit writes its pages before its meta page. */
START_TEST(check_during_commits)
{
    std::string dir = closed_store();
    std::atomic<bool> done{false};
    std::thread writer([&] {
        store_options o;
        o.path = dir;
        o.grow_step = 0;
        o.map_size = 64 << 20;
        store s(o);
        for (int i = 0; i < 500; i++) {
            txn t = s.begin_write();
            t.put(table::users, "grow" + std::to_string(i),
                  std::string(5000, 'g'));
            t.commit();
        }
        done = true;
    });
    int checks = 0;
    std::string first_failure;
    while (!done) {
        std::string why = check_data_file(dir);
        if (!why.empty() && first_failure.empty()) {
            first_failure = why;
        }
        checks++;
    }
    writer.join();
    ck_assert_int_gt(checks, 100);
    ck_assert_std_eq(first_failure, "");
    remove_dir(dir);
}
END_TEST

START_TEST(damaged)
{
    std::string dir = closed_store();
    std::string file = dir + "/data.mdb";
    off_t size = size_of(file);

    ck_assert_int_eq(truncate(file.c_str(), size / 2), 0);
    ck_assert_contains(check_data_file(dir), "it is cut short: ");
    ck_assert_contains(prepare_store(dir, store_user{}), "where its last "
                                                         "commit needs");
    ck_assert_int_eq(truncate(file.c_str(), 100), 0);
    ck_assert_contains(check_data_file(dir), "its meta pages are cut short");
    ck_assert_int_eq(truncate(file.c_str(), 0), 0);
    ck_assert_contains(check_data_file(dir), "it is empty: restore it");
    remove_dir(dir);

    dir = closed_store();
    file = dir + "/data.mdb";
    overwrite(file, 16, std::string(8, '\xff'));
    ck_assert_contains(check_data_file(dir), "it is not an LMDB file");
    remove_dir(dir);

    dir = closed_store();
    file = dir + "/data.mdb";
    overwrite(file, 4096 + 16, std::string(4, '\0'));
    ck_assert_contains(check_data_file(dir), "it is not an LMDB file");
    remove_dir(dir);

    dir = closed_store();
    file = dir + "/data.mdb";
    overwrite(file, 16 + 4, std::string("\x07\x00\x00\x00", 4));
    ck_assert_contains(check_data_file(dir), "another LMDB version");
    remove_dir(dir);
}
END_TEST

/* Any data file, such as a backup: the same checks, its own words (no
 * advice to restore what is itself the backup). */
START_TEST(any_file)
{
    std::string dir = closed_store();
    std::string file = dir + "/data.mdb";
    ck_assert_std_eq(check_lmdb_file(file), "");
    off_t size = size_of(file);
    ck_assert_int_eq(truncate(file.c_str(), size / 2), 0);
    std::string why = check_lmdb_file(file);
    ck_assert_contains(why, "it is cut short: " + std::to_string(size / 2)
                            + " bytes, where its last commit needs ");
    ck_assert_not_contains(why, "restore");
    ck_assert_int_eq(truncate(file.c_str(), 0), 0);
    ck_assert_std_eq(check_lmdb_file(file), "it is empty");
    ck_assert_std_eq(check_lmdb_file(dir + "/none"),
                     "cannot read it: No such file or directory");
    ck_assert_std_eq(check_lmdb_file(dir), "it is not a regular file");
    remove_dir(dir);
}
END_TEST

START_TEST(users_and_kinds)
{
    /* files of root's read as another user's: as make test runs, as
     * root (t/172 checks the same through nginx) */
    ck_assert_msg(geteuid() == 0, "this test needs root, as make test has");
    /* the run's directory open to others, as /var/lib is */
    chmod(unit_tmp_root().c_str(), 0755);
    std::string dir = closed_store();
    /* root made it, mode 0700: nobody cannot enter */
    chmod(dir.c_str(), 0700);
    ck_assert_contains(prepare_store(dir, nobody()),
                       "is owned by root (mode 0700); nginx's user nobody "
                       "cannot use it: chown it to nobody");
    ck_assert_int_eq(chown(dir.c_str(), 65534, 65534), 0);
    ck_assert_int_eq(chown((dir + "/data.mdb").c_str(), 65534, 65534), 0);
    chmod((dir + "/lock.mdb").c_str(), 0600);
    ck_assert_contains(prepare_store(dir, nobody()), "/lock.mdb\" is owned "
                                                     "by root (mode 0600)");
    /* readable and writable by its group or by all will do */
    chmod((dir + "/lock.mdb").c_str(), 0666);
    ck_assert_std_eq(prepare_store(dir, nobody()), "");

    /* a file where the directory should be */
    std::string file = dir + "/data.mdb";
    ck_assert_contains(prepare_store(file, store_user{}), "is not a "
                                                          "directory");
    remove_dir(dir);

    /* a missing directory: made, mode 0700, handed to the user */
    std::string parent = make_temp_dir();
    std::string made = parent + "/store";
    chmod(parent.c_str(), 0755);
    ck_assert_std_eq(prepare_store(made, nobody()), "");
    struct stat st;
    ck_assert_int_eq(stat(made.c_str(), &st), 0);
    ck_assert_uint_eq(st.st_uid, 65534);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
    /* a parent the user may not pass */
    chmod(parent.c_str(), 0700);
    ck_assert_contains(prepare_store(made, nobody()), "is closed to it");
    rmdir(made.c_str());
    remove_dir(parent);
    ck_assert(owner_of("/nonexistent/dir").any);
    ck_assert_uint_eq(owner_of("/").uid, 0);
}
END_TEST

Suite *
store_files_suite()
{
    Suite *s = suite_create("store_files");
    TCase *tc = tcase_create("store_files");
    tcase_add_test(tc, whole_and_missing);
    /* real LMDB files, a durable commit each: seconds on a busy disk */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, check_during_commits);
    tcase_add_test(tc, damaged);
    tcase_add_test(tc, any_file);
    tcase_add_test(tc, users_and_kinds);
    suite_add_tcase(s, tc);
    return s;
}
