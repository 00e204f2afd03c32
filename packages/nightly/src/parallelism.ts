import { availableParallelism } from "node:os";
import type { Capabilities } from "@billing/db";
import type { ReconcileOptions } from "./run.js";

/** Usage files of a megabyte or more are read in two halves at once. */
const SPLIT_READING_BYTES = 1 << 20;

/**
 * Worker threads that rate (lanes, see ChunkRaters), whatever the cores: on
 * two, a second lane took 130,000 subscribers (5.2M CDRs) from 23.7 s to
 * 20.7 s, and 2M CDRs some 0.3 s faster, the rating threads waiting less on the others.
 */
const RATING_LANES = 2;

/**
 * The threads a run from the built package uses on this machine: rating lanes
 * only beside a database out of this process (an embedded one's memory is
 * this process's), and on two cores or more a second reader of each large
 * file (it takes no reference data, so it fits beside the embedded database too).
 */
export function parallelism(capabilities: Capabilities): Pick<ReconcileOptions, "threads" | "splitReading"> {
  return {
    threads: capabilities.inProcess ? 0 : RATING_LANES,
    ...(availableParallelism() > 1 && { splitReading: { minBytes: SPLIT_READING_BYTES } }),
  };
}
