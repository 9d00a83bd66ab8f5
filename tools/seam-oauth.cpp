/*
 * seam-oauth: the operator's command line for the module's store. It opens
 * the same LMDB environment as nginx and is safe to run while nginx runs
 * (LMDB serializes writers across processes).
 */
#include "audit.h"
#include "backup.h"
#include "crypto.h"
#include "listing.h"
#include "login_check.h"
#include "password.h"
#include "revocation.h"
#include "store.h"
#include "store_files.h"
#include "sweep.h"
#include "users.h"
#include "verify.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char *usage_text =
    "usage: seam-oauth [--store DIR] [--owner USER] [--audit-log PATH|syslog]\n"
    "                  COMMAND\n"
    "\n"
    "  user add EMAIL [--user-id ID]\n"
    "                       add an owner (password from stdin or a prompt),\n"
    "                       under the device cloud's id for it, or a new one\n"
    "  user passwd EMAIL    set an owner's password\n"
    "  user remove EMAIL    remove an owner and revoke its grants\n"
    "  user list            list owners\n"
    "  grant list [--user EMAIL|USER_ID] [--client ID] [--json]\n"
    "                       list grants (connections to clients), of one\n"
    "                       owner and/or one client; --json: one JSON array\n"
    "  grant revoke ID      revoke one grant and all its tokens\n"
    "  grant revoke --user EMAIL|USER_ID\n"
    "                       disconnect one owner: every grant, session and\n"
    "                       code not yet redeemed\n"
    "  sweep                delete expired codes, tokens and grants\n"
    "  stats                store usage\n"
    "  backup [--force] DEST\n"
    "                       copy the store, compacted, into the new file DEST\n"
    "                       (mode 0600, owned like the store), while nginx\n"
    "                       runs; --force replaces an existing DEST\n"
    "  restore SRC          replace the store's data with the backup SRC,\n"
    "                       once verified; nginx must be stopped\n"
    "  verify [--file PATH] check that the store (or the backup PATH) is\n"
    "                       whole and every record decodes; exit 1 if not\n"
    "\n"
    "The store is --store DIR, else $SEAM_OAUTH_STORE, else "
    "/var/lib/seam-oauth.\n"
    "user add, user remove, grant revoke and restore are written to the\n"
    "audit log:\n"
    "--audit-log PATH (or syslog), else $SEAM_OAUTH_AUDIT_LOG, else\n"
    "/var/log/seam-oauth/audit.log when that directory exists (the Debian\n"
    "package's); a command that cannot write it changes nothing.\n"
    "Run as root, the files it creates belong to the store directory's\n"
    "owner (nginx's user); a directory that does not exist yet needs\n"
    "--owner USER, the user nginx's workers run as.\n";

/*
 * The audit log of the operator's commands: the lines nginx writes for
 * its own events (audit.h), with source "cli" and who ran the command.
 * Opened before the command changes anything.
 */
class cli_audit {
public:
    /* "" to write nothing; "syslog" for the local syslog; else a file */
    bool open(const std::string &where)
    {
        where_ = where;
        if (where.empty()) {
            return true;
        }
        if (where == "syslog") {
            openlog("seam-oauth", LOG_PID, LOG_LOCAL7);
            syslog_ = true;
            return true;
        }
        fd_ = ::open(where.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                     0640);
        if (fd_ < 0) {
            std::cerr << "seam-oauth: cannot open the audit log \"" << where
                      << "\": " << std::strerror(errno)
                      << " (nothing was changed; --audit-log names another)\n";
            return false;
        }
        return true;
    }

    void write(const seam::event &e)
    {
        if (fd_ < 0 && !syslog_) {
            return;
        }
        seam::audit_context ctx;
        ctx.time_ms = static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count());
        ctx.source = "cli";
        std::string who = operator_name();
        ctx.operator_name = who;
        std::string line = seam::audit_line(e, ctx);
        if (line.empty()) {
            return;
        }
        if (syslog_) {
            ::syslog(LOG_INFO, "%.*s", static_cast<int>(line.size() - 1),
                     line.data());
        } else if (::write(fd_, line.data(), line.size())
                   != static_cast<ssize_t>(line.size()))
        {
            std::cerr << "seam-oauth: the audit log \"" << where_
                      << "\": " << std::strerror(errno) << "\n";
        }
    }

private:
    /* sudo's caller, else the user running it */
    static std::string operator_name()
    {
        const char *sudo = getenv("SUDO_USER");
        if (sudo && *sudo && getuid() == 0) {
            return sudo;
        }
        struct passwd *pw = getpwuid(getuid());
        return pw ? pw->pw_name : std::to_string(getuid());
    }

    std::string where_;
    int fd_ = -1;
    bool syslog_ = false;
};

