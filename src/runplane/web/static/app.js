// Runplane dashboard behaviour: plain DOM code wired through data-* attributes.
// Live counters, list auto-refresh and "Load more", keyboard triage, confirm modals,
// copy buttons and the detail page's live parts. The pages work without it; it makes them
// live. Parameter forms are forms.js; the Logs tab's log view is logview.js.
"use strict";

(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const main = $("#page");
  const skew = (() => {
    const server = Date.parse(main?.dataset.now || "");
    return Number.isNaN(server) ? 0 : server - Date.now();
  })();
  const now = () => Date.now() + skew;

  // --- times, as model/timefmt.py writes them -------------------------------------------
  function duration(seconds) {
    if (seconds < 10) return `${seconds.toFixed(1)}s`;
    const whole = Math.round(seconds);
    if (whole < 60) return `${whole}s`;
    if (whole < 3600) return `${Math.floor(whole / 60)}m ${whole % 60}s`;
    const minutes = String(Math.floor((whole % 3600) / 60)).padStart(2, "0");
    return `${Math.floor(whole / 3600)}h ${minutes}m`;
  }
  function ago(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
      if (s >= size) return `${Math.floor(s / size)}${unit}`;
    }
    return `${s}s`;
  }
  function tickCounters() {
    for (const el of $$("[data-since]")) {
      const since = Date.parse(el.dataset.since);
      if (Number.isNaN(since)) continue;
      const seconds = Math.max(0, (now() - since) / 1000);
      const text = el.dataset.fmt === "ago" ? ago(seconds) : duration(seconds);
      el.textContent = (el.dataset.prefix || "") + text;
    }
    for (const el of $$("[data-until]")) {
      const until = Date.parse(el.dataset.until);
      const seconds = (until - now()) / 1000;
      el.textContent = seconds > 0 ? `in ${ago(seconds)}` : "due now";
    }
  }

  // --- swapping server-rendered parts ----------------------------------------------------
  function parts(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const found = {};
    for (const tpl of $$("template[data-part]", doc)) found[tpl.dataset.part] = tpl.content;
    return found;
  }
  function swap(name, content) {
    const target = $(`[data-part="${name}"]`);
    if (!target || !content) return;
    const focusKey = focusedKey(target);
    target.replaceChildren(document.importNode(content, true));
    restoreFocus(target, focusKey);
  }
  function focusedKey(root) {
    const el = document.activeElement;
    if (!el || el === document.body || !root.contains(el)) return null;
    return el.dataset.action || el.dataset.copy || el.getAttribute("href") || el.className;
  }
  function restoreFocus(root, key) {
    if (!key || root.contains(document.activeElement)) return;
    const el = $$("a, button, select, input", root).find(
      (c) => (c.dataset.action || c.dataset.copy || c.getAttribute("href") || c.className) === key,
    );
    el?.focus({ preventScroll: true });
  }
  const paused = () => document.hidden || !!$("dialog[open]");

  // --- executions list: auto-refresh in place, "Load more" -------------------------------
  const rowHtml = new WeakMap();
  function rememberRows(rows) {
    for (const row of rows) rowHtml.set(row, row.outerHTML);
  }
  function mergeRows(tbody, fresh, append) {
    const existing = new Map($$("tr[data-id]", tbody).map((r) => [r.dataset.id, r]));
    const incoming = $$("tr", fresh);
    if (append) {
      $("tr.empty", tbody)?.remove();
      for (const row of incoming) {
        if (row.dataset.id && existing.has(row.dataset.id)) continue;
        const node = document.importNode(row, true);
        tbody.append(node);
        rememberRows([node]);
      }
      return;
    }
    const anchor = window.scrollY > 0 ? firstVisibleRow(tbody) : null;
    const anchorTop = anchor?.getBoundingClientRect().top;
    const wanted = incoming.map((row) => {
      const old = row.dataset.id && existing.get(row.dataset.id);
      if (old && rowHtml.get(old) === row.outerHTML) return old;
      const node = document.importNode(row, true);
      rememberRows([node]);
      if (old) {
        const key = focusedKey(old);
        old.replaceWith(node);
        restoreFocus(node, key);
        if (anchor === old) return node;
      }
      return node;
    });
    const keep = new Set(wanted);
    for (const row of Array.from(tbody.children)) if (!keep.has(row)) row.remove();
    wanted.forEach((node, i) => {
      if (tbody.children[i] !== node) tbody.insertBefore(node, tbody.children[i] || null);
    });
    if (anchor && anchor.isConnected) {
      window.scrollBy(0, anchor.getBoundingClientRect().top - anchorTop);
    }
  }
  function firstVisibleRow(tbody) {
    return $$("tr[data-id]", tbody).find((r) => r.getBoundingClientRect().bottom > 60) || null;
  }

  function setupList() {
    const table = $("[data-runs]");
    if (!table) return;
    const tbody = $("tbody", table);
    rememberRows($$("tr[data-id]", tbody));
    const control = $("[data-refresh]");
    const select = $("[data-refresh-every]");
    const status = $("[data-refresh-status]");
    control.hidden = false;
    const stored = localStorage.getItem("runplane.refresh");
    if (stored !== null && $(`option[value="${stored}"]`, select)) select.value = stored;
    let updated = Date.now();
    let failing = false;
    let timer = null;
    let busy = false;

    function describe() {
      if (select.value === "0") status.textContent = "Auto-refresh is off";
      else if (failing) status.textContent = "Reconnecting…";
      else if (paused()) status.textContent = "Paused";
      else status.textContent = `Updated ${ago((Date.now() - updated) / 1000)} ago`;
      status.classList.toggle("bad-text", failing);
    }
    function schedule() {
      clearTimeout(timer);
      const seconds = Number(select.value);
      if (seconds > 0) timer = setTimeout(refresh, seconds * 1000);
      describe();
    }
    async function refresh() {
      if (busy) return;
      if (paused()) {
        schedule();
        return;
      }
      busy = true;
      const url = new URL(window.location.href);
      url.searchParams.set("fragment", "rows");
      const shown = $$("tr[data-id]", tbody);
      url.searchParams.set("extent", String(shown.length));
      if (shown.length) url.searchParams.set("last", shown[shown.length - 1].dataset.id);
      try {
        const response = await fetch(url, { cache: "no-store", headers: { Accept: "text/html" } });
        if (!response.ok) throw new Error(String(response.status));
        const found = parts(await response.text());
        if (!paused()) {
          mergeRows(tbody, found.rows, false);
          for (const name of ["summary", "counts", "more", "health"]) swap(name, found[name]);
          updated = Date.now();
        }
        failing = false;
      } catch {
        failing = true;
      } finally {
        busy = false;
        schedule();
      }
    }
    select.addEventListener("change", () => {
      localStorage.setItem("runplane.refresh", select.value);
      schedule();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && Number(select.value) > 0) refresh();
    });
    setInterval(describe, 1000);
    schedule();

    document.addEventListener("click", async (event) => {
      const more = event.target.closest("[data-load-more]");
      if (!more) return;
      event.preventDefault();
      if (more.getAttribute("aria-busy") === "true") return;
      more.setAttribute("aria-busy", "true");
      more.textContent = "Loading…";
      const url = new URL(more.href);
      url.searchParams.set("fragment", "rows");
      try {
        const response = await fetch(url, { cache: "no-store" });
        if (!response.ok) throw new Error(String(response.status));
        const found = parts(await response.text());
        mergeRows(tbody, found.rows, true);
        swap("more", found.more);
      } catch {
        more.removeAttribute("aria-busy");
        more.textContent = "Load more (failed; try again)";
      }
    });
    table.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, select, label")) return;
      const link = event.target.closest("tr[data-id]")?.querySelector("a.open");
      if (link && !window.getSelection()?.toString()) window.location.assign(link.href);
    });
  }

  // --- keyboard triage -------------------------------------------------------------------
  function setupKeys() {
    const keys = $("#keys");
    document.addEventListener("click", (event) => {
      if (event.target.closest("[data-keys-open]")) keys.showModal();
    });
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || $("dialog[open]")) return;
      const field = event.target.closest?.("input, select, textarea, [contenteditable]");
      if (field) return;
      const rows = $$("[data-runs] tr[data-id]");
      const current = document.activeElement?.closest?.("tr[data-id]");
      const index = current ? rows.indexOf(current) : -1;
      const open = (row) => $("a.open", row)?.focus();
      switch (event.key) {
        case "j":
          if (rows.length) open(rows[Math.min(rows.length - 1, index + 1)]);
          break;
        case "k":
          if (rows.length) open(rows[Math.max(0, index - 1)]);
          break;
        case "r":
        case "c": {
          const action = event.key === "r" ? "retry" : "cancel";
          const scope = current || (rows.length ? null : document);
          const trigger = scope && $(`[data-action="${action}"]`, scope);
          if (trigger) trigger.click();
          else if (current) flash(current, action === "retry" ? "Retry is not possible on this row" : "Nothing to cancel on this row");
          else return;
          break;
        }
        case "/":
          $("[data-first-filter]")?.focus();
          break;
        case "?":
          keys.showModal();
          break;
        default:
          return;
      }
      event.preventDefault();
    });
  }
  function flash(row, text) {
    const live = $("[data-refresh-status]");
    if (live) live.textContent = text;
    row.classList.add("nope");
    setTimeout(() => row.classList.remove("nope"), 600);
  }

  // --- confirm modals -------------------------------------------------------------------
  function setupModals() {
    const dialog = $("#modal");
    const body = $("[data-modal-body]", dialog);
    let opener = null;
    document.addEventListener("click", async (event) => {
      const link = event.target.closest("a[data-modal]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      opener = link;
      const url = new URL(link.href);
      url.searchParams.set("fragment", "modal");
      try {
        const response = await fetch(url, { cache: "no-store" });
        body.innerHTML = await response.text();
      } catch {
        window.location.assign(link.href);
        return;
      }
      window.Runplane.setupForms?.(body); // forms.js
      dialog.showModal();
    });
    document.addEventListener("click", (event) => {
      const close = event.target.closest("[data-close]");
      const open = close?.closest("dialog");
      if (!open) return;
      event.preventDefault();
      open.close();
    });
    dialog.addEventListener("close", () => {
      body.replaceChildren();
      if (opener?.isConnected) opener.focus();
      opener = null;
    });
    $("#keys").addEventListener("close", () => main.focus({ preventScroll: true }));
  }

  // --- copy ------------------------------------------------------------------------------
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }
  function setupCopy() {
    document.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-copy]");
      if (!button) return;
      const ok = await copyText(button.dataset.copy);
      const label = button.innerHTML;
      button.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => {
        button.innerHTML = label;
      }, 1500);
    });
  }

  // --- execution detail: live header and tab while it runs --------------------------------
  function setupLive() {
    const live = $("[data-live]");
    if (!live || live.hasAttribute("data-final")) return;
    const poll = async () => {
      if (!paused()) {
        try {
          const response = await fetch(live.dataset.live, { cache: "no-store" });
          if (response.ok) {
            const found = parts(await response.text());
            for (const name of ["head", "summary", "parameters", "output", "resources"]) {
              swap(name, found[name]);
            }
            if (found.final?.textContent.trim() === "final") {
              live.setAttribute("data-final", "");
              return;
            }
          }
        } catch {
          // the next poll tries again
        }
      }
      setTimeout(poll, 2000);
    };
    setTimeout(poll, 2000);
  }

  // --- filters: clean URLs ---------------------------------------------------------------
  function setupFilters() {
    const form = $("form[data-filters]");
    if (!form) return;
    const range = form.elements.range;
    const fields = $("[data-custom]", form);
    if (fields) range.addEventListener("change", () => (fields.hidden = range.value !== "custom"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const url = new URL(form.action, window.location.href);
      const custom = range.value === "custom";
      for (const [key, value] of new FormData(form)) {
        if (!value || ((key === "since" || key === "until") && !custom)) continue;
        url.searchParams.append(key, String(value));
      }
      window.location.assign(url);
    });
  }

  tickCounters();
  setInterval(tickCounters, 1000);
  setupList();
  setupKeys();
  setupModals();
  setupCopy();
  setupLive();
  setupFilters();
  // For the page's other scripts: forms.js, and the Logs tab's logview.js.
  window.Runplane = { $, $$, paused, copyText };
  document.addEventListener("DOMContentLoaded", () => {
    // after every deferred script of the page has run
    if (main) {
      main.dataset.ready = "true";
      performance.mark("runplane-ready");
    }
  });
})();
