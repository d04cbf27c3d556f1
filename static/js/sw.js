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
    tag: data.tag || "mg-tracker",
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

function answer(notification, action) {
  var data = notification.data || {};
  notification.close();
  if ((action === "taken" || action === "snooze") && data.token) return post(data, action);
  return self.clients.openWindow(data.url || "/");
}

self.addEventListener("notificationclick", function (event) {
  event.waitUntil(answer(event.notification, event.action));
});

// A page of the app may answer a notification shown on this device the way its buttons do
// ({type: "notification-action", tag, action}); the browser tests use it, as no test can
// press a button the operating system draws.
self.addEventListener("message", function (event) {
  var msg = event.data || {};
  if (msg.type !== "notification-action") return;
  event.waitUntil(self.registration.getNotifications({ tag: msg.tag }).then(function (shown) {
    return Promise.all(shown.map(function (n) { return answer(n, msg.action); }));
  }));
});