cli_audit audit;

/* Where the audit log is when --audit-log does not say. */
std::string
default_audit_log()
{
    if (const char *env = getenv("SEAM_OAUTH_AUDIT_LOG")) {
        return env;
    }
    struct stat st;
    if (stat("/var/log/seam-oauth", &st) == 0 && S_ISDIR(st.st_mode)) {
        return "/var/log/seam-oauth/audit.log";
    }
    return "";
}

int
usage()
{
    std::cerr << usage_text;
    return 2;
}

/* One line from stdin, or a prompt without echo on a terminal (asked
 * twice so that a typo does not lock the owner out). */
bool
read_password(std::string &out)
{
    if (!isatty(STDIN_FILENO)) {
        if (!std::getline(std::cin, out)) {
            return false;
        }
        if (!out.empty() && out.back() == '\r') {
            out.pop_back();
        }
        return !out.empty();
    }

    struct termios old_tio, tio;
    tcgetattr(STDIN_FILENO, &old_tio);
    tio = old_tio;
    tio.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    std::string again;
    std::cerr << "Password: ";
    tcsetattr(STDIN_FILENO, TCSANOW, &tio);
    bool ok = static_cast<bool>(std::getline(std::cin, out));
    std::cerr << "\nAgain: ";
    ok = ok && static_cast<bool>(std::getline(std::cin, again));
    tcsetattr(STDIN_FILENO, TCSANOW, &old_tio);
    std::cerr << "\n";
    if (ok && out != again) {
        std::cerr << "seam-oauth: the passwords differ\n";
        return false;
    }
    return ok && !out.empty();
}

int
report(seam::user_change c, const std::string &email)
{
    switch (c) {
    case seam::user_change::done:
        return 0;
    case seam::user_change::exists:
        std::cerr << "seam-oauth: " << email << " already exists\n";
        return 1;
    case seam::user_change::not_found:
        std::cerr << "seam-oauth: no owner " << email << "\n";
        return 1;
    case seam::user_change::full:
        std::cerr << "seam-oauth: the store is full; raise map_size\n";
        return 1;
    case seam::user_change::id_taken:
        std::cerr << "seam-oauth: another owner already has that user_id\n";
        return 1;
    }
    return 1;
}

int
user_command(seam::store &s, const std::vector<std::string> &args)
{
    if (args.size() == 1 && args[0] == "list") {
        for (const auto &[email, u] : seam::list_users(s)) {
            std::cout << email << "\t" << u.user_id << "\t"
                      << seam::format_time(u.created_at) << "\n";
        }
        return 0;
    }
    std::string user_id;
    if (args.size() == 4 && args[0] == "add" && args[2] == "--user-id") {
        user_id = args[3];
        if (!seam::valid_user_id(user_id)) {
            std::cerr << "seam-oauth: a user_id is 1 to 255 printable ASCII "
                         "characters, with no space at either end: "
                      << user_id << "\n";
            return 1;
        }
    } else if (args.size() != 2) {
        return usage();
    }
    const std::string &email = args[1];
    if (args[0] == "remove") {
        auto removed = seam::find_user(s, email);
        int rc = report(seam::remove_user(s, email), email);
        if (rc == 0) {
            audit.write({seam::event_kind::owner_removed, "",
                         removed ? removed->user_id : "", "", ""});
            std::cout << "removed " << email << "\n";
        }
        return rc;
    }
    if (args[0] != "add" && args[0] != "passwd") {
        return usage();
    }
    if (!seam::valid_email(email)) {
        std::cerr << "seam-oauth: not an e-mail address: " << email << "\n";
        return 1;
    }
    std::string password;
    if (!read_password(password)) {
        std::cerr << "seam-oauth: no password given\n";
        return 1;
    }
    if (password.size() < 8 || password.size() > 1024) {
        std::cerr << "seam-oauth: a password needs 8 to 1024 characters\n";
        return 1;
    }
    std::string hash = seam::hash_password(password);
    if (args[0] == "add") {
        int rc = report(seam::add_user(s, email, hash,
                                       static_cast<uint64_t>(time(nullptr)),
                                       &user_id, user_id),
                        email);
        if (rc == 0) {
            audit.write({seam::event_kind::owner_added, "", user_id, "", ""});
            std::cout << "added " << seam::normalize_email(email)
                      << " (user_id " << user_id << ")\n";
        }
        return rc;
    }
    int rc = report(seam::set_password(s, email, hash), email);
    if (rc == 0) {
        std::cout << "password changed for " << email << "\n";
    }
    return rc;
}

