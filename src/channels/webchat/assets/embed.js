// One <script src=".../embed.js" async></script> adds a chat button that opens the helpdesk in an iframe.
// Optional attributes on the script tag: data-locale="en-US", data-user-assertion="<signed JWT from the host site>".
(function (settings) {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__helpdeskWebChat) return;
  window.__helpdeskWebChat = true;
  var base = new URL(script.src).origin;
  var requested = script.getAttribute('data-locale') || navigator.language || '';
  var locale = /^en/i.test(requested) ? 'en-US' : 'ja-JP';
  var text = settings.text[locale];
  var assertion = script.getAttribute('data-user-assertion');

  var button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('aria-label', text.open);
  button.setAttribute('aria-expanded', 'false');
  button.title = text.open;
  button.setAttribute('data-helpdesk', 'open');
  button.style.cssText =
    'position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;' +
    'box-shadow:0 4px 12px rgba(0,0,0,.3);z-index:2147483000;display:flex;align-items:center;justify-content:center;' +
    'background:' + settings.accent + ';';
  button.innerHTML =
    '<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true"><path fill="#fff" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';

  var frame = null;
  function toggle() {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = text.open;
      frame.setAttribute('data-helpdesk', 'chat');
      frame.src = base + '/webchat?embed=1&locale=' + locale + (assertion ? '#ua=' + encodeURIComponent(assertion) : '');
      frame.style.cssText =
        'position:fixed;right:20px;bottom:88px;width:min(400px,calc(100vw - 40px));height:min(600px,calc(100vh - 120px));' +
        'border:0;border-radius:12px;box-shadow:0 8px 24px rgba(0,0,0,.3);background:#fff;z-index:2147483000;';
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    var open = !frame.hidden;
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.setAttribute('aria-label', open ? text.close : text.open);
    button.title = open ? text.close : text.open;
  }
  button.addEventListener('click', toggle);

  function mount() {
    document.body.appendChild(button);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})(__HELPDESK_SETTINGS__);
