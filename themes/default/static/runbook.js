// rb-site runbook behaviours: copy buttons on code blocks, and checklists whose ticks are kept
// per page in this browser. Everything works without this script; it only adds conveniences.
(function () {
  "use strict";

  // --- Copy buttons -----------------------------------------------------------------------
  // The build puts the exact text to copy in data-copy when it differs from what is shown
  // (shell prompts and output left out); otherwise the code is copied as shown.

  function copyText(block) {
    var text = block.hasAttribute("data-copy")
      ? block.getAttribute("data-copy")
      : (block.querySelector("code") || block).textContent;
    return text.replace(/\n$/, "");
  }

  function writeClipboard(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http on an internal network has no Clipboard API: fall back to a selection.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  function setUpCopyButtons() {
    var blocks = document.querySelectorAll(".code-block");
    Array.prototype.forEach.call(blocks, function (block) {
      var button = block.querySelector("button.copy");
      if (!button) {
        return;
      }
      button.hidden = false;
      button.setAttribute("aria-label", "Copy code to clipboard");
      var timer = null;
      button.addEventListener("click", function () {
        writeClipboard(copyText(block)).then(
          function () {
            button.textContent = "Copied";
            button.classList.add("copied");
          },
          function () {
            button.textContent = "Press Ctrl+C";
          }
        );
        clearTimeout(timer);
        timer = setTimeout(function () {
          button.textContent = "Copy";
          button.classList.remove("copied");
        }, 2000);
      });
    });
  }

  // --- Checklists -------------------------------------------------------------------------
  // Ticks are stored under the page's path. A page whose number of tasks changed since the
  // ticks were stored starts again from the state written in the runbook.

  var STORAGE_PREFIX = "rb-site:checklist:";

  function storageKey() {
    return STORAGE_PREFIX + window.location.pathname;
  }

  function load(count) {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey()) || "null");
      if (saved && saved.count === count && Array.isArray(saved.checked)) {
        return saved.checked;
      }
    } catch (e) {
      // Storage disabled or corrupt: behave as if nothing was stored.
    }
    return null;
  }

  function save(tasks) {
    try {
      window.localStorage.setItem(
        storageKey(),
        JSON.stringify({
          count: tasks.length,
          checked: tasks.map(function (task) {
            return task.checked;
          }),
        })
      );
    } catch (e) {
      // Private browsing or a full quota: ticks last until the page is left.
    }
  }

  function forget() {
    try {
      window.localStorage.removeItem(storageKey());
    } catch (e) {
      // Nothing stored.
    }
  }

  function setUpChecklists() {
    var tasks = Array.prototype.slice.call(document.querySelectorAll("input.task[data-task]"));
    if (tasks.length === 0) {
      return;
    }
    var saved = load(tasks.length);
    tasks.forEach(function (task, index) {
      if (saved) {
        task.checked = Boolean(saved[index]);
      }
      task.addEventListener("change", function () {
        save(tasks);
      });
    });

    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "checklist-reset";
    reset.textContent = "Reset checklist";
    reset.addEventListener("click", function () {
      tasks.forEach(function (task) {
        task.checked = task.defaultChecked;
      });
      forget();
    });
    // After the outermost list holding the first task.
    var list = tasks[0].closest("ul, ol");
    while (list && list.parentElement && list.parentElement.closest("ul, ol")) {
      list = list.parentElement.closest("ul, ol");
    }
    if (list && list.parentNode) {
      list.parentNode.insertBefore(reset, list.nextSibling);
    }
  }

  function start() {
    setUpCopyButtons();
    setUpChecklists();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
