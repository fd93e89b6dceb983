// s3rver ships no types: the part of its API the remote-push tests use.
declare module "s3rver" {
  interface S3rverOptions {
    address?: string;
    /** 0 picks a free port. */
    port?: number;
    silent?: boolean;
    directory: string;
  }
  /** An S3 event notification, as S3 sends them (one record per event). */
  interface S3Event {
    Records: Array<{ eventName: string; s3: { object: { key: string } } }>;
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Resolves to the listening server's address. */
    run(): Promise<import("node:net").AddressInfo>;
    close(): Promise<void>;
    on(event: "event", listener: (event: S3Event) => void): this;
  }
}
