/* QuantumVest live updates: the page side of the notification stream (apps/home/views/live.py).
 *
 * The htmx SSE extension (static/vendor/htmx-ext-sse-*.js) holds the EventSource on #live and
 * refreshes the bell on "notification" and "read" events. This file:
 * - on a notification: shows its toast and fires "qv:notification" on body (the dashboard's
 *   alerts feed and the notification centre refresh themselves on it);
 * - when the stream fails or is refused (403, 429, 503): polls the bell with back-off (2 s, 4 s,
 *   ... 60 s) until the stream opens again, firing "qv:notification" when the unread count grows;
 * - when the stream says the session ended ("logout"): reloads, which shows the login page.
 */
(function () {
  "use strict";

  const FIRST_DELAY = 2000;
  const MAX_DELAY = 60000;
  let pollTimer = null;
  let pollDelay = FIRST_DELAY;
  let lastUnread = null;

  function live() {
    return document.getElementById("live");
  }

  function bell() {
    return document.getElementById("bell");
  }

  function announce(id) {
    document.body.dispatchEvent(new CustomEvent("qv:notification", { detail: { id: id } }));
  }

  function showToast(id) {
    const root = live();
    const box = document.getElementById("toasts");
    if (!root || !box || !id) return;
    window.htmx.ajax("GET", root.dataset.toastUrl + "?id=" + encodeURIComponent(id), {
      target: box,
      swap: "beforeend",
    });
  }

  function poll() {
    pollTimer = window.setTimeout(function () {
      if (bell()) window.htmx.trigger(bell(), "qv:refresh");
      pollDelay = Math.min(pollDelay * 2, MAX_DELAY);
      poll();
    }, pollDelay);
  }

  function startPolling() {
    if (pollTimer === null) poll();
  }

  function stopPolling() {
    if (pollTimer !== null) window.clearTimeout(pollTimer);
    pollTimer = null;
    pollDelay = FIRST_DELAY;
  }

  document.addEventListener("sse:notification", function (event) {
    let id = null;
    try {
      id = JSON.parse(event.detail.data).id;
    } catch (error) {
      id = null;
    }
    showToast(id);
    announce(id);
  });

  document.addEventListener("htmx:sseOpen", function () {
    if (pollTimer !== null) {
      stopPolling();
      if (bell()) window.htmx.trigger(bell(), "qv:refresh"); // catch up on what the stream missed
    }
  });

  document.addEventListener("htmx:sseError", startPolling);

  document.addEventListener("htmx:sseClose", function (event) {
    if (event.detail && event.detail.type === "message") window.location.reload();
  });

  // While polling, a growing unread count is the only news: pass it on like a stream event.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target !== bell()) return;
    const link = bell().querySelector("[data-unread]");
    const unread = link ? Number(link.dataset.unread) : null;
    if (pollTimer !== null && lastUnread !== null && unread > lastUnread) announce(null);
    lastUnread = unread;
  });

  // Served by a WSGI server, the page has no stream (see templates/base.html): it polls from the start.
  document.addEventListener("DOMContentLoaded", function () {
    const root = live();
    if (root && !root.hasAttribute("sse-connect")) startPolling();
  });

  document.addEventListener("click", function (event) {
    const close = event.target.closest(".toast__close");
    if (close) close.closest(".toast").remove();
  });
})();
