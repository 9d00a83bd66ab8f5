/*
 * store.h: the LMDB wrapper the rest is built on.
 */
#include "helpers.h"
#include "store.h"
#include "suites.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

using namespace seam;

START_TEST(put_get_del)
{
    temp_store ts;
    store &s = ts.get();
    {
        txn t = s.begin_write();
        t.put(table::users, "k1", "v1");
        t.put(table::users, std::string("k\0", 2), std::string("v\0x", 3));
        /* visible inside the transaction */
        ck_assert_std_eq(std::string(t.get(table::users, "k1").value()),
                         "v1");
        t.commit();
    }
    {
        txn t = s.begin_read();
        ck_assert_std_eq(std::string(t.get(table::users, "k1").value()),
                         "v1");
        auto v = t.get(table::users, std::string("k\0", 2));
        ck_assert(v.has_value());
        ck_assert(*v == std::string_view("v\0x", 3));
        /* tables are separate */
        ck_assert(!t.get(table::codes, "k1"));
        ck_assert(!t.get(table::users, "k"));
    }
    {
        txn t = s.begin_write();
        ck_assert(t.del(table::users, "k1"));
        ck_assert(!t.del(table::users, "k1"));
        ck_assert(!t.del(table::users, "never"));
        t.commit();
    }
    txn t = s.begin_read();
    ck_assert(!t.get(table::users, "k1"));
}
END_TEST

START_TEST(abort_discards)
{
    temp_store ts;
    store &s = ts.get();
    {
        txn t = s.begin_write();
        t.put(table::tokens, "k", "v");
        /* destroyed without commit */
    }
    {
        txn t = s.begin_write();
        t.put(table::tokens, "k2", "v");
        t.abort();
    }
    txn t = s.begin_read();
    ck_assert(!t.get(table::tokens, "k"));
    ck_assert(!t.get(table::tokens, "k2"));
}
END_TEST

START_TEST(scan_in_order)
{
    temp_store ts;
    store &s = ts.get();
    {
        txn t = s.begin_write();
        for (const char *k : {"c", "a", "e", "b", "d"}) {
            t.put(table::grants, k, std::string("v") + k);
        }
        t.commit();
    }
    txn t = s.begin_read();
    std::string keys;
    t.scan(table::grants, "", [&](std::string_view k, std::string_view v) {
        keys.append(k);
        ck_assert(v == "v" + std::string(k));
        return true;
    });
    ck_assert_std_eq(keys, "abcde");

    keys.clear();
    t.scan(table::grants, "bb", [&](std::string_view k, std::string_view) {
        keys.append(k);
        return true;
    });
    ck_assert_std_eq(keys, "cde");

    keys.clear();
    t.scan(table::grants, "a", [&](std::string_view k, std::string_view) {
        keys.append(k);
        return keys.size() < 2;
    });
    ck_assert_std_eq(keys, "ab");

    keys.clear();
    t.scan(table::codes, "", [&](std::string_view k, std::string_view) {
        keys.append(k);
        return true;
    });
    ck_assert_std_eq(keys, "");
}
END_TEST

START_TEST(read_one_reused)
{
    temp_store ts;
    store &s = ts.get();
    std::string seen;
    ck_assert(!s.read_one(table::tokens, "k",
                          [&](std::string_view v) { seen = v; }));
    ck_assert_std_eq(seen, "");
    {
        txn t = s.begin_write();
        t.put(table::tokens, "k", "first");
        t.commit();
    }
    /* the reused read transaction sees later commits */
    ck_assert(s.read_one(table::tokens, "k",
                         [&](std::string_view v) { seen = v; }));
    ck_assert_std_eq(seen, "first");
    {
        txn t = s.begin_write();
        t.put(table::tokens, "k", "second");
        t.commit();
    }
    ck_assert(s.read_one(table::tokens, "k",
                         [&](std::string_view v) { seen = v; }));
    ck_assert_std_eq(seen, "second");
}
END_TEST

