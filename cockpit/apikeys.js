/* apikeys.js - the API keys page of Cockpit (see index.html).
 *
 * Rules this file keeps:
 * - Every action is "apikeyctl --json ..." run by cockpit.spawn as the
 *   logged-in user; apikeyd checks who may do what. Admin parts of the page
 *   only show what the daemon says ("admin": true in status).
 * - Text from the daemon is only ever set with textContent or as an
 *   attribute value: no HTML is ever parsed from a string.
 * - A new key lives in one variable and one input of the one-time dialog;
 *   both are wiped when the dialog closes. It is never put in the URL, in
 *   browser storage, in a console message, or on a command line.
 */
"use strict";

(function () {
    const $ = (id) => document.getElementById(id);

    /* ---- state ---- */
    const state = {
        status: null,       // apikeyctl status --json
        keys: [],           // the keys shown
        sort: { column: "created_at", ascending: false },
        serviceIds: [],
        asRoot: false,
    };

    /* ---- elements, built without HTML parsing ---- */
    function el(tag, props, children) {
        const node = document.createElement(tag);
        for (const [name, value] of Object.entries(props || {})) {
            if (value === undefined || value === null || value === false)
                continue;
            if (name === "text")
                node.textContent = String(value);
            else if (name === "class")
                node.className = value;
            else if (name.startsWith("on"))
                node.addEventListener(name.slice(2), value);
            else
                node.setAttribute(name, value === true ? "" : String(value));
        }
        for (const child of [].concat(children || [])) {
            if (child === null || child === undefined || child === false)
                continue;
            node.append(typeof child === "string" ? document.createTextNode(child) : child);
        }
        return node;
    }

    function clear(node) {
        while (node.firstChild)
            node.removeChild(node.firstChild);
    }

    /* ---- running apikeyctl ---- */

    // The words of apikeyctl's error (its stderr, "apikeyctl: ..."), or of
    // Cockpit's when apikeyctl could not run; never just an exit code.
    function errorText(ex) {
        if (ex && ex.problem === "not-found")
            return "apikeyctl is not installed on this machine (install the apikeyd package).";
        if (ex && ex.problem === "access-denied")
            return "Cockpit did not allow running apikeyctl with administrative access.";
        let text = (ex && ex.message) ? String(ex.message) : "";
        text = text.split("\n").map((line) => line.replace(/^apikeyctl: /, "")).filter((l) => l.trim()).join(" ");
        if (!text && ex && ex.problem)
            text = cockpit.message(ex);
        return text || "apikeyctl failed without saying why.";
    }

    // ctl(args) -> Promise of the parsed JSON; rejects with an Error whose
    // message is apikeyctl's own. "data" on the error is stdout (audit
    // --verify prints its verdict there when the chain is broken).
    function ctl(args) {
        const options = { err: "message" };
        if (state.asRoot)
            options.superuser = "require";
        return new Promise((resolve, reject) => {
            cockpit.spawn(["apikeyctl", "--json"].concat(args), options)
                    .done((out) => {
                        try {
                            resolve(JSON.parse(out));
                        } catch (e) {
                            reject(new Error("apikeyctl printed something that is not JSON."));
                        }
                    })
                    .fail((ex, out) => {
                        const error = new Error(errorText(ex));
                        error.data = out;
                        reject(error);
                    });
        });
    }

    /* ---- messages ---- */
    function showError(text) {
        $("page-alert-text").textContent = text;
        $("page-alert").hidden = false;
        $("page-note").hidden = true;
    }

    function showNote(text) {
        $("page-note").textContent = text;
        $("page-note").hidden = false;
        $("page-alert").hidden = true;
    }

    function dialogError(dialog, text) {
        const box = dialog.querySelector(".dialog-alert");
        box.textContent = text || "";
        box.hidden = !text;
    }

    /* ---- formatting ---- */
    // Local time, compact and unambiguous: 2026-12-06 05:16, date and time
    // each kept on one line; the ISO UTC time is the element's title.
    function timeCell(iso, empty) {
        if (!iso)
            return el("span", { class: "subtle", text: empty });
        const date = new Date(iso);
        if (isNaN(date))
            return el("span", { text: iso });
        const two = (n) => String(n).padStart(2, "0");
        return el("time", { datetime: iso, title: iso }, [
            el("span", { class: "nowrap", text: date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" +
                                                two(date.getDate()) }),
            " ",
            el("span", { class: "nowrap", text: two(date.getHours()) + ":" + two(date.getMinutes()) }),
        ]);
    }

    function keyLabel(key) {
        return key.name ? "“" + key.name + "” (" + key.id + ")" : key.id;
    }

    function restrictions(key) {
        const parts = [];
        if (key.services && key.services.length)
            parts.push("services: " + key.services.join(", "));
        if (key.sources && key.sources.length)
            parts.push("from: " + key.sources.join(", "));
        if (key.max_uses !== null && key.max_uses !== undefined)
            parts.push("at most " + key.max_uses + " uses");
        if (key.leak_action && key.leak_action !== "disable")
            parts.push("if leaked: " + key.leak_action);
        return parts;
    }

    function isMine(key) {
        return state.status && key.identity === "user:" + state.status.caller;
    }

    /* ---- keys ---- */
    const KEY_COLUMNS = [
        { id: "name", label: "Name" },
        { id: "id", label: "ID" },
        { id: "owner", label: "Owner", adminOnly: true },
        { id: "kind", label: "Kind" },
        { id: "state", label: "State" },
        { id: "created_at", label: "Created" },
        { id: "last_used_at", label: "Last used" },
        { id: "use_count", label: "Uses" },
        { id: "expires_at", label: "Expires" },
        { id: "restrictions", label: "Restrictions", unsortable: true },
    ];

    function sortValue(key, column) {
        const value = key[column];
        if (value === null || value === undefined)
            return "";
        return typeof value === "number" ? value : String(value).toLowerCase();
    }

    function sortedKeys() {
        const { column, ascending } = state.sort;
        return state.keys.slice().sort((a, b) => {
            const x = sortValue(a, column), y = sortValue(b, column);
            const order = x < y ? -1 : x > y ? 1 : (a.id < b.id ? -1 : 1);
            return ascending ? order : -order;
        });
    }

    function keyRow(key, columns) {
        const cells = {
            name: [el("strong", { text: key.name || "(no name)" }),
                key.description ? el("div", { class: "subtle", text: key.description }) : null],
            id: el("code", { text: key.id }),
            owner: el("span", { title: key.identity, text: key.owner || key.identity }),
            kind: key.kind,
            state: [el("span", { class: "state state-" + key.state, text: key.state }),
                key.locked ? el("span", { class: "badge", text: "locked" }) : null,
                key.rotated_to ? el("div", { class: "subtle", text: "rotated to " + key.rotated_to }) : null,
                // A fleet key (PostgreSQL store): the hosts it logs in on.
                key.scope ? el("div", { class: "subtle", text: "hosts of " + key.scope }) : null],
            created_at: [timeCell(key.created_at, ""),
                key.created_by ? el("div", { class: "subtle", text: "by " + key.created_by }) : null],
            last_used_at: [timeCell(key.last_used_at, "never"),
                (key.last_used_from || key.last_used_service)
                    ? el("div", { class: "subtle",
                                  text: [key.last_used_service, key.last_used_from ? "from " + key.last_used_from : null]
                                          .filter(Boolean).join(" ") })
                    : null],
            use_count: String(key.use_count),
            expires_at: timeCell(key.expires_at, "never"),
            restrictions: restrictions(key).length
                ? el("ul", { class: "plain" }, restrictions(key).map((r) => el("li", { text: r })))
                : el("span", { class: "subtle", text: "none" }),
        };
        const row = el("tr", { "data-key-id": key.id });
        for (const column of columns)
            row.append(el("td", { "data-label": column.label }, cells[column.id]));
        row.append(el("td", { "data-label": "Actions", class: "row-actions" },
                      el("button", { type: "button", class: "btn btn-secondary btn-small",
                                     "data-action": "key-actions", "aria-label": "Actions for key " + keyLabel(key),
                                     onclick: () => openKeyActions(key) }, "Actions…")));
        return row;
    }

    function emptyKeys() {
        const filter = $("owner-filter").value;
        if (filter && filter !== "*")
            return el("div", { class: "empty" }, [el("h3", { text: "No keys of " + filter }),
                el("p", { text: "This owner has no API keys, or they were deleted." })]);
        if (filter === "*")
            return el("div", { class: "empty" }, [el("h3", { text: "No API keys on this machine" }),
                el("p", { text: "Nobody has created an API key yet." })]);
        return el("div", { class: "empty", id: "keys-empty" }, [
            el("h3", { text: "You have no API keys" }),
            el("p", { text: "An API key lets a script or a program log in as you — over ssh, with sudo, or to any " +
                            "service that asks for your password — without your password. Each key can be " +
                            "restricted, expired, disabled and audited on its own, and revoked the minute it leaks." }),
            el("p", { text: "Create one with “Create key”; it is shown only once." }),
        ]);
    }

    // The phone's sort select: every sortable column, both directions.
    function renderSortSelect(columns) {
        const select = $("sort-select");
        clear(select);
        for (const column of columns.filter((c) => !c.unsortable))
            for (const ascending of [true, false])
                select.append(el("option", { value: column.id + (ascending ? ":asc" : ":desc"),
                                             text: column.label + (ascending ? " ▲" : " ▼") }));
        select.value = state.sort.column + (state.sort.ascending ? ":asc" : ":desc");
    }

    $("sort-select").addEventListener("change", () => {
        const [column, direction] = $("sort-select").value.split(":");
        state.sort = { column, ascending: direction === "asc" };
        renderKeys();
    });

    function renderKeys() {
        const wrap = $("keys-table-wrap");
        clear(wrap);
        if (state.keys.length === 0) {
            wrap.append(emptyKeys());
            return;
        }
        const admin = state.status && state.status.admin;
        const columns = KEY_COLUMNS.filter((c) => !c.adminOnly || admin);
        renderSortSelect(columns);
        const head = el("tr", {}, columns.map((column) => {
            if (column.unsortable)
                return el("th", { scope: "col", text: column.label });
            const active = state.sort.column === column.id;
            const th = el("th", { scope: "col",
                                  "aria-sort": active ? (state.sort.ascending ? "ascending" : "descending") : "none" });
            th.append(el("button", { type: "button", class: "sort", "data-sort": column.id,
                                     onclick: () => {
                                         state.sort = { column: column.id,
                                                        ascending: active ? !state.sort.ascending : true };
                                         renderKeys();
                                         const again = wrap.querySelector('[data-sort="' + column.id + '"]');
                                         if (again)
                                             again.focus();
                                     } },
                             [column.label, el("span", { class: "sort-mark", "aria-hidden": "true",
                                                         text: active ? (state.sort.ascending ? " ▲" : " ▼") : "" })]));
            return th;
        }).concat([el("th", { scope: "col" }, el("span", { class: "sr-only", text: "Actions" }))]));
        const body = el("tbody", {}, sortedKeys().map((key) => keyRow(key, columns)));
        wrap.append(el("table", { class: "table", id: "keys-table", "aria-label": "API keys" },
                       [el("thead", {}, head), body]));
    }

    function ownerOptions(keys) {
        const select = $("owner-filter");
        const current = select.value;
        const owners = [...new Set(keys.map((k) => k.identity))].sort();
        for (const option of [...select.options])
            if (option.value !== "" && option.value !== "*")
                option.remove();
        for (const owner of owners)
            select.append(el("option", { value: owner, text: owner }));
        select.value = [...select.options].some((o) => o.value === current) ? current : "*";
    }

    function loadKeys() {
        const filter = $("owner-filter").value;
        const args = filter ? ["list", "--all"] : ["list"];
        return ctl(args).then((keys) => {
            if (filter) {
                ownerOptions(keys);
                const owner = $("owner-filter").value;
                state.keys = owner === "*" ? keys : keys.filter((k) => k.identity === owner);
            } else {
                state.keys = keys;
            }
            renderKeys();
        }).catch((e) => showError(e.message));
    }

    /* ---- dialogs ---- */
    let lastFocus = null;

    function openDialog(dialog) {
        lastFocus = document.activeElement;
        resetDialogError(dialog);
        dialog.showModal();
    }

    function closeDialog(dialog) {
        if (dialog.open)
            dialog.close();
    }

    function resetDialogError(dialog) {
        if (dialog.querySelector(".dialog-alert"))
            dialogError(dialog, "");
    }

    for (const dialog of document.querySelectorAll("dialog")) {
        dialog.addEventListener("close", () => {
            if (lastFocus && document.contains(lastFocus))
                lastFocus.focus();
        });
        for (const button of dialog.querySelectorAll("[data-close]"))
            button.addEventListener("click", () => closeDialog(dialog));
    }

    /* ---- the one-time key dialog ---- */
    let secret = null;

    function showSecret(result, about) {
        secret = result.key;
        delete result.key;
        $("secret-about").textContent = about;
        $("secret-value").value = secret;
        $("secret-copied").textContent = "";
        openDialog($("secret-dialog"));
        $("secret-value").focus();
        $("secret-value").select();
    }

    function forgetSecret() {
        secret = null;
        $("secret-value").value = "";
        $("secret-copied").textContent = "";
    }

    // Wiped at once when the dialog is dismissed (button or Escape), and
    // again on its close event, whatever closed it.
    $("secret-dialog").addEventListener("cancel", forgetSecret);
    $("secret-dialog").addEventListener("close", forgetSecret);
    $("secret-close").addEventListener("click", () => {
        forgetSecret();
        closeDialog($("secret-dialog"));
    });
    $("secret-copy").addEventListener("click", () => {
        if (secret === null)
            return;
        const copied = () => { $("secret-copied").textContent = "Copied to the clipboard."; };
        const fallback = () => {
            $("secret-value").select();
            if (document.execCommand("copy"))
                copied();
            else
                $("secret-copied").textContent = "Could not copy: select the key and copy it yourself.";
        };
        if (navigator.clipboard && window.isSecureContext)
            navigator.clipboard.writeText(secret).then(copied, fallback);
        else
            fallback();
    });

    /* ---- create ---- */
    function words(text) {
        return text.split(/[\s,]+/).map((w) => w.trim()).filter(Boolean);
    }

    $("create-key").addEventListener("click", () => {
        $("create-form").reset();
        const admin = state.status && state.status.admin;
        for (const node of $("create-dialog").querySelectorAll(".admin-only"))
            node.hidden = !admin;
        if (admin) {
            const select = $("c-service-id");
            for (const option of [...select.options])
                if (option.value)
                    option.remove();
            for (const s of state.serviceIds)
                select.append(el("option", { value: s.name, text: s.name }));
        }
        openDialog($("create-dialog"));
        $("c-name").focus();
    });

    $("create-form").addEventListener("submit", (event) => {
        event.preventDefault();
        const dialog = $("create-dialog");
        const args = ["create"];
        const value = (id) => $(id).value.trim();
        if (value("c-name"))
            args.push("--name", value("c-name"));
        if (value("c-description"))
            args.push("--description", value("c-description"));
        if (value("c-expires"))
            args.push("--expires", value("c-expires"));
        for (const s of words(value("c-services")))
            args.push("--service", s);
        for (const s of words(value("c-sources")))
            args.push("--from", s);
        if (value("c-max-uses"))
            args.push("--max-uses", value("c-max-uses"));
        if (value("c-leak-action"))
            args.push("--leak-action", value("c-leak-action"));
        if (!$("c-service-id").hidden && value("c-service-id"))
            args.push("--service-id", value("c-service-id"));
        $("create-submit").disabled = true;
        ctl(args).then((result) => {
            closeDialog(dialog);
            showSecret(result, "Key " + keyLabel(result) + " of " + result.identity + " was created.");
            loadKeys();
        }).catch((e) => dialogError(dialog, e.message))
                .finally(() => { $("create-submit").disabled = false; });
    });

    /* ---- one key's actions ---- */
    function runKeyAction(key, verb, done) {
        return ctl([verb, key.id]).then(() => {
            showNote("Key " + keyLabel(key) + ": " + done + ".");
            loadKeys();
        });
    }

    function confirmAction(title, text, label, action) {
        const dialog = $("confirm-dialog");
        $("confirm-title").textContent = title;
        $("confirm-text").textContent = text;
        const yes = $("confirm-yes");
        yes.textContent = label;
        yes.onclick = () => {
            yes.disabled = true;
            action().then(() => closeDialog(dialog))
                    .catch((e) => dialogError(dialog, e.message))
                    .finally(() => { yes.disabled = false; });
        };
        openDialog(dialog);
        $("confirm-dialog").querySelector("[data-close]").focus();
    }

    function openKeyActions(key) {
        const dialog = $("actions-dialog");
        $("actions-title").textContent = "Key " + keyLabel(key);
        const list = $("actions-list");
        clear(list);
        const item = (id, label, help, run) => list.append(el("div", { class: "action-item" }, [
            el("button", { type: "button", class: "btn btn-secondary", id: "action-" + id, onclick: run }, label),
            el("span", { class: "subtle", text: help })]));
        const simple = (verb, done) => () => {
            closeDialog(dialog);
            runKeyAction(key, verb, done).catch((e) => showError(e.message));
        };
        if (key.state === "disabled")
            item("enable", "Enable", "Accept the key again.", simple("enable", "enabled"));
        else if (key.state === "active")
            item("disable", "Disable", "Stop accepting the key; it is kept and can be enabled again.",
                 simple("disable", "disabled"));
        if (key.locked)
            item("unlock", "Unlock", "Allow the key to be disabled, deleted or rotated again.", simple("unlock", "unlocked"));
        else
            item("lock", "Lock", "Protect the key from being disabled, deleted or rotated.", simple("lock", "locked"));
        if (key.state === "active" && !key.rotated_to)
            item("rotate", "Rotate…", "Replace it with a new key.", () => { closeDialog(dialog); openRotate(key); });
        item("audit", "Audit records", "Show the audit log of this key.", () => {
            closeDialog(dialog);
            $("audit-key").value = key.id;
            selectTab("audit");
            loadAudit();
        });
        item("delete", "Delete…", "Delete the key for good.", () => {
            closeDialog(dialog);
            confirmAction("Delete key " + keyLabel(key) + "?",
                          "Whatever uses the key " + keyLabel(key) + " (owner " + key.identity +
                          ") can no longer log in with it. This cannot be undone.",
                          "Delete " + (key.name || key.id),
                          () => runKeyAction(key, "delete", "deleted"));
        });
        openDialog(dialog);
        list.querySelector("button").focus();
    }

    /* ---- rotate ---- */
    let rotating = null;

    function openRotate(key) {
        rotating = key;
        $("rotate-form").reset();
        $("rotate-title").textContent = "Rotate key " + keyLabel(key);
        openDialog($("rotate-dialog"));
        $("rotate-form").querySelector("input[type=radio]").focus();
    }

    $("rotate-form").addEventListener("submit", (event) => {
        event.preventDefault();
        const dialog = $("rotate-dialog");
        const key = rotating;
        const mode = $("rotate-form").querySelector("input[name=rotate-mode]:checked").value;
        const args = ["rotate", key.id];
        if (mode === "grace")
            args.push("--grace", $("rotate-grace").value.trim());
        else if (mode === "first-use")
            args.push("--until-first-use");
        $("rotate-submit").disabled = true;
        ctl(args).then((result) => {
            closeDialog(dialog);
            showSecret(result, "Key " + keyLabel(result) + " replaces " + key.id + ".");
            loadKeys();
        }).catch((e) => dialogError(dialog, e.message))
                .finally(() => { $("rotate-submit").disabled = false; });
    });

    /* ---- audit ---- */
    // At most one page of records is fetched (apikeyctl --limit: the oldest
    // AUDIT_FETCHED of the period), so a large log cannot swamp the browser;
    // the newest AUDIT_SHOWN of them are shown.
    const AUDIT_FETCHED = 10000;
    const AUDIT_SHOWN = 500;

    function loadAudit() {
        const args = ["audit", "--since", $("audit-since").value, "--limit", String(AUDIT_FETCHED)];
        const keyId = $("audit-key").value.trim();
        if (keyId)
            args.push("--key", keyId);
        const wrap = $("audit-table-wrap");
        return ctl(args).then((page) => {
            const records = page.records;
            clear(wrap);
            if (records.length === 0) {
                wrap.append(el("div", { class: "empty" }, [el("h3", { text: "No audit records" }),
                    el("p", { text: "Nothing was recorded about " + (keyId ? "this key" : "your keys") +
                                    " in this period. Logins with a key and changes to it are recorded here." })]));
                return;
            }
            const newest = records.slice(-AUDIT_SHOWN).reverse();
            const columns = ["Time", "Event", "Result", "Key", "Identity", "Service", "From", "By", "Detail"];
            const rows = newest.map((r) => el("tr", {}, [
                timeCell(r.time, ""), r.event === "control" && r.action ? "control: " + r.action : r.event,
                r.result, r.key_id ? el("code", { text: r.key_id }) : "", r.identity || "",
                r.service || "", r.rhost || "", r.event === "control" ? (r.caller || "uid " + r.peer_uid) : "",
                r.detail || "",
            ].map((cell, i) => el("td", { "data-label": columns[i] }, cell))));
            if (page.next !== null)
                wrap.append(el("p", { class: "subtle", id: "audit-more",
                                      text: "This period has more than " + AUDIT_FETCHED + " records; these are " +
                                            "the newest of its first " + AUDIT_FETCHED + ". Choose a shorter period " +
                                            "or a key ID, or use 'apikeyctl audit' for all of them." }));
            else if (records.length > AUDIT_SHOWN)
                wrap.append(el("p", { class: "subtle",
                                      text: "The newest " + AUDIT_SHOWN + " of " + records.length + " records." }));
            wrap.append(el("table", { class: "table", id: "audit-table", "aria-label": "Audit records" }, [
                el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c })))),
                el("tbody", {}, rows)]));
        }).catch((e) => showError(e.message));
    }

    function showVerify(result) {
        const out = $("verify-result");
        out.hidden = false;
        out.className = result.verified ? "alert alert-success" : "alert alert-danger";
        clear(out);
        if (result.verified) {
            out.textContent = "The audit log is intact: " + result.records + " records verified.";
            return;
        }
        out.append(el("strong", { text: "The audit log was changed behind apikeyd's back: broken at record " +
                                        result.broken_at + ". " }), result.message || "");
        out.append(el("ul", {}, (result.breaks || []).slice(0, 50).map((b) => el("li", { text: b.kind + ": " + b.message }))));
    }

    $("verify-audit").addEventListener("click", () => {
        ctl(["audit", "--verify"]).then(showVerify).catch((e) => {
            let verdict = null;
            try {
                verdict = e.data ? JSON.parse(e.data) : null;
            } catch (ignored) {
                verdict = null;
            }
            if (verdict && verdict.verified === false)
                showVerify(verdict);
            else
                showError(e.message);
        });
    });

    /* ---- service IDs (admins) ---- */
    function loadServices() {
        const wrap = $("services-table-wrap");
        return ctl(["service-id", "list"]).then((list) => {
            state.serviceIds = list;
            clear(wrap);
            if (list.length === 0) {
                wrap.append(el("div", { class: "empty" }, [el("h3", { text: "No service IDs" }),
                    el("p", { text: "A service ID is an identity for a program rather than a person: its keys " +
                                    "log in as the service ID, or as the local account it maps to." })]));
                return;
            }
            const columns = ["Name", "Logs in as", "Keys", "Locked", "Created", "Description"];
            const rows = list.map((s) => {
                const row = el("tr", { "data-service-id": s.name }, [
                    el("strong", { text: s.name }), s.unix_user || "(itself)", String(s.keys), s.locked ? "yes" : "no",
                    timeCell(s.created_at, ""), s.description || "",
                ].map((cell, i) => el("td", { "data-label": columns[i] }, cell)));
                const verb = s.locked ? "unlock" : "lock";
                row.append(el("td", { "data-label": "Actions", class: "row-actions" }, [
                    el("button", { type: "button", class: "btn btn-secondary btn-small",
                                   "aria-label": (s.locked ? "Unlock" : "Lock") + " service ID " + s.name,
                                   onclick: () => ctl(["service-id", verb, s.name])
                                           .then(() => { showNote("Service ID " + s.name + " " + verb + "ed."); loadServices(); })
                                           .catch((e) => showError(e.message)) },
                       s.locked ? "Unlock" : "Lock"),
                    el("button", { type: "button", class: "btn btn-danger btn-small",
                                   "aria-label": "Delete service ID " + s.name,
                                   onclick: () => confirmAction("Delete service ID “" + s.name + "”?",
                                                                "The service ID “" + s.name + "” is deleted. apikeyd " +
                                                                "refuses while it still has keys: delete them first.",
                                                                "Delete " + s.name,
                                                                () => ctl(["service-id", "delete", s.name]).then(() => {
                                                                    showNote("Service ID " + s.name + " deleted.");
                                                                    loadServices();
                                                                })) },
                       "Delete"),
                ]));
                return row;
            });
            wrap.append(el("table", { class: "table", id: "services-table", "aria-label": "Service IDs" }, [
                el("thead", {}, el("tr", {}, columns.concat([""]).map((c) => el("th", { scope: "col", text: c })))),
                el("tbody", {}, rows)]));
        }).catch((e) => showError(e.message));
    }

    $("create-service").addEventListener("click", () => {
        $("service-form").reset();
        openDialog($("service-dialog"));
        $("s-name").focus();
    });

    $("service-form").addEventListener("submit", (event) => {
        event.preventDefault();
        const dialog = $("service-dialog");
        const name = $("s-name").value.trim();
        const args = ["service-id", "create", name];
        if ($("s-unix-user").value.trim())
            args.push("--unix-user", $("s-unix-user").value.trim());
        if ($("s-description").value.trim())
            args.push("--description", $("s-description").value.trim());
        ctl(args).then(() => {
            closeDialog(dialog);
            showNote("Service ID " + name + " created.");
            loadServices();
        }).catch((e) => dialogError(dialog, e.message));
    });

    /* ---- the daemon (admins) ---- */
    function definitionList(pairs) {
        return el("dl", { class: "facts" }, pairs.flatMap(([term, value]) => [el("dt", { text: term }),
            el("dd", { text: value === null || value === undefined ? "none" : String(value) })]));
    }

    function uptime(seconds) {
        const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
        return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m";
    }

    function renderDaemon() {
        const s = state.status;
        const wrap = $("daemon-wrap");
        clear(wrap);
        wrap.append(el("h3", { text: "Status" }), definitionList([
            ["Version", s.version], ["Uptime", uptime(s.uptime)], ["Keys", s.keys], ["Caller", s.caller],
            ["Admin", s.admin ? "yes" : "no"],
        ]));
        wrap.append(el("h3", { text: "Policy" }), definitionList(Object.entries(s.policy || {})));
        wrap.append(el("h3", { text: "Blocked sources" }));
        if (!s.blocked || s.blocked.length === 0) {
            wrap.append(el("p", { class: "subtle", id: "blocked-empty",
                                  text: "No source is blocked now. A remote host, local user or key ID is blocked " +
                                        "after " + s.rate_limit_burst + " failures, and earns one back every " +
                                        s.rate_limit_interval + " s." }));
            return;
        }
        const columns = ["Kind", "Source", "Since", "Failures"];
        wrap.append(el("table", { class: "table", id: "blocked-table", "aria-label": "Blocked sources" }, [
            el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c })))),
            el("tbody", {}, s.blocked.map((b) => el("tr", {}, [b.kind, b.source, timeCell(b.since, ""), String(b.failures)]
                    .map((cell, i) => el("td", { "data-label": columns[i] }, cell))))),
        ]));
    }

    /* ---- tabs ---- */
    const TABS = ["keys", "audit", "services", "daemon"];

    function selectTab(name) {
        for (const tab of TABS) {
            const selected = tab === name;
            $("tab-" + tab).setAttribute("aria-selected", selected ? "true" : "false");
            $("tab-" + tab).tabIndex = selected ? 0 : -1;
            $("panel-" + tab).hidden = !selected;
        }
    }

    function visibleTabs() {
        return TABS.filter((t) => !$("tab-" + t).hidden);
    }

    for (const tab of TABS) {
        $("tab-" + tab).addEventListener("click", () => {
            selectTab(tab);
            if (tab === "audit")
                loadAudit();
            else if (tab === "services")
                loadServices();
            else if (tab === "daemon")
                loadStatus().then(renderDaemon);
        });
        $("tab-" + tab).addEventListener("keydown", (event) => {
            const tabs = visibleTabs();
            const i = tabs.indexOf(tab);
            let next = null;
            if (event.key === "ArrowRight")
                next = tabs[(i + 1) % tabs.length];
            else if (event.key === "ArrowLeft")
                next = tabs[(i + tabs.length - 1) % tabs.length];
            else if (event.key === "Home")
                next = tabs[0];
            else if (event.key === "End")
                next = tabs[tabs.length - 1];
            if (next) {
                event.preventDefault();
                $("tab-" + next).focus();
                $("tab-" + next).click();
            }
        });
    }

    /* ---- start ---- */
    function loadStatus() {
        return ctl(["status"]).then((status) => {
            state.status = status;
            const admin = status.admin;
            $("whoami").textContent = (state.asRoot ? "Acting as root through Cockpit's administrative access"
                                                    : "Signed in to apikeyd as " + (status.caller || "a uid without a name")) +
                    (admin ? ", an administrator: you see and manage every key." : ": you see and manage your own keys.");
            $("owner-filter-row").hidden = !admin;
            $("tab-services").hidden = !admin;
            $("tab-daemon").hidden = !admin;
            if (!admin) {
                $("owner-filter").value = "";
                state.serviceIds = [];
            }
            return status;
        });
    }

    function start() {
        return loadStatus().then((status) => {
            if (status.admin)
                ctl(["service-id", "list"]).then((list) => { state.serviceIds = list; }).catch(() => {});
            return loadKeys();
        }).catch((e) => {
            $("whoami").textContent = "apikeyd could not be asked.";
            showError(e.message);
        });
    }

    $("page-alert-close").addEventListener("click", () => { $("page-alert").hidden = true; });
    $("refresh-keys").addEventListener("click", () => loadStatus().then(loadKeys).catch((e) => showError(e.message)));
    $("owner-filter").addEventListener("change", loadKeys);
    $("refresh-audit").addEventListener("click", loadAudit);
    $("audit-since").addEventListener("change", loadAudit);
    $("refresh-services").addEventListener("click", loadServices);
    $("refresh-daemon").addEventListener("click", () => loadStatus().then(renderDaemon).catch((e) => showError(e.message)));

    // Administrative access: offered only when Cockpit has it on; used only
    // when ticked here.
    $("superuser").addEventListener("change", () => {
        state.asRoot = $("superuser").checked;
        $("page-alert").hidden = true;
        selectTab("keys");
        start();
    });
    const permission = cockpit.permission({ admin: true });
    const showSuperuser = () => {
        $("superuser-row").hidden = !permission.allowed;
        if (!permission.allowed && state.asRoot) {
            $("superuser").checked = false;
            state.asRoot = false;
            start();
        }
    };
    permission.addEventListener("changed", showSuperuser);

    cockpit.transport.wait(() => {
        showSuperuser();
        start();
    });
})();