int
grant_command(seam::store &s, const std::vector<std::string> &args)
{
    uint64_t now = static_cast<uint64_t>(time(nullptr));
    if (!args.empty() && args[0] == "list") {
        seam::grant_filter filter;
        bool json = false;
        for (size_t i = 1; i < args.size(); i++) {
            if (args[i] == "--json") {
                json = true;
            } else if (i + 1 < args.size()
                       && (args[i] == "--user" || args[i] == "--client"))
            {
                (args[i] == "--user" ? filter.user : filter.client_id) =
                    args[i + 1];
                i++;
            } else {
                return usage();
            }
        }
        auto rows = seam::grant_rows(s, now, filter);
        if (json) {
            std::cout << seam::grants_json(rows) << "\n";
            return 0;
        }
        for (const auto &row : rows) {
            std::cout << seam::grant_line(row) << "\n";
        }
        return 0;
    }
    if (args.size() == 2 && args[0] == "revoke") {
        seam::event revoked{seam::event_kind::grant_revoked, "", "", args[1],
                            ""};
        for (const auto &g : seam::list_grants(s, now)) {
            if (g.grant_id == args[1]) {
                revoked.client_id = g.grant.client_id;
                revoked.user_id = g.grant.user_id;
                revoked.scope = g.grant.scope;
            }
        }
        if (!seam::revoke_grant_hex(s, args[1])) {
            std::cerr << "seam-oauth: no grant " << args[1] << "\n";
            return 1;
        }
        audit.write(revoked);
        std::cout << "revoked grant " << args[1] << "\n";
        return 0;
    }
    if (args.size() == 3 && args[0] == "revoke" && args[1] == "--user") {
        /* an owner of the store by e-mail, else an owner's id (one the
         * store knows no e-mail of: a device cloud's, which may look like
         * an e-mail too) */
        std::string user_id = args[2];
        bool known = false;
        if (auto u = seam::find_user(s, args[2])) {
            user_id = u->user_id;
            known = true;
        }
        size_t n = seam::revoke_user_grants(s, user_id);
        if (!known && n == 0 && args[2].find('@') != std::string::npos) {
            /* most likely a mistyped e-mail: say so */
            std::cerr << "seam-oauth: no owner " << args[2]
                      << ", and no grant of a user_id " << args[2] << "\n";
            return 1;
        }
        audit.write({seam::event_kind::owner_disconnected, "", user_id, "",
                     ""});
        std::cout << "revoked " << n << " grant(s) of " << args[2] << "\n";
        return 0;
    }
    return usage();
}

/* What a backup or a restore did; a copy that did not verify is shown. */
int
report_outcome(const seam::backup_outcome &out, const std::string &file)
{
    if (out.ok) {
        std::cout << out.message << "\n";
        return 0;
    }
    if (!out.report.sound()) {
        std::cerr << seam::describe(out.report, "\"" + file + "\"");
    }
    std::cerr << "seam-oauth: " << out.message << "\n";
    return 1;
}

int
backup_command(seam::store &s, const seam::store_user &owner,
               const std::vector<std::string> &args)
{
    bool replace = args.size() == 2 && args[0] == "--force";
    if (args.size() != (replace ? 2u : 1u)) {
        return usage();
    }
    const std::string &dest = args.back();
    return report_outcome(seam::backup_store(s, dest, owner, replace),
                          dest);
}

int
verify_command(const std::string &path, const std::vector<std::string> &args)
{
    seam::verify_report r;
    std::string what;
    if (args.empty()) {
        r = seam::verify_store(path);
        what = "the store \"" + path + "\"";
        /* the lock.mdb a first reader made, as any command leaves it */
        std::string handed = seam::hand_over(path, seam::owner_of(path));
        if (!handed.empty()) {
            std::cerr << "seam-oauth: " << handed << "\n";
        }
    } else if (args.size() == 2 && args[0] == "--file") {
        r = seam::verify_file(args[1]);
        what = "the file \"" + args[1] + "\"";
    } else {
        return usage();
    }
    std::cout << seam::describe(r, what);
    return r.sound() ? 0 : 1;
}

/* Who the store's files must belong to: nothing to do unless root; the
 * directory's owner, or --owner USER. False (with a message) when root is
 * about to create a store that no one but root could open. */
