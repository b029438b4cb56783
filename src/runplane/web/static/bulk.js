// Bulk retry and cancel on the executions list: ticked rows (kept ticked when the list
// refreshes), "select all N matching", and the action bar's preview shown in the confirm
// modal. Without this script the bar posts to the preview page and the page says the same.
"use strict";

(() => {
  const form = document.querySelector("form[data-bulk]");
  if (!form) return;
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const tbody = document.querySelector("[data-runs] tbody");
  const all = form.querySelector("[data-bulk-all]");
  const count = form.querySelector("[data-bulk-count]");
  const ticked = new Set();

  function describe() {
    if (all.checked) count.textContent = "All matching selected";
    else if (ticked.size) count.textContent = `${ticked.size} selected`;
    else count.textContent = "";
  }
  function apply() {
    for (const box of $$("input[data-bulk-row]", tbody)) {
      box.checked = all.checked || ticked.has(box.value);
      box.disabled = all.checked;
    }
    describe();
  }
  tbody?.addEventListener("change", (event) => {
    const box = event.target.closest("input[data-bulk-row]");
    if (!box) return;
    if (box.checked) ticked.add(box.value);
    else ticked.delete(box.value);
    describe();
  });
  all.addEventListener("change", apply);
  if (tbody) new MutationObserver(apply).observe(tbody, { childList: true });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const dialog = document.getElementById("modal");
    const body = dialog.querySelector("[data-modal-body]");
    const values = new URLSearchParams(new FormData(form, event.submitter));
    if (!all.checked) for (const id of ticked) if (!values.getAll("ids").includes(id)) values.append("ids", id);
    const url = new URL(form.getAttribute("action"), window.location.href);
    url.searchParams.set("fragment", "modal");
    try {
      const response = await fetch(url, { method: "POST", body: values, cache: "no-store" });
      body.innerHTML = await response.text();
    } catch {
      const chosen = document.createElement("input");
      chosen.type = "hidden";
      chosen.name = "action";
      chosen.value = event.submitter?.value || "";
      form.append(chosen); // a plain submit() would not send the button that was clicked
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    dialog.showModal();
  });
  apply();
})();
