#!/usr/bin/env -S node --max-old-space-size=768 --initial-old-space-size=128
// A bounded heap, and an old generation that starts at 128 MB: far fewer full collections (decision 15).
import { processIo } from "./io.js";
import { main } from "./program.js";

process.exitCode = await main(process.argv.slice(2), processIo);
