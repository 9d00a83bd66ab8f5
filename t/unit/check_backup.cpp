/*
 * backup.h on real stores: a backup is compacted, mode 0600 from its
 * creation whatever the umask, whole and verified, and consistent while
 * another thread commits; an existing file is kept unless replaced on
 * purpose. A restore puts a backup in place only when it verifies and
 * no other process has the store open (that process is named), leaves the
 * store as it was otherwise, and empties lock.mdb.
 */
#include "backup.h"
#include "helpers.h"
#include "records.h"
#include "suites.h"
#include "users.h"
#include "verify.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>

using namespace seam;

namespace {

std::string
slurp(const std::string &file)
{
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void
spit(const std::string &file, const std::string &bytes)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::set<std::string>
names_in(const std::string &dir)
{
    std::set<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
        while (struct dirent *e = readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != "..") {
                names.insert(n);
            }
        }
        closedir(d);
    }
    return names;
}

struct stat
stat_of(const std::string &file)
{
    struct stat st;
    ck_assert_msg(stat(file.c_str(), &st) == 0, "no %s", file.c_str());
    return st;
}

void
add_owners(store &s, int from, int to)
{
    txn t = s.begin_write();
    for (int i = from; i < to; i++) {
        t.put(table::users, "o" + std::to_string(i) + "@example.com",
              encode(user_record{"u_" + std::to_string(i), "h", 1}));
    }
    t.commit();
}

size_t
owners_in(const verify_report &r)
{
    return r.records[static_cast<int>(table::users)];
}

/* Owners added to the store in `dir`, opened for that and closed. */
void
add_owners(const std::string &dir, int from, int to)
{
    store_options o;
    o.path = dir;
    store s(o);
    add_owners(s, from, to);
}

/* A closed store in a new directory with `n` owners: its directory. */
std::string
closed_store(int n)
{
    std::string dir = make_temp_dir();
    add_owners(dir, 0, n);
    return dir;
}

std::string
backup_of(const std::string &dir)
{
    store_options o;
    o.path = dir;
    store s(o);
    return backup_copy(s);
}

}  // namespace

START_TEST(backup_compact_and_private)
{
    temp_store ts;
    store &s = ts.get();
    add_owners(s, 0, 3000);
    {
        /* free pages a compacted copy leaves out */
        txn t = s.begin_write();
        for (int i = 0; i < 2900; i++) {
            t.del(table::users, "o" + std::to_string(i) + "@example.com");
        }
        t.commit();
    }
    std::string dir = make_temp_dir();
    std::string dest = dir + "/seam.mdb";
    mode_t old = umask(0);
    backup_outcome out = backup_store(s, dest, store_user{}, false);
    umask(old);
    ck_assert_msg(out.ok, "%s", out.message.c_str());
    ck_assert_contains(out.message, "backed up the store \"" + ts.dir()
                                    + "\" to \"" + dest + "\": 100 records "
                                    "in 9 tables, ");
    ck_assert_contains(out.message, " bytes, verified");
    struct stat st = stat_of(dest);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_lt(st.st_size, s.stats().used_bytes / 2);
    /* nothing but the backup: no temporary file left */
    ck_assert(names_in(dir) == std::set<std::string>{"seam.mdb"});
    verify_report r = verify_file(dest);
    ck_assert(r.sound());
    ck_assert_int_eq(owners_in(r), 100);
    ck_assert(out.report.sound());
    ck_assert_int_eq(owners_in(out.report), 100);
}
END_TEST

START_TEST(backup_keeps_what_exists)
{
    temp_store ts;
    store &s = ts.get();
    add_owners(s, 0, 5);
    std::string dir = make_temp_dir();
    std::string dest = dir + "/old.mdb";
    spit(dest, "an earlier backup");

    backup_outcome out = backup_store(s, dest, store_user{}, false);
    ck_assert(!out.ok);
    ck_assert_std_eq(out.message, "\"" + dest + "\" exists: give a new "
                                  "name, or --force to replace it");
    ck_assert_std_eq(slurp(dest), "an earlier backup");

    out = backup_store(s, dest, store_user{}, true);
    ck_assert_msg(out.ok, "%s", out.message.c_str());
    ck_assert_int_eq(owners_in(verify_file(dest)), 5);
    ck_assert_int_eq(stat_of(dest).st_mode & 07777, 0600);
    ck_assert(names_in(dir) == std::set<std::string>{"old.mdb"});

    out = backup_store(s, dir, store_user{}, true);
    ck_assert(!out.ok);
    ck_assert_contains(out.message, "is not a file: a backup is one file");
    out = backup_store(s, dir + "/", store_user{}, false);
    ck_assert(!out.ok);
    ck_assert_contains(out.message, "a backup is a file: name it");
    out = backup_store(s, dir + "/missing/b.mdb", store_user{}, false);
    ck_assert(!out.ok);
    ck_assert_contains(out.message, "cannot create a file in \"" + dir
                                    + "/missing\": No such file");
}
END_TEST

