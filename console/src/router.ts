/** Hash routes (`#/templates/EMAIL/picks`): the server serves one page, and nothing of the route reaches it or its logs. */
import { useEffect, useState } from "preact/hooks";

export function currentRoute(): string[] {
  return window.location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p !== "")
    .map((p) => decodeURIComponent(p));
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join("/")}`;

export function navigate(...parts: string[]): void {
  window.location.hash = href(...parts).slice(1);
}
