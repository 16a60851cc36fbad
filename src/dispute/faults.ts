/**
 * Seeded random fault injection (issue #5 acceptance): a scenario puts one fault at a random
 * level and position into the dishonest side's trajectory (output element, partial sum, batch
 * link, state link, next-state link), optionally adds silence or a corrupted proof, and picks
 * which side is honest at random. The honest side must win every game.
 */
import { seededRandom } from "../pinir/models";
import type { PinProgram } from "../pinir/types";
import { reductionLengthOf } from "./semantics";
import { opDesc } from "./descriptor";
import type { Fault } from "./evidence";
import type { Strategy } from "./player";
import { Side } from "./types";

export interface FaultScenario {
  readonly seed: number;
  readonly honest: Side;
  readonly totalSteps: number;
  readonly interval: number;
  readonly fault: Fault;
  readonly strategy?: Strategy;
  /** Human-readable summary. */
  readonly label: string;
}

const DELTAS = [1 << 12, 1 << 16, 1 << 20, 1 << 26, 1 << 30];

/** The `attempt`-th candidate scenario for `seed` (callers resample when a fault is unobservable). */
export function randomScenario(program: PinProgram, seed: number, attempt = 0): FaultScenario {
  const rnd = seededRandom(seed * 7919 + attempt * 104729 + 1);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const honest = rnd() < 0.5 ? Side.Solver : Side.Challenger;
  const totalSteps = 2 + int(15);
  const interval = 1 + int(totalSteps);
  const step = 1 + int(totalSteps);
  const delta = pick(DELTAS) * (rnd() < 0.5 ? -1 : 1);
  const size = (slot: number) => program.slots[slot].shape.reduce((a, b) => a * b, 1);
  const stateIds = program.slots.flatMap((s, i) => (s.kind === "state" ? [i] : []));
  const kind = pick(["output", "output", "output", "sum", "input", "target", "state", "next-state"] as const);
  let fault: Fault;
  if (kind === "output" || kind === "sum") {
    const op = int(program.ops.length);
    const k = reductionLengthOf(opDesc(program, op));
    const term = kind === "sum" && k > 1 ? 1 + int(k) : undefined;
    fault = { kind: "output", step, op, element: int(size(program.ops[op].out)), delta, ...(term ? { term } : {}) };
  } else if (kind === "input" || kind === "target") {
    const slot = program.slots.findIndex((s) => s.kind === kind);
    fault = { kind: "input", step, element: int(size(slot)), delta, target: kind === "target" };
  } else {
    const state = int(stateIds.length);
    fault = { kind, step, state, element: int(size(stateIds[state])), delta };
  }
  const r = rnd();
  const strategy: Strategy | undefined =
    r < 0.15 ? { silentFrom: int(12) } : r < 0.3 ? { corruptAt: int(10) } : r < 0.4 && honest === Side.Solver ? { contestOpOutput: true } : undefined;
  const who = honest === Side.Solver ? "challenger" : "solver";
  const label =
    `seed ${seed}: honest ${Side[honest]}, T=${totalSteps} k=${interval}, ${who} fault ${JSON.stringify(fault)}` +
    (strategy ? ` + ${JSON.stringify(strategy)}` : "");
  return { seed, honest, totalSteps, interval, fault, strategy, label };
}
