/**
 * The push channels of an app (GCM Channel, APNs Channel, APNs Sandbox Channel, APNs VoIP Channel,
 * APNs VoIP Sandbox Channel, Baidu Channel and ADM Channel resources of the Amazon Pinpoint REST
 * API). Their credentials are write-only, as in Pinpoint: an update takes them, no response ever
 * returns them (the documented `HasCredential`, `HasTokenKey` and `HasFcmServiceCredentials` flags
 * say what is configured), and they are stored encrypted beside the channel document.
 *
 * Members an update does not give keep their stored value, so `{ "Enabled": false }` disables a
 * channel without handing its credentials over again.
 */
import type {
  ADMChannelRequest,
  ADMChannelResponse,
  APNSChannelRequest,
  APNSChannelResponse,
  BaiduChannelRequest,
  BaiduChannelResponse,
  GCMChannelRequest,
  GCMChannelResponse,
} from "@aws-sdk/client-pinpoint";
import { badRequest, notFound } from "../../shared/errors.js";
import type { Store, Tenant } from "../../store/types.js";
import { checkAppleId, checkCertificate, parseServiceJson, parseTokenKey } from "./push-credentials.js";
import { base, channelOrThrow, deleteChannel, type ApnsChannelType, type PushChannelType } from "./base.js";

export type { ApnsChannelType, PushChannelType } from "./base.js";
export const APNS_CHANNEL_TYPES: readonly ApnsChannelType[] = ["APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX"];

/** What a GCM channel keeps sealed. */
export interface GcmSecrets {
  ApiKey?: string;
  ServiceJson?: string;
}

/** What an APNs channel keeps sealed: both ways to authenticate, either or both configured. */
export interface ApnsSecrets {
  Certificate?: string;
  PrivateKey?: string;
  TokenKey?: string;
  TokenKeyId?: string;
  TeamId?: string;
  BundleId?: string;
}

export interface BaiduSecrets {
  ApiKey: string;
  SecretKey: string;
}

export interface AdmSecrets {
  ClientId: string;
  ClientSecret: string;
}

const given = (v: string | undefined): v is string => v !== undefined && v !== "";

function method(value: string | undefined, allowed: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (!allowed.includes(upper)) throw badRequest(`DefaultAuthenticationMethod '${value}' must be one of ${allowed.join(", ")}`);
  return upper;
}

export class PushChannelService {
  constructor(private readonly store: Store) {}

  get<T>(tenant: Tenant, appId: string, type: PushChannelType): Promise<T> {
    return channelOrThrow<T>(this.store, tenant, appId, type);
  }

  delete<T>(tenant: Tenant, appId: string, type: PushChannelType): Promise<T> {
    return deleteChannel<T>(this.store, tenant, appId, type);
  }

  private async save<T, S>(
    tenant: Tenant,
    appId: string,
    type: PushChannelType,
    next: (current: { doc: T; secrets?: S } | undefined) => { doc: T; secrets?: S },
  ): Promise<T> {
    const doc = await this.store.channels.upsertWithSecrets<T, S>(tenant, appId, type, next);
    if (!doc) throw notFound(`Application '${appId}' was not found`);
    return doc;
  }

  /**
   * UpdateGcmChannel. `ServiceJson` (FCM HTTP v1's service account) is what pinrec sends with;
   * an `ApiKey` (FCM's legacy server key) is stored, but Google shut the legacy API down in 2024,
   * so a send on a key-only channel fails saying so.
   */
  updateGcm(tenant: Tenant, appId: string, req: GCMChannelRequest): Promise<GCMChannelResponse> {
    const auth = method(req.DefaultAuthenticationMethod, ["KEY", "TOKEN"]);
    if (given(req.ServiceJson)) parseServiceJson(req.ServiceJson);
    return this.save<GCMChannelResponse, GcmSecrets>(tenant, appId, "GCM", (current) => {
      const secrets: GcmSecrets = {
        ...current?.secrets,
        ...(given(req.ApiKey) && { ApiKey: req.ApiKey }),
        ...(given(req.ServiceJson) && { ServiceJson: req.ServiceJson }),
      };
      if (!secrets.ApiKey && !secrets.ServiceJson) throw badRequest("A GCM channel needs ServiceJson (an FCM service account) or ApiKey");
      const chosen = auth ?? current?.doc.DefaultAuthenticationMethod ?? (secrets.ServiceJson ? "TOKEN" : "KEY");
      if (chosen === "TOKEN" && !secrets.ServiceJson) throw badRequest("DefaultAuthenticationMethod TOKEN needs ServiceJson");
      if (chosen === "KEY" && !secrets.ApiKey) throw badRequest("DefaultAuthenticationMethod KEY needs ApiKey");
      return {
        doc: {
          ...base(tenant, appId, "GCM", current?.doc, req.Enabled),
          DefaultAuthenticationMethod: chosen,
          HasCredential: true,
          HasFcmServiceCredentials: Boolean(secrets.ServiceJson),
        },
        secrets,
      };
    });
  }

