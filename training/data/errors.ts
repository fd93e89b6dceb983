/** A problem with the user's data or options: reported as one line by the CLI. */
export class TrainingInputError extends Error {
  override name = "TrainingInputError";
}
