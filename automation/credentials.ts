/**
 * Preflight checks that need no CLI: is `pulumi` on PATH, are OVH credentials available. The OVH provider takes
 * application keys or an OAuth2 service account (or an access token), from the environment or from `ovh:` config.
 */
import * as fs from "fs";
import * as path from "path";

/** Complete credential sets, as environment variables and as `ovh:` config keys (pulumi-ovh 2.x). */
export const OVH_CREDENTIAL_SETS = [
  { name: "application keys", env: ["OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"], config: ["ovh:applicationKey", "ovh:applicationSecret", "ovh:consumerKey"] },
  { name: "OAuth2 service account", env: ["OVH_CLIENT_ID", "OVH_CLIENT_SECRET"], config: ["ovh:clientId", "ovh:clientSecret"] },
  { name: "access token", env: ["OVH_ACCESS_TOKEN"], config: ["ovh:accessToken"] },
] as const;

/** Which credential set is complete (each key from the environment or the stack config), if any. */
export function findOvhCredentials(env: Record<string, string | undefined>, configKeys: ReadonlySet<string>): string | undefined {
  for (const set of OVH_CREDENTIAL_SETS) {
    if (set.env.every((k, i) => (env[k] ?? "") !== "" || configKeys.has(set.config[i]))) return set.name;
  }
  return undefined;
}

export function missingCredentialsMessage(stack: string): string {
  return (
    `no OVH API credentials for stack ${stack}: set ${OVH_CREDENTIAL_SETS.map((s) => s.env.join(" + ")).join(", or ")} ` +
    `(or the same as ovh: config, e.g. pulumi config set --secret ovh:applicationSecret ...)`
  );
}

/** Whether an executable `pulumi` is on the PATH of `env`. */
export function pulumiOnPath(env: Record<string, string | undefined>): boolean {
  const names = process.platform === "win32" ? ["pulumi.exe", "pulumi.cmd"] : ["pulumi"];
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}
