/*
 * Whether a store, or a backup of one, is sound: the file whole (the
 * checks of store_files.h: LMDB's meta pages, not cut short), every
 * table seam-oauth keeps present, and every record in each decoding as
 * the kind its table holds (records.h). Counts per table besides.
 *
 * Cross-references are not checked: an access token may outlive the grant
 * the sweep removed, and a tombstone names a grant long revoked, by
 * design. What is checked is what a decoder would refuse.
 */
#pragma once

#include "store.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace seam {

struct verify_report {
    /* why the file could not be read at all: "" when it was */
    std::string unusable;
    size_t records[table_count] = {};
    size_t damaged[table_count] = {};
    /* the first damaged records, each named by table and key */
    std::vector<std::string> problems;

    bool sound() const;
    size_t total_records() const;
    size_t total_damaged() const;
};

/* At most this many damaged records are named; the counts have all. */
constexpr size_t verify_named_problems = 20;

/* Why a value kept under `key` in table `t` is not one seam-oauth
 * wrote there, "" when it is. */
std::string record_problem(table t, std::string_view key,
                           std::string_view value);

/* Every table's records, in the read transaction `t` (one snapshot). */
verify_report verify_tables(txn &t);

/*
 * A store directory (its data.mdb, read while nginx may write it: a read
 * transaction, never the write lock) or a single data file such as a
 * backup (read without a lock file). The file is checked whole before
 * LMDB maps it, and the tables are read in a child process, so that a
 * file damaged in a way that makes LMDB itself fault is reported as
 * damaged instead of ending the caller.
 */
verify_report verify_store(const std::string &dir);
verify_report verify_file(const std::string &path);

/* "N records in 9 tables" */
std::string counted(const verify_report &r);

/* The report for the operator: a line per table with its count, the
 * damaged records named, and a last line, "sound: ..." or "not sound:
 * ...". `what` names the file ("the store \"...\"", "the backup ..."). */
std::string describe(const verify_report &r, const std::string &what);

}  // namespace seam
