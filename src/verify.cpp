#include "verify.h"
#include "crypto.h"
#include "records.h"
#include "store_files.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace seam {

using json = nlohmann::json;

bool
verify_report::sound() const
{
    return unusable.empty() && total_damaged() == 0;
}

size_t
verify_report::total_records() const
{
    size_t n = 0;
    for (size_t c : records) {
        n += c;
    }
    return n;
}

size_t
verify_report::total_damaged() const
{
    size_t n = 0;
    for (size_t c : damaged) {
        n += c;
    }
    return n;
}

namespace {

const char *
kind_name(record_kind k)
{
    switch (k) {
    case record_kind::code:
        return "a code";
    case record_kind::code_tombstone:
        return "a redeemed code's tombstone";
    case record_kind::grant:
        return "a grant";
    case record_kind::access_token:
        return "an access token";
    case record_kind::user:
        return "an owner account";
    case record_kind::refresh_token:
        return "a refresh token";
    case record_kind::session:
        return "a sign-in session";
    case record_kind::throttle:
        return "a throttle counter";
    case record_kind::owner:
        return "an owner's ended access";
    }
    return "?";
}

/* A key as the operator can find it again: text when it is printable
 * (e-mails, user ids, throttle keys), else hex (hashes, record ids). */
std::string
key_text(std::string_view key)
{
    bool text = !key.empty();
    for (char c : key) {
        text = text && c >= 0x20 && c < 0x7f;
    }
    return text ? "\"" + std::string(key) + "\"" : hex_encode(key);
}

std::string
to_wire(const verify_report &r)
{
    return json{{"unusable", r.unusable},
                {"records", r.records},
                {"damaged", r.damaged},
                {"problems", r.problems}}
        .dump();
}

bool
from_wire(const std::string &text, verify_report &r)
{
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return false;
    }
    try {
        r.unusable = j.at("unusable").get<std::string>();
        auto records = j.at("records").get<std::vector<size_t>>();
        auto damaged = j.at("damaged").get<std::vector<size_t>>();
        if (records.size() != table_count || damaged.size() != table_count) {
            return false;
        }
        for (int i = 0; i < table_count; i++) {
            r.records[i] = records[i];
            r.damaged[i] = damaged[i];
        }
        r.problems = j.at("problems").get<std::vector<std::string>>();
    } catch (const json::exception &) {
        return false;
    }
    return true;
}

/*
 * The tables read by a child process that opens `o` itself (an LMDB
 * environment must not be used across fork()): LMDB checks page numbers
 * but not every offset inside a page, so a damaged page may make it
 * fault; the child's end is then the report. `name` names the file.
 */
verify_report
read_in_child(const store_options &o, const std::string &name)
{
    verify_report r;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        r.unusable = std::string("cannot check it: pipe: ")
                     + std::strerror(errno);
        return r;
    }
    pid_t pid = fork();
    if (pid < 0) {
        r.unusable = std::string("cannot check it: fork: ")
                     + std::strerror(errno);
        close(fds[0]);
        close(fds[1]);
        return r;
    }
    if (pid == 0) {
        close(fds[0]);
        /* a fault here is an expected outcome, not worth a core file */
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        /* and the child's death by it is the report: the default action,
         * not a handler the process inherited (a sanitizer's would write
         * a crash report of its own and exit 1) */
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGBUS, &dfl, nullptr);
        sigaction(SIGSEGV, &dfl, nullptr);
        std::string out;
        try {
            store s(o);
            txn t = s.begin_read();
            out = to_wire(verify_tables(t));
        } catch (const std::exception &e) {
            verify_report failed;
            failed.unusable = name + ": " + e.what();
            out = to_wire(failed);
        }
        const char *p = out.data();
        size_t left = out.size();
        while (left > 0) {
            ssize_t n = write(fds[1], p, left);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                _exit(1);
            }
            p += n;
            left -= static_cast<size_t>(n);
        }
        _exit(0);
    }
    close(fds[1]);
    std::string in;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        in.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        r.unusable = name + ": its pages are damaged: LMDB faulted reading "
                     "them (" + strsignal(WTERMSIG(status)) + ")";
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        r.unusable = name + ": its pages are damaged: reading them ended "
                     "with status " + std::to_string(WEXITSTATUS(status));
    } else if (!from_wire(in, r)) {
        r = verify_report{};
        r.unusable = name + ": its check gave no report";
    }
    return r;
}

}  // namespace

