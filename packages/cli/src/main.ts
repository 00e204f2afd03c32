#!/usr/bin/env -S node --max-old-space-size=768
// A bounded heap: the run's live data is small (a chunk of subscriber-months),
// and without a limit V8 on a large machine lets garbage grow RSS towards 1 GB.
import { processIo } from "./io.js";
import { main } from "./program.js";

process.exitCode = await main(process.argv.slice(2), processIo);
