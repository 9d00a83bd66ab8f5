"""The OAuth flow in a real browser: Debian's headless Chromium driven by
Selenium (python3-selenium, chromium, chromium-driver), against a test nginx
started by t/150-browser.t (the store's accounts) or by
t/181-browser-login-check.t (seam_oauth_login_check: a login API checks
the passwords).

Run as:
    /usr/bin/python3 browser_flow.py --base http://127.0.0.1:PORT \
        --email OWNER --password PASSWORD --state STATE --shots DIR --tmp DIR \
        [--set browser|login_check] [--down-email ACCOUNT]

--set picks the scenarios: "browser" (the default, t/150's) or
"login_check" (t/181's: --email is then any account name of the login
API, --down-email one it answers 500 for, with the same --password).

The browser signs in on the module's login page, answers the consent page
and lands on a tiny callback server of our own (http.server on a free
loopback port: the client is registered with http://127.0.0.1/cb, and any
port on 127.0.0.1 is accepted, RFC 8252 section 7.3). The code is then
exchanged with urllib, as Seam would do it, without the browser.

This script only observes: it prints one JSON object per scenario on
stdout ({"scenario": NAME, ...facts...}, plus "error" saying what stopped
it when the scenario broke off) and t/150-browser.t turns the facts into
assertions. Anything else on stdout is a diagnostic line.

Every scenario gets a fresh browser with a fresh profile: a sign-in leaves
a session cookie that would skip the login page of the next scenario.
Everything the browser writes (profiles, and HOME, so that Chromium's crash
handler keeps its database there too) goes under --tmp, so the .t can find
and check any process left behind by its command line.
"""
import argparse
import http.server
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import traceback
import urllib.error
import urllib.parse
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# Missing prerequisites are reported (a "prerequisites" object), never
# skipped: the .t checks for them first, this is the last line of defence.
MISSING = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:
    MISSING.append(f"python module selenium ({e}); install python3-selenium")

CLIENT_ID = "seam"
CLIENT_SECRET = "seamsecret"
# The default of --state, the state sent to /authorize. The .t gives one
# with spaces, an ampersand and both kinds of quotes: it must come back byte
# for byte through the hidden form fields and the redirect.
STATE = "st-1"
WAIT = 10            # seconds for any one step (a page to load, a redirect)
DESKTOP = (1280, 900)
PHONE_WIDTH, PHONE_HEIGHT = 375, 812

# How Chromium's console words a form submission (or the redirect after it)
# that the page's Content-Security-Policy form-action forbids.
FORM_BLOCKED = "Sending form data to"

# The page of our own that every browser loads first (see CallbackHandler):
# its inline script renames it when JavaScript runs, and its CSP blocks the
# image it includes, so the console must show one CSP violation.
PROBE_TITLE_NO_JS = "probe: no script"
PROBE_TITLE_JS = "probe: script ran"


# ---------------------------------------------------------------- callback

class CallbackServer:
    """The client's redirect target: records the query string of every
    request to /cb and answers a small HTML page."""

    def __init__(self):
        self.hits = []                      # query strings received at /cb
        self.cond = threading.Condition()
        outer = self

        class CallbackHandler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path, _, query = self.path.partition("?")
                headers = {"Content-Type": "text/html; charset=utf-8"}
                if path == "/cb":
                    with outer.cond:
                        outer.hits.append(query)
                        outer.cond.notify_all()
                    # rel=icon data: keeps Chromium from asking for a
                    # /favicon.ico that this server does not have.
                    body = ("<!DOCTYPE html><title>callback</title>"
                            '<link rel="icon" href="data:,">'
                            "<p>The client's callback was reached.</p>")
                elif path == "/probe":
                    headers["Content-Security-Policy"] = \
                        "default-src 'none'; script-src 'unsafe-inline'"
                    body = (f"<!DOCTYPE html><title>{PROBE_TITLE_NO_JS}</title>"
                            f"<script>document.title = {json.dumps(PROBE_TITLE_JS)};</script>"
                            '<img src="/blocked-by-csp.png" alt="">')
                else:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass                        # keep stdout for the JSON lines

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CallbackHandler)
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        with self.cond:
            self.hits.clear()

    def wait_hit(self, timeout=WAIT):
        """The first query string received at /cb, or None."""
        with self.cond:
            self.cond.wait_for(lambda: self.hits, timeout)
            return self.hits[0] if self.hits else None

    def count(self):
        with self.cond:
            return len(self.hits)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(WAIT)