bool
store_owner(const std::string &path, const std::string &name,
            seam::store_user &owner)
{
    if (geteuid() != 0) {
        return true;
    }
    if (!name.empty()) {
        struct passwd *pw = getpwnam(name.c_str());
        if (pw == nullptr) {
            std::cerr << "seam-oauth: no user " << name << "\n";
            return false;
        }
        owner.any = false;
        owner.uid = pw->pw_uid;
        owner.gid = pw->pw_gid;
        owner.name = name;
        return true;
    }
    owner = seam::owner_of(path);
    if (owner.any) {
        std::cerr << "seam-oauth: the store \"" << path
                  << "\" does not exist; run as root, say which user nginx's "
                     "workers run as (--owner www-data), or create it owned "
                     "by that user (install -d -o www-data -m 0700 "
                  << path << ")\n";
        return false;
    }
    return true;
}

}  // namespace

int
main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string path = getenv("SEAM_OAUTH_STORE") ? getenv("SEAM_OAUTH_STORE")
                                                  : "/var/lib/seam-oauth";
    std::string owner_name;
    std::string audit_log = default_audit_log();
    while (args.size() >= 2
           && (args[0] == "--store" || args[0] == "--owner"
               || args[0] == "--audit-log"))
    {
        (args[0] == "--store" ? path
         : args[0] == "--owner" ? owner_name : audit_log) = args[1];
        args.erase(args.begin(), args.begin() + 2);
    }
    if (args.empty() || args[0] == "-h" || args[0] == "--help") {
        std::cout << usage_text;
        return args.empty() ? 2 : 0;
    }

    std::string command = args[0];
    args.erase(args.begin());
    try {
        /* these two never open the store here: verify reads it in a
         * child process, and a restore needs it closed by everyone */
        if (command == "verify") {
            return verify_command(path, args);
        }
        seam::store_user owner;
        if (!store_owner(path, owner_name, owner)) {
            return 1;
        }
        if (command == "restore") {
            if (args.size() != 1) {
                return usage();
            }
            /* a restore brings back what was revoked since the backup:
             * audited like a revocation */
            if (!audit.open(audit_log)) {
                return 1;
            }
            int rc = report_outcome(seam::restore_store(path, args[0], owner),
                                    args[0]);
            if (rc == 0) {
                audit.write({seam::event_kind::store_restored, "", "", "",
                             ""});
            }
            return rc;
        }
        std::string error = seam::prepare_store(path, owner);
        if (!error.empty()) {
            std::cerr << "seam-oauth: " << error << "\n";
            return 1;
        }
        seam::store_options options;
        options.path = path;
        /* an operator's few commits: the file's growth is left to LMDB
         * and to nginx's grow= */
        options.grow_step = 0;
        seam::store s(options);
        std::string handed = seam::hand_over(path, owner);
        if (!handed.empty()) {
            std::cerr << "seam-oauth: " << handed << "\n";
        }

        /* the commands that change who may connect are audited */
        bool changes = (command == "user" && !args.empty()
                        && (args[0] == "add" || args[0] == "remove"))
                       || (command == "grant" && !args.empty()
                           && args[0] == "revoke");
        if (changes && !audit.open(audit_log)) {
            return 1;
        }
        if (command == "user") {
            return user_command(s, args);
        }
        if (command == "grant") {
            return grant_command(s, args);
        }
        if (command == "backup") {
            return backup_command(s, owner, args);
        }
        if (command == "sweep" && args.empty()) {
            auto c = seam::sweep_expired(s,
                         static_cast<uint64_t>(time(nullptr)));
            std::cout << "swept " << seam::describe(c) << "\n";
            return 0;
        }
        if (command == "stats" && args.empty()) {
            auto u = s.stats();
            std::cout << "store      " << s.path() << "\n"
                      << "map size   " << u.map_size << " bytes\n"
                      << "used       " << u.used_bytes << " bytes\n"
                      << "file       " << u.file_bytes << " bytes\n"
                      << "live       " << u.live_bytes << " bytes\n"
                      << "owners     " << u.entries[1] << "\n"
                      << "codes      " << u.entries[2] << "\n"
                      << "tokens     " << u.entries[3] << "\n"
                      << "grants     " << u.entries[4] << "\n"
                      << "refresh    " << u.entries[5] << "\n"
                      << "sessions   " << u.entries[6] << "\n"
                      << "throttles  " << u.entries[7] << "\n"
                      << "ended      " << u.entries[8]
                      << " (owners whose access ended)\n";
            return 0;
        }
        return usage();
    } catch (const std::exception &e) {
        std::cerr << "seam-oauth: " << e.what() << "\n";
        return 1;
    }
}
