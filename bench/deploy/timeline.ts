/**
 * A simulated `pulumi up`: the real program (program.ts) runs under Pulumi's mock runtime, and every create takes
 * the duration `durations.ts` gives its kind of resource. Nothing about ordering is modelled here: the Pulumi SDK
 * itself holds each registration back until its parent, its provider, its `dependsOn` (components expanded to their
 * children) and every resource an input Output came from have been created, exactly as with the engine, and the
 * engine's parallelism is unbounded by default (`pulumi up --parallel`: "Defaults to unbounded. (default 2147483647)",
 * Pulumi CLI reference and sdk/go/auto/optup). What is added is physics: a create cannot do its work before what it
 * really needs (needs.ts) has finished, declared or not.
 *
 * Time is virtual: minutes are scaled down to nothing. The clock stands still while the program reacts (the SDK and
 * the mock monitor run on promises only, no timers), then jumps to the next create that ends. So a simulated hour
 * takes well under a second and the result does not depend on the machine's load; real timers scaled to
 * milliseconds were tried and were dominated by the program's own CPU time on a shared machine.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../config/load";
import { isGpuFlavor, PROJECT } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { deployStack } from "../../program";
import { MockRecorder, unwrapSecrets } from "../../scripts/plan/mockRecorder";
import { withoutClosureSerialization, withoutStackTraces } from "../../scripts/plan/lean";
import { applyOverrides, type ConfigOverride } from "../../scripts/plan/overrides";
import { durationKeyOf, durationOf } from "./durations";
import type { SimResource } from "./model";
import { needsOf, ResourceIndex, type AnyOf, type Need } from "./needs";

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any; waitForRPCs(): Promise<void> };
/* eslint-enable @typescript-eslint/no-require-imports */

export interface SimulateOptions {
  stack: string;
  /** `-c key=value` overrides, as for `npm run plan`. */
  overrides?: ConfigOverride[];
  /** At most this many creates at once (`pulumi up --parallel N`); unbounded by default, like Pulumi. */
  parallel?: number;
  /** Minutes after its start at which a create fails instead of finishing (undefined: it succeeds). */
  fail?: (r: SimResource) => number | undefined;
  /** `pulumi up --continue-on-error`; without it Pulumi starts nothing new after the first failure. */
  continueOnError?: boolean;
  /** A different duration for some creates (minutes), e.g. an AI Deploy app that never becomes RUNNING. */
  duration?: (r: SimResource) => number | undefined;
}

export interface Step {
  resource: SimResource;
  /** How it was held back by the step before it: a dependency Pulumi knew of, or a need it did not wait for. */
  via: "start" | "declared" | "needed";
  lag: number;
  why?: string;
  /** On the lower-bound chain: the earliest minutes this create could run. */
  bound?: { start: number; end: number };
}

export interface Timeline {
  resources: SimResource[];
  /** Minute at which the last create returned: the wall time of `pulumi up`. */
  wall: number;
  /** Longest chain of needed dependencies (needs.ts), durations included. */
  lowerBound: number;
  ratio: number;
  /** The chain of creates that set the wall time, first to last. */
  criticalPath: Step[];
  /** The chain that sets the lower bound, first to last. */
  boundPath: Step[];
  /**
   * Needs the program does not declare (not even through other dependencies): Pulumi starts the create early and its
   * await (timeout included) absorbs the wait. The simulation still makes the work wait for them.
   */
  undeclaredNeeds: { resource: SimResource; need: SimResource; why: string }[];
  /** Needs that ended after the create began its work: the simulation could not honour them (a bug in needs.ts or here). */
  unmetNeeds: { resource: SimResource; need: SimResource; why: string }[];
  /** Resources never created because something failed first. */
  notCreated: SimResource[];
  index: ResourceIndex;
}

const EPSILON = 1e-9;

