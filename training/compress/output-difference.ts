/** How far a compressed model's outputs are from the source model's on the same inputs. */
import type { Outputs } from "./run-model.ts";

export interface OutputDifference {
  output: string;
  /** ‖y − y_ref‖₂ / ‖y_ref‖₂ over all elements (0 when identical). */
  relativeL2: number;
  maxAbs: number;
  /** Share of elements that differ (the meaningful number for integer outputs such as labels). */
  mismatchRate: number;
  integer: boolean;
}

export function compareOutputs(reference: Outputs, candidate: Outputs): OutputDifference[] {
  return Object.entries(reference).map(([name, ref]) => {
    const got = candidate[name];
    if (!got || got.data.length !== ref.data.length) {
      throw new Error(`output "${name}" differs in shape: [${ref.dims}] vs [${got?.dims ?? "missing"}]`);
    }
    let diff2 = 0;
    let ref2 = 0;
    let maxAbs = 0;
    let mismatches = 0;
    for (let i = 0; i < ref.data.length; i++) {
      const a = Number(ref.data[i]);
      const b = Number(got.data[i]);
      const d = Math.abs(a - b);
      diff2 += d * d;
      ref2 += a * a;
      maxAbs = Math.max(maxAbs, d);
      if (a !== b) mismatches += 1;
    }
    const relativeL2 = diff2 === 0 ? 0 : Math.sqrt(diff2) / Math.sqrt(ref2 || 1);
    const integer = !ref.type.startsWith("float");
    return { output: name, relativeL2, maxAbs, mismatchRate: ref.data.length ? mismatches / ref.data.length : 0, integer };
  });
}
