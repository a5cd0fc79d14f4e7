/**
 * Dynamic resources carry their provider's code as an input (`__provider`): the SDK serializes the provider object
 * with its closure-capture machinery (runtime/closure/serializeClosure.js, which loads the TypeScript compiler and
 * parses every captured function: about a second of CPU per run). The engine needs that text to run the provider;
 * under mocks nothing runs it, and the plan drops the input anyway (mockRuntime.ts). `withoutClosureSerialization`
 * runs a program with the serializer replaced by a stub, for the duration of the call only: registrations, their
 * order and every other input are unchanged.
 */

const SERIALIZER = require.resolve("@pulumi/pulumi/runtime/closure/serializeClosure");
export const UNSERIALIZED_PROVIDER = "// provider code not serialized under mocks (scripts/plan/closures.ts)";

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
