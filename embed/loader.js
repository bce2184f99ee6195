/* Connect360 Chat loader: the one script a merchant adds.
 *
 *   <script async src="https://chat.example.com/widget/loader.js"
 *           data-endpoint="https://chat.example.com" data-channel="example.com"></script>
 *
 * It defines window.Connect360 (calls are queued until the widget has loaded), paints the
 * launcher at once inside an open shadow root, and loads the WebAssembly widget only when the
 * visitor shows interest (pointer over or focus on the launcher, a click, an API call that needs
 * it). Plain ES5-style JS, no dependencies, nothing global but Connect360.
 */
(function () {
  'use strict';
  var w = window;
  var d = document;
  // A stub the page defined before this script (README, "Calls before the loader") holds its
  // calls in .q, as [name, ...args]; they run below, in order, once the API exists.
  var stub = w.Connect360;
  if (stub && stub.__loaded) return; // a second copy of the script: one widget
  var script = d.currentScript;
  var base = script ? script.src.replace(/\/[^/]*$/, '') : '';
  var KEYS = ['endpoint', 'channel', 'locale', 'position', 'color', 'theme', 'title', 'greeting', 'open', 'sound'];
  var settings = {};
  var given = w.Connect360Settings || {};
  KEYS.forEach(function (k) {
    var attr = 'data-' + k.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); });
    var v = script && script.getAttribute(attr);
    if (v == null && given[k] != null) v = String(given[k]);
    if (v != null) settings[k] = v;
  });
  if (!settings.endpoint) settings.endpoint = base.replace(/\/widget$/, '');

  var queue = [];
  var listeners = {};
  var widget = null;
  var loading = false;
  var host = null;

  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try { fn(detail); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }

  function call(name, args) {
    if (widget) return widget[name].apply(widget, args);
    queue.push([name, args]);
    load();
  }

  // The merchant's accent, with dark text where white would fall under 4.5:1 (as the widget
  // does), so the painted launcher already has its final colours.
  function accent(color) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color || '');
    if (!m) return;
    var hex = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    var lum = [0, 2, 4].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    host.style.setProperty('--c360-accent', '#' + hex);
    host.style.setProperty('--c360-on-accent', 1.05 / (l + 0.05) >= 4.5 ? '#ffffff' : '#1f1f1f');
  }

  function mountHost() {
    if (host && d.body.contains(host)) return;
    if (!host) {
      host = d.createElement('div');
      host.setAttribute('data-connect360', '');
      KEYS.forEach(function (k) {
        if (settings[k] != null) host.setAttribute('data-' + k.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }), settings[k]);
      });
      accent(settings.color);
      var root = host.attachShadow({ mode: 'open' });
      var css = d.createElement('link');
      css.rel = 'stylesheet';
      css.href = base + '/widget.css';
      root.appendChild(css);
      var boot = d.createElement('div');
      boot.className = 'c360-boot c360-widget' + (settings.position === 'left' ? ' c360-widget--left' : '');
      var button = labelled('button', 'c360-launcher', null, T[11]);
      button.setAttribute('aria-expanded', 'false');
      icon(button, BUBBLE, 'c360-launcher-icon');
      button.addEventListener('pointerenter', load);
      button.addEventListener('focus', load);
      button.addEventListener('pointerdown', function () { held = true; });
      button.addEventListener('keydown', function (e) { if (e.key === ' ') held = true; });
      button.addEventListener('keyup', letGo);
      button.addEventListener('blur', letGo);
      button.addEventListener('click', function () {
        if (widget) widget.launcherToggle();
        else { showShell(!shell || shell.hidden); load(); }
      });
      boot.setAttribute('lang', lang);
      boot.setAttribute('dir', lang === 'ar' ? 'rtl' : 'ltr');
      boot.addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && !e.isComposing && shell && !shell.hidden) { e.stopPropagation(); showShell(false); }
      });
      boot.appendChild(button);
      root.appendChild(boot);
    }
    d.body.appendChild(host);
  }

  // The panel's frame, painted by the loader on the first tap, before the wasm has arrived:
  // the widget's own classes (widget.css), a real composer that takes text and Enter, and, if
  // the wasm cannot load, the reason and a Retry. The widget takes it over when it mounts
  // (src/embed.rs): text, caret and focus carry over, and messages sent here are queued.
  var TEXTS = {
    en: ['Chat with us', 'Hi! How can we help?', 'Connecting…', 'Message', 'Write a message…', 'Send',
      'Close chat', 'Attach files', 'Conversation', 'The chat could not load.', 'Retry', 'Open chat'],
    ar: ['تحدث معنا', 'مرحبًا! كيف يمكننا المساعدة؟', 'جارٍ الاتصال…', 'الرسالة', 'اكتب رسالة…', 'إرسال',
      'إغلاق المحادثة', 'إرفاق ملفات', 'المحادثة', 'تعذّر تحميل المحادثة.', 'إعادة المحاولة', 'فتح المحادثة'],
    tr: ['Bizimle sohbet edin', 'Merhaba! Size nasıl yardımcı olabiliriz?', 'Bağlanılıyor…', 'Mesaj',
      'Bir mesaj yazın…', 'Gönder', 'Sohbeti kapat', 'Dosya ekle', 'Sohbet', 'Sohbet yüklenemedi.', 'Tekrar dene',
      'Sohbeti aç']
  };
  function pick(tag) {
    var code = String(tag || '').trim().split(/[-_]/)[0].toLowerCase();
    return TEXTS[code] ? code : null;
  }
  var lang = pick(settings.locale) || pick(w.navigator.language) || 'en';
  var T = TEXTS[lang];
  // As the widget reads data-title and data-greeting: trimmed, no control characters, 120 at most.
  function own(text, fallback) {
    var t = Array.from(String(text || '').trim()).filter(function (c) { return !/[\u0000-\u001f\u007f-\u009f]/.test(c); });
    return t.length ? t.slice(0, 120).join('') : fallback;
  }
  var shell = null;
  var shellInput = null;
  var shellSend = null;
  var shellError = null;

  function el(tag, cls, parent) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  // The launcher's speech bubble (the widget's own launcher draws the same).
  var BUBBLE = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
  function icon(parent, path, cls) {
    var SVG = 'http://www.w3.org/2000/svg';
    var svg = d.createElementNS(SVG, 'svg');
    if (cls) svg.setAttribute('class', cls);
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var p = d.createElementNS(SVG, 'path');
    p.setAttribute('d', path);
    svg.appendChild(p);
    parent.appendChild(svg);
    return svg;
  }
  function labelled(tag, cls, parent, label) {
    var b = el(tag, cls, parent);
    if (tag === 'button') b.type = 'button';
    b.setAttribute('aria-label', label);
    return b;
  }

  function buildShell() {
    var boot = host.shadowRoot.querySelector('.c360-boot');
    shell = el('section', 'c360-panel c360-shell');
    shell.setAttribute('role', 'dialog');
    shell.setAttribute('aria-labelledby', 'c360-shell-title');
    var header = el('header', 'c360-header', shell);
    var heading = el('div', 'c360-heading', header);
    var title = el('h2', 'c360-title', heading);
    title.id = 'c360-shell-title';
    title.textContent = own(settings.title, T[0]);
    el('p', 'c360-presence', heading).textContent = T[2];
    var close = labelled('button', 'c360-close', header, T[6]);
    icon(close, 'M6 6l12 12M18 6L6 18');
    close.addEventListener('click', function () { showShell(false); });
    var log = labelled('div', 'c360-transcript', shell, T[8]);
    log.setAttribute('role', 'log');
    log.tabIndex = 0;
    el('p', 'c360-greeting', log).textContent = own(settings.greeting, T[1]);
    var form = el('form', 'c360-composer', shell);
    var attach = labelled('button', 'c360-attach', form, T[7]);
    attach.setAttribute('aria-disabled', 'true');
    icon(attach, 'M21 11l-9 9a5 5 0 0 1-7-7l9-9a3 3 0 0 1 5 5l-9 9a1 1 0 0 1-2-2l8-8');
    shellInput = labelled('textarea', 'c360-input', form, T[3]);
    shellInput.rows = 1;
    shellInput.maxLength = 3072;
    shellInput.placeholder = T[4];
    shellInput.dir = 'auto';
    shellSend = labelled('button', 'c360-send', form, T[5]);
    shellSend.type = 'submit';
    shellSend.disabled = true;
    icon(shellSend, 'M3 20l18-8L3 4v6l12 2-12 2z');
    shellInput.addEventListener('input', function () { shellSend.disabled = !shellInput.value.trim(); });
    shellInput.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        sendEarly(log);
      }
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); sendEarly(log); });
    boot.insertBefore(shell, boot.firstChild);
  }

  // A message sent before the widget is ready: shown as sending, queued for the widget.
  function sendEarly(log) {
    var text = shellInput.value;
    if (!text.trim()) return;
    queue.push(['sendMessage', [text]]);
    el('div', 'c360-bubble c360-bubble--pending', el('div', 'c360-row c360-row--mine', log)).textContent = text;
    shellInput.value = '';
    shellSend.disabled = true;
    load(); // after a failed load too: the message is not left waiting for a Retry
  }

  function showShell(open) {
    if (!shell) buildShell();
    shell.hidden = !open;
    var launcher = host.shadowRoot.querySelector('.c360-boot .c360-launcher');
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', open ? T[6] : T[11]);
    var shape = launcher.querySelector('svg');
    launcher.replaceChild(open
      ? icon(d.createDocumentFragment(), 'M6 9l6 6 6-6', 'c360-launcher-icon c360-launcher-icon--open')
      : icon(d.createDocumentFragment(), BUBBLE, 'c360-launcher-icon'), shape);
    (open ? shellInput : launcher).focus({ preventScroll: true });
  }

  // The wasm did not arrive: say so where the visitor looks, keep what they wrote, offer Retry.
  function showLoadError() {
    if (!shell || shellError) return;
    shellError = el('div', 'c360-notice-band');
    var notice = el('p', 'c360-notice', shellError);
    notice.setAttribute('role', 'alert');
    notice.textContent = T[9] + ' ';
    var retry = el('button', 'c360-link-button', notice);
    retry.type = 'button';
    retry.textContent = T[10];
    retry.addEventListener('click', function () {
      shellError.parentNode.removeChild(shellError);
      shellError = null;
      shellInput.focus({ preventScroll: true });
      load();
    });
    shell.insertBefore(shellError, shell.querySelector('.c360-composer'));
  }

  // A press on the painted launcher still held when the widget arrives would lose its click:
  // the button it began on is replaced, and a click needs the press and the release on one
  // element. So the widget takes over only once the press is let go and its click has run.
  var held = false;
  var onRelease = null;
  function letGo() {
    if (!held) return;
    setTimeout(function () {
      held = false;
      if (onRelease) onRelease();
      onRelease = null;
    });
  }
  w.addEventListener('pointerup', letGo, true);
  w.addEventListener('pointercancel', letGo, true);
  function released() {
    return new Promise(function (go) { if (held) onRelease = go; else go(); });
  }

  // The conversation's stylesheet (all but the frame widget.css paints), fetched beside the
  // wasm and linked after widget.css; the widget mounts once it applies, so nothing it draws
  // shows unstyled. A failed one is a failed load (Retry asks again).
  var conversationLink = null;
  var conversationStyled = false;
  function conversationStyles(retry) {
    var root = host.shadowRoot;
    if (conversationStyled) return Promise.resolve();
    if (conversationLink) root.removeChild(conversationLink);
    var link = conversationLink = d.createElement('link');
    link.rel = 'stylesheet';
    link.href = base + '/conversation.css' + retry;
    return new Promise(function (done, fail) {
      link.onload = function () { conversationStyled = true; done(); };
      link.onerror = function () { fail(new Error('conversation.css did not load')); };
      root.insertBefore(link, root.querySelector('.c360-boot'));
    });
  }

  var attempts = 0;
  var loadWhenMounted = false;
  function load() {
    if (loading || widget) return;
    // A call before <body> exists: the widget needs its host; ready() loads it then.
    if (!host) { loadWhenMounted = true; return; }
    loading = true;
    if (shellError) { shellError.parentNode.removeChild(shellError); shellError = null; }
    // A browser remembers a failed module import by URL: a retry asks under another one.
    var retry = attempts++ ? '?retry=' + attempts : '';
    var styled = conversationStyles(retry);
    styled.catch(function () {}); // reported by the chain below, whichever fails first
    // The wasm is fetched beside the glue, not one round trip after it.
    var wasm = fetch(base + '/connect360-widget_bg.wasm');
    wasm.catch(function () {});
    import(base + '/connect360-widget.js' + retry).then(function (mod) {
      return mod.default({ module_or_path: wasm }).then(function () {
        return styled;
      }).then(released).then(function () {
        widget = mod.start(host, emit);
        var pending = queue;
        queue = [];
        // One call that throws does not cost the ones after it (a message typed in the shell).
        pending.forEach(function (c) {
          try { widget[c[0]].apply(widget, c[1]); } catch (e) { setTimeout(function () { throw e; }); }
        });
        emit('ready', widget.getState());
      });
    }).catch(function (error) {
      loading = false;
      showLoadError();
      emit('error', { message: 'The chat could not load', cause: String(error) });
    });
  }

  // Connect360('open') works as Connect360.open() does, so a page's stub may use either.
  var api = function (name) {
    var fn = typeof name === 'string' && METHODS.indexOf(name) >= 0 && api[name];
    if (fn) return fn.apply(api, [].slice.call(arguments, 1));
    if (w.console) w.console.warn('Connect360: no such call: ' + name);
  };
  var METHODS = ['open', 'close', 'toggle', 'show', 'hide', 'identify', 'logout', 'setLocale',
    'sendMessage', 'getState', 'on'];
  var methods = {
    open: function () { call('open', []); },
    close: function () { call('close', []); },
    toggle: function () { call('toggle', []); },
    show: function () { call('show', []); },
    hide: function () { call('hide', []); },
    identify: function (options) { call('identify', [String((options && options.token) || '')]); },
    logout: function () { call('logout', []); },
    setLocale: function (lang) { call('setLocale', [String(lang)]); },
    sendMessage: function (text) { call('sendMessage', [String(text)]); },
    getState: function () {
      return widget ? widget.getState() : { visitorId: null, conversationId: null, open: false, unread: 0 };
    },
    on: function (name, fn) {
      (listeners[name] = listeners[name] || []).push(fn);
      return function () {
        listeners[name] = (listeners[name] || []).filter(function (f) { return f !== fn; });
      };
    }
  };
  METHODS.forEach(function (m) { api[m] = methods[m]; });
  api.__loaded = true;
  w.Connect360 = api;
  var early = stub && stub.q;
  if (early && early.length) {
    for (var i = 0; i < early.length; i++) api.apply(null, [].slice.call(early[i]));
  }

  // A returning visitor (a stored session for this endpoint) gets the widget when the browser
  // is idle, so the unread badge stays live; a first-time visitor only on interest.
  function returning() {
    try {
      var prefix = 'c360:' + settings.endpoint.replace(/\/$/, '') + '|';
      for (var i = 0; i < w.localStorage.length; i++) {
        if (w.localStorage.key(i).indexOf(prefix) === 0) return true;
      }
    } catch (e) { /* storage blocked: treat as new */ }
    return false;
  }

  function ready() {
    mountHost();
    if (loadWhenMounted) load();
    if (settings.open === 'true') call('open', []);
    else if (returning()) (w.requestIdleCallback || function (f) { setTimeout(f, 1000); })(load);
    // Single-page apps may replace <body> or its content: put the widget back. Only direct
    // children are watched, so busy pages pay nothing for their own updates.
    var watched = null;
    var observer = new MutationObserver(function () {
      if (!d.body) return;
      if (watched !== d.body) { watched = d.body; observer.observe(watched, { childList: true }); }
      if (host.parentNode !== d.body) d.body.appendChild(host);
    });
    observer.observe(d.documentElement, { childList: true });
    watched = d.body;
    observer.observe(watched, { childList: true });
  }
  if (d.body) ready(); else d.addEventListener('DOMContentLoaded', ready);
})();
