// Live refresh of a run page while the run is active: fetch the server-rendered fragment
// (same origin, no key: the dashboard holds it) and swap it in. Without JS the page
// refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  function schedule() {
    var live = document.getElementById("live");
    if (!live || live.dataset.finished === "true") return;
    window.setTimeout(tick, Number(live.dataset.refreshMs) || 2000);
  }
  function tick() {
    var live = document.getElementById("live");
    if (!live) return;
    fetch(live.dataset.src, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#live");
          if (fresh) live.replaceWith(fresh);
        }
      })
      .catch(function () { /* keep the last view; try again */ })
      .then(schedule);
  }
  schedule();
})();
