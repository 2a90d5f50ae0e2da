/* The paper page's small behaviours (loaded by paper_detail.html; no inline scripts).

   - Live updates: #paper-poller polls as app.js schedules it (every 3 s, slower in a
     hidden tab) and app.js highlights what arrives; this file keeps forms and focus.
   - A live update never clobbers a form being used: before an out-of-band swap,
     any open form in the region (marked data-keep, focused, or with typed text)
     is moved into the fresh markup in place of its stale twin (same id).
   - A live update keeps focus where it was: on the focused element or, when that was
     re-rendered, on its fresh twin with the same id.
   - 422 responses (invalid input) are swapped, so forms show their errors.
   - <a data-dismiss="#id"> removes that element (a reply form's Cancel).
   - Folded threads (<details class="thread-toggle">) stay open across swaps and
     live updates; a link to a comment (#comment-12) opens the thread it is in.
   - "⋯" menus (<details class="menu">) close on Escape (focus back on "⋯"), on a
     click outside, and when another menu opens.
   - The side column ([data-sticky-side]) gets data-fits, which makes it sticky,
     only while it is shorter than the window (else its end could not be reached).
   - Keys (off while typing in a field, and with Ctrl, Alt or Cmd): n the note
     composer, q the question box, / the log page's search (#search focuses it, app.js),
     ? the shortcuts dialog (<dialog id="shortcuts">: Escape closes it, focus goes back).
   - The note composer ([data-composer]) is one line that grows with its text, shows
     its preview only once there is text, and has Write / Preview (preview alone).
   - Up to 640 px the paper's fields fold into "Details" ([data-fold-narrow]),
     open again on a wider window.
*/
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function inUse(el) {
    if (el.hasAttribute("data-keep")) return true;
    if (el.contains(document.activeElement) && document.activeElement !== document.body) {
      return true;
    }
    var fields = el.querySelectorAll("textarea, input[type=text], input[type=url], input:not([type])");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) return true;
    }
    return false;
  }

  function keepOpenForms(target, fragment) {
    var candidates = [];
    if (target.matches("[data-keep]")) candidates.push(target);
    target.querySelectorAll("[data-keep], form").forEach(function (el) {
      if (inUse(el)) candidates.push(el);
    });
    candidates.forEach(function (live) {
      // Climb to the nearest element with an id that the fresh markup also has.
      for (var node = live; node && node !== target.parentNode; node = node.parentElement) {
        if (!node.id) continue;
        var stale = node === target ? fragment.firstElementChild : fragment.querySelector("#" + CSS.escape(node.id));
        if (stale && stale.id === node.id) {
          if (node === target) return;
          stale.replaceWith(node);
          return;
        }
      }
    });
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    if (!detail || !detail.target || !detail.fragment) return;
    var target = detail.target;
    if (target.matches("[data-keep]") || (target.matches("form") && inUse(target))) {
      detail.shouldSwap = false;
      return;
    }
    var active = document.activeElement;
    keepOpenForms(target, detail.fragment);
    if (active && active !== document.body) {
      window.setTimeout(function () {
        if (document.activeElement === active) return;
        // Focus stays where it was: on the same element, or on its fresh twin (same id),
        // e.g. the note just added, which the next poll brings back re-rendered.
        var twin = document.contains(active) ? active : active.id && document.getElementById(active.id);
        if (!twin) return;
        if (twin.tabIndex < 0 && !twin.hasAttribute("tabindex")) twin.setAttribute("tabindex", "-1");
        twin.focus({ preventScroll: true });
      }, 0);
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-dismiss]");
    if (!link) return;
    var gone = document.querySelector(link.getAttribute("data-dismiss"));
    if (gone) {
      event.preventDefault();
      gone.remove();
    }
  });

  // -- folded threads stay open --
  var openThreads = new Set();
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.matches || !details.matches("details.thread-toggle") || !details.id) return;
      if (details.open) openThreads.add(details.id);
      else openThreads.delete(details.id);
    },
    true
  );

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelectorAll) return;
    openThreads.forEach(function (id) {
      var details = root.id === id ? root : root.querySelector("#" + CSS.escape(id));
      if (details && !details.open) details.open = true;
    });
  });

  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && node.classList.contains("thread-toggle")) node.open = true;
    }
    if (target) target.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash) openTarget();
  });

  // -- "⋯" menus --
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details.menu");
    closeMenus(inside);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  // -- sticky side column, only when it fits --
  function fitSide() {
    var side = document.querySelector("[data-sticky-side]");
    if (!side) return;
    var inner = side.firstElementChild || side;
    side.toggleAttribute("data-fits", inner.offsetHeight + 32 < window.innerHeight);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var side = document.querySelector("[data-sticky-side]");
    if (!side) return;
    fitSide();
    window.addEventListener("resize", fitSide);
    if (window.ResizeObserver) new ResizeObserver(fitSide).observe(side.firstElementChild || side);
  });

  // -- keys --
  function typing(el) {
    return el && el.closest && el.closest("input, textarea, select, [contenteditable], dialog[open]");
  }

  function focusBox(selector) {
    var box = document.querySelector(selector);
    if (!box) return false;
    box.focus();
    box.scrollIntoView({ block: "center" });
    return true;
  }

  function openShortcuts(from) {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) return;
    dialog.returnTo = from;
    dialog.showModal();
  }

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog.id !== "shortcuts" || !dialog.returnTo) return;
    dialog.returnTo.focus();
    dialog.returnTo = null;
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-shortcuts-open]");
    if (button) openShortcuts(button);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var done = false;
    if (event.key === "n") {
      var composer = document.querySelector("#note-form[data-previewing]");
      if (composer) {
        composer.removeAttribute("data-previewing"); // back to writing
        composerShow(composer);
      }
      done = focusBox("#note-body");
    }
    else if (event.key === "q") done = focusBox("#question-body");
    else if (event.key === "?") {
      openShortcuts(document.activeElement === document.body ? null : document.activeElement);
      done = true;
    } else if (event.key === "/") {
      var page = document.querySelector("a[data-search-page]");
      if (page) {
        window.location.assign(page.href + "#search");
        done = true;
      }
    }
    if (done) event.preventDefault();
  });

  // -- the note composer --
  var GROWS = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");

  function composerShow(form) {
    var box = form.querySelector("textarea[name=body]");
    var preview = form.querySelector("[data-composer-preview]");
    var modes = form.querySelector("[data-composer-modes]");
    var empty = !box.value.trim();
    if (empty) form.removeAttribute("data-previewing");
    var previewing = form.hasAttribute("data-previewing");
    preview.hidden = empty;
    modes.hidden = empty;
    box.closest(".composer-write").hidden = previewing;
    modes.querySelectorAll("[data-composer-mode]").forEach(function (button) {
      var pressed = (button.getAttribute("data-composer-mode") === "preview") === previewing;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    });
    if (!GROWS) {
      box.style.height = "auto";
      box.style.height = box.scrollHeight + 2 + "px";
    }
  }

  function composers(root) {
    var found = root.matches && root.matches("[data-composer]") ? [root] : [];
    if (root.querySelectorAll) found.push.apply(found, root.querySelectorAll("[data-composer]"));
    found.forEach(composerShow);
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("[data-composer]");
    if (form && event.target.name === "body") composerShow(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-composer-mode]");
    if (!button) return;
    var form = button.closest("[data-composer]");
    var preview = button.getAttribute("data-composer-mode") === "preview";
    form.toggleAttribute("data-previewing", preview);
    composerShow(form);
    if (!preview) form.querySelector("textarea[name=body]").focus();
  });

  document.addEventListener("htmx:load", function (event) {
    if (event.detail && event.detail.elt) composers(event.detail.elt);
  });

  // -- "Details" folds on phones --
  var narrow = window.matchMedia("(max-width: 640px)");
  function fold() {
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (details) {
      details.open = !narrow.matches;
    });
  }
  narrow.addEventListener("change", fold);
  document.addEventListener("DOMContentLoaded", function () {
    fold();
    composers(document);
  });
})();
