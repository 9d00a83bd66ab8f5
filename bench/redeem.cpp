/*
 * seam-bench-redeem: the cost of redeeming authorization codes, in
 * process, without nginx or the network: redeem_codes over the codes in
 * FILE (one per line, as seam-bench-fill writes them), BATCH redemptions
 * per write transaction, for SECONDS. Prints redemptions and commits per
 * second and the mean time of one commit; fails when the codes run out
 * first (the figure would then be the supply's).
 *
 *   seam-bench-redeem STORE FILE BATCH [SECONDS]
 */
#include "codes.h"
#include "store.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

int
main(int argc, char **argv)
{
    if (argc < 4) {
        std::cerr << "usage: seam-bench-redeem STORE FILE BATCH [SECONDS]\n";
        return 2;
    }
    size_t batch = std::strtoull(argv[3], nullptr, 10);
    double seconds = argc > 4 ? std::strtod(argv[4], nullptr) : 2.0;
    if (batch == 0) {
        std::cerr << "seam-bench-redeem: BATCH must be at least 1\n";
        return 2;
    }

    seam::store_options o;
    o.path = argv[1];
    seam::store s(o);

    std::vector<std::string> codes;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);) {
        codes.push_back(line);
    }

    uint64_t now = static_cast<uint64_t>(time(nullptr));
    size_t next = 0, redeemed = 0, commits = 0;
    std::vector<seam::redemption_request> reqs;
    auto start = std::chrono::steady_clock::now();
    std::chrono::duration<double> elapsed{};
    while (next + batch <= codes.size() && elapsed.count() < seconds) {
        reqs.clear();
        for (size_t i = 0; i < batch; i++) {
            seam::redemption_request q;
            q.code = codes[next++];
            q.client_id = "seam";
            q.redirect_uri_optional = true;
            q.now = now;
            reqs.push_back(std::move(q));
        }
        for (const seam::redemption &r : seam::redeem_codes(s, reqs)) {
            redeemed += r.error == seam::oauth_error::none;
        }
        commits++;
        elapsed = std::chrono::steady_clock::now() - start;
    }
    if (commits == 0) {
        std::cerr << "seam-bench-redeem: fewer than BATCH codes in "
                  << argv[2] << "\n";
        return 2;
    }
    if (elapsed.count() < seconds) {
        /* out of codes before the time was up: the rate would be the
         * supply's, not the commit's */
        std::cerr << "seam-bench-redeem: used up the " << codes.size()
                  << " codes of " << argv[2] << " in " << elapsed.count()
                  << " s, before its " << seconds << " s: give it more\n";
        return 1;
    }
    std::cout << "batch " << batch << " redeemed " << redeemed
              << " per_second " << redeemed / elapsed.count()
              << " commits_per_second " << commits / elapsed.count()
              << " ms_per_commit " << elapsed.count() * 1e3 / commits
              << "\n";
    return 0;
}
