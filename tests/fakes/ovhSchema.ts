/**
 * What the fake OVH API accepts, derived mechanically from the generated OVH API types (npm
 * `@datatr-ux/ovhcloud-types`, the version pinned in package.json): the TypeScript compiler API walks the `.d.ts`
 * files and turns each schema type into a shape (fields, required or not, primitive kinds, enum values, arrays, maps).
 * No field list is kept by hand: a field OVH does not describe is refused because the schema does not have it.
 * Derived once per process (a few hundred ms) and cached.
 */
import * as path from "path";
import * as ts from "typescript";

export type Shape =
  | { kind: "string" | "number" | "boolean" | "any" }
  | { kind: "enum"; name: string; values: string[] }
  | { kind: "array"; items: Shape }
  | { kind: "object"; name: string; fields: Record<string, { shape: Shape; required: boolean }>; additional?: Shape };

/** Schema types the fake validates bodies with (module path under the package's `dist/`, export name). */
export const SCHEMA_TYPES = {
  AppSpecInput: ["cloud/project/ai/app/AppSpecInput", "AppSpecInput"],
  UpdateInput: ["cloud/project/ai/app/UpdateInput", "UpdateInput"],
  ScalingStrategyInput: ["cloud/project/ai/app/ScalingStrategyInput", "ScalingStrategyInput"],
  Label: ["cloud/project/ai/Label", "Label"],
  TokenSpec: ["cloud/project/ai/token/TokenSpec", "TokenSpec"],
  AppStateEnum: ["cloud/project/ai/app/AppStateEnum", "AppStateEnum"],
} as const;
export type SchemaName = keyof typeof SCHEMA_TYPES;

export const TYPES_PACKAGE = "@datatr-ux/ovhcloud-types";
// Through the package's `exports` map ("./*" → "./dist/*"), as ovh/manager imports it.
const DIST = path.dirname(require.resolve(`${TYPES_PACKAGE}/index.d.ts`));

let cached: Record<SchemaName, Shape> | undefined;

/** The shapes of every `SCHEMA_TYPES` entry, from the installed package's `.d.ts` files. */
export function ovhSchema(): Record<SchemaName, Shape> {
  if (cached) return cached;
  const files = Object.values(SCHEMA_TYPES).map(([file]) => path.join(DIST, `${file}.d.ts`));
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ["lib.es5.d.ts"] });
  const checker = program.getTypeChecker();
  const shapes = {} as Record<SchemaName, Shape>;
  for (const [name, [file, exported]] of Object.entries(SCHEMA_TYPES) as [SchemaName, readonly [string, string]][]) {
    const source = program.getSourceFile(path.join(DIST, `${file}.d.ts`));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === exported);
    if (!symbol) throw new Error(`${TYPES_PACKAGE}: ${file}.d.ts exports no ${exported}`);
    shapes[name] = shapeOf(checker, checker.getDeclaredTypeOfSymbol(symbol), new Map());
  }
  return (cached = shapes);
}

function shapeOf(checker: ts.TypeChecker, type: ts.Type, seen: Map<ts.Type, Shape>): Shape {
  const known = seen.get(type);
  if (known) return known;
  const f = type.flags;
  if (f & ts.TypeFlags.Any || f & ts.TypeFlags.Unknown) return { kind: "any" };
  if (f & ts.TypeFlags.Boolean || f & ts.TypeFlags.BooleanLiteral) return { kind: "boolean" };
  if (f & ts.TypeFlags.String) return { kind: "string" };
  if (f & ts.TypeFlags.Number) return { kind: "number" };
  if (type.isUnion()) {
    const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    if (members.length > 0 && members.every((t) => t.isStringLiteral()))
      return { kind: "enum", name: checker.typeToString(type), values: members.map((t) => (t as ts.StringLiteralType).value) };
    if (members.length === 1) return shapeOf(checker, members[0], seen);
    if (members.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) return { kind: "boolean" };
    throw new Error(`unsupported union ${checker.typeToString(type)}`);
  }
  if (type.isStringLiteral()) return { kind: "enum", name: checker.typeToString(type), values: [type.value] };
  if (checker.isArrayType(type)) return { kind: "array", items: shapeOf(checker, checker.getTypeArguments(type as ts.TypeReference)[0], seen) };
  if (f & ts.TypeFlags.Object) {
    const shape: Shape = { kind: "object", name: checker.typeToString(type), fields: {} };
    seen.set(type, shape);
    for (const prop of checker.getPropertiesOfType(type)) {
      const required = !(prop.flags & ts.SymbolFlags.Optional);
      const propType = checker.getNonNullableType(checker.getTypeOfSymbol(prop));
      shape.fields[prop.name] = { shape: shapeOf(checker, propType, seen), required };
    }
    const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
    if (index) shape.additional = shapeOf(checker, index.type, seen);
    return shape;
  }
  throw new Error(`unsupported schema type ${checker.typeToString(type)}`);
}

/** A body's problems against a shape, grouped the way OVH reports them. */
export interface SchemaProblems {
  /** Fields the schema does not describe (dotted paths). */
  undescribed: string[];
  /** Required fields that are absent. */
  missing: string[];
  /** Present fields of the wrong kind, or enum values the schema does not list. */
  invalid: { path: string; value: unknown; expected: string }[];
}

export function validate(shape: Shape, value: unknown, at = ""): SchemaProblems {
  const problems: SchemaProblems = { undescribed: [], missing: [], invalid: [] };
  walk(shape, value, at, problems);
  return problems;
}

function walk(shape: Shape, value: unknown, at: string, p: SchemaProblems): void {
  const join = (k: string) => (at ? `${at}.${k}` : k);
  switch (shape.kind) {
    case "any":
      return;
    case "string":
    case "number":
    case "boolean":
      if (typeof value !== shape.kind || (shape.kind === "number" && !Number.isFinite(value))) p.invalid.push({ path: at, value, expected: shape.kind });
      return;
    case "enum":
      if (typeof value !== "string" || !shape.values.includes(value)) p.invalid.push({ path: at, value, expected: `one of ${shape.values.join(", ")}` });
      return;
    case "array":
      if (!Array.isArray(value)) p.invalid.push({ path: at, value, expected: "a list" });
      else value.forEach((v, i) => walk(shape.items, v, `${at}[${i}]`, p));
      return;
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        p.invalid.push({ path: at, value, expected: `an object (${shape.name})` });
        return;
      }
      const obj = value as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        const field = shape.fields[k];
        if (field) {
          if (v !== undefined && v !== null) walk(field.shape, v, join(k), p);
        } else if (shape.additional) walk(shape.additional, v, join(k), p);
        else p.undescribed.push(join(k));
      }
      for (const [k, field] of Object.entries(shape.fields)) if (field.required && (obj[k] === undefined || obj[k] === null)) p.missing.push(join(k));
      return;
    }
  }
}
