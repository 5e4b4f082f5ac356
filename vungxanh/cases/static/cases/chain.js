/* The transmission chain of a cluster (cytoscape, preset positions computed by the server:
   x is time, y are lanes). Loaded only on the chain page; no inline script (CSP). */
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("chain");
    var status = document.getElementById("chain-status");
    if (!box || typeof window.cytoscape !== "function") {
      return;
    }
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (!data.elements.length) {
          status.textContent = box.dataset.empty;
          return;
        }
        var cy = window.cytoscape({
          container: box,
          elements: data.elements,
          layout: { name: "preset", fit: true, padding: 30 },
          minZoom: 0.05,
          maxZoom: 3,
          wheelSensitivity: 0.3,
          style: [
            { selector: "node", style: { label: "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4 } },
            { selector: "node.case", style: { "background-color": "#c62828", shape: "ellipse", width: 26, height: 26 } },
            { selector: "node.case.hidden", style: { "background-color": "#9e9e9e" } },
            { selector: "node.venue", style: { "background-color": "#1565c0", shape: "round-rectangle", width: 34, height: 18, "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 120 } },
            { selector: "edge", style: { width: 1.5, "curve-style": "bezier", "line-color": "#90a4ae" } },
            { selector: "edge.contact", style: { "line-color": "#c62828", "target-arrow-color": "#c62828", "target-arrow-shape": "triangle", width: 2.5 } },
            { selector: ":selected", style: { "border-width": 3, "border-color": "#f2c200" } }
          ]
        });
        cy.on("tap", "node", function (event) {
          var url = event.target.data("url");
          if (url) {
            window.location.assign(url);
          }
        });
        cy.on("mouseover", "node", function (event) {
          var d = event.target.data();
          status.textContent = [d.label, d.date, d.unit].filter(Boolean).join(" · ");
        });
        var fit = document.getElementById("chain-fit");
        if (fit) {
          fit.addEventListener("click", function () { cy.fit(undefined, 30); });
        }
        box.dataset.ready = String(data.elements.length);
        status.textContent = (box.dataset.summary || "").replace("{cases}", data.cases).replace("{venues}", data.venues);
      })
      .catch(function () {
        status.textContent = box.dataset.error;
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