# ---------------------------------------------------------------- browser

class Browser:
    """One headless Chromium with a fresh profile under `tmp`; quit() stops
    chromium and chromedriver. Console entries are collected in
    self.console as {"page", "level", "source", "message"}."""

    def __init__(self, tmp, callback_base, javascript=True):
        self.callback_base = callback_base
        self.profile = tempfile.mkdtemp(prefix="profile-", dir=tmp)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new",
                    "--no-sandbox",                 # we run as root
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",  # a closed network:
                    "--disable-component-update",       # no calls home
                    "--disable-sync",
                    f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                    f"--user-data-dir={self.profile}"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        if not javascript:
            # 2 = block: the same content setting as "Don't allow sites to
            # use JavaScript", enforced as a managed (policy) value.
            options.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2})
        # HOME and XDG dirs in the profile: Chromium's crash handler then
        # keeps its database there (not in the user's own ~/.config), and
        # its command line names our directory, which the .t looks for
        # afterwards.
        env = dict(os.environ, HOME=self.profile,
                   XDG_CONFIG_HOME=os.path.join(self.profile, "config"),
                   XDG_CACHE_HOME=os.path.join(self.profile, "cache"))
        service = Service(CHROMEDRIVER, env=env)
        try:
            # Selenium stops chromedriver itself when the session cannot start.
            self.driver = webdriver.Chrome(service=service, options=options)
        except BaseException:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)
        self.console = []
        self.page = "start"

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def poll_console(self):
        """Moves the browser's new console entries into self.console, each
        tagged with the page we were on (self.page) when they were read."""
        for entry in self.driver.get_log("browser"):
            self.console.append({"page": self.page, "level": entry.get("level"),
                                 "source": entry.get("source"),
                                 "message": entry.get("message", "")})

    def wait(self, condition, what, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout).until(condition)
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; at "
                                 f"{self.driver.current_url}: {self.body_text()[:300]!r}") from None

    def body_text(self):
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except Exception:
            return ""

    def loaded(self):
        """Waits for the current document to be fully loaded. Runs through
        chromedriver's own script channel, which works with page scripts
        blocked too."""
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete",
                  "the page to load")

    def probe(self, callback):
        """Loads our probe page; returns (JavaScript ran?, the probe's
        console entries). Waits until the deliberate CSP violation is
        logged: proof that console capture works in this browser."""
        self.page = "probe"
        self.driver.get(callback.base + "/probe")
        self.loaded()
        seen = []

        def violation_logged(_):
            self.poll_console()
            seen[:] = [e for e in self.console if e["page"] == "probe"]
            return any("Content Security Policy" in e["message"] for e in seen)

        try:
            WebDriverWait(self.driver, WAIT).until(violation_logged)
        except TimeoutException:
            pass                            # reported: the .t sees no violation
        return self.driver.title == PROBE_TITLE_JS, seen

    def kind(self):
        """What the browser shows now: 'callback', 'consent', 'login' or
        'other' (an error page, say)."""
        if self.driver.current_url.startswith(self.callback_base + "/cb"):
            return "callback"
        if self.driver.find_elements(By.NAME, "decision"):
            return "consent"
        if self.driver.find_elements(By.NAME, "password"):
            return "login"
        return "other"

    def open(self, url):
        """Loads url in the browser; returns the kind of page it is."""
        return self._navigate(lambda: self.driver.get(url), None)

    def click_and_arrive(self, element):
        """A real click (chromedriver dispatches mouse events at the
        element's position; not form.submit()) on a button that leaves the
        page; returns the kind of the next page."""
        return self._navigate(element.click, element)

    def _navigate(self, action, element):
        """Runs action (a get, or a click on element) and waits for the next
        document to be loaded; returns its kind and remembers it in
        self.page. Console entries logged meanwhile (a form submission,
        redirects, the new document's load) are tagged "old -> new".

        A form submission the page's CSP blocks (form-action, which
        Chromium also applies to the redirects that follow the POST) leaves
        the old page in place: that is reported at once instead of after
        the timeout."""
        self.poll_console()                 # what the old page logged
        before = len(self.console)
        old = self.page
        self.page = old + " ->"
        action()
        if element is not None:
            gone = EC.staleness_of(element)

            def next_page_or_blocked(driver):
                try:
                    if gone(driver):
                        return "next page"
                except WebDriverException as e:
                    # While the old document is torn down, asking about
                    # its element can fail with "Node with given id does
                    # not belong to the document": it is gone all the same.
                    if "does not belong to the document" in str(e):
                        return "next page"
                    raise
                self.poll_console()
                if any(FORM_BLOCKED in e["message"] for e in self.console[before:]):
                    return "blocked"
                return False

            if self.wait(next_page_or_blocked, "the next page after the click") == "blocked":
                self.page = old
                for e in self.console[before:]:
                    e["page"] = old + " -> (blocked)"
                raise AssertionError(
                    f"the browser blocked the submission of the {old} page's form: "
                    + " | ".join(e["message"] for e in self.console[before:]
                                 if FORM_BLOCKED in e["message"]))
        self.loaded()
        self.poll_console()
        new = self.page = self.kind()
        for e in self.console[before:]:
            e["page"] = f"{old} -> {new}"
        return new

    def expect(self, kind):
        """Stops the scenario when the browser is not on a `kind` page."""
        if self.page != kind:
            raise AssertionError(f"expected the {kind} page, got {self.page!r} "
                                 f"at {self.driver.current_url}: {self.body_text()[:300]!r}")

    def screenshot(self, shots, name, facts):
        """A PNG of the viewport; its path is added to facts["screenshots"]."""
        path = os.path.join(shots, name + ".png")
        if os.path.exists(path):
            os.unlink(path)                 # a stale file must not pass
        self.driver.save_screenshot(path)
        facts.setdefault("screenshots", {})[name] = path

    def phone(self):
        """A 375 CSS pixel wide phone: device metrics through CDP, so the
        page's <meta name=viewport> is honoured as on a real phone."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": PHONE_WIDTH, "height": PHONE_HEIGHT,
            "deviceScaleFactor": 2, "mobile": True})

    def layout(self, selectors):
        """Viewport width, document width and the bounding rectangles of the
        elements matching the CSS selectors (needs chromedriver's script
        channel only)."""
        return self.driver.execute_script("""
            const out = {inner_width: window.innerWidth,
                         scroll_width: document.documentElement.scrollWidth,
                         elements: []};
            for (const sel of arguments[0]) {
                for (const el of document.querySelectorAll(sel)) {
                    const r = el.getBoundingClientRect();
                    out.elements.push({what: sel + (el.value ? ' ' + el.value : ''),
                                       left: r.left, right: r.right,
                                       width: r.width, height: r.height});
                }
            }
            return out;""", selectors)


# ---------------------------------------------------------------- steps

def authorize_url(ctx):
    """No scope parameter, as Seam's intercom guide sends it: the client's
    default_scope applies. Spaces are sent as %20."""
    query = urllib.parse.urlencode({
        "client_id": CLIENT_ID, "response_type": "code",
        "redirect_uri": ctx.callback.base + "/cb", "state": ctx.state,
    }, quote_via=urllib.parse.quote)
    return f"{ctx.base}/authorize?{query}"


def type_login(b, email, password):
    """Types into the login form's fields."""
    b.expect("login")
    email_field = b.driver.find_element(By.NAME, "email")
    email_field.clear()
    email_field.send_keys(email)
    b.driver.find_element(By.NAME, "password").send_keys(password)


