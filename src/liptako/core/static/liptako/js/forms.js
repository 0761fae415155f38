/*
 * Forms that survive a dropped connection (decisions 0162 and 0163). No inline script (CSP).
 *
 * 1. Every POST form gets a hidden `idempotency_key` (a random UUID): the server handles a
 *    submission once and answers a repeat with the first answer (core IdempotencyMiddleware).
 * 2. What the user types is kept in sessionStorage (this tab only, never passwords or files),
 *    with the form's key. When the page comes back without the submission having gone through
 *    (connection dropped, reload, back), the values and the key are put back: sending again
 *    either goes through for the first time or gets the first answer, never a second record.
 * 3. The server sets the `liptako-submitted` cookie to the key of a submission that went
 *    through; the next page forgets that draft. A successful HTMX request does the same.
 */
(function () {
  "use strict";

  var FIELD = "idempotency_key";
  var COOKIE = "liptako-submitted";
  var PREFIX = "liptako-draft:";
  var SKIPPED_TYPES = ["password", "file", "hidden", "submit", "button", "reset", "image"];

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Plain-HTTP pages have no randomUUID: a version-4 UUID from getRandomValues.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (byte) {
      return (byte + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)]
      .join("-");
  }

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // storage disabled: the keys still protect against double submissions
    }
  }

  function postForms(root) {
    var forms = [];
    if (root.matches && root.matches("form")) {
      forms.push(root);
    }
    root.querySelectorAll("form").forEach(function (form) {
      forms.push(form);
    });
    return forms.filter(function (form) {
      var method = (form.getAttribute("method") || form.getAttribute("hx-post") && "post" || "");
      return method.toLowerCase() === "post";
    });
  }

  function draftName(form) {
    var all = postForms(document);
    var identity = form.id || form.getAttribute("action") || form.getAttribute("hx-post") || "";
    return PREFIX + window.location.pathname + "|" + identity + "|" + all.indexOf(form);
  }

  function keyInput(form) {
    var input = form.querySelector("input[name='" + FIELD + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = FIELD;
      input.value = newKey();
      form.appendChild(input);
    }
    return input;
  }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== FIELD && field.name !== "csrfmiddlewaretoken" &&
        SKIPPED_TYPES.indexOf(field.type) === -1 && !field.disabled;
    });
  }

  // Forms with a password or passphrase (log-in, keys, signing) keep nothing.
  function hasSecret(form) {
    return Boolean(form.querySelector("input[type='password']"));
  }

  function save(form) {
    var store = storage();
    if (!store || hasSecret(form)) {
      return;
    }
    var values = {};
    keptFields(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        values[field.name] = values[field.name] || [];
        if (field.checked) {
          values[field.name].push(field.value);
        }
      } else if (field.type === "select-multiple") {
        values[field.name] = Array.prototype.filter.call(field.options, function (option) {
          return option.selected;
        }).map(function (option) {
          return option.value;
        });
      } else {
        values[field.name] = field.value;
      }
    });
    store.setItem(draftName(form), JSON.stringify({ key: keyInput(form).value, values: values }));
  }

  function restore(form, draft) {
    keptFields(form).forEach(function (field) {
      if (!Object.prototype.hasOwnProperty.call(draft.values, field.name)) {
        return;
      }
      var value = draft.values[field.name];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = value.indexOf(field.value) !== -1;
      } else if (field.type === "select-multiple") {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = value.indexOf(option.value) !== -1;
        });
      } else {
        field.value = value;
      }
    });
    keyInput(form).value = draft.key;
    announce(form);
  }

  function announce(form) {
    var text = document.body.getAttribute("data-draft-restored");
    if (!text || form.previousElementSibling &&
        form.previousElementSibling.classList.contains("draft-notice")) {
      return;
    }
    var notice = document.createElement("p");
    notice.className = "draft-notice";
    notice.setAttribute("role", "status");
    notice.textContent = text + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = document.body.getAttribute("data-draft-discard") || "×";
    discard.addEventListener("click", function () {
      forget(form);
      form.reset();
      keyInput(form).value = newKey();
      notice.remove();
    });
    notice.appendChild(discard);
    form.parentNode.insertBefore(notice, form);
  }

  function forget(form) {
    var store = storage();
    if (store) {
      store.removeItem(draftName(form));
    }
  }

  function submittedKey() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([^;]*)"));
    if (!match) {
      return null;
    }
    document.cookie = COOKIE + "=; Max-Age=0; Path=/; SameSite=Lax";
    return decodeURIComponent(match[1]);
  }

  function forgetSubmitted() {
    var store = storage();
    var key = submittedKey();
    if (!store || !key) {
      return;
    }
    for (var index = store.length - 1; index >= 0; index -= 1) {
      var name = store.key(index);
      if (name && name.indexOf(PREFIX) === 0) {
        try {
          if (JSON.parse(store.getItem(name)).key === key) {
            store.removeItem(name);
          }
        } catch (error) {
          store.removeItem(name);
        }
      }
    }
  }

  function prepare(root) {
    var store = storage();
    postForms(root).forEach(function (form) {
      if (form.hasAttribute("data-liptako-form")) {
        return;
      }
      form.setAttribute("data-liptako-form", "");
      keyInput(form);
      var saved = store && !hasSecret(form) && store.getItem(draftName(form));
      if (saved) {
        try {
          restore(form, JSON.parse(saved));
        } catch (error) {
          forget(form);
        }
      }
    });
  }

  function formOf(element) {
    return element && (element.matches("form") ? element : element.closest("form"));
  }

  document.addEventListener("input", function (event) {
    var form = formOf(event.target);
    if (form && form.hasAttribute("data-liptako-form")) {
      save(form);
    }
  });
  document.addEventListener("change", function (event) {
    var form = formOf(event.target);
    if (form && form.hasAttribute("data-liptako-form")) {
      save(form);
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-liptako-form") && keptFields(form).length) {
      save(form);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = formOf(event.detail && event.detail.elt);
    if (form && form.hasAttribute("data-liptako-form") && event.detail.successful &&
        (event.detail.requestConfig || {}).verb === "post") {
      forget(form);
      keyInput(form).value = newKey();
    }
  });
  document.addEventListener("htmx:load", function (event) {
    prepare(event.target);
  });

  forgetSubmitted();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      prepare(document);
    });
  } else {
    prepare(document);
  }
})();
