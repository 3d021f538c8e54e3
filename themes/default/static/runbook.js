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
  // Ticks are stored under the page's path with the time each was made. A page whose number of
  // tasks changed since the ticks were stored starts again from the state written in the
  // runbook. Ticks older than the site's stale age (data-checklist-stale-hours, default 12 h)
  // are from an earlier incident: they show as stale, with one click to clear them. Every
  // checklist (outermost list holding tasks) gets its own Reset.

  var STORAGE_PREFIX = "rb-site:checklist:";
  var HOUR = 3600 * 1000;

  function storageKey() {
    return STORAGE_PREFIX + window.location.pathname;
  }

  function staleAfter() {
    var hours = parseFloat(document.documentElement.getAttribute("data-checklist-stale-hours"));
    return (isFinite(hours) && hours > 0 ? hours : 12) * HOUR;
  }

  function load(count) {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey()) || "null");
      if (saved && saved.count === count && Array.isArray(saved.checked)) {
        // Ticks stored before times were kept have no time: treat them as stale.
        saved.at = Array.isArray(saved.at) ? saved.at : saved.checked.map(function () { return 0; });
        return saved;
      }
    } catch (e) {
      // Storage disabled or corrupt: behave as if nothing was stored.
    }
    return null;
  }

  function save(tasks, times) {
    try {
      window.localStorage.setItem(
        storageKey(),
        JSON.stringify({
          count: tasks.length,
          checked: tasks.map(function (task) {
            return task.checked;
          }),
          at: times,
        })
      );
    } catch (e) {
      // Private browsing or a full quota: ticks last until the page is left.
    }
  }

  function age(ms) {
    if (ms < 60 * 1000) return "just now";
    if (ms < HOUR) return Math.floor(ms / 60000) + " min ago";
    if (ms < 48 * HOUR) return Math.floor(ms / HOUR) + " h ago";
    return Math.floor(ms / (24 * HOUR)) + " days ago";
  }

  function outermostList(task) {
    var list = task.closest("ul, ol");
    while (list && list.parentElement && list.parentElement.closest("ul, ol")) {
      list = list.parentElement.closest("ul, ol");
    }
    return list;
  }

  function setUpChecklists() {
    var tasks = Array.prototype.slice.call(document.querySelectorAll("input.task[data-task]"));
    if (tasks.length === 0) {
      return;
    }
    var saved = load(tasks.length);
    var times = tasks.map(function (task, index) {
      return saved ? saved.at[index] || 0 : 0;
    });
    var limit = staleAfter();
    var lists = [];
    tasks.forEach(function (task, index) {
      if (saved) {
        task.checked = Boolean(saved.checked[index]);
      }
      var list = outermostList(task);
      var entry = lists.filter(function (l) { return l.list === list; })[0];
      if (!entry) {
        entry = { list: list, tasks: [] };
        lists.push(entry);
      }
      entry.tasks.push(index);
      task.addEventListener("change", function () {
        times[index] = task.checked ? Date.now() : 0;
        save(tasks, times);
        refresh();
      });
    });

    function isStale(index) {
      return tasks[index].checked && !tasks[index].defaultChecked && Date.now() - times[index] > limit;
    }

    function refresh() {
      tasks.forEach(function (task, index) {
        var item = task.parentElement;
        var label = item.querySelector(":scope > .task-age");
        var ticked = task.checked && !task.defaultChecked;
        if (ticked && !label) {
          label = document.createElement("span");
          label.className = "task-age";
          task.insertAdjacentElement("afterend", label);
        }
        if (label) {
          label.hidden = !ticked;
          label.textContent = ticked ? (times[index] ? "ticked " + age(Date.now() - times[index]) : "ticked earlier") : "";
        }
        item.classList.toggle("task-stale", isStale(index));
      });
      lists.forEach(function (entry) {
        var stale = entry.tasks.filter(isStale).length;
        entry.note.hidden = stale === 0;
        entry.noteText.textContent = stale + " tick" + (stale === 1 ? " is" : "s are") + " older than " +
          Math.round(limit / HOUR) + " h, from an earlier use of this checklist.";
      });
    }

    lists.forEach(function (entry, n) {
      var tools = document.createElement("div");
      tools.className = "checklist-tools";
      var reset = document.createElement("button");
      reset.type = "button";
      reset.className = "checklist-reset";
      reset.textContent = lists.length > 1 ? "Reset this checklist" : "Reset checklist";
      reset.setAttribute("data-checklist", String(n));
      reset.addEventListener("click", function () {
        entry.tasks.forEach(function (index) {
          tasks[index].checked = tasks[index].defaultChecked;
          times[index] = 0;
        });
        save(tasks, times);
        refresh();
      });
      var note = document.createElement("span");
      note.className = "checklist-stale-note";
      note.setAttribute("role", "status");
      var noteText = document.createElement("span");
      var clear = document.createElement("button");
      clear.type = "button";
      clear.className = "checklist-reset checklist-clear-stale";
      clear.textContent = "Clear stale ticks";
      clear.addEventListener("click", function () {
        entry.tasks.forEach(function (index) {
          if (isStale(index)) {
            tasks[index].checked = tasks[index].defaultChecked;
            times[index] = 0;
          }
        });
        save(tasks, times);
        refresh();
      });
      note.appendChild(noteText);
      note.appendChild(document.createTextNode(" "));
      note.appendChild(clear);
      tools.appendChild(reset);
      tools.appendChild(note);
      entry.note = note;
      entry.noteText = noteText;
      if (entry.list && entry.list.parentNode) {
        entry.list.parentNode.insertBefore(tools, entry.list.nextSibling);
      }
    });
    refresh();
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
