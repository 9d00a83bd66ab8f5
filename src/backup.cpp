#include "backup.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace seam {

namespace {

std::string
quoted(const std::string &path)
{
    return "\"" + path + "\"";
}

std::string
errno_text()
{
    return std::strerror(errno);
}

std::string
dir_of(const std::string &path)
{
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string
base_of(const std::string &path)
{
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

/* Whether `a` and `b` name one file (or directory), by device and inode:
 * a link or another spelling of a path is the same file. */
bool
same_file(const std::string &a, const std::string &b)
{
    struct stat x, y;
    return stat(a.c_str(), &x) == 0 && stat(b.c_str(), &y) == 0
           && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Made root's, the files would be closed to nginx's user. */
bool
give_to(int fd, const store_user &owner)
{
    if (owner.any || geteuid() != 0) {
        return true;
    }
    return fchown(fd, owner.uid, owner.gid) == 0;
}

/* A new file `dir`/.`base`.XXXXXX, mode 0600 from its creation (mkstemp
 * makes it so whatever the umask), given to `owner`; -1 with `why`. */
int
temp_file(const std::string &dir, const std::string &base,
          const store_user &owner, std::string &path, std::string &why)
{
    std::string name = dir + "/." + base + ".XXXXXX";
    int fd = mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) {
        why = "cannot create a file in " + quoted(dir) + ": " + errno_text();
        return -1;
    }
    path = name;
    if (fchmod(fd, 0600) != 0 || !give_to(fd, owner)) {
        why = "cannot give " + quoted(path) + " to " + owner.name + ": "
              + errno_text();
        close(fd);
        unlink(path.c_str());
        return -1;
    }
    return fd;
}

/* Flushes and closes `fd`; false (errno set) when either fails. */
bool
flush_and_close(int fd)
{
    if (fsync(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return false;
    }
    return close(fd) == 0;
}

/* The directory's entry for a rename made durable. */
bool
flush_dir(const std::string &dir)
{
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    return flush_and_close(fd);
}

/* `from` named `to`, unless `to` exists (renameat2's RENAME_NOREPLACE;
 * link() and unlink() where the file system lacks it). */
bool
rename_new(const std::string &from, const std::string &to)
{
    if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                  RENAME_NOREPLACE) == 0)
    {
        return true;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return false;
    }
    if (link(from.c_str(), to.c_str()) != 0) {
        return false;
    }
    unlink(from.c_str());
    return true;
}

bool
copy_bytes(int in, int out)
{
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return false;
        }
        if (n == 0) {
            return true;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, static_cast<size_t>(n - done));
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                return false;
            }
            done += w;
        }
    }
}

std::string
command_line(pid_t pid)
{
    std::string path = "/proc/" + std::to_string(pid) + "/cmdline";
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    std::string text;
    if (fd >= 0) {
        char buf[512];
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        if (n > 0) {
            text.assign(buf, static_cast<size_t>(n));
        }
    }
    /* arguments are NUL-separated; nginx writes its title over them */
    for (char &c : text) {
        if (c == '\0') {
            c = ' ';
        }
    }
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    return text;
}

/* An exclusive lock on lock.mdb's first byte, LMDB's (mdb.c,
 * mdb_env_excl_lock): held shared by every process with the store open,
 * exclusively by the first one while it resets the lock table. */
struct flock
first_byte_exclusive()
{
    struct flock fl;
    std::memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 1;
    return fl;
}

/* Who holds a lock on lock.mdb's first byte that `fd` (lock.mdb) could
 * not take exclusively; "" when no one does (any more). */
std::string
lock_holder(int fd)
{
    struct flock fl = first_byte_exclusive();
    if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK) {
        return "";
    }
    std::string line = command_line(fl.l_pid);
    return "process " + std::to_string(fl.l_pid)
           + (line.empty() ? "" : " (" + line + ")");
}

/* That lock taken: true; otherwise `holder` says who has the store
 * open. */
