// Parameter forms (run, retry with changes): inline validation as the operator types, and
// the changes against the original run. Forms in confirm modals are set up as they open.
// Every post carries the page's CSRF token (<meta name="csrf-token">), forms a script adds too.
"use strict";

(() => {
  const { $, $$ } = window.Runplane;

  function setupForms(root) {
    for (const form of $$("form[data-confirm], form[data-run-form]", root)) {
      const modify = $("[data-modify]", form);
      const fields = $("[data-modify-fields]", form);
      if (modify && fields) {
        modify.addEventListener("change", () => {
          fields.disabled = !modify.checked;
          showDiff(form);
        });
      }
      form.addEventListener("input", (event) => {
        validate(event.target);
        showDiff(form);
      });
      form.addEventListener("change", (event) => {
        validate(event.target);
        showDiff(form);
      });
      form.addEventListener("submit", (event) => {
        const controls = $$("input, select", form).filter((c) => !c.disabled && !c.closest("fieldset:disabled"));
        const invalid = controls.filter((c) => !validate(c));
        if (invalid.length || form.dataset.sent) {
          event.preventDefault();
          invalid[0]?.focus();
          return;
        }
        form.dataset.sent = "true";
        for (const button of $$("[data-submit]", form)) {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
          button.textContent = "Working…";
        }
      });
    }
  }
  function validate(control) {
    if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement)) return true;
    const holder = control.closest("[data-field]");
    const message = holder && $("[data-error-for]", holder);
    if (!message) return true;
    control.setCustomValidity("");
    const above = control.dataset.above;
    if (above !== undefined && control.value !== "" && Number(control.value) <= Number(above)) {
      control.setCustomValidity(`Must be greater than ${above}.`);
    }
    const ok = control.checkValidity();
    message.textContent = ok ? "" : control.validationMessage;
    if (ok) control.removeAttribute("aria-invalid");
    else control.setAttribute("aria-invalid", "true");
    holder.classList.toggle("invalid", !ok);
    return ok;
  }
  function fieldValue(holder) {
    const box = $$('input[type="checkbox"]', holder);
    if ($("fieldset.choices", holder)) return box.filter((b) => b.checked).map((b) => b.value).join(", ");
    if (box.length === 1) return box[0].checked ? "true" : "false";
    return $("input:not([type=hidden]), select", holder)?.value ?? "";
  }
  function showDiff(form) {
    const out = $("[data-diff]", form);
    if (!out) return;
    const modify = $("[data-modify]", form);
    out.replaceChildren();
    if (modify && !modify.checked) return;
    const changes = [];
    for (const holder of $$("[data-field]", form)) {
      const original = $("[data-original]", holder)?.dataset.original ?? "";
      const value = fieldValue(holder);
      if (value !== original) changes.push([holder.dataset.field, original || "(none)", value || "(none)"]);
    }
    const intro = document.createElement("p");
    intro.textContent = changes.length
      ? "Changes against the original:"
      : "No changes yet: the retry uses the original parameters.";
    out.append(intro);
    if (!changes.length) return;
    const list = document.createElement("ul");
    for (const [name, before, after] of changes) {
      const item = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = name;
      const del = document.createElement("del");
      del.textContent = before;
      const ins = document.createElement("ins");
      ins.textContent = after;
      item.append(code, ": ", del, " → ", ins);
      list.append(item);
    }
    out.append(list);
  }

  function setupCsrf() {
    const token = document.querySelector('meta[name="csrf-token"]')?.content;
    if (!token) return;
    document.addEventListener("submit", (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
      if (!form.elements.namedItem("csrf")) {
        form.append(Object.assign(document.createElement("input"), { type: "hidden", name: "csrf", value: token }));
      }
    }, true);
  }

  window.Runplane.setupForms = setupForms;
  setupForms(document);
  setupCsrf();
})();
