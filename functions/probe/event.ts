/** The probe Lambda's event: the EventBridge rule's input (targets and the scheduled time), or a self-test request. */
import * as z from "zod/mini";
import { wholeNumberType } from "../common/schema-kit";
import { TargetListSchema, validate, type Target } from "../common/targets";

const wholeNumber = (min: number) => wholeNumberType().check(z.minimum(min, { error: `must be at least ${min}` }));

/**
 * Which slice of the stage's targets this event carries, for logs and the summary. It does not
 * filter: the program splits the list (EventBridge's constant input is limited to 8,192
 * characters) and each rule's event carries only its own shard's targets.
 */
const ShardSchema = z
  .strictObject({ index: wholeNumber(0), count: wholeNumber(1) }, { error: "must be an object { index, count }" })
  .check(z.refine((shard) => shard.index < shard.count, { path: ["index"], error: "must be less than shard.count" }));

/**
 * The scheduled time of the run: the EventBridge event's `time`, which the rule's input
 * transformer puts into the constant input (infra/components/probes.ts). ISO 8601 in UTC, as
 * EventBridge writes it (`2026-11-26T10:03:00Z`).
 */
const ScheduledTimeSchema = z.string({ error: "must be an ISO 8601 time" }).check(
  z.refine((value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)), {
    error: "must be an ISO 8601 time like 2026-11-26T10:03:00Z",
  }),
);

const ProbeEventSchema = z
  .strictObject(
    {
      targets: z.optional(TargetListSchema),
      shard: z.optional(ShardSchema),
      time: z.optional(ScheduledTimeSchema),
      selfTest: z.optional(z.boolean({ error: "must be true or false" })),
    },
    { error: "must be an object" },
  )
  .check(
    z.superRefine((event, ctx) => {
      if (!event.selfTest && event.targets === undefined) ctx.addIssue({ code: "custom", path: ["targets"], message: "is required" });
    }),
  );

export interface ProbeEvent {
  targets?: Target[];
  shard?: { index: number; count: number };
  /** When the run was scheduled (absent for a local run or a hand-made event). */
  time?: string;
  selfTest?: boolean;
}

/** Validates an event; errors read `event.targets[2].url: must be http or https`. */
export function parseProbeEvent(event: unknown): ProbeEvent {
  return validate(ProbeEventSchema, event, "event");
}
