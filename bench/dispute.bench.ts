/**
 * Dispute benchmark (issue #5): gas of every move type and of the one-step check per op type,
 * total gas and rounds of complete disputes on real programs (Iris 4-8-3 and MNIST 784-16-10 MLP
 * train steps), and an extrapolation to a 10^6-step job with a 1,000-op program and K = 4,096.
 *
 * Rounds = challenger decisions (each answers one solver post); the final one-step check is the
 * solver's closing move. Gas is the transaction's gasUsed (21,000 intrinsic gas included).
 * A deciding move only records the winner; `settle` (anyone, once) pays: its gas is reported on
 * its own (`settle`, by winner) and is not a move.
 */
import { opName, Side, Trajectory, dissectionRounds, descentRounds, type Fault, type PlayResult } from "../src/dispute";
import { reductionLengthOf } from "../src/dispute/semantics";
import { DisputeDefaults } from "../deploy/modules/Dispute";
import hre from "hardhat";
import { deploySystem, irisWorkload, mnistWorkload, runScenario, type System, type Workload } from "../test/dispute/fixture";

export const name = "dispute";

interface MoveStats {
  count: number;
  max: number;
  mean: number;
}

/** Gas of `settle` by winner ("solverWon" / "challengerWon"). */
const settles = new Map<string, number[]>();

function addMoves(acc: Map<string, number[]>, r: PlayResult): void {
  for (const m of r.moves) {
    const key = m.move.replace(/^oneStep:.*/, "oneStep");
    acc.set(key, [...(acc.get(key) ?? []), Number(m.gas)]);
  }
  if (r.settled) {
    const key = r.winner === Side.Solver ? "solverWon" : "challengerWon";
    settles.set(key, [...(settles.get(key) ?? []), Number(r.settleGas)]);
  }
}

function stats(acc: Map<string, number[]>): Record<string, MoveStats> {
  const out: Record<string, MoveStats> = {};
  for (const [k, v] of [...acc.entries()].sort()) {
    out[k] = { count: v.length, max: Math.max(...v), mean: Math.round(v.reduce((a, b) => a + b, 0) / v.length) };
  }
  return out;
}

const rounds = (r: PlayResult) => r.moves.filter((m) => m.side === Side.Challenger).length;

async function fresh<T>(f: () => Promise<T>): Promise<T> {
  const snap = await hre.network.provider.send("evm_snapshot", []);
  try {
    return await f();
  } finally {
    await hre.network.provider.send("evm_revert", [snap]);
  }
}

/** First observable output fault at op `op` (tries elements and deltas). */
function observableFault(w: Workload, op: number, steps: number): Fault | undefined {
  const honest = new Trajectory(w.program, w.dataset, w.s0, steps);
  const n = w.program.slots[w.program.ops[op].out].shape.reduce((a, b) => a * b, 1);
  for (const delta of [1 << 20, 1 << 26, -(1 << 16), 1 << 12, 1 << 30]) {
    for (const element of [0, n - 1, Math.floor(n / 2)]) {
      const f: Fault = { kind: "output", step: steps, op, element, delta };
      try {
        if (!new Trajectory(w.program, w.dataset, w.s0, steps, [f]).stateHash(steps).equals(honest.stateHash(steps))) return f;
      } catch {
        // overflow: try another
      }
    }
  }
  return undefined;
}