bool
lock_exclusively(int fd, std::string &holder)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        struct flock fl = first_byte_exclusive();
        int rc;
        while ((rc = fcntl(fd, F_SETLK, &fl)) != 0 && errno == EINTR) {
        }
        if (rc == 0) {
            return true;
        }
        if (errno != EACCES && errno != EAGAIN) {
            holder = std::string("(the lock cannot be probed: ")
                     + errno_text() + ")";
            return false;
        }
        /* gone between the two calls: try again */
        if (!(holder = lock_holder(fd)).empty()) {
            return false;
        }
    }
    holder = "a process that keeps opening it";
    return false;
}

}  // namespace

backup_outcome
backup_store(store &s, const std::string &dest, const store_user &owner,
             bool replace)
{
    backup_outcome out;
    struct stat st;
    if (dest.empty() || dest.back() == '/') {
        out.message = "a backup is a file: name it (such as "
                      "/var/backups/seam-oauth.mdb)";
        return out;
    }
    if (stat(dest.c_str(), &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            out.message = quoted(dest) + " is not a file: a backup is one "
                          "file (such as " + dest + "/seam-oauth.mdb)";
            return out;
        }
        if (!replace) {
            out.message = quoted(dest) + " exists: give a new name, or "
                          "--force to replace it";
            return out;
        }
    } else if (errno != ENOENT) {
        out.message = "cannot reach " + quoted(dest) + ": " + errno_text();
        return out;
    }

    std::string dir = dir_of(dest), tmp, why;
    /* there, a rename would put a copy in place of the store's own
     * data.mdb or lock.mdb under the processes that have them open */
    if (same_file(dir, s.path()) || same_file(dest, s.path() + "/data.mdb")
        || same_file(dest, s.path() + "/lock.mdb"))
    {
        out.message = quoted(dest) + " is in the store directory "
                      + quoted(s.path()) + " (or is one of its files): a "
                      "backup goes elsewhere, such as /var/backups";
        return out;
    }
    int fd = temp_file(dir, base_of(dest), owner, tmp, why);
    if (fd < 0) {
        out.message = why;
        return out;
    }
    try {
        s.copy_compact(fd);
    } catch (const store_error &e) {
        out.message = "cannot copy the store " + quoted(s.path()) + ": "
                      + e.what();
        close(fd);
        unlink(tmp.c_str());
        return out;
    }
    if (!flush_and_close(fd)) {
        out.message = "cannot write " + quoted(tmp) + ": " + errno_text();
        unlink(tmp.c_str());
        return out;
    }
    out.report = verify_file(tmp);
    if (!out.report.sound()) {
        out.message = "the copy of the store is not sound; nothing was "
                      "kept";
        unlink(tmp.c_str());
        return out;
    }
    bool renamed = replace ? rename(tmp.c_str(), dest.c_str()) == 0
                           : rename_new(tmp, dest);
    if (!renamed) {
        out.message = errno == EEXIST
                          ? quoted(dest) + " appeared meanwhile: give a new "
                                           "name, or --force to replace it"
                          : "cannot name the backup " + quoted(dest) + ": "
                                + errno_text();
        unlink(tmp.c_str());
        return out;
    }
    if (!flush_dir(dir)) {
        out.message = "the backup " + quoted(dest) + " is written, but its "
                      "directory could not be flushed: " + errno_text();
        return out;
    }
    stat(dest.c_str(), &st);
    out.ok = true;
    out.message = "backed up the store " + quoted(s.path()) + " to "
                  + quoted(dest) + ": " + counted(out.report) + ", "
                  + std::to_string(st.st_size) + " bytes, verified";
    return out;
}

std::string
store_holder(const std::string &dir)
{
    std::string lock = dir + "/lock.mdb";
    int fd = open(lock.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return "";
    }
    std::string holder = lock_holder(fd);
    close(fd);
    return holder;
}

