/**
 * Internal to src/exec (not exported from the barrel): tensors whose values are known to satisfy
 * the bound of the slot they are fed to — next states the executor produced within their bound,
 * and train()'s batch buffers, which only ever hold rows of a dataset checked once. Such tensors
 * are treated as immutable; they are not scanned again by checkInputBounds.
 */
import type { IntTensor } from "../pinir/types";

const checkedTensors = new WeakSet<IntTensor>();

export function markChecked(t: IntTensor): IntTensor {
  checkedTensors.add(t);
  return t;
}

export function isChecked(t: IntTensor): boolean {
  return checkedTensors.has(t);
}
