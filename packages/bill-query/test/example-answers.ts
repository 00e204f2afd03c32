/** What the worked example's September statement of 13805710001 must show, for the statement and API tests. */

/** Its usage records in start-time order. */
export const SEPTEMBER_RECORD_IDS = [
  ...["V01", "V02", "V03", "V04", "V05", "V06", "V07", "V08", "V09", "V10"],
  ...["S01", "S02", "S03"],
  ...["D01", "D02", "D03", "D04"],
];

/** Its second record, every field. */
export const SEPTEMBER_V02 = {
  recordId: "V02",
  startTime: "2026-09-01T10:00:00+08:00",
  service: "voice",
  direction: "out",
  otherParty: "01066668888",
  visitedArea: "0571",
  category: "long distance",
  quantity: { value: 61, unit: "s" },
  allowanceUsed: null,
  charge: "0.50",
  rule: "long distance to 010, 2 min × 0.25 = 0.50 (allowance used up)",
  ruleZh: "长途 杭州→北京 2分钟 × 0.25元 = 0.50元（套餐内分钟已用完）",
  serviceZh: "语音",
  directionZh: "主叫",
  visitedAreaName: "杭州",
  categoryZh: "长途",
  quantityZh: "1分1秒",
  allowanceZh: null,
  billed: "0.50",
  duplicateOf: null,
} as const;
