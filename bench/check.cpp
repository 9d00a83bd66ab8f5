/*
 * seam-bench-check: the bearer check's own cost, in process, without
 * nginx or the network: check_bearer over the tokens in FILE (one per
 * line), round after round for SECONDS, against the store at STORE.
 * Prints nanoseconds per check and how many were accepted.
 *
 *   seam-bench-check STORE FILE [SECONDS]
 */
#include "bearer.h"
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
    if (argc < 3) {
        std::cerr << "usage: seam-bench-check STORE FILE [SECONDS]\n";
        return 2;
    }
    double seconds = argc > 3 ? std::strtod(argv[3], nullptr) : 2.0;

    seam::store_options o;
    o.path = argv[1];
    seam::store s(o);

    std::vector<std::string> headers;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);) {
        headers.push_back("Bearer " + line);
    }
    if (headers.empty()) {
        std::cerr << "seam-bench-check: no tokens in " << argv[2] << "\n";
        return 2;
    }

    uint64_t now = static_cast<uint64_t>(time(nullptr));
    size_t checks = 0, accepted = 0;
    seam::bearer_result r;      /* reused, as the module does */
    auto start = std::chrono::steady_clock::now();
    std::chrono::duration<double> elapsed{};
    do {
        for (const std::string &h : headers) {
            seam::check_bearer(s, h, "bench", now, {}, r);
            accepted += r.status == 204;
        }
        checks += headers.size();
        elapsed = std::chrono::steady_clock::now() - start;
    } while (elapsed.count() < seconds);

    std::cout << "checks " << checks << " accepted " << accepted
              << " ns_per_check " << elapsed.count() * 1e9 / checks << "\n";
    return 0;
}
