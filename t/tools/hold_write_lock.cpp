/*
 * For the request tests: holds the store's write lock, as a long commit
 * of another process would, so that a test can catch nginx with work
 * waiting on it (a reload during a redemption).
 *   seam-test-hold DIR SECONDS
 * Prints "held" once it has the lock, then keeps it SECONDS and lets go.
 */
#include "store.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

int
main(int argc, char **argv)
{
    if (argc != 3) {
        std::cerr << "usage: seam-test-hold DIR SECONDS\n";
        return 2;
    }
    try {
        seam::store_options o;
        o.path = argv[1];
        o.grow_step = 0;
        seam::store s(o);
        seam::txn t = s.begin_write();
        std::cout << "held" << std::endl;
        sleep(static_cast<unsigned>(atoi(argv[2])));
        t.abort();
    } catch (const std::exception &e) {
        std::cerr << "seam-test-hold: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
