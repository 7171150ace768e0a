// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Buttons with data-confirm ask before an irreversible step ("核定 10 天，金额 3,000.00 元").
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
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
