#!/usr/bin/env -S node --max-old-space-size=768
// A bounded heap: the run's live data is small (a chunk of subscriber-months),
// and without a limit V8 on a large machine lets garbage grow RSS towards 1 GB.
// The young generation is V8's own (16 MB semi-spaces). This thread had 64
// while it rated too; since rating moved to worker threads, 64 made a 2M-CDR
// server run no faster (9.70 s against 9.61, five alternating pairs; PGlite
// 19.3 s against 19.5, four pairs, within their spread) and held some 90 MB
// more at its peak (140 MB at 400,000 subscribers).
import { processIo } from "./io.js";
import { main } from "./program.js";

process.exitCode = await main(process.argv.slice(2), processIo);
