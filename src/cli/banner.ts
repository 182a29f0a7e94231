/** What the server tells a person on start-up. */
import { dirname } from "node:path";

/**
 * Announces a freshly generated key: its id and where the secret is, never the secret itself, since
 * a server's output usually ends up in captured logs.
 */
export function printGeneratedCredentials(server: {
  url: string;
  credentials: { accessKeyId: string; accountId: string }[];
  generatedCredentials?: string;
}) {
  const c = server.credentials[0];
  const file = server.generatedCredentials!;
  process.stderr.write(
    [
      "",
      `pinrec generated an access key for account ${c.accountId} in ${file}`,
      `Access key id: ${c.accessKeyId}. The secret is in that file (readable only by you) and is not printed here.`,
      "Load the key into your shell and point the AWS CLI or any AWS SDK at this server:",
      "",
      `  eval "$(npx pinrec credentials show --data-dir ${dirname(file)})"`,
      `  aws pinpoint get-recommender-configurations --endpoint-url ${server.url}`,
      "",
    ].join("\n") + "\n",
  );
}
