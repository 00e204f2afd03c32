#!/usr/bin/env -S node --max-old-space-size=768 --initial-old-space-size=128
// A bounded heap: the run's live data is small (a chunk of subscriber-months),
// and without a limit V8 on a large machine lets garbage grow RSS towards 1 GB.
// The young generation is V8's own (16 MB semi-spaces). This thread had 64
// while it rated too; since rating moved to worker threads, 64 made a 2M-CDR
// server run no faster (9.70 s against 9.61, five alternating pairs; PGlite
// 19.3 s against 19.5, four pairs, within their spread) and held some 90 MB
// more at its peak (140 MB at 400,000 subscribers).
// Each thread's old generation starts at 128 MB before V8 sizes it by what
// stays live: from V8's own few MB, the 1 MB chunks read and the ranges'
// spilled text (large objects, old from the start) set off a full collection
// every 100 ms or so, 31 on this thread in a 2M-CDR run, 8 now. That run on a
// server: 7.60 s against 8.23 s and 10.6 s of CPU against 11.6 (four
// alternating pairs); peak RSS 585 MB against 405. 64 MB gained half as
// much, 256 no more than 128.
import { processIo } from "./io.js";
import { main } from "./program.js";

process.exitCode = await main(process.argv.slice(2), processIo);
