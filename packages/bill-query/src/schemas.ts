// JSON schemas of the API: fastify validates requests with them and
// @fastify/swagger turns them into the OpenAPI description, so the two
// cannot disagree.
import { type ApiErrorCode, statusOf } from "./api-error.js";

const money = { type: "string", pattern: "^-?\\d+\\.\\d{2}$", description: "yuan, two decimals" } as const;
const month = { type: "string", description: "bill month, YYYY-MM (UTC+8)", examples: ["2026-09"] } as const;

export const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      additionalProperties: true,
      properties: { code: { type: "string" }, message: { type: "string" } },
    },
  },
} as const;

const allowance = {
  type: ["object", "null"],
  required: ["included", "used", "left", "unit"],
  properties: {
    included: { type: "integer" },
    used: { type: "integer" },
    left: { type: "integer" },
    unit: { type: "string", enum: ["min", "SMS", "KB"] },
  },
} as const;

const usage = {
  type: "object",
  required: ["records", "charge", "billed", "allowance", "allowanceZh"],
  properties: {
    records: { type: "integer" },
    charge: money,
    billed: { ...money, description: "实收" },
    allowance,
    allowanceZh: { type: ["string", "null"], description: "套餐内 used and left as a person reads them" },
  },
} as const;

const subtotal = {
  type: "object",
  required: ["charge", "billed"],
  properties: { charge: money, billed: { ...money, description: "实收" } },
} as const;

export const summary = {
  type: "object",
  required: [
    "month",
    "monthlyFee",
    "fees",
    "subscriptions",
    "subtotals",
    "usage",
    "credits",
    "creditLines",
    "total",
    "billed",
  ],
  properties: {
    month,
    monthlyFee: money,
    fees: {
      type: "array",
      items: {
        type: "object",
        required: ["itemKey", "name", "charge", "billed", "ruleZh"],
        properties: {
          itemKey: { type: "string" },
          name: { type: "string", description: "the plan's published name" },
          charge: money,
          billed: { type: ["string", "null"], description: "实收" },
          ruleZh: { type: "string" },
        },
      },
    },
    subscriptions: {
      type: "array",
      items: {
        type: "object",
        required: ["productId", "name", "provider", "charge", "billed", "rule", "ruleZh"],
        properties: {
          productId: { type: "string" },
          name: { type: "string", description: "the product's published name" },
          provider: { type: ["string", "null"], description: "who the charge is collected for (代收费)" },
          charge: money,
          billed: { type: ["string", "null"], description: "实收" },
          rule: { type: "string" },
          ruleZh: { type: "string", description: "计费说明: the rule in plain Chinese" },
        },
      },
    },
    subtotals: {
      type: "object",
      description: "小计: 应收 and 实收 of the fees and of the value-added lines",
      required: ["fees", "valueAdded"],
      properties: { fees: subtotal, valueAdded: subtotal },
    },
    usage: {
      type: "object",
      required: ["voice", "sms", "data"],
      properties: { voice: usage, sms: usage, data: usage },
    },
    credits: { ...money, description: "double refunds credited on this month" },
    creditLines: {
      type: "array",
      description: "双倍返还: each credit of the month",
      items: {
        type: "object",
        required: ["itemKey", "class", "refund"],
        properties: { itemKey: { type: "string" }, class: { type: "string" }, refund: money },
      },
    },
    total: { ...money, description: "应收: what the month correctly costs under the published tariff" },
    billed: { ...money, description: "实收: what the delivered bill charged" },
  },
} as const;

