#include "store.h"

#include <lmdb.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace seam {

static const char *table_names[table_count] = {
    "meta", "users", "codes", "tokens", "grants", "refresh", "sessions",
    "throttle", "owners"};

const char *
table_name(table t)
{
    return table_names[static_cast<int>(t)];
}

std::string
store_message(std::string_view doing, int rc)
{
    return std::string(doing) + ": " + mdb_strerror(rc);
}

[[noreturn]] static void
fail(std::string_view doing, int rc)
{
    if (rc == MDB_MAP_FULL) {
        throw store_full(store_message(doing, rc), rc);
    }
    throw store_error(store_message(doing, rc), rc);
}

static MDB_val
val(std::string_view s)
{
    MDB_val v;
    v.mv_size = s.size();
    v.mv_data = const_cast<char *>(s.data());
    return v;
}

static std::string_view
view(const MDB_val &v)
{
    return {static_cast<const char *>(v.mv_data), v.mv_size};
}

store::store(const store_options &options) : path_(options.path)
{
    int rc;
    if (!options.read_only && mkdir(path_.c_str(), 0700) != 0
        && errno != EEXIST)
    {
        throw store_error("cannot create " + path_ + ": "
                          + std::strerror(errno), errno);
    }
    if ((rc = mdb_env_create(&env_)) != 0) {
        fail("mdb_env_create", rc);
    }
    try {
        if ((rc = mdb_env_set_maxdbs(env_, table_count + 1)) != 0) {
            fail("mdb_env_set_maxdbs", rc);
        }
        if ((rc = mdb_env_set_maxreaders(env_, options.max_readers)) != 0) {
            fail("mdb_env_set_maxreaders", rc);
        }
        if (options.map_size != 0
            && (rc = mdb_env_set_mapsize(env_, options.map_size)) != 0)
        {
            fail("mdb_env_set_mapsize", rc);
        }
        /* lmdb.h: opening "can fail if another process is opening or
         * closing it at exactly the same time": retry briefly */
        for (int attempt = 0;; attempt++) {
            rc = mdb_env_open(env_, path_.c_str(),
                              MDB_NOTLS
                              | (options.meta_sync ? 0u : MDB_NOMETASYNC)
                              | (options.read_only ? MDB_RDONLY : 0u)
                              | (options.single_file
                                     ? MDB_NOSUBDIR | MDB_NOLOCK : 0u),
                              0600);
            if ((rc != EAGAIN && rc != EBUSY) || attempt == 50) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (rc != 0) {
            fail("mdb_env_open " + path_, rc);
        }
        int dead = 0;
        mdb_reader_check(env_, &dead);

        MDB_txn *t;
        if ((rc = mdb_txn_begin(env_, nullptr,
                                options.read_only ? MDB_RDONLY : 0, &t))
            != 0)
        {
            fail("mdb_txn_begin", rc);
        }
        for (int i = 0; i < table_count; i++) {
            rc = mdb_dbi_open(t, table_names[i],
                              options.read_only ? 0 : MDB_CREATE, &dbis_[i]);
            if (rc != 0) {
                mdb_txn_abort(t);
                if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
                    throw store_error(std::string("it is not a seam-oauth "
                                                  "store: it has no table \"")
                                      + table_names[i] + "\"", rc);
                }
                fail(std::string("mdb_dbi_open ") + table_names[i], rc);
            }
        }
        if ((rc = mdb_txn_commit(t)) != 0) {
            fail("mdb_txn_commit", rc);
        }

        MDB_stat st;
        if ((rc = mdb_env_stat(env_, &st)) != 0) {
            fail("mdb_env_stat", rc);
        }
        if ((rc = mdb_env_get_fd(env_, &fd_)) != 0) {
            fail("mdb_env_get_fd", rc);
        }
        page_size_ = st.ms_psize;
        /* whole pages, so that the file ends on one */
        grow_step_ = (options.grow_step + page_size_ - 1) / page_size_
                     * page_size_;
    } catch (...) {
        mdb_env_close(env_);
        env_ = nullptr;
        throw;
    }
}

store::~store()
{
    if (reader_ != nullptr) {
        mdb_txn_abort(reader_);
    }
    if (env_ != nullptr) {
        mdb_env_close(env_);
    }
}

txn
store::begin_write()
{
    MDB_txn *t;
    int rc = mdb_txn_begin(env_, nullptr, 0, &t);
    if (rc != 0) {
        fail("mdb_txn_begin", rc);
    }
    return txn(*this, t, true);
}

txn
store::begin_read()
{
    MDB_txn *t;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &t);
    if (rc != 0) {
        fail("mdb_txn_begin (read)", rc);
    }
    return txn(*this, t, false);
}

bool
store::read_one(table t, std::string_view key,
                const std::function<void(std::string_view)> &fn)
{
    int rc;
    if (reader_ == nullptr) {
        rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &reader_);
    } else {
        rc = mdb_txn_renew(reader_);
    }
    if (rc != 0) {
        if (reader_ != nullptr) {
            mdb_txn_abort(reader_);
            reader_ = nullptr;
        }
        fail("read transaction", rc);
    }
    MDB_val k = val(key), v;
    rc = mdb_get(reader_, dbi(t), &k, &v);
    if (rc == 0) {
        try {
            fn(view(v));
        } catch (...) {
            mdb_txn_reset(reader_);
            throw;
        }
    }
    mdb_txn_reset(reader_);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        fail("mdb_get", rc);
    }
    return rc == 0;
}

bool
store::meta_sync() const
{
    unsigned flags = 0;
    mdb_env_get_flags(env_, &flags);
    return (flags & MDB_NOMETASYNC) == 0;
}

