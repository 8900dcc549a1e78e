// Rapport's few behaviours that HTML and HTMX do not give: the phone menu, the
// search box's keyboard, tabs, repeatable email/phone rows and the record picker.
(function () {
  "use strict";

  function typingIn(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // -- navigation on phones -------------------------------------------------------
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      var open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    document.querySelectorAll("details.filters[open], details.menu[open]").forEach(function (open) {
      if (!open.contains(event.target)) open.removeAttribute("open");
    });
    if (event.target.closest("[data-nav-close]")) {
      document.body.classList.remove("nav-open");
    }
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) dismiss.parentElement.remove();
  });

  // -- global search: "/" focuses it, arrows move, Enter opens, Escape closes -------
  var search = document.querySelector("[data-global-search]");
  var suggest = document.getElementById("search-suggest");

  function hits() {
    return suggest ? Array.prototype.slice.call(suggest.querySelectorAll("[data-hit]")) : [];
  }
  function select(index) {
    var all = hits();
    all.forEach(function (h, i) {
      h.classList.toggle("is-selected", i === index);
      h.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (all[index]) all[index].scrollIntoView({ block: "nearest" });
  }
  function selected() {
    var all = hits();
    for (var i = 0; i < all.length; i++) if (all[i].classList.contains("is-selected")) return i;
    return -1;
  }
  function closeSuggest() {
    if (suggest) suggest.innerHTML = "";
    if (search) search.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !typingIn(document.activeElement) && search) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "Escape") {
      document.body.classList.remove("nav-open");
      if (document.activeElement === search) closeSuggest();
    }
  });

  if (search && suggest) {
    search.addEventListener("keydown", function (event) {
      var all = hits();
      var current = selected();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        select((current + 1) % all.length);
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        select(current <= 0 ? all.length - 1 : current - 1);
      } else if (event.key === "Enter" && current >= 0) {
        event.preventDefault();
        window.location.href = all[current].getAttribute("href");
      }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".global-search")) closeSuggest();
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === suggest) {
        search.setAttribute("aria-expanded", hits().length ? "true" : "false");
        if (hits().length) select(0);
      }
    });
  }

  // -- tabs on the 360 page --------------------------------------------------------
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[role=tab]");
    if (!tab) return;
    var list = tab.closest("[role=tablist]");
    list.querySelectorAll("[role=tab]").forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      var panel = document.getElementById(t.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    history.replaceState(null, "", "#" + tab.getAttribute("aria-controls"));
  });
  if (location.hash.indexOf("#tab-") === 0) {
    var wanted = document.querySelector('[aria-controls="' + location.hash.slice(1) + '"]');
    if (wanted) wanted.click();
  }

  // -- repeatable email and phone rows ---------------------------------------------
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var rows = add.parentElement.querySelector(".points-rows");
      var template = rows.querySelector("[data-template]");
      var copy = template.cloneNode(true);
      copy.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      rows.appendChild(copy);
      copy.querySelector("input").focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest(".point-row");
      var container = row.parentElement;
      if (container.querySelectorAll(".point-row").length > 1) row.remove();
      else row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    }
  });

  // -- record picker (an account for a contact, a parent for an account) ----------
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick-id]");
    if (!option) return;
    var picker = option.closest("[data-picker]");
    picked(picker, option.getAttribute("data-pick-id"));
    picker.querySelector("[data-picker-text]").value = option.getAttribute("data-pick-label");
    picker.querySelector(".picker-options").innerHTML = "";
  });
  document.addEventListener("input", function (event) {
    var text = event.target.closest("[data-picker-text]");
    if (text && !text.value.trim()) picked(text.closest("[data-picker]"), "");
  });
  // What depends on the chosen record (a case's contacts follow its account) listens for this change.
  function picked(picker, id) {
    var input = picker.querySelector("[data-picker-id]");
    if (input.value === id) return;
    input.value = id;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // -- after a refused save, put the cursor in the first field that needs attention --
  var firstError = document.querySelector(".record-form .has-error input:not([type=hidden]), .record-form .has-error select, .record-form .has-error textarea");
  if (firstError) firstError.focus();

  // -- a refused filter or form comes back as 422 with its errors: show them --------
  // HTMX swaps only 2xx answers by default; a 422 page fragment (a list's table with
  // "Status: choose one of...", a form with its fields marked) is meant to be seen. A
  // 422 in plain text (the board's refused move) stays an error for its own handler.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 422 && /^text\/html/.test(xhr.getResponseHeader("Content-Type") || "")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // -- keep the export link in step with the filters after an HTMX swap ------------
  document.body.addEventListener("htmx:pushedIntoHistory", function () {
    var link = document.querySelector("[data-export]");
    if (!link) return;
    var params = new URLSearchParams(location.search);
    params.delete("cursor");
    params.delete("before");
    var query = params.toString();
    link.setAttribute("href", link.getAttribute("href").split("?")[0] + (query ? "?" + query : ""));
  });

  // -- after logging an interaction, the new entry is briefly highlighted --------
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "timeline-items") {
      var first = event.detail.target.firstElementChild;
      if (first) {
        first.style.background = "#eaf0fe";
        setTimeout(function () { first.style.transition = "background 1s"; first.style.background = ""; }, 600);
      }
    }
  });
})();