export const record = {
  type: "object",
  required: [
    "recordId",
    "startTime",
    "service",
    "direction",
    "otherParty",
    "visitedArea",
    "category",
    "quantity",
    "allowanceUsed",
    "charge",
    "rule",
    "ruleZh",
    "serviceZh",
    "directionZh",
    "visitedAreaName",
    "categoryZh",
    "quantityZh",
    "allowanceZh",
    "billed",
    "duplicateOf",
  ],
  properties: {
    recordId: { type: "string" },
    serviceZh: { type: "string", description: "业务: 语音, 短信, 上网" },
    directionZh: { type: "string", description: "通信方式: 主叫, 被叫, 发送, 接收; empty for data" },
    visitedAreaName: { type: ["string", "null"], description: "通信地点: the visited area's city name" },
    categoryZh: { type: ["string", "null"], description: "通信类型: 本地, 长途, 漫游, 国际, 集团, 特服" },
    quantityZh: { type: "string", description: "通信时长 or 流量 as a person writes it: 1分1秒, 3.00MB, 1条" },
    allowanceZh: { type: ["string", "null"], description: "套餐优惠: the allowance it drew on" },
    billed: { type: ["string", "null"], description: "实收: what the delivered bill charged; null with no bill line" },
    duplicateOf: { type: ["string", "null"], description: "a second delivery of this record: never charged" },
    startTime: { type: "string", description: "ISO 8601 in UTC+8" },
    service: { type: "string", enum: ["voice", "sms", "data"] },
    direction: { type: ["string", "null"], enum: ["in", "out", null] },
    otherParty: { type: ["string", "null"] },
    visitedArea: { type: ["string", "null"] },
    category: {
      type: ["string", "null"],
      enum: ["local", "long distance", "roaming", "international", "group", "special", null],
    },
    quantity: {
      type: "object",
      required: ["value", "unit"],
      properties: { value: { type: "integer" }, unit: { type: "string", enum: ["s", "KB", "SMS"] } },
    },
    allowanceUsed: { type: ["string", "null"] },
    charge: { type: ["string", "null"], description: "null when the record cannot be rated" },
    rule: { type: "string", description: "the tariff rule behind the charge, in plain words" },
    ruleZh: { type: "string", description: "计费说明: the same rule in plain Chinese, from the same facts" },
  },
} as const;

export const monthParams = {
  type: "object",
  required: ["month"],
  additionalProperties: false,
  properties: { month },
} as const;

export const recordsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    service: { type: "string", enum: ["voice", "sms", "data"] },
    cursor: { type: "string", maxLength: 200, description: "the `next` of the previous page" },
    limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
  },
} as const;

export const noQuery = { type: "object", additionalProperties: false, properties: {} } as const;

export const msisdn = { type: "string", pattern: "^1\\d{10}$", description: "11-digit mobile number" } as const;

export const signInBody = {
  type: "object",
  required: ["msisdn"],
  additionalProperties: false,
  properties: {
    msisdn,
    password: { type: "string", maxLength: 64, description: "the service password (服务密码)" },
    code: { type: "string", maxLength: 16, description: "a one-time code sent by SMS" },
  },
} as const;

export const codeBody = {
  type: "object",
  required: ["msisdn"],
  additionalProperties: false,
  properties: { msisdn },
} as const;

export const sessionBody = {
  type: "object",
  required: ["token", "msisdn", "idleSeconds"],
  properties: { token: { type: "string" }, msisdn: { type: "string" }, idleSeconds: { type: "integer" } },
} as const;

/** The error answers every API route can give. */
/**
 * The error responses of a route, by status, each listing the stable codes the
 * route answers with it; every route of /v1 may also answer `unknown_kiosk`
 * (a kiosk that is not registered), a malformed request and `internal`.
 */
export function errorsOf(...codes: ApiErrorCode[]) {
  const all: ApiErrorCode[] = [...new Set<ApiErrorCode>([...codes, "invalid_request", "internal"])];
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of all) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        ...errorBody,
        description: `error codes: ${list.join(", ")}`,
        properties: {
          error: {
            ...errorBody.properties.error,
            properties: { code: { type: "string", enum: list }, message: { type: "string" } },
          },
        },
      },
    ]),
  );
}

/** What every route behind the kiosk check and a session may answer. */
export const SIGNED_IN: readonly ApiErrorCode[] = ["unknown_kiosk", "unauthenticated"];
/** And a route naming a month. */
export const A_MONTH: readonly ApiErrorCode[] = [...SIGNED_IN, "invalid_month", "month_out_of_window", "no_bill"];

const rateRow = {
  type: "object",
  required: ["category", "price", "unit"],
  properties: { category: { type: "string" }, price: { type: "string" }, unit: { type: "string" } },
} as const;