export async function run(): Promise<Record<string, unknown>> {
  settles.clear();
  const s: System = await deploySystem();
  const iris = irisWorkload();
  const moves = new Map<string, number[]>();

  // 1. A complete dispute on the Iris train step: 256 steps in one interval, wrong MatMul element.
  const full = await fresh(() => runScenario(s, iris, { totalSteps: 256, interval: 256, solverFaults: [{ kind: "output", step: 77, op: 0, element: 5, delta: 1 << 30 }] }));
  addMoves(moves, full.result);
  moves.set("open", [Number(full.openGas)]);

  // 2. One-step check per op type (first op of each type in the program).
  const oneStep: Record<string, { op: number; gas: number; reduction: boolean }> = {};
  const seen = new Set<string>();
  for (let j = 0; j < iris.program.ops.length; j++) {
    const op = iris.program.ops[j].op;
    if (seen.has(op)) continue;
    const f = observableFault(iris, j, 2);
    if (!f) continue;
    seen.add(op);
    const r = await fresh(() => runScenario(s, iris, { totalSteps: 2, interval: 2, solverFaults: [f] }));
    addMoves(moves, r.result);
    const last = r.result.moves.at(-1)!;
    if (!last.move.startsWith("oneStep:")) continue;
    oneStep[last.move.slice(8)] = { op: j, gas: Number(last.gas), reduction: reductionLengthOf(iris.cp.opDescs[j]) > 0 };
  }

  // 3. Link contests (batch, state, next state) and a deep tensor descent (MNIST W1 update, 12,544 elements).
  for (const f of [
    { kind: "input", step: 2, element: 9, delta: 1 << 14 },
    { kind: "state", step: 2, state: 0, element: 1, delta: 1 << 16 },
    { kind: "next-state", step: 2, state: 1, element: 1, delta: 1 << 16 },
  ] as Fault[]) {
    addMoves(moves, (await fresh(() => runScenario(s, iris, { totalSteps: 2, interval: 2, solverFaults: [f] }))).result);
  }
  // Link proofs by an honest solver against challengers contesting correct links.
  addMoves(moves, (await fresh(() => runScenario(s, iris, { totalSteps: 2, interval: 2, challengerFaults: [{ kind: "output", step: 2, op: 0, element: 1, delta: 1 << 30 }], challengerStrategy: { contestOpOutput: true } }))).result);
  addMoves(moves, (await fresh(() => runScenario(s, iris, { totalSteps: 2, interval: 2, challengerFaults: [{ kind: "next-state", step: 2, state: 1, element: 1, delta: 1 << 16 }] }))).result);
  addMoves(moves, (await fresh(() => runScenario(s, iris, { totalSteps: 2, interval: 2, challengerFaults: [{ kind: "state", step: 2, state: 0, element: 1, delta: 1 << 16 }] }))).result);
  const mnist = mnistWorkload();
  const w1Update = mnist.program.stateUpdates[0].to;
  const opW1 = mnist.program.ops.findIndex((o) => o.out === w1Update);
  const mnistFault = { kind: "output", step: 2, op: opW1, element: 9000, delta: 1 << 16 } as Fault;
  const mn = await fresh(() => runScenario(s, mnist, { totalSteps: 2, interval: 2, solverFaults: [mnistFault] }));
  addMoves(moves, mn.result);
  const mnBatch = await fresh(() => runScenario(s, mnist, { totalSteps: 2, interval: 2, solverFaults: [{ kind: "input", step: 2, element: 4000, delta: 1 << 14 }] }));
  addMoves(moves, mnBatch.result);

  const perMove = stats(moves);
  const settle = stats(settles);
  const settleMax = Math.max(...Object.values(settle).map((v) => v.max));
  const d = DisputeDefaults.degree;
  const bits = DisputeDefaults.treeBits;

  // 4. Extrapolation: 10^6 steps, 1,000 ops, ~2,000 slots, K = 4,096, output [64, 4,096]
  //    (2,048 leaves, data depth 11). Per-move gas from the measured maxima; the one-step check
  //    adds ~850 gas per proof hash (32 calldata bytes + one SHA-256 call) beyond the Iris depths.
  //    Dissection and descent moves do not depend on the program size.
  const PER_HASH = 850;
  const g = (k: string) => perMove[k]?.max ?? 0;
  const extraOneStep = (10 - 6) + 2 * (11 - 6) + 2 * 11; // op proof, 2 slot proofs, 2 element proofs
  const extrapolate = (stepsInInterval: number) => {
    const r = {
      steps: dissectionRounds(stepsInInterval, d),
      ops: dissectionRounds(1000, d),
      element: descentRounds(11, bits) + 1,
      sums: dissectionRounds(4096, d),
    };
    const gas =
      r.steps * (g("bisect:Steps") + g("choose:Steps")) +
      g("postTables") +
      (r.ops - 1) * g("bisect:Ops") +
      r.ops * g("choose:Ops") +
      g("postOpOutput") +
      descentRounds(11, bits) * (g("bisect:Element") || g("bisect:Steps")) +
      descentRounds(11, bits) * (g("choose:Element") || g("choose:Steps")) +
      g("revealLeaf:Element") +
      g("chooseElement:Element") +
      r.sums * (g("bisect:Sums") + g("choose:Sums")) +
      (oneStep.MatMul?.gas ?? 0) + extraOneStep * PER_HASH +
      settleMax;
    const roundsTotal = r.steps + r.ops + r.element + r.sums;
    return { rounds: roundsTotal, roundsByLevel: r, gasExcludingOpen: gas, gasWithOpen: gas + g("open") };
  };

  // Every move but the one-time open and the one-step check (its own ≤ 500k budget) must fit 80k,
  // deciding moves (link proofs, dataset opening, padding element, timeout) included.
  const budgeted = Object.entries(perMove).filter(([k]) => k !== "open" && k !== "oneStep");
  const maxMove = Math.max(...budgeted.map(([, v]) => v.max));
  const maxMoveName = budgeted.find(([, v]) => v.max === maxMove)?.[0];
  const deciding = (k: string) => k === "timeout" || k.startsWith("prove");
  const maxDeciding = Math.max(...budgeted.filter(([k]) => deciding(k)).map(([, v]) => v.max));
  return {
    degree: d,
    treeBits: bits,
    program: { name: iris.name, ops: iris.program.ops.length, slots: iris.program.slots.length },
    perMove,
    settle,
    oneStepByOp: oneStep,
    oneStepOpsCovered: Object.keys(oneStep).map((k) => k),
    fullDispute: {
      scenario: "Iris 4-8-3 MLP, 256 steps in one interval, solver wrong at one MatMul element",
      rounds: rounds(full.result),
      moves: full.result.moves.length,
      totalGas: Number(full.result.totalGas) + Number(full.openGas),
      openGas: Number(full.openGas),
      settleGas: Number(full.result.settleGas),
      winner: Side[full.result.winner],
    },
    mnistDescent: {
      scenario: `MNIST 784-16-10, wrong element of op ${opW1} (${opName(mnist.cp.opDescs[opW1].opcode)}, ${mnist.cp.opDescs[opW1].outShape.join("x")})`,
      rounds: rounds(mn.result),
      totalGas: Number(mn.result.totalGas) + Number(mn.openGas),
      settleGas: Number(mn.result.settleGas),
      winner: Side[mn.result.winner],
    },
    extrapolated: {
      assumptions: "10^6 steps; 1,000 ops; 2,000 slots; K = 4,096; disputed output [64, 4096]; D = 16; 16-way descents; one settle",
      wholeJobOneInterval: extrapolate(1_000_000),
      checkpointEvery1000: extrapolate(1000),
    },
    goals: {
      maxGasPerMove: maxMove,
      maxGasPerMoveName: maxMoveName,
      maxGasPerMoveOk: maxMove <= 80_000,
      maxGasPerDecidingMove: maxDeciding,
      settleMax,
      openGas: g("open"),
      extrapolatedRoundsOk: extrapolate(1_000_000).rounds <= 15,
      extrapolatedGasOk: extrapolate(1_000_000).gasWithOpen <= 3_000_000,
      oneStepMax: Math.max(...Object.values(oneStep).map((x) => x.gas)),
      oneStepOk: Math.max(...Object.values(oneStep).map((x) => x.gas)) <= 500_000,
    },
  };
}
