/** The shell: sign-in until a key works, then the navigation, the project picker and the page. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { GetAppsCommand } from "@aws-sdk/client-pinpoint";
import { clientsFor } from "./aws";
import { PAGES } from "./pages";
import { href, navigate, useRoute } from "./router";
import { clearSession, loadProject, loadSession, saveProject, saveSession, type Session } from "./session";
import { SignIn } from "./pages/sign-in";
import { useLoad } from "./use-load";
import { ErrorMessage } from "./components/ui";

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  if (!session) {
    return (
      <SignIn
        onSignedIn={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Console
      session={session}
      onSignOut={() => {
        clearSession();
        setSession(undefined);
        navigate();
      }}
    />
  );
}

function Console({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const clients = useMemo(() => clientsFor(session), [session]);
  const route = useRoute();
  const page = PAGES.find((p) => p.path === route[0]) ?? PAGES[0];
  const [projectId, setProjectId] = useState<string | undefined>(loadProject);
  const apps = useLoad(
    async () => (await clients.pinpoint.send(new GetAppsCommand({ PageSize: "100" }))).ApplicationsResponse?.Item ?? [],
    [clients],
  );
  useEffect(() => {
    // The first project is chosen until the user picks one; a deleted one is forgotten.
    if (!apps.data) return;
    if (!projectId || !apps.data.some((a) => a.Id === projectId)) choose(apps.data[0]?.Id);
  }, [apps.data]);
  const choose = (id: string | undefined) => {
    saveProject(id);
    setProjectId(id);
  };
  useEffect(() => {
    document.title = `${page.title} · pinrec console`;
  }, [page]);
  const Page = page.component;
  return (
    <div class="shell">
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link: it moves focus to the main region, its href the fallback */}
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">pinrec console</span>
        <div class="project">
          <label for="project">Project</label>
          <select id="project" value={projectId ?? ""} onChange={(e) => choose((e.target as HTMLSelectElement).value || undefined)}>
            {(apps.data ?? []).length === 0 && <option value="">(no projects)</option>}
            {(apps.data ?? []).map((a) => (
              <option key={a.Id} value={a.Id}>
                {a.Name} ({a.Id})
              </option>
            ))}
          </select>
        </div>
        <span class="who" title="Signed-in access key and region">
          {session.accessKeyId} · {session.region}
        </span>
        <button type="button" class="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav class="side" aria-label="Console">
        <ul>
          {PAGES.map((p) => (
            <li key={p.path}>
              <a href={href(p.path)} aria-current={p === page ? "page" : undefined}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <ErrorMessage error={apps.error} />
        <Page clients={clients} route={route.slice(1)} projectId={projectId} />
      </main>
    </div>
  );
}
