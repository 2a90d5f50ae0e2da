/* Readinglog's small behaviours. No inline scripts anywhere (strict CSP later).

   After htmx puts new content in the page:
   - focus moves to the first element with `data-focus` in it, else to the first
     invalid field (aria-invalid="true", which Django sets), else to `autofocus`;
     an element that cannot take focus by itself gets tabindex="-1".
   - the text of `data-announce="…"` on any element in it is read out through
     #announcer (aria-live="polite").
   A response can also announce without markup: HX-Trigger: {"announce": "Comment posted"}
   (in Django: django_htmx.http.trigger_client_event(response, "announce", "Comment posted")).

   Also:
   - <button data-copy="#input-id"> copies that input's value to the clipboard.
   - <form data-confirm="Delete this?"> asks before submitting (with or without htmx).
   - A link to something folded in a <details> (#entry-12, a change-log entry in its
     day's folded line) unfolds it and scrolls to it.
   - <form data-url-fields> (a filter form that pushes its query to the URL) shows the
     restored URL's values after back/forward: htmx's history cache keeps markup, not
     what was typed, so the box would otherwise show the newer search.
   - A request that fails (403, 404, 500: htmx swaps nothing) or cannot be sent
     (offline) says so in #messages instead of doing nothing; a POST that failed on
     the server or could not be sent says "Not saved", and that the typed text is
     still in the form. Background requests marked `data-quiet-errors` (the
     live-update poll) stay silent: the next one retries.

   Live updates (papers/views/updates.py):
   - The page's poller ([data-poll]: #page-poller in base.html, #paper-poller on the
     paper page) gets a "poll" event every 3 s while the tab is visible, every 60 s
     while it is hidden, and at once when the tab shows again. Each poll sends what
     the page shows: ?unread= (the header's count), ?log=, ?questions= and
     ?log_since= (the log nav's badge); the server answers 204 while that is right.
   - What a poll brings that the page did not have (a note, question or comment,
     by its id) is highlighted (.is-new, a CSS flash) and keeps a "new" marker until
     it has been in view and is scrolled past; a folded thread holding it shows the
     marker on its summary. Markers survive later swaps of the same item.
   - "2 new replies on [3]" is announced through #announcer, and "3 unread
     notifications" when that count rose; a count that changed (header, badge) flashes.
*/
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    // Clear first so the same message twice is read twice.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  function find(root, selector) {
    if (root.matches && root.matches(selector)) return root;
    return root.querySelector ? root.querySelector(selector) : null;
  }

  function focusIn(root) {
    var target =
      find(root, "[data-focus]") || find(root, '[aria-invalid="true"]') || find(root, "[autofocus]");
    if (!target) return;
    if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "nearest" });
  }

  function announceIn(root) {
    var el = find(root, "[data-announce]");
    if (el) announce(el.getAttribute("data-announce"));
  }

  // The tab's title starts with the unread count "(3) ", as the header's
  // notifications link (swapped by the paper page's poll) says.
  function titleCount(root) {
    if (root.id !== "nav-notifications") return;
    var unread = parseInt(root.getAttribute("data-unread"), 10) || 0;
    var title = document.title.replace(/^\(\d+\) /, "");
    document.title = unread ? "(" + unread + ") " + title : title;
  }

  // htmx:load fires for every piece of new content, out-of-band swaps included,
  // and once for <body> when the page loads (the browser handles autofocus there).
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || root === document.body) return;
    focusIn(root);
    announceIn(root);
    titleCount(root);
    liveLoad(root);
  });

  // -- live updates: the poll's schedule --
  var POLL_VISIBLE = 3000;
  var POLL_HIDDEN = 60000;
  var pollTimer = null;

  function pollDelay() {
    return document.visibilityState === "hidden" ? POLL_HIDDEN : POLL_VISIBLE;
  }

  function schedulePoll() {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(poll, pollDelay());
  }

  function poll() {
    var poller = document.querySelector("[data-poll]");
    if (poller && window.htmx) window.htmx.trigger(poller, "poll");
    schedulePoll();
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") schedulePoll();
    else poll(); // catch up at once
  });
  document.addEventListener("DOMContentLoaded", schedulePoll);

  // A poller that leaves the page (Back restores the page from htmx's history, a
  // swap replaces it) ignores the answer to a poll still in flight: htmx would swap
  // it from a detached element, find none of its targets and log errors. Events on
  // a detached element reach only its own listeners, hence one on the element. The
  // next poll, from the poller that took its place, brings the counts.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var elt = event.target;
    if (!elt.hasAttribute || !elt.hasAttribute("data-poll")) return;
    elt.addEventListener("htmx:beforeSwap", function (swap) {
      swap.detail.shouldSwap = false;
    });
  });

  // What the page shows goes with each poll, so the answer is 204 while it is right.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poll")) return;
    var params = event.detail.parameters;
    var link = document.getElementById("nav-notifications");
    if (link) params.unread = link.getAttribute("data-unread") || "0";
    var badge = document.getElementById("lognav-question-badge");
    if (badge) {
      params.log = badge.getAttribute("data-log");
      params.questions = badge.getAttribute("data-count") || "0";
      if (badge.hasAttribute("data-since")) params.log_since = badge.getAttribute("data-since");
    }
  });

  // -- live updates: what arrived --
  var ITEM = /^(note|question|comment)-\d+$/;
  var known = null; // ids on the page when a poll's answer is about to be swapped in
  var arrived = null; // what that answer brought
  var unseen = new Set(); // ids of items still marked "new"

  function itemIds() {
    var ids = new Set();
    document.querySelectorAll("[id]").forEach(function (el) {
      if (ITEM.test(el.id)) ids.add(el.id);
    });
    return ids;
  }

  function kindOf(el) {
    var kind = el.id.split("-")[0];
    if (kind !== "comment") return kind;
    return el.closest(".thread-toggle, .replies") ? "reply" : "comment";
  }

  var observer =
    window.IntersectionObserver &&
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var el = entry.target;
        if (entry.isIntersecting && document.visibilityState === "visible") {
          el.setAttribute("data-seen", "");
        } else if (!entry.isIntersecting && el.hasAttribute("data-seen")) {
          unmark(el); // it was in view, and has been scrolled past
        }
      });
    });

  function mark(el) {
    if (!el.querySelector(":scope > .new-marker")) {
      var marker = document.createElement("span");
      marker.className = "new-marker";
      marker.textContent = "new";
      el.insertBefore(marker, el.firstChild);
    }
    el.classList.add("has-new");
    if (el.id) unseen.add(el.id);
    if (observer) observer.observe(el);
  }

  function unmark(el) {
    var marker = el.querySelector(":scope > .new-marker");
    if (marker) marker.remove();
    el.classList.remove("has-new");
    el.removeAttribute("data-seen");
    if (el.id) unseen.delete(el.id);
    if (observer) observer.unobserve(el);
  }

  // A folded thread says on its summary that it holds something new.
  function markFolded(el) {
    var thread = el.parentElement && el.parentElement.closest("details.thread-toggle:not([open])");
    var summary = thread && thread.querySelector(":scope > summary");
    if (!summary) return;
    summary.classList.add("is-new");
    mark(summary);
  }

  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.matches || !details.matches("details.thread-toggle") || !details.open) return;
      var summary = details.querySelector(":scope > summary");
      if (summary) unmark(summary);
    },
    true
  );

  // The counts a poll may bring, by the attribute that holds the number.
  var COUNTERS = [
    ["nav-notifications", "data-unread"],
    ["lognav-question-badge", "data-count"],
  ];

  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    if (!event.detail.shouldSwap || !elt || !elt.hasAttribute || !elt.hasAttribute("data-poll")) {
      return;
    }
    known = itemIds();
    arrived = { label: elt.getAttribute("data-label") || "", counts: {}, scheduled: false, shown: {} };
    COUNTERS.forEach(function (counter) {
      var el = document.getElementById(counter[0]);
      if (el) arrived.shown[counter[0]] = el.getAttribute(counter[1]);
    });
  });

  var WORDS = {
    note: ["note", "notes"],
    question: ["question", "questions"],
    comment: ["comment", "comments"],
    reply: ["reply", "replies"],
  };

  function announceArrivals() {
    var counts = arrived.counts;
    var parts = Object.keys(WORDS)
      .filter(function (kind) {
        return counts[kind];
      })
      .map(function (kind) {
        return counts[kind] + " new " + WORDS[kind][counts[kind] === 1 ? 0 : 1];
      });
    var said = parts.length ? [parts.join(" and ") + (arrived.label ? " on " + arrived.label : "")] : [];
    var unread = arrived.unread;
    if (unread) said.push(unread + " unread notification" + (unread === 1 ? "" : "s"));
    if (said.length) announce(said.join(". "));
    known = arrived = null;
  }

  function liveLoad(root) {
    if (!root.querySelectorAll) return;
    var items = Array.prototype.slice.call(root.querySelectorAll("[id]"));
    items.unshift(root);
    items.forEach(function (el) {
      if (!ITEM.test(el.id)) return;
      if (known && !known.has(el.id)) {
        el.classList.add("is-new");
        mark(el);
        markFolded(el);
        var kind = kindOf(el);
        arrived.counts[kind] = (arrived.counts[kind] || 0) + 1;
      } else if (unseen.has(el.id)) {
        mark(el); // re-rendered by a later swap: still new to the member
        markFolded(el);
      }
    });
    if (!known) return;
    COUNTERS.forEach(function (counter) {
      if (root.id === counter[0] && root.getAttribute(counter[1]) !== arrived.shown[counter[0]]) {
        root.classList.add("is-new"); // the number changed: flash it
      }
    });
    if (root.id === "nav-notifications") {
      var unread = parseInt(root.getAttribute("data-unread"), 10) || 0;
      var before = parseInt(arrived.shown["nav-notifications"], 10) || 0;
      if (unread > before) arrived.unread = unread; // more to read: say so, not fewer
    }
    // htmx loads every region of one answer in a row: once all are in, say what came.
    if (!arrived.scheduled) {
      arrived.scheduled = true;
      window.setTimeout(announceArrivals, 0);
    }
  }

  document.addEventListener("announce", function (event) {
    var detail = event.detail || {};
    announce(typeof detail === "string" ? detail : detail.value || detail.message);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    var done = function () {
      announce("Copied to the clipboard");
      button.setAttribute("data-copied", "");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });

  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-url-fields]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || /^(submit|button|reset|hidden)$/.test(field.type)) return;
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = params.getAll(field.name).indexOf(field.value) !== -1;
          return;
        }
        field.value = params.get(field.name) || "";
        if (field.tagName === "SELECT" && field.selectedIndex < 0) field.selectedIndex = 0;
      });
    });
  });

  var FAILURES = {
    403: "You are not allowed to do that in this log.",
    404: "That is not there any more: someone may have deleted it. Reload the page to see the log as it is now.",
    413: "That is too large to send.",
    429: "Too many requests at once; wait a moment and try again.",
    503: "Readinglog can’t reach its database; nothing you typed was saved — try again in a minute.",
  };

  function showError(text) {
    var box = document.getElementById("messages");
    if (!box) return;
    var list = box.querySelector("ul.messages");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      box.appendChild(list);
    }
    var last = list.lastElementChild;
    if (last && last.textContent === text) return; // the same failure again: say it once
    var item = document.createElement("li");
    item.className = "message message-error";
    item.setAttribute("role", "alert");
    item.textContent = text;
    list.appendChild(item);
  }

  function quiet(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest && elt.closest("[data-quiet-errors]");
  }

  // A failed POST saved nothing; htmx swaps nothing on a failure, so what was typed is still there.
  function notSaved(event, reason, advice) {
    var config = event.detail.requestConfig || {};
    var form = config.elt && config.elt.closest && config.elt.closest("form");
    var typed =
      form &&
      Array.prototype.some.call(form.elements, function (field) {
        return /^(textarea|text|url|search)$/.test(field.type) && field.value.trim() !== "";
      });
    return "Not saved: " + reason + (typed ? " Your text is still in the form. " : " ") + advice;
  }

  function posted(event) {
    var config = event.detail.requestConfig;
    return config && config.verb === "post";
  }

  document.addEventListener("htmx:responseError", function (event) {
    if (quiet(event)) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (FAILURES[status]) {
      showError(FAILURES[status]);
    } else if (posted(event)) {
      var reason = "something went wrong on our side (error " + status + ").";
      showError(notSaved(event, reason, "Try again in a moment."));
    } else {
      showError("Something went wrong on our side (error " + status + "). Please try again.");
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (quiet(event)) return;
    if (posted(event)) {
      var advice = "Check your connection and try again.";
      showError(notSaved(event, "Readinglog could not be reached.", advice));
    } else {
      showError("Readinglog could not be reached: check your connection and try again.");
    }
  });

  // Capture phase, so it runs before htmx turns the submit into a request.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  function unfoldTarget() {
    var id;
    try {
      id = decodeURIComponent(window.location.hash.slice(1));
    } catch (error) {
      return; // a malformed #fragment names nothing
    }
    var target = id && document.getElementById(id);
    var folded = target && target.closest("details:not([open])");
    if (!folded) return;
    folded.open = true;
    target.scrollIntoView();
  }
  unfoldTarget();
  window.addEventListener("hashchange", unfoldTarget);
})();