void
store::copy_compact(int fd)
{
    int rc = mdb_env_copyfd2(env_, fd, MDB_CP_COMPACT);
    if (rc != 0) {
        fail("mdb_env_copyfd2", rc);
    }
}

int
store::reader_check()
{
    int dead = 0;
    mdb_reader_check(env_, &dead);
    return dead;
}

store::usage
store::stats()
{
    usage u{};
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(env_, &info);
    mdb_env_stat(env_, &st);
    u.map_size = info.me_mapsize;
    u.used_bytes = used_bytes(info);
    u.file_bytes = file_bytes().value_or(0);
    txn t = begin_read();
    u.live_bytes = (st.ms_branch_pages + st.ms_leaf_pages
                    + st.ms_overflow_pages) * st.ms_psize;
    for (int i = 0; i < table_count; i++) {
        MDB_stat ts;
        if (mdb_stat(t.txn_, dbis_[i], &ts) == 0) {
            u.entries[i] = ts.ms_entries;
            u.live_bytes += (ts.ms_branch_pages + ts.ms_leaf_pages
                             + ts.ms_overflow_pages) * ts.ms_psize;
        }
    }
    return u;
}

size_t
store::used_bytes(const MDB_envinfo &info) const
{
    return (info.me_last_pgno + 1) * page_size_;
}

std::optional<size_t>
store::file_bytes() const
{
    struct stat st;
    if (fstat(fd_, &st) != 0) {
        return std::nullopt;
    }
    return static_cast<size_t>(st.st_size);
}

void
store::grow_ahead()
{
    if (grow_step_ == 0) {
        return;
    }
    MDB_envinfo info;
    std::optional<size_t> file = file_bytes();
    if (mdb_env_info(env_, &info) != 0 || !file) {
        return;
    }
    /* the last commit's end: this transaction may have written (spilled)
     * pages past it already, and those lie below the file's size */
    size_t used = used_bytes(info);
    size_t size = *file;
    if (size >= used + grow_step_ / 2) {
        return;
    }
    size_t target = std::min(used + grow_step_,
                             info.me_mapsize);
    /* Zeros written for real: ftruncate() would leave a hole and
     * fallocate() unwritten extents, and on ext4 the first write into
     * either changes the extents, so its fdatasync commits the journal
     * again. Only at or past the file's size: a page there is unused, or
     * one that this transaction writes at its commit, after the zeros; no
     * other writer runs while this one holds the lock. A failure (a full
     * disk) leaves the growth to LMDB, which reports it. */
    static const char zeros[64 * 1024] = {};
    while (size < target) {
        size_t n = std::min(sizeof zeros, target - size);
        ssize_t done = pwrite(fd_, zeros, n, static_cast<off_t>(size));
        if (done <= 0) {
            return;
        }
        size += static_cast<size_t>(done);
    }
}

txn::txn(txn &&other) noexcept
    : store_(other.store_), txn_(other.txn_), write_(other.write_)
{
    other.txn_ = nullptr;
}

txn::~txn()
{
    abort();
}

void
txn::abort()
{
    if (txn_ != nullptr) {
        mdb_txn_abort(txn_);
        txn_ = nullptr;
    }
}

std::optional<std::string_view>
txn::get(table t, std::string_view key)
{
    MDB_val k = val(key), v;
    int rc = mdb_get(txn_, store_->dbi(t), &k, &v);
    if (rc == MDB_NOTFOUND) {
        return std::nullopt;
    }
    if (rc != 0) {
        fail("mdb_get", rc);
    }
    return view(v);
}

void
txn::put(table t, std::string_view key, std::string_view value)
{
    MDB_val k = val(key), v = val(value);
    int rc = mdb_put(txn_, store_->dbi(t), &k, &v, 0);
    if (rc != 0) {
        /* lmdb.h: after MDB_MAP_FULL the transaction must be aborted */
        abort();
        fail("mdb_put", rc);
    }
}

bool
txn::del(table t, std::string_view key)
{
    MDB_val k = val(key);
    int rc = mdb_del(txn_, store_->dbi(t), &k, nullptr);
    if (rc == MDB_NOTFOUND) {
        return false;
    }
    if (rc != 0) {
        abort();
        fail("mdb_del", rc);
    }
    return true;
}

void
txn::scan(table t, std::string_view from,
          const std::function<bool(std::string_view, std::string_view)> &fn)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn_, store_->dbi(t), &cursor);
    if (rc != 0) {
        fail("mdb_cursor_open", rc);
    }
    MDB_val k = val(from), v;
    rc = mdb_cursor_get(cursor, &k, &v,
                        from.empty() ? MDB_FIRST : MDB_SET_RANGE);
    try {
        while (rc == 0) {
            if (!fn(view(k), view(v))) {
                break;
            }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
        }
    } catch (...) {
        mdb_cursor_close(cursor);
        throw;
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        fail("mdb_cursor_get", rc);
    }
}

void
txn::commit()
{
    if (write_) {
        store_->grow_ahead();
    }
    MDB_txn *t = txn_;
    txn_ = nullptr;
    int rc = mdb_txn_commit(t);
    if (rc != 0) {
        fail("mdb_txn_commit", rc);
    }
}

std::string
store::write_failure(const store_error &e)
{
    if (dynamic_cast<const store_full *>(&e) != nullptr) {
        return full_message();
    }
    if (e.code() == ENOSPC) {
        return "the store \"" + path_ + "\" cannot be written: its file "
               "system is full (" + mdb_strerror(e.code()) + ")";
    }
    return "the store \"" + path_ + "\" cannot be written: " + e.what();
}

std::string
store::full_message()
{
    return "the store \"" + path_ + "\" is full (map_size "
           + std::to_string(stats().map_size)
           + "); raise map_size in seam_oauth_store";
}

}  // namespace seam
