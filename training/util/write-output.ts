/** `maas train`'s output directory: model.onnx, report.json and report.html, written all or nothing. */
import type { PipelineResult } from "../pipeline.ts";
import { reportHtml } from "../report/html.ts";
import { writeDirectory } from "./output-dir.ts";

export function writeOutputDir(out: string, result: Pick<PipelineResult, "bytes" | "report">, force: boolean): Promise<void> {
  return writeDirectory(
    out,
    {
      "model.onnx": result.bytes,
      "report.json": `${JSON.stringify(result.report, null, 2)}\n`,
      "report.html": reportHtml(result.report),
    },
    force,
  );
}
