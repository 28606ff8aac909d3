/* Haven's small script. Everything works without it; it adds:
   - quick exit by Shift pressed 3 times, and a faster exit button (locks Haven, then leaves);
   - drag and drop of files, and a progress bar while files are sent to Haven on this computer;
   - focus on the error summary when a form comes back with a problem. */
(function () {
  "use strict";

  function exitForm() { return document.querySelector("form[data-quick-exit]"); }

  function quickExit() {
    var form = exitForm();
    var neutral = (form && form.getAttribute("data-neutral")) || "https://www.bbc.co.uk/weather";
    try {
      document.title = "Weather";
      document.body.classList.add("hidden");
    } catch (e) { /* keep going */ }
    var sent = false;
    try {
      var data = new FormData(form || undefined);
      sent = navigator.sendBeacon("/exit", data);
    } catch (e) { sent = false; }
    if (!sent) {
      try { fetch("/exit", { method: "POST", body: new FormData(form || undefined), keepalive: true, credentials: "same-origin" }); } catch (e) { /* ignore */ }
    }
    window.location.replace(neutral);
  }

  function setUpExit() {
    var form = exitForm();
    if (form) {
      form.addEventListener("submit", function (event) { event.preventDefault(); quickExit(); });
    }
    // As GOV.UK's "Exit this page": Shift pressed on its own 3 times within 5 seconds. Any other key in
    // between starts the count again, so typing capital letters never triggers it.
    var presses = 0;
    var timer = null;
    var lastKeyWasModified = false;
    function reset() { presses = 0; if (timer) { clearTimeout(timer); timer = null; } }
    document.addEventListener("keyup", function (event) {
      if (event.key === "Shift" && !lastKeyWasModified) {
        presses += 1;
        if (timer) { clearTimeout(timer); }
        timer = setTimeout(reset, 5000);
        if (presses >= 3) { reset(); quickExit(); }
      } else if (event.key !== "Shift") {
        reset();
      }
      lastKeyWasModified = event.shiftKey;
    });
  }

  function setUpUploads() {
    var forms = document.querySelectorAll("form[data-upload]");
    Array.prototype.forEach.call(forms, function (form) {
      var input = form.querySelector("input[type=file]");
      var zone = form.querySelector("[data-dropzone]");
      var list = form.querySelector("[data-file-list]");
      var bar = form.querySelector("progress");
      var status = form.querySelector("[data-status]");
      function showNames() {
        if (!list || !input) { return; }
        var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
        list.textContent = names.length ? "Chosen: " + names.join(", ") : "";
      }
      if (input) { input.addEventListener("change", showNames); }
      if (zone && input) {
        ["dragenter", "dragover"].forEach(function (name) {
          zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dropzone-active"); });
        });
        ["dragleave", "drop"].forEach(function (name) {
          zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("dropzone-active"); });
        });
        zone.addEventListener("drop", function (e) {
          if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; showNames(); }
        });
      }
      form.addEventListener("submit", function (event) {
        if (!window.XMLHttpRequest || !window.FormData) { return; }
        event.preventDefault();
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.getAttribute("action"));
        xhr.setRequestHeader("X-Haven-Upload", "1");
        if (bar) { bar.classList.remove("hidden"); bar.value = 0; }
        if (status) { status.textContent = "Sending your files to Haven on this computer."; }
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable && bar) {
            bar.value = Math.round((e.loaded / e.total) * 100);
            if (status) { status.textContent = "Sent " + bar.value + " percent."; }
          }
        });
        var poll = null;
        xhr.upload.addEventListener("load", function () {
          if (status) { status.textContent = "All sent. Haven is now working on your files. Please wait."; }
          var progressUrl = form.getAttribute("data-progress");
          if (!progressUrl || !window.fetch) { return; }
          poll = setInterval(function () {
            fetch(progressUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
              if (p.active && p.total > 0 && bar && status) {
                bar.value = Math.round((p.done / p.total) * 100);
                status.textContent = "Adding to your case: " + bar.value + " percent done.";
              }
            }).catch(function () { /* keep waiting */ });
          }, 700);
        });
        xhr.addEventListener("loadend", function () { if (poll) { clearInterval(poll); } });
        xhr.addEventListener("load", function () {
          var type = xhr.getResponseHeader("Content-Type") || "";
          if (type.indexOf("application/json") === 0) {
            var next = JSON.parse(xhr.responseText).location;
            if (next && next.charAt(0) === "/") { window.location.assign(next); return; }
          }
          document.open(); document.write(xhr.responseText); document.close();
        });
        xhr.addEventListener("error", function () {
          if (status) { status.textContent = "Something went wrong. Nothing was lost. Please try again."; }
        });
        xhr.send(new FormData(form));
      });
    });
  }

  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpExit();
    setUpUploads();
    focusErrors();
  });
}());
