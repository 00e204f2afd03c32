// Customer disputes (disputes.md): opening with the 48-hour clock, the value-added refund at once, answers from a
// replay, and who may see what. The ledger and the stores are db's; the reconciliation is the replay's.
export * from "./answer.js";
export * from "./document.js";
export * from "./errors.js";
export * from "./month.js";
export * from "./open.js";
export * from "./show.js";
export * from "./staff.js";
export * from "./transaction.js";