std::string
record_problem(table t, std::string_view key, std::string_view value)
{
    std::vector<record_kind> want;
    bool ok = false;
    switch (t) {
    case table::meta:
        /* the only key: the CSRF tokens' HMAC key (csrf.cpp) */
        if (key != "csrf_key") {
            return "a key seam-oauth never writes there";
        }
        return value.size() == 32 ? ""
               : "the CSRF key is " + std::to_string(value.size())
                     + " bytes, not 32";
    case table::users:
        ok = decode_user(value).has_value();
        want = {record_kind::user};
        break;
    case table::codes:
        ok = decode_code(value).has_value()
             || decode_tombstone(value).has_value();
        want = {record_kind::code, record_kind::code_tombstone};
        break;
    case table::tokens:
        ok = decode_access_token(value).has_value();
        want = {record_kind::access_token};
        break;
    case table::grants:
        ok = decode_grant(value).has_value();
        want = {record_kind::grant};
        break;
    case table::refresh:
        ok = decode_refresh_token(value).has_value();
        want = {record_kind::refresh_token};
        break;
    case table::sessions:
        ok = decode_session(value).has_value();
        want = {record_kind::session};
        break;
    case table::throttle:
        ok = decode_throttle(value).has_value();
        want = {record_kind::throttle};
        break;
    case table::owners:
        ok = decode_owner(value).has_value();
        want = {record_kind::owner};
        break;
    }
    if (ok) {
        return "";
    }
    std::string wanted = kind_name(want[0]);
    if (want.size() > 1) {
        wanted += std::string(" or ") + kind_name(want[1]);
    }
    std::optional<record_kind> kind = kind_of(value);
    if (!kind) {
        return "not " + wanted + ": not a record of seam-oauth at all";
    }
    for (record_kind k : want) {
        if (k == *kind) {
            return std::string("a damaged record of ") + kind_name(k)
                   + ": cut short, or a length or a number out of bounds";
        }
    }
    return "not " + wanted + " but " + kind_name(*kind);
}

verify_report
verify_tables(txn &t)
{
    verify_report r;
    for (int i = 0; i < table_count; i++) {
        table tbl = static_cast<table>(i);
        t.scan(tbl, "", [&](std::string_view k, std::string_view v) {
            r.records[i]++;
            std::string why = record_problem(tbl, k, v);
            if (!why.empty()) {
                r.damaged[i]++;
                if (r.problems.size() < verify_named_problems) {
                    r.problems.push_back(std::string(table_name(tbl)) + " "
                                         + key_text(k) + ": " + why);
                }
            }
            return true;
        });
    }
    return r;
}

verify_report
verify_store(const std::string &dir)
{
    verify_report r;
    std::string data = dir + "/data.mdb";
    struct stat st;
    if (stat(data.c_str(), &st) != 0) {
        r.unusable = "the store \"" + dir + "\" has no data.mdb"
                     + (errno == ENOENT ? std::string()
                                        : std::string(": ")
                                              + std::strerror(errno));
        return r;
    }
    if (!(r.unusable = check_data_file(dir)).empty()) {
        return r;
    }
    store_options o;
    o.path = dir;
    o.read_only = true;
    o.grow_step = 0;
    return read_in_child(o, "the store file \"" + data + "\"");
}

verify_report
verify_file(const std::string &path)
{
    verify_report r;
    std::string name = "the file \"" + path + "\"";
    std::string why = check_lmdb_file(path);
    if (!why.empty()) {
        r.unusable = name + ": " + why;
        return r;
    }
    store_options o;
    o.path = path;
    o.read_only = true;
    o.single_file = true;
    o.grow_step = 0;
    return read_in_child(o, name);
}

std::string
counted(const verify_report &r)
{
    size_t n = r.total_records();
    return std::to_string(n) + (n == 1 ? " record" : " records") + " in "
           + std::to_string(table_count) + " tables";
}

std::string
describe(const verify_report &r, const std::string &what)
{
    if (!r.unusable.empty()) {
        return "not sound: " + r.unusable + "\n";
    }
    std::string out;
    for (int i = 0; i < table_count; i++) {
        std::string name = table_name(static_cast<table>(i));
        out += name + std::string(name.size() < 11 ? 11 - name.size() : 1,
                                  ' ')
               + std::to_string(r.records[i]);
        if (r.damaged[i] != 0) {
            out += " (" + std::to_string(r.damaged[i]) + " damaged)";
        }
        out += "\n";
    }
    for (const std::string &p : r.problems) {
        out += "  " + p + "\n";
    }
    if (r.problems.size() < r.total_damaged()) {
        out += "  ... and "
               + std::to_string(r.total_damaged() - r.problems.size())
               + " more\n";
    }
    if (r.sound()) {
        return out + "sound: " + what + ", " + counted(r) + "\n";
    }
    return out + "not sound: " + what + ", "
           + std::to_string(r.total_damaged()) + " of "
           + std::to_string(r.total_records()) + " records damaged\n";
}

}  // namespace seam
