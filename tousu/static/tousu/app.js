// Behaviour shared by every page. A static file, not inline script: the Content-Security-Policy
// allows scripts from this server only ("script-src 'self'"). Listeners are delegated from the
// document, so they also work on fragments HTMX swaps in later.
(function () {
  "use strict";

  // Live character count for textareas with data-count (the limit) and a [data-count-for] output.
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.hasAttribute || !field.hasAttribute("data-count")) return;
    var out = document.querySelector('[data-count-for="' + field.id + '"]');
    if (out) out.textContent = field.value.length;
  });

  // Reply aids: approved wording is inserted as written (data-insert); a reply template
  // (data-template) is filled as it is inserted, from the form as it stands and the letter's
  // facts the page carries in #resolve-data. Mirrors knowledge.rules.reply_fill: known
  // placeholders replaced, unknown ones kept as typed, S1's thanks at the end unless placed.
  function insertAtCursor(box, text) {
    var at = box.selectionStart != null ? box.selectionStart : box.value.length;
    var end = box.selectionEnd != null ? box.selectionEnd : at;
    box.value = box.value.slice(0, at) + text + box.value.slice(end);
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function resolveData() {
    var block = document.getElementById("resolve-data");
    if (!block) return null;
    try {
      return JSON.parse(block.textContent);
    } catch (e) {
      return null;
    }
  }

  // Money in fen (integers), so that 0.1 + 0.2 adds up as it does on the server.
  function fen(value) {
    var text = String(value == null ? "" : value).trim();
    if (!/^\d+(\.\d{0,2})?$/.test(text)) return 0;
    return Math.round(parseFloat(text) * 100);
  }

  function yuan(cents) {
    return (cents / 100).toFixed(2);
  }

  function remediesOf(form) {
    var out = [];
    form.querySelectorAll("[data-remedy-row]").forEach(function (row) {
      var type = row.querySelector("[data-remedy-type]");
      var amount = row.querySelector("[data-remedy-amount]");
      var note = row.querySelector("[data-remedy-note]");
      if (type && type.value) {
        out.push({ type: type.value, cents: amount ? fen(amount.value) : 0, note: note ? note.value.trim() : "" });
      }
    });
    return out;
  }

  function fillTemplate(body, values, thanks) {
    var filled = body.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    }).trim();
    if (body.indexOf("{thanks}") < 0) filled = filled ? filled + "\n" + thanks : thanks;
    return filled;
  }

  function letterValues(form, letter) {
    var labels = letter.remedy_labels || {};
    var total = 0;
    var parts = remediesOf(form).map(function (r) {
      total += r.cents;
      var label = labels[r.type] || r.type;
      var part = r.cents ? label + " " + yuan(r.cents) + " 元" : label;
      return r.note ? part + "（" + r.note + "）" : part;
    });
    var finding = form.querySelector("[name=finding]");
    return {
      greeting: letter.greeting,
      number: letter.number,
      customer: letter.customer,
      category: letter.category,
      remedies: parts.join("、") || "无",
      amount: yuan(total),
      received: letter.received,
      resolved: letter.resolved,
      today: letter.today,
      finding: finding && finding.value ? (letter.findings || {})[finding.value] || "" : "",
      thanks: letter.thanks,
    };
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-reply-aids] [data-insert], [data-reply-aids] [data-template]");
    if (!button) return;
    var form = button.closest("form");
    var box = form && form.querySelector("textarea[name=reply]");
    if (!box) return;
    var text = button.getAttribute("data-insert");
    if (button.hasAttribute("data-template")) {
      var data = resolveData();
      if (!data || !data.letter) return;
      text = fillTemplate(button.getAttribute("data-template"), letterValues(form, data.letter), data.letter.thanks);
    }
    insertAtCursor(box, text);
  });

  // The resolve form's remedy rows: added and removed as needed (the server reads whichever
  // rows are posted), with the running total against the user's authority. The decision
  // mirrors resolution.rules.authority_excess and approval_chain, as complaint_resolve makes it.
  function overAuthority(remedies, authority) {
    var limits = authority.limits || {};
    var month = authority.month || {};
    var byType = {};
    var total = 0;
    var monthTotal = 0;
    remedies.forEach(function (r) {
      byType[r.type] = (byType[r.type] || 0) + r.cents;
      total += r.cents;
    });
    Object.keys(month).forEach(function (k) { monthTotal += fen(month[k]); });
    var checks = [[total, monthTotal, limits[""] || ["0.00", null]]];
    Object.keys(byType).forEach(function (k) {
      if (limits[k] && byType[k] > 0) checks.push([byType[k], fen(month[k] || "0"), limits[k]]);
    });
    return checks.some(function (c) {
      var amount = c[0], before = c[1], limit = c[2];
      if (amount <= 0) return false;
      if (limit[0] != null && amount > fen(limit[0])) return true;
      return limit[1] != null && before + amount > fen(limit[1]);
    });
  }

  function firstApprover(total, steps) {
    for (var i = 0; i < steps.length; i++) {
      if (steps[i].limit == null || total <= fen(steps[i].limit)) return steps[i];
    }
    return null;
  }

  function authorityUpdate(form) {
    var line = form.querySelector("[data-authority]");
    var data = resolveData();
    if (!line || !data || !data.authority) return;
    var authority = data.authority;
    var remedies = remediesOf(form);
    var total = remedies.reduce(function (sum, r) { return sum + r.cents; }, 0);
    var over = overAuthority(remedies, authority);
    var text = authority.text;
    var note;
    if (!over) {
      var limit = (authority.limits[""] || ["0.00"])[0];
      note = limit == null ? text.unlimited : text.within.replace("%(limit)s", limit);
    } else {
      var step = firstApprover(total, authority.steps || []);
      if (!step) note = text.nobody;
      else if (step.names.length) note = text.over.replace("%(names)s", step.names.join("、"));
      else note = text.over_role.replace("%(role)s", step.label);
    }
    line.querySelector("[data-total]").textContent = yuan(total);
    line.querySelector("[data-authority-note]").textContent = note;
    line.classList.toggle("authority-over", over);
  }

  function renumber(row, index) {
    row.querySelectorAll("[name], [id]").forEach(function (field) {
      ["name", "id"].forEach(function (attr) {
        var value = field.getAttribute(attr);
        if (value) field.setAttribute(attr, value.replace(/remedy_\d+_/, "remedy_" + index + "_"));
      });
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest && event.target.closest("[data-remedy-add]");
    var remove = event.target.closest && event.target.closest("[data-remedy-remove]");
    if (!add && !remove) return;
    var form = (add || remove).closest("form");
    var rows = form.querySelector("[data-remedy-rows]");
    if (add) {
      var all = rows.querySelectorAll("[data-remedy-row]");
      var last = all[all.length - 1];
      var next = 0;
      all.forEach(function (row) {
        var named = row.querySelector("[name^=remedy_]");
        var n = named ? parseInt(named.name.split("_")[1], 10) : 0;
        if (n > next) next = n;
      });
      var row = last.cloneNode(true);
      renumber(row, next + 1);
      row.querySelectorAll("input, select").forEach(function (field) { field.value = ""; });
      row.querySelectorAll(".remedy-errors").forEach(function (el) { el.remove(); });
      rows.appendChild(row);
      row.querySelector("select").focus();
    } else {
      var row = remove.closest("[data-remedy-row]");
      if (rows.querySelectorAll("[data-remedy-row]").length > 1) row.remove();
      else row.querySelectorAll("input, select").forEach(function (field) { field.value = ""; });
    }
    authorityUpdate(form);
  });

  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = event.target.closest && event.target.closest("form[data-resolve-form]");
      if (form && event.target.closest("[data-remedy-row]")) authorityUpdate(form);
    });
  });

  // What needs script shows once script runs (the add-a-remedy button); a message that came
  // back with an in-place save fades after a while (it sits over the page, not above it).
  function enhance(root) {
    root.querySelectorAll("[data-remedy-add][hidden]").forEach(function (b) { b.hidden = false; });
    root.querySelectorAll("[data-toast]").forEach(function (toast) {
      setTimeout(function () { toast.remove(); }, 6000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function () { enhance(document); });

  // A list's filters take a phone's whole first screen: there they start folded (their summary
  // opens them) unless some are set, and unfold again if the window becomes wide.
  var narrow = window.matchMedia("(max-width: 767.98px)");
  function foldFilters() {
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (fold) {
      fold.open = !narrow.matches;
    });
  }
  document.addEventListener("DOMContentLoaded", foldFilters);
  narrow.addEventListener("change", foldFilters);

  // Keyboard shortcuts (issue 13), listed by "?": j/k the next/previous row of a list or the
  // queue, Enter opens it, "/" the search field, "a" accept, "r" the resolve form. Not while
  // typing in a field, nor with a modifier (the browser's own shortcuts stay).
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function moveRow(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
    if (!rows.length) return;
    var at = rows.findIndex(function (row) { return row.classList.contains("kb-current"); });
    var next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
    if (at >= 0) rows[at].classList.remove("kb-current");
    rows[next].classList.add("kb-current");
    var link = rows[next].querySelector("a[href]");
    if (link) link.focus({ preventScroll: true });
    rows[next].scrollIntoView({ block: "nearest" });
  }

  function toggleHelp(show) {
    var help = document.getElementById("shortcuts");
    if (help) help.hidden = show === undefined ? !help.hidden : !show;
  }

  var SHORTCUTS = {
    j: function () { moveRow(1); },
    k: function () { moveRow(-1); },
    "/": function () {
      var search = document.querySelector("input[type=search]");
      if (!search) return;
      var fold = search.closest("details");
      if (fold) fold.open = true;
      search.focus(); search.select();
    },
    a: function () {
      var accept = document.querySelector("form.action-accept [type=submit]");
      if (accept) accept.click();
    },
    r: function () {
      var resolve = document.querySelector("details.action-resolve");
      if (!resolve) return;
      resolve.open = true;
      resolve.scrollIntoView({ block: "start" });
      var first = resolve.querySelector("select, input:not([type=hidden]), textarea");
      if (first) first.focus();
    },
    "?": function () { toggleHelp(); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var run = SHORTCUTS[event.key];
    if (!run) return;
    event.preventDefault();
    run();
  });

  // "Select all" above a list's checkboxes (data-select-all names the boxes it ticks).
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.hasAttribute || !all.hasAttribute("data-select-all")) return;
    var name = all.getAttribute("data-select-all");
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
  // The list's bulk form shows only the fields the chosen action needs (data-bulk-for).
  function bulkFields(form) {
    var action = form.querySelector("select[name=action]");
    if (!action) return;
    form.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      var label = field.closest("label") || field;
      label.hidden = field.getAttribute("data-bulk-for") !== action.value;
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.bulk-form");
    if (form && event.target.name === "action") bulkFields(form);
  });
  document.querySelectorAll("form.bulk-form").forEach(bulkFields);
})();
