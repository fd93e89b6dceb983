/** An error meant for the person at the terminal: printed as one line, exit code 1, no stack. */
export class CliError extends Error {
  override name = "CliError";
}
