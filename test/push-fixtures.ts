/** Push credentials made at test time: a Google service account, an APNs .p8 key, a TLS cert pair. */
import { generateKeyPairSync } from "node:crypto";
import selfsigned from "selfsigned";

/** A service account key file as the Google Cloud console downloads it; `tokenUri` is where its tokens come from. */
export function serviceAccount(tokenUri = "https://oauth2.googleapis.com/token", projectId = "pinrec-test") {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const json = {
    type: "service_account",
    project_id: projectId,
    private_key_id: "0123456789abcdef",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: `pinrec@${projectId}.iam.gserviceaccount.com`,
    client_id: "1234567890",
    token_uri: tokenUri,
  };
  return { json, text: JSON.stringify(json), publicKey };
}

/** An APNs token signing key (.p8: PKCS #8 EC P-256) and its public half, for verifying JWTs. */
export function apnsTokenKey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return { pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey };
}

/** A self-signed certificate and its key for `commonName` (a TLS server or an APNs client cert). */
export async function certificate(commonName = "127.0.0.1"): Promise<{ cert: string; key: string }> {
  const pems = await selfsigned.generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  } as never);
  return { cert: pems.cert, key: pems.private };
}
