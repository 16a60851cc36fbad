/**
 * Dispute-game types shared with contracts/types/DisputeTypes.sol and IDisputeGame.sol.
 * Enum values are the Solidity enum ordinals.
 */

/** contracts/types/DisputeTypes.sol `Side`. */
export enum Side {
  None = 0,
  Solver = 1,
  Challenger = 2,
}

/** contracts/types/DisputeTypes.sol `Level`. */
export enum Level {
  None = 0,
  Steps = 1,
  Tables = 2,
  Ops = 3,
  OpOutput = 4,
  Element = 5,
  Sums = 6,
  OneStep = 7,
  InitialSlots = 8,
  InitialSlotProof = 9,
  BatchElement = 10,
  BatchProof = 11,
  FinalState = 12,
  FinalStateProof = 13,
  OpOutputProof = 14,
  OpUpdateProof = 15,
  /** Decided: the winner is recorded, no more moves; `settle` is due. */
  Decided = 16,
  /** Settled: TaskMarket resolution and the bond's slash/unlock are done. */
  Settled = 17,
}

/** Whether a game at `level` takes no more moves (decided, settled or not). */
export function isDecided(level: Level): boolean {
  return level === Level.Decided || level === Level.Settled;
}

/** Fixed-layout op descriptor (Solidity `OpDesc`). Shapes and scalars as plain safe integers. */
export interface OpDesc {
  readonly opcode: number;
  readonly out: number;
  readonly a: number;
  readonly b: number;
  readonly outScale: number;
  readonly aScale: number;
  readonly bScale: number;
  readonly p0: number;
  readonly p1: number;
  /** MulConst constant (|c| < 2^53). */
  readonly c: number;
  readonly outShape: readonly number[];
  readonly aShape: readonly number[];
  readonly bShape: readonly number[];
}

/** Fixed-layout slot descriptor (Solidity `SlotDesc`). */
export interface SlotDesc {
  readonly kind: number;
  readonly scale: number;
  readonly stateIndex: number;
  readonly nextSlot: number;
  /** 0x-prefixed 32-byte hex: tensor hash of a const slot, zero otherwise. */
  readonly constHash: string;
  readonly shape: readonly number[];
}

/** Preimage of the chain program commitment (Solidity `ProgramInfo`). Hashes are 0x-hex. */
export interface ProgramInfo {
  readonly compilerHash: string;
  readonly opsRoot: string;
  readonly slotsRoot: string;
  readonly nOps: number;
  readonly nSlots: number;
  readonly nState: number;
}

/** IDisputeGame.Context: what a game knows about the task's work. */
export interface GameContext {
  readonly program: ProgramInfo;
  readonly datasetHash: string;
  readonly batchSize: number;
}
