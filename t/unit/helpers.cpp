#include "helpers.h"
#include "backup.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

std::string
printable(std::string_view s)
{
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c > 0x7e || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out.append(buf);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

static std::string tmp_root;

const std::string &
unit_tmp_root()
{
    return tmp_root;
}

void
make_unit_tmp_root()
{
    char tmpl[] = "/tmp/seam-unit-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
        std::perror("mkdtemp");
        std::exit(2);
    }
    tmp_root = tmpl;
}

static int
remove_entry(const char *path, const struct stat *, int, struct FTW *)
{
    return std::remove(path) == 0 ? 0 : -1;
}

void
remove_unit_tmp_root()
{
    if (!tmp_root.empty()) {
        nftw(tmp_root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        tmp_root.clear();
    }
}

off_t
size_of(const std::string &file)
{
    struct stat st;
    ck_assert_int_eq(stat(file.c_str(), &st), 0);
    return st.st_size;
}

void
overwrite(const std::string &file, off_t at, const std::string &bytes)
{
    int fd = open(file.c_str(), O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, bytes.data(), bytes.size(), at),
                     static_cast<ssize_t>(bytes.size()));
    close(fd);
}

std::string
make_temp_dir()
{
    std::string base = tmp_root.empty() ? std::string("/tmp") : tmp_root;
    std::string tmpl = base + "/store-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
        ck_abort_msg("mkdtemp under %s failed", base.c_str());
    }
    return std::string(buf.data());
}

void
remove_dir(const std::string &dir)
{
    if (DIR *d = opendir(dir.c_str())) {
        std::vector<std::string> names;
        while (struct dirent *e = readdir(d)) {
            std::string name = e->d_name;
            if (name != "." && name != "..") {
                names.push_back(dir + "/" + name);
            }
        }
        closedir(d);
        for (const std::string &n : names) {
            unlink(n.c_str());
        }
    }
    rmdir(dir.c_str());
}

temp_store::temp_store(size_t map_size) : dir_(make_temp_dir())
{
    seam::store_options o;
    o.path = dir_;
    o.map_size = map_size;
    store_ = std::make_unique<seam::store>(o);
}

seam::redemption
redeem_fresh_code(seam::store &s, const std::string &user,
                  const std::string &scope, uint64_t issued_at,
                  uint64_t redeemed_at, uint64_t refresh_ttl,
                  const std::string &client)
{
    seam::code_record c;
    c.client_id = client;
    c.redirect_uri = "https://x.integrations.getseam.com/cb";
    c.user_id = user;
    c.scope = scope;
    auto code = seam::issue_code(s, c, issued_at, 60);
    ck_assert(code.has_value());
    seam::redemption_request req;
    req.code = *code;
    req.client_id = client;
    req.redirect_uri = c.redirect_uri;
    req.now = redeemed_at;
    req.access_token_ttl = 3600;
    req.refresh_token_ttl = refresh_ttl;
    seam::redemption r = seam::redeem_code(s, req);
    ck_assert_msg(r.error == seam::oauth_error::none, "redemption failed: %s",
                  r.description.c_str());
    ck_assert(r.refresh_token.empty() == (refresh_ttl == 0));
    return r;
}

uint64_t
time_of(std::string_view bytes)
{
    uint64_t ms = 0;
    for (size_t i = 0; i < 6; i++) {
        ms = ms << 8 | static_cast<unsigned char>(bytes[i]);
    }
    return ms;
}

std::string
backup_copy(seam::store &s)
{
    std::string path = make_temp_dir() + "/copy.mdb";
    seam::backup_outcome out =
        seam::backup_store(s, path, seam::store_user{}, false);
    ck_assert_msg(out.ok, "%s", out.message.c_str());
    return path;
}

int
fill_store(seam::store &s)
{
    std::string big(3000, 'x');
    int n = 0;
    try {
        for (;; n++) {
            seam::txn t = s.begin_write();
            t.put(seam::table::meta, "filler" + std::to_string(n), big);
            t.commit();
        }
    } catch (const seam::store_full &) {
    }
    return n;
}

temp_store::~temp_store()
{
    store_.reset();
    unlink((dir_ + "/data.mdb").c_str());
    unlink((dir_ + "/lock.mdb").c_str());
    rmdir(dir_.c_str());
}
