#include "store_files.h"
#include "store.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace seam {

namespace {

/* LMDB 0.9's data file (lmdb.h and mdb.c): every page starts with a
 * 16-byte header (pgno, pad, flags, lower/upper); pages 0 and 1 are meta
 * pages, whose MDB_meta follows the header: magic, version, address, map
 * size, the free and main databases (48 bytes each; the free database's
 * pad is the page size), the last page and the transaction id. */
constexpr size_t page_header = 16;
constexpr size_t meta_size = 136;
constexpr uint16_t p_meta = 0x08;
constexpr uint32_t mdb_magic = 0xBEEFC0DE;
constexpr uint32_t mdb_version = 1;

template <typename T>
T
at(const unsigned char *p, size_t offset)
{
    T v;
    std::memcpy(&v, p + offset, sizeof v);
    return v;
}

struct meta {
    uint32_t psize = 0;
    uint64_t last_pg = 0;
    uint64_t txnid = 0;
};

/* The meta page at `offset`, or why it is not one. */
std::string
read_meta(int fd, off_t offset, meta &out)
{
    unsigned char buf[page_header + meta_size];
    ssize_t n = pread(fd, buf, sizeof buf, offset);
    if (n != static_cast<ssize_t>(sizeof buf)) {
        return "its meta pages are cut short";
    }
    const unsigned char *m = buf + page_header;
    if (!(at<uint16_t>(buf, 10) & p_meta) || at<uint32_t>(m, 0) != mdb_magic)
    {
        return "it is not an LMDB file (no meta page where one must be)";
    }
    if (at<uint32_t>(m, 4) != mdb_version) {
        return "it is of another LMDB version";
    }
    out.psize = at<uint32_t>(m, 24);
    out.last_pg = at<uint64_t>(m, 120);
    out.txnid = at<uint64_t>(m, 128);
    return "";
}

/* Whether `st` lets `user` read and write (and, for a directory,
 * enter). */
bool
usable_by(const struct stat &st, const store_user &user, bool dir)
{
    if (user.any || user.uid == 0) {
        return true;
    }
    mode_t need = dir ? 07 : 06;
    mode_t bits = st.st_uid == user.uid   ? (st.st_mode >> 6) & 07
                  : st.st_gid == user.gid ? (st.st_mode >> 3) & 07
                                          : st.st_mode & 07;
    return (bits & need) == need;
}

std::string
owner_name(uid_t uid)
{
    struct passwd *pw = getpwuid(uid);
    return pw ? pw->pw_name : "uid " + std::to_string(uid);
}

std::string
not_usable(const std::string &what, const struct stat &st,
           const store_user &user)
{
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return what + " is owned by " + owner_name(st.st_uid) + " (mode " + mode
           + "); nginx's user " + user.name + " cannot use it: chown it to "
           + user.name + " (or run seam-oauth as " + user.name + ")";
}

}  // namespace

/* Why the LMDB data file open as `fd` cannot be mapped whole, "" when
 * it can; `store`: the store's own data.mdb, for which the fix is said. */
static std::string
unwhole(int fd, bool store)
{
    struct stat st;
    std::string why;
    meta m[2];
    if (fstat(fd, &st) != 0) {
        return std::string("cannot stat it: ") + std::strerror(errno);
    }
    if (!S_ISREG(st.st_mode)) {
        return "it is not a regular file";
    }
    if (st.st_size == 0) {
        return store ? "it is empty: restore it from a backup, or remove "
                       "data.mdb and lock.mdb to start an empty store"
                     : "it is empty";
    }
    if (!(why = read_meta(fd, 0, m[0])).empty()) {
        return why;
    }
    if (m[0].psize < 512 || (m[0].psize & (m[0].psize - 1)) != 0) {
        return "its page size is not one LMDB writes";
    }
    if (!(why = read_meta(fd, m[0].psize, m[1])).empty()) {
        return why;
    }
    /* the size again, after the meta pages: a commit that another process
     * made meanwhile wrote its pages before its meta page, so the file is
     * now at least as long as the meta page read says; the size taken
     * before them could be older than that commit */
    if (fstat(fd, &st) != 0) {
        return std::string("cannot stat it: ") + std::strerror(errno);
    }
    /* LMDB opens the meta page of the later transaction */
    const meta &last = m[1].txnid > m[0].txnid ? m[1] : m[0];
    uint64_t need = (last.last_pg + 1) * last.psize;
    if (need > static_cast<uint64_t>(st.st_size)) {
        return "it is cut short: " + std::to_string(st.st_size)
               + " bytes, where its last commit needs "
               + std::to_string(need)
               + (store ? "; restore it from a backup (seam-oauth restore)"
                        : "");
    }
    return "";
}

