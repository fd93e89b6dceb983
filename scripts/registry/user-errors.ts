/** Errors of the registry code that are the user's to fix, turned into the CLI's one-line errors. */
import { CliError } from "../cli-error.ts";
import { InvalidModelError } from "./inspect-model.ts";
import { PublishError } from "./publish.ts";
import { S3Error } from "./s3-bucket.ts";

export async function asUserErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PublishError || error instanceof InvalidModelError || error instanceof S3Error) {
      throw new CliError(error.message.split("\n")[0]);
    }
    throw error;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
