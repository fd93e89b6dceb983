/** An error meant for the person at the terminal: printed as one line, exit code 1, no stack. */
export class CliError extends Error {
  override name = "CliError";
}

/** The command line itself is wrong (missing or unknown argument): one line, the usage hint, exit code 2. */
export class UsageError extends CliError {
  override name = "UsageError";
}