def submit_login(b):
    """Clicks the login form's submit button; returns the kind of page
    that follows."""
    return b.click_and_arrive(b.driver.find_element(By.CSS_SELECTOR, 'form [type="submit"]'))


def fill_login(b, email, password):
    """Types into the login form's fields and clicks its submit button;
    returns the kind of page that follows."""
    type_login(b, email, password)
    return submit_login(b)


def read_consent(b, facts):
    """The consent page's scope list and its decision buttons."""
    facts["consent_text"] = b.body_text()
    facts["consent_buttons"] = [
        [el.get_attribute("value"), el.text]
        for el in b.driver.find_elements(By.NAME, "decision")]


def decide(b, decision):
    button = b.driver.find_element(
        By.CSS_SELECTOR, f'button[name="decision"][value="{decision}"]')
    return b.click_and_arrive(button)


def http_request(url, data=None, headers=None):
    """(status, body) of a request made without the browser."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=WAIT) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def redeem(base, code, facts):
    """What Seam does with the code: the token request (form body, as in
    Seam's intercom guide) and one call to the protected device API."""
    body = urllib.parse.urlencode({"code": code, "client_id": CLIENT_ID,
                                   "client_secret": CLIENT_SECRET}).encode()
    status, text = http_request(base + "/oauth/token", body,
                                {"Content-Type": "application/x-www-form-urlencoded"})
    facts["token_status"] = status
    try:
        token = json.loads(text)
    except ValueError:
        token = {"unparsable": text[:300]}
    # The tokens themselves stay out of the output: only their length.
    facts["token"] = {k: (f"<{len(v)} chars>" if k in ("access_token", "refresh_token") else v)
                      for k, v in token.items()}
    access = token.get("access_token")
    if not access:
        return
    facts["api_status"], facts["api_body"] = http_request(
        base + "/intercoms", headers={"Authorization": "Bearer " + access})


def record_callback(callback, facts):
    """The callback's query (first value of each name) as it reached our
    server, and how many requests reached it."""
    raw = callback.wait_hit()
    facts["callback_count"] = callback.count()
    facts["callback_raw"] = raw
    if raw is not None:
        facts["callback"] = {k: v[0] for k, v in
                             urllib.parse.parse_qs(raw, keep_blank_values=True).items()}


# ---------------------------------------------------------------- scenarios

def scenario_flow(ctx, facts, javascript, decision="approve", shots=False):
    """Login page -> sign in -> consent page -> decision -> callback; with
    approve, the code is exchanged and the API called."""
    b = ctx.browser(facts, javascript=javascript)
    facts["javascript_ran"], facts["probe_console"] = b.probe(ctx.callback)
    ctx.callback.reset()
    facts["pages"] = [b.open(authorize_url(ctx))]
    facts["login_title"] = b.driver.title
    if shots:
        b.screenshot(ctx.shots, "login-desktop", facts)
    facts["pages"].append(fill_login(b, ctx.email, ctx.password))
    b.expect("consent")
    read_consent(b, facts)
    if shots:
        b.screenshot(ctx.shots, "consent-desktop", facts)
    facts["pages"].append(decide(b, decision))
    facts["final_url"] = b.driver.current_url
    record_callback(ctx.callback, facts)
    code = facts.get("callback", {}).get("code")
    if decision == "approve" and code:
        redeem(ctx.base, code, facts)


def scenario_wrong_password(ctx, facts):
    """A wrong password: the same page with the message, no redirect."""
    b = ctx.browser(facts, javascript=True)
    ctx.callback.reset()
    facts["pages"] = [b.open(authorize_url(ctx))]
    facts["pages"].append(fill_login(b, ctx.email, ctx.password + " but wrong"))
    facts["url"] = b.driver.current_url
    facts["text"] = b.body_text()
    if b.page == "login":
        facts["email_value"] = b.driver.find_element(By.NAME, "email").get_property("value")
        facts["password_value"] = b.driver.find_element(By.NAME, "password").get_property("value")
    b.screenshot(ctx.shots, "wrong-password-desktop", facts)
    # Nothing may reach the callback: give a redirect, if any, time to land
    # first (wait_hit returns at once when one did).
    callback_hit = ctx.callback.wait_hit(timeout=1)
    facts["callback_count"] = ctx.callback.count()
    facts["callback_raw"] = callback_hit


def scenario_phone(ctx, facts):
    """The login page, the wrong-password page and the consent page at 375
    CSS pixels: measured and photographed."""
    b = ctx.browser(facts, javascript=True)
    b.phone()
    ctx.callback.reset()
    login_parts = ['input[name="email"]', 'input[name="password"]', 'form [type="submit"]']
    facts["pages"] = [b.open(authorize_url(ctx))]
    facts["login"] = b.layout(login_parts)
    b.screenshot(ctx.shots, "login-375", facts)
    facts["pages"].append(fill_login(b, ctx.email, ctx.password + " but wrong"))
    facts["wrong_password"] = b.layout(login_parts)
    b.screenshot(ctx.shots, "wrong-password-375", facts)
    facts["pages"].append(fill_login(b, ctx.email, ctx.password))
    b.expect("consent")
    facts["consent"] = b.layout(['button[name="decision"]'])
    b.screenshot(ctx.shots, "consent-375", facts)


# ---------------------------------------------------------------- login check

# A cookie of the device cloud's own site on the module's origin, set in
# the browser before every sign-in of the login-check scenarios: it goes
# with the form's POST (as the CSRF cookie does) and must not reach the
# login API.
FOREIGN_COOKIE = {"name": "theme", "value": "dark-mode-7f3a"}


def identifier_field(b):
    """The login form's account field: its type attribute, its label's own
    text (without the field), its value and whether the browser's form
    validation accepts that value (validity.valid: a type=email field with
    "alice" in it is invalid, and the browser would not submit the form).
    Through chromedriver's script channel, so with page scripts blocked
    too."""
    return b.driver.execute_script("""
        const f = document.querySelector('form input[name="email"]');
        if (!f) return null;
        const label = f.closest('label');
        let text = '';
        if (label) for (const n of label.childNodes)
            if (n.nodeType === Node.TEXT_NODE) text += n.textContent;
        return {type: f.getAttribute('type'), label: text.trim(),
                value: f.value, valid: f.validity.valid};""")


def navigation_status(b):
    """The HTTP status of the document shown, as the browser got it
    (Navigation Timing's responseStatus), or None."""
    return b.driver.execute_script("""
        const n = performance.getEntriesByType('navigation')[0];
        return n && n.responseStatus !== undefined ? n.responseStatus : null;""")


def login_check_sign_in(b, facts, email, password):
    """The foreign cookie, then the typing, what the fields hold before
    the click ("typed"), and the click; returns the next page's kind."""
    b.driver.add_cookie(dict(FOREIGN_COOKIE, path="/"))
    facts["cookie_names"] = sorted(c["name"] for c in b.driver.get_cookies())
    type_login(b, email, password)
    facts["typed"] = {
        "field": identifier_field(b),
        "password": b.driver.find_element(By.NAME, "password").get_property("value"),
    }
    return submit_login(b)


def shot_name(name, javascript):
    return name if javascript else name + "-nojs"


def scenario_login_check_flow(ctx, facts, javascript):
    """With the login check: a user name that is no e-mail signs in,
    consent, Allow, the callback; the code redeemed and the API called."""
    b = ctx.browser(facts, javascript=javascript)
    facts["javascript_ran"], facts["probe_console"] = b.probe(ctx.callback)
    ctx.callback.reset()
    facts["pages"] = [b.open(authorize_url(ctx))]
    facts["login_title"] = b.driver.title
    facts["field"] = identifier_field(b)
    b.screenshot(ctx.shots, shot_name("login-check-login", javascript), facts)
    facts["pages"].append(login_check_sign_in(b, facts, ctx.email, ctx.password))
    b.expect("consent")
    read_consent(b, facts)
    b.screenshot(ctx.shots, shot_name("login-check-consent", javascript), facts)
    facts["pages"].append(decide(b, "approve"))
    facts["final_url"] = b.driver.current_url
    record_callback(ctx.callback, facts)
    code = facts.get("callback", {}).get("code")
    if code:
        redeem(ctx.base, code, facts)


def scenario_login_check_wrong_password(ctx, facts, javascript):
    """The login API answers 401: the login page again, with the message."""
    b = ctx.browser(facts, javascript=javascript)
    ctx.callback.reset()
    facts["pages"] = [b.open(authorize_url(ctx))]
    facts["pages"].append(login_check_sign_in(b, facts, ctx.email,
                                         ctx.password + " but wrong"))
    facts["url"] = b.driver.current_url
    facts["text"] = b.body_text()
    if b.page == "login":
        facts["field"] = identifier_field(b)
        facts["password_value"] = b.driver.find_element(By.NAME, "password").get_property("value")
    b.screenshot(ctx.shots, shot_name("login-check-wrong-password", javascript), facts)
    callback_hit = ctx.callback.wait_hit(timeout=1)
    facts["callback_count"] = ctx.callback.count()
    facts["callback_raw"] = callback_hit


def scenario_login_check_unavailable(ctx, facts, javascript):
    """The login API answers 500: the browser shows the 503 page."""
    b = ctx.browser(facts, javascript=javascript)
    ctx.callback.reset()
    facts["pages"] = [b.open(authorize_url(ctx))]
    facts["pages"].append(login_check_sign_in(b, facts, ctx.down_email, ctx.password))
    facts["url"] = b.driver.current_url
    facts["title"] = b.driver.title
    facts["text"] = b.body_text()
    facts["status"] = navigation_status(b)
    b.screenshot(ctx.shots, shot_name("login-check-unavailable", javascript), facts)
    callback_hit = ctx.callback.wait_hit(timeout=1)
    facts["callback_count"] = ctx.callback.count()
    facts["callback_raw"] = callback_hit


def describe(e):
    """An exception in a few lines: what the browser (AssertionError) or
    chromedriver (WebDriverException, its native stack left out) said and
    the line of this script; anything else is a bug here: the traceback."""
    ours = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
    where = f"browser_flow.py line {ours[-1].lineno}, in {ours[-1].name}" if ours else "?"
    if isinstance(e, AssertionError):
        return f"{where}: {e}"
    if isinstance(e, WebDriverException):
        return f"{where}: {type(e).__name__}: {e.msg}"
    return "".join(traceback.format_exception(e))


class Context:
    """What every scenario needs, and the browser of the one running (to
    be quit however the scenario ends)."""

    def __init__(self, args, callback):
        self.base, self.email, self.password = args.base, args.email, args.password
        self.state = args.state
        self.down_email = args.down_email
        self.shots, self.tmp, self.callback = args.shots, args.tmp, callback
        self.console = []                   # every browser's entries, by scenario

    def browser(self, facts, javascript):
        b = Browser(self.tmp, self.callback.base, javascript=javascript)
        self.current = b
        facts["javascript_setting"] = "on" if javascript else "off"
        return b

    def run(self, name, fn, **kw):
        """Runs one scenario and prints its facts, also when it broke off."""
        facts = {"scenario": name}
        self.current = None
        try:
            fn(self, facts, **kw)
        except Exception as e:
            facts["error"] = describe(e)
            b = self.current
            if b is not None:
                try:                        # a picture of where it stopped
                    b.screenshot(self.shots, f"failure-{name}", facts)
                    facts["failure_url"] = b.driver.current_url
                except Exception:
                    pass
        finally:
            b = self.current
            if b is not None:
                try:
                    b.poll_console()
                except Exception:
                    pass
                self.console += [dict(e, scenario=name) for e in b.console]
                try:
                    b.quit()
                except Exception:
                    facts.setdefault("error", "")
                    facts["error"] += "driver.quit() failed:\n" + traceback.format_exc()
        print(json.dumps(facts), flush=True)


def console_report(ctx):
    """The console entries of the module's pages, sorted into those the
    .t must judge and those that are not the module's (with the reason)."""
    module = re.escape(ctx.base)
    kept, ignored = [], []
    for e in ctx.console:
        msg = e["message"]
        if e["page"] in ("start", "probe") or msg.startswith(ctx.callback.base):
            # Our own pages (the probe, whose CSP violation is deliberate,
            # and the callback's page) are not the module's.
            ignored.append(dict(e, why="not the module's page"))
        elif re.match(module + r"/favicon\.ico - Failed to load resource: "
                      r"the server responded with a status of 404", msg):
            # The module's pages declare no icon, so a browser may ask for
            # /favicon.ico, which this test server (server_config) does not
            # serve: not the pages' fault. (Headless Chromium 156 asks for
            # none; this is for other versions. A page could declare
            # <link rel="icon" href="data:,">, but under the pages' CSP,
            # default-src 'none', that is a violation unless img-src
            # allows data:.)
            ignored.append(dict(e, why="favicon 404"))
        else:
            kept.append(e)
    return {"scenario": "console", "entries": kept, "ignored": ignored}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the module's origin, http://127.0.0.1:PORT")
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--state", default=STATE, help="the state to send to /authorize")
    ap.add_argument("--shots", required=True, help="directory for the PNG screenshots")
    ap.add_argument("--tmp", required=True, help="directory for browser profiles")
    ap.add_argument("--set", default="browser", choices=("browser", "login_check"),
                    help="the scenarios: t/150's (browser) or t/181's (login_check)")
    ap.add_argument("--down-email", help="login_check: an account the login API answers 500 for")
    args = ap.parse_args()
    # A TERM (the .t's timeout) becomes SystemExit, so that the finally
    # clauses below still quit the browsers and the callback server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if args.set == "login_check" and not args.down_email:
        ap.error("--set login_check needs --down-email")

    if MISSING:
        print(json.dumps({"scenario": "prerequisites", "missing": MISSING}), flush=True)
        return 1
    os.makedirs(args.shots, exist_ok=True)
    callback = CallbackServer()
    try:
        ctx = Context(args, callback)
        if args.set == "login_check":
            # one sign-in attempt each, in this order (the .t matches them
            # to the login API's requests)
            for js, mode in ((True, "on"), (False, "off")):
                ctx.run(f"flow_js_{mode}", scenario_login_check_flow, javascript=js)
                ctx.run(f"wrong_password_js_{mode}", scenario_login_check_wrong_password,
                        javascript=js)
                ctx.run(f"unavailable_js_{mode}", scenario_login_check_unavailable,
                        javascript=js)
        else:
            ctx.run("js_on", scenario_flow, javascript=True, shots=True)
            ctx.run("js_off", scenario_flow, javascript=False)
            ctx.run("deny", scenario_flow, javascript=True, decision="deny")
            ctx.run("wrong_password", scenario_wrong_password)
            ctx.run("phone", scenario_phone)
        print(json.dumps(console_report(ctx)), flush=True)
    finally:
        callback.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
