// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Buttons with data-confirm ask before an irreversible step ("核定 10 天，金额 3,000.00 元").
  // With data-confirm-field the question states what was typed in that field ({typed}), so
  // the user confirms the amount they entered, not the one the page proposed.
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (!button) return;
    let question = button.dataset.confirm;
    if (button.dataset.confirmField && button.form) {
      const field = button.form.elements[button.dataset.confirmField];
      const typed = Number(String(field ? field.value : "").replace(/,/g, ""));
      const shown = Number.isFinite(typed) && field.value.trim() !== ""
        ? typed.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2})
        : (field ? field.value : "");
      question = question.replace("{typed}", shown);
    }
    // {checked}: what the ticked boxes of the form will do (their data-confirm-part), so the
    // question names only what is chosen, not every kind the form offers.
    if (question.includes("{checked}") && button.form) {
      const parts = Array.from(button.form.querySelectorAll("input[type=checkbox][data-confirm-part]"))
        .filter((box) => box.checked && !box.disabled).map((box) => box.dataset.confirmPart);
      question = question.replace("{checked}", parts.length ? parts.join("、") : "未勾选任何内容");
    }
    if (!window.confirm(question)) {
      event.preventDefault();
    }
  });
});

// Forms with a data-busy button say that work is under way and cannot be sent twice.
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("[data-busy]");
  if (button) {
    button.disabled = true;
    button.insertAdjacentHTML("afterend",
      `<div class="mt-2" role="status"><span class="spinner-border spinner-border-sm" aria-hidden="true"></span> ${button.dataset.busy}</div>`);
  }
});

// The report form warns at once when the discharge lies beyond the report deadline: the server
// sends the first discharge day that is still on time (claims.rules), ISO dates compare as text.
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[data-late-before]");
  if (!form) return;
  const warning = document.getElementById("late-warning");
  const discharged = form.querySelector("[name=discharged_on]").value;
  const inHospital = form.querySelector("[name=still_in_hospital]").checked;
  if (!warning) return;
  if (!discharged || inHospital) { warning.classList.add("d-none"); return; }
  warning.classList.toggle("d-none", discharged >= form.dataset.lateBefore);
});

// Progress bars take their width from data-percent: a style="" attribute would break the
// content security policy. htmx.onLoad runs for the page and for every swapped-in block.
function showProgress(root) {
  root.querySelectorAll("[data-percent]").forEach((bar) => { bar.style.width = `${bar.dataset.percent}%`; });
}
if (window.htmx) { htmx.onLoad(showProgress); } else { document.addEventListener("DOMContentLoaded", () => showProgress(document)); }
