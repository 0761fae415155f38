/*
 * Liptako signing in the browser (no framework, no CDN).
 *
 * Key creation: an Ed25519 key pair is generated with Web Crypto; the private key (PKCS#8)
 * is encrypted with AES-GCM under a key derived from the passphrase by PBKDF2-SHA-256
 * (600 000 rounds). Only the raw public key and the encrypted blob are sent to the server.
 *
 * Signing: the encrypted blob is fetched, decrypted with the passphrase, and the exact
 * statement bytes the server issued (given base64 in the page) are signed. Only the
 * signature (base64) is posted. The passphrase and the private key never leave the browser.
 */
(function () {
  "use strict";

  var ITERATIONS = 600000;
  var FORMAT = "liptako.wrapped-key/1";

  function toBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return window.btoa(text);
  }

  function fromBase64(text) {
    var binary = window.atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function supported() {
    return Boolean(window.crypto && window.crypto.subtle && window.isSecureContext !== false);
  }

  async function passphraseKey(passphrase, salt, iterations) {
    var material = await crypto.subtle.importKey(
      "raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]
    );
    return crypto.subtle.deriveKey(
      { name: "PBKDF2", salt: salt, iterations: iterations, hash: "SHA-256" },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"]
    );
  }

  async function createKey(passphrase) {
    var pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    var pkcs8 = await crypto.subtle.exportKey("pkcs8", pair.privateKey);
    var publicRaw = await crypto.subtle.exportKey("raw", pair.publicKey);
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var wrappingKey = await passphraseKey(passphrase, salt, ITERATIONS);
    var ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, wrappingKey, pkcs8);
    return {
      publicKey: toBase64(publicRaw),
      wrapped: {
        format: FORMAT,
        salt: toBase64(salt),
        iterations: ITERATIONS,
        iv: toBase64(iv),
        ciphertext: toBase64(ciphertext)
      }
    };
  }

  // Resolves to the base64 signature; rejects with "wrong-passphrase" when decryption fails.
  async function signStatement(wrapped, passphrase, statementBytes) {
    var wrappingKey = await passphraseKey(passphrase, fromBase64(wrapped.salt), wrapped.iterations);
    var pkcs8;
    try {
      pkcs8 = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(wrapped.iv) }, wrappingKey, fromBase64(wrapped.ciphertext)
      );
    } catch (error) {
      throw new Error("wrong-passphrase");
    }
    var privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    var signature = await crypto.subtle.sign({ name: "Ed25519" }, privateKey, statementBytes);
    return toBase64(signature);
  }

  function setupKeygen(form) {
    var section = document.getElementById("browser-keygen-section");
    var status = document.getElementById("keygen-status");
    if (!supported()) {
      return;
    }
    section.hidden = false;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var first = document.getElementById("keygen-passphrase");
      var second = document.getElementById("keygen-passphrase-again");
      if (first.value.length < 12) {
        status.textContent = form.dataset.msgShort;
        return;
      }
      if (first.value !== second.value) {
        status.textContent = form.dataset.msgMismatch;
        return;
      }
      status.textContent = form.dataset.msgWorking;
      try {
        var created = await createKey(first.value);
        first.value = "";
        second.value = "";
        form.elements.public_key.value = created.publicKey;
        form.elements.wrapped_private_key.value = JSON.stringify(created.wrapped);
        form.submit();
      } catch (error) {
        status.textContent = form.dataset.msgUnsupported;
      }
    });
  }

  function setupSigning(form) {
    var status = document.getElementById("sign-status");
    var upload = document.getElementById("signature-upload");
    if (!supported() || !upload) {
      return;
    }
    form.hidden = false;
    var busy = false;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      var passphraseInput = document.getElementById("sign-passphrase");
      status.textContent = form.dataset.msgWorking;
      try {
        var response = await fetch(form.dataset.wrappedKeyUrl, {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        });
        if (!response.ok) {
          throw new Error("no-key");
        }
        var key = await response.json();
        var signature = await signStatement(
          key.wrapped_private_key, passphraseInput.value, fromBase64(form.dataset.statement)
        );
        passphraseInput.value = "";
        upload.elements.signature.value = signature;
        upload.submit();
      } catch (error) {
        passphraseInput.value = "";
        status.textContent = error.message === "wrong-passphrase"
          ? form.dataset.msgWrongPassphrase
          : form.dataset.msgUnsupported;
        busy = false;
      }
    });
  }

  function start() {
    var keygen = document.getElementById("browser-keygen");
    if (keygen) {
      setupKeygen(keygen);
    }
    var sign = document.getElementById("browser-sign");
    if (sign) {
      setupSigning(sign);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