/* Never into the store's own directory: `--force` onto data.mdb or
 * lock.mdb (by their names, another spelling or a hard link) would have
 * renamed a copy over the files running workers have open. A restore
 * from the store's own data.mdb is refused too. Nothing changes. */
START_TEST(backup_refuses_the_store_directory)
{
    temp_store ts;
    store &s = ts.get();
    add_owners(s, 0, 3);
    std::string dir = s.path();
    std::string data = slurp(dir + "/data.mdb");
    struct stat lock_before = stat_of(dir + "/lock.mdb");
    std::string elsewhere = make_temp_dir();
    ck_assert_int_eq(link((dir + "/data.mdb").c_str(),
                          (elsewhere + "/linked.mdb").c_str()), 0);
    for (const std::string &dest :
         {dir + "/data.mdb", dir + "/lock.mdb", dir + "/new.mdb",
          dir + "/./data.mdb", elsewhere + "/linked.mdb"})
    {
        backup_outcome out = backup_store(s, dest, store_user{}, true);
        ck_assert_msg(!out.ok, "a backup to %s", dest.c_str());
        ck_assert_std_eq(out.message, "\"" + dest + "\" is in the store "
                         "directory \"" + dir + "\" (or is one of its "
                         "files): a backup goes elsewhere, such as "
                         "/var/backups");
    }
    ck_assert(slurp(dir + "/data.mdb") == data);
    ck_assert(names_in(dir)
              == (std::set<std::string>{"data.mdb", "lock.mdb"}));
    ck_assert_int_eq(stat_of(dir + "/lock.mdb").st_ino, lock_before.st_ino);

    std::string closed = closed_store(2);
    backup_outcome out = restore_store(closed, closed + "/data.mdb",
                                       store_user{});
    ck_assert(!out.ok);
    ck_assert_std_eq(out.message, "\"" + closed + "/data.mdb\" is the "
                     "store's own data.mdb, not a backup of it; the store "
                     "was not touched");
}
END_TEST

/* Another thread commits all along: the backup is the snapshot of one
 * moment, between the counts before and after, and the commits went on
 * while it was taken (the copy holds no lock writers wait on). */
START_TEST(backup_while_writing)
{
    temp_store ts(256 << 20);
    store &s = ts.get();
    for (int i = 0; i < 60000; i += 10000) {
        add_owners(s, i, i + 10000);
    }
    std::atomic<bool> stop{false};
    std::atomic<int> commits{0};
    std::thread writer([&] {
        for (int i = 60000; !stop; i++) {
            add_owners(s, i, i + 1);
            commits++;
        }
    });
    while (commits < 3) {
        std::this_thread::yield();
    }
    size_t before = 60000 + static_cast<size_t>(commits);
    int commits_at_start = commits;
    std::string dest = make_temp_dir() + "/b.mdb";
    backup_outcome out = backup_store(s, dest, store_user{}, false);
    int during = commits - commits_at_start;
    stop = true;
    writer.join();
    size_t after = 60000 + static_cast<size_t>(commits);
    ck_assert_msg(out.ok, "%s", out.message.c_str());
    verify_report r = verify_file(dest);
    ck_assert(r.sound());
    ck_assert_uint_ge(owners_in(r), before);
    ck_assert_uint_le(owners_in(r), after);
    ck_assert_msg(during > 0, "no commit while the backup was taken");
}
END_TEST

START_TEST(restore_replaces_data)
{
    std::string dir = closed_store(7);
    std::string backup = backup_of(dir);
    add_owners(dir, 7, 20);
    backup_outcome out = restore_store(dir, backup, store_user{});
    ck_assert_msg(out.ok, "%s", out.message.c_str());
    ck_assert_std_eq(out.message, "restored the store \"" + dir + "\" from \""
                                  + backup + "\": 7 records in 9 tables; "
                                  "start nginx");
    ck_assert_std_eq(slurp(dir + "/data.mdb"), slurp(backup));
    ck_assert_int_eq(stat_of(dir + "/data.mdb").st_mode & 07777, 0600);
    ck_assert_int_eq(stat_of(dir + "/lock.mdb").st_size, 0);
    ck_assert(names_in(dir)
              == (std::set<std::string>{"data.mdb", "lock.mdb"}));
    {
        store_options o;
        o.path = dir;
        store s(o);
        txn t = s.begin_read();
        ck_assert(t.get(table::users, "o6@example.com").has_value());
        ck_assert(!t.get(table::users, "o7@example.com").has_value());
    }
    ck_assert(verify_store(dir).sound());

    /* into a directory that is not there yet */
    std::string fresh = make_temp_dir() + "/new";
    out = restore_store(fresh, backup, store_user{});
    ck_assert_msg(out.ok, "%s", out.message.c_str());
    ck_assert_int_eq(stat_of(fresh).st_mode & 07777, 0700);
    ck_assert_int_eq(owners_in(verify_store(fresh)), 7);
}
END_TEST

