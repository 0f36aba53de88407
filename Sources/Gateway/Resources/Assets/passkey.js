// Passkeys on the pages (docs/passkeys.md, "On the pages"). Each form marked data-passkey="get"
// (sign in, second step) or "create" (the console's new passkey) runs a WebAuthn ceremony when
// submitted: it posts its own fields to data-options for the ceremony's options, asks the
// browser's authenticator, and posts the answer in its challenge_id and credential fields. The
// forms stay hidden in a browser without WebAuthn; the rest of each page works without script.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBase64URL(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64URL(text) {
    var padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice(0, (4 - (text.length % 4)) % 4);
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function withIDs(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: fromBase64URL(item.id) };
    });
  }

  // The options JSON as the browser's API takes it (PublicKeyCredential.parse…FromJSON where the
  // browser has it).
  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    var options = Object.assign({}, json);
    options.challenge = fromBase64URL(json.challenge);
    options.allowCredentials = withIDs(json.allowCredentials);
    return options;
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    var options = Object.assign({}, json);
    options.challenge = fromBase64URL(json.challenge);
    options.user = Object.assign({}, json.user, { id: fromBase64URL(json.user.id) });
    options.excludeCredentials = withIDs(json.excludeCredentials);
    return options;
  }

  // The credential as JSON, binary fields base64url (PublicKeyCredential.toJSON's shape).
  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    var response = credential.response;
    var json = { id: credential.id, rawId: toBase64URL(credential.rawId), type: credential.type, response: {} };
    ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"].forEach(function (name) {
      if (response[name]) json.response[name] = toBase64URL(response[name]);
    });
    return json;
  }

  function say(form, text) {
    var box = form.querySelector("[data-passkey-error]");
    box.textContent = text;
    box.hidden = false;
  }

  async function ceremony(form) {
    var fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "challenge_id" && name !== "credential") fields.append(name, value);
    });
    var answer = await fetch(form.getAttribute("data-options"), {
      method: "POST", body: fields, credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!answer.ok) {
      var problem = await answer.json().catch(function () { return {}; });
      var refused = answer.status === 401 || answer.status === 403 || answer.status === 423;
      throw { shown: form.getAttribute(refused && form.hasAttribute("data-refused") ? "data-refused" : "data-failed"), problem: problem };
    }
    var options = await answer.json();
    var credential = form.getAttribute("data-passkey") === "create"
      ? await navigator.credentials.create({ publicKey: creationOptions(options.public_key) })
      : await navigator.credentials.get({ publicKey: requestOptions(options.public_key) });
    form.querySelector("[name=challenge_id]").value = options.challenge_id;
    form.querySelector("[name=credential]").value = JSON.stringify(credentialJSON(credential));
    // The password opened the ceremony; the answer does not repeat it.
    var password = form.querySelector("[name=current_password]");
    if (password) password.value = "";
    form.submit();
  }

  var forms = document.querySelectorAll("form[data-passkey]");
  for (var i = 0; i < forms.length; i++) {
    (function (form) {
      form.hidden = false;
      var busy = false;
      form.addEventListener("submit", function (event) {
        // A button of the form's list (remove) posts the form as it is, to its own action.
        if (event.submitter && event.submitter.hasAttribute("formaction")) return;
        event.preventDefault();
        if (busy) return;
        busy = true;
        form.querySelector("[data-passkey-error]").hidden = true;
        ceremony(form).catch(function (error) {
          busy = false;
          if (error && error.shown) return say(form, error.shown);
          // NotAllowedError: the person closed the browser's dialog, or it timed out.
          say(form, form.getAttribute(error && error.name === "NotAllowedError" ? "data-cancelled" : "data-failed"));
        });
      });
    })(forms[i]);
  }
})();
