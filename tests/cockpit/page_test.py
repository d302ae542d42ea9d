#!/usr/bin/python3
"""page_test.py - the browser half of tests/integration/cockpit_page.sh: the
API keys page in the real Cockpit, driven through headless chromium (cdp.py).

Given by the shell script in the environment: COCKPIT_URL, SHOTS (the
screenshot directory), ALICE (a user who logs in with ALICE_KEY_FILE's key),
BOB and BOB_PASSWORD_FILE (a second user, password login), BOB_KEY_ID (one
of bob's keys), CAROL and CAROL_KEY_FILE (an apikeyd admin), PAM_DRIVER,
PAM_CONFDIR. Secrets come in files (mode 0600), never in argv.

Prints TAP lines. A failed step prints "not ok - STEP: WHY (screenshot: PATH)"
and ends the test; where chromium cannot start, one "ok - ... # SKIP".
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, BrowserCannotStart, StepFailed  # noqa: E402

ENV = os.environ
URL = ENV["COCKPIT_URL"]
SHOTS = ENV["SHOTS"]
FRAME = 'document.querySelector(\'iframe[name="cockpit1:localhost/apikey"]\')'
DOC = "(%s && %s.contentDocument)" % (FRAME, FRAME)
KEY_RE = re.compile(r"^apk_([a-z0-9]{12})_[A-Za-z0-9]+$")

step_no = 0
browser = None


def secret(name):
    with open(ENV[name]) as f:
        return f.read().strip()


def ok(text):
    print("ok - " + text, flush=True)


def js(value):
    return json.dumps(value)


def step(name, run):
    """Runs one step; screenshots its end (or its failure) under SHOTS."""
    global step_no
    step_no += 1
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50]
    path = os.path.join(SHOTS, "%02d-%s.png" % (step_no, slug))
    started = time.monotonic()
    try:
        result = run()
        browser.screenshot(path)
        ok("%s (%.1f s; screenshot: %s)" % (name, time.monotonic() - started, path))
        return result
    except Exception as e:  # every failure ends the test with its screenshot
        failed = path.replace(".png", "-FAILED.png")
        try:
            browser.screenshot(failed)
        except Exception as shot_error:
            failed = "none: " + str(shot_error)
        print("not ok - %s: %s (screenshot: %s)" % (name, e, failed), flush=True)
        browser.close()
        sys.exit(1)


# ---- the page, inside the shell's iframe ----
# In EXPRESSION: d is the page's document, row(ID) the table row of key ID.
PAGE = ("(() => { const d = %s; if (!d || !d.body) return null; "
        "const row = (id) => [...d.querySelectorAll('#keys-table tbody tr')].find((r) => r.dataset.keyId === id) || null; "
        "return (%%s); })()" % DOC)


def in_page(expression):
    """Evaluates EXPRESSION in the page (null until it is loaded)."""
    return browser.eval(PAGE % expression)


def wait_page(expression, what, timeout=20):
    return browser.wait(PAGE % expression, what, timeout)


def click(selector, frame=True):
    """A real mouse click at the middle of the element."""
    where = "(%s)" % DOC if frame else "document"
    rect = browser.wait("""(() => {
        const d = %s; if (!d) return null;
        const e = d.querySelector(%s); if (!e) return null;
        e.scrollIntoView({block: "center"});
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) return null;
        const f = %s ? %s.getBoundingClientRect() : {left: 0, top: 0};
        return {x: f.left + r.left + r.width / 2, y: f.top + r.top + r.height / 2};
    })()""" % (where, js(selector), "true" if frame else "false", FRAME), "a visible " + selector)
    browser.click_at(rect["x"], rect["y"])


def type_into(selector, text, frame=True):
    click(selector, frame)
    where = "(%s)" % DOC if frame else "document"
    browser.eval("(() => { const e = %s.querySelector(%s); e.select && e.select(); })()" % (where, js(selector)))
    browser.insert_text(text)


def login(user, password):
    browser.clear_cookies()
    browser.navigate(URL + "/")
    browser.wait('!!(document.querySelector("#login-user-input") && document.querySelector("#login-button"))',
                 "Cockpit's login form")
    type_into("#login-user-input", user, frame=False)
    type_into("#login-password-input", password, frame=False)
    click("#login-button", frame=False)
    browser.wait('!!document.querySelector("nav") && !document.querySelector("#login-button")',
                 "the Cockpit shell after logging in as " + user, timeout=30)


def open_page():
    browser.navigate(URL + "/apikey")
    wait_page('!!(d.querySelector("#keys-table") || d.querySelector(".empty") || !d.querySelector("#page-alert").hidden)', "the API keys page's key list", 30)
    error = in_page('d.querySelector("#page-alert").hidden ? "" : d.querySelector("#page-alert").textContent')
    if error:
        raise StepFailed("the page shows an error: " + error.strip())


def key_ids():
    return in_page('[...d.querySelectorAll("#keys-table tbody tr")].map((r) => r.dataset.keyId)') or []


def key_action(key_id, action):
    click("tr[data-key-id='%s'] [data-action=key-actions]" % key_id)
    wait_page('d.querySelector("#actions-dialog").open', "the actions dialog")
    click("#action-" + action)


def pam_login(user, key, service="cockpit"):
    """authenticate=... of the real PAM stack SERVICE (Debian's cockpit one,
    with the profile) for USER with KEY, through build/tests/pam_driver."""
    env = dict(ENV, APIKEY_TEST_ANSWER=key)
    out = subprocess.run([ENV["PAM_DRIVER"], "--confdir", ENV["PAM_CONFDIR"], "--service", service, "--user", user,
                          "--rhost", "127.0.0.1"], env=env, capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"^authenticate=(\S+)", out, re.M)
    return m.group(1) if m else "none: " + out.strip()


def main():
    global browser
    alice, bob, carol = ENV["ALICE"], ENV["BOB"], ENV["CAROL"]
    try:
        browser = Browser(os.path.join(ENV["PROFILE_DIR"]), width=1280, height=900)
    except BrowserCannotStart as e:
        print("ok - cockpit_page.sh # SKIP chromium cannot start (%s)" % e, flush=True)
        return 0
    new = {}

    def log_in_with_key():
        login(alice, secret("ALICE_KEY_FILE"))
        browser.wait('[...document.querySelectorAll("a")].some((a) => a.textContent.trim() === "API keys")',
                     'the "API keys" entry in Cockpit\'s menu')
    step("alice logs in to Cockpit with her API key; the menu has \"API keys\"", log_in_with_key)

    def page_lists_own_keys():
        open_page()
        ids = key_ids()
        if ENV["ALICE_KEY_ID"] not in ids:
            raise StepFailed("alice's login key %s is not in the table (%s)" % (ENV["ALICE_KEY_ID"], ids))
        who = in_page('d.querySelector("#whoami").textContent')
        if alice not in who:
            raise StepFailed("the page does not say who is signed in: " + who)
        outside = browser.eval("""(() => {
            const urls = [...performance.getEntriesByType("resource"),
                          ...%s.contentWindow.performance.getEntriesByType("resource")].map((e) => e.name);
            return urls.filter((u) => !u.startsWith(%s));
        })()""" % (FRAME, js(URL + "/")))
        if outside:
            raise StepFailed("loaded from outside the machine: %s" % outside)
        last = in_page('row(%s).textContent' % js(ENV["ALICE_KEY_ID"]))
        if "cockpit" not in last or "127.0.0.1" not in last:
            raise StepFailed("the login key's row lacks its last use (cockpit from 127.0.0.1): " + last)
    step("the API keys page lists alice's keys, with the login just made (cockpit from 127.0.0.1); "
         "nothing loaded from elsewhere",
         page_lists_own_keys)

    def create_key():
        click("#create-key")
        wait_page('d.querySelector("#create-dialog").open', "the create dialog")
        type_into("#c-name", "made-in-cockpit")
        type_into("#c-description", "created by the browser test")
        type_into("#c-expires", "30d")
        type_into("#c-services", "cockpit, sshd")
        type_into("#c-sources", "127.0.0.0/8")
        type_into("#c-max-uses", "10")
        click("#create-submit")
        key = wait_page('d.querySelector("#secret-dialog").open && d.querySelector("#secret-value").value',
                        "the new key in the one-time dialog")
        m = KEY_RE.match(key)
        if not m:
            raise StepFailed("the dialog shows no key: %r" % key[:20])
        warning = in_page('d.querySelector("#secret-warning").textContent')
        if "only time" not in warning:
            raise StepFailed("no clear warning that the key is shown once: " + warning)
        new["key"], new["id"] = key, m.group(1)
        click("#secret-copy")
        wait_page('d.querySelector("#secret-copied").textContent', "the copy button's result")
    step("create a key (name, description, expiry, services, sources, usage limit); the dialog shows it once",
         create_key)

    def close_secret():
        click("#secret-close")
        wait_page('!d.querySelector("#secret-dialog").open', "the dialog to close")
        left = browser.eval("""(() => {
            const d = %s, w = %s.contentWindow, k = %s, found = [];
            if (d.documentElement.outerHTML.includes(k)) found.push("the page's DOM");
            if (d.querySelector("#secret-value").value) found.push("the dialog's input");
            for (const win of [window, w]) {
                if (win.location.href.includes(k)) found.push("a URL");
                for (const s of [win.localStorage, win.sessionStorage])
                    for (let i = 0; i < s.length; i++)
                        if ((s.getItem(s.key(i)) || "").includes(k)) found.push("browser storage");
            }
            return found;
        })()""" % (DOC, FRAME, js(new["key"])))
        if left:
            raise StepFailed("the key is still in: " + ", ".join(left))
        wait_page('!!row(%s)' % js(new["id"]), "the new key's row")
        row = in_page('row(%s).textContent' % js(new["id"]))
        for want in ("made-in-cockpit", "cockpit, sshd", "127.0.0.0/8", "at most 10 uses", "active"):
            if want not in row:
                raise StepFailed("the new key's row lacks %r: %s" % (want, row))
    step("closing the dialog wipes the key from the page (DOM, URL, storage); the table shows the new key",
         close_secret)

    def new_key_logs_in():
        result = pam_login(alice, new["key"])
        if result != "PAM_SUCCESS":
            raise StepFailed("pam_driver (service cockpit) with the new key: " + result)
    step("the new key logs in through PAM (Debian's cockpit stack with the profile)", new_key_logs_in)

    def sort_by_name():
        click('button[data-sort="name"]')
        wait_page('!!d.querySelector("th[aria-sort=ascending] button[data-sort=name]")', "sorted by name")
        names = in_page('[...d.querySelectorAll("#keys-table tbody tr td:first-child strong")].map((e) => e.textContent)')
        if names != sorted(names, key=str.lower):
            raise StepFailed("not sorted by name: %s" % names)
    step("the table sorts by name", sort_by_name)

    def disable():
        key_action(new["id"], "disable")
        wait_page('row(%s) && row(%s).querySelector(".state").textContent === "disabled"' % (js(new["id"]), js(new["id"])),
                  "the key's state to become disabled")
        result = pam_login(alice, new["key"])
        if result == "PAM_SUCCESS":
            raise StepFailed("the disabled key still logs in")
    step("disable the key from the page; it no longer logs in through PAM", disable)

    def enable():
        key_action(new["id"], "enable")
        wait_page('row(%s) && row(%s).querySelector(".state").textContent === "active"' % (js(new["id"]), js(new["id"])),
                  "the key's state to become active")
        result = pam_login(alice, new["key"])
        if result != "PAM_SUCCESS":
            raise StepFailed("the enabled key does not log in: " + result)
    step("enable it again from the page; it logs in again", enable)

    def delete():
        key_action(new["id"], "delete")
        text = wait_page('d.querySelector("#confirm-dialog").open && d.querySelector("#confirm-text").textContent',
                         "the delete confirmation")
        if "made-in-cockpit" not in text or new["id"] not in text:
            raise StepFailed("the confirmation does not name the key: " + text)
        click("#confirm-yes")
        wait_page('!row(%s)' % js(new["id"]), "the key's row to go")
        click("#refresh-keys")
        time.sleep(0.5)
        wait_page('!!d.querySelector("#keys-table")', "the key list")
        if new["id"] in key_ids():
            raise StepFailed("the deleted key is listed again after a refresh")
    step("delete the key after a confirmation that names it", delete)

    def audit():
        click("#tab-audit")
        wait_page('!!d.querySelector("#audit-table")', "the audit table")
        text = in_page('d.querySelector("#audit-table").textContent')
        for want in (new["id"], "control: delete", "control: disable", "auth"):
            if want not in text:
                raise StepFailed("the audit records lack %r" % want)
    step("the Audit tab shows the records of alice's keys (create, login, disable, delete)", audit)

    def keyboard_only():
        click("#tab-keys")
        wait_page('!!d.querySelector("#keys-table")', "the key list")
        in_page('d.querySelector("#create-key").focus() || true')
        browser.press("Enter")
        wait_page('d.querySelector("#create-dialog").open && d.activeElement === d.querySelector("#c-name")',
                  "the create dialog, with the focus in its name field")
        browser.insert_text("keyboard-made")
        browser.press("Enter")
        key = wait_page('d.querySelector("#secret-dialog").open && d.querySelector("#secret-value").value',
                        "the new key's dialog")
        m = KEY_RE.match(key)
        if not m:
            raise StepFailed("no key in the dialog")
        new["kb_key"], new["kb_id"] = key, m.group(1)
        browser.press("Escape")
        wait_page('!d.querySelector("#secret-dialog").open && d.querySelector("#secret-value").value === ""',
                  "Escape to close the dialog and wipe the key")
        wait_page('!!row(%s)' % js(new["kb_id"]), "the key made with the keyboard in the table")
    step("keyboard only: Enter on \"Create key\", type a name, Enter, Escape closes and wipes the key", keyboard_only)

    def rotate():
        key_action(new["kb_id"], "rotate")
        wait_page('d.querySelector("#rotate-dialog").open', "the rotate dialog")
        click("#rotate-form input[value=first-use]")
        click("#rotate-submit")
        key = wait_page('d.querySelector("#secret-dialog").open && d.querySelector("#secret-value").value',
                        "the rotated key in the one-time dialog")
        m = KEY_RE.match(key)
        if not m or m.group(1) == new["kb_id"]:
            raise StepFailed("the dialog does not show a new key")
        click("#secret-close")
        wait_page('!!row(%s) && row(%s).textContent.includes("rotated to " + %s)'
                  % (js(new["kb_id"]), js(new["kb_id"]), js(m.group(1))), "the old key marked rotated")
        if pam_login(alice, key) != "PAM_SUCCESS":
            raise StepFailed("the rotated-to key does not log in")
        new["rot_id"] = m.group(1)
    step("rotate (until first use): the new key shown once logs in; the old one says what replaced it", rotate)

    def locked_error():
        key_action(new["rot_id"], "lock")
        wait_page('!!row(%s) && !!row(%s).querySelector(".badge")' % (js(new["rot_id"]), js(new["rot_id"])),
                  "the locked badge")
        key_action(new["rot_id"], "disable")
        text = wait_page('!d.querySelector("#page-alert").hidden && d.querySelector("#page-alert-text").textContent',
                         "the error of disabling a locked key")
        if "locked" not in text or re.search(r"exit|status [0-9]", text):
            raise StepFailed("the error is not apikeyctl's plain words: " + text)
        key_action(new["rot_id"], "unlock")
        wait_page('!!row(%s) && !row(%s).querySelector(".badge")' % (js(new["rot_id"]), js(new["rot_id"])),
                  "the key unlocked")
    step("a locked key cannot be disabled: apikeyctl's own words are shown, not an exit code; unlock it", locked_error)

    def phone_width():
        browser.set_size(390, 844, mobile=True)
        click("#tab-keys")
        wait_page('!!d.querySelector("#keys-table")', "the key list")
        time.sleep(0.3)
        width = in_page('d.documentElement.scrollWidth')
        if width > 400:
            raise StepFailed("the page is %d px wide at phone width (390 px)" % width)
        browser.eval("(() => { const s = %s.querySelector('#sort-select'); s.value = 'name:desc'; "
                     "s.dispatchEvent(new Event('change')); })()" % DOC)
        names = wait_page('[...d.querySelectorAll("#keys-table tbody tr td:first-child strong")].map((e) => e.textContent)',
                          "the cards")
        if names != sorted(names, key=str.lower, reverse=True):
            raise StepFailed("the phone's sort select did not sort by name, descending: %s" % names)
    step("at phone width (390 px) the page fits: one card per key, no sideways scrolling, a sort select", phone_width)

    def bob_sees_only_his():
        browser.set_size(1280, 900)
        login(bob, secret("BOB_PASSWORD_FILE"))
        open_page()
        ids = key_ids()
        if ENV["BOB_KEY_ID"] not in ids:
            raise StepFailed("bob's key is not listed: %s" % ids)
        if ENV["ALICE_KEY_ID"] in ids or any(i != ENV["BOB_KEY_ID"] for i in ids):
            raise StepFailed("bob sees keys that are not his: %s" % ids)
        name = in_page('row(%s).querySelector("td strong").textContent' % js(ENV["BOB_KEY_ID"]))
        if name != "<img src=x onerror=alert(1)>" or in_page('!!d.querySelector("#keys-table img, #keys-table b")'):
            raise StepFailed("markup in a key's name or description was not shown as text: %r" % name)
        hidden = in_page('[d.querySelector("#owner-filter-row").hidden, d.querySelector("#tab-services").hidden, '
                         'd.querySelector("#tab-daemon").hidden]')
        if hidden != [True, True, True]:
            raise StepFailed("bob, no admin, is offered the admin parts (owner filter, service IDs, daemon)")
    step("bob (not an admin, password login) sees only his own key, its markup-laden name as text, no admin parts",
         bob_sees_only_his)

    def carol_sees_all():
        login(carol, secret("CAROL_KEY_FILE"))
        open_page()
        browser.eval("(() => { const s = %s.querySelector('#owner-filter'); s.value = '*'; "
                     "s.dispatchEvent(new Event('change')); })()" % DOC)
        wait_page('[...d.querySelectorAll("#keys-table tbody tr")].length >= 3', "every key")
        ids = key_ids()
        for want in (ENV["ALICE_KEY_ID"], ENV["BOB_KEY_ID"]):
            if want not in ids:
                raise StepFailed("the admin does not see key %s: %s" % (want, ids))
    step("carol (apikey admin) sees every owner's keys", carol_sees_all)

    def carol_daemon():
        click("#tab-audit")
        click("#verify-audit")
        wait_page('!d.querySelector("#verify-result").hidden', "the verification")
        verdict = in_page('d.querySelector("#verify-result").textContent')
        if "intact" not in verdict:
            raise StepFailed("audit --verify: " + verdict)
        click("#tab-daemon")
        wait_page('!!d.querySelector("#daemon-wrap dl")', "the daemon's status")
        text = in_page('d.querySelector("#daemon-wrap").textContent')
        for want in ("rate-limit-burst", "Blocked sources", "admin-group"):
            if want not in text:
                raise StepFailed("the daemon tab lacks %r" % want)
    step("carol verifies the audit log and sees the daemon's policy and blocked sources", carol_daemon)

    def carol_service_ids():
        click("#tab-services")
        wait_page('!!(d.querySelector("#services-table") || d.querySelector("#panel-services .empty"))',
                  "the service ID list")
        click("#create-service")
        type_into("#s-name", "ci-runner")
        type_into("#s-description", "the CI's deploy jobs")
        click("#service-submit")
        sel = "tr[data-service-id='ci-runner']"
        wait_page('!!d.querySelector(%s)' % js(sel), "the new service ID")
        click(sel + " button[aria-label^=Lock]")
        wait_page('!!d.querySelector(%s)' % js(sel + " button[aria-label^=Unlock]"), "the service ID locked")
        click(sel + " button[aria-label^=Unlock]")
        wait_page('!!d.querySelector(%s)' % js(sel + " button[aria-label^=Lock]"), "the service ID unlocked")
        click(sel + " button[aria-label^=Delete]")
        wait_page('d.querySelector("#confirm-dialog").open && d.querySelector("#confirm-title").textContent.includes("ci-runner")',
                  "a confirmation naming the service ID")
        click("#confirm-yes")
        wait_page('!d.querySelector(%s)' % js(sel), "the service ID to go")
    step("carol creates, locks, unlocks and deletes a service ID", carol_service_ids)

    def dave_superuser():
        login(ENV["DAVE"], secret("BOB_PASSWORD_FILE"))
        open_page()
        if not in_page('d.querySelector("#superuser-row").hidden') or ENV["ALICE_KEY_ID"] in key_ids():
            raise StepFailed("without administrative access dave is offered root or sees others' keys")
        # Cockpit's "Administrative access" (the shell's button calls this).
        browser.eval("%s.contentWindow.cockpit.dbus(null, {bus: 'internal'})"
                     ".call('/superuser', 'cockpit.Superuser', 'Start', ['sudo'])" % FRAME, timeout=30)
        wait_page('!d.querySelector("#superuser-row").hidden', "the page to offer \"Act as root\"", 30)
        who = in_page('d.querySelector("#whoami").textContent')
        if "administrator" in who or ENV["ALICE_KEY_ID"] in key_ids():
            raise StepFailed("administrative access alone made the page act as root: " + who)
        click("#superuser")
        wait_page('d.querySelector("#whoami").textContent.startsWith("Acting as root")', "the page acting as root", 30)
        wait_page('!d.querySelector("#owner-filter-row").hidden', "root's admin parts")
    step("dave (may sudo): root only with Cockpit's administrative access on and \"Act as root\" ticked",
         dave_superuser)

    browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
