export { EXIT, UsageError } from "./exit-codes.js";
export { type Io, processIo } from "./io.js";
export { main } from "./program.js";
