/**
 * Near misses, for callers who make typos: which known name a mistyped one was probably meant to
 * be. fastest-levenshtein measures the distance; what counts as near is decided here, once, for
 * every message that offers a "did you mean": the Worker's (feature names, models, versions,
 * routes, body keys) and the CLI's (commands, options, subcommands, option values).
 */
import { closest, distance } from "fastest-levenshtein";

/**
 * Edits a name of this length may be away from the one meant: none up to 2 characters (any two
 * short names are that close), 1 up to 5, 2 up to 8, then 3.
 */
function allowedEdits(length: number): number {
  return length <= 2 ? 0 : length <= 5 ? 1 : length <= 8 ? 2 : 3;
}

/** Whether `a` becomes `b` by swapping two neighbouring letters ("irsi" → "iris"): one slip of the fingers, two edits for Levenshtein. */
function oneSwapApart(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/**
 * The candidate `given` was most likely meant to be, or undefined when none is near enough to
 * offer. Case is ignored ("Inputs" is near "inputs"); an exact match is not a near miss.
 */
export function nearMiss(given: string, candidates: Iterable<string>): string | undefined {
  // A mistyped number (a version id) is just another number: nothing to guess from.
  if (/^\d+$/.test(given)) return undefined;
  const lower = given.toLowerCase();
  const allowed = allowedEdits(given.length);
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    // Lengths further apart than the edits allowed cannot be near: skipped before measuring, so a
    // body of huge keys (or a huge key) costs no quadratic edit distances.
    if (candidate === given || Math.abs(candidate.length - given.length) > allowed) continue;
    const other = candidate.toLowerCase();
    const d = oneSwapApart(lower, other) ? 1 : distance(lower, other);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** ` (did you mean "x"?)` when one of `candidates` is a near miss of `given`, else "". */
export function didYouMean(given: string, candidates: Iterable<string>): string {
  const meant = nearMiss(given, candidates);
  return meant === undefined ? "" : ` (did you mean ${JSON.stringify(meant)}?)`;
}

/**
 * The closest of `names` to `field`, however far: for a record's field, where the model's features
 * are the only names it can have meant. A name contained in the other (a prefix, a suffix) wins
 * over one merely fewer edits away: "od280" means "od280_od315_of_diluted_wines".
 */
export function closestName(field: string, names: readonly string[]): string {
  const lower = field.toLowerCase();
  const overlapping = names.filter((n) => n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase()));
  if (overlapping.length === 0) return closest(field, names);
  return overlapping.reduce((best, n) => (distance(field, n) < distance(field, best) ? n : best));
}

/** Names in the order a person reads them, numbers by value: version "2" before "10". */
export function inNaturalOrder(names: readonly string[]): string[] {
  return [...names].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}
