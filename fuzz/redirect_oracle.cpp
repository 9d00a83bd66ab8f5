/*
 * The redirect policy as a filter, for the differential check against a
 * WHATWG URL parser (whatwg_check.mjs): reads candidate URIs, one per
 * line ('\n' only: a '\r' stays part of its line), and prints those that
 * Seam's host pattern (https, any subdomain of integrations.getseam.com)
 * accepts. With --location it prints the URI the owner would be sent to
 * instead.
 * Exits 2 when an accepted URI could not be printed as one line.
 */
#include "redirect_policy.h"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

int
main(int argc, char **argv)
{
    bool location = argc > 1 && std::strcmp(argv[1], "--location") == 0;
    if (argc > 2 || (argc == 2 && !location)) {
        std::fprintf(stderr, "usage: %s [--location] < candidates\n",
                     argv[0]);
        return 64;
    }

    seam::redirect_policy policy;
    std::string error = policy.add("https://*.integrations.getseam.com/");
    if (!error.empty()) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }

    std::ios::sync_with_stdio(false);
    int status = 0;
    size_t read = 0, accepted = 0;
    for (std::string line; std::getline(std::cin, line);) {
        read++;
        auto uri = policy.match(line);
        if (!uri) {
            continue;
        }
        accepted++;
        const std::string &out = location ? *uri : line;
        if (out.find('\n') != std::string::npos) {
            std::fprintf(stderr, "accepted URI with a newline: line %zu\n",
                         read);
            status = 2;
            continue;
        }
        std::cout << out << '\n';
    }
    std::cout.flush();
    std::fprintf(stderr, "redirect_oracle: %zu candidates, %zu accepted\n",
                 read, accepted);
    return status;
}
