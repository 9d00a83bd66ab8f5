/*
 * Backups of the store, and putting one back.
 *
 * A backup is one file: LMDB's compacted copy of data.mdb (no lock file:
 * LMDB makes one at need), taken from one read transaction while nginx
 * runs and writes. It holds every secret's hash and every owner's
 * password hash, so it is made mode 0600 from its first byte (mkstemp),
 * beside its destination under a temporary name, owned like the store,
 * and renamed to its name only once it is complete, flushed and verified.
 *
 * A restore replaces the store's data.mdb with a backup: only a backup
 * that verifies, and only while no process has the store open (nginx's
 * workers, a seam-oauth). Every process that has an environment open
 * keeps a shared fcntl lock on the first byte of lock.mdb, and the first
 * to open one takes it exclusively and resets the lock table (mdb.c,
 * mdb_env_excl_lock; lmdb.h: "the lockfile is always reset on first open
 * of the environment"). The restore takes that lock exclusively itself,
 * so it fails while any process has the store open, and no process can
 * open the store while the new file goes in. (The reader table,
 * mdb_reader_list, would not do: a process with the store open but no
 * read transaction has no entry in it.)
 */
#pragma once

#include "store.h"
#include "store_files.h"
#include "verify.h"

#include <string>

namespace seam {

struct backup_outcome {
    bool ok = false;
    /* for the operator: what was done, or why nothing was */
    std::string message;
    /* the copy that was written or installed, or the file refused */
    verify_report report;
};

/*
 * A compacted copy of `s` written to the file `dest` (its directory must
 * exist), owned by `owner` when run as root. An existing `dest` is
 * refused unless `replace`; then it is replaced at once by the rename,
 * and stays as it was when anything fails.
 */
backup_outcome backup_store(store &s, const std::string &dest,
                            const store_user &owner, bool replace);

/*
 * The store in `dir` replaced by the backup `src`: verified first; then,
 * holding lock.mdb's lock exclusively (refused, naming the process, when
 * any process has the store open), a copy in the directory, flushed and
 * verified again, renamed over data.mdb, and lock.mdb emptied, so that
 * the next process to open the store starts its lock table afresh (and a
 * process that was waiting on the old one fails instead of sharing it).
 * The files belong to `owner` when run as root. A missing `dir` is
 * created (mode 0700).
 */
backup_outcome restore_store(const std::string &dir, const std::string &src,
                             const store_user &owner);

/* The process that has the store in `dir` open, as "process PID (its
 * command line)"; "" when none does. Another process's only: a process
 * never conflicts with its own fcntl locks. */
std::string store_holder(const std::string &dir);

}  // namespace seam
