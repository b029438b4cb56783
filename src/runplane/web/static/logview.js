// The Logs tab's log view: a window of at most ~1,000 lines over the whole log, paged as
// it scrolls, searched and filtered on the server, jumping to the first error, following
// a running execution, opening at `?line=N` when the page names one. Reads
// /dashboard/executions/{id}/logs/lines (the API's log page).
"use strict";

(() => {
  const { $, paused, copyText } = window.Runplane;

  const MAX_LINES = 1000;
  function setupLogs() {
    const box = $("[data-logs]");
    if (!box) return;
    const view = $("[data-log-view]", box);
    const lines = $("[data-log-lines]", box);
    const end = $("[data-log-end]", box);
    const statusEl = $("[data-log-status]", box);
    const follow = $("[data-log-follow]", box);
    const filterForm = $("[data-log-filter]", box);
    const state = {
      final: box.dataset.final === "true",
      total: Number(box.dataset.total),
      firstError: box.dataset.firstError ? Number(box.dataset.firstError) : null,
      hasBefore: box.dataset.hasBefore === "true",
      hasAfter: box.dataset.hasAfter === "true",
      level: "",
      search: "",
      loading: false,
    };
    const first = () => Number(lines.firstElementChild?.dataset.seq || 0);
    const last = () => Number(lines.lastElementChild?.dataset.seq || 0);
    const atBottom = () => view.scrollTop + view.clientHeight >= view.scrollHeight - 24;
    function scrollToLine(node) {  // a third of the way down the view, wherever the view is
      const within = node.getBoundingClientRect().top - view.getBoundingClientRect().top;
      view.scrollTop += within - view.clientHeight / 3;
    }

    function lineNode(line) {
      const div = document.createElement("div");
      div.className = `ln l-${line.level}`;
      div.dataset.seq = line.seq;
      const t = document.createElement("span");
      t.className = "t";
      t.textContent = line.at.slice(11, 23); // HH:MM:SS.mmm of the ISO instant (UTC)
      const lv = document.createElement("span");
      lv.className = "lv";
      lv.textContent = line.level;
      const m = document.createElement("span");
      m.className = "m";
      m.textContent = line.message;
      div.append(t, " ", lv, " ", m);
      return div;
    }
    async function fetchLines(params) {
      const url = new URL(box.dataset.src, window.location.href);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
      if (state.level) url.searchParams.set("level", state.level);
      if (state.search) url.searchParams.set("search", state.search);
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      state.final = page.finished;
      state.total = page.total_lines;
      state.firstError = page.first_error_seq;
      return page;
    }
    function describe(note) {
      const shown = lines.children.length;
      const filtered = state.level || state.search;
      const total = `${state.total.toLocaleString()} line${state.total === 1 ? "" : "s"}`;
      const range = `${first().toLocaleString()}–${last().toLocaleString()}`;
      let text = shown
        ? `${total} · showing ${filtered ? `${shown.toLocaleString()} matching lines, ` : ""}line ${range}`
        : filtered ? `${total} · no line matches` : "No lines yet";
      if (!state.final) text += " · live";
      statusEl.textContent = note ? `${note} · ${text}` : text;
      const following = atBottom();
      end.hidden = !(state.final && !state.hasAfter);
      end.textContent = filtered ? "─── END OF MATCHING LINES ───" : "─── END OF LOGS ───";
      $("[data-log-before]", box).hidden = !state.hasBefore;
      if (following) view.scrollTop = view.scrollHeight;
    }
    function trim(fromTop) {
      while (lines.children.length > MAX_LINES) {
        if (fromTop) {
          const node = lines.firstElementChild;
          const h = node.offsetHeight;
          node.remove();
          view.scrollTop -= h;
          state.hasBefore = true;
        } else {
          lines.lastElementChild.remove();
          state.hasAfter = true;
        }
      }
    }
    async function load(kind) {
      if (state.loading) return;
      state.loading = true;
      try {
        if (kind === "after") {
          const live = !state.final;
          const page = await fetchLines({ after: last(), limit: 500 });
          const follow = live && atBottom();
          lines.append(...page.lines.map(lineNode));
          state.hasAfter = page.has_more;
          trim(true);
          if (follow) view.scrollTop = view.scrollHeight;
        } else if (kind === "before") {
          const page = await fetchLines({ before: first(), limit: 500 });
          const height = view.scrollHeight;
          lines.prepend(...page.lines.map(lineNode));
          view.scrollTop += view.scrollHeight - height;
          state.hasBefore = page.has_before;
          trim(false);
        }
        describe();
      } catch {
        describe("Reconnecting…");
      } finally {
        state.loading = false;
      }
    }
    async function reset(params, note, scrollTo) {
      state.loading = true;
      try {
        const page = await fetchLines(params);
        lines.replaceChildren(...page.lines.map(lineNode));
        state.hasBefore = page.has_before;
        state.hasAfter = page.has_more;
        if (scrollTo === "end") view.scrollTop = view.scrollHeight;
        else if (scrollTo) {
          const hit = $(`[data-seq="${scrollTo}"]`, lines);
          hit?.classList.add("hit");
          if (hit) scrollToLine(hit);
        } else view.scrollTop = 0;
        describe(note);
      } catch {
        describe("Reconnecting…");
      } finally {
        state.loading = false;
      }
    }
    view.addEventListener("scroll", () => {
      if (view.scrollTop + view.clientHeight > view.scrollHeight - 200 && state.hasAfter) load("after");
      else if (view.scrollTop < 200 && state.hasBefore) load("before");
      follow.hidden = state.final || atBottom();
    });
    filterForm.addEventListener("submit", (event) => {
      event.preventDefault();
      state.level = filterForm.elements.level.value;
      state.search = filterForm.elements.search.value.trim();
      reset({ after: 0 }, state.search || state.level ? "Searched the whole log" : "");
    });
    $("[data-log-first-error]", box).addEventListener("click", () => {
      if (state.firstError == null) return;
      filterForm.reset();
      state.level = "";
      state.search = "";
      reset({ around: state.firstError }, "First error", state.firstError);
    });
    $("[data-log-tail]", box).addEventListener("click", () => {
      reset({ tail: 1 }, "", "end");
    });
    $("[data-log-copy]", box).addEventListener("click", async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        const response = await fetch($("[data-log-download]", box).href, { cache: "no-store" });
        const text = await response.text();
        const ok = await copyText(text);
        const count = text ? text.split("\n").length - 1 : 0;
        describe(ok ? `Copied ${count.toLocaleString()} lines` : "Copy failed: use Download");
      } finally {
        button.disabled = false;
      }
    });
    async function tail() {
      if (!state.final && !state.hasAfter && !paused() && !state.level && !state.search) {
        await load("after");
      }
      if (!state.final || state.hasAfter) setTimeout(tail, 1000);
      else describe();
    }
    const hit = box.dataset.hit ? $(`[data-seq="${box.dataset.hit}"]`, lines) : null;
    if (hit) {  // ?line=N, e.g. from a log search: open there, not at the end
      scrollToLine(hit);
      describe(`Line ${Number(box.dataset.hit).toLocaleString()}`);
      if (!state.final) setTimeout(tail, 1000);
      return;
    }
    if (!state.final) reset({ tail: 1 }, "", "end").then(() => setTimeout(tail, 1000));
    describe();
  }

  setupLogs();
})();