std::string
check_data_file(const std::string &dir)
{
    std::string path = dir + "/data.mdb";
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? "" : "cannot read \"" + path + "\": "
                                      + std::strerror(errno);
    }
    std::string why = unwhole(fd, true);
    close(fd);
    return why.empty() ? "" : "the store file \"" + path + "\": " + why;
}

std::string
check_lmdb_file(const std::string &path)
{
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::string("cannot read it: ") + std::strerror(errno);
    }
    std::string why = unwhole(fd, false);
    close(fd);
    return why;
}

/* Whether `user` may pass through every directory above `path`. */
static std::string
reachable(const std::string &path, const store_user &user)
{
    if (user.any || user.uid == 0) {
        return "";
    }
    for (size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1))
    {
        std::string dir = path.substr(0, slash);
        struct stat st;
        if (stat(dir.c_str(), &st) != 0) {
            break;
        }
        mode_t bits = st.st_uid == user.uid   ? (st.st_mode >> 6)
                      : st.st_gid == user.gid ? (st.st_mode >> 3)
                                              : st.st_mode;
        if (!(bits & 01)) {
            return "nginx's user " + user.name + " cannot reach the store \""
                   + path + "\": \"" + dir + "\" is closed to it";
        }
    }
    return "";
}

std::string
prepare_store(const std::string &path, const store_user &user)
{
    std::string why = reachable(path, user);
    if (!why.empty()) {
        return why;
    }
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) {
            return "cannot reach the store \"" + path + "\": "
                   + std::strerror(errno);
        }
        if (mkdir(path.c_str(), 0700) != 0) {
            return "cannot create the store directory \"" + path + "\": "
                   + std::strerror(errno);
        }
        if (!user.any && geteuid() == 0
            && chown(path.c_str(), user.uid, user.gid) != 0)
        {
            return "cannot hand the store directory \"" + path + "\" to "
                   + user.name + ": " + std::strerror(errno);
        }
        return "";
    }
    if (!S_ISDIR(st.st_mode)) {
        return "the store \"" + path + "\" is not a directory";
    }
    if (!usable_by(st, user, true)) {
        return not_usable("the store directory \"" + path + "\"", st, user);
    }
    for (const char *name : {"/data.mdb", "/lock.mdb"}) {
        std::string file = path + name;
        struct stat fst;
        if (lstat(file.c_str(), &fst) != 0) {
            if (errno == ENOENT) {
                continue;
            }
            return "cannot reach \"" + file + "\": " + std::strerror(errno);
        }
        if (!S_ISREG(fst.st_mode)) {
            return "the store file \"" + file + "\" is not a regular file";
        }
        if (!usable_by(fst, user, false)) {
            return not_usable("the store file \"" + file + "\"", fst, user);
        }
    }
    return check_data_file(path);
}

std::string
hand_over(const std::string &path, const store_user &user)
{
    if (user.any || user.uid == 0 || geteuid() != 0) {
        return "";
    }
    for (const char *name : {"/data.mdb", "/lock.mdb"}) {
        std::string file = path + name;
        struct stat st;
        if (stat(file.c_str(), &st) == 0 && st.st_uid == 0
            && chown(file.c_str(), user.uid, user.gid) != 0)
        {
            return "cannot hand \"" + file + "\" to " + user.name + ": "
                   + std::strerror(errno);
        }
    }
    return "";
}

std::string
create_store(const store_options &options, const store_user &user)
{
    struct stat st;
    std::string data = options.path + "/data.mdb";
    if (stat(data.c_str(), &st) == 0 || errno != ENOENT) {
        return "";
    }
    try {
        store s(options);
    } catch (const store_error &e) {
        return "cannot create the store \"" + options.path + "\": "
               + e.what();
    }
    return hand_over(options.path, user);
}

store_user
owner_of(const std::string &dir)
{
    store_user u;
    struct stat st;
    if (stat(dir.c_str(), &st) == 0) {
        u.any = false;
        u.uid = st.st_uid;
        u.gid = st.st_gid;
        u.name = owner_name(st.st_uid);
    }
    return u;
}

}  // namespace seam
