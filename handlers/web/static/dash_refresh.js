// The round progress page reloads itself while a broadcast sends; without JavaScript the
// "Tải lại" link does the same by hand. Nothing else on the dashboard runs a script.
(function () {
  var me = document.currentScript;
  var seconds = Number(me.getAttribute("data-seconds")) || 5;
  var note = document.querySelector(".auto");
  if (note) { note.hidden = false; }
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
