/**
 * The workerd executable itself, from the package's own resolver. node_modules/.bin/workerd is a
 * Node shim wherever workerd's install script did not replace it with the binary (package.json's
 * allowScripts keeps that script from running): the shim runs the binary as a child, so the process
 * the bench starts — and reads CPU time and memory from — would be the shim (0 µs per request).
 */
import { createRequire } from "node:module";

export const WORKERD_BINARY: string = (createRequire(import.meta.url)("workerd") as { default: string }).default;
