/**
 * `npm run deploy -- <env> [--set <key.path>=<value>]...`, `npm run preview -- <env> [--set ...]`,
 * `npm run refresh -- <env>`, `npm run outputs -- <env> [--show-secrets]`, `npm run destroy -- <env> --yes`
 * (or `tsx automation/cli.ts <command> <env> ...`). Progress goes to stderr, results (JSON) to stdout. Ctrl-C
 * reaches the Pulumi CLI too (same process group), which stops gracefully; this process waits for it rather than
 * aborting as well (a second SIGINT from us would make the CLI stop at once). A second Ctrl-C exits.
 */
import { OverrideError, parseOverride } from "../scripts/plan/overrides";
import { AutomationError, AutomationOptions, cancel, ConfigOverrides, deploy, destroy, outputs, preview, refresh } from "./index";
import { deepMerge } from "./overrides";

const USAGE = `usage: tsx automation/cli.ts <deploy|preview|refresh|outputs|destroy|cancel> <env> [options]
  deploy <env> [--set <key.path>=<value>]...   e.g. --set aiDeploy.autoscaling.maxReplicas=2 (written to Pulumi.<env>.yaml once the update succeeded)
  preview <env> [--set <key.path>=<value>]...  the same overrides, never written
  refresh <env>
  outputs <env> [--show-secrets]
  destroy <env> --yes
  cancel <env> --yes                           stop an update the backend still has running (pulumi cancel)
  --backend <url>   state backend (default PULUMI_BACKEND_URL, else file://<repo>)`;

/** `aiDeploy.autoscaling.maxReplicas=2` → `{ aiDeploy: { autoscaling: { maxReplicas: 2 } } }`. */
export function overridesFromSets(sets: string[]): ConfigOverrides {
  let result: unknown = {};
  for (const set of sets) {
    const name = set.split("=")[0];
    // Only the program's own keys: provider settings such as ovh:* (often secrets) belong in `pulumi config set`.
    if (name.includes(":") && !name.startsWith("ovh-llm:")) throw new AutomationError(`--set ${name}: only ovh-llm keys can be overridden; use pulumi config set for ${name}`);
    let parsed;
    try {
      parsed = parseOverride(name.includes(":") ? set : `ovh-llm:${set}`);
    } catch (e) {
      if (e instanceof OverrideError) throw new AutomationError(e.message.replace(/^--config/, "--set"));
      throw e;
    }
    const { key, value } = parsed;
    const [, dotted] = key.split(":");
    const nested = dotted.split(".").reduceRight<unknown>((inner, segment) => ({ [segment]: inner }), value);
    result = deepMerge(result, nested);
  }
  return result as ConfigOverrides;
}

async function main(argv: string[]): Promise<number> {
  const [command, env, ...rest] = argv;
  if (!command || !env || env.startsWith("-")) throw new AutomationError(USAGE);
  const sets: string[] = [];
  let yes = false;
  let reveal = false;
  process.once("SIGINT", () => process.stderr.write("\ncancelling: waiting for the Pulumi CLI to stop gracefully (Ctrl-C again to exit now)\n"));
  const options: AutomationOptions = {
    onOutput: (text) => process.stderr.write(text),
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--set") sets.push(rest[++i] ?? "");
    else if (a === "--yes") yes = true;
    else if (a === "--show-secrets") reveal = true;
    else if (a === "--backend") options.backendUrl = rest[++i];
    else throw new AutomationError(`unknown option ${a}\n${USAGE}`);
  }
  if (sets.length > 0 && command !== "deploy" && command !== "preview") throw new AutomationError(`--set is for deploy and preview, not ${command}`);
  const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");
  switch (command) {
    case "deploy": {
      const r = await deploy(env, overridesFromSets(sets), options);
      print({ summary: r.summary, outputs: r.outputs });
      return 0;
    }
    case "preview": {
      const r = await preview(env, overridesFromSets(sets), options);
      print({ summary: r.summary });
      return 0;
    }
    case "refresh":
      print(await refresh(env, options));
      return 0;
    case "outputs":
      print(await outputs(env, { revealSecrets: reveal }, options));
      return 0;
    case "destroy":
      if (!yes) throw new AutomationError(`destroy deletes every resource of stack ${env}: add --yes to confirm`);
      print(await destroy(env, options));
      return 0;
    case "cancel":
      if (!yes) throw new AutomationError(`cancel stops the update the backend has running for ${env}, cutting off its resource operations: add --yes to confirm`);
      await cancel(env, options);
      print({ cancelled: env });
      return 0;
    default:
      throw new AutomationError(`unknown command ${command}\n${USAGE}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const known = e instanceof AutomationError;
      process.stderr.write(`error: ${known ? (e as Error).message : e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(known ? 1 : 2);
    },
  );
}
