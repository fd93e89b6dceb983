/**
 * An S3-compatible server on loopback for `maas push --remote` tests: s3rver, a devDependency (so
 * `npm install` brings it), in this process, on a port chosen free at run time, storing objects in
 * a temporary folder. It knows one access key (S3RVER) and refuses others; like moto_server, which
 * these tests used before, it does not verify SigV4 signatures themselves.
 * patches/s3rver+3.7.1.patch (applied by patch-package on install) fixes two s3rver bugs that the
 * registry's listings hit: ListObjectsV2 paging failed on OpenSSL 3 (DES continuation tokens), and
 * a delimiter listing missed common prefixes whose objects all sit two or more levels deeper.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface S3Server {
  endpoint: string;
  /** The object events the server reported for `key`, in order: "Put", "Post" (a completed
   * multipart upload), "Copy", "Delete". */
  eventsFor(key: string): string[];
  close(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "maas-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const events: Array<{ key: string; event: string }> = [];
  server.on("event", (event) => {
    const record = event.Records[0];
    events.push({ key: record.s3.object.key, event: record.eventName.split(":").pop()! });
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    eventsFor: (key) => events.filter((e) => e.key === key).map((e) => e.event),
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
