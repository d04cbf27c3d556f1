// "Allow notifications here": subscribes this browser to Web Push with the server's VAPID key
// and sends the subscription to the server.
(function () {
  var button = document.getElementById("push-enable");
  var status = document.getElementById("push-status");
  if (!button) return;
  function say(text) { if (status) status.textContent = text; }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return match ? decodeURIComponent(match[1]) : (field ? field.value : "");
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    say("This browser cannot show notifications from web pages.");
    return;
  }
  button.addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("Notifications are blocked in this browser's settings."); return null; }
      return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.key)
        });
      }).then(function (subscription) {
        return fetch(button.dataset.url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify(subscription.toJSON())
        });
      }).then(function (response) {
        say(response && response.ok ? "Notifications are on for this device." : "Could not turn notifications on.");
      });
    }).catch(function () { say("Could not turn notifications on."); });
  });
})();
