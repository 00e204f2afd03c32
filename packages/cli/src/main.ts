#!/usr/bin/env -S node --max-old-space-size=768 --max-semi-space-size=64
// A bounded heap: the run's live data is small (a chunk of subscriber-months),
// and without a limit V8 on a large machine lets garbage grow RSS towards 1 GB.
// A larger young generation: a run makes short-lived rows by the million, and
// with the default one each scavenge copied the rows still in flight.
import { processIo } from "./io.js";
import { main } from "./program.js";

process.exitCode = await main(process.argv.slice(2), processIo);