/* @mention suggestions (issue #10). On a log page where the user can write,
   <body data-mention-names="/logs/<slug>/members/names/"> says where the members'
   usernames are; they are fetched once, on the first "@" typed. In any text box,
   while the word before the caret is "@" and the start of a name, a listbox under
   the box offers the members whose names start so. The box keeps the focus and
   points at the chosen one (aria-activedescendant): ArrowDown / ArrowUp choose,
   Enter or Tab puts "@name " in, Escape closes; clicking a name does the same.
*/
(function () {
  "use strict";

  var MAX_SHOWN = 8;
  // As papers/markdown.py reads a mention: not after a letter, digit, "_", "@", "/" or ".".
  var TYPED = /(?:^|[^\p{L}\p{N}_@/.])@([\p{L}\p{N}_.@+-]{0,150})$/u;
  var names = null; // a promise of the usernames
  var box = null; // the text box the open list belongs to
  var list = null;
  var shown = [];
  var active = 0;

  function source() {
    return document.body.getAttribute("data-mention-names");
  }

  function load() {
    if (!names) {
      names = fetch(source(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { names: [] };
        })
        .then(function (data) {
          return data.names || [];
        })
        .catch(function () {
          names = null; // try again on the next "@"
          return [];
        });
    }
    return names;
  }

  function typed(textarea) {
    if (textarea.selectionStart !== textarea.selectionEnd) return null;
    var match = TYPED.exec(textarea.value.slice(0, textarea.selectionStart));
    return match ? match[1] : null;
  }

  function close() {
    if (list) list.remove();
    if (box) {
      box.removeAttribute("aria-activedescendant");
      box.removeAttribute("aria-controls");
    }
    box = list = null;
    shown = [];
  }

  function choose(index) {
    active = (index + shown.length) % shown.length;
    Array.prototype.forEach.call(list.children, function (option, i) {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    box.setAttribute("aria-activedescendant", list.children[active].id);
    list.children[active].scrollIntoView({ block: "nearest" });
  }

  function show(textarea, matches) {
    close();
    if (!matches.length) return;
    box = textarea;
    shown = matches;
    list = document.createElement("ul");
    list.id = "mention-list";
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Members to mention");
    matches.forEach(function (name, i) {
      var option = document.createElement("li");
      option.id = "mention-option-" + i;
      option.setAttribute("role", "option");
      option.textContent = "@" + name;
      list.appendChild(option);
    });
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", list.id);
    choose(0);
  }

  function insert(index) {
    var textarea = box;
    var end = textarea.selectionStart;
    var start = end - (typed(textarea) || "").length;
    textarea.setRangeText(shown[index] + " ", start, end, "end");
    close();
    textarea.focus();
    // As if typed: the live preview follows, and the list stays closed.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function suggest(textarea) {
    var start = typed(textarea);
    if (start === null) {
      if (box === textarea) close();
      return;
    }
    load().then(function (all) {
      if (typed(textarea) !== start || document.activeElement !== textarea) return;
      var lower = start.toLowerCase();
      var matches = all.filter(function (name) {
        return name.toLowerCase().startsWith(lower);
      });
      show(textarea, matches.slice(0, MAX_SHOWN));
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" && source()) suggest(event.target);
  });

  // Capture phase: the list's keys are handled before a form's own (Enter, Escape).
  document.addEventListener(
    "keydown",
    function (event) {
      if (!list || event.target !== box || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        choose(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
        insert(active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    },
    true
  );

  document.addEventListener("mousedown", function (event) {
    var option = list && event.target.closest && event.target.closest("#mention-list [role=option]");
    if (!option) return;
    event.preventDefault(); // the box keeps the focus
    insert(Array.prototype.indexOf.call(list.children, option));
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === box) close();
  });
})();

/* Keys on every page (issue #11). Ctrl+Enter (Cmd+Enter on a Mac) in a text box sends
   its form, as its submit button would (htmx forms too). "/" outside a field goes to
   the log page's search box (#id_q); a link to "#search" (the paper page's "/") focuses
   it on arrival. The log nav's current tab is scrolled into view on narrow screens.
*/
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.defaultPrevented) return;
    var box = event.target;
    if (box.tagName !== "TEXTAREA" || !box.form) return;
    event.preventDefault();
    box.form.requestSubmit();
  });

  function search() {
    var box = document.getElementById("id_q");
    if (!box || box.closest("[hidden]")) return false;
    box.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var el = event.target;
    if (el.closest && el.closest("input, textarea, select, [contenteditable], dialog[open]")) return;
    if (search()) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash === "#search") search();
    var tab = document.querySelector(".lognav [aria-current=page]");
    var strip = tab && tab.closest(".lognav-inner");
    if (!strip || strip.scrollWidth <= strip.clientWidth) return;
    var left = tab.offsetLeft; // .lognav-inner is the offset parent (position: relative)
    if (left + tab.offsetWidth > strip.scrollLeft + strip.clientWidth || left < strip.scrollLeft) {
      strip.scrollLeft = left - (strip.clientWidth - tab.offsetWidth) / 2;
    }
  });
})();
