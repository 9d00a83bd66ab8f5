/*
 * The core library's unit tests: every suite in one runner. Run from the
 * repository root (make unit): the login page suite reads html/.
 */
#include "helpers.h"
#include "suites.h"

#include <cstdlib>

int
main()
{
    make_unit_tmp_root();

    SRunner *sr = srunner_create(form_suite());
    srunner_add_suite(sr, redirect_policy_suite());
    srunner_add_suite(sr, authorize_suite());
    srunner_add_suite(sr, csrf_suite());
    srunner_add_suite(sr, authorize_endpoint_suite());
    srunner_add_suite(sr, cookies_suite());
    srunner_add_suite(sr, pages_suite());
    srunner_add_suite(sr, sign_in_suite());
    srunner_add_suite(sr, login_check_suite());
    srunner_add_suite(sr, metrics_suite());
    srunner_add_suite(sr, audit_suite());
    srunner_add_suite(sr, config_suite());
    srunner_add_suite(sr, records_suite());
    srunner_add_suite(sr, store_suite());
    srunner_add_suite(sr, codes_suite());
    srunner_add_suite(sr, tokens_suite());
    srunner_add_suite(sr, revocation_suite());
    srunner_add_suite(sr, sessions_suite());
    srunner_add_suite(sr, sweep_suite());
    srunner_add_suite(sr, users_suite());
    srunner_add_suite(sr, owners_suite());
    srunner_add_suite(sr, store_files_suite());
    srunner_add_suite(sr, throttle_suite());
    srunner_add_suite(sr, bearer_suite());
    srunner_add_suite(sr, token_endpoint_suite());
    srunner_add_suite(sr, oauth_error_suite());
    srunner_add_suite(sr, crypto_suite());
    srunner_add_suite(sr, page_template_suite());
    srunner_add_suite(sr, password_suite());
    srunner_add_suite(sr, server_metadata_suite());
    srunner_add_suite(sr, secrets_suite());
    srunner_add_suite(sr, verify_suite());
    srunner_add_suite(sr, backup_suite());
    srunner_add_suite(sr, listing_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    remove_unit_tmp_root();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