  /** UpdateApnsChannel and its sandbox and VoIP siblings: certificate auth, token auth, or both. */
  updateApns(tenant: Tenant, appId: string, type: ApnsChannelType, req: APNSChannelRequest): Promise<APNSChannelResponse> {
    const auth = method(req.DefaultAuthenticationMethod, ["CERTIFICATE", "TOKEN"]);
    if (given(req.Certificate) !== given(req.PrivateKey)) throw badRequest("Certificate and PrivateKey go together: give both");
    if (given(req.Certificate)) checkCertificate(req.Certificate!, req.PrivateKey!);
    if (given(req.TokenKey)) parseTokenKey(req.TokenKey);
    if (given(req.TokenKeyId)) checkAppleId(req.TokenKeyId, "TokenKeyId");
    if (given(req.TeamId)) checkAppleId(req.TeamId, "TeamId");
    return this.save<APNSChannelResponse, ApnsSecrets>(tenant, appId, type, (current) => {
      const secrets: ApnsSecrets = { ...current?.secrets };
      for (const m of ["Certificate", "PrivateKey", "TokenKey", "TokenKeyId", "TeamId", "BundleId"] as const) {
        if (given(req[m])) secrets[m] = req[m];
      }
      const hasCert = Boolean(secrets.Certificate && secrets.PrivateKey);
      const hasToken = Boolean(secrets.TokenKey);
      if (hasToken) {
        for (const m of ["TokenKeyId", "TeamId", "BundleId"] as const)
          if (!secrets[m]) throw badRequest(`Token authentication (TokenKey) needs ${m}`);
      }
      if (!hasCert && !hasToken)
        throw badRequest(`An ${type} channel needs Certificate and PrivateKey, or TokenKey, TokenKeyId, TeamId and BundleId`);
      const chosen = auth ?? current?.doc.DefaultAuthenticationMethod ?? (hasToken ? "TOKEN" : "CERTIFICATE");
      if (chosen === "TOKEN" && !hasToken) throw badRequest("DefaultAuthenticationMethod TOKEN needs TokenKey");
      if (chosen === "CERTIFICATE" && !hasCert)
        throw badRequest("DefaultAuthenticationMethod CERTIFICATE needs Certificate and PrivateKey");
      return {
        doc: {
          ...base(tenant, appId, type, current?.doc, req.Enabled),
          DefaultAuthenticationMethod: chosen,
          HasCredential: true,
          HasTokenKey: hasToken,
        },
        secrets,
      };
    });
  }

  updateBaidu(tenant: Tenant, appId: string, req: BaiduChannelRequest): Promise<BaiduChannelResponse> {
    if (!given(req.ApiKey)) throw badRequest("ApiKey is required");
    if (!given(req.SecretKey)) throw badRequest("SecretKey is required");
    return this.save<BaiduChannelResponse, BaiduSecrets>(tenant, appId, "BAIDU", (current) => ({
      // `Credential` is the API key in Pinpoint's model; pinrec keeps it write-only like the rest.
      doc: { ...base(tenant, appId, "BAIDU", current?.doc, req.Enabled), HasCredential: true } as BaiduChannelResponse,
      secrets: { ApiKey: req.ApiKey!, SecretKey: req.SecretKey! },
    }));
  }

  updateAdm(tenant: Tenant, appId: string, req: ADMChannelRequest): Promise<ADMChannelResponse> {
    if (!given(req.ClientId)) throw badRequest("ClientId is required");
    if (!given(req.ClientSecret)) throw badRequest("ClientSecret is required");
    return this.save<ADMChannelResponse, AdmSecrets>(tenant, appId, "ADM", (current) => ({
      doc: { ...base(tenant, appId, "ADM", current?.doc, req.Enabled), HasCredential: true },
      secrets: { ClientId: req.ClientId!, ClientSecret: req.ClientSecret! },
    }));
  }
}
