// Attachments on the portal's forms: drop files on the message box or
// paste a screenshot into it, and they join the form's file field. The
// form works without this script (the file field is a normal one).
(function () {
  "use strict";
  function addFiles(input, files) {
    if (!files || !files.length || typeof DataTransfer === "undefined") return;
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
    Array.prototype.forEach.call(files, function (f, i) {
      var name = f.name && f.name !== "image.png" ? f.name
        : "pasted-" + new Date().toISOString().replace(/[:.]/g, "-") + "-" + i + ".png";
      all.items.add(new File([f], name, { type: f.type }));
    });
    input.files = all.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.querySelectorAll("[data-drop-files]").forEach(function (field) {
    var input = field.querySelector("input[type=file]");
    var form = field.closest("form");
    if (!input || !form) return;
    var box = form.querySelector("textarea") || field;
    [box, field].forEach(function (target) {
      target.addEventListener("dragover", function (e) {
        if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0) {
          e.preventDefault();
          field.classList.add("file-field-over");
        }
      });
      target.addEventListener("dragleave", function () { field.classList.remove("file-field-over"); });
      target.addEventListener("drop", function (e) {
        if (!e.dataTransfer || !e.dataTransfer.files.length) return;
        e.preventDefault();
        field.classList.remove("file-field-over");
        addFiles(input, e.dataTransfer.files);
      });
    });
    box.addEventListener("paste", function (e) {
      var items = (e.clipboardData && e.clipboardData.files) || [];
      if (items.length) {
        e.preventDefault();
        addFiles(input, items);
      }
    });
  });
})();
