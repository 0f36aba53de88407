// The approval page, live: new requests arrive from the inbox's event stream without a reload,
// each card counts down to its expiry, and the PIN pad types into the card's PIN field. The page
// works without this script too (a PIN field and two buttons per request).
(function () {
  "use strict";
  var list = document.getElementById("requests");
  var template = document.getElementById("request-template");
  var empty = document.getElementById("empty");
  var live = document.getElementById("live");
  if (!list || !template) return;
  document.body.classList.add("js");

  function showEmpty() {
    empty.hidden = list.querySelector(".request:not(.gone)") !== null;
  }

  function setPin(card, value) {
    var input = card.querySelector(".pin-input");
    input.value = value.slice(0, 6);
    var dots = card.querySelectorAll(".dots span");
    for (var i = 0; i < dots.length; i++) dots[i].classList.toggle("filled", i < input.value.length);
    card.querySelector(".approve").disabled = input.value.length !== 6;
  }

  function wire(card) {
    card.querySelector(".pad").addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key) return;
      var input = card.querySelector(".pin-input");
      if (key.hasAttribute("data-digit")) setPin(card, input.value + key.getAttribute("data-digit"));
      else if (key.hasAttribute("data-back")) setPin(card, input.value.slice(0, -1));
      else setPin(card, "");
    });
    card.querySelector(".pin-input").addEventListener("input", function (event) {
      setPin(card, event.target.value.replace(/[^0-9]/g, ""));
    });
    setPin(card, "");
  }

  function add(item) {
    if (document.getElementById("request-" + item.transaction_id)) return;
    var card = template.content.firstElementChild.cloneNode(true);
    card.id = "request-" + item.transaction_id;
    card.setAttribute("data-id", item.transaction_id);
    card.setAttribute("data-expires", String(Math.floor(Date.parse(item.expires_at) / 1000)));
    card.querySelector("[data-field=serviceProvider]").textContent = item.service_provider;
    card.querySelector("[data-field=purpose]").textContent = item.purpose;
    card.querySelector(".pin-form").action = "/approve/" + encodeURIComponent(item.transaction_id) + "/confirm";
    card.querySelector(".reject-form").action = "/approve/" + encodeURIComponent(item.transaction_id) + "/reject";
    var csrf = list.getAttribute("data-csrf");
    var fields = card.querySelectorAll("input[name=csrf]");
    for (var i = 0; i < fields.length; i++) fields[i].value = csrf;
    card.classList.add("arrived");
    list.insertBefore(card, list.firstChild);
    wire(card);
    tick();
    showEmpty();
  }

  function tick() {
    var now = Date.now() / 1000;
    var cards = list.querySelectorAll(".request");
    for (var i = 0; i < cards.length; i++) {
      var card = cards[i];
      var left = Math.max(0, Math.round(Number(card.getAttribute("data-expires")) - now));
      card.querySelector("[data-countdown]").textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      card.classList.toggle("urgent", left > 0 && left <= 30);
      if (left === 0 && !card.classList.contains("gone")) {
        card.classList.add("gone");
        var buttons = card.querySelectorAll("button");
        for (var j = 0; j < buttons.length; j++) buttons[j].disabled = true;
        showEmpty();
      }
    }
  }

  var cards = list.querySelectorAll(".request");
  for (var k = 0; k < cards.length; k++) wire(cards[k]);
  tick();
  setInterval(tick, 1000);

  if (!window.EventSource) return;
  var source = new EventSource("/approve/stream");
  source.addEventListener("open", function () { live.hidden = false; live.textContent = live.getAttribute("data-on"); live.classList.remove("off"); });
  source.addEventListener("error", function () { live.textContent = live.getAttribute("data-off"); live.classList.add("off"); });
  source.addEventListener("request", function (event) {
    try { add(JSON.parse(event.data)); } catch (ignored) { /* a malformed event is dropped */ }
  });
  // The console's sign-in ended: reloading asks to sign in again.
  source.addEventListener("revoked", function () { source.close(); window.location.reload(); });
})();
