// The trainer page without reloads: forms are sent in the background and the chat
// is long-polled (/p/ID/chat?v=VERSION answers when it changes). Without this script
// the same forms post and redirect back.
"use strict";
(function () {
  const phone = document.querySelector(".phone");
  const chat = document.getElementById("chat");
  if (!phone || !chat) return;
  const base = "/p/" + phone.dataset.person;

  function version() {
    const box = chat.querySelector(".messages");
    return box ? box.dataset.version : "";
  }

  function show(html) {
    if (!html) return;
    chat.innerHTML = html;
    chat.scrollTop = chat.scrollHeight;
  }

  async function poll() {
    for (;;) {
      try {
        const answer = await fetch(base + "/chat?v=" + encodeURIComponent(version()));
        if (answer.status === 205) { window.location.assign("/"); return; }
        if (answer.status === 200) show(await answer.text());
        else if (answer.status !== 204) await pause(2000);
      } catch (error) {
        await pause(2000); // the sandbox is restarting or stopped: try again shortly
      }
    }
  }

  function pause(ms) { return new Promise((done) => setTimeout(done, ms)); }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const action = form.getAttribute("action") || "";
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!action.startsWith(base + "/")) return; // switching person, reset: a normal post
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const input = form.querySelector("input[name=text]:not([type=hidden])");
    if (input) input.value = "";
    phone.classList.add("busy");
    try {
      const answer = await fetch(action, {
        method: "POST", body, headers: { "X-Requested-With": "fetch" },
      });
      show(await answer.text());
    } finally {
      phone.classList.remove("busy");
      if (input) input.focus();
    }
  });

  chat.scrollTop = chat.scrollHeight;
  poll();
})();
