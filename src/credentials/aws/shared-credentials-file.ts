import { readFileSync, statSync } from "node:fs";
import type { AwsCredentials } from "./aws-credentials.js";
import { parseAwsCredentialsFile } from "./parse-aws-credentials-file.js";

/** How often the file's mtime is checked at most: rotation is picked up within a second. */
const CHECK_INTERVAL_MS = 1000;

/**
 * One profile of the AWS shared credentials file on disk (AWS_SHARED_CREDENTIALS_FILE or
 * ~/.aws/credentials). Rotated credentials (e.g. written by `aws sso login` or a sidecar) take effect
 * without a restart: the file is re-read when its modification time or size changes.
 */
export class SharedCredentialsFile {
  private checkedAt = Number.NEGATIVE_INFINITY;
  private stamp = "";
  private credentials: AwsCredentials | undefined;

  constructor(
    readonly path: string,
    private readonly profile: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The profile's credentials, or undefined when the file or the profile is missing. */
  current(): AwsCredentials | undefined {
    const now = this.now();
    if (now - this.checkedAt < CHECK_INTERVAL_MS) return this.credentials;
    this.checkedAt = now;
    const stat = statSync(this.path, { throwIfNoEntry: false });
    const stamp = stat === undefined ? "" : `${stat.mtimeMs}:${stat.size}`;
    if (stamp === this.stamp) return this.credentials;
    this.stamp = stamp;
    this.credentials = stat === undefined ? undefined : this.read();
    return this.credentials;
  }

  private read(): AwsCredentials | undefined {
    try {
      return parseAwsCredentialsFile(readFileSync(this.path, "utf8"), this.profile);
    } catch {
      // Unreadable right now (e.g. replaced mid-write): try again at the next check.
      this.stamp = "";
      return undefined;
    }
  }
}
