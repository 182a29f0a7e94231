/**
 * The push channel resources (`/v1/apps/{id}/channels/gcm`, `…/apns`, `…/apns_sandbox`,
 * `…/apns_voip`, `…/apns_voip_sandbox`, `…/baidu`, `…/adm`): Get, Update and Delete of each.
 */
import type {
  ADMChannelResponse,
  APNSChannelResponse,
  APNSSandboxChannelResponse,
  APNSVoipChannelResponse,
  APNSVoipSandboxChannelResponse,
  BaiduChannelResponse,
  DeleteAdmChannelRequest,
  DeleteApnsChannelRequest,
  DeleteApnsSandboxChannelRequest,
  DeleteApnsVoipChannelRequest,
  DeleteApnsVoipSandboxChannelRequest,
  DeleteBaiduChannelRequest,
  DeleteGcmChannelRequest,
  GCMChannelResponse,
  GetAdmChannelRequest,
  GetApnsChannelRequest,
  GetApnsSandboxChannelRequest,
  GetApnsVoipChannelRequest,
  GetApnsVoipSandboxChannelRequest,
  GetBaiduChannelRequest,
  GetGcmChannelRequest,
  UpdateAdmChannelRequest,
  UpdateApnsChannelRequest,
  UpdateApnsSandboxChannelRequest,
  UpdateApnsVoipChannelRequest,
  UpdateApnsVoipSandboxChannelRequest,
  UpdateBaiduChannelRequest,
  UpdateGcmChannelRequest,
} from "@aws-sdk/client-pinpoint";
import type { PushChannelService } from "../channels/push.js";
import { handlersOf, type Handler } from "../../protocol/handler.js";

export function pushChannelHandlers(service: PushChannelService): Record<string, Handler> {
  return handlersOf<{
    GetGcmChannel: GetGcmChannelRequest;
    UpdateGcmChannel: UpdateGcmChannelRequest;
    DeleteGcmChannel: DeleteGcmChannelRequest;
    GetApnsChannel: GetApnsChannelRequest;
    UpdateApnsChannel: UpdateApnsChannelRequest;
    DeleteApnsChannel: DeleteApnsChannelRequest;
    GetApnsSandboxChannel: GetApnsSandboxChannelRequest;
    UpdateApnsSandboxChannel: UpdateApnsSandboxChannelRequest;
    DeleteApnsSandboxChannel: DeleteApnsSandboxChannelRequest;
    GetApnsVoipChannel: GetApnsVoipChannelRequest;
    UpdateApnsVoipChannel: UpdateApnsVoipChannelRequest;
    DeleteApnsVoipChannel: DeleteApnsVoipChannelRequest;
    GetApnsVoipSandboxChannel: GetApnsVoipSandboxChannelRequest;
    UpdateApnsVoipSandboxChannel: UpdateApnsVoipSandboxChannelRequest;
    DeleteApnsVoipSandboxChannel: DeleteApnsVoipSandboxChannelRequest;
    GetBaiduChannel: GetBaiduChannelRequest;
    UpdateBaiduChannel: UpdateBaiduChannelRequest;
    DeleteBaiduChannel: DeleteBaiduChannelRequest;
    GetAdmChannel: GetAdmChannelRequest;
    UpdateAdmChannel: UpdateAdmChannelRequest;
    DeleteAdmChannel: DeleteAdmChannelRequest;
  }>({
    async GetGcmChannel({ tenant, input }) {
      return { body: await service.get<GCMChannelResponse>(tenant, input.ApplicationId, "GCM") };
    },
    async UpdateGcmChannel({ tenant, input }) {
      return { body: await service.updateGcm(tenant, input.ApplicationId, input.GCMChannelRequest) };
    },
    async DeleteGcmChannel({ tenant, input }) {
      return { body: await service.delete<GCMChannelResponse>(tenant, input.ApplicationId, "GCM") };
    },
    async GetApnsChannel({ tenant, input }) {
      return { body: await service.get<APNSChannelResponse>(tenant, input.ApplicationId, "APNS") };
    },
    async UpdateApnsChannel({ tenant, input }) {
      return { body: await service.updateApns(tenant, input.ApplicationId, "APNS", input.APNSChannelRequest) };
    },
    async DeleteApnsChannel({ tenant, input }) {
      return { body: await service.delete<APNSChannelResponse>(tenant, input.ApplicationId, "APNS") };
    },
    async GetApnsSandboxChannel({ tenant, input }) {
      return { body: await service.get<APNSSandboxChannelResponse>(tenant, input.ApplicationId, "APNS_SANDBOX") };
    },
    async UpdateApnsSandboxChannel({ tenant, input }) {
      return { body: await service.updateApns(tenant, input.ApplicationId, "APNS_SANDBOX", input.APNSSandboxChannelRequest) };
    },
    async DeleteApnsSandboxChannel({ tenant, input }) {
      return { body: await service.delete<APNSSandboxChannelResponse>(tenant, input.ApplicationId, "APNS_SANDBOX") };
    },
    async GetApnsVoipChannel({ tenant, input }) {
      return { body: await service.get<APNSVoipChannelResponse>(tenant, input.ApplicationId, "APNS_VOIP") };
    },
    async UpdateApnsVoipChannel({ tenant, input }) {
      return { body: await service.updateApns(tenant, input.ApplicationId, "APNS_VOIP", input.APNSVoipChannelRequest) };
    },
    async DeleteApnsVoipChannel({ tenant, input }) {
      return { body: await service.delete<APNSVoipChannelResponse>(tenant, input.ApplicationId, "APNS_VOIP") };
    },
    async GetApnsVoipSandboxChannel({ tenant, input }) {
      return { body: await service.get<APNSVoipSandboxChannelResponse>(tenant, input.ApplicationId, "APNS_VOIP_SANDBOX") };
    },
    async UpdateApnsVoipSandboxChannel({ tenant, input }) {
      return { body: await service.updateApns(tenant, input.ApplicationId, "APNS_VOIP_SANDBOX", input.APNSVoipSandboxChannelRequest) };
    },
    async DeleteApnsVoipSandboxChannel({ tenant, input }) {
      return { body: await service.delete<APNSVoipSandboxChannelResponse>(tenant, input.ApplicationId, "APNS_VOIP_SANDBOX") };
    },
    async GetBaiduChannel({ tenant, input }) {
      return { body: await service.get<BaiduChannelResponse>(tenant, input.ApplicationId, "BAIDU") };
    },
    async UpdateBaiduChannel({ tenant, input }) {
      return { body: await service.updateBaidu(tenant, input.ApplicationId, input.BaiduChannelRequest) };
    },
    async DeleteBaiduChannel({ tenant, input }) {
      return { body: await service.delete<BaiduChannelResponse>(tenant, input.ApplicationId, "BAIDU") };
    },
    async GetAdmChannel({ tenant, input }) {
      return { body: await service.get<ADMChannelResponse>(tenant, input.ApplicationId, "ADM") };
    },
    async UpdateAdmChannel({ tenant, input }) {
      return { body: await service.updateAdm(tenant, input.ApplicationId, input.ADMChannelRequest) };
    },
    async DeleteAdmChannel({ tenant, input }) {
      return { body: await service.delete<ADMChannelResponse>(tenant, input.ApplicationId, "ADM") };
    },
  });
}
