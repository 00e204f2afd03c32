import { latestCatalogue } from "@billing/db";
import {
  billMonthOf,
  CATEGORY_WORDS_ZH,
  type Catalogue,
  parseCatalogueText,
  parseMonth,
  planInForce,
  type Rate,
  VOICE_CATEGORIES,
  type VoiceCategory,
  vasInForce,
} from "@billing/rating";
import type { FastifyInstance } from "fastify";
import { ApiError } from "../api-error.js";
import type { ServiceContext } from "../context.js";
import * as schema from "../schemas.js";

/** A voice rate as published: the category's Chinese word, the price and its unit. */
const rateRow = (category: VoiceCategory, rate: Rate) => ({
  category: CATEGORY_WORDS_ZH[category],
  price: rate.price.text,
  unit: rate.unitS === 60 ? "分钟" : `${rate.unitS}秒`,
});

/**
 * bill-query.md, Published tariffs (资费公布): every plan and value-added
 * product in force for a month, from the catalogue the rating core uses. No
 * customer session; a kiosk must still be a registered one.
 */
export async function tariffRoutes(api: FastifyInstance, ctx: ServiceContext): Promise<void> {
  let parsed: { digest: string; catalogue: Catalogue } | null = null;
  const catalogue = async () => {
    const stored = await latestCatalogue(ctx.database);
    if (!stored) return null;
    if (parsed?.digest !== stored.digest) {
      const result = parseCatalogueText(stored.document);
      if (!result.ok) return null;
      parsed = { digest: stored.digest, catalogue: result.catalogue };
    }
    return parsed;
  };
  api.get(
    "/tariffs",
    {
      schema: {
        summary: "The published tariffs in force for a month (default: the current one, UTC+8); no sign-in needed",
        security: [{ kioskId: [], kioskKey: [] }, {}],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { month: { type: "string", description: "YYYY-MM" } },
        },
        response: { 200: schema.tariffs, ...schema.errorsOf("unknown_kiosk", "invalid_month", "not_found") },
      },
    },
    async (request) => {
      const month = (request.query as { month?: string }).month ?? billMonthOf(ctx.now());
      if (!parseMonth(month)) throw new ApiError("invalid_month", `month ${JSON.stringify(month)} is not YYYY-MM`);
      const found = await catalogue();
      if (!found) throw new ApiError("not_found", "no tariff catalogue is published yet");
      const { catalogue: c, digest } = found;
      const plans = [...c.plans.keys()].flatMap((id) => {
        const p = planInForce(c, id, month);
        if (!p) return [];
        return [
          {
            planId: p.planId,
            name: p.nameZh ?? p.name,
            effectiveFrom: p.effectiveFrom,
            monthlyFee: p.monthlyFee.text,
            included: {
              voiceMinutes: p.included.voiceMinutes,
              voiceCategories: [...p.included.voiceCategories].map((k) => CATEGORY_WORDS_ZH[k]),
              sms: p.included.sms,
              dataMb: p.included.dataMb,
            },
            voice: VOICE_CATEGORIES.map((k) => rateRow(k, p.voice[k])),
            offPeak: p.offPeak && {
              from: p.offPeak.from,
              to: p.offPeak.to,
              voice: (Object.entries(p.offPeak.voice) as [VoiceCategory, Rate][]).map(([k, r]) => rateRow(k, r)),
            },
            sms: { domestic: p.sms.domestic.text, international: p.sms.international.text, unit: "条" },
            data: { pricePerMb: p.data.pricePerMb.text, monthlyCap: p.data.monthlyCap?.text ?? null },
          },
        ];
      });
      const valueAdded = [...c.vas.keys()].flatMap((id) => {
        const v = vasInForce(c, id, month);
        if (!v) return [];
        return [
          {
            productId: v.productId,
            name: v.nameZh ?? v.name,
            provider: v.provider,
            providerCode: v.providerCode,
            effectiveFrom: v.effectiveFrom,
            monthlyPrice: v.monthlyPrice.text,
            requiresConfirmation: v.requiresConfirmation,
            freeFirstMonth: v.freeFirstMonth,
          },
        ];
      });
      return { month, catalogueSha256: digest, plans, valueAdded };
    },
  );
}