/** GET /v1/tariffs: the published tariffs in force for a month, names and categories in Chinese. */
export const tariffs = {
  type: "object",
  required: ["month", "catalogueSha256", "plans", "valueAdded"],
  properties: {
    month: { type: "string" },
    catalogueSha256: { type: "string" },
    plans: {
      type: "array",
      items: {
        type: "object",
        required: ["planId", "name", "effectiveFrom", "monthlyFee", "included", "voice", "offPeak", "sms", "data"],
        properties: {
          planId: { type: "string" },
          name: { type: "string", description: "the published Chinese name (name_zh), else name" },
          effectiveFrom: { type: "string" },
          monthlyFee: { type: "string" },
          included: {
            type: "object",
            properties: {
              voiceMinutes: { type: "integer" },
              voiceCategories: { type: "array", items: { type: "string" } },
              sms: { type: "integer" },
              dataMb: { type: "integer" },
            },
          },
          voice: { type: "array", items: rateRow },
          offPeak: {
            anyOf: [
              {
                type: "object",
                properties: {
                  from: { type: "string" },
                  to: { type: "string" },
                  voice: { type: "array", items: rateRow },
                },
              },
              { type: "null" },
            ],
          },
          sms: {
            type: "object",
            properties: { domestic: { type: "string" }, international: { type: "string" }, unit: { type: "string" } },
          },
          data: {
            type: "object",
            properties: { pricePerMb: { type: "string" }, monthlyCap: { type: ["string", "null"] } },
          },
        },
      },
    },
    valueAdded: {
      type: "array",
      items: {
        type: "object",
        required: ["productId", "name", "monthlyPrice"],
        properties: {
          productId: { type: "string" },
          name: { type: "string" },
          provider: { type: ["string", "null"], description: "who the charge is collected for (代收费)" },
          providerCode: { type: ["string", "null"] },
          effectiveFrom: { type: "string" },
          monthlyPrice: { type: "string" },
          requiresConfirmation: { type: "boolean" },
          freeFirstMonth: { type: "boolean" },
        },
      },
    },
  },
} as const;

const reasons = ["not_made", "wrong_quantity", "wrong_rate", "never_ordered", "other"] as const;

/** A dispute case (disputes.md) as customers and staff read it; times in UTC+8. */
export const dispute = {
  type: "object",
  required: ["case_id", "msisdn", "bill_month", "item_key", "reason", "opened_at", "due_at", "status", "clock"],
  properties: {
    case_id: { type: "string", examples: ["TS20260915-000123"] },
    msisdn: { type: "string" },
    bill_month: month,
    item_key: { type: ["string", "null"], description: "record_id, FEE:<plan_id>, VAS:<product_id>; null: the month" },
    reason: { type: "string", enum: reasons },
    reason_zh: { type: "string" },
    words: { type: "string" },
    channel: { type: "string", enum: ["kiosk", "web", "staff"] },
    channel_id: { type: ["string", "null"] },
    opened_at: { type: "string" },
    due_at: { type: "string", description: "opened_at + 48 hours" },
    status: { type: "string", enum: ["open", "answered"] },
    clock: { type: "string", enum: ["open", "due_soon", "overdue", "answered", "answered_late"] },
    answer: {
      type: ["object", "null"],
      properties: {
        outcome: { type: "string", enum: ["error_found", "no_error", "withdrawn"] },
        text: { type: ["string", "null"] },
        explanation_zh: { type: ["string", "null"], description: "the replay's explanation in plain Chinese" },
        answered_at: { type: "string" },
        staff_id: { type: "string" },
        late: { type: "boolean" },
        replay_sha256: { type: "string" },
        credit_ids: { type: "array", items: { type: "string" } },
      },
    },
    refund: { ...money, description: "every credit of the item (or month), nightly and dispute alike" },
    credits: {
      type: "array",
      items: {
        type: "object",
        properties: {
          credit_id: { type: "string" },
          item_key: { type: "string" },
          occurrence: { type: "integer" },
          class: { type: "string" },
          refund: money,
          run_id: { type: "string" },
        },
      },
    },
  },
} as const;

export const openDisputeBody = {
  type: "object",
  required: ["month", "reason"],
  additionalProperties: false,
  properties: {
    month,
    item: { type: ["string", "null"], maxLength: 68, description: "omit or null for the month as a whole" },
    reason: { type: "string", enum: reasons },
    text: { type: "string", maxLength: 500 },
  },
} as const;

export const staffOpenBody = {
  type: "object",
  required: ["msisdn", "month", "reason"],
  additionalProperties: false,
  properties: { msisdn: { type: "string", pattern: "^1\\d{10}$" }, ...openDisputeBody.properties },
} as const;

export const answerBody = {
  type: "object",
  required: ["outcome"],
  additionalProperties: false,
  properties: {
    outcome: { type: "string", enum: ["error_found", "no_error", "withdrawn"] },
    text: { type: "string", maxLength: 500 },
  },
} as const;

export const staffListQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    open: { type: "boolean" },
    overdue: { type: "boolean" },
    msisdn: { type: "string", pattern: "^1\\d{10}$" },
  },
} as const;

export const caseParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", maxLength: 40 } },
} as const;
