/** What every channel (email, SMS, push) shares: the response's common members and lookups. */
import type { ChannelResponse } from "@aws-sdk/client-pinpoint";
import { notFound } from "../../shared/errors.js";
import { isoNow } from "../../shared/ids.js";
import type { Store, Tenant } from "../../store/types.js";

export type ApnsChannelType = "APNS" | "APNS_SANDBOX" | "APNS_VOIP" | "APNS_VOIP_SANDBOX";
export type PushChannelType = "GCM" | ApnsChannelType | "BAIDU" | "ADM";
export type ChannelType = "EMAIL" | "SMS" | PushChannelType;

/** Members every channel response carries, carried from the stored version into the next. */
export function base(tenant: Tenant, appId: string, type: ChannelType, current: ChannelResponse | undefined, enabled: boolean | undefined) {
  const now = isoNow();
  return {
    ApplicationId: appId,
    CreationDate: current?.CreationDate ?? now,
    Enabled: enabled ?? current?.Enabled ?? true,
    HasCredential: false,
    Id: type.toLowerCase(),
    IsArchived: false,
    LastModifiedBy: tenant.accountId,
    LastModifiedDate: now,
    Platform: type,
    Version: (current?.Version ?? 0) + 1,
  };
}

/** The channel's stored response; 404 naming what is missing, the app or its channel. */
export async function channelOrThrow<T>(store: Store, tenant: Tenant, appId: string, type: ChannelType): Promise<T> {
  const doc = await store.channels.get<T>(tenant, appId, type);
  if (doc) return doc;
  if (!(await store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  throw notFound(`The ${type} channel of application '${appId}' is not configured`);
}

/** Deletes the channel (its credentials with it) and answers what it was. */
export async function deleteChannel<T>(store: Store, tenant: Tenant, appId: string, type: ChannelType): Promise<T> {
  const doc = await store.channels.delete<T>(tenant, appId, type);
  if (doc) return doc;
  return channelOrThrow<T>(store, tenant, appId, type);
}
