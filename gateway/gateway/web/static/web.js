/* Small enhancements; every page works without them. No inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  /* Ctrl+O (seed 001): open a case or task by its number from anywhere. */
  function quickOpen() {
    var dialog = document.getElementById("quick-open-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "o" || event.key === "O")) {
        event.preventDefault();
        if (!dialog.open) { dialog.showModal(); }
        var input = document.getElementById("quick-open-number");
        if (input) { input.value = ""; input.focus(); }
      }
    });
    dialog.querySelectorAll("[data-close-dialog]").forEach(function (button) {
      button.addEventListener("click", function () { dialog.close(); });
    });
  }

  /* Drag and drop onto the plain file input: dropped files become the input's files. Files past the limits
     of the page (data-max-bytes each, data-max-files in all) are left out at once and said so, so a form is
     never sent only to be refused for its size. */
  function fileDrops(scope) {
    scope.querySelectorAll("[data-file-drop]").forEach(function (zone) {
      if (zone.dataset.ready) { return; }
      zone.dataset.ready = "1";
      var input = zone.querySelector("input[type=file]");
      var list = zone.querySelector(".web-file-list");
      var maxBytes = parseInt(zone.dataset.maxBytes, 10) || Infinity;
      var maxFiles = parseInt(zone.dataset.maxFiles, 10) || Infinity;
      function showProblems(problems) {
        var box = zone.querySelector("[data-file-error]");
        var hint = input.id + "-hint";
        box.querySelector("[data-file-error-text]").textContent = problems.join(" ");
        box.hidden = problems.length === 0;
        zone.classList.toggle("form-error", problems.length > 0);
        input.setAttribute("aria-describedby", problems.length ? hint + " " + box.id : hint);
        if (problems.length) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      }
      function keep(files) {
        var transfer = new DataTransfer();
        var problems = [];
        Array.prototype.forEach.call(files, function (file) {
          if (file.size > maxBytes) {
            problems.push(zone.dataset.tooLarge.replace("{file}", file.name));
          } else if (transfer.items.length >= maxFiles) {
            if (problems.indexOf(zone.dataset.tooMany) < 0) { problems.push(zone.dataset.tooMany); }
          } else {
            transfer.items.add(file);
          }
        });
        input.files = transfer.files;
        showProblems(problems);
        list.textContent = "";
        Array.prototype.forEach.call(input.files, function (file) {
          var item = document.createElement("li");
          item.textContent = file.name;
          list.appendChild(item);
        });
      }
      input.addEventListener("change", function () { keep(input.files); });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("web-dragging"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("web-dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
        keep(Array.prototype.slice.call(input.files).concat(Array.prototype.slice.call(event.dataTransfer.files)));
      });
    });
  }

  /* Reply templates: choosing one puts its text in the reply box. */
  function replyTemplates(scope) {
    scope.querySelectorAll("[data-template-target]").forEach(function (select) {
      if (select.dataset.ready) { return; }
      select.dataset.ready = "1";
      select.addEventListener("change", function () {
        var option = select.options[select.selectedIndex];
        var target = document.getElementById(select.dataset.templateTarget);
        if (option && option.dataset.body && target) {
          target.value = target.value ? target.value + "\n\n" + option.dataset.body : option.dataset.body;
          target.focus();
        }
      });
    });
  }

  /* Sharing (seed 000): people ticked in the search results are listed under "Vil blive delt med" and stay
     chosen while the search changes (each carries its own hidden field; the server ignores duplicates). The
     list is looked up at each change: an action on the case swaps the side boxes, list included. */
  function shareChosen() {
    function refresh(chosen) {
      chosen.querySelector("[data-share-none]").hidden = chosen.querySelectorAll("[data-user]").length > 0;
    }
    document.addEventListener("change", function (event) {
      var box = event.target;
      var chosen = document.querySelector("[data-share-chosen]");
      if (!chosen || !box.matches || !box.matches("input[name=user_ids][type=checkbox]")) { return; }
      var existing = chosen.querySelector('[data-user="' + box.value + '"]');
      if (box.checked && !existing) {
        var item = document.createElement("li");
        item.dataset.user = box.value;
        item.textContent = box.dataset.shareName || box.value;
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "user_ids";
        field.value = box.value;
        item.appendChild(field);
        chosen.appendChild(item);
      } else if (!box.checked && existing) {
        existing.remove();
      }
      refresh(chosen);
    });
    document.body.addEventListener("htmx:afterSwap", function () {
      var chosen = document.querySelector("[data-share-chosen]");
      if (!chosen) { return; }
      chosen.querySelectorAll("[data-user]").forEach(function (item) {
        var box = document.getElementById("share-" + item.dataset.user);
        if (box) { box.checked = true; }
      });
    });
  }

  /* Actions swapped in place (forms with hx-boost inside a .web-swapped part): the form that was sent is
     remembered, and after the swap focus goes back to it (its button), or to the part itself when the action
     made the form go away, so keyboard and screen reader users stay where they were. The outcome is read out
     from the page's live region (#messages). A refused form (422, or 413 for files too large together) is
     swapped in with its error summary, which takes the focus; an error page (HX-Retarget) replaces the page. */
  function inPlaceActions() {
    var sent = null;
    function formsLike(part, action) {
      return Array.prototype.filter.call(part.querySelectorAll("form[hx-boost]"), function (form) {
        return form.getAttribute("action") === action;
      });
    }
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var form = event.detail.elt;
      var part = form.tagName === "FORM" && form.closest(".web-swapped");
      if (part) {
        var action = form.getAttribute("action");
        sent = {action: action, index: formsLike(part, action).indexOf(form)};
      }
    });
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var xhr = event.detail.xhr;
      if (xhr.status === 422 || xhr.status === 413 || xhr.getResponseHeader("HX-Retarget")) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var part = event.target;
      if (!part.classList || !part.classList.contains("web-swapped")) { return; }
      var summary = part.querySelector("[data-error-summary]");
      if (summary) { summary.focus(); return; }
      var again = sent && formsLike(part, sent.action)[sent.index];
      var button = again && again.querySelector("[type=submit]");
      if (button) { button.focus(); } else { part.focus({preventScroll: true}); }
      sent = null;
    });
  }

  /* A chart over time that is wider than its card (on a phone) opens at its newest days or weeks, on the right. */
  function newestChartsLast(scope) {
    scope.querySelectorAll("[data-newest-last]").forEach(function (box) { box.scrollLeft = box.scrollWidth; });
  }

  /* A chart's scroll box is a tab stop (so the keyboard can scroll it) only while it is wider than its card, as on
     a phone; on a wide screen it has nothing to scroll and is left out of the tab order. Without this script it
     always is a tab stop (the markup's tabindex). */
  function chartScrollStops(scope) {
    var boxes = Array.prototype.slice.call(scope.querySelectorAll(".web-chart-scroll"));
    if (!boxes.length) { return; }
    function update() {
      boxes.forEach(function (box) {
        if (box.scrollWidth > box.clientWidth) { box.setAttribute("tabindex", "0"); } else { box.removeAttribute("tabindex"); }
      });
    }
    update();
    if (typeof window.ResizeObserver === "function") {
      var observer = new window.ResizeObserver(update);
      boxes.forEach(function (box) { observer.observe(box); });
    } else {
      window.addEventListener("resize", update);
    }
  }

  /* A form with an error summary: move focus to it, so screen readers hear what went wrong. */
  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  onReady(function () {
    if (window.DKFDS && typeof window.DKFDS.init === "function") { window.DKFDS.init(); }
    quickOpen();
    fileDrops(document);
    replyTemplates(document);
    newestChartsLast(document);
    chartScrollStops(document);
    shareChosen();
    inPlaceActions();
    focusErrors();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      fileDrops(event.target);
      replyTemplates(event.target);
    });
  });
})();