/* A process that has the store open (as nginx's workers do) holds the
 * lock a restore needs: refused, that process named, nothing changed. */
START_TEST(restore_refused_while_open)
{
    std::string dir = closed_store(3);
    std::string backup = backup_of(dir);
    add_owners(dir, 3, 9);
    int up[2], down[2];
    ck_assert_int_eq(pipe(up), 0);
    ck_assert_int_eq(pipe(down), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        store_options o;
        o.path = dir;
        store s(o);
        char c = 'x';
        if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) < 0) {
            _exit(1);
        }
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    char c;
    ck_assert_int_eq(read(up[0], &c, 1), 1);

    std::string before = slurp(dir + "/data.mdb");
    ino_t inode = stat_of(dir + "/data.mdb").st_ino;
    std::string holder = store_holder(dir);
    ck_assert_contains(holder, "process " + std::to_string(pid) + " (");
    ck_assert_contains(holder, "unit-tests)");
    backup_outcome out = restore_store(dir, backup, store_user{});
    ck_assert(!out.ok);
    ck_assert_std_eq(out.message, "the store \"" + dir + "\" is open in "
                                  + holder + ": stop nginx (and any "
                                  "seam-oauth using the store) before a "
                                  "restore; the store was not touched");
    ck_assert(slurp(dir + "/data.mdb") == before);
    ck_assert_int_eq(stat_of(dir + "/data.mdb").st_ino, inode);
    ck_assert(names_in(dir)
              == (std::set<std::string>{"data.mdb", "lock.mdb"}));

    close(down[1]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_std_eq(store_holder(dir), "");
    out = restore_store(dir, backup, store_user{});
    ck_assert_msg(out.ok, "%s", out.message.c_str());
    ck_assert_int_eq(owners_in(verify_store(dir)), 3);
}
END_TEST

START_TEST(restore_refuses_unsound)
{
    std::string dir = closed_store(4);
    std::string good = backup_of(dir);
    std::string where = good.substr(0, good.rfind('/'));
    std::string bytes = slurp(good);

    /* an owner's record with a length past its end: LMDB reads it, the
     * decoder does not */
    std::string record = encode(user_record{"u_2", "h", 1});
    size_t at = bytes.find(record);
    ck_assert(at != std::string::npos);
    std::string damaged = bytes;
    damaged[at + 2] = '\x7f';
    spit(where + "/damaged.mdb", damaged);
    spit(where + "/cut.mdb", bytes.substr(0, bytes.size() / 2));
    spit(where + "/text.mdb", std::string(9000, 'x'));

    std::string before = slurp(dir + "/data.mdb");
    struct {
        const char *file;
        const char *why;
    } cases[] = {
        {"damaged.mdb", ""},
        {"cut.mdb", "it is cut short"},
        {"text.mdb", "it is not an LMDB file"},
        {"missing.mdb", "No such file or directory"},
    };
    for (const auto &c : cases) {
        std::string src = where + "/" + c.file;
        backup_outcome out = restore_store(dir, src, store_user{});
        ck_assert(!out.ok);
        ck_assert_std_eq(out.message, "\"" + src + "\" is not a sound "
                                      "backup; the store was not touched");
        ck_assert_contains(out.report.unusable, c.why);
        ck_assert(slurp(dir + "/data.mdb") == before);
        ck_assert(names_in(dir)
                  == (std::set<std::string>{"data.mdb", "lock.mdb"}));
    }
    backup_outcome out = restore_store(dir, where + "/damaged.mdb",
                                       store_user{});
    ck_assert(out.report.unusable.empty());
    ck_assert_int_eq(out.report.total_damaged(), 1);
    ck_assert_contains(out.report.problems.at(0), "users \"o2@example.com\"");
}
END_TEST

Suite *
backup_suite()
{
    Suite *s = suite_create("backup");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, backup_compact_and_private);
    tcase_add_test(tc, backup_keeps_what_exists);
    tcase_add_test(tc, backup_refuses_the_store_directory);
    tcase_add_test(tc, backup_while_writing);
    tcase_add_test(tc, restore_replaces_data);
    tcase_add_test(tc, restore_refused_while_open);
    tcase_add_test(tc, restore_refuses_unsound);
    suite_add_tcase(s, tc);
    return s;
}
