/**
 * Who is signed in: the access key, its secret and the region, kept in this tab's sessionStorage
 * only (gone when the tab closes; never in localStorage, a cookie or a URL). The console's other
 * choices (the project) are not secret and live beside it.
 */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const KEY = "pinrec.console.session";
const PROJECT = "pinrec.console.project";

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as Partial<Session>;
    return s.accessKeyId && s.secretAccessKey && s.region
      ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, region: s.region }
      : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(PROJECT);
}

export const loadProject = () => sessionStorage.getItem(PROJECT) ?? undefined;
export const saveProject = (id: string | undefined) => (id ? sessionStorage.setItem(PROJECT, id) : sessionStorage.removeItem(PROJECT));
