/* Runs before the page is drawn (not deferred): tells the CSS that scripts run, so the small-screen
 * menu can start closed without a flash of the open one. */
document.documentElement.classList.add("js");
