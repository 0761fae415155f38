/*
 * Passkeys in the browser (WebAuthn), for the second factor only (decisions 0220, 0221).
 *
 * Two forms use it, found by id: "passkey-register" (the « Double authentification » page:
 * name the passkey, the browser creates it, the server keeps its public key) and
 * "passkey-login" (the code page: the browser signs the server's challenge with a passkey of
 * the account). The server's JSON endpoints are in data-* attributes, with the French
 * messages; the CSRF token is the form's hidden input. No inline script, nothing loaded from
 * elsewhere. Without WebAuthn (old browser, page not served from a secure origin) the forms
 * stay hidden and the "unsupported" note shows instead.
 */
(function () {
  "use strict";

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return window.btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function supported() {
    return Boolean(
      window.PublicKeyCredential && navigator.credentials && window.isSecureContext !== false
    );
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: fromBase64url(item.id), transports: item.transports };
    });
  }

  async function post(form, url, body) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
    var data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok || !data) {
      var failure = new Error("server");
      failure.detail = data && data.detail;
      throw failure;
    }
    return data;
  }

  function say(form, text) {
    var status = form.querySelector("[role=status]");
    status.textContent = text;
  }

  function failureText(form, error) {
    if (error && error.detail) {
      return error.detail;
    }
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
      return form.dataset.msgCancelled;
    }
    if (error && error.name === "InvalidStateError") {
      return form.dataset.msgAlreadyRegistered || form.dataset.msgFailed;
    }
    return form.dataset.msgFailed;
  }

  async function register(form) {
    var name = form.querySelector("input[name=name]").value.trim();
    if (!name) {
      say(form, form.dataset.msgName);
      return;
    }
    say(form, form.dataset.msgWorking);
    var options = await post(form, form.dataset.beginUrl);
    var publicKey = Object.assign({}, options, {
      challenge: fromBase64url(options.challenge),
      user: Object.assign({}, options.user, { id: fromBase64url(options.user.id) }),
      excludeCredentials: descriptors(options.excludeCredentials),
    });
    var credential = await navigator.credentials.create({ publicKey: publicKey });
    var response = credential.response;
    var result = await post(form, form.dataset.completeUrl, {
      name: name,
      credential: {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          attestationObject: toBase64url(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : [],
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
      },
    });
    say(form, form.dataset.msgDone);
    window.location.assign(result.redirect_url);
  }

  async function logIn(form) {
    say(form, form.dataset.msgWorking);
    var options = await post(form, form.dataset.beginUrl);
    var publicKey = Object.assign({}, options, {
      challenge: fromBase64url(options.challenge),
      allowCredentials: descriptors(options.allowCredentials),
    });
    var credential = await navigator.credentials.get({ publicKey: publicKey });
    var response = credential.response;
    var result = await post(form, form.dataset.completeUrl, {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toBase64url(response.authenticatorData),
        clientDataJSON: toBase64url(response.clientDataJSON),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    });
    say(form, form.dataset.msgDone);
    window.location.assign(result.redirect_url);
  }

  function wire(id, ceremony) {
    var form = document.getElementById(id);
    if (!form) {
      return;
    }
    if (!supported()) {
      var note = document.getElementById(id + "-unsupported");
      if (note) {
        note.hidden = false;
      }
      return;
    }
    form.hidden = false;
    var button = form.querySelector("button");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      try {
        await ceremony(form);
      } catch (error) {
        say(form, failureText(form, error));
      } finally {
        button.disabled = false;
      }
    });
  }

  function start() {
    wire("passkey-register", register);
    wire("passkey-login", logIn);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
