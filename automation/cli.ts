/**
 * `npm run deploy -- <env> [--set <key.path>=<value>]...`, `npm run preview -- <env>`,
 * `npm run outputs -- <env> [--show-secrets]`, `npm run destroy -- <env> --yes`
 * (or `tsx automation/cli.ts <command> <env> ...`). Progress goes to stderr, results (JSON) to stdout.
 */
import { ConfigError } from "../config/schema";
import { parseOverride } from "../scripts/plan/overrides";
import { AutomationError, AutomationOptions, ConfigOverrides, deploy, destroy, outputs, preview } from "./index";
import { deepMerge } from "./overrides";

const USAGE = `usage: tsx automation/cli.ts <deploy|preview|outputs|destroy> <env> [options]
  deploy <env> [--set <key.path>=<value>]...   e.g. --set aiDeploy.autoscaling.maxReplicas=2 (written to Pulumi.<env>.yaml)
  preview <env>
  outputs <env> [--show-secrets]
  destroy <env> --yes
  --backend <url>   state backend (default PULUMI_BACKEND_URL, else file://<repo>)`;

/** `aiDeploy.autoscaling.maxReplicas=2` → `{ aiDeploy: { autoscaling: { maxReplicas: 2 } } }`. */
export function overridesFromSets(sets: string[]): ConfigOverrides {
  let result: unknown = {};
  for (const set of sets) {
    const name = set.split("=")[0];
    // Only the program's own keys: provider settings such as ovh:* (often secrets) belong in `pulumi config set`.
    if (name.includes(":") && !name.startsWith("ovh-llm:")) throw new AutomationError(`--set ${name}: only ovh-llm keys can be overridden; use pulumi config set for ${name}`);
    const { key, value } = parseOverride(name.includes(":") ? set : `ovh-llm:${set}`);
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
  const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");
  switch (command) {
    case "deploy": {
      const r = await deploy(env, overridesFromSets(sets), options);
      print({ summary: r.summary, outputs: r.outputs });
      return 0;
    }
    case "preview":
      print(await preview(env, options));
      return 0;
    case "outputs":
      print(await outputs(env, { revealSecrets: reveal }, options));
      return 0;
    case "destroy":
      if (!yes) throw new AutomationError(`destroy deletes every resource of stack ${env}: add --yes to confirm`);
      print(await destroy(env, options));
      return 0;
    default:
      throw new AutomationError(`unknown command ${command}\n${USAGE}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const known = e instanceof AutomationError || e instanceof ConfigError;
      process.stderr.write(`error: ${known ? (e as Error).message : e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(known ? 1 : 2);
    },
  );
}
