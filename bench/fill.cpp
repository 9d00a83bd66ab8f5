/*
 * seam-bench-fill: puts live access tokens or authorization codes straight
 * into a store through the core library, for `make bench`, and writes the
 * secrets of some of them to a file (one per line) for wrk to use.
 *
 *   seam-bench-fill STORE tokens N FILE K   N tokens, K of them in FILE
 *
 * Secrets carry their issue time (secrets.h), so tokens issued in one run
 * are neighbours in the store. The K tokens written to FILE are spread
 * evenly over the N (every N/K-th) and written in random order, so that
 * wrk's lookups range over the whole table, and one lookup's pages are
 * not the next one's, as with the live tokens of a real store. Codes are
 * written in the order they were issued, as they are redeemed in real
 * use: soon after their sign-in.
 *   seam-bench-fill STORE codes N FILE      N codes, all in FILE
 */
#include "records.h"
#include "secrets.h"
#include "store.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

int
main(int argc, char **argv)
{
    if (argc < 5) {
        std::cerr << "usage: seam-bench-fill STORE tokens|codes N FILE [K]\n";
        return 2;
    }
    std::string kind = argv[2];
    size_t n = std::strtoull(argv[3], nullptr, 10);
    size_t keep = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : n;
    size_t every = keep == 0 || keep >= n ? 1 : n / keep;
    uint64_t now = static_cast<uint64_t>(time(nullptr));

    seam::store_options o;
    o.path = argv[1];
    o.map_size = size_t(8) << 30;
    seam::store s(o);
    std::ofstream out(argv[4]);

    std::vector<std::string> secrets;
    const size_t batch = 100000;
    std::string grant = seam::new_record_id(16);
    for (size_t done = 0; done < n;) {
        seam::txn t = s.begin_write();
        for (size_t i = 0; i < batch && done < n; i++, done++) {
            std::string secret = seam::new_secret();
            if (kind == "tokens") {
                seam::access_token_record r{now + 86400, grant,
                                            "u_00112233445566778899aabbccddeeff",
                                            "seam", "intercoms:read"};
                t.put(seam::table::tokens, seam::key_of(secret).view(),
                      seam::encode(r));
            } else {
                seam::code_record c;
                c.expires_at = now + 3600;
                c.client_id = "seam";
                c.redirect_uri = "https://bench.integrations.getseam.com/cb";
                c.user_id = "u_00112233445566778899aabbccddeeff";
                t.put(seam::table::codes, seam::key_of(secret).view(),
                      seam::encode(c));
            }
            if (done % every == 0 && secrets.size() < keep) {
                secrets.push_back(secret);
            }
        }
        t.commit();
    }
    if (kind == "tokens") {
        std::shuffle(secrets.begin(), secrets.end(),
                     std::mt19937_64(std::random_device{}()));
    }
    for (const std::string &secret : secrets) {
        out << secret << '\n';
    }
    auto u = s.stats();
    std::cout << kind << " " << n << " used_bytes " << u.used_bytes
              << " live_bytes " << u.live_bytes << "\n";
    return 0;
}
