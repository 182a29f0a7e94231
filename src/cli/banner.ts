/** What the server tells a person on start-up. */

export function printGeneratedCredentials(server: { url: string; credentials: { accessKeyId: string; secretAccessKey: string; accountId: string }[]; generatedCredentials?: string }) {
  const c = server.credentials[0];
  process.stderr.write(
    [
      "",
      `pinrec generated an access key for account ${c.accountId} in ${server.generatedCredentials}`,
      "Use it with the AWS CLI or any AWS SDK by pointing the endpoint URL at this server:",
      "",
      `  export AWS_ACCESS_KEY_ID=${c.accessKeyId}`,
      `  export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}`,
      "  export AWS_DEFAULT_REGION=us-east-1",
      `  aws pinpoint get-recommender-configurations --endpoint-url ${server.url}`,
      "",
    ].join("\n") + "\n",
  );
}

