"""Signs in through the URL that `make run` prints, in Debian's headless
Chromium, as README's "The flow by hand" tells a person to: the login
page, the demo owner's e-mail and password, Allow on the consent page.
The browser is then sent to Seam's redirect_uri, a host that does not
resolve here; the address it was sent to holds the code, as the address
bar would.

Run as:
    /usr/bin/python3 readme_signin.py --url URL --email E --password P \
        --count N --tmp DIR

Prints one JSON object: {"urls": [...]} (the N addresses the browser was
sent to, one sign-in each in a fresh browser), or {"error": "..."}.
"""
import argparse
import json
import os
import signal
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_flow as bf  # noqa: E402  (the same browser set-up)


def sign_in(url, email, password, tmp):
    # no callback server of ours: Seam's host is the callback here
    b = bf.Browser(tmp, "https://demo.integrations.getseam.com")
    try:
        b.open(url)
        bf.fill_login(b, email, password)
        b.expect("consent")
        bf.decide(b, "approve")
        return b.driver.current_url
    finally:
        b.quit()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--tmp", required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if bf.MISSING:
        print(json.dumps({"error": "missing: " + ", ".join(bf.MISSING)}))
        return 1
    try:
        urls = [sign_in(args.url, args.email, args.password, args.tmp)
                for _ in range(args.count)]
    except Exception:
        print(json.dumps({"error": traceback.format_exc()}))
        return 1
    print(json.dumps({"urls": urls}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