START_TEST(stats_and_reopen)
{
    std::string dir = make_temp_dir();
    store_options o;
    o.path = dir;
    o.map_size = 16 << 20;
    {
        store s(o);
        txn t = s.begin_write();
        t.put(table::users, "a", "1");
        t.put(table::users, "b", "2");
        t.put(table::codes, "c", "3");
        t.commit();
        store::usage u = s.stats();
        ck_assert_uint_eq(u.map_size, 16 << 20);
        ck_assert_uint_eq(u.entries[static_cast<int>(table::users)], 2);
        ck_assert_uint_eq(u.entries[static_cast<int>(table::codes)], 1);
        ck_assert_uint_eq(u.entries[static_cast<int>(table::tokens)], 0);
        ck_assert(u.used_bytes > 0);
        ck_assert_std_eq(s.path(), dir);
        ck_assert_int_eq(s.reader_check(), 0);
    }
    {
        /* committed data survives a reopen */
        store s(o);
        txn t = s.begin_read();
        ck_assert_std_eq(std::string(t.get(table::users, "b").value()), "2");
    }
    remove_dir(dir);
}
END_TEST

START_TEST(map_full_throws)
{
    temp_store ts(256 << 10);
    int fitted = fill_store(ts.get());
    ck_assert_msg(fitted > 0 && fitted < 100,
                  "a 256 KiB map took %d values of 3000 bytes", fitted);
    /* still usable afterwards */
    txn t = ts.get().begin_read();
    ck_assert(t.get(table::meta, "filler0").has_value());
}
END_TEST

/* meta_sync=false: MDB_NOMETASYNC on this environment only; what is
 * committed is read back, by this environment and by a later one. */
START_TEST(meta_sync_option)
{
    std::string dir = make_temp_dir();
    store_options o;
    o.path = dir;
    {
        store s(o);
        ck_assert(s.meta_sync());
    }
    o.meta_sync = false;
    {
        store s(o);
        ck_assert(!s.meta_sync());
        txn t = s.begin_write();
        t.put(table::tokens, "k", "v");
        t.commit();
        txn r = s.begin_read();
        ck_assert_std_eq(std::string(r.get(table::tokens, "k").value()), "v");
    }
    o.meta_sync = true;
    {
        store s(o);
        ck_assert(s.meta_sync());
        txn r = s.begin_read();
        ck_assert_std_eq(std::string(r.get(table::tokens, "k").value()), "v");
    }
    remove_dir(dir);
}
END_TEST

/* grow_step: zeros written past the last page, so that commits overwrite
 * blocks the file has; never past the map; 0 leaves the file to LMDB.
 * What was committed reads back, past reopening. */
START_TEST(room_kept_ahead)
{
    const size_t step = 1 << 20;
    std::string dir = make_temp_dir();
    auto file_size = [&dir]() {
        struct stat st;
        ck_assert_int_eq(stat((dir + "/data.mdb").c_str(), &st), 0);
        return static_cast<size_t>(st.st_size);
    };
    store_options o;
    o.path = dir;
    o.map_size = 64 << 20;
    o.grow_step = step;
    const std::string value(3000, 'v');
    {
        store s(o);
        for (int i = 0; i < 200; i++) {
            size_t used_before = s.stats().used_bytes;
            txn t = s.begin_write();
            for (int j = 0; j < 10; j++) {
                t.put(table::tokens, "k" + std::to_string(i * 10 + j),
                      value);
            }
            t.commit();
            /* checked before the commit: at least half a step ahead of
             * the last commit, at most one step and that commit past it */
            ck_assert_msg(file_size() >= used_before + step / 2,
                          "commit %d: file %zu, used before %zu", i,
                          file_size(), used_before);
            ck_assert_msg(file_size() <= s.stats().used_bytes + step,
                          "commit %d: file %zu, used %zu", i, file_size(),
                          s.stats().used_bytes);
            ck_assert_uint_eq(file_size() % 4096, 0);
        }
        ck_assert(s.stats().used_bytes > 4 * step);
        ck_assert_uint_eq(s.stats().file_bytes, file_size());
    }
    {
        store s(o);
        txn t = s.begin_read();
        for (int i = 0; i < 2000; i += 111) {
            ck_assert_std_eq(std::string(t.get(table::tokens, "k"
                                               + std::to_string(i)).value()),
                             value);
        }
    }
    remove_dir(dir);

    /* 0: only what LMDB writes */
    dir = make_temp_dir();
    o.path = dir;
    o.grow_step = 0;
    {
        store s(o);
        txn t = s.begin_write();
        t.put(table::tokens, "k", value);
        t.commit();
        ck_assert_uint_eq(file_size(), s.stats().used_bytes);
    }
    remove_dir(dir);

    /* never past the map */
    dir = make_temp_dir();
    o.path = dir;
    o.map_size = 256 << 10;
    o.grow_step = 2 << 20;
    {
        store s(o);
        txn t = s.begin_write();
        t.put(table::tokens, "k", value);
        t.commit();
        ck_assert_uint_eq(file_size(), 256 << 10);
    }
    remove_dir(dir);
}
END_TEST