backup_outcome
restore_store(const std::string &dir, const std::string &src,
              const store_user &owner)
{
    backup_outcome out;
    const std::string untouched = "; the store was not touched";
    if (same_file(src, dir + "/data.mdb")) {
        out.message = quoted(src) + " is the store's own data.mdb, not a "
                      "backup of it" + untouched;
        return out;
    }
    out.report = verify_file(src);
    if (!out.report.sound()) {
        out.message = quoted(src) + " is not a sound backup" + untouched;
        return out;
    }

    struct stat st;
    if (stat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT || mkdir(dir.c_str(), 0700) != 0) {
            out.message = "cannot make the store directory " + quoted(dir)
                          + ": " + errno_text();
            return out;
        }
        if (!owner.any && geteuid() == 0
            && chown(dir.c_str(), owner.uid, owner.gid) != 0)
        {
            out.message = "cannot give " + quoted(dir) + " to " + owner.name
                          + ": " + errno_text();
            return out;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        out.message = "the store " + quoted(dir) + " is not a directory";
        return out;
    }

    std::string lock = dir + "/lock.mdb";
    int lock_fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    /* one made here is the store's owner's, whatever happens next */
    if (lock_fd < 0 || !give_to(lock_fd, owner)) {
        out.message = "cannot open " + quoted(lock) + ": " + errno_text()
                      + untouched;
        if (lock_fd >= 0) {
            close(lock_fd);
        }
        return out;
    }
    std::string holder;
    if (!lock_exclusively(lock_fd, holder)) {
        out.message = "the store " + quoted(dir) + " is open in " + holder
                      + ": stop nginx (and any seam-oauth using the store) "
                        "before a restore" + untouched;
        close(lock_fd);
        return out;
    }

    /* from here on no process can open the store until lock_fd closes */
    std::string tmp, why;
    int in = open(src.c_str(), O_RDONLY | O_CLOEXEC);
    int fd = in < 0 ? -1 : temp_file(dir, "data.mdb", owner, tmp, why);
    if (in < 0 || fd < 0) {
        out.message = (in < 0 ? "cannot read " + quoted(src) + ": "
                                    + errno_text()
                              : why)
                      + untouched;
        if (in >= 0) {
            close(in);
        }
        close(lock_fd);
        return out;
    }
    bool copied = copy_bytes(in, fd);
    if (!copied) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    close(in);
    if (!copied || !flush_and_close(fd)) {
        out.message = "cannot copy " + quoted(src) + " into " + quoted(dir)
                      + ": " + errno_text() + untouched;
        unlink(tmp.c_str());
        close(lock_fd);
        return out;
    }
    /* what goes in is what was verified, even if `src` changed since */
    out.report = verify_file(tmp);
    if (!out.report.sound()) {
        out.message = quoted(src) + " changed while it was copied, and the "
                      "copy is not sound" + untouched;
        unlink(tmp.c_str());
        close(lock_fd);
        return out;
    }
    std::string data = dir + "/data.mdb";
    if (rename(tmp.c_str(), data.c_str()) != 0) {
        out.message = "cannot put the backup in place of " + quoted(data)
                      + ": " + errno_text() + untouched;
        unlink(tmp.c_str());
        close(lock_fd);
        return out;
    }
    /* The old lock table (its transaction id, its readers) belongs to
     * the old file: emptied, the next open starts a fresh one. */
    bool fresh = ftruncate(lock_fd, 0) == 0 && fchmod(lock_fd, 0600) == 0;
    std::string lock_error = fresh ? "" : errno_text();
    bool flushed = flush_dir(dir);
    close(lock_fd);
    if (!fresh) {
        out.message = "the backup is in place of " + quoted(data)
                      + ", but lock.mdb could not be emptied: "
                      + lock_error + "; remove " + quoted(lock)
                      + " before nginx starts";
        return out;
    }
    if (!flushed) {
        out.message = "the backup is in place of " + quoted(data)
                      + ", but the directory could not be flushed: "
                      + errno_text();
        return out;
    }
    out.ok = true;
    out.message = "restored the store " + quoted(dir) + " from "
                  + quoted(src) + ": " + counted(out.report)
                  + "; start nginx";
    return out;
}

}  // namespace seam
