/* Share links: the "Copy" button of a new link (data-copy="#input-id"). One listener on the
 * document, so it works in the card htmx swaps in.
 */
(function () {
  "use strict";

  function copied(button) {
    button.textContent = "Copied";
    window.setTimeout(function () {
      button.textContent = "Copy";
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const input = document.querySelector(button.dataset.copy);
    if (!input) return;
    input.focus();
    input.select();
    const fallback = function () {
      // Older browsers, or a page not served over HTTPS: the selection is copied instead.
      if (document.execCommand("copy")) copied(button);
      else button.textContent = "Press Ctrl+C";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () {
        copied(button);
      }, fallback);
    } else {
      fallback();
    }
  });
})();
