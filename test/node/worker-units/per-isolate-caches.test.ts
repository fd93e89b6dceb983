/**
 * What the Worker keeps per isolate so that a request does not redo it: parsed settings and matched
 * API keys. Both must follow the vars and the API_KEYS secret the moment they change — a rotated
 * secret may not leave a revoked key working, and a changed var may not be ignored.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Env } from "../../../functions/env.ts";
import { findApiKey, parseApiKeys } from "../../../functions/security/api-keys.ts";
import { settingsOf } from "../../../functions/settings.ts";

// Hashes made here with node:crypto, not with the Worker's hashApiKey.
const hashOf = (key: string) => `sha256:${createHash("sha256").update(key).digest("hex")}`;
const keysJson = (...entries: [name: string, key: string][]) => JSON.stringify(entries.map(([name, key]) => ({ name, hash: hashOf(key), models: "*" })));
const envWith = (vars: Partial<Record<keyof Env, string>>) => ({ MODELS: undefined, ...vars }) as unknown as Env;

describe("settings", () => {
  it("a new env object with the same vars gets the same settings; a changed var is read again", () => {
    const vars = { API_KEYS: keysJson(["alice", "key-a"]), MAX_BODY_BYTES: "1000", REQUEST_LOG: "errors" };
    const first = settingsOf(envWith(vars));
    expect(first.maxBodyBytes).toBe(1000);
    expect(first.requestLog).toBe("errors");
    expect(first.apiKeys.map((k) => k.name)).toEqual(["alice"]);
    // Same vars, another object (as a runtime might pass per request): the parsed settings, not a re-parse.
    expect(settingsOf(envWith({ ...vars }))).toBe(first);

    const changedLimit = settingsOf(envWith({ ...vars, MAX_BODY_BYTES: "2000" }));
    expect(changedLimit.maxBodyBytes).toBe(2000);
    const rotated = settingsOf(envWith({ ...vars, MAX_BODY_BYTES: "2000", API_KEYS: keysJson(["bob", "key-b"]) }));
    expect(rotated.apiKeys.map((k) => k.name)).toEqual(["bob"]);
    const anonymous = settingsOf(envWith({ ...vars, MAX_BODY_BYTES: "2000", API_KEYS: keysJson(["bob", "key-b"]), ALLOW_ANONYMOUS: "true" }));
    expect(anonymous.allowAnonymous).toBe(true);
    expect(anonymous.apiKeys.map((k) => k.name)).toEqual(["bob"]);
  });
});

describe("matched API keys", () => {
  it("each key finds its own entry, again and again; unknown keys never match", async () => {
    const entries = parseApiKeys(keysJson(["alice", "key-a"], ["bob", "key-b"]));
    for (let round = 0; round < 3; round++) {
      expect((await findApiKey(entries, "key-a"))?.name).toBe("alice");
      expect((await findApiKey(entries, "key-b"))?.name).toBe("bob");
      expect(await findApiKey(entries, "key-c")).toBeUndefined();
      expect(await findApiKey(entries, "key-a ")).toBeUndefined();
    }
  });

  it("a key revoked by a new API_KEYS secret stops matching at once, though it matched before", async () => {
    const before = settingsOf(envWith({ API_KEYS: keysJson(["alice", "key-a"], ["bob", "key-b"]) }));
    expect((await findApiKey(before.apiKeys, "key-a"))?.name).toBe("alice");
    const after = settingsOf(envWith({ API_KEYS: keysJson(["bob", "key-b"]) }));
    expect(await findApiKey(after.apiKeys, "key-a")).toBeUndefined();
    expect((await findApiKey(after.apiKeys, "key-b"))?.name).toBe("bob");
    // The same key given to another name by the new secret answers with the new entry.
    const renamed = settingsOf(envWith({ API_KEYS: keysJson(["carol", "key-b"]) }));
    expect((await findApiKey(renamed.apiKeys, "key-b"))?.name).toBe("carol");
  });
});
