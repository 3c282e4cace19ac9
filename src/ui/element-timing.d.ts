/**
 * The Element Timing API's attribute (Chromium): an element carrying it is reported, with the
 * time it was first on screen, to a `PerformanceObserver` of type "element". Preact sets it like
 * any attribute; its JSX types do not list it.
 */
import "preact";

declare module "preact" {
  interface HTMLAttributes<RefType extends EventTarget = EventTarget> {
    elementtiming?: string;
  }
}
