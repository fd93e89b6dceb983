/**
 * The student `maas distill` trains when no --hidden is given: one hidden layer, the widest whose
 * student has at most a quarter of the teacher's parameters. A student as large as its teacher
 * (the old default, 16 units, on a small teacher) compresses nothing.
 */

/** The largest share of the teacher's parameters the default student may have. */
export const DEFAULT_STUDENT_SHARE = 0.25;

export class StudentTooSmallError extends Error {
  override name = "StudentTooSmallError";
}

/**
 * Float parameters of a student as buildInferenceModel writes it: the input's fill, mean and std
 * (one each per encoded column) and every layer's weight and bias.
 */
export function studentParameters(inputs: number, hidden: readonly number[], outputs: number): number {
  const sizes = [inputs, ...hidden, outputs];
  let count = 3 * inputs;
  for (let i = 0; i + 1 < sizes.length; i++) count += sizes[i] * sizes[i + 1] + sizes[i + 1];
  return count;
}

export interface StudentChoice {
  hidden: number[];
  parameters: number;
  /** One sentence saying how the size was chosen, for the summary. */
  reason: string;
}

export function defaultStudent(teacherParameters: number, inputs: number, outputs: number): StudentChoice {
  const budget = Math.floor(teacherParameters * DEFAULT_STUDENT_SHARE);
  // parameters(h) = 3·in + in·h + h + h·out + out, increasing in h.
  const width = Math.floor((budget - 3 * inputs - outputs) / (inputs + 1 + outputs));
  if (width >= 1) {
    return {
      hidden: [width],
      parameters: studentParameters(inputs, [width], outputs),
      reason: `one hidden layer of ${width}: the widest with at most a quarter of the teacher's ${teacherParameters} parameters (${budget})`,
    };
  }
  const linear = studentParameters(inputs, [], outputs);
  if (linear <= budget) {
    return { hidden: [], parameters: linear, reason: `no hidden layer: even one hidden unit would exceed a quarter of the teacher's ${teacherParameters} parameters (${budget})` };
  }
  throw new StudentTooSmallError(
    `the teacher has ${teacherParameters} parameters; no student for ${inputs} inputs and ${outputs} classes fits in a quarter of them (${budget}): choose one with --hidden`,
  );
}
