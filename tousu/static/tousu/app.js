// Behaviour shared by every page. A static file, not inline script: the Content-Security-Policy
// allows scripts from this server only ("script-src 'self'"). Listeners are delegated from the
// document, so they also work on fragments HTMX swaps in later.
(function () {
  "use strict";

  // Live character count for textareas with data-count (the limit) and a [data-count-for] output.
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.hasAttribute || !field.hasAttribute("data-count")) return;
    var out = document.querySelector('[data-count-for="' + field.id + '"]');
    if (out) out.textContent = field.value.length;
  });

  // Reply aids (templates, approved wording): insert the button's text at the cursor of the
  // form's reply box, or at its end; the handler edits around it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-reply-aids] [data-insert]");
    if (!button) return;
    var form = button.closest("form");
    var box = form && form.querySelector("textarea[name=reply]");
    if (!box) return;
    var text = button.getAttribute("data-insert");
    var at = box.selectionStart != null ? box.selectionStart : box.value.length;
    var end = box.selectionEnd != null ? box.selectionEnd : at;
    box.value = box.value.slice(0, at) + text + box.value.slice(end);
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
