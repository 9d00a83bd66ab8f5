/*
 * The LMDB environment shared by every nginx worker and the operator CLI.
 * One env per process, opened after fork (lmdb.h: "Use an MDB_env* in the
 * process which opened it, not after fork()"), MDB_NOTLS so that a read
 * transaction can be reused by the event loop while thread-pool threads
 * run their own. MDB_WRITEMAP stays off: a stray write elsewhere in a
 * worker cannot reach the database.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct MDB_env;
struct MDB_envinfo;
struct MDB_txn;

namespace seam {

enum class table {
    meta, users, codes, tokens, grants, refresh, sessions, throttle, owners
};
constexpr int table_count = 9;

class store_error : public std::runtime_error {
public:
    store_error(const std::string &what, int code)
        : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

/* MDB_MAP_FULL: the map size is reached; the transaction was aborted. */
class store_full : public store_error {
public:
    using store_error::store_error;
};

/* The map size nginx opens the store with unless map_size= says
 * otherwise: address space, not disk (lmdb.h: "as large as possible"). */
constexpr size_t module_map_size = size_t(1) << 30;

struct store_options {
    std::string path;
    /* 0: keep the size the environment already has (LMDB's default of
     * 10 MiB for a new one); nginx passes its configured size
     * (module_map_size by default) */
    size_t map_size = 0;
    unsigned max_readers = 510;
    /*
     * true (LMDB's default): a commit flushes the data pages, then the
     * meta page that makes them current, and has survived a power cut
     * when it returns. false (MDB_NOMETASYNC): the meta page is flushed
     * with the next commit, so one fsync per commit instead of two; a
     * power cut may undo the last commit, never corrupt the store
     * (lmdb.h: "preserves the ACI ... but not D").
     */
    bool meta_sync = true;
    /*
     * Zeros kept written past the last page, so that a commit overwrites
     * blocks the file already has: one that makes the file longer must
     * also commit the filesystem's journal in its fdatasync (ext4 on this
     * project's machine: 0.50 against 0.25 ms for 64 KiB). Added under
     * the write lock, up to `grow_step` bytes (whole pages) past the last
     * commit's end, when less than half of it is left; the commit after
     * a top-up flushes it. 0: the file grows as LMDB writes (LMDB's own
     * way). nginx's grow= sets it, with this default.
     */
    size_t grow_step = 2 << 20;
    /*
     * Opened for reading only (MDB_RDONLY), with the tables it must
     * have: none is created and nothing written, so a copy being
     * verified stays as it was; a missing table is a store_error. With
     * `single_file`, `path` is the data file itself, read without a lock
     * file (MDB_NOSUBDIR | MDB_NOLOCK): a backup, which no process
     * writes.
     */
    bool read_only = false;
    bool single_file = false;
};

class store;

/* A transaction; aborted on destruction unless committed. */
class txn {
public:
    txn(txn &&other) noexcept;
    txn &operator=(txn &&) = delete;
    ~txn();

    /* The value under `key`: valid until the next write in this
     * transaction or its end (lmdb.h), so copy what must outlive that. */
    std::optional<std::string_view> get(table t, std::string_view key);
    void put(table t, std::string_view key, std::string_view value);
    bool del(table t, std::string_view key);
    /* Calls `fn` for each pair in key order from `from` on, until it
     * returns false. `fn` must not write. */
    void scan(table t, std::string_view from,
              const std::function<bool(std::string_view, std::string_view)>
                  &fn);
    void commit();
    void abort();

private:
    friend class store;
    txn(store &s, MDB_txn *t, bool write)
        : store_(&s), txn_(t), write_(write) {}
    store *store_;
    MDB_txn *txn_;
    bool write_;
};

class store {
public:
    explicit store(const store_options &options);
    ~store();
    store(const store &) = delete;
    store &operator=(const store &) = delete;

    txn begin_write();
    txn begin_read();

    /*
     * The event loop's reader: one read transaction kept in reset state
     * and renewed for each lookup, so a bearer check is one renew, one
     * mdb_get and one reset. `fn` sees the value only during the call.
     */
    bool read_one(table t, std::string_view key,
                  const std::function<void(std::string_view)> &fn);

    /* Clears reader slots of processes that died (lmdb.h: "Stale reader
     * transactions ... cause further writes to grow the database"). */
    int reader_check();

    struct usage {
        size_t map_size;
        size_t used_bytes;         /* the file up to its last page */
        size_t file_bytes;         /* with the room grow_step keeps */
        size_t live_bytes;         /* pages the tables use now */
        size_t entries[table_count];
    };
    usage stats();

    const std::string &path() const { return path_; }
    /* MDB_MAP_FULL, for the operator: the store, its map size, the fix */
    std::string full_message();
    /* Why a write failed, for the operator: full_message() for
     * MDB_MAP_FULL, the file system's error (a full disk, an I/O error)
     * with the store's path otherwise. */
    std::string write_failure(const store_error &e);
    /* what the environment was opened with (store_options::meta_sync) */
    bool meta_sync() const;

    /*
     * A compacted copy of the store written to `fd` (mdb_env_copyfd2
     * with MDB_CP_COMPACT: free pages left out, pages renumbered). It
     * reads one snapshot in one read transaction and never takes the
     * write lock, so writers go on meanwhile; the pages they free cannot
     * be reused until it ends (lmdb.h: "can trigger significant file
     * size growth if run in parallel with write transactions").
     */
    void copy_compact(int fd);

private:
    friend class txn;
    unsigned dbi(table t) const { return dbis_[static_cast<int>(t)]; }
    /* store_options::grow_step; called by a write transaction's commit */
    void grow_ahead();
    /* the end of the last commit's pages */
    size_t used_bytes(const MDB_envinfo &info) const;
    /* the data file's size, or nullopt when fstat() fails */
    std::optional<size_t> file_bytes() const;

    MDB_env *env_ = nullptr;
    MDB_txn *reader_ = nullptr;
    unsigned dbis_[table_count] = {};
    std::string path_;
    size_t grow_step_ = 0;
    size_t page_size_ = 0;
    int fd_ = -1;
};

/* A message for an LMDB return code, with what was being done. */
std::string store_message(std::string_view doing, int rc);

/* The LMDB name of a table ("users", "tokens" ...). */
const char *table_name(table t);

}  // namespace seam
