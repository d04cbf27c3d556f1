// The service worker: shows reminders pushed by the server, and answers the notification's
// "Taken" and "Snooze 30 min" buttons by posting the signed token the push carried.
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  var title = data.title || "Magnesium tracker";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.token ? "dose-" + data.token.slice(0, 16) : "mg-tracker",
    data: data,
    actions: data.token ? [
      { action: "taken", title: "Taken" },
      { action: "snooze", title: "Snooze 30 min" }
    ] : []
  }));
});

function post(data, action) {
  var body = new URLSearchParams();
  body.set("token", data.token);
  body.set("action", action);
  return fetch(data.action_url || "/routine/push/action/", {
    method: "POST", body: body, credentials: "omit"
  });
}

self.addEventListener("notificationclick", function (event) {
  var data = event.notification.data || {};
  event.notification.close();
  if ((event.action === "taken" || event.action === "snooze") && data.token) {
    event.waitUntil(post(data, event.action));
    return;
  }
  event.waitUntil(self.clients.openWindow(data.url || "/"));
});
