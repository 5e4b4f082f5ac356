// Take a sample: show the rapid-test fields only for a rapid test, the quarantine day only
// for a quarantine test. Plain script (CSP: no inline code).
(function () {
  "use strict";
  var form = document.getElementById("sample-form");
  if (!form) { return; }
  function fieldOf(name) {
    var input = form.querySelector("[name=" + name + "]");
    return input ? input.closest(".field") : null;
  }
  function sync() {
    var kind = form.querySelector("[name=test_kind]");
    var reason = form.querySelector("[name=reason]");
    var rapid = kind && kind.value === "rapid_antigen";
    ["rapid_result", "performed_by"].forEach(function (name) {
      var f = fieldOf(name);
      if (f) { f.hidden = !rapid; }
    });
    ["lab", "pool_group", "single_only"].forEach(function (name) {
      var f = fieldOf(name);
      if (f) { f.hidden = rapid; }
    });
    var day = fieldOf("quarantine_day");
    if (day) { day.hidden = !(reason && reason.value === "quarantine_day"); }
  }
  form.addEventListener("change", sync);
  sync();
})();