/** Simulated minutes: time stands still while the program reacts, then jumps to the next create that ends. */
class VirtualClock {
  private minute = 0;
  private seq = 0;
  private readonly queue: { t: number; seq: number; resolve: () => void }[] = [];
  now = () => this.minute;
  until(minute: number): Promise<void> {
    return new Promise((resolve) => this.queue.push({ t: Math.max(minute, this.minute), seq: this.seq++, resolve }));
  }
  /** Jumps to the next pending event and fires every event due then; false when none is left. */
  advance(): boolean {
    if (this.queue.length === 0) return false;
    this.queue.sort((a, b) => a.t - b.t || a.seq - b.seq);
    this.minute = this.queue[0].t;
    while (this.queue.length > 0 && this.queue[0].t <= this.minute) this.queue.shift()!.resolve();
    return true;
  }
}

/** A counting semaphore for `--parallel`. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

function urnOf(parent: string | undefined, type: string, name: string, stack: string): string {
  // Same construction as the mock monitor (runtime/mocks.js newUrn).
  const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${[stack, PROJECT, qualified, name].join("::")}`;
}

class Simulation {
  readonly index = new ResourceIndex();
  private readonly order: SimResource[] = [];
  private readonly done = new Map<string, { promise: Promise<number>; resolve: (t: number) => void }>();
  private readonly registrations = new Map<string, { urn: string; parent?: string; provider?: string; deps: string[]; read: boolean }>();
  private readonly clock: VirtualClock;
  private readonly slots?: Slots;
  private readonly recorder: MockRecorder;
  private activity = 0;
  private stoppedAt?: number;

  constructor(private readonly opts: SimulateOptions) {
    this.clock = new VirtualClock();
    this.slots = opts.parallel ? new Slots(opts.parallel) : undefined;
    this.recorder = new MockRecorder();
  }

  readonly mocks: pulumi.runtime.Mocks = {
    newResource: async (args) => {
      this.activity++;
      const key = `${args.type}::${args.name}`;
      const reg = this.registrations.get(key);
      if (!reg) throw new Error(`simulation: no registration seen for ${key}`);
      const custom = args.custom !== false;
      const r: SimResource = {
        urn: reg.urn,
        type: args.type,
        name: args.name,
        id: custom ? `${args.name}-id` : "",
        custom,
        read: reg.read,
        parent: reg.parent,
        provider: reg.provider,
        declared: [...new Set([...reg.deps, ...(reg.parent ? [reg.parent] : []), ...(reg.provider ? [reg.provider] : [])])],
        inputs: unwrapSecrets(args.inputs),
        duration: { key: "instant", minutes: 0 },
        start: this.clock.now(),
      };
      const cluster = this.index.get(r.provider)?.parent;
      const onGpuCluster = this.index.all().some((p) => p.type === "ovh:CloudProject/kubeNodePool:KubeNodePool" && p.parent === cluster && isGpuFlavor(String(p.inputs.flavorName)));
      r.duration = durationOf(durationKeyOf(r, { onGpuCluster }));
      const override = this.opts.duration?.(r);
      if (override !== undefined) r.duration = { ...r.duration, minutes: override };
      this.index.add(r);
      this.order.push(r);
      await this.run(r);
      this.activity++;
      return this.recorder.newResource(args);
    },
    call: (args) => this.recorder.call(args),
  };

  private doneOf(urn: string) {
    let entry = this.done.get(urn);
    if (!entry) {
      let resolve!: (t: number) => void;
      const promise = new Promise<number>((r) => (resolve = r));
      entry = { promise, resolve };
      this.done.set(urn, entry);
    }
    return entry;
  }

  private async run(r: SimResource): Promise<void> {
    const finish = (t: number) => this.doneOf(r.urn).resolve(t);
    if (this.stoppedAt !== undefined) {
      finish(Infinity);
      throw new Error(`${r.name}: not created, the update stopped at minute ${this.stoppedAt} after a failure`);
    }
    await this.slots?.take();
    try {
      // Let every create Pulumi starts at this same minute register first, then wait for what this one really needs
      // (what Pulumi also waited for is done already).
      await this.clock.until(r.start);
      const waits = needsOf(r, this.index).map((n) => this.needDone(n));
      const ready = Math.max(r.start, ...(await Promise.all(waits)));
      if (!Number.isFinite(ready)) {
        finish(Infinity);
        throw new Error(`${r.name}: a prerequisite failed`);
      }
      r.ready = ready;
      const failAfter = this.opts.fail?.(r);
      if (failAfter !== undefined) {
        await this.clock.until(ready + failAfter);
        r.failed = true;
        if (!this.opts.continueOnError) this.stoppedAt ??= this.clock.now();
        finish(Infinity);
        throw new Error(`${r.name}: failed (simulated) at minute ${this.clock.now()}`);
      }
      await this.clock.until(ready + r.duration.minutes);
      r.end = this.clock.now();
      finish(r.end);
    } finally {
      this.slots?.give();
    }
  }

  private needDone(n: Need | AnyOf): Promise<number> {
    if ("anyOf" in n) return Promise.race(n.anyOf.map((x) => this.doneOf(x.urn).promise)).then((t) => t + n.lag);
    return this.doneOf(n.on.urn).promise.then((t) => t + n.lag);
  }

  /** Records what each registration request carries (parent, provider, dependencies) before the mocks see it. */
  tapMonitor(stack: string): void {
    const monitor = settings.getMonitor();
    for (const method of ["registerResource", "readResource"] as const) {
      const original = monitor[method].bind(monitor);
      monitor[method] = (req: any, callback: (err: unknown, resp: unknown) => void) => {
        const parent: string | undefined = req.getParent() || undefined;
        const providerRef: string = req.getProvider() ?? "";
        this.registrations.set(`${req.getType()}::${req.getName()}`, {
          urn: urnOf(parent, req.getType(), req.getName(), stack),
          parent,
          provider: providerRef ? providerRef.split("::").slice(0, -1).join("::") : undefined,
          deps: req.getDependenciesList(),
          read: method === "readResource",
        });
        return original(req, callback);
      };
    }
  }

  /** Advances time whenever the program has nothing left to do at the current minute. */
  async drive(): Promise<void> {
    for (;;) {
      await this.quiesce();
      if (!this.clock.advance()) break;
    }
    await settings.waitForRPCs().catch(() => undefined);
  }

  private async quiesce(): Promise<void> {
    // The SDK and the mock monitor work on promises only (no timers): one macrotask turn drains every reaction.
    let last = -1;
    for (let stable = 0; stable < 3; ) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.activity === last) stable++;
      else {
        stable = 0;
        last = this.activity;
      }
    }
  }

  timeline(): Timeline {
    const resources = this.order;
    const full = new ResourceIndex(resources);
    const created = resources.filter((r) => r.end !== undefined);
    const wall = Math.max(0, ...created.map((r) => r.end!));

    // Lower bound: longest chain of needs, over every resource the program registered.
    const bound = new Map<string, { value: number; via?: { on: SimResource; lag: number; why: string } }>();
    const boundOf = (r: SimResource, stack = new Set<string>()): number => {
      const known = bound.get(r.urn);
      if (known) return known.value;
      if (stack.has(r.urn)) throw new Error(`needs.ts: cycle through ${r.name}`);
      stack.add(r.urn);
      let best = 0;
      let via: { on: SimResource; lag: number; why: string } | undefined;
      for (const n of needsOf(r, full)) {
        const options = "anyOf" in n ? n.anyOf : [n.on];
        const pick = options.map((o) => ({ o, t: boundOf(o, stack) + n.lag })).sort((a, b) => a.t - b.t)[0];
        if (pick && pick.t > best) {
          best = pick.t;
          via = { on: pick.o, lag: n.lag, why: n.why };
        }
      }
      stack.delete(r.urn);
      const value = best + r.duration.minutes;
      bound.set(r.urn, { value, via });
      return value;
    };
    const lowerBound = Math.max(0, ...resources.map((r) => boundOf(r)));

    const last = (rs: SimResource[], key: (r: SimResource) => number) => rs.reduce<SimResource | undefined>((a, r) => (a === undefined || key(r) > key(a) ? r : a), undefined);
    const boundPath: Step[] = [];
    for (let r = last(resources, (x) => boundOf(x)); r; ) {
      const via = bound.get(r.urn)!.via;
      const end = bound.get(r.urn)!.value;
      boundPath.unshift({ resource: r, via: via ? "needed" : "start", lag: via?.lag ?? 0, why: via?.why, bound: { start: end - r.duration.minutes, end } });
      r = via?.on;
    }

    // Critical path: from the last create back through whatever held each one back the longest.
    const criticalPath: Step[] = [];
    for (let r = last(created, (x) => x.end!); r; ) {
      let gate: (Step & { at: number }) | undefined;
      for (const d of r.declared) {
        const dep = full.get(d);
        if (dep?.end !== undefined && dep.end > (gate?.at ?? 0) + EPSILON) gate = { resource: dep, via: "declared", lag: 0, at: dep.end };
      }
      for (const n of needsOf(r, full)) {
        const first = ("anyOf" in n ? n.anyOf : [n.on]).filter((o) => o.end !== undefined).sort((a, b) => a.end! - b.end!)[0];
        if (first && first.end! + n.lag > (gate?.at ?? 0) + EPSILON) gate = { resource: first, via: "needed", lag: n.lag, why: n.why, at: first.end! + n.lag };
      }
      criticalPath.unshift({ resource: r, via: gate?.via ?? "start", lag: gate?.lag ?? 0, why: gate?.why });
      r = gate?.resource;
    }

    const undeclaredNeeds: Timeline["undeclaredNeeds"] = [];
    const unmetNeeds: Timeline["unmetNeeds"] = [];
    const closure = new Map<string, Set<string>>();
    const reach = (urn: string): Set<string> => {
      let set = closure.get(urn);
      if (set) return set;
      set = new Set<string>();
      closure.set(urn, set);
      for (const d of full.get(urn)?.declared ?? []) {
        set.add(d);
        for (const x of reach(d)) set.add(x);
      }
      return set;
    };
    for (const r of created) {
      for (const n of needsOf(r, full)) {
        const options = "anyOf" in n ? n.anyOf : [n.on];
        if (!options.some((o) => reach(r.urn).has(o.urn))) undeclaredNeeds.push({ resource: r, need: options[0], why: n.why });
        if (!options.some((o) => o.end !== undefined && o.end + n.lag <= r.ready! + EPSILON)) unmetNeeds.push({ resource: r, need: options[0], why: n.why });
      }
    }

    return {
      resources,
      wall,
      lowerBound,
      ratio: lowerBound > 0 ? wall / lowerBound : 1,
      criticalPath,
      boundPath,
      undeclaredNeeds,
      unmetNeeds,
      notCreated: resources.filter((r) => r.end === undefined && !r.failed),
      index: full,
    };
  }
}

/** Runs the program for a stack file under a simulated clock and returns the timeline. */
export function simulateDeploy(opts: SimulateOptions): Promise<Timeline> {
  return withoutStackTraces(() => simulate(opts));
}

async function simulate(opts: SimulateOptions): Promise<Timeline> {
  const file = readStackFile(opts.stack);
  pulumi.runtime.setAllConfig(applyOverrides(file.allConfig, opts.overrides ?? []), file.secretKeys);
  const sim = new Simulation(opts);
  await pulumi.runtime.setMocks(sim.mocks, PROJECT, opts.stack, false);
  sim.tapMonitor(opts.stack);

  // Failed creates reject the outputs of what depends on them; Pulumi reports those, here they are expected.
  const swallow = () => undefined;
  const consoleError = console.error;
  if (opts.fail) {
    process.on("unhandledRejection", swallow);
    console.error = () => undefined;
  }
  try {
    withoutClosureSerialization(() => deployStack(loadStackConfig()));
    await sim.drive();
    if (opts.fail) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    if (opts.fail) {
      process.off("unhandledRejection", swallow);
      console.error = consoleError;
    }
  }
  return sim.timeline();
}
