import type { Service } from "@billing/rating";
import type { CategoryWord } from "./statement.js";

// The 话费清单's words (bill-query.md, The itemized bill as a customer reads it): one place for the kiosk,
// the print and the CSV.

export const SERVICE_ZH: Readonly<Record<Service, string>> = { voice: "语音", sms: "短信", data: "上网" };

export const CATEGORY_ZH: Readonly<Record<CategoryWord, string>> = {
  local: "本地",
  "long distance": "长途",
  roaming: "漫游",
  international: "国际",
  group: "集团",
  special: "特服",
};

/** 通信方式: 主叫 / 被叫 for calls, 发送 / 接收 for messages, nothing for data. */
export function directionZh(service: Service, direction: "in" | "out" | null): string {
  if (service === "data") return "";
  if (service === "sms") return direction === "in" ? "接收" : "发送";
  return direction === "in" ? "被叫" : "主叫";
}

/** KB as a person writes them: under 1 MB in KB, else MB or GB with two decimals. */
export function volumeText(kb: number): string {
  if (kb < 1024) return `${kb}KB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(2)}MB`;
  return `${(kb / 1024 / 1024).toFixed(2)}GB`;
}

/** 通信时长 in minutes and seconds, 流量 in KB, MB or GB, messages in 条. */
export function quantityZh(service: Service, value: number): string {
  if (service === "voice") {
    const m = Math.floor(value / 60);
    const s = value % 60;
    return m > 0 ? `${m}分${s}秒` : `${s}秒`;
  }
  return service === "data" ? volumeText(value) : `${value}条`;
}
