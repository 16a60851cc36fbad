/**
 * Conversions from the TypeScript proof objects to the argument shapes of the Solidity proof
 * structs (LibTensor.ElementProof, LibProofs.ListProof) as ethers v6 expects them.
 */
import type { ListProof } from "./lists";
import type { ElementProof } from "./tensor";

/** 0x-prefixed lowercase hex. */
export function toHex(b: Uint8Array): string {
  return "0x" + Buffer.from(b).toString("hex");
}

/** Argument for a `LibTensor.ElementProof calldata` parameter. */
export interface SolElementProof {
  scale: number;
  shape: number[];
  index: number;
  leaf: string;
  path: string[];
}

/** Argument for a `LibProofs.ListProof calldata` parameter. */
export interface SolListProof {
  count: number;
  index: number;
  path: string[];
}

export function toSolElementProof(p: ElementProof): SolElementProof {
  return { scale: p.scale, shape: [...p.shape], index: p.index, leaf: toHex(p.leaf), path: p.path.map(toHex) };
}

export function toSolListProof(p: ListProof): SolListProof {
  return { count: p.count, index: p.index, path: p.path.map(toHex) };
}
