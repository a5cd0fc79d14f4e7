/**
 * What a run of the program under mocks can skip, because nothing under mocks uses it:
 * - Dynamic resources carry their provider's code as an input (`__provider`): the SDK serializes the provider object
 *   with its closure-capture machinery (runtime/closure/serializeClosure.js, which parses every captured function
 *   with the TypeScript compiler: about a second of CPU per run). The engine needs that text to run the provider;
 *   under mocks nothing runs it, and the plan drops the input anyway (mockRuntime.ts).
 * - The SDK formats a stack trace for every promise it makes (runtime/debuggable.js `_debugStackTrace`) and, with the
 *   source maps tsx turns on, each costs about a millisecond. (Resources' own source positions set their own limit.)
 * Registrations, their order and every other input are unchanged. PLAN_DEBUG=1 keeps stack traces.
 */

const SERIALIZER = require.resolve("@pulumi/pulumi/runtime/closure/serializeClosure");
export const UNSERIALIZED_PROVIDER = "// provider code not serialized under mocks (scripts/plan/lean.ts)";

/**
 * SDK modules a process that only runs the program under mocks never calls, and that cost most of the SDK's load
 * time (more still through tsx's resolver): the Automation API (@npmcli/arborist, pacote...), code-path analysis
 * for function serialization (arborist again) and the closure serializer (the TypeScript compiler). `@pulumi/pulumi`
 * loads them eagerly (index.js, runtime/index.js). For the plan CLI only (one program run per process, no Automation
 * API), and before the SDK is first loaded: stubs that throw, naming themselves, if anything calls them.
 */
const UNUSED_UNDER_MOCKS = ["automation/index", "runtime/closure/codePaths", "runtime/closure/serializeClosure"];

export function skipUnusedSdkModules(): void {
  for (const rel of UNUSED_UNDER_MOCKS) {
    const file = require.resolve(`@pulumi/pulumi/${rel}`);
    if (require.cache[file]) throw new Error(`skipUnusedSdkModules: @pulumi/pulumi/${rel} is already loaded`);
    const exports =
      rel === "runtime/closure/serializeClosure"
        ? { serializeFunction: async () => ({ text: UNSERIALIZED_PROVIDER, containsSecrets: false }), serializeFunctionAsync: async () => UNSERIALIZED_PROVIDER }
        : new Proxy(
            {},
            {
              get: (_, key) => {
                if (key === "__esModule") return true;
                if (typeof key === "symbol" || key === "then") return undefined;
                // Read (re-exported) freely; fails when used.
                return () => {
                  throw new Error(`@pulumi/pulumi/${rel}.${String(key)} is not loaded in this process (scripts/plan/lean.ts)`);
                };
              },
            },
          );
    require.cache[file] = { id: file, filename: file, loaded: true, exports } as unknown as NodeJS.Module;
  }
}

/** Runs `run` (synchronous: the program's construction) with the serializer replaced by a stub. */
export function withoutClosureSerialization<T>(run: () => T): T {
  const saved = require.cache[SERIALIZER];
  const stub = { serializeFunction: async () => ({ text: UNSERIALIZED_PROVIDER, containsSecrets: false }) };
  require.cache[SERIALIZER] = { id: SERIALIZER, filename: SERIALIZER, loaded: true, exports: stub } as unknown as NodeJS.Module;
  try {
    return run();
  } finally {
    if (saved) require.cache[SERIALIZER] = saved;
    else delete require.cache[SERIALIZER];
  }
}

/** Runs `run` (a whole mock run, settling included) without stack traces or source maps. */
export async function withoutStackTraces<T>(run: () => Promise<T>): Promise<T> {
  if (process.env.PLAN_DEBUG) return run();
  const sourceMaps = process.sourceMapsEnabled;
  const limit = Error.stackTraceLimit;
  process.setSourceMapsEnabled(false);
  Error.stackTraceLimit = 0;
  try {
    return await run();
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
    Error.stackTraceLimit = limit;
  }
}