/* The zeros go only at or past the file's end: a page already past the
 * last commit's end (as one a transaction spilled before its commit)
 * stays as it is. */
START_TEST(room_written_past_the_end_only)
{
    std::string dir = make_temp_dir();
    store_options o;
    o.path = dir;
    o.grow_step = 0;
    std::string path = dir + "/data.mdb";
    size_t end;
    {
        store s(o);
        end = s.stats().used_bytes;
    }
    /* 64 pages past the end, beyond what one small commit writes */
    const off_t foreign = static_cast<off_t>(end + 64 * 4096);
    const std::string page(4096, '\xab');
    int fd = open(path.c_str(), O_WRONLY);
    ck_assert(fd >= 0);
    ck_assert_int_eq(pwrite(fd, page.data(), page.size(), foreign), 4096);
    close(fd);

    o.grow_step = 1 << 20;
    {
        store s(o);
        txn t = s.begin_write();
        t.put(table::meta, "k", "v");
        t.commit();
        ck_assert(s.stats().used_bytes < end + 64 * 4096);
        ck_assert_uint_ge(s.stats().file_bytes, end + (1 << 20) / 2);
    }
    std::string bytes(4096 * 2, '\0');
    fd = open(path.c_str(), O_RDONLY);
    ck_assert(fd >= 0);
    ck_assert_int_eq(pread(fd, &bytes[0], bytes.size(), foreign), 4096 * 2);
    close(fd);
    ck_assert_std_eq(bytes.substr(0, 4096), page);
    ck_assert_std_eq(bytes.substr(4096), std::string(4096, '\0'));
    remove_dir(dir);
}
END_TEST

/* A copy to verify is opened for reading only: nothing created or
 * written, a data file without a lock file beside it. */
START_TEST(read_only_open)
{
    std::string dir = make_temp_dir();
    store_options o;
    o.path = dir;
    {
        store s(o);
        txn t = s.begin_write();
        t.put(table::users, "k", "v");
        t.commit();
    }
    store_options ro = o;
    ro.read_only = true;
    {
        store s(ro);
        txn t = s.begin_read();
        ck_assert_std_eq(std::string(t.get(table::users, "k").value()), "v");
        bool refused = false;
        try {
            s.begin_write();
        } catch (const store_error &) {
            refused = true;
        }
        ck_assert(refused);
    }
    /* a missing directory is not made */
    ro.path = dir + "/none";
    bool failed = false;
    try {
        store s(ro);
    } catch (const store_error &) {
        failed = true;
    }
    ck_assert(failed);
    ck_assert_int_ne(access(ro.path.c_str(), F_OK), 0);

    /* the data file alone, with no lock file made beside it */
    std::string other = make_temp_dir();
    std::string file = other + "/copy.mdb";
    ck_assert_int_eq(link((dir + "/data.mdb").c_str(), file.c_str()), 0);
    ro.path = file;
    ro.single_file = true;
    {
        store s(ro);
        txn t = s.begin_read();
        ck_assert(t.get(table::users, "k").has_value());
    }
    ck_assert_int_ne(access((file + "-lock").c_str(), F_OK), 0);
    remove_dir(other);
    remove_dir(dir);
}
END_TEST

Suite *
store_suite()
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("lmdb");
    tcase_add_test(tc, put_get_del);
    tcase_add_test(tc, abort_discards);
    tcase_add_test(tc, scan_in_order);
    tcase_add_test(tc, read_one_reused);
    tcase_add_test(tc, stats_and_reopen);
    tcase_add_test(tc, map_full_throws);
    tcase_add_test(tc, meta_sync_option);
    tcase_add_test(tc, room_kept_ahead);
    tcase_add_test(tc, room_written_past_the_end_only);
    tcase_add_test(tc, read_only_open);
    suite_add_tcase(s, tc);
    return s;
}
