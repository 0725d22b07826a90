// Canned replies on the agent's ticket page: "Insert" puts the chosen
// reply (its placeholders already filled by the server, in the option's
// data-text) into the reply box at the cursor, without reloading the page.
// Without this script the button posts the form and the page comes back
// with the reply added to the box.
(function () {
  'use strict';
  document.querySelectorAll('button[data-canned-insert]').forEach(function (button) {
    var form = button.form;
    if (!form) return;
    var select = form.querySelector('select[name="canned"]');
    var box = form.querySelector('textarea[name="body"]');
    if (!select || !box) return;
    var start = 0;
    var end = 0;
    // Where the cursor was before the select or the button took the focus.
    var remember = function () {
      start = box.selectionStart;
      end = box.selectionEnd;
    };
    remember();
    ['keyup', 'click', 'select', 'input', 'blur'].forEach(function (type) {
      box.addEventListener(type, remember);
    });
    button.addEventListener('click', function (event) {
      var option = select.options[select.selectedIndex];
      // Nothing chosen: let the server say so, as without JavaScript.
      if (!option || !option.value) return;
      event.preventDefault();
      var text = option.getAttribute('data-text') || '';
      var value = box.value;
      var from = Math.min(start, value.length);
      var to = Math.min(Math.max(end, from), value.length);
      box.value = value.slice(0, from) + text + value.slice(to);
      var caret = from + text.length;
      box.focus();
      box.setSelectionRange(caret, caret);
      start = end = caret;
      box.dispatchEvent(new Event('input', { bubbles: true }));
    });
  });
})();
