/** The generated operator's published tariffs: a few areas, plans with a price change, VAS products. */

export const AREAS: Readonly<Record<string, string>> = {
  "010": "北京",
  "021": "上海",
  "020": "广州",
  "0571": "杭州",
  "0574": "宁波",
  "0755": "深圳",
  "028": "成都",
  "027": "武汉",
};

export const HOME_AREAS = ["0571", "0571", "0571", "0574", "010", "021"] as const;

/** Seven-digit mobile prefixes (号段) by area; the generator draws subscribers and callees from them. */
export const MOBILE_PREFIXES: Readonly<Record<string, string>> = {
  "1380571": "0571",
  "1390571": "0571",
  "1370571": "0571",
  "1360574": "0574",
  "1500574": "0574",
  "1350010": "010",
  "1860010": "010",
  "1380021": "021",
  "1590021": "021",
  "1880020": "020",
  "1350755": "0755",
  "1390028": "028",
  "1520027": "027",
};

/**
 * Blocks of subscriber numbers: block 0 is MOBILE_PREFIXES; block b > 0 has
 * a sibling of each, its fourth digit (0 in all of them) made b, in the same
 * area. The numbers of later blocks are in the number plan only when a
 * population reaches them, so that a population of one block writes the
 * same tariffs as before there were more.
 */
export const PREFIX_BLOCKS = 10;

/** Block `block`'s sibling of a MOBILE_PREFIXES prefix (PREFIX_BLOCKS). */
export function prefixInBlock(prefix: string, block: number): string {
  return block === 0 ? prefix : `${prefix.slice(0, 3)}${block}${prefix.slice(4)}`;
}

/** The mobile prefixes of the number plan of a population with `blocks` blocks of numbers, by area. */
export function mobilePrefixes(blocks: number): Record<string, string> {
  const prefixes: Record<string, string> = {};
  for (let block = 0; block < blocks; block++)
    for (const [prefix, area] of Object.entries(MOBILE_PREFIXES)) prefixes[prefixInBlock(prefix, block)] = area;
  return prefixes;
}

/** Prefixes absent from the number plan, for `unknown_destination`. */
export const UNKNOWN_PREFIXES = ["1711111", "1990000"] as const;
export const SPECIAL_NUMBERS = ["10086", "12580", "10010"] as const;

const rates = (local: string, ld: string, intl: string, roam: string, roamIn: string, vpmn: string) => ({
  local_out: { price: local, unit_s: 60 },
  ld_out: { price: ld, unit_s: 60 },
  intl_out: { price: intl, unit_s: 6 },
  roam_out: { price: roam, unit_s: 60 },
  roam_in: { price: roamIn, unit_s: 60 },
  local_in: { price: "0.00", unit_s: 60 },
  vpmn: { price: vpmn, unit_s: 60 },
  special: { price: "0.00", unit_s: 60 },
});

/** The tariffs of a population with `blocks` blocks of numbers (PREFIX_BLOCKS). */
export function generatedCatalogue(blocks = 1): Record<string, unknown> {
  return {
    number_plan: {
      country_code: "86",
      international_prefix: "00",
      areas: AREAS,
      mobile_prefixes: mobilePrefixes(blocks),
      special_numbers: SPECIAL_NUMBERS,
    },
    plans: [
      {
        plan_id: "GT58",
        name: "GoTone 58",
        name_zh: "全球通58元套餐",
        effective_from: "2025-01-01",
        monthly_fee: "58.00",
        included: {
          voice_minutes: 300,
          voice_categories: ["local_out", "ld_out", "roam_out"],
          sms: 100,
          data_mb: 1024,
        },
        voice: rates("0.19", "0.19", "0.30", "0.39", "0.25", "0.05"),
        off_peak: { from: "23:00", to: "07:00", voice: { local_out: { price: "0.10", unit_s: 60 } } },
        sms: { domestic: "0.10", international: "1.00" },
        data: { price_per_mb: "0.29", monthly_cap: "60.00" },
      },
      {
        plan_id: "GT58",
        name: "GoTone 58",
        name_zh: "全球通58元套餐",
        effective_from: "2026-07-01",
        monthly_fee: "58.00",
        included: {
          voice_minutes: 350,
          voice_categories: ["local_out", "ld_out", "roam_out"],
          sms: 100,
          data_mb: 2048,
        },
        voice: rates("0.15", "0.15", "0.30", "0.35", "0.25", "0.05"),
        off_peak: { from: "23:00", to: "07:00", voice: { local_out: { price: "0.08", unit_s: 60 } } },
        sms: { domestic: "0.10", international: "1.00" },
        data: { price_per_mb: "0.29", monthly_cap: "60.00" },
      },
      {
        plan_id: "EZ18",
        name: "Easy Own 18",
        name_zh: "动感地带18元套餐",
        effective_from: "2025-01-01",
        monthly_fee: "18.00",
        voice: {
          ...rates("0.22", "0.0333", "0.48", "0.60", "0.40", "0.06"),
          ld_out: { price: "0.0333", unit_s: 6 },
        },
        sms: { domestic: "0.10", international: "1.00" },
        data: { price_per_mb: "0.50" },
      },
      {
        plan_id: "DATA38",
        name: "Data 38",
        name_zh: "流量王38元套餐",
        effective_from: "2025-01-01",
        monthly_fee: "38.00",
        included: { voice_minutes: 50, voice_categories: ["local_out"], sms: 30, data_mb: 6144 },
        voice: rates("0.20", "0.25", "0.40", "0.45", "0.30", "0.05"),
        off_peak: {
          from: "22:00",
          to: "08:00",
          voice: { local_out: { price: "0.12", unit_s: 60 }, ld_out: { price: "0.15", unit_s: 60 } },
        },
        sms: { domestic: "0.10", international: "1.00" },
        data: { price_per_mb: "0.10", monthly_cap: "30.00" },
      },
    ],
    vas_products: [
      {
        product_id: "RING5",
        name: "Colour ring-back tone",
        name_zh: "彩铃",
        provider: "咪咕音乐",
        provider_code: "698039",
        effective_from: "2025-01-01",
        monthly_price: "5.00",
        requires_confirmation: true,
        free_first_month: false,
      },
      {
        product_id: "NEWS3",
        name: "Mobile news",
        name_zh: "手机报",
        provider: "浙江手机报",
        provider_code: "801174",
        effective_from: "2025-01-01",
        monthly_price: "3.00",
        requires_confirmation: true,
        free_first_month: true,
      },
      {
        product_id: "GAME10",
        name: "Game pass",
        name_zh: "游戏包月",
        provider: "咪咕互娱",
        provider_code: "699213",
        effective_from: "2025-01-01",
        monthly_price: "10.00",
        requires_confirmation: true,
        free_first_month: false,
      },
      {
        product_id: "CLOUD2",
        name: "Cloud photos",
        name_zh: "和彩云相册",
        provider: "中国移动云盘",
        provider_code: "600012",
        effective_from: "2025-01-01",
        monthly_price: "2.00",
        requires_confirmation: false,
        free_first_month: true,
      },
    ],
  };
}
