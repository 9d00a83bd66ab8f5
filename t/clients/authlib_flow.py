"""The whole OAuth flow driven by a real client library, Authlib (Debian's
python3-authlib), with the login form submitted as a browser would. Prints
TAP lines; run by t/110-authlib.t as /usr/bin/python3 authlib_flow.py URL.
"""
import html.parser
import secrets
import sys
import urllib.parse

import requests
from authlib.integrations.requests_client import OAuth2Session

BASE = sys.argv[1]
OWNER, PASSWORD = sys.argv[2], sys.argv[3]
CLIENT, SECRET = "lib", "libsecret"
REDIRECT = "https://app.example/callback"
count = 0


def check(ok, name):
    global count
    count += 1
    print(("ok" if ok else "not ok") + f" {count} - {name}", flush=True)
    return ok


class Form(html.parser.HTMLParser):
    """The first form of a page: its action and its fields."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.decisions = None, {}, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name") == "decision":
            self.decisions.append(a.get("value"))


def browser_sign_in(url):
    """Opens the authorization URL, signs in, approves; returns Location."""
    browser = requests.Session()
    page = browser.get(url, allow_redirects=False)
    form = Form()
    form.feed(page.text)
    data = dict(form.fields, email=OWNER, password=PASSWORD)
    r = browser.post(urllib.parse.urljoin(BASE, form.action), data=data,
                     allow_redirects=False)
    if r.status_code == 200 and "decision" in r.text:
        consent = Form()
        consent.feed(r.text)
        check(consent.decisions == ["deny", "approve"],
              "the consent page offers deny and approve")
        r = browser.post(urllib.parse.urljoin(BASE, consent.action),
                         data=dict(consent.fields, decision="approve"),
                         allow_redirects=False)
    check(r.status_code == 303, "sign-in answers 303")
    return r.headers["Location"]


meta = requests.get(BASE + "/.well-known/oauth-authorization-server").json()
check(meta["issuer"] == BASE, "discovery: issuer")
check("S256" in meta["code_challenge_methods_supported"], "discovery: S256")
token_url = meta["token_endpoint"]

for method in ("client_secret_post", "client_secret_basic"):
    client = OAuth2Session(CLIENT, SECRET, scope="intercoms:read intercoms:unlock",
                           redirect_uri=REDIRECT, code_challenge_method="S256",
                           token_endpoint_auth_method=method)
    verifier = secrets.token_urlsafe(48)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, foo="bar")
    location = browser_sign_in(url)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    check(query.get("state") == state, f"{method}: state comes back")
    check(query.get("iss") == BASE, f"{method}: iss (RFC 9207)")
    token = client.fetch_token(token_url, authorization_response=location,
                               code_verifier=verifier)
    check(token.get("token_type") == "Bearer" and token.get("access_token"),
          f"{method}: code exchanged with PKCE")
    check(token.get("refresh_token") and token.get("expires_in") == 3600,
          f"{method}: refresh token and expires_in")
    api = client.get(BASE + "/intercoms")
    check(api.status_code == 200, f"{method}: the device API accepts the token")

# refresh, other scope order, introspection, revocation
client = OAuth2Session(CLIENT, SECRET, scope="intercoms:unlock intercoms:read",
                       redirect_uri=REDIRECT, code_challenge_method="S256")
verifier = secrets.token_urlsafe(48)
url, state = client.create_authorization_url(meta["authorization_endpoint"],
                                             code_verifier=verifier)
token = client.fetch_token(token_url, authorization_response=browser_sign_in(url),
                           code_verifier=verifier)
check(token.get("scope") == "intercoms:unlock intercoms:read",
      "another scope order succeeds")
old = token["access_token"]
new = client.refresh_token(token_url, refresh_token=token["refresh_token"])
check(new["access_token"] != old, "refresh: a new access token")
check(new["refresh_token"] == token["refresh_token"], "refresh: the same refresh token")
check(requests.get(BASE + "/intercoms",
                   headers={"Authorization": "Bearer " + old}).status_code == 200,
      "refresh: the old access token still works")

intro = client.introspect_token(meta["introspection_endpoint"], token=new["access_token"])
check(intro.status_code == 200 and intro.json()["active"] is True,
      "introspection: active")
rev = client.revoke_token(meta["revocation_endpoint"], token=new["refresh_token"],
                          token_type_hint="refresh_token")
check(rev.status_code == 200, "revocation: 200")
intro = client.introspect_token(meta["introspection_endpoint"], token=new["access_token"])
check(intro.json()["active"] is False, "revocation of the refresh token ends the grant")
check(requests.get(BASE + "/intercoms",
                   headers={"Authorization": "Bearer " + new["access_token"]}).status_code == 401,
      "revoked: the device API refuses the token")

print(f"1..{count}")
