// Starts the Connect360 Chat widget served under /widget/ (its wasm loads next to it).
import init from '/widget/connect360-widget.js';

init({ module_or_path: new URL('/widget/connect360-widget_bg.wasm', window.location.href) });
