/**
 * A message's HTML, shown as the recipient's mail client would, in a frame that cannot run it: a
 * `sandbox` without `allow-scripts` (and without `allow-same-origin`, so the frame is an opaque
 * origin that can read nothing of the console), filled through `srcdoc` so the HTML never
 * becomes a URL. The frame inherits the console's Content-Security-Policy, so remote images and
 * other loads stay blocked too.
 */
export function MessageFrame({ html, title }: { html: string; title: string }) {
  return <iframe class="message-frame" title={title} sandbox="" referrerpolicy="no-referrer" srcdoc={html} />;
}
