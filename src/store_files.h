/*
 * The store's directory and files as nginx finds them, checked before
 * LMDB maps them: at configuration time in nginx's master (nginx -t, a
 * start, a reload) and again in each worker before it opens the store. A
 * store nginx's user cannot open, an empty data.mdb, or one shorter than
 * its last commit (LMDB would map pages past the end of the file: SIGBUS
 * in every worker nginx starts) is refused with one line that says what
 * to do, instead of workers that exit or crash again and again.
 */
#pragma once

#include <sys/types.h>

#include <string>

namespace seam {

/* Who the workers run as (nginx's `user`): `any` when the files need not
 * be checked for another user (workers that run as the same user). */
struct store_user {
    bool any = true;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
};

/*
 * The directory `path` (created when missing, mode 0700, handed to
 * `user` as nginx does with its temporary paths) and, when they exist,
 * data.mdb and lock.mdb: readable and writable by `user`, regular files,
 * and data.mdb whole (check_data_file). "" when nginx may go on.
 */
std::string prepare_store(const std::string &path, const store_user &user);

/* The files LMDB created in `path` while running as root, handed to
 * `user`; "" when done (or nothing to do), else what failed. */
std::string hand_over(const std::string &path, const store_user &user);

/* A store that has no data.mdb yet, created now and handed to `user`,
 * with `options`: by nginx's master before any worker starts, so that no
 * worker ever finds the data.mdb a sibling is still creating (empty, for
 * an instant) and takes it for a damaged one. "" when done. */
struct store_options;
std::string create_store(const store_options &options, const store_user &user);

/* data.mdb in `dir`, when it exists: not empty, LMDB's two meta pages,
 * its last committed page within the file. "" when whole (or missing). */
std::string check_data_file(const std::string &dir);

/* The same checks of any LMDB data file (a backup): "" when LMDB may map
 * it, else why not ("it is cut short: ..."), without its path. */
std::string check_lmdb_file(const std::string &path);

/* The owner of an existing directory, for files a tool running as root
 * creates in it (the CLI); `any` when the directory does not exist. */
store_user owner_of(const std::string &dir);

}  // namespace seam
