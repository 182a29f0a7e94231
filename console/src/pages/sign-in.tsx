/**
 * Sign-in: an access key of the server's credentials file, checked by one signed call before
 * anything is kept. A refused key shows the API's own error and nothing else; a working one is
 * kept in this tab's sessionStorage only.
 */
import { useState } from "preact/hooks";
import { GetRecommenderConfigurationsCommand } from "@aws-sdk/client-pinpoint";
import { clientsFor, describeError } from "../aws";
import type { Session } from "../session";
import { ErrorMessage, Field } from "../components/ui";

export function SignIn({ onSignedIn }: { onSignedIn(s: Session): void }) {
  const [accessKeyId, setAccessKeyId] = useState("");
  const [secretAccessKey, setSecret] = useState("");
  const [region, setRegion] = useState("us-east-1");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    const session = { accessKeyId: accessKeyId.trim(), secretAccessKey, region: region.trim() };
    try {
      await clientsFor(session).pinpoint.send(new GetRecommenderConfigurationsCommand({ PageSize: "1" }));
      onSignedIn(session);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to pinrec</h1>
        <p class="muted">
          Use an access key from the server's credentials (<code>pinrec credentials show</code>). Every request is signed in this browser;
          the secret stays in this tab only.
        </p>
        <Field label="Access key ID" value={accessKeyId} onInput={setAccessKeyId} required autoComplete="username" name="accessKeyId" />
        <Field
          label="Secret access key"
          type="password"
          value={secretAccessKey}
          onInput={setSecret}
          required
          autoComplete="current-password"
          name="secretAccessKey"
        />
        <Field
          label="Region"
          value={region}
          onInput={setRegion}
          required
          name="region"
          hint="The AWS Region your resources are in, e.g. us-east-1"
        />
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
